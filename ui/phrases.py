"""Quick phrases (常用语) and call scripts, from the seat's agent texts (workstation/texts.py).

`PhrasePicker`: Ctrl+P over the window opens a panel that lists the quick phrases, narrowed as the
agent types (characters or pinyin); Up/Down move, Enter or a digit 1-9 inserts the phrase into the
text field that had the keyboard, Esc (or Ctrl+P again) closes. Under the list, the opening and
closing scripts to read to the caller.

`CallbackScriptBox`: the callback script filled with the order's number and the unit's reply, shown
read-only on the callback panel for the agent to read back."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.overlay import Overlay
from ui.page import ENTER_KEYS, ERROR, MUTED, Message
from ui.rows_model import RowsModel, table_view
from workstation.errors import CacheError
from workstation.texts import AgentText, TextKind, TextService

log = logging.getLogger(__name__)

SHORTCUT = "Ctrl+P"
DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}
TextFields = (QLineEdit, QPlainTextEdit, QTextEdit)


class PhraseModel(RowsModel):
    """The phrases shown, each with the digit that picks it (1-9)."""

    DIGIT, TITLE, BODY = range(3)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Key"), self.tr("Title"), self.tr("Phrase")], parent, "phraseModel")

    def set_phrases(self, phrases: list[AgentText]) -> None:
        self._reset([{"id": p.id, "title": p.title, "body": p.body, "digit": str(n) if n <= len(DIGITS) else ""}
                     for n, p in enumerate(phrases, start=1)])

    def cell(self, row: dict, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == self.BODY:
            return row["body"]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == self.DIGIT:
            return row["digit"]
        return row["title"] if column == self.TITLE else row["body"].replace("\n", " ")


def insert_text(field: QWidget, text: str) -> None:
    """Put `text` at the cursor of a text field (a line takes it as one line, within its length)."""
    if isinstance(field, QLineEdit):
        field.insert(text.replace("\n", " "))
    elif isinstance(field, QPlainTextEdit | QTextEdit):
        field.insertPlainText(text)


def _writable(widget: QWidget | None) -> QWidget | None:
    if isinstance(widget, TextFields) and not widget.isReadOnly() and widget.isEnabled():
        return widget
    return None


class PhrasePicker(Overlay):
    """`texts()` gives the signed-in seat's text service (None when signed out). `action` is the
    window's Ctrl+P."""

    def __init__(self, parent: QWidget, texts: Callable[[], TextService | None]) -> None:
        super().__init__(parent, "phrasePicker", dim=90, panel_width=720)
        self._texts = texts
        self._target: QWidget | None = None  # the field the phrase goes into
        self._back: QWidget | None = None  # where the keyboard goes back to
        self.action = QAction(self.tr("Quick phrases and call scripts"), parent)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(self.toggle)
        parent.addAction(self.action)  # the window's: F1 lists it with the window's keys
        self._build()

    def _build(self) -> None:
        box = QVBoxLayout(self.panel)
        box.setContentsMargins(20, 16, 20, 16)
        title = QLabel(self.tr("Quick phrases"))
        title.setStyleSheet("font-weight: bold; font-size: 13pt;")
        self.filter_edit = QLineEdit(objectName="phraseFilter")
        self.filter_edit.setPlaceholderText(self.tr("Type to narrow the phrases (characters or pinyin)"))
        self.filter_edit.textChanged.connect(self._narrow)
        self.filter_edit.installEventFilter(self)
        self.model = PhraseModel(self)
        self.table = table_view("phraseList", self.model, wrap=False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay in the filter
        self.table.setMinimumHeight(220)
        self.table.doubleClicked.connect(lambda index: self.insert(index.row()))
        self.target_line = Message("phraseTarget", MUTED)
        self.error_line = Message("phraseError", ERROR)
        scripts = QLabel(self.tr("Call scripts"))
        scripts.setStyleSheet("font-weight: bold; margin-top: 8px;")
        self.opening = self._script_label("openingScript")
        self.closing = self._script_label("closingScript")
        hint = QLabel(self.tr("Enter or 1-9 inserts the phrase where the cursor was; Esc closes"))
        hint.setStyleSheet(f"color: {MUTED};")
        for widget in (title, self.filter_edit, self.table, self.target_line, self.error_line, scripts,
                       self.opening, self.closing, hint):
            box.addWidget(widget)

    @staticmethod
    def _script_label(name: str) -> QLabel:
        label = QLabel(objectName=name)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # --- opening and closing --------------------------------------------------------------------
    def toggle(self) -> None:
        if self.isVisible():
            self.close_picker()
        else:
            self.open_picker()

    def open_picker(self) -> None:
        self._back = QApplication.focusWidget()
        self._target = _writable(self._back)
        self.error_line.clear()
        self.target_line.setText("" if self._target is not None else
                                 self.tr("No text field had the cursor: put it where the phrase goes, then Ctrl+P"))
        self.filter_edit.clear()
        self._narrow("")
        self._show_scripts()
        self.present()
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def close_picker(self) -> None:
        self.hide()
        back = self._target or self._back
        if back is not None and shiboken6.isValid(back) and back.isVisible():
            back.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_scripts(self) -> None:
        texts, none = self._texts(), self.tr("(none kept on this seat)")
        for label, kind, name in ((self.opening, TextKind.script_opening, self.tr("Opening")),
                                  (self.closing, TextKind.script_closing, self.tr("Closing"))):
            script = texts.script(kind) if texts is not None else None
            label.setText(f"{name}：{script.body if script is not None else none}")

    # --- the list -------------------------------------------------------------------------------
    def _narrow(self, query: str) -> None:
        texts = self._texts()
        if texts is None:
            self.model.set_phrases([])
            self.error_line.setText(self.tr("Signed out: sign in to use the quick phrases."))
            return
        try:
            phrases = texts.phrases(query)
        except CacheError as exc:
            log.warning("quick phrases not read (%s)", type(exc).__name__)
            self.model.set_phrases([])
            self.error_line.setText(self.tr("The quick phrases could not be read from this seat's cache."))
            return
        self.model.set_phrases(phrases)
        self.error_line.setText("" if phrases else self.tr("No phrase matches."))
        if phrases:
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _move(self, step: int) -> None:
        count = self.model.rowCount()
        if count:
            row = max(0, min(count - 1, self.table.currentIndex().row() + step))
            self.table.setCurrentIndex(self.model.index(row, 0))

    def shown(self) -> list[str]:
        """The titles listed, in order."""
        return [self.model.item(r)["title"] for r in range(self.model.rowCount())]

    def insert(self, row: int) -> None:
        """Insert the phrase of `row` into the field that had the cursor, and close."""
        item = self.model.item(row)
        if item is None:
            return
        target = self._target
        if target is None or not shiboken6.isValid(target):
            self.error_line.setText(self.tr("No text field had the cursor: close, put it where the phrase goes, "
                                            "then Ctrl+P"))
            return
        self.close_picker()
        insert_text(target, item["body"])

    # --- keys -----------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # (the window's events pass here from Overlay.__init__ on, before the filter line exists)
        if event.type() == QEvent.Type.KeyPress and watched is getattr(self, "filter_edit", None):
            return self._key(event)
        return super().eventFilter(watched, event)

    def _key(self, event: QKeyEvent) -> bool:
        key, plain = event.key(), not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        if key == Qt.Key.Key_Escape:
            self.close_picker()
        elif key in ENTER_KEYS:
            self.insert(self.table.currentIndex().row())
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._move(-1 if key == Qt.Key.Key_Up else 1)
        elif key in DIGITS and plain:
            self.insert(DIGITS[key] - 1)
        else:
            return False
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_picker()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.panel.geometry().contains(event.position().toPoint()):
            self.close_picker()  # a click beside the panel closes it
        event.accept()


class CallbackScriptBox(QPlainTextEdit):
    """The callback script to read back, with the order's number and the unit's reply filled in;
    hidden when the seat keeps no callback script."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="callbackScript")
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the panel's keys stay where they are
        self.setMaximumHeight(110)
        self.setToolTip(self.tr("The callback script: read it to the requester"))
        self.hide()

    def show_for(self, texts: TextService | None, number: str, reply: str) -> None:
        script = texts.callback_script(number, reply) if texts is not None else ""
        self.setPlainText(script)
        self.setVisible(bool(script))
