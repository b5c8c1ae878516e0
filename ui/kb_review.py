"""The knowledge editor's page (知识库审核): agents' error reports (纠错) and experts' proposed answers,
oldest first, each beside the entry as the seats have it now, decided from the keyboard.

Up/Down pick a report. A accepts: the answer box holds the proposed answer (or the current one, to
correct), and Ctrl+Enter makes it the entry's new version, which the feed takes to every seat. R
rejects: the reason is required, and the reporter reads it on their own list. Esc goes back to the
list; Ctrl+R reads it again."""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QTextBrowser, QVBoxLayout, QWidget

from ui.decision_page import DecisionPage
from ui.operation import Operation
from ui.page import moment
from ui.rows_model import RowsModel
from workstation.desk_lists import ANSWER_MAX, NOTE_MAX, KbReviewService


class KbReviewModel(RowsModel):
    """Reports waiting: the entry, what is said, a proposed answer or not, who, when."""

    ENTRY, COMMENT, PROPOSAL, REPORTER, AT = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Entry"), self.tr("Report"), self.tr("Proposed answer"), self.tr("Reported by"),
                          self.tr("Reported at")], parent, "kbReviewModel")

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return {self.ENTRY: str(item.get("_title") or item.get("entry_id") or ""),
                self.COMMENT: " ".join(str(item.get("comment") or "").split()),
                self.PROPOSAL: self.tr("yes") if item.get("proposed_answer") else "",
                self.REPORTER: str(item.get("reported_by") or ""),
                self.AT: moment(item.get("at"))}.get(column, "")


