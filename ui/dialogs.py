"""What the dialogs over the desk share: Ctrl+Enter sends and Esc cancels, with their buttons;
`ChoiceDialog`, a question whose safe answer Enter and Esc give; and `ask(dialog, attr)`, which shows
a dialog window-modal without a nested event loop and gives what the dialog recorded (its `attr`,
None when cancelled)."""
from __future__ import annotations

import asyncio
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


async def finished(dialog: QDialog) -> int:
    """Show a dialog without a nested event loop and wait until it closes."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    dialog.finished.connect(lambda result: done.done() or done.set_result(result))
    dialog.open()
    return await done


async def ask(dialog: QDialog, attr: str) -> Any:
    """Show `dialog`, wait until it closes, and give its `attr` (None once it is deleted); then delete it."""
    try:
        await finished(dialog)
        return getattr(dialog, attr) if shiboken6.isValid(dialog) else None
    finally:
        if shiboken6.isValid(dialog):
            dialog.deleteLater()


def send_and_cancel(dialog: QDialog, action_text: str, name: str) -> tuple[QAction, QHBoxLayout]:
    """A dialog's send action (Ctrl+Enter, and `dialog.send`) with its Send and Cancel (Esc) buttons."""
    action = QAction(action_text, dialog)
    action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(dialog.send)  # type: ignore[attr-defined]
    dialog.addAction(action)
    send = QPushButton(QCoreApplication.translate("DialogButtons", "Send (Ctrl+Enter)"), objectName=f"{name}Send")
    cancel = QPushButton(QCoreApplication.translate("DialogButtons", "Cancel (Esc)"), objectName=f"{name}Cancel")
    for button in (send, cancel):
        button.setAutoDefault(False)  # Enter belongs to the text, not to a button
    send.clicked.connect(action.trigger)
    cancel.clicked.connect(dialog.reject)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(send)
    row.addWidget(cancel)
    return action, row


class ChoiceDialog(QDialog):
    """A question before something that may lose work: a text and one button per choice. The first
    choice is the safe one: Enter and Esc give it, and the keyboard starts on it; the others take
    their underlined letter (Alt+letter). `choice` is what was chosen. A subclass names itself,
    then calls `offer` with its own translated texts."""

    def __init__(self, parent: QWidget, name: str) -> None:
        super().__init__(parent, objectName=name)
        self.choice = self._safe = ""

    def offer(self, text: str, choices: list[tuple[str, str, str]]) -> None:
        """`choices`: (choice, button text, button object name), the safe one first."""
        self.choice = self._safe = choices[0][0]
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(text, wordWrap=True, objectName=f"{self.objectName()}Text"))
        row = QHBoxLayout()
        for choice, label, name in choices:
            button = QPushButton(label, objectName=name)
            button.setAutoDefault(choice == self._safe)
            button.setDefault(choice == self._safe)
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
            row.addWidget(button)
        layout.addLayout(row)
        self.findChild(QPushButton, choices[0][2]).setFocus(Qt.FocusReason.OtherFocusReason)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        (self.reject if choice == self._safe else self.accept)()
