"""Progress lookup (R10): "where is my case". The agent types an order number or the caller's phone
and presses Enter; the page lists the orders with their status in Chinese and the next step, and
below the selected one the steps a caller may be told (no staff names) and the reply.

The platform answers when it can; offline the seat's cache answers, and the page says so. The window
shows it as a page and also opens it as a dialog (`ProgressDialog`, Ctrl+Shift+F) during a call."""
from __future__ import annotations

import html
import logging
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from domain import clock
from ui.my_orders import ENTER_KEYS, ERROR, MUTED, Message, is_overdue, moment, page_action
from ui.rows_model import RowsModel, table_view
from workstation.worklists import ProgressAnswer, ProgressService

log = logging.getLogger(__name__)

SHORTCUT = "Ctrl+Shift+F"  # the window's key for the dialog


class ProgressModel(RowsModel):
    NUMBER, STATUS, TITLE, CREATED, DEADLINE, UNIT, NEXT = range(7)
    key = "number"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Number"), self.tr("Status"), self.tr("Title"), self.tr("Accepted on"),
                          self.tr("Deadline"), self.tr("Handling unit"), self.tr("Next step")], parent)
        self.setObjectName("progressModel")
        self._now = clock.now()

    def set_items(self, items: list[dict]) -> None:
        self._now = clock.now()
        self._reset(items)

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.DEADLINE and is_overdue(item, self._now):
            return Qt.GlobalColor.red
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.TITLE, self.NEXT):
            return self._text(item, column) or None
        return None

    def _text(self, item: dict, column: int) -> str:
        if column == self.NUMBER:
            return str(item.get("number") or "")
        if column == self.STATUS:
            return str(item.get("status_zh") or "")
        if column == self.TITLE:
            return str(item.get("title") or "")
        if column == self.CREATED:
            return moment(item.get("created_at"), self._now)
        if column == self.DEADLINE:
            return str(item.get("deadline") or "")[:10]
        if column == self.UNIT:
            return str(item.get("unit_name") or "")
        if column == self.NEXT:
            return self.next_step(item)
        return ""

    def next_step(self, item: dict) -> str:
        """What the caller may be told happens next, by status."""
        unit = str(item.get("unit_name") or "") or self.tr("the handling unit")
        deadline = str(item.get("deadline") or "")[:10]
        texts = {
            "draft": self.tr("Being recorded"),
            "accepted": self.tr("Accepted; waiting to be dispatched to a handling unit"),
            "dispatched": self.tr("Dispatched to {unit}; waiting for it to sign for the case"),
            "in_progress": self.tr("{unit} is handling it; due by {deadline}"),
            "return_review": self.tr("{unit} asked to return it; the centre is reviewing and will dispatch again"),
            "extension_review": self.tr("{unit} asked for more time; the centre is reviewing"),
            "replied": self.tr("{unit} has replied; the centre will call the caller back"),
            "callback": self.tr("The centre is calling the caller back"),
            "reopened": self.tr("Reopened after the callback; {unit} handles it again, due by {deadline}"),
            "closed": self.tr("Closed"),
            "closed_at_intake": self.tr("Answered on the call and closed"),
            "rejected_at_intake": self.tr("Not accepted"),
            "transferred": self.tr("Transferred on the call"),
            "merged": self.tr("Merged into order {order}: follow that order"),
            "repeat_review": self.tr("Being reviewed as a repeat request"),
        }
        text = texts.get(str(item.get("status") or ""))
        if text is None:
            return str(item.get("status_zh") or "")
        return text.format(unit=unit, deadline=deadline or self.tr("(no deadline)"),
                           order=item.get("merged_into") or "")

    def step_name(self, step: str) -> str:
        names = {
            "create": self.tr("Accepted"), "accept": self.tr("Accepted"), "dispatch": self.tr("Dispatched"),
            "sign": self.tr("Signed for by the unit"), "reply": self.tr("Replied"),
            "apply_return": self.tr("Return asked for"), "review_return": self.tr("Return reviewed"),
            "apply_extension": self.tr("Extension asked for"), "review_extension": self.tr("Extension reviewed"),
            "callback": self.tr("Called back"), "close": self.tr("Closed"), "reopen": self.tr("Reopened"),
            "merge": self.tr("Merged"), "repeat_merged": self.tr("A repeat call merged in"),
            "close_at_intake": self.tr("Answered and closed on the call"),
            "reject_at_intake": self.tr("Not accepted"), "transfer": self.tr("Transferred"),
        }
        return names.get(step, step)


