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
import re
import sqlite3
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from domain import clock
from domain.phone import mask_phone
from ui.call_back_keys import CallBackKeys, CallBackListModel
from ui.my_orders import ERROR, MUTED, Message, moment, page_action
from ui.rows_model import table_view
from workstation.worklists import NOTE_MAX, SATISFACTION, CallbackQueue, callback_result

log = logging.getLogger(__name__)

SPECIAL = QColor("#7a4b00")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # the platform refuses these in text


class CallbackQueueModel(CallBackListModel):
    """The queue as the service holds it (read-only; oldest reply first)."""

    REPLIED, NUMBER, CALLER, TITLE, UNIT, ATTEMPTS, KIND = range(7)
    PhoneRole = Qt.ItemDataRole.UserRole + 1
    key = "number"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Replied"), self.tr("Number"), self.tr("Caller"), self.tr("Title"),
                          self.tr("Lead unit"), self.tr("Attempts"), self.tr("Case kind")], parent)
        self.setObjectName("callbackQueueModel")

    def cell(self, item: dict, column: int, role: int) -> Any:
        calling = self.is_calling(item)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column, calling)
        if role == self.PhoneRole:
            return item.get("caller_phone")
        if calling and (style := self.calling_style(role)) is not None:
            return style
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
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.ATTEMPTS:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    @staticmethod
    def special(item: dict) -> bool:
        return (item.get("case_kind") or "normal") != "normal"

    def _text(self, item: dict, column: int, calling: bool) -> str:
        if column == self.REPLIED:
            return moment(item.get("replied_at"), self._today)
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


