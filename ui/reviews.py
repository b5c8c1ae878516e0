"""The dispatcher's review page (审核): pending returns (退单), extensions (延期) and unreasonable
repeat requests (无理重复诉求), oldest first, decided from the keyboard.

Up/Down pick a review; its order's facts and the applicant's reason show below. A approves, R refuses
(Alt+A / Alt+R from anywhere in the page): the focus goes to the note; Ctrl+Enter records the decision
(a refusal needs its reason), Esc goes back to the list. Ctrl+R reads the list again."""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QTextBrowser, QVBoxLayout, QWidget

from domain.phone import mask_phone
from ui.desk_page import DeskPage, DeskTexts
from ui.page import ERROR, action_button, day, facts_table, moment, request_type_name, splitter
from ui.rows_model import RowsModel
from workstation.desk_lists import NOTE_MAX, ReviewService

log = logging.getLogger(__name__)

ERROR_STYLE = f"color: {ERROR};"
MUTED_STYLE = "color: palette(mid);"
OK_STYLE = "color: #1b6e2a;"


# --- the review page -----------------------------------------------------------------------------------

class ReviewsModel(RowsModel):
    """Pending reviews: kind, order, title, unit, applicant, what is asked, when."""

    KIND, NUMBER, TITLE, UNIT, APPLICANT, ASKED, APPLIED = range(7)
    IdRole = Qt.ItemDataRole.UserRole + 1
    KindRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Kind"), self.tr("Order"), self.tr("Title"), self.tr("Unit"),
                          self.tr("Applicant"), self.tr("Asked"), self.tr("Applied at")], parent, "reviewsModel")
        self._texts = DeskTexts(self)

    def asked(self, item: dict) -> str:
        if item.get("kind") != "extension":
            return ""
        if item.get("hours_asked"):
            return self.tr("+{hours} h").format(hours=item["hours_asked"])
        if item.get("days_asked"):
            return self.tr("+{days} working days").format(days=item["days_asked"])
        return ""

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role == self.IdRole:
            return str(item.get("id"))
        if role == self.KindRole:
            return item.get("kind")
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.TITLE, self.KIND):
            return item.get("reason") or None
        return None

    def _text(self, item: dict, column: int) -> str:
        facts = item.get("_facts") or {}
        if column == self.KIND:
            return self._texts.review_kind(str(item.get("kind")))
        if column == self.NUMBER:
            return str(item.get("number") or "")
        if column == self.TITLE:
            return " ".join(str(facts.get("title") or "").split())
        if column == self.UNIT:
            return str(item.get("_unit") or "")
        if column == self.APPLICANT:
            return str(item.get("applicant") or "")
        if column == self.ASKED:
            return self.asked(item)
        if column == self.APPLIED:
            return moment(item.get("created_at"))
        return ""


ORDER_FIELDS = ("title", "status", "request_type", "category_id", "caller_phone", "deadline", "created_at",
                "handling_unit_id", "content", "urgency", "repeat_count", "units")


