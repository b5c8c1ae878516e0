"""The missed-call page: the callbacks still to make, oldest first, worked from the keyboard.

Up/Down pick a call, Enter or F9 calls it back (`call_back(phone)`: the window dials), and the
outcome panel opens: 1-5 pick the outcome, then an optional note and work-order number, Ctrl+Enter
records it (through the outbox, so it is kept offline too), Esc closes the panel. F5 fetches the
list again; the platform's missed-call events refresh it by themselves.

F5 and F9 are also the call bar's Ready and Answer: inside this page's list and panel the page takes
F5, and F9 unless a call is ringing or going on (the keys reach the page as key presses because it
accepts their shortcut override, as the knowledge pane does for Ctrl+Enter)."""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from domain.phone import mask_phone
from ui.call_back_keys import CallBackListModel
from ui.call_back_page import CallBackPage
from ui.page import clean, moment
from workstation.missed_calls import NOTE_MAX, ORDER_NUMBER_MAX, OUTCOMES, MissedCallService
from workstation.session import SeatSession

log = logging.getLogger(__name__)


class MissedCallsModel(CallBackListModel):
    """The callback list as the service holds it (read-only; the platform's order: oldest first)."""

    TIME, NUMBER, NAME, QUEUE, ENDED, ATTEMPTS, OUTCOME = range(7)
    CallIdRole = Qt.ItemDataRole.UserRole + 1
    key = "call_id"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Missed at"), self.tr("Number"), self.tr("Name"), self.tr("Queue / line"),
                          self.tr("How it ended"), self.tr("Attempts"), self.tr("Last outcome")], parent, "missedCallsModel")

    def _other(self, item: dict, column: int, role: int) -> Any:
        if role == self.CallIdRole:
            return item["call_id"]
        if role == Qt.ItemDataRole.ToolTipRole and column == self.OUTCOME and item.get("callback_note"):
            return item["callback_note"]
        return None

    def _text(self, item: dict, column: int, calling: bool) -> str:
        if column == self.TIME:
            return moment(item.get("ended_at") or item.get("arrived_at"), self._now)
        if column == self.NUMBER:
            return mask_phone(str(item.get("caller_phone") or ""))
        if column == self.NAME:
            return str(item.get("caller_name") or "")
        if column == self.QUEUE:
            queue = str(item.get("queue") or "")
            return queue if item.get("source", "platform") == "platform" else queue + " · " + self.tr("softphone")
        if column == self.ENDED:
            return self.how_it_ended(item)
        if column == self.ATTEMPTS:
            return str(item.get("callback_attempts") or 0)
        if column == self.OUTCOME:
            return self.tr("Calling back…") if calling else self.outcome_name(item.get("callback_outcome"))
        return ""

    def how_it_ended(self, item: dict) -> str:
        reason = str(item.get("end_reason") or "")
        if item.get("source", "platform") != "platform" or reason in ("caller_cancel", "caller_hangup",
                                                                      "abandoned_ringing"):
            return self.tr("Hung up while ringing")  # a seat's softphone reports only calls that rang
        if reason == "abandoned":
            return self.tr("Abandoned in the queue")
        return self.tr("Ended unanswered") + (f" ({reason})" if reason else "")

    def outcome_name(self, outcome: str | None) -> str:
        names = {"reached": self.tr("Reached"), "no_answer": self.tr("No answer"), "busy": self.tr("Busy"),
                 "invalid_number": self.tr("Invalid number"), "not_needed": self.tr("No longer needed"),
                 "unreachable": self.tr("Unreachable (3 attempts)")}
        return names.get(outcome or "", outcome or "")


