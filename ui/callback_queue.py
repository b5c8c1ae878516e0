"""The callback queue (回访): orders the handling units have replied to, oldest reply first, worked
from the keyboard.

Up/Down pick an order, Enter or F9 calls the requester back (`call_back(phone)`: the window dials)
and opens the result panel: 1-5 the satisfaction (非常满意 … 非常不满意), Y / N whether the matter
was resolved, 0 when the requester was not reached (an attempt only), then a note; Ctrl+Enter
records it through the outbox (kept offline too), Esc closes the panel. A dissatisfied or
unresolved result reopens the order for the unit, and the panel says so before it is recorded.
Law-enforcement and mediation orders are marked in the list: their satisfaction is reported apart
(R15). F5 reads the list again; the list also follows the seat's cache by itself.

F5 and F9 are also the call bar's Ready and Answer: in this page's list the page takes them (F9
unless a call is ringing or going on), as the missed-call page does."""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QColor, QFont
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout

from domain.phone import mask_phone
from ui.call_back_keys import CallBackListModel
from ui.call_back_page import CallBackPage
from ui.page import ERROR, Message, clean, moment
from ui.phrases import CallbackScriptBox
from workstation.worklists import NOTE_MAX, SATISFACTION, CallbackQueue, callback_result

log = logging.getLogger(__name__)

SPECIAL = QColor("#7a4b00")


