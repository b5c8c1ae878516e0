"""What the call-back lists (the missed calls, the callback queue) share: the keys (F5 refreshes and
Enter or F9 calls back, taken by the page before the window's shortcuts, since F5 is also "ready" and
F9 "answer"; F9 stays the call bar's while a call rings or is on) and the highlight of the row being
called back."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QColor, QFont, QKeyEvent

from domain import clock
from ui.rows_model import RowsModel

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
CALLING = QColor("#fff3b0")


class CallBackListModel(RowsModel):
    """A list the agent calls back from; the row being called back stands out. Subclasses say what a
    cell shows (`_text`) and any other role of theirs (`_other`); `ATTEMPTS` is the column of the
    attempts (centred)."""

    PhoneRole = Qt.ItemDataRole.UserRole + 2
    ATTEMPTS = -1

    def __init__(self, headers: list[str], parent: QObject | None = None, name: str = "") -> None:
        super().__init__(headers, parent, name)
        self._calling: str | None = None

    def set_items(self, items: list[dict], calling: str | None) -> None:
        self._calling, self._now = calling, clock.now()
        self._reset(items)

    def cell(self, item: dict, column: int, role: int) -> Any:
        calling = self.is_calling(item)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column, calling)
        if role == self.PhoneRole:
            return item.get("caller_phone")
        if calling and (style := self.calling_style(role)) is not None:
            return style
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.ATTEMPTS:
            return int(Qt.AlignmentFlag.AlignCenter)
        return self._other(item, column, role)

    def _text(self, item: dict, column: int, calling: bool) -> str:
        raise NotImplementedError

    def _other(self, item: dict, column: int, role: int) -> Any:
        return None

    def is_calling(self, item: dict) -> bool:
        return item.get(self.key) == self._calling

    @staticmethod
    def calling_style(role: int) -> Any:
        """The look of the row being called back for `role`, or None."""
        if role == Qt.ItemDataRole.BackgroundRole:
            return CALLING
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None


class CallBackKeys:
    """Mix into a QWidget page that has `table`, `refresh_action`, `call_back_action` and `_seat`,
    and installs itself as the event filter of its table (and panel)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and isinstance(event, QKeyEvent):
            action = self._page_key(watched, event)
            if action is not None:
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()  # the key comes here as a key press, not to the window's shortcut
                else:
                    action.trigger()
                return True
        return super().eventFilter(watched, event)  # type: ignore[misc]

    def _page_key(self, watched: QObject, event: QKeyEvent) -> QAction | None:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return None
        key = event.key()
        if key == Qt.Key.Key_F5:
            return self.refresh_action  # type: ignore[attr-defined]
        if watched is self.table and (  # type: ignore[attr-defined]
                key in ENTER_KEYS or (key == Qt.Key.Key_F9 and not self._on_a_call())):
            return self.call_back_action  # type: ignore[attr-defined]
        return None

    def _on_a_call(self) -> bool:
        calls = getattr(self._seat, "calls", None)  # type: ignore[attr-defined]
        return getattr(calls, "current", None) is not None