class ProgressLookup(QWidget):
    """`set_session(seat)` binds it to a signed-in seat (None: signed out). `lookup(text)` runs a
    lookup as if typed; `answered(ProgressAnswer)` after each one."""

    answered = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressLookup")
        self.service: ProgressService | None = None
        self.answer: ProgressAnswer | None = None
        self._asking = 0
        self._build()
        self._build_actions()
        self.set_session(None)

    def page_title(self) -> str:
        return self.tr("Progress lookup")

    def _build(self) -> None:
        self.query_edit = QLineEdit(objectName="progressQuery")
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.installEventFilter(self)
        self.lookup_button = QToolButton(objectName="progressLookupButton")
        top = QHBoxLayout()
        top.addWidget(self.query_edit, 1)
        top.addWidget(self.lookup_button)
        self.offline_label = Message("progressOffline", ERROR)
        self.error_label = Message("progressError", ERROR)
        self.notice = Message("progressNotice", MUTED)
        self.model = ProgressModel(self)
        self.table = table_view("progressTable", self.model)
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_steps())
        self.steps_text = QTextBrowser(objectName="progressSteps")
        self.setFocusProxy(self.query_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.offline_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.steps_text, 1)

    def _build_actions(self) -> None:
        self.lookup_action = page_action(self, self.tr("Look up the progress"), ["Return"], self.lookup_typed, None)
        self.focus_action = page_action(self, self.tr("Type another order number or phone"), ["Ctrl+L"],
                                        self.focus_query, self)
        self.lookup_button.setText(self.lookup_action.text())
        self.lookup_button.setToolTip(self.lookup_action.toolTip())
        self.lookup_button.clicked.connect(self.lookup_action.trigger)
        self.query_edit.setPlaceholderText(self.tr("Order number or caller's phone, then Enter"))
        self.actions_for_help = [self.lookup_action, self.focus_action]

    def set_session(self, seat: Any) -> None:
        self.service = ProgressService(seat.client, seat.sync) if seat is not None else None
        self.answer = None
        self.model.set_items([])
        self.steps_text.clear()
        for label in (self.offline_label, self.error_label, self.notice):
            label.clear()
        self.query_edit.setEnabled(self.service is not None)
        self.lookup_action.setEnabled(self.service is not None)
        self.lookup_button.setEnabled(self.service is not None)
        if self.service is None:
            self.notice.setText(self.tr("Signed out: sign in to look up orders."))
        else:
            self.query_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_query(self) -> None:
        self.query_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.query_edit.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            if watched is self.query_edit and event.key() in ENTER_KEYS:
                self.lookup_action.trigger()
                return True
            if watched is self.query_edit and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self._move(1 if event.key() == Qt.Key.Key_Down else -1)
                return True
        return super().eventFilter(watched, event)

    def _move(self, step: int) -> None:
        count = self.model.rowCount()
        if count:
            row = max(0, min(count - 1, self.table.currentIndex().row() + step))
            self.table.setCurrentIndex(self.model.index(row, 0))

    def lookup_typed(self) -> None:
        self.lookup(self.query_edit.text())

    def lookup(self, text: str) -> None:
        if self.service is None:
            return
        if self.query_edit.text() != text:
            self.query_edit.setText(text)
        if not text.strip():
            self.error_label.setText(self.tr("Type an order number or the caller's phone."))
            return
        self._asking += 1
        self.notice.setText(self.tr("Looking up…"))
        self._lookup(self.service, text, self._asking)

    @asyncSlot(object, str, int)
    async def _lookup(self, service: ProgressService, text: str, asking: int) -> None:
        try:
            answer = await service.lookup(text)
        except ValueError:
            if shiboken6.isValid(self) and asking == self._asking:
                self.notice.clear()
                self.error_label.setText(self.tr("Not an order number or a phone number: {text}").format(text=text))
            return
        if not shiboken6.isValid(self) or self.service is not service or asking != self._asking:
            return  # a newer lookup was asked for meanwhile
        self._show(answer)
        self.answered.emit(answer)

    def _show(self, answer: ProgressAnswer) -> None:
        self.answer = answer
        self.model.set_items(answer.items)
        self.error_label.setText(self.tr("The platform refused the lookup: {reason}").format(reason=answer.error)
                                 if answer.error else "")
        if answer.offline:
            at = answer.data_at
            self.offline_label.setText(
                self.tr("Offline: from this seat's cache as of {time}; the platform may know more").format(
                    time=moment(clock.stamp(at))) if at
                else self.tr("Offline: from this seat's cache; the platform may know more"))
        else:
            self.offline_label.clear()
        if answer.error:
            self.notice.clear()
        elif not answer.items:
            self.notice.setText(self.tr("No work order found for {text}").format(text=answer.query))
        elif answer.kind == "phone":
            self.notice.setText(self.tr("{count} work order(s) of this caller").format(count=len(answer.items)))
        else:
            self.notice.clear()
        if answer.items:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self._show_steps()

    def current_item(self) -> dict | None:
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def _show_steps(self) -> None:
        item = self.current_item()
        if item is None:
            self.steps_text.clear()
            return
        status_label, reply_label = self.tr("Status"), self.tr("Reply")  # outside the f-strings, for lupdate
        head = (f"<div><b>{html.escape(str(item.get('number') or ''))}</b> {html.escape(str(item.get('title') or ''))}"
                f"</div><div><b>{html.escape(status_label)}:</b> {html.escape(str(item.get('status_zh') or ''))}"
                f" · {html.escape(self.model.next_step(item))}</div>")
        rows = []
        for step in item.get("steps") or []:
            name = str(step.get("step_zh") or "") or self.model.step_name(str(step.get("step") or ""))
            cells = (moment(step.get("at")), name, str(step.get("unit") or ""))
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        reply = str(item.get("reply") or "")
        reply_html = f"<div><b>{html.escape(reply_label)}:</b> {html.escape(reply)}</div>" if reply else ""
        self.steps_text.setHtml(head + "<table cellspacing='4'>" + "".join(rows) + "</table>" + reply_html)


class ProgressDialog(QDialog):
    """The lookup as a dialog over the desk, for a caller asking during a call; Esc closes it."""

    def __init__(self, seat: Any, parent: QWidget | None = None, text: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("progressDialog")
        self.setWindowTitle(self.tr("Progress lookup"))
        self.lookup = ProgressLookup(self)
        self.lookup.set_session(seat)
        layout = QVBoxLayout(self)
        layout.addWidget(self.lookup)
        self.resize(900, 520)
        if text:
            self.lookup.lookup(text)
