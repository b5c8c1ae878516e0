"""The category type-ahead of the work-order form: the leaf categories by their full path, found as
the knowledge search finds ("公积金 提取", "住房/公积金", "公积金提取", "gjj", a homophone, the
caller's word for it): those holding every word first, then those holding enough of it, marked;
Down in the box opens the list."""
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
from PySide6.QtGui import QKeyEvent, QPalette

from workstation.catalog import CategoryDocuments, CategorySearch

PATH_SEPARATOR = " / "


class CategoryPathModel(QAbstractListModel):
    """Leaf categories, shown by their full path."""

    IdRole = Qt.ItemDataRole.UserRole + 1
    PartialRole = Qt.ItemDataRole.UserRole + 2  # set by the filter: a category holding only part of the words

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str]] = []  # (id, shown path)
        self.documents = CategoryDocuments([])
        self.partial_rows: set[int] = set()

    def set_paths(self, paths: list[tuple[str, list[str]]]) -> None:
        self.beginResetModel()
        self._rows = [(cat_id, PATH_SEPARATOR.join(p)) for cat_id, p in paths]
        self.documents = CategoryDocuments([p for _, p in paths])
        self.partial_rows = set()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        cat_id, shown = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return shown
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.row() not in self.partial_rows:
                return shown
            return shown + "\n" + self.tr("Partial match: check that it is what the caller means")
        if role == Qt.ItemDataRole.ForegroundRole and index.row() in self.partial_rows:
            return QPalette().brush(QPalette.ColorRole.PlaceholderText)
        if role == self.IdRole:
            return cat_id
        if role == self.PartialRole:
            return index.row() in self.partial_rows
        return None

    def id_for_text(self, text: str) -> str | None:
        return next((cat_id for cat_id, shown in self._rows if shown == text), None)

    def text_for_id(self, cat_id: str) -> str | None:
        return next((shown for i, shown in self._rows if i == cat_id), None)


class CategoryFilterProxy(QSortFilterProxyModel):
    """The categories `CategorySearch.rank` offers for what was typed, in its order (every word
    first, in tree order; then partial matches, best first, shown dimmed)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._query: tuple | None = None  # (text, documents, search) the order was computed for
        self._order: dict[int, int] = {}  # source row -> place in the ranking
        self.search = CategorySearch()
        self.sort(0)

    def set_search(self, search: CategorySearch) -> None:
        """Match through another lexicon (the seat's, read when the list opens)."""
        self.search = search

    def set_query(self, text: str) -> None:
        source = self.sourceModel()
        key = (text, source.documents, self.search)
        if key == self._query:
            return
        ranked = self.search.rank(source.documents, text)
        self._apply(key, ranked)
        self.invalidate()  # both the filter and the order moved

    def _apply(self, key: tuple, ranked: list[tuple[int, bool]]) -> None:
        self._query = key
        self._order = {row: place for place, (row, _) in enumerate(ranked)}
        self.sourceModel().partial_rows = {row for row, partial in ranked if partial}

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        return source_row in self._order

    def lessThan(self, left: QModelIndex | QPersistentModelIndex, right: QModelIndex | QPersistentModelIndex) -> bool:
        return self._order.get(left.row(), left.row()) < self._order.get(right.row(), right.row())


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
