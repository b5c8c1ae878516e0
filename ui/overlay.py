"""A dimmed layer over the whole window with a panel in its middle: the help and the sign-in use
it instead of dialogs, so that the agent never has a stack of windows."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QWidget


class Overlay(QWidget):
    def __init__(self, parent: QWidget, name: str, dim: int = 120, panel_width: int | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._dim, self._panel_width = dim, panel_width
        self.panel = QFrame(self, objectName=f"{name}Panel")
        self.panel.setStyleSheet(f"#{name}Panel {{ background: palette(window); border-radius: 8px; }}")
        parent.installEventFilter(self)
        self.hide()

    def present(self) -> None:
        self.fit()
        self.show()
        self.raise_()

    def fit(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        if self._panel_width:
            self.panel.setFixedWidth(min(self._panel_width, self.width() - 40))
        self.panel.adjustSize()
        self.panel.move(self.rect().center() - self.panel.rect().center())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.fit()
        return False

    def paintEvent(self, _event: QPaintEvent) -> None:
        QPainter(self).fillRect(self.rect(), QColor(0, 0, 0, self._dim))
