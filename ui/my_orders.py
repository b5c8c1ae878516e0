"""My work orders: the orders this agent recorded, newest first, from the seat's cache.

Alt+1 / Alt+2 / Alt+3 show the open, the closed or all of them; typing searches them by number or
title (the cache's full-text index); Up/Down pick one, Enter shows its timeline (from the platform
when it answers, the cached summary offline), Esc closes it. Ctrl+F goes back to the search box."""
from __future__ import annotations

import html
import logging
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from ui.page import ENTER_KEYS, ERROR, Message, Page, moment, order_status
from ui.rows_model import RowsModel, table_view
from ui.rows_model import is_overdue as overdue
from workstation.worklists import GROUPS, MyOrders, OrderDetail, status_zh

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 150


def is_overdue(row: dict, now: datetime) -> bool:
    """Overdue in the agent's list: a replied order waits for the callback, not for the unit."""
    return overdue(row, now, ("replied",))


class MyOrdersModel(RowsModel):
    """The agent's orders as the service holds them (read-only, newest first)."""

    NUMBER, CREATED, STATUS, TITLE, DEADLINE, UNIT = range(6)
    key = "number"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Number"), self.tr("Created"), self.tr("Status"), self.tr("Title"),
                          self.tr("Deadline"), self.tr("Lead unit")], parent, "myOrdersModel")

    def overdue(self, row: dict) -> bool:
        return is_overdue(row, self._now)

    def cell(self, row: dict, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.TITLE:
                return row.get("title") or None
            if column == self.NUMBER and row.get("local"):
                return self.tr("Recorded on this seat; not yet confirmed by the platform")
            if column == self.DEADLINE and is_overdue(row, self._now):
                return self.tr("Overdue")
        return None

    def _text(self, row: dict, column: int) -> str:
        if column == self.NUMBER:
            return str(row.get("number") or "")
        if column == self.CREATED:
            return moment(row.get("created_at"), self._now)
        if column == self.STATUS:
            return order_status(row, status_zh(row.get("status")))
        if column == self.TITLE:
            return str(row.get("title") or "")
        if column == self.DEADLINE:
            return str(row.get("deadline") or "")[:10]
        if column == self.UNIT:
            return str(row.get("handling_unit_name") or row.get("handling_unit_id") or "")
        return ""


class MyOrdersPage(Page):
    """`set_session(seat)` binds the page to a signed-in seat (None: signed out); the page keeps its
    own `MyOrders` service over the seat's cache. Signal `timeline_shown(number)` once an order's
    timeline is on screen."""

    object_name = "myOrdersPage"

    timeline_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service: MyOrders | None = None
        self._shown: str | None = None  # the order whose timeline is open
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search_now)
        self._set_up()

    def page_title(self) -> str:
        return self.tr("My work orders")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        top = self._build_lines("myOrders")
        self.group_buttons: dict[str, QToolButton] = {}
        self.group_box = QButtonGroup(self)
        for group in GROUPS:
            button = QToolButton(objectName=f"myOrders_{group}")
            button.setCheckable(True)
            self.group_box.addButton(button)
            self.group_buttons[group] = button
            top.addWidget(button)
        self.search_edit = QLineEdit(objectName="myOrdersSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_edit.installEventFilter(self)
        self.model = MyOrdersModel(self)
        self.table = table_view("myOrdersTable", self.model)
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(lambda _index: self.timeline_action.trigger())
        self.setFocusProxy(self.search_edit)  # the agent types to search

        self.panel = QFrame(objectName="myOrdersTimeline")
        self.panel.setFrameShape(QFrame.Shape.StyledPanel)
        self.panel_title = QLabel(objectName="myOrdersTimelineTitle")
        self.panel_title.setStyleSheet("font-weight: 600;")
        self.panel_note = Message("myOrdersTimelineNote", ERROR)
        self.timeline_text = QTextBrowser(objectName="myOrdersTimelineText")
        self.timeline_text.installEventFilter(self)
        self.close_button = QToolButton(objectName="myOrdersTimelineClose")
        head = QHBoxLayout()
        head.addWidget(self.panel_title, 1)
        head.addWidget(self.close_button)
        box = QVBoxLayout(self.panel)
        box.setContentsMargins(6, 6, 6, 6)
        box.addLayout(head)
        box.addWidget(self.panel_note)
        box.addWidget(self.timeline_text, 1)

        self._lay_out(top, self.error_label, self.search_edit, (self.table, 2), (self.panel, 1))
        self.panel.hide()

    def _build_actions(self) -> None:
        names = {"open": self.tr("Open orders"), "closed": self.tr("Closed orders"), "all": self.tr("All my orders")}
        self.group_actions: dict[str, QAction] = {}
        for digit, group in enumerate(GROUPS, start=1):
            action = self.action(self.tr("Show: {which}").format(which=names[group]), [f"Alt+{digit}"],
                                 lambda _=False, g=group: self.set_group(g))
            self.group_actions[group] = action
            button = self.group_buttons[group]
            button.setText(f"{digit} {names[group]}")
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
        self.search_action = self.action(self.tr("Search my orders"), ["Ctrl+F"], self.focus_search)
        # Enter comes as a key press through the event filter, in the search box and the list
        self.timeline_action = self.action(self.tr("Show the timeline of the selected order"), ["Return"],
                                           self.show_timeline, None)
        self.close_action = self.action(self.tr("Close the timeline"), ["Esc"], self.hide_timeline, self.panel)
        self.close_button.setText(self.close_action.text())
        self.close_button.setToolTip(self.close_action.toolTip())
        self.close_button.clicked.connect(self.close_action.trigger)
        self.search_edit.setPlaceholderText(self.tr("Search by number or title (Ctrl+F); Enter shows the timeline"))

    # --- session --------------------------------------------------------------------------------
    def set_session(self, seat: Any) -> None:
        if self.service is not None:
            self.service.changed.disconnect(self._on_changed)
            self.service.close()
        super().set_session(seat)
        self.service = MyOrders(seat.client, seat.sync) if seat is not None else None
        self.hide_timeline()
        self.search_edit.clear()
        enabled = self.service is not None
        for action in (*self.group_actions.values(), self.search_action, self.timeline_action):
            action.setEnabled(enabled)
        self.search_edit.setEnabled(enabled)
        self.group_buttons["open"].setChecked(True)
        if self.service is None:
            self.model.set_items([])
            self.count_label.setText(self.tr("Signed out: sign in to see your work orders."))
            self.offline_label.clear()
            return
        self.service.changed.connect(self._on_changed)
        self.search_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.refresh()

    @asyncSlot()
    async def refresh(self) -> None:
        if self.service is not None:
            await self.service.refresh()

    def set_group(self, group: str) -> None:
        if self.service is None:
            return
        self.group_buttons[group].setChecked(True)
        self._refresh_with(group, self.search_edit.text())

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _search_now(self) -> None:
        self._search_timer.stop()
        if self.service is not None:
            self._refresh_with(self.service.group, self.search_edit.text())

    @asyncSlot(str, str)
    async def _refresh_with(self, group: str, query: str) -> None:
        if self.service is not None:
            await self.service.refresh(group, query)

    # --- the list -------------------------------------------------------------------------------
    def _on_changed(self) -> None:
        if not shiboken6.isValid(self) or self.service is None:
            return
        items = self.service.items
        current = self.current_item()
        self.model.set_items(items)
        self._select(current["number"] if current else None)
        texts = {"open": self.tr("My open orders: {count}"), "closed": self.tr("My closed orders: {count}"),
                 "all": self.tr("My orders: {count}")}
        self.count_label.setText(texts[self.service.group].format(count=len(items)))
        self.show_offline(self.service.offline, self.service.data_at())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.search_edit and self._search_key(event):
                return True
            if watched is self.table and self._table_key(event):
                return True
        return super().eventFilter(watched, event)

    def _search_key(self, event: QKeyEvent) -> bool:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        steps = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10}
        if event.key() in steps:
            self._move(steps[event.key()])
            return True
        if event.key() == Qt.Key.Key_Escape and self.panel.isVisible():
            self.hide_timeline()
            return True
        if event.key() in ENTER_KEYS:
            if self._search_timer.isActive():
                self._search_then_show()  # Enter right after typing opens a result of the text typed
            else:
                self.timeline_action.trigger()
            return True
        return False

    @asyncSlot()
    async def _search_then_show(self) -> None:
        self._search_timer.stop()
        service = self.service
        if service is None:
            return
        await service.refresh(service.group, self.search_edit.text())
        if shiboken6.isValid(self) and self.service is service:
            self.timeline_action.trigger()

    def _table_key(self, event: QKeyEvent) -> bool:
        if event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier):
            return False
        if event.key() in ENTER_KEYS:
            self.timeline_action.trigger()
            return True
        text = event.text()
        if text and text.isprintable() and not text.isspace():
            self.search_edit.setFocus(Qt.FocusReason.OtherFocusReason)  # typing in the list searches
            self.search_edit.insert(text)
            self._search_timer.start()
            return True
        return False

    # --- the timeline ---------------------------------------------------------------------------
    def show_timeline(self) -> None:
        item = self.current_item()
        if self.service is None or item is None:
            return
        self._shown = item["number"]
        self.panel_title.setText(self.tr("Order {number}: {title}").format(number=item["number"],
                                                                            title=item.get("title") or ""))
        self.panel_note.setText(self.tr("Loading the timeline…"))
        self.timeline_text.setHtml(self._summary_html(item))
        self.panel.show()
        self._load_timeline(self.service, item["number"])

    @asyncSlot(object, str)
    async def _load_timeline(self, service: MyOrders, number: str) -> None:
        detail = await service.detail(number)
        if not shiboken6.isValid(self) or self.service is not service or self._shown != number:
            return
        self._show_detail(detail)
        self.timeline_shown.emit(number)

    def _show_detail(self, detail: OrderDetail) -> None:
        if detail.error:
            self.panel_note.setText(self.tr("The platform refused the timeline: {reason}").format(reason=detail.error))
        elif detail.offline:
            at = detail.data_at
            self.panel_note.setText(
                self.tr("Offline: the cached summary as of {time}; the timeline needs the platform").format(
                    time=moment(at)) if at
                else self.tr("Offline: the cached summary; the timeline needs the platform"))
        else:
            self.panel_note.clear()
        rows = "".join(self._timeline_row(step) for step in detail.timeline)
        table_html = f"<table cellspacing='4'>{rows}</table>" if rows else ""
        self.timeline_text.setHtml(self._summary_html(detail.order) + table_html)

    def _summary_html(self, order: dict) -> str:
        facts = [(self.tr("Status"), status_zh(order.get("status"))),
                 (self.tr("Created"), moment(order.get("created_at"))),
                 (self.tr("Lead unit"), order.get("handling_unit_name") or order.get("handling_unit_id") or ""),
                 (self.tr("Deadline"), str(order.get("deadline") or "")[:16].replace("T", " ")),
                 (self.tr("Reply"), order.get("reply") or ""),
                 (self.tr("Merged into"), order.get("merged_into") or "")]
        lines = "".join(f"<div><b>{html.escape(k)}:</b> {html.escape(str(v))}</div>" for k, v in facts if v)
        return lines + "<hr/>"

    def _timeline_row(self, step: dict) -> str:
        cells = (moment(step.get("at")), self.action_name(str(step.get("action") or "")), str(step.get("actor") or ""),
                 timeline_step_words(step))
        return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"

    def action_name(self, action: str) -> str:
        """The timeline's steps in the words of the centre."""
        return timeline_action_name(action)

    def hide_timeline(self) -> None:
        had_focus = self.panel.isAncestorOf(QApplication.focusWidget())
        self.panel.hide()
        self._shown = None
        if had_focus:
            self.search_edit.setFocus(Qt.FocusReason.OtherFocusReason)


