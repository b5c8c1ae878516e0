"""What every page of the window is built on (`Page`): its title, `set_session(seat)`, its actions
with their keys for the help overlay (F1), the count and offline lines, the message lines, the
list's current row and async operations; and the one time formatter (`moment`).

The pages share the window, so a page's keys work while the focus is inside it
(`WidgetWithChildrenShortcut`)."""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from domain import clock
from domain.workorder import RequestType
from ui.operation import Operation
from ui.rows_model import RowsModel

ERROR = "#b3261e"
MUTED = "#6b6b6b"
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def moment(stamp: str | datetime | None, today: datetime | None = None) -> str:
    """HH:MM today, MM-DD HH:MM earlier this year, YYYY-MM-DD HH:MM before (the centre's time)."""
    if not stamp:
        return ""
    try:
        at = (stamp if isinstance(stamp, datetime) else clock.parse(stamp)).astimezone(clock.CENTRE_TZ)
    except ValueError:
        return str(stamp)
    now = (today or clock.now()).astimezone(clock.CENTRE_TZ)
    if at.date() == now.date():
        return at.strftime("%H:%M")
    return at.strftime("%m-%d %H:%M" if at.year == now.year else "%Y-%m-%d %H:%M")


def order_status(row: dict, label: str) -> str:
    """An order's status as a list shows it: a row of this seat that the platform has not
    confirmed (changes waiting in the outbox) or has refused says so, never passing for the
    platform's state."""
    if row.get("rejected_code"):
        return QCoreApplication.translate("Page", "{status} (refused by the platform)").format(status=label)
    if row.get("local"):
        return QCoreApplication.translate("Page", "{status} (not confirmed)").format(status=label)
    return label


def day(stamp: str | None) -> str:
    """A deadline or a date of record: YYYY-MM-DD HH:MM (the centre's time)."""
    if not stamp:
        return ""
    try:
        return clock.parse(stamp).astimezone(clock.CENTRE_TZ).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(stamp)


def facts_table(rows: list[tuple[str, object]], empty: str = "—") -> str:
    """Labelled facts as an HTML table (labels muted, values escaped, line breaks kept)."""
    cells = "".join(
        f'<tr><td style="color: {MUTED}; padding-right:8px;" valign="top">{html.escape(label)}</td>'
        f'<td>{html.escape(str(value if value not in (None, "") else empty)).replace(chr(10), "<br>")}</td></tr>'
        for label, value in rows)
    return f"<table>{cells}</table>"


def request_type_name(kind: object) -> str:
    """The request type in the centre's words (what was sent when it is not one we know)."""
    try:
        return RequestType(str(kind)).label_zh
    except ValueError:
        return str(kind or "")


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # the platform refuses these in text


def clean(text: str) -> str:
    """What the agent typed, as the platform takes it (control characters out, spaces trimmed)."""
    return _CONTROL.sub("", text).strip()


def text_problem(text: str, limit: int, empty: str, too_long: str) -> str:
    """Why `text` cannot be sent ("" when it can): `empty`, or `too_long` with {count} and {limit}."""
    if not text:
        return empty
    if len(text) > limit:
        return too_long.format(count=len(text), limit=limit)
    return ""


def disconnect(signal: Any, slot: Any) -> None:
    """Undo a connection; harmless when it was never made (a session set twice)."""
    try:
        signal.disconnect(slot)
    except (ValueError, RuntimeError):
        pass


class Message(QLabel):
    """A message line that takes no room while it has nothing to say."""

    def __init__(self, name: str, color: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName=name)
        self.setWordWrap(True)
        if color:
            self.setStyleSheet(f"color: {color};")
        self.hide()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.setText("")


def page_action(owner: QWidget, text: str, keys: list[str], slot: Callable, widget: QWidget | None,
                name: str = "", context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut) -> QAction:
    """An action whose keys work while the focus is inside `widget` (None: the keys only label it,
    an event filter takes them); its tooltip names the keys."""
    action = QAction(text, owner)
    if name:
        action.setObjectName(name)
    action.setShortcuts([QKeySequence(k) for k in keys])
    action.setShortcutContext(context)
    shown = " / ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
    action.setToolTip(f"{text} ({shown})")
    action.triggered.connect(slot)
    if widget is not None:
        widget.addAction(action)
    return action


def action_button(action: QAction, name: str, text: str = "") -> QToolButton:
    """A button that triggers `action` and shows its text (or `text`) and tooltip."""
    button = QToolButton(objectName=name)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    if text:
        button.setText(text)
        button.setToolTip(action.toolTip())
        button.clicked.connect(action.trigger)
    else:
        button.setDefaultAction(action)
    return button


def splitter(name: str, widgets: list[QWidget], sizes: list[int],
             orientation: Qt.Orientation = Qt.Orientation.Vertical) -> QSplitter:
    """Panes that keep a minimum size (none collapses under the agent's drag)."""
    split = QSplitter(orientation, objectName=name)
    split.setChildrenCollapsible(False)
    for widget in widgets:
        split.addWidget(widget)
    split.setSizes(sizes)
    return split