class ReviewsPage(DeskPage):
    """`set_session(seat)`: the seat's `reviews` (a ReviewService) when it has one. Signal-free: a
    decision's mutation id is in `last_decision`."""

    object_name, service_attr, service_class = "reviewsPage", "reviews", ReviewService

    def page_title(self) -> str:
        return self.tr("Reviews")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._decision: str | None = None
        self._shown_id: str | None = None
        self.last_decision = ""
        self._set_up()

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        top = self._build_common("reviews", ReviewsModel(self))
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._current_changed(current))
        self.table.activated.connect(lambda _index: self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason))
        self.setFocusProxy(self.table)

        self.heading = QLabel(objectName="reviewHeading")
        self.heading.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.heading.setWordWrap(True)
        self.reason_label = QLabel(objectName="reviewReason", wordWrap=True, styleSheet="background: "
                                   "palette(alternate-base); padding: 6px;",
                                   textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QTextBrowser(objectName="reviewFacts")
        self.facts.setOpenLinks(False)
        self.decision_label = QLabel(objectName="reviewDecision")
        self.decision_label.setStyleSheet("font-weight: 600;")
        self.note_edit = QPlainTextEdit(objectName="reviewNote")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setMaximumHeight(110)
        self.note_edit.setPlaceholderText(self.tr("Note for the unit: the reason for your decision "
                                                  "(required to refuse). Ctrl+Enter records"))
        self.buttons = QHBoxLayout()

        detail = QWidget(objectName="reviewDetail")
        box = QVBoxLayout(detail)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.heading)
        box.addWidget(self.reason_label)
        box.addWidget(self.facts, 1)
        box.addWidget(self.decision_label)
        box.addWidget(self.note_edit)
        box.addLayout(self.buttons)
        self._lay_out(top, self.error_label, self.notice,
                      (splitter("reviewsSplitter", [self.table, detail], [240, 420]), 1))

    def _build_actions(self) -> None:
        self.approve_action = self.action(self.tr("Approve"), ["A", "Alt+A"], lambda: self.choose("approve"),
                                          name="approveReviewAction")
        self.refuse_action = self.action(self.tr("Refuse"), ["R", "Alt+R"], lambda: self.choose("refuse"),
                                         name="refuseReviewAction")
        self.send_action = self.action(self.tr("Record the decision"), ["Ctrl+Return", "Ctrl+Enter"], self.send,
                                       name="sendReviewAction")
        self.back_action = self.action(self.tr("Back to the list"), ["Esc"], self.back_to_list,
                                       name="backToReviewsAction")
        self.refresh_action = self.action(self.tr("Read the reviews again"), ["Ctrl+R"], self.refresh,
                                          name="refreshReviewsAction")
        for action in (self.approve_action, self.refuse_action):
            action.setCheckable(True)
        for action, name in ((self.approve_action, "reviewApprove"), (self.refuse_action, "reviewRefuse"),
                             (self.send_action, "reviewSend")):
            self.buttons.addWidget(action_button(action, name))
        self.buttons.addStretch(1)
        self.buttons.addWidget(action_button(self.refresh_action, "reviewsRefresh"))

    # --- the list -------------------------------------------------------------------------------
    def _show(self) -> None:
        service = self._service
        enabled = service is not None
        for action in self.actions_for_help:
            action.setEnabled(enabled)
        if not isinstance(service, ReviewService):
            self.model.set_items([])
            self.status_label.setText(self.signed_out_text())
            self._show_review(None)
            self._show_state()
            return
        keep = self._shown_id
        self.model.set_items([self._enriched(i) for i in service.items])
        self.status_label.setText(self.tr("{count} reviews pending").format(count=len(service.items)))
        row = self._select(keep)
        self._show_review(self.model.item(row))
        self._show_state()

    def _enriched(self, item: dict) -> dict:
        """The review with its order's facts: what the platform sent, else the seat's cache."""
        assert isinstance(self._service, ReviewService)
        facts: dict[str, Any] = dict(self._service.order(str(item.get("number"))) or {})
        if isinstance(item.get("order"), dict):
            facts.update({k: v for k, v in item["order"].items() if v is not None})
        facts.update({k: item[k] for k in ORDER_FIELDS if item.get(k) is not None})
        if item.get("order_status"):  # the review has a state of its own: the order's comes under this name
            facts["status"] = item["order_status"]
        unit = item.get("unit_id") or facts.get("handling_unit_id")
        name = self._seat.catalog.unit_name(unit) if self._seat is not None else str(unit or "")
        return {**item, "_facts": facts, "_unit": name}

    def _current_changed(self, current: QModelIndex) -> None:
        item = self.model.item(current.row()) if current.isValid() else None
        if item is None or str(item.get("id")) != self._shown_id:
            self._show_review(item)

    def _show_review(self, item: dict | None) -> None:
        new_id = str(item["id"]) if item is not None else None
        if new_id != self._shown_id:
            self._shown_id = new_id
            self.note_edit.clear()
            self._set_decision(None)
        self.note_edit.setEnabled(item is not None)
        self.send_action.setEnabled(item is not None)
        if item is None:
            self.heading.setText(self.tr("No review selected.") if self._service is not None else "")
            self.reason_label.clear()
            self.reason_label.hide()
            self.facts.clear()
            return
        kind = self.texts.review_kind(str(item.get("kind")))
        self.heading.setText(self.tr("{kind} · order {number}").format(kind=kind, number=item.get("number")))
        applicant = item.get("applicant") or item.get("_unit") or "—"
        asked = self.model.asked(item)
        reason = self.tr("{applicant} asks: {reason}").format(applicant=applicant, reason=item.get("reason") or "—")
        self.reason_label.setText(reason + (f"  ({asked})" if asked else ""))
        self.reason_label.show()
        self.facts.setHtml(self._facts_html(item))

    def _facts_html(self, item: dict) -> str:
        facts = item.get("_facts") or {}
        kind = request_type_name(facts.get("request_type"))
        rows: list[tuple[str, object]] = [
            (self.tr("Title"), facts.get("title")),
            (self.tr("Status"), self.texts.status(facts.get("status"))),
            (self.tr("Type"), kind),
            (self.tr("Category"), self.category_name(str(facts.get("category_id") or ""))),
            (self.tr("Caller"), mask_phone(str(facts.get("caller_phone"))) if facts.get("caller_phone") else ""),
            (self.tr("Unit"), item.get("_unit")),
            (self.tr("Deadline"), day(facts.get("deadline"))),
            (self.tr("Accepted at"), day(facts.get("created_at"))),
            (self.tr("Applied at"), day(item.get("created_at"))),
        ]
        if item.get("kind") == "unreasonable_repeat" and facts.get("repeat_count") is not None:
            rows.append((self.tr("Repeat requests"), facts.get("repeat_count")))
        if facts.get("content"):
            rows.append((self.tr("Content"), facts["content"]))
        if not facts:
            rows.append((self.tr("Note"), self.tr("This order is not in the local cache yet.")))
        return facts_table(rows)

    # --- deciding ---------------------------------------------------------------------------------
    def _set_decision(self, decision: str | None) -> None:
        self._decision = decision
        self.approve_action.setChecked(decision == "approve")
        self.refuse_action.setChecked(decision == "refuse")
        if decision == "approve":
            self.decision_label.setText(self.tr("Decision: approve. Add a note if you like, then Ctrl+Enter"))
            self.decision_label.setStyleSheet("font-weight: 600; " + OK_STYLE)
        elif decision == "refuse":
            self.decision_label.setText(self.tr("Decision: refuse. Write the reason, then Ctrl+Enter"))
            self.decision_label.setStyleSheet("font-weight: 600; " + ERROR_STYLE)
        else:
            self.decision_label.setText(self.tr("Press A to approve or R to refuse"))
            self.decision_label.setStyleSheet("font-weight: 600;")

    @property
    def decision(self) -> str | None:
        return self._decision

    def choose(self, decision: str) -> None:
        if self.current_item() is None:
            self._set_decision(None)
            return
        self._set_decision(decision)
        self.error_label.clear()
        self.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)  # what the dispatcher types next

    def back_to_list(self) -> None:
        self._set_decision(None)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def send(self) -> None:
        """Check at once (the dispatcher sees why nothing was recorded), then record."""
        item, service = self.current_item(), self._service
        if item is None or not isinstance(service, ReviewService):
            return
        if self._decision is None:
            self.error_label.setText(self.tr("Choose first: A approves, R refuses."))
            return
        note = self.note_edit.toPlainText().strip()
        if self._decision == "refuse" and not note:
            self.error_label.setText(self.tr("Write the reason for the refusal first."))
            self.note_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if len(note) > NOTE_MAX:
            self.error_label.setText(self.tr("The note is too long ({count} of at most {limit} characters).")
                                     .format(count=len(note), limit=NOTE_MAX))
            return
        review = {k: v for k, v in item.items() if not k.startswith("_")}
        decision = self._decision
        # one decision per Ctrl+Enter, however fast the keys
        self.operation(service.decide(review, decision, note)).busy(self.send_action) \
            .enable_after(lambda: self.current_item() is not None) \
            .failure_text(self.tr("The decision could not be saved: {error}")) \
            .success(lambda mutation_id: self._decided(review, decision, mutation_id)).run()

    def _decided(self, review: dict, decision: str, mutation_id: str) -> None:
        self.last_decision = mutation_id
        kind = self.texts.review_kind(str(review.get("kind")))
        text = (self.tr("Approved: {kind} of order {number}") if decision == "approve"
                else self.tr("Refused: {kind} of order {number}")).format(kind=kind, number=review.get("number"))
        self.error_label.clear()
        self.notice.setText(self.texts.kept(text, self._seat))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
