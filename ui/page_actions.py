"""Actions of a page and their buttons: the pages share the window, so a page's keys work while the
focus is inside it."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolButton, QWidget


def desk_action(owner: QWidget, text: str, keys: list[str], slot: Any, name: str) -> QAction:
    """An action whose keys work while the focus is inside `owner` (the pages share the window)."""
    action = QAction(text, owner)
    action.setObjectName(name)
    action.setShortcuts([QKeySequence(k) for k in keys])
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shown = " / ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
    action.setToolTip(f"{text} ({shown})")
    action.triggered.connect(slot)
    owner.addAction(action)
    return action


def desk_button(action: QAction, name: str) -> QToolButton:
    button = QToolButton(objectName=name)
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button