class Page(QWidget):
    """A page of the window. Subclasses give `page_title()`, build their widgets (with
    `_build_lines(prefix)` for the count, offline, error and notice lines, and `self.action(...)`
    for what the help overlay lists) and extend `set_session(seat)` (None: signed out).

    A page with a list names it `table` (a QTableView over a `RowsModel` named `model`):
    `current_item()`, `_move(step)` and `_select(key)` work on it."""

    #: what the agent does offline is kept in the outbox and sent later (the offline line says so)
    sends_later = False
    object_name = ""

    table: QTableView
    model: RowsModel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.object_name)
        self._seat: Any = None
        self._list_error = False  # the error line shows the platform's refusal of the list
        self.actions_for_help: list[QAction] = []

    def page_title(self) -> str:
        raise NotImplementedError

    def category_name(self, category_id: str) -> str:
        """The category's path from the seat's catalog (the id when it does not know it)."""
        if not category_id or self._seat is None:
            return category_id
        return self._seat.catalog.category_path(category_id)

    def _choose(self, buttons: dict[str, QToolButton], key: str, error: QLabel) -> bool:
        """Check the button of `key` while the panel is open (its error line cleared); False when closed."""
        if getattr(self, "_working", None) is None:
            return False
        buttons[key].setChecked(True)
        error.clear()
        return True

    def _set_up(self) -> None:
        """Build the widgets and the actions, and show the page signed out."""
        self._build()
        self._build_actions()
        self.set_session(None)

    def _build(self) -> None:
        raise NotImplementedError

    def _build_actions(self) -> None:
        pass

    def _lay_out(self, *rows: QWidget | QLayout | tuple[QWidget | QLayout, int]) -> QVBoxLayout:
        """The page's column, edge to edge: widgets and layouts, or (one, its stretch)."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for row in rows:
            item, stretch = row if isinstance(row, tuple) else (row, 0)
            if isinstance(item, QLayout):
                layout.addLayout(item, stretch)
            else:
                layout.addWidget(item, stretch)
        return layout

    def set_session(self, seat: Any) -> None:
        self._seat = seat

    # --- actions --------------------------------------------------------------------------------
    def action(self, text: str, keys: list[str], slot: Callable, widget: QWidget | None | bool = True,
               name: str = "") -> QAction:
        """A page action listed in the help overlay; its keys work inside `widget` (True: the page;
        None: the page's event filter takes them)."""
        action = page_action(self, text, keys, slot, self if widget is True else widget, name)
        self.actions_for_help.append(action)
        return action

    def operation(self, coro: Coroutine[Any, Any, Any]) -> Operation:
        """An async operation of this page; a known failure shows on the error line."""
        return Operation(self, coro).show_on(self.error_label)

    # --- the lines above the list ---------------------------------------------------------------
    def _build_lines(self, prefix: str, count: str = "Count") -> QHBoxLayout:
        """`count_label`, `offline_label`, `error_label`, `notice`; returns the row of the first two."""
        self.count_label = QLabel(objectName=f"{prefix}{count}")
        self.count_label.setStyleSheet("font-weight: 600;")
        self.offline_label = Message(f"{prefix}Offline", ERROR)
        self.error_label = Message(f"{prefix}Error", ERROR)
        self.notice = Message(f"{prefix}Notice", MUTED)
        top = QHBoxLayout()
        top.addWidget(self.count_label)
        top.addWidget(self.offline_label, 1)
        return top

    def offline_text(self, at: str | datetime | None) -> str:
        """The offline line: the time of the data shown, and that the platform cannot be reached."""
        return self.offline_words(moment(at))

    def offline_words(self, when: str) -> str:
        """The offline line for data of the time `when` (as shown; "" when nothing was loaded)."""
        translate = QCoreApplication.translate
        if self.sends_later:
            if when:
                return translate("Page", "Offline: the data of {time}; the platform cannot be reached, what you do "
                                         "now is sent when the link is back").format(time=when)
            return translate("Page", "Offline: nothing loaded yet; what you do now is sent when the link is back")
        if when:
            return translate("Page", "Offline: the data of {time}; the platform cannot be reached").format(time=when)
        return translate("Page", "Offline: only what this seat has cached; the platform cannot be reached")

    def show_offline(self, offline: bool, at: str | datetime | None = None) -> None:
        self.offline_label.setText(self.offline_text(at) if offline else "")

    def list_refused_text(self, reason: str) -> str:
        return QCoreApplication.translate("Page", "The platform refused to show this page: {reason}").format(
            reason=reason)

    def show_list_error(self, error: str | None) -> None:
        """The platform's refusal of the list on the error line (cleared once it answers again)."""
        if error:
            self.error_label.setText(self.list_refused_text(error))
            self._list_error = True
        elif self._list_error:
            self.error_label.clear()
            self._list_error = False

    def signed_out_text(self) -> str:
        return QCoreApplication.translate("Page", "Signed out: sign in to see this page.")

    # --- the list -------------------------------------------------------------------------------
    def current_item(self) -> dict | None:
        index = self.table.currentIndex()
        return self.model.item(index.row()) if index.isValid() else None

    def _move(self, step: int) -> None:
        count = self.model.rowCount()
        if count:
            current = self.table.currentIndex().row()
            row = max(0, min(count - 1, (current if current >= 0 else -1) + step))
            self.table.setCurrentIndex(self.model.index(row, 0))

    def _select(self, key: object) -> int:
        """Keep the row whose key is `key` current (the first row when it left); its row or -1."""
        row = self.model.row_of(key)
        if row < 0 and self.model.rowCount():
            row = 0
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, 0))
        return row

    def _leave_panel(self, panel: QWidget) -> None:
        """Hide `panel`; the focus it had goes back to the list."""
        had_focus = panel.isAncestorOf(QApplication.focusWidget())
        panel.hide()
        if had_focus:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
