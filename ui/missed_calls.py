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
import re
import sqlite3
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from domain import clock
from domain.phone import mask_phone
from ui.call_back_keys import CallBackKeys, CallBackListModel
from workstation.callbacks import NOTE_MAX, ORDER_NUMBER_MAX, OUTCOMES, MissedCallService
from workstation.session import SeatSession

log = logging.getLogger(__name__)

ERROR = "#b3261e"
MUTED = "#6b6b6b"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # the platform refuses these in text


def _moment(stamp: str | None, today: datetime) -> str:
    """HH:MM today, MM-DD HH:MM before (the centre's time)."""
    if not stamp:
        return ""
    try:
        moment = clock.parse(stamp).astimezone(clock.CENTRE_TZ)
    except ValueError:
        return stamp
    return moment.strftime("%H:%M" if moment.date() == today.date() else "%m-%d %H:%M")


class _Message(QLabel):
    """A one-line message that takes no room while it has nothing to say."""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.setText("")


class MissedCallsModel(CallBackListModel):
    """The callback list as the service holds it (read-only; the platform's order: oldest first)."""

    TIME, NUMBER, NAME, QUEUE, ENDED, ATTEMPTS, OUTCOME = range(7)
    CallIdRole = Qt.ItemDataRole.UserRole + 1
    PhoneRole = Qt.ItemDataRole.UserRole + 2
    key = "call_id"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Missed at"), self.tr("Number"), self.tr("Name"), self.tr("Queue / line"),
                          self.tr("How it ended"), self.tr("Attempts"), self.tr("Last outcome")], parent)
        self.setObjectName("missedCallsModel")

    def cell(self, item: dict, column: int, role: int) -> Any:
        calling = self.is_calling(item)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column, calling)
        if role == self.CallIdRole:
            return item["call_id"]
        if role == self.PhoneRole:
            return item["caller_phone"]
        if calling and (style := self.calling_style(role)) is not None:
            return style
        if role == Qt.ItemDataRole.ToolTipRole and column == self.OUTCOME and item.get("callback_note"):
            return item["callback_note"]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.ATTEMPTS:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _text(self, item: dict, column: int, calling: bool) -> str:
        if column == self.TIME:
            return _moment(item.get("ended_at") or item.get("arrived_at"), self._today)
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


