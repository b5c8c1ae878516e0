"""What the call-back pages (the missed calls, the callback queue) share: a list worked from the
keyboard (F5 reads it again, Enter or F9 calls the selected row back: `call_back(phone)`, the window
dials) and a panel under it where the agent records what came of the call (Ctrl+Enter records it
through the outbox, so it is kept offline too; Esc closes the panel). Refusals of a recorded result
come back later and show on the error line.

A subclass says which service it works on, what its panel holds and what recording sends."""
from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget
from qasync import asyncSlot

from domain.phone import mask_phone
from ui.call_back_keys import CallBackKeys, CallBackListModel
from ui.page import ERROR, Message, Page
from ui.rows_model import table_view

log = logging.getLogger(__name__)

class CallBackPage(CallBackKeys, Page):
    """Signals: `call_back(phone)` the number to dial, in full; `recorded(str)` the outbox mutation
    id of a result. `service` is the list worked on (None when signed out)."""

    call_back = Signal(str)
    recorded = Signal(str)
    sends_later = True
    #: object names: of the page, the prefix of its lines, list and buttons, and the panel's own names
    prefix = ""
    panel_names = ("Panel", "PanelTitle", "PanelError")
    model_class: type[CallBackListModel]
    recorded_alias = ""  # the page's own name for `recorded`

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        setattr(self, self.recorded_alias or "recorded", self.recorded)
        self.service: Any = None
        self._own_service = False
        self._working: dict | None = None  # the row the panel is for
        self._seen_rejections: set[str] = set()
        self._set_up()

    # --- what a subclass says ---------------------------------------------------------------------
    def _texts(self) -> dict[str, str]:
        """title, refresh, call_back, record, cancel (the actions), signed_out, not_saved ({error})."""
        raise NotImplementedError

    def page_title(self) -> str:
        return self._texts()["title"]

    def _build_panel(self, box: QVBoxLayout) -> None:
        """The panel's own rows, between its title and its buttons."""

    def _build_panel_actions(self) -> None:
        """The panel's own actions (`self.action(..., self.panel)`), in the order of the help."""

    def _service_for(self, seat: Any) -> tuple[Any, bool]:
        """The seat's list service and whether the page owns (and closes) it."""
        raise NotImplementedError

    async def _read(self, service: Any) -> None:
        raise NotImplementedError

    def _count_text(self, service: Any) -> str:
        raise NotImplementedError

    def _data_at(self, service: Any) -> Any:
        """When the list shown was read, for the offline line."""
        return service.fetched_at

    def _reset_panel(self, item: dict) -> None:
        """Clear the panel for `item` and give it its title; the focus goes to its first choice."""

    def _record_op(self, service: Any, item: dict) -> tuple[Coroutine[Any, Any, str], Callable[[], str]] | None:
        """What recording the panel sends and the notice once it is kept; None (and a word on the
        panel's error line) when the panel is not complete."""
        raise NotImplementedError

    def _rejection_text(self, rejection: Any) -> str:
        raise NotImplementedError

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        prefix = self.prefix
        top = self._build_lines(prefix)
        self.refresh_button = QToolButton(objectName=f"{prefix}Refresh")
        top.addWidget(self.refresh_button)
        self.model = self.model_class(self)
        self.table = table_view(f"{prefix}Table", self.model)
        self.table.doubleClicked.connect(lambda _index: self.call_back_action.trigger())
        self.table.installEventFilter(self)
        self.setFocusProxy(self.table)  # a page shown takes the keys in its list

        panel, title, error = (f"{prefix}{name}" for name in self.panel_names)
        self.panel = QFrame(objectName=panel)
        self.panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel_title = QLabel(objectName=title)
        self.panel_title.setStyleSheet("font-weight: 600;")
        self.panel_error = Message(error, ERROR)
        self.record_button = QToolButton(objectName=f"{prefix}Record")
        self.cancel_button = QToolButton(objectName=f"{prefix}Cancel")
        buttons = QHBoxLayout()
        buttons.addWidget(self.panel_error, 1)
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.cancel_button)
        box = QVBoxLayout(self.panel)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(self.panel_title)
        self._build_panel(box)
        box.addLayout(buttons)

        self._lay_out(top, self.error_label, self.notice, (self.table, 1), self.panel)
        self.panel.hide()

    def _choice(self, name: str, group: QButtonGroup | None) -> QToolButton:
        """A checkable button of the panel that takes the keys (the page's event filter sees them)."""
        button = QToolButton(objectName=name)
        button.setCheckable(True)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.installEventFilter(self)
        if group is not None:
            group.addButton(button)
        return button

    def _build_actions(self) -> None:
        texts = self._texts()
        # F5, F9 and Enter come as key presses through the event filter (CallBackKeys): these two
        # actions are not added to a widget, their keys only label them.
        self.call_back_action = self.action(texts["call_back"], ["Return", "F9"], self.start_call_back, None)
        self._build_panel_actions()
        self.record_action = self.action(texts["record"], ["Ctrl+Return", "Ctrl+Enter"], self.record, self.panel)
        self.cancel_action = self.action(texts["cancel"], ["Esc"], self.hide_panel, self.panel)
        self.refresh_action = self.action(texts["refresh"], ["F5"], self.refresh, None)
        for button, action in ((self.refresh_button, self.refresh_action), (self.record_button, self.record_action),
                               (self.cancel_button, self.cancel_action)):
            button.setText(action.text())
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)

    @staticmethod
    def _checked(buttons: dict[str, QToolButton]) -> str | None:
        """The key of the checked button, or None."""
        return next((key for key, button in buttons.items() if button.isChecked()), None)

    @staticmethod
    def _uncheck(group: QButtonGroup) -> None:
        group.setExclusive(False)  # an exclusive group cannot be left with nothing checked
        for button in group.buttons():
            button.setChecked(False)
        group.setExclusive(True)

    # --- session --------------------------------------------------------------------------------
    def set_session(self, seat: Any) -> None:
        self._unbind()
        super().set_session(seat)
        self.service, self._own_service = self._service_for(seat) if seat is not None else (None, False)
        self.hide_panel()
        self.notice.clear()
        self.error_label.clear()
        self._list_error = False
        for action in (self.refresh_action, self.call_back_action):
            action.setEnabled(self.service is not None)
        self.refresh_button.setEnabled(self.service is not None)
        if self.service is None:
            self.model.set_items([], None)
            self.count_label.setText(self._texts()["signed_out"])
            self.offline_label.clear()
            return
        self.service.changed.connect(self._on_changed)
        self.service.sync.rejections_changed.connect(self._on_rejections)
        self._seen_rejections = {r.mutation_id for r in self.service.rejections()}
        self._on_changed()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.refresh()

    def _unbind(self) -> None:
        service = self.service
        if service is None:
            return
        for signal, slot in ((service.changed, self._on_changed), (service.sync.rejections_changed,
                                                                   self._on_rejections)):
            try:
                signal.disconnect(slot)
            except ValueError:
                pass  # never connected (a session set twice)
        if self._own_service:
            service.close()

    @asyncSlot()
    async def refresh(self) -> None:
        if self.service is not None:
            await self._read(self.service)

    # --- the list -------------------------------------------------------------------------------
    def _on_changed(self, *_args: Any) -> None:
        if not shiboken6.isValid(self) or self.service is None:
            return
        service = self.service
        current = self.current_item()
        self.model.set_items(list(service.items), service.calling)
        self._select(current[self.model.key] if current else None)
        self.count_label.setText(self._count_text(service))
        self.show_offline(service.offline, self._data_at(service))
        self.show_list_error(service.error)

    # --- calling back ---------------------------------------------------------------------------
    def start_call_back(self) -> None:
        """Dial the caller of the current row: the number may be read from the platform first
        (an order another agent took), so offline that fails with the reason on the error line."""
        item, service = self.current_item(), self.service
        if service is None or item is None:
            return
        self.operation(service.start_callback(item[self.model.key])) \
            .failure_text(QCoreApplication.translate("CallBackPage", "Not dialled: {error}")) \
            .success(lambda phone: self._dial(service, item, phone)).run()

    def _dial(self, service: Any, item: dict, phone: str) -> None:
        if self.service is not service:
            return
        self.show_panel(item)
        log.info("calling back from %s", self.prefix)
        self.call_back.emit(phone)

    def show_panel(self, item: dict) -> None:
        self._working = item
        self.panel_error.clear()
        number = mask_phone(str(item.get("caller_phone") or ""))
        self.notice.setText(QCoreApplication.translate("CallBackPage", "Calling back {number}…").format(
            number=number))
        self.panel.show()
        self._reset_panel(item)

    def hide_panel(self) -> None:
        self._leave_panel(self.panel)
        self._working = None

    def record(self) -> None:
        """Check the panel at once (the agent sees why nothing was recorded), then record."""
        item, service = self._working, self.service
        if item is None or service is None or not self.panel.isVisible():
            return
        op = self._record_op(service, item)
        if op is None:
            return
        coro, notice = op
        self.operation(coro).show_on(self.panel_error).busy(self.record_action) \
            .failure_text(self._texts()["not_saved"]) \
            .success(lambda mutation_id: self._recorded(service, mutation_id, notice)).run()

    def _recorded(self, service: Any, mutation_id: str, notice: Callable[[], str]) -> None:
        self.recorded.emit(mutation_id)
        if self.service is not service:
            return  # signed out meanwhile: the outbox still holds it
        self.hide_panel()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.notice.setText(notice())

    # --- refusals -------------------------------------------------------------------------------
    def _on_rejections(self, *_args: Any) -> None:
        if not shiboken6.isValid(self) or self.service is None:
            return
        new = [r for r in self.service.rejections() if r.mutation_id not in self._seen_rejections]
        if not new:
            return
        self._seen_rejections.update(r.mutation_id for r in new)
        self._list_error = False
        self.error_label.setText(self._rejection_text(new[-1]))