class CallbackQueueModel(CallBackListModel):
    """The queue as the service holds it (read-only; oldest reply first)."""

    REPLIED, NUMBER, CALLER, TITLE, UNIT, ATTEMPTS, KIND = range(7)
    key = "number"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Replied"), self.tr("Number"), self.tr("Caller"), self.tr("Title"),
                          self.tr("Lead unit"), self.tr("Attempts"), self.tr("Case kind")], parent, "callbackQueueModel")

    def _other(self, item: dict, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and column == self.KIND and self.special(item):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == self.KIND and self.special(item):
            return SPECIAL
        if role == Qt.ItemDataRole.ToolTipRole and column == self.TITLE:
            return item.get("reply") or item.get("title") or None
        if role == Qt.ItemDataRole.ToolTipRole and column == self.KIND and self.special(item):
            return self.tr("Satisfaction of this kind of case is reported apart")
        return None

    @staticmethod
    def special(item: dict) -> bool:
        return (item.get("case_kind") or "normal") != "normal"

    def _text(self, item: dict, column: int, calling: bool) -> str:
        if column == self.REPLIED:
            return moment(item.get("replied_at"), self._now)
        if column == self.NUMBER:
            return str(item["number"])
        if column == self.CALLER:
            return mask_phone(str(item.get("caller_phone") or ""))
        if column == self.TITLE:
            return str(item.get("title") or "")
        if column == self.UNIT:
            return str(item.get("handling_unit_name") or item.get("handling_unit_id") or "")
        if column == self.ATTEMPTS:
            return str(item.get("callback_attempts") or 0)
        if column == self.KIND:
            return self.tr("Calling back…") if calling else self.kind_name(item.get("case_kind"))
        return ""

    def kind_name(self, kind: str | None) -> str:
        return {"law_enforcement": self.tr("Law enforcement"), "mediation": self.tr("Mediation")}.get(kind or "", "")


class CallbackQueuePage(CallBackPage):
    """`set_session(seat)` binds the page to a signed-in seat (None: signed out); the page keeps its
    own `CallbackQueue` over the seat's cache and client. Signals: `call_back(phone)` the number to
    dial, in full; `callback_recorded(str)` the outbox mutation id of a result."""

    object_name, prefix, recorded_alias = "callbackQueuePage", "callback", "callback_recorded"
    model_class = CallbackQueueModel
    _resolved: bool | None = None  # Y / N as chosen in the panel

    def _texts(self) -> dict[str, str]:
        return {"title": self.tr("Callbacks"), "refresh": self.tr("Read the callback queue again"),
                "call_back": self.tr("Call the requester back"), "record": self.tr("Record the callback"),
                "cancel": self.tr("Close the callback panel"), "not_saved": self.tr("The result could not be saved: "
                                                                                    "{error}"),
                "signed_out": self.tr("Signed out: sign in to see the callback queue.")}

    # --- layout ---------------------------------------------------------------------------------
    def _build_panel(self, box: QVBoxLayout) -> None:
        self.script_box = CallbackScriptBox()  # the callback script with the unit's reply, to read back
        box.addWidget(self.script_box)
        self.satisfaction_group = QButtonGroup(self)
        self.satisfaction_buttons: dict[str, QToolButton] = {}
        satisfaction_row = QHBoxLayout()
        for level in SATISFACTION:
            button = self._choice(f"satisfaction_{level}", self.satisfaction_group)
            self.satisfaction_buttons[level] = button
            satisfaction_row.addWidget(button)
        satisfaction_row.addStretch(1)
        self.resolved_group = QButtonGroup(self)
        self.resolved_yes = self._choice("callbackResolvedYes", self.resolved_group)
        self.resolved_no = self._choice("callbackResolvedNo", self.resolved_group)
        self.not_reached_button = self._choice("callbackNotReached", None)
        self.resolved_caption = QLabel(self.tr("Resolved?"))
        resolved_row = QHBoxLayout()
        resolved_row.addWidget(self.resolved_caption)
        resolved_row.addWidget(self.resolved_yes)
        resolved_row.addWidget(self.resolved_no)
        resolved_row.addSpacing(24)
        resolved_row.addWidget(self.not_reached_button)
        resolved_row.addStretch(1)
        self.reopen_hint = Message("callbackReopenHint", ERROR)
        self.note_edit = QLineEdit(objectName="callbackNote")
        self.note_edit.setMaxLength(NOTE_MAX)
        self.note_edit.installEventFilter(self)
        self.note_edit.setPlaceholderText(self.tr("Note: what the requester said"))
        box.addLayout(satisfaction_row)
        box.addLayout(resolved_row)
        box.addWidget(self.reopen_hint)
        box.addWidget(self.note_edit)

    def _build_panel_actions(self) -> None:
        self.satisfaction_actions: dict[str, QAction] = {}
        for digit, level in enumerate(SATISFACTION, start=1):
            name = self.satisfaction_name(level)
            action = self.action(self.tr("Satisfaction: {level}").format(level=name), [str(digit)],
                                 lambda _=False, v=level: self.choose_satisfaction(v), self.panel)
            self.satisfaction_actions[level] = action
            button = self.satisfaction_buttons[level]
            button.setText(f"{digit} {name}")
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
        self.yes_action = self.action(self.tr("Resolved: yes"), ["Y"], lambda: self.choose_resolved(True), self.panel)
        self.no_action = self.action(self.tr("Resolved: no"), ["N"], lambda: self.choose_resolved(False), self.panel)
        self.not_reached_action = self.action(self.tr("Not reached: record an attempt only"), ["0"],
                                              self.choose_not_reached, self.panel)
        for button, action, text in ((self.resolved_yes, self.yes_action, self.tr("Y Yes")),
                                     (self.resolved_no, self.no_action, self.tr("N No")),
                                     (self.not_reached_button, self.not_reached_action, self.tr("0 Not reached"))):
            button.setText(text)
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)

    def satisfaction_name(self, level: str | None) -> str:
        names = {"very_satisfied": self.tr("Very satisfied"), "satisfied": self.tr("Satisfied"),
                 "basically_satisfied": self.tr("Basically satisfied"), "dissatisfied": self.tr("Dissatisfied"),
                 "very_dissatisfied": self.tr("Very dissatisfied")}
        return names.get(level or "", level or "")

    # --- the list -------------------------------------------------------------------------------
    def _service_for(self, seat: Any) -> tuple[CallbackQueue, bool]:
        return CallbackQueue(seat.client, seat.sync), True

    async def _read(self, service: CallbackQueue) -> None:
        await service.refresh(fetch=True)

    def _count_text(self, service: CallbackQueue) -> str:
        return self.tr("Awaiting a callback: {count}").format(count=len(service.items))

    def _data_at(self, service: CallbackQueue) -> Any:
        return service.fetched_at or service.data_at()

    # --- calling back ---------------------------------------------------------------------------
    def _reset_panel(self, item: dict) -> None:
        for group in (self.satisfaction_group, self.resolved_group):
            self._uncheck(group)
        self.not_reached_button.setChecked(False)
        self._resolved = None
        self.note_edit.clear()
        self.reopen_hint.clear()
        number = mask_phone(str(item.get("caller_phone") or ""))
        title = self.tr("Callback for order {order} to {number}: satisfaction 1-5, resolved Y/N, not reached 0")
        self.panel_title.setText(title.format(order=item["number"], number=number))
        self.script_box.show_for(self._seat.texts if self._seat is not None else None, str(item["number"]),
                                 str(item.get("reply") or ""))
        self.satisfaction_buttons[SATISFACTION[0]].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def chosen_satisfaction(self) -> str | None:
        return self._checked(self.satisfaction_buttons)

    def choose_satisfaction(self, level: str) -> None:
        if not self._choose(self.satisfaction_buttons, level, self.panel_error):
            return
        self.not_reached_button.setChecked(False)
        self._update_hint()
        if self._resolved is None:
            self.resolved_yes.setFocus(Qt.FocusReason.ShortcutFocusReason)  # Y / N next
        else:
            self.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def choose_resolved(self, resolved: bool) -> None:
        if self._working is None:
            return
        self._resolved = resolved
        (self.resolved_yes if resolved else self.resolved_no).setChecked(True)
        self.not_reached_button.setChecked(False)
        self.panel_error.clear()
        self._update_hint()
        if self.chosen_satisfaction() is None:
            self.satisfaction_buttons[SATISFACTION[0]].setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def choose_not_reached(self) -> None:
        if self._working is None:
            return
        self.not_reached_button.setChecked(True)
        self.panel_error.clear()
        self._update_hint()
        self.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def outcome(self) -> str | None:
        """What recording now would do to the order: replied (attempt), closed, reopened; None: not
        enough chosen yet."""
        if self.not_reached_button.isChecked():
            return "replied"
        satisfaction = self.chosen_satisfaction()
        if satisfaction is None or self._resolved is None:
            return None
        return callback_result(satisfaction, self._resolved, case_kind=self._case_kind())

    def _case_kind(self) -> str:
        return str((self._working or {}).get("case_kind") or "normal")

    def _update_hint(self) -> None:
        outcome = self.outcome()
        if outcome == "reopened":
            self.reopen_hint.setText(self.tr("Dissatisfied or not resolved: the order will be reopened and go back "
                                             "to the handling unit."))
        elif outcome == "closed" and self._case_kind() != "normal":
            self.reopen_hint.setText(self.tr("Law enforcement or mediation: resolved, the order will be closed; the "
                                             "satisfaction is recorded and reported apart."))
        elif outcome == "closed":
            self.reopen_hint.setText(self.tr("Satisfied and resolved: the order will be closed."))
        elif outcome == "replied":
            self.reopen_hint.setText(self.tr("Not reached: the attempt is recorded and the order stays in the queue; "
                                             "not reached on the centre's number of different days (3 unless set "
                                             "otherwise), it closes as unreachable."))
        else:
            self.reopen_hint.clear()

    def _record_op(self, service: CallbackQueue, item: dict) -> tuple[Any, Any] | None:
        outcome = self.outcome()
        if outcome is None:
            self.panel_error.setText(self.tr("Choose the satisfaction (1-5) and whether it was resolved (Y/N), "
                                             "or 0 if the requester was not reached."))
            return None
        reached = outcome != "replied"
        satisfaction = self.chosen_satisfaction() if reached else None
        resolved = self._resolved if reached else None
        texts = {"replied": self.tr("Order {order}: attempt recorded, the order stays in the queue"),
                 "closed": self.tr("Order {order}: {level}, resolved: closed"),
                 "reopened": self.tr("Order {order}: {level}: reopened, back to the handling unit")}
        return (service.record(item["number"], satisfaction, resolved, clean(self.note_edit.text()), reached),
                lambda: texts[callback_result(satisfaction, resolved, reached, self._case_kind())].format(
                    order=item["number"], level=self.satisfaction_name(satisfaction)))

    # --- refusals -------------------------------------------------------------------------------
    def _rejection_text(self, rejection: Any) -> str:
        return self.tr("The platform refused the callback of order {order}: {reason}").format(
            order=rejection.entity_id or "", reason=rejection.message or rejection.code)
