"""The category type-ahead of the work-order form: the leaf categories by their full path, filtered
by every word typed ("公积金 提取", "住房/公积金"); Down in the box opens the list."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QKeyEvent

from workstation.catalog import CategorySearch

PATH_SEPARATOR = " / "


class CategoryPathModel(QAbstractListModel):
    """Leaf categories, shown by their full path."""

    IdRole = Qt.ItemDataRole.UserRole + 1
    SearchRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, str]] = []  # (id, shown path, folded search text)

    def set_paths(self, paths: list[tuple[str, list[str]]], search: CategorySearch | None = None) -> None:
        search = search or CategorySearch()
        self.beginResetModel()
        self._rows = [(cat_id, PATH_SEPARATOR.join(p), search.text(p)) for cat_id, p in paths]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        cat_id, shown, folded = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            return shown
        if role == self.IdRole:
            return cat_id
        if role == self.SearchRole:
            return folded
        return None

    def id_for_text(self, text: str) -> str | None:
        return next((cat_id for cat_id, shown, _ in self._rows if shown == text), None)

    def text_for_id(self, cat_id: str) -> str | None:
        return next((shown for i, shown, _ in self._rows if i == cat_id), None)


class CategoryFilterProxy(QSortFilterProxyModel):
    """Leaves whose path holds every word typed ("公积金 提取", "住房/公积金", "gjj", a synonym), in
    tree order (workstation.catalog.CategorySearch matches)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: list[list[str]] = []
        self.search = CategorySearch()

    def set_query(self, text: str) -> None:
        words = self.search.words(text)
        if words == self._words:
            return
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._words = words
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        text = self.sourceModel().index(source_row, 0, source_parent).data(CategoryPathModel.SearchRole) or ""
        return self.search.matches(text, self._words)


class CategoryKeys(QObject):
    """Down in the category box opens the list: the agent never needs the mouse to pick."""

    def __init__(self, form: Any) -> None:
        super().__init__(form)
        self._form = form

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Down and not self._form.category_completer.popup().isVisible():
            self._form.show_categories()
            return True
        return False
