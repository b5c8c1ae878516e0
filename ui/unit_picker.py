"""The assisting units (协办单位) of a dispatch: unit names typed in one line, separated by 、 or a
comma, each completed from the units an order can go to ("市场" lists 市市场监督管理局)."""
from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLineEdit

SEPARATOR = "、"
_SPLIT = re.compile(r"[、,，;；]")
MAX_ASSISTING = 10  # the platform's limit


def split_names(text: str) -> list[str]:
    """The unit names of the line, in order, without blanks."""
    return [name.strip() for name in _SPLIT.split(text) if name.strip()]


class UnitListCompleter(QCompleter):
    """Completes the name being typed after the last separator; the chosen name replaces it and a
    separator follows, ready for the next one."""

    def __init__(self, edit: QLineEdit) -> None:
        self.names = QStringListModel(edit)
        super().__init__(self.names, edit)
        self.setWidget(edit)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setMaxVisibleItems(10)
        self.activated[QModelIndex].connect(self._insert)
        edit.textEdited.connect(self._typed)
        self._edit = edit

    def set_names(self, names: list[str]) -> None:
        self.names.setStringList(names)

    def _typed(self, text: str) -> None:
        last = _SPLIT.split(text)[-1].strip()
        if not last:
            self.popup().hide()
            return
        self.setCompletionPrefix(last)
        if self.completionCount():
            self.complete()
            self.popup().setCurrentIndex(self.completionModel().index(0, 0))
        else:
            self.popup().hide()

    def _insert(self, index: QModelIndex) -> None:
        name, text = str(index.data()), self._edit.text()
        head = text[:max((m.end() for m in _SPLIT.finditer(text)), default=0)]
        self._edit.setText(head + name + SEPARATOR)
        self._edit.activateWindow()  # a closed list can stay the active window where no window manager runs

    def splitPath(self, path: str) -> list[str]:  # noqa: N802 - Qt's name
        return [_SPLIT.split(path)[-1].strip()]
