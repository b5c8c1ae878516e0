"""The knowledge editor's page (知识库审核): agents' error reports (纠错) and experts' proposed answers,
oldest first, each beside the entry as the seats have it now, decided from the keyboard.

Up/Down pick a report. A accepts: the answer box holds the proposed answer (or the current one, to
correct), and Ctrl+Enter makes it the entry's new version, which the feed takes to every seat. R
rejects: the reason is required, and the reporter reads it on their own list. Esc goes back to the
list; Ctrl+R reads it again."""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QTextBrowser, QVBoxLayout, QWidget

from ui.desk_page import DeskPage
from ui.page import ERROR, action_button, moment, splitter
from ui.rows_model import RowsModel
from workstation.desk_lists import ANSWER_MAX, NOTE_MAX, KbReviewService

ERROR_STYLE = f"color: {ERROR};"
OK_STYLE = "color: #1b6e2a;"


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


class KbReviewPage(DeskPage):
    """`set_session(seat)`: the seat's `kb_review` (a KbReviewService) when it has one. A
    decision's mutation id is in `last_decision`."""

    object_name, service_attr, service_class = "kbReviewPage", "kb_review", KbReviewService

    def page_title(self) -> str:
        return self.tr("Knowledge reports")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._decision: str | None = None
        self._shown_id: str | None = None
        self.last_decision = ""
        self._set_up()

    def _build(self) -> None:
        top = self._build_common("kbReview", KbReviewModel(self))
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._current_changed(current))
        self.setFocusProxy(self.table)
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
        self.answer_edit = QPlainTextEdit(objectName="kbReviewAnswer")
        self.answer_edit.setTabChangesFocus(True)
        self.answer_edit.setMaximumHeight(120)
        self.answer_edit.setPlaceholderText(self.tr("The answer the entry will have"))
        self.note_edit = QPlainTextEdit(objectName="kbReviewNote")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setMaximumHeight(80)
        self.note_edit.setPlaceholderText(self.tr("Note for the reporter (required to reject). Ctrl+Enter records"))
        self.buttons = QHBoxLayout()
        detail = QWidget(objectName="kbReviewDetail")
        box = QVBoxLayout(detail)
        box.setContentsMargins(0, 0, 0, 0)
        for widget, stretch in ((self.heading, 0), (self.report_label, 0), (side, 1), (self.decision_label, 0),
                                (self.answer_edit, 0), (self.note_edit, 0)):
            box.addWidget(widget, stretch)
        box.addLayout(self.buttons)
        self._lay_out(top, self.error_label, self.notice,
                      (splitter("kbReviewSplitter", [self.table, detail], [220, 460]), 1))

    def _build_actions(self) -> None:
        self.accept_action = self.action(self.tr("Accept"), ["A", "Alt+A"], lambda: self.choose("accept"),
                                         name="acceptCorrectionAction")
        self.reject_action = self.action(self.tr("Reject"), ["R", "Alt+R"], lambda: self.choose("reject"),
                                         name="rejectCorrectionAction")
        self.send_action = self.action(self.tr("Record the decision"), ["Ctrl+Return", "Ctrl+Enter"], self.send,
                                       name="sendCorrectionDecisionAction")
        self.back_action = self.action(self.tr("Back to the list"), ["Esc"], self.back_to_list,
                                       name="backToCorrectionsAction")
        self.refresh_action = self.action(self.tr("Read the reports again"), ["Ctrl+R"], self.refresh,
                                          name="refreshCorrectionsAction")
        for action in (self.accept_action, self.reject_action):
            action.setCheckable(True)
        for action, name in ((self.accept_action, "kbReviewAccept"), (self.reject_action, "kbReviewReject"),
                             (self.send_action, "kbReviewSend")):
            self.buttons.addWidget(action_button(action, name))
        self.buttons.addStretch(1)
        self.buttons.addWidget(action_button(self.refresh_action, "kbReviewRefresh"))

    # --- the list -------------------------------------------------------------------------------
    def _show(self) -> None:
        service = self._service
        for action in self.actions_for_help:
            action.setEnabled(service is not None)
        if not isinstance(service, KbReviewService):
            self.model.set_items([])
            self.status_label.setText(self.signed_out_text())
            self._show_report(None)
            self._show_state()
            return
        keep = self._shown_id
        self.model.set_items([self._with_entry(i) for i in service.items])
        self.status_label.setText(self.tr("{count} reports waiting").format(count=len(service.items)))
        self._show_report(self.model.item(self._select(keep)))
        self._show_state()

    def _with_entry(self, item: dict) -> dict:
        entry = self._entry_of(item)
        return {**item, "_title": (entry or {}).get("title") or item.get("entry_id")}

    @staticmethod
    def _entry_of(item: dict) -> dict | None:
        """The entry as it is now, sent with the report (no read of the seat's cache, which a
        signing-out seat may be deleting)."""
        if item.get("current_version") is None:
            return None
        return {"title": item.get("entry_title"), "answer": item.get("entry_answer"),
                "version": item.get("current_version")}

    def _current_changed(self, current: QModelIndex) -> None:
        item = self.model.item(current.row()) if current.isValid() else None
        if item is None or str(item.get("id")) != self._shown_id:
            self._show_report(item)

    def _show_report(self, item: dict | None) -> None:
        new_id = str(item["id"]) if item is not None else None
        if new_id != self._shown_id:
            self._shown_id = new_id
            self.note_edit.clear()
            self.answer_edit.clear()
            self._set_decision(None)
        for widget in (self.note_edit, self.answer_edit):
            widget.setEnabled(item is not None)
        self.send_action.setEnabled(item is not None)
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
    def _set_decision(self, decision: str | None) -> None:
        self._decision = decision
        self.accept_action.setChecked(decision == "accept")
        self.reject_action.setChecked(decision == "reject")
        texts = {"accept": (self.tr("Decision: accept. Check the answer, then Ctrl+Enter"), OK_STYLE),
                 "reject": (self.tr("Decision: reject. Write the reason, then Ctrl+Enter"), ERROR_STYLE)}
        text, style = texts.get(decision or "", (self.tr("Press A to accept or R to reject"), ""))
        self.decision_label.setText(text)
        self.decision_label.setStyleSheet("font-weight: 600; " + style)

    @property
    def decision(self) -> str | None:
        return self._decision

    def choose(self, decision: str) -> None:
        item = self.current_item()
        if item is None:
            self._set_decision(None)
            return
        self._set_decision(decision)
        self.error_label.clear()
        if decision == "accept":
            if not self.answer_edit.toPlainText().strip():
                entry = self._entry_of(item) or {}
                self.answer_edit.setPlainText(str(item.get("proposed_answer") or entry.get("answer") or ""))
            self.answer_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def back_to_list(self) -> None:
        self._set_decision(None)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def send(self) -> None:
        item, service = self.current_item(), self._service
        if item is None or not isinstance(service, KbReviewService):
            return
        if self._decision is None:
            self.error_label.setText(self.tr("Choose first: A accepts, R rejects."))
            return
        note, answer = self.note_edit.toPlainText().strip(), self.answer_edit.toPlainText().strip()
        problem = None
        if self._decision == "reject" and not note:
            problem, field = self.tr("Write the reason for the rejection first."), self.note_edit
        elif self._decision == "accept" and not answer:
            problem, field = self.tr("Write the answer the entry will have first."), self.answer_edit
        elif len(note) > NOTE_MAX or len(answer) > ANSWER_MAX:
            problem, field = self.tr("Too long: a note has at most {note}, an answer {answer} characters.").format(
                note=NOTE_MAX, answer=ANSWER_MAX), self.note_edit
        if problem:
            self.error_label.setText(problem)
            field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        correction = {k: v for k, v in item.items() if not k.startswith("_")}
        decision = self._decision
        self.operation(service.decide(correction, decision, note, answer if decision == "accept" else "")) \
            .busy(self.send_action).enable_after(lambda: self.current_item() is not None) \
            .failure_text(self.tr("The decision could not be saved: {error}")) \
            .success(lambda mutation_id: self._decided(item, decision, mutation_id)).run()

    def _decided(self, item: dict, decision: str, mutation_id: str) -> None:
        self.last_decision = mutation_id
        text = (self.tr("Accepted: “{title}” gets the new answer") if decision == "accept"
                else self.tr("Rejected: the report on “{title}”")).format(title=item.get("_title"))
        self.error_label.clear()
        self.notice.setText(self.texts.kept(text, self._seat))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