class KbReviewPage(DecisionPage):
    """`set_session(seat)`: the seat's `kb_review` (a KbReviewService) when it has one. A
    decision's mutation id is in `last_decision`."""

    object_name, service_attr, service_class = "kbReviewPage", "kb_review", KbReviewService
    choices = ("accept", "reject")
    action_names = ("acceptCorrectionAction", "rejectCorrectionAction", "sendCorrectionDecisionAction",
                    "backToCorrectionsAction", "refreshCorrectionsAction")
    button_names = ("kbReviewAccept", "kbReviewReject", "kbReviewSend", "kbReviewRefresh")

    def page_title(self) -> str:
        return self.tr("Knowledge reports")

    def _build(self) -> None:
        top = self._build_common("kbReview", KbReviewModel(self))
        self.heading = QLabel(objectName="kbReviewHeading", wordWrap=True)
        self.heading.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.report_label = QLabel(objectName="kbReviewReport", wordWrap=True,
                                   styleSheet="background: palette(alternate-base); padding: 6px;")
        self.current = QTextBrowser(objectName="kbReviewCurrent")
        self.proposed = QTextBrowser(objectName="kbReviewProposed")
        side = QWidget()
        row = QHBoxLayout(side)
        row.setContentsMargins(0, 0, 0, 0)
        for title, browser in ((self.tr("Now on the seats"), self.current), (self.tr("Proposed"), self.proposed)):
            column = QVBoxLayout()
            column.addWidget(QLabel(f"<b>{html.escape(title)}</b>"))
            column.addWidget(browser, 1)
            row.addLayout(column, 1)
        self.decision_label = QLabel(objectName="kbReviewDecision")
        self.answer_edit = QPlainTextEdit(objectName="kbReviewAnswer", tabChangesFocus=True, maximumHeight=120,
                                          placeholderText=self.tr("The answer the entry will have"))
        self.note_edit = QPlainTextEdit(objectName="kbReviewNote", tabChangesFocus=True, maximumHeight=80,
                                        placeholderText=self.tr("Note for the reporter (required to reject). "
                                                                "Ctrl+Enter records"))
        self._lay_out_detail(top, "kbReviewDetail", [(self.heading, 0), (self.report_label, 0), (side, 1),
                                                     (self.decision_label, 0), (self.answer_edit, 0),
                                                     (self.note_edit, 0)], [220, 460])

    def _build_actions(self) -> None:
        self.accept_action, self.reject_action = self._build_decision_actions(
            (self.tr("Accept"), self.tr("Reject")), self.tr("Record the decision"), self.tr("Back to the list"),
            self.tr("Read the reports again"))

    # --- the list -------------------------------------------------------------------------------
    def _enriched(self, item: dict) -> dict:
        entry = self._entry_of(item)
        return {**item, "_title": (entry or {}).get("title") or item.get("entry_id")}

    def _count_text(self, count: int) -> str:
        return self.tr("{count} reports waiting").format(count=count)

    @staticmethod
    def _entry_of(item: dict) -> dict | None:
        """The entry as it is now, sent with the report (no read of the seat's cache, which a
        signing-out seat may be deleting)."""
        if item.get("current_version") is None:
            return None
        return {"title": item.get("entry_title"), "answer": item.get("entry_answer"),
                "version": item.get("current_version")}

    def _edits(self) -> tuple[QPlainTextEdit, ...]:
        return (self.note_edit, self.answer_edit)

    def _show_detail(self, item: dict | None) -> None:
        if item is None:
            self.heading.setText(self.tr("No report selected.") if self._service is not None else "")
            self.report_label.clear()
            self.current.clear()
            self.proposed.clear()
            return
        entry = self._entry_of(item) or {}
        self.heading.setText(str(entry.get("title") or item.get("_title") or ""))
        self.report_label.setText(self.tr("{who} reports: {comment}").format(
            who=item.get("reported_by") or "—", comment=item.get("comment") or "—"))
        version = self.tr("version {version}").format(version=entry.get("version")) if entry else ""
        self.current.setHtml(f"<p><i>{html.escape(version)}</i></p><p>{html.escape(entry.get('answer') or '')}</p>"
                             if entry else html.escape(self.tr("This entry is not on the platform any more.")))
        self.proposed.setPlainText(str(item.get("proposed_answer") or "") or self.tr("(no answer proposed)"))

    # --- deciding ---------------------------------------------------------------------------------
    def _prompt(self, decision: str | None) -> str:
        prompts = {"accept": self.tr("Decision: accept. Check the answer, then Ctrl+Enter"),
                   "reject": self.tr("Decision: reject. Write the reason, then Ctrl+Enter")}
        return prompts.get(decision or "", self.tr("Press A to accept or R to reject"))

    def _typed_next(self, item: dict, decision: str) -> QWidget:
        if decision != "accept":
            return self.note_edit
        if not self.answer_edit.toPlainText().strip():
            entry = self._entry_of(item) or {}
            self.answer_edit.setPlainText(str(item.get("proposed_answer") or entry.get("answer") or ""))
        return self.answer_edit

    def _problem(self, decision: str, note: str) -> tuple[str, QWidget | None] | None:
        answer = self.answer_edit.toPlainText().strip()
        if decision == "accept" and not answer:
            return self.tr("Write the answer the entry will have first."), self.answer_edit
        if len(note) > NOTE_MAX or len(answer) > ANSWER_MAX:
            return self.tr("Too long: a note has at most {note}, an answer {answer} characters.").format(
                note=NOTE_MAX, answer=ANSWER_MAX), self.note_edit
        return None

    def _missing(self, decision: str | None) -> str:
        return (self.tr("Choose first: A accepts, R rejects.") if decision is None
                else self.tr("Write the reason for the rejection first."))

    def _record(self, item: dict, decision: str, note: str) -> Operation[str]:
        assert isinstance(self._service, KbReviewService)
        answer = self.answer_edit.toPlainText().strip() if decision == "accept" else ""
        return self.operation(self._service.decide(item, decision, note, answer)) \
            .failure_text(self.tr("The decision could not be saved: {error}"))

    def _decided_text(self, item: dict, decision: str) -> str:
        return (self.tr("Accepted: “{title}” gets the new answer") if decision == "accept"
                else self.tr("Rejected: the report on “{title}”")).format(title=item.get("_title"))