class MissedCallsPage(CallBackKeys, QWidget):
    """`set_session(seat)` binds the page to a signed-in seat whose `callbacks` is its
    MissedCallService (None when signed out). Signals: `call_back(phone)` the number to dial, in
    full; `outcome_recorded(str)` the outbox mutation id of an outcome."""

    call_back = Signal(str)
    outcome_recorded = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("missedCallsPage")
        self._seat: SeatSession | None = None
        self._service: MissedCallService | None = None
        self._working: dict | None = None  # the call the outcome panel is for
        self._seen_rejections: set[str] = set()
        self._list_error = False  # the error label shows why the list was refused
        self._build()
        self._build_actions()
        self.set_session(None)

    def page_title(self) -> str:
        return self.tr("Missed calls")

    # --- layout ---------------------------------------------------------------------------------
    def _label(self, name: str, color: str = "") -> QLabel:
        label = _Message(objectName=name)
        label.setWordWrap(True)
        label.hide()
        if color:
            label.setStyleSheet(f"color: {color};")
        return label

    def _build(self) -> None:
        self.count_label = QLabel(objectName="missedCount")
        self.count_label.setStyleSheet("font-weight: 600;")
        self.offline_label = self._label("missedOffline", ERROR)
        self.refresh_button = QToolButton(objectName="missedRefresh")
        top = QHBoxLayout()
        top.addWidget(self.count_label)
        top.addWidget(self.offline_label, 1)
        top.addWidget(self.refresh_button)
        self.error_label = self._label("missedError", ERROR)
        self.notice = self._label("missedNotice", MUTED)

        self.model = MissedCallsModel(self)
        self.table = QTableView(objectName="missedTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _index: self.call_back_action.trigger())
        self.table.installEventFilter(self)
        self.setFocusProxy(self.table)  # a page shown takes the keys in its list

        self.panel = QFrame(objectName="missedOutcomePanel")
        self.panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel_title = QLabel(objectName="missedOutcomeTitle")
        self.panel_title.setStyleSheet("font-weight: 600;")
        self.outcome_row = QWidget(objectName="missedOutcomes")
        row = QHBoxLayout(self.outcome_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.outcome_group = QButtonGroup(self)
        self.outcome_group.setExclusive(True)
        self.outcome_buttons: dict[str, QToolButton] = {}
        for outcome in OUTCOMES:
            button = QToolButton(objectName=f"outcome_{outcome}")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.installEventFilter(self)
            self.outcome_group.addButton(button)
            self.outcome_buttons[outcome] = button
            row.addWidget(button)
        row.addStretch(1)
        self.note_edit = QLineEdit(objectName="missedNote")
        self.note_edit.setMaxLength(NOTE_MAX)
        self.note_edit.installEventFilter(self)
        self.order_edit = QLineEdit(objectName="missedOrder")
        self.order_edit.setMaxLength(ORDER_NUMBER_MAX)
        self.order_edit.installEventFilter(self)
        form = QFormLayout()
        self.note_caption = QLabel()
        self.order_caption = QLabel()
        form.addRow(self.note_caption, self.note_edit)
        form.addRow(self.order_caption, self.order_edit)
        self.panel_error = self._label("missedOutcomeError", ERROR)
        self.record_button = QToolButton(objectName="missedRecord")
        self.cancel_button = QToolButton(objectName="missedCancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.panel_error, 1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.cancel_button)
        box = QVBoxLayout(self.panel)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.panel_title)
        box.addWidget(self.outcome_row)
        box.addLayout(form)
        box.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.error_label)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.panel)

    def _action(self, text: str, keys: list[str], slot, owner: QWidget | None) -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shown = " / ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        action.setToolTip(f"{text} ({shown})")
        action.triggered.connect(slot)
        if owner is not None:
            owner.addAction(action)
        return action

    def _build_actions(self) -> None:
        # F5, F9 and Enter come as key presses through the event filter (see the module docstring):
        # these two actions are not added to a widget, their keys only label them.
        self.refresh_action = self._action(self.tr("Refresh the missed calls"), ["F5"], self.refresh, None)
        self.call_back_action = self._action(self.tr("Call back the selected caller"), ["Return", "F9"],
                                             self.start_call_back, None)
        self.outcome_actions: dict[str, QAction] = {}
        for digit, (outcome, text) in enumerate(((o, self.model.outcome_name(o)) for o in OUTCOMES), start=1):
            action = self._action(self.tr("Outcome: {outcome}").format(outcome=text), [str(digit)],
                                  lambda _=False, o=outcome: self.choose_outcome(o), self.panel)
            self.outcome_actions[outcome] = action
            self.outcome_buttons[outcome].setText(f"{digit} {text}")
            self.outcome_buttons[outcome].setToolTip(action.toolTip())
            self.outcome_buttons[outcome].clicked.connect(lambda _=False, o=outcome: self.choose_outcome(o))
        self.record_action = self._action(self.tr("Record the outcome"), ["Ctrl+Return", "Ctrl+Enter"],
                                          self.record, self.panel)
        self.cancel_action = self._action(self.tr("Close the outcome panel"), ["Esc"], self.hide_panel, self.panel)
        for button, action in ((self.refresh_button, self.refresh_action), (self.record_button, self.record_action),
                               (self.cancel_button, self.cancel_action)):
            button.setText(action.text())
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
        self.note_caption.setText(self.tr("Note"))
        self.order_caption.setText(self.tr("Work order"))
        self.note_edit.setPlaceholderText(self.tr("Optional: what was agreed with the caller"))
        self.order_edit.setPlaceholderText(self.tr("Optional: number of the work order made on the call"))
        self.actions_for_help = [self.call_back_action, *self.outcome_actions.values(), self.record_action,
                                 self.cancel_action, self.refresh_action]

    # --- session --------------------------------------------------------------------------------
    def set_session(self, seat: SeatSession | None) -> None:
        if self._service is not None:
            for signal, slot in ((self._service.changed, self._on_changed),
                                 (self._service.sync.rejections_changed, self._on_rejections)):
                try:
                    signal.disconnect(slot)
                except ValueError:
                    pass  # never connected (a session set twice)
        self._seat = seat
        self._service = getattr(seat, "callbacks", None) if seat is not None else None
        self.hide_panel()
        self.notice.clear()
        self.error_label.clear()
        for action in (self.refresh_action, self.call_back_action):
            action.setEnabled(self._service is not None)
        self.refresh_button.setEnabled(self._service is not None)
        if self._service is None:
            self.model.set_items([], None)
            self.count_label.setText(self.tr("Signed out: sign in to see the missed calls."))
            self.offline_label.clear()
            return
        self._service.changed.connect(self._on_changed)
        self._service.sync.rejections_changed.connect(self._on_rejections)
        self._seen_rejections = {r.mutation_id for r in self._service.rejections()}
        self._on_changed(self._service.items)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.refresh()

    @asyncSlot()
    async def refresh(self) -> None:
        if self._service is not None:
            await self._service.refresh(self._service.state)

    # --- the list -------------------------------------------------------------------------------
    def _on_changed(self, items: list[dict]) -> None:
        if not shiboken6.isValid(self) or self._service is None:
            return
        service = self._service
        current = self.current_item()
        self.model.set_items(items, service.calling)
        row = self.model.row_of(current["call_id"] if current else None)
        if row < 0 and items:
            row = 0
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, 0))
        self.count_label.setText((self.tr("Open callbacks: {count}") if service.state == "open"
                                  else self.tr("Missed calls: {count}")).format(count=service.total))
        if service.offline:
            when = service.fetched_at.strftime("%H:%M") if service.fetched_at else ""
            self.offline_label.setText(self.tr("Offline: showing the list of {time}").format(time=when) if when
                                       else self.tr("Offline: the list has not been loaded yet"))
        else:
            self.offline_label.clear()
        if service.error:
            self.error_label.setText(self.tr("The platform refused the list: {reason}").format(reason=service.error))
            self._list_error = True
        elif self._list_error:
            self.error_label.clear()
            self._list_error = False

    def current_item(self) -> dict | None:
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def _move(self, step: int) -> None:
        count = self.model.rowCount()
        if count:
            row = max(0, min(count - 1, self.table.currentIndex().row() + step))
            self.table.setCurrentIndex(self.model.index(row, 0))

    # --- calling back ---------------------------------------------------------------------------
    def start_call_back(self) -> None:
        item = self.current_item()
        if self._service is None or item is None:
            return
        phone = self._service.start_callback(item["call_id"])
        self.show_panel(item)
        log.info("calling back a missed call")
        self.call_back.emit(phone)

    def show_panel(self, item: dict) -> None:
        self._working = item
        self.outcome_group.setExclusive(False)  # an exclusive group cannot be left with nothing checked
        for button in self.outcome_buttons.values():
            button.setChecked(False)
        self.outcome_group.setExclusive(True)
        self.note_edit.clear()
        self.order_edit.clear()
        self.panel_error.clear()
        name = item.get("caller_name") or ""
        number = mask_phone(str(item.get("caller_phone") or ""))
        self.panel_title.setText(self.tr("Outcome of the callback to {who}: press 1-5").format(
            who=f"{name} {number}".strip()))
        self.notice.setText(self.tr("Calling back {number}…").format(number=number))
        self.panel.show()
        self.outcome_buttons[OUTCOMES[0]].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def hide_panel(self) -> None:
        had_focus = self.panel.isAncestorOf(QApplication.focusWidget())
        self.panel.hide()
        self._working = None
        if had_focus:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen_outcome(self) -> str | None:
        return next((o for o, b in self.outcome_buttons.items() if b.isChecked()), None)

    def choose_outcome(self, outcome: str) -> None:
        if self._working is None:
            return
        self.outcome_buttons[outcome].setChecked(True)
        self.panel_error.clear()
        self.note_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)  # what the agent types next

    def record(self) -> None:
        """Check the panel at once (the agent sees why nothing was recorded), then record."""
        item, service = self._working, self._service
        if item is None or service is None or not self.panel.isVisible():
            return
        outcome = self.chosen_outcome()
        if outcome is None:
            self.panel_error.setText(self.tr("Choose the outcome first (keys 1-5)."))
            return
        note = _CONTROL.sub("", self.note_edit.text()).strip()
        order = _CONTROL.sub("", self.order_edit.text()).strip()
        self.record_action.setEnabled(False)  # one outcome per Ctrl+Enter, however fast the keys
        self._record(service, item, outcome, note, order)

    @asyncSlot(object, object, str, str, str)
    async def _record(self, service: MissedCallService, item: dict, outcome: str, note: str, order: str) -> None:
        try:
            mutation_id = await service.record_outcome(item["call_id"], outcome, note, order or None)
        except (sqlite3.Error, ValueError) as exc:
            log.warning("callback outcome not recorded: %s", type(exc).__name__)
            if shiboken6.isValid(self):
                self.record_action.setEnabled(True)
                self.panel_error.setText(self.tr("The outcome could not be saved: {error}").format(error=exc))
            return
        if not shiboken6.isValid(self):
            return
        self.record_action.setEnabled(True)
        self.outcome_recorded.emit(mutation_id)
        if self._service is not service:
            return  # signed out meanwhile: the outbox still holds it
        self.hide_panel()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.notice.setText(self.tr("Recorded for {number}: {outcome}").format(
            number=mask_phone(str(item.get("caller_phone") or "")), outcome=self.model.outcome_name(outcome)))

    # --- refusals -------------------------------------------------------------------------------
    def _on_rejections(self, _count: int) -> None:
        if not shiboken6.isValid(self) or self._service is None:
            return
        new = [r for r in self._service.rejections() if r.mutation_id not in self._seen_rejections]
        if not new:
            return
        self._seen_rejections.update(r.mutation_id for r in new)
        self._list_error = False
        latest = new[-1]
        reasons = {"callback_done": self.tr("the callback was already closed (by another agent?)"),
                   "not_found": self.tr("the platform does not know this call")}
        reason = reasons.get(latest.code) or latest.message or latest.code
        self.error_label.setText(self.tr("The platform refused the outcome ({outcome}): {reason}").format(
            outcome=self.model.outcome_name(latest.payload.get("outcome")), reason=reason))