class MissedCallsPage(CallBackPage):
    """`set_session(seat)` binds the page to a signed-in seat whose `missed_calls` is its
    MissedCallService (None when signed out). Signals: `call_back(phone)` the number to call back, in
    full; `outcome_recorded(str)` the outbox mutation id of an outcome."""

    object_name, prefix, recorded_alias = "missedCallsPage", "missed", "outcome_recorded"
    model_class = MissedCallsModel
    panel_names = ("OutcomePanel", "OutcomeTitle", "OutcomeError")

    def _texts(self) -> dict[str, str]:
        return {"title": self.tr("Missed calls"), "refresh": self.tr("Refresh the missed calls"),
                "call_back": self.tr("Call back the selected caller"), "record": self.tr("Record the outcome"),
                "cancel": self.tr("Close the outcome panel"),
                "signed_out": self.tr("Signed out: sign in to see the missed calls."),
                "not_saved": self.tr("The outcome could not be saved: {error}")}

    # --- layout ---------------------------------------------------------------------------------
    def _build_panel(self, box: QVBoxLayout) -> None:
        self.outcome_row = QWidget(objectName="missedOutcomes")
        row = QHBoxLayout(self.outcome_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.outcome_group = QButtonGroup(self)
        self.outcome_buttons: dict[str, QToolButton] = {}
        for outcome in OUTCOMES:
            self.outcome_buttons[outcome] = self._choice(f"outcome_{outcome}", self.outcome_group)
            row.addWidget(self.outcome_buttons[outcome])
        row.addStretch(1)
        self.note_edit = QLineEdit(objectName="missedNote")
        self.note_edit.setMaxLength(NOTE_MAX)
        self.note_edit.installEventFilter(self)
        self.order_edit = QLineEdit(objectName="missedOrder")
        self.order_edit.setMaxLength(ORDER_NUMBER_MAX)
        self.order_edit.installEventFilter(self)
        form = QFormLayout()
        self.note_caption = QLabel(self.tr("Note"))
        self.order_caption = QLabel(self.tr("Work order"))
        form.addRow(self.note_caption, self.note_edit)
        form.addRow(self.order_caption, self.order_edit)
        self.note_edit.setPlaceholderText(self.tr("Optional: what was agreed with the caller"))
        self.order_edit.setPlaceholderText(self.tr("Optional: number of the work order made on the call"))
        box.addWidget(self.outcome_row)
        box.addLayout(form)

    def _build_panel_actions(self) -> None:
        self.outcome_actions: dict[str, QAction] = {}
        for digit, outcome in enumerate(OUTCOMES, start=1):
            text = self.model.outcome_name(outcome)
            action = self.action(self.tr("Outcome: {outcome}").format(outcome=text), [str(digit)],
                                 lambda _=False, o=outcome: self.choose_outcome(o), self.panel)
            self.outcome_actions[outcome] = action
            self.outcome_buttons[outcome].setText(f"{digit} {text}")
            self.outcome_buttons[outcome].setToolTip(action.toolTip())
            self.outcome_buttons[outcome].clicked.connect(lambda _=False, o=outcome: self.choose_outcome(o))

    # --- the list -------------------------------------------------------------------------------
    def _service_for(self, seat: SeatSession) -> tuple[MissedCallService | None, bool]:
        return getattr(seat, "missed_calls", None), False

    async def _read(self, service: MissedCallService) -> None:
        await service.refresh(service.state)

    def _count_text(self, service: MissedCallService) -> str:
        return (self.tr("Open callbacks: {count}") if service.state == "open"
                else self.tr("Missed calls: {count}")).format(count=service.total)

    # --- calling back ---------------------------------------------------------------------------
    def _reset_panel(self, item: dict) -> None:
        self._uncheck(self.outcome_group)
        self.note_edit.clear()
        self.order_edit.clear()
        name = item.get("caller_name") or ""
        number = mask_phone(str(item.get("caller_phone") or ""))
        self.panel_title.setText(self.tr("Outcome of the callback to {who}: press 1-5").format(
            who=f"{name} {number}".strip()))
        self.outcome_buttons[OUTCOMES[0]].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def chosen_outcome(self) -> str | None:
        return self._checked(self.outcome_buttons)

    def choose_outcome(self, outcome: str) -> None:
        if self._choose(self.outcome_buttons, outcome, self.panel_error):
            self.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)  # what the agent types next

    def _record_op(self, service: MissedCallService, item: dict) -> tuple[Any, Any] | None:
        outcome = self.chosen_outcome()
        if outcome is None:
            self.panel_error.setText(self.tr("Choose the outcome first (keys 1-5)."))
            return None
        note, order = clean(self.note_edit.text()), clean(self.order_edit.text())
        return (service.record_outcome(item["call_id"], outcome, note, order or None),
                lambda: self.tr("Recorded for {number}: {outcome}").format(
                    number=mask_phone(str(item.get("caller_phone") or "")), outcome=self.model.outcome_name(outcome)))

    # --- refusals -------------------------------------------------------------------------------
    def _rejection_text(self, rejection: Any) -> str:
        reasons = {"callback_done": self.tr("the callback was already closed (by another agent?)"),
                   "not_found": self.tr("the platform does not know this call")}
        reason = reasons.get(rejection.code) or rejection.message or rejection.code
        return self.tr("The platform refused the outcome ({outcome}): {reason}").format(
            outcome=self.model.outcome_name(rejection.payload.get("outcome")), reason=reason)