def timeline_action_name(action: str) -> str:
    """A timeline step in the words of the centre (every page showing a timeline says it so)."""
    names = {  # in the context of the page they came from
        "create": QCoreApplication.translate("MyOrdersPage", "Recorded"),
        "accept": QCoreApplication.translate("MyOrdersPage", "Accepted"),
        "dispatch": QCoreApplication.translate("MyOrdersPage", "Dispatched"),
        "close_at_intake": QCoreApplication.translate("MyOrdersPage", "Closed at intake"),
        "reject_at_intake": QCoreApplication.translate("MyOrdersPage", "Rejected at intake"),
        "transfer": QCoreApplication.translate("MyOrdersPage", "Transferred"),
        "sign": QCoreApplication.translate("MyOrdersPage", "Signed for by the unit"),
        "reply": QCoreApplication.translate("MyOrdersPage", "Replied by the unit"),
        "apply_return": QCoreApplication.translate("MyOrdersPage", "Return asked for"),
        "review_return": QCoreApplication.translate("MyOrdersPage", "Return reviewed"),
        "apply_extension": QCoreApplication.translate("MyOrdersPage", "Extension asked for"),
        "review_extension": QCoreApplication.translate("MyOrdersPage", "Extension reviewed"),
        "callback": QCoreApplication.translate("MyOrdersPage", "Called back"),
        "callback_attempt": QCoreApplication.translate("MyOrdersPage", "Callback attempt: not reached"),
        "close": QCoreApplication.translate("MyOrdersPage", "Closed"),
        "reopen": QCoreApplication.translate("MyOrdersPage", "Reopened"),
        "supervise": QCoreApplication.translate("MyOrdersPage", "Supervised"),
        "merge": QCoreApplication.translate("MyOrdersPage", "Merged into another order"),
        "repeat_merged": QCoreApplication.translate("MyOrdersPage", "A repeat request merged in"),
        "apply_unreasonable": QCoreApplication.translate("MyOrdersPage", "Unreasonable repeat asked for"),
        "review_unreasonable": QCoreApplication.translate("MyOrdersPage", "Unreasonable repeat reviewed"),
        "flag": QCoreApplication.translate("MyOrdersPage", "Case kind set"),
        "partner_progress": QCoreApplication.translate("MyOrdersPage", "Progress reported by the partner platform"),
        "partner_reply": QCoreApplication.translate("MyOrdersPage", "Result reported by the partner platform"),
        "partner_return": QCoreApplication.translate("MyOrdersPage", "Sent back by the partner platform"),
    }
    return names.get(action, action)


STEP_WORDS_SHOWN = 200  # characters of a step's note or reply in a timeline row


def timeline_step_words(step: dict) -> str:
    """What a timeline step said, when it said something: a review's decision and its note, a
    reply (a unit's or a partner platform's), a progress note, a reason."""
    detail = step.get("detail") if isinstance(step.get("detail"), dict) else {}
    decision = {"approve": QCoreApplication.translate("MyOrdersPage", "Approved"),
                "refuse": QCoreApplication.translate("MyOrdersPage", "Refused")}.get(str(detail.get("decision") or ""))
    said = next((str(detail[k]) for k in ("reply", "note", "reason") if detail.get(k)), "")
    words = "：".join(w for w in (decision, said) if w)
    attachments = [str(a) for a in detail.get("attachments") or []]
    if attachments:
        words += "（" + QCoreApplication.translate("MyOrdersPage", "attachments: {names}").format(
            names="、".join(attachments)) + "）"
    return words if len(words) <= STEP_WORDS_SHOWN else words[:STEP_WORDS_SHOWN - 1] + "…"
