"""A read-only table of dict rows under fixed headers: the plumbing every list in the window shares.
Subclasses say what a cell shows for a role (`cell`) and which field identifies a row (`key`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from domain import clock
from domain.workorder import TERMINAL_STATUSES

Index = QModelIndex | QPersistentModelIndex
OVERDUE = QColor("#b3261e")
_TERMINAL = frozenset(str(s) for s in TERMINAL_STATUSES)
_USER_ROLE = int(Qt.ItemDataRole.UserRole)


def is_overdue(row: dict, now: datetime, also_done: tuple[str, ...] = ()) -> bool:
    """An order past its deadline and not closed (nor in one of the statuses `also_done`)."""
    deadline = row.get("deadline")
    if not deadline or row.get("status") in _TERMINAL or row.get("status") in also_done:
        return False
    try:
        return clock.parse(deadline) < now
    except ValueError:
        return False


class RowsModel(QAbstractTableModel):
    """`DEADLINE`, when a subclass has that column, shows an overdue order's deadline in red."""

    key = "id"
    DEADLINE = -1
    # The standard roles a subclass answers (its own roles from UserRole up are always asked). A
    # view paints each cell with seven roles; those no model answers end here, before Python does
    # any more work, which keeps a repaint of a long list well within a frame.
    roles: frozenset[int] = frozenset(int(r) for r in (
        Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.FontRole, Qt.ItemDataRole.TextAlignmentRole))

    def __init__(self, headers: list[str], parent: QObject | None = None, name: str = "") -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self._headers = headers
        self._rows: list[dict] = []
        self._now = clock.now()  # what the rows are shown against (deadlines, ages)

    def set_items(self, items: list[dict]) -> None:
        self._now = clock.now()
        self._reset(items)

    def _reset(self, rows: list[dict]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def item(self, row: int) -> dict | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key: object) -> int:
        """The row whose `key` field is `key`, or -1."""
        return next((n for n, row in enumerate(self._rows) if row.get(self.key) == key), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in self.roles and role < _USER_ROLE:
            return None
        row = self.item(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == self.DEADLINE and self.overdue(row):
            return OVERDUE
        return self.cell(row, index.column(), role)

    def overdue(self, row: dict) -> bool:
        return is_overdue(row, self._now)

    def cell(self, row: dict, column: int, role: int) -> Any:
        raise NotImplementedError


def table_view(name: str, model: RowsModel, *, wrap: bool = True) -> QTableView:
    """A list of whole rows, one selected at a time, read-only; Tab leaves it (arrows move in it)."""
    view = QTableView(objectName=name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setTabKeyNavigation(False)
    view.setWordWrap(wrap)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view