class CallbackQueuePage(CallBackKeys, QWidget):
    """`set_session(seat)` binds the page to a signed-in seat (None: signed out); the page keeps its
    own `CallbackQueue` over the seat's cache and client. Signals: `call_back(phone)` the number to
    dial, in full; `callback_recorded(str)` the outbox mutation id of a result."""

    call_back = Signal(str)
    callback_recorded = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callbackQueuePage")
        self._seat: Any = None
        self.service: CallbackQueue | None = None
        self._working: dict | None = None  # the order the result panel is for
        self._resolved: bool | None = None
        self._seen_rejections: set[str] = set()
        self._list_error = False
        self._build()
        self._build_actions()
        self.set_session(None)

    def page_title(self) -> str:
        return self.tr("Callbacks")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.count_label = QLabel(objectName="callbackCount")
        self.count_label.setStyleSheet("font-weight: 600;")
        self.offline_label = Message("callbackOffline", ERROR)
        self.refresh_button = QToolButton(objectName="callbackRefresh")
        top = QHBoxLayout()
        top.addWidget(self.count_label)
        top.addWidget(self.offline_label, 1)
        top.addWidget(self.refresh_button)
        self.error_label = Message("callbackError", ERROR)
        self.notice = Message("callbackNotice", MUTED)
        self.model = CallbackQueueModel(self)
        self.table = table_view("callbackTable", self.model)
        self.table.doubleClicked.connect(lambda _index: self.call_back_action.trigger())
        self.table.installEventFilter(self)
        self.setFocusProxy(self.table)

        self.panel = QFrame(objectName="callbackPanel")
        self.panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel_title = QLabel(objectName="callbackPanelTitle")
        self.panel_title.setStyleSheet("font-weight: 600;")
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
        self.not_reached_button = QToolButton(objectName="callbackNotReached")
        self.not_reached_button.setCheckable(True)
        self.not_reached_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.not_reached_button.installEventFilter(self)
        self.resolved_caption = QLabel()
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
        self.panel_error = Message("callbackPanelError", ERROR)
        self.record_button = QToolButton(objectName="callbackRecord")
        self.cancel_button = QToolButton(objectName="callbackCancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.panel_error, 1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.cancel_button)
        box = QVBoxLayout(self.panel)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.panel_title)
        box.addLayout(satisfaction_row)
        box.addLayout(resolved_row)
        box.addWidget(self.reopen_hint)
        box.addWidget(self.note_edit)
        box.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.error_label)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.panel)
        self.panel.hide()

    def _choice(self, name: str, group: QButtonGroup) -> QToolButton:
        button = QToolButton(objectName=name)
        button.setCheckable(True)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.installEventFilter(self)
        group.addButton(button)
        return button

    def _build_actions(self) -> None:
        # F5, F9 and Enter come as key presses through the event filter: these two actions only
        # carry their keys for the help overlay.
        self.refresh_action = page_action(self, self.tr("Read the callback queue again"), ["F5"], self.refresh, None)
        self.call_back_action = page_action(self, self.tr("Call the requester back"), ["Return", "F9"],
                                            self.start_call_back, None)
        self.satisfaction_actions: dict[str, QAction] = {}
        for digit, level in enumerate(SATISFACTION, start=1):
            name = self.satisfaction_name(level)
            action = page_action(self, self.tr("Satisfaction: {level}").format(level=name), [str(digit)],
                                 lambda _=False, v=level: self.choose_satisfaction(v), self.panel)
            self.satisfaction_actions[level] = action
            button = self.satisfaction_buttons[level]
            button.setText(f"{digit} {name}")
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
        self.yes_action = page_action(self, self.tr("Resolved: yes"), ["Y"], lambda: self.choose_resolved(True),
                                      self.panel)
        self.no_action = page_action(self, self.tr("Resolved: no"), ["N"], lambda: self.choose_resolved(False),
                                     self.panel)
        self.not_reached_action = page_action(self, self.tr("Not reached: record an attempt only"), ["0"],
                                              self.choose_not_reached, self.panel)
        self.record_action = page_action(self, self.tr("Record the callback"), ["Ctrl+Return", "Ctrl+Enter"],
                                         self.record, self.panel)
        self.cancel_action = page_action(self, self.tr("Close the callback panel"), ["Esc"], self.hide_panel,
                                         self.panel)
        for button, action, text in (
                (self.resolved_yes, self.yes_action, self.tr("Y Yes")), (self.resolved_no, self.no_action, self.tr("N No")),
                (self.not_reached_button, self.not_reached_action, self.tr("0 Not reached")),
                (self.refresh_button, self.refresh_action, self.refresh_action.text()),
                (self.record_button, self.record_action, self.record_action.text()),
                (self.cancel_button, self.cancel_action, self.cancel_action.text())):
            button.setText(text)
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
        self.resolved_caption.setText(self.tr("Resolved?"))
        self.note_edit.setPlaceholderText(self.tr("Note: what the requester said"))
        self.actions_for_help = [self.call_back_action, *self.satisfaction_actions.values(), self.yes_action,
                                 self.no_action, self.not_reached_action, self.record_action, self.cancel_action,
                                 self.refresh_action]

    def satisfaction_name(self, level: str | None) -> str:
        names = {"very_satisfied": self.tr("Very satisfied"), "satisfied": self.tr("Satisfied"),
                 "basically_satisfied": self.tr("Basically satisfied"), "dissatisfied": self.tr("Dissatisfied"),
                 "very_dissatisfied": self.tr("Very dissatisfied")}
        return names.get(level or "", level or "")

    # --- session --------------------------------------------------------------------------------
    def set_session(self, seat: Any) -> None:
        if self.service is not None:
            self.service.changed.disconnect(self._on_changed)
            self.service.sync.rejections_changed.disconnect(self._on_rejections)
            self.service.close()
        self._seat = seat
        self.service = CallbackQueue(seat.client, seat.sync) if seat is not None else None
        self.hide_panel()
        self.notice.clear()
        self.error_label.clear()
        for action in (self.refresh_action, self.call_back_action):
            action.setEnabled(self.service is not None)
        self.refresh_button.setEnabled(self.service is not None)
        if self.service is None:
            self.model.set_items([], None)
            self.count_label.setText(self.tr("Signed out: sign in to see the callback queue."))
            self.offline_label.clear()
            return
        self.service.changed.connect(self._on_changed)
        self.service.sync.rejections_changed.connect(self._on_rejections)
        self._seen_rejections = {r.mutation_id for r in self.service.rejections()}
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.refresh()

    @asyncSlot()
    async def refresh(self) -> None:
        if self.service is not None:
            await self.service.refresh(fetch=True)

    # --- the list -------------------------------------------------------------------------------
    def _on_changed(self, items: list[dict]) -> None:
        if not shiboken6.isValid(self) or self.service is None:
            return
        service = self.service
        current = self.current_item()
        self.model.set_items(items, service.calling)
        row = self.model.row_of(current["number"] if current else None)
        if row < 0 and items:
            row = 0
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, 0))
        self.count_label.setText(self.tr("Awaiting a callback: {count}").format(count=len(items)))
        if service.offline:
            at = service.fetched_at or service.data_at()
            self.offline_label.setText(self.tr("Offline: the queue as of {time}").format(time=moment(clock.stamp(at)))
                                       if at else self.tr("Offline: the queue this seat has cached"))
        else:
            self.offline_label.clear()
        if service.error:
            self.error_label.setText(self.tr("The platform refused the queue: {reason}").format(reason=service.error))
            self._list_error = True
        elif self._list_error:
            self.error_label.clear()
            self._list_error = False

    def current_item(self) -> dict | None:
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    # --- calling back ---------------------------------------------------------------------------
    def start_call_back(self) -> None:
        item = self.current_item()
        if self.service is None or item is None:
            return
        phone = self.service.start_callback(item["number"])
        self.show_panel(item)
        log.info("calling back a requester for a work order")
        self.call_back.emit(phone)

    def show_panel(self, item: dict) -> None:
        self._working = item
        for group in (self.satisfaction_group, self.resolved_group):
            group.setExclusive(False)  # an exclusive group cannot be left with nothing checked
            for button in group.buttons():
                button.setChecked(False)
            group.setExclusive(True)
        self.not_reached_button.setChecked(False)
        self._resolved = None
        self.note_edit.clear()
        self.panel_error.clear()
        self.reopen_hint.clear()
        number = mask_phone(str(item.get("caller_phone") or ""))
        title = self.tr("Callback for order {order} to {number}: satisfaction 1-5, resolved Y/N, not reached 0")
        self.panel_title.setText(title.format(order=item["number"], number=number))
        self.notice.setText(self.tr("Calling back {number}…").format(number=number))
        self.panel.show()
        self.satisfaction_buttons[SATISFACTION[0]].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def hide_panel(self) -> None:
        had_focus = self.panel.isAncestorOf(QApplication.focusWidget())
        self.panel.hide()
        self._working = None
        if had_focus:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen_satisfaction(self) -> str | None:
        return next((v for v, b in self.satisfaction_buttons.items() if b.isChecked()), None)

    def choose_satisfaction(self, level: str) -> None:
        if self._working is None:
            return
        self.satisfaction_buttons[level].setChecked(True)
        self.not_reached_button.setChecked(False)
        self.panel_error.clear()
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
        return callback_result(satisfaction, self._resolved)

    def _update_hint(self) -> None:
        outcome = self.outcome()
        if outcome == "reopened":
            self.reopen_hint.setText(self.tr("Dissatisfied or not resolved: the order will be reopened and go back "
                                             "to the handling unit."))
        elif outcome == "closed":
            self.reopen_hint.setText(self.tr("Satisfied and resolved: the order will be closed."))
        elif outcome == "replied":
            self.reopen_hint.setText(self.tr("Not reached: only the attempt is recorded; the order stays in the "
                                             "queue."))
        else:
            self.reopen_hint.clear()

    def record(self) -> None:
        """Check the panel at once (the agent sees why nothing was recorded), then record."""
        item, service = self._working, self.service
        if item is None or service is None or not self.panel.isVisible():
            return
        outcome = self.outcome()
        if outcome is None:
            self.panel_error.setText(self.tr("Choose the satisfaction (1-5) and whether it was resolved (Y/N), "
                                             "or 0 if the requester was not reached."))
            return
        note = _CONTROL.sub("", self.note_edit.text()).strip()
        reached = outcome != "replied"
        self.record_action.setEnabled(False)  # one result per Ctrl+Enter, however fast the keys
        self._record(service, item, self.chosen_satisfaction() if reached else None,
                     self._resolved if reached else None, note, reached)

    @asyncSlot(object, object, object, object, str, bool)
    async def _record(self, service: CallbackQueue, item: dict, satisfaction: str | None, resolved: bool | None,
                      note: str, reached: bool) -> None:
        try:
            mutation_id = await service.record(item["number"], satisfaction, resolved, note, reached)
        except (sqlite3.Error, ValueError) as exc:
            log.warning("callback result not recorded: %s", type(exc).__name__)
            if shiboken6.isValid(self):
                self.record_action.setEnabled(True)
                self.panel_error.setText(self.tr("The result could not be saved: {error}").format(error=exc))
            return
        if not shiboken6.isValid(self):
            return
        self.record_action.setEnabled(True)
        self.callback_recorded.emit(mutation_id)
        if self.service is not service:
            return  # signed out meanwhile: the outbox still holds it
        self.hide_panel()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        outcome = callback_result(satisfaction, resolved, reached)
        texts = {"replied": self.tr("Order {order}: attempt recorded, the order stays in the queue"),
                 "closed": self.tr("Order {order}: {level}, resolved: closed"),
                 "reopened": self.tr("Order {order}: {level}: reopened, back to the handling unit")}
        self.notice.setText(texts[outcome].format(order=item["number"], level=self.satisfaction_name(satisfaction)))

    # --- refusals -------------------------------------------------------------------------------
    def _on_rejections(self, _count: int) -> None:
        if not shiboken6.isValid(self) or self.service is None:
            return
        new = [r for r in self.service.rejections() if r.mutation_id not in self._seen_rejections]
        if not new:
            return
        self._seen_rejections.update(r.mutation_id for r in new)
        self._list_error = False
        latest = new[-1]
        reason = latest.message or latest.code
        self.error_label.setText(self.tr("The platform refused the callback of order {order}: {reason}").format(
            order=latest.entity_id or "", reason=reason))
