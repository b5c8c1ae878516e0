"""Progress lookup (R10): "where is my case". The agent types an order number or the caller's phone
and presses Enter; the page lists the orders with their status in Chinese and the next step, and
below the selected one the steps a caller may be told (no staff names) and the reply.

The platform answers when it can; offline the seat's cache answers, and the page says so. The window
shows it as a page and also opens it as a dialog (`ProgressDialog`, Ctrl+Shift+F) during a call."""
from __future__ import annotations

import html
import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QTextBrowser, QToolButton, QVBoxLayout, QWidget

from ui.page import ENTER_KEYS, ERROR, MUTED, Message, Page, moment
from ui.rows_model import RowsModel, table_view
from workstation.worklists import ProgressAnswer, ProgressService

log = logging.getLogger(__name__)

SHORTCUT = "Ctrl+Shift+F"  # the window's key for the dialog


class ProgressModel(RowsModel):
    """The orders found, with what the caller may be told of each."""

    key = "number"
    NUMBER, STATUS, TITLE, CREATED, DEADLINE, UNIT, NEXT = range(7)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Number"), self.tr("Status"), self.tr("Title"), self.tr("Accepted on"),
                          self.tr("Deadline"), self.tr("Handling unit"), self.tr("Next step")], parent, "progressModel")

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
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


class ProgressLookup(Page):
    """`set_session(seat)` binds it to a signed-in seat (None: signed out). `lookup(text)` runs a
    lookup as if typed; `answered(ProgressAnswer)` after each one."""

    object_name = "progressLookup"

    answered = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service: ProgressService | None = None
        self.answer: ProgressAnswer | None = None
        self._asking = 0
        self._set_up()

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
        self._lay_out(top, self.offline_label, self.error_label, self.notice, (self.table, 2), (self.steps_text, 1))

    def _build_actions(self) -> None:
        self.lookup_action = self.action(self.tr("Look up the progress"), ["Return"], self.lookup_typed, None)
        self.focus_action = self.action(self.tr("Type another order number or phone"), ["Ctrl+L"], self.focus_query)
        self.lookup_button.setText(self.lookup_action.text())
        self.lookup_button.setToolTip(self.lookup_action.toolTip())
        self.lookup_button.clicked.connect(self.lookup_action.trigger)
        self.query_edit.setPlaceholderText(self.tr("Order number or caller's phone, then Enter"))

    def set_session(self, seat: Any) -> None:
        super().set_session(seat)
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

    def offline_text(self, at: Any) -> str:
        """A lookup answered offline: the cache may be behind the platform."""
        return (self.tr("Offline: from this seat's cache as of {time}; the platform may know more").format(
            time=moment(at)) if at else self.tr("Offline: from this seat's cache; the platform may know more"))

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
        asking, service = self._asking, self.service
        self.notice.setText(self.tr("Looking up…"))
        self.operation(service.lookup(text)) \
            .failure(lambda exc, _text: self._failed(exc, text, asking)) \
            .success(lambda answer: self._answered(service, asking, answer)).run()

    def _failed(self, exc: BaseException, text: str, asking: int) -> None:
        self.notice.clear()
        if isinstance(exc, ValueError) and asking == self._asking:
            self.error_label.setText(self.tr("Not an order number or a phone number: {text}").format(text=text))

    def _answered(self, service: ProgressService, asking: int, answer: ProgressAnswer) -> None:
        if self.service is not service or asking != self._asking:
            return  # a newer lookup was asked for meanwhile
        self._show(answer)
        self.answered.emit(answer)

    def _show(self, answer: ProgressAnswer) -> None:
        self.answer = answer
        self.model.set_items(answer.items)
        self.error_label.setText(self.tr("The platform refused the lookup: {reason}").format(reason=answer.error)
                                 if answer.error else "")
        self.show_offline(answer.offline, answer.data_at)
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
