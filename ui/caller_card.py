"""The caller card (left pane): the screen pop fills it at once from the local cache, then the
platform's answer refines it. Showing the number in full is an explicit, audited action."""
from __future__ import annotations

import asyncio
import logging
import sys
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from domain import clock
from domain.phone import InvalidPhoneNumber, PhoneInfo, locate, mask_phone, normalize_phone
from domain.workorder import WorkOrderStatus
from ui.page import order_status
from ui.rows_model import Index, RowsModel, is_overdue
from workstation.callers import CallerHistory, CallerService, empty_history
from workstation.platform_client import PlatformError, PlatformUnreachable
from workstation.session import SeatSession

log = logging.getLogger(__name__)

ORDER_LIMIT = 20
NAME_STYLE = "font-size: 12pt;"
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)


def _date(stamp: str | None) -> str:
    return (stamp or "")[:10]


class CallerOrdersModel(RowsModel):
    """The caller's newest work orders, newest first (read-only)."""

    NUMBER, CREATED, STATUS, TITLE, DEADLINE = range(5)

    key = "number"
    roles = frozenset(int(r) for r in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                       Qt.ItemDataRole.ForegroundRole))

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Number"), self.tr("Created"), self.tr("Status"), self.tr("Title"),
                          self.tr("Deadline")], parent, "callerOrdersModel")
        self._now = clock.now()
        self._texts: list[tuple[str | None, ...]] = []

    def set_rows(self, rows: list[dict], now: datetime) -> None:
        self._now = now
        self._reset(rows)

    def _reset(self, rows: list[dict]) -> None:
        # each cell's text once per ring, not once per paint: a ring's first frame asks ~400 cells' data
        self._texts = [tuple(self._text(row, column) for column in range(len(self._headers))) for row in rows]
        super()._reset(rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == _DISPLAY:
            row, column = index.row(), index.column()
            return self._texts[row][column] if 0 <= row < len(self._texts) and 0 <= column < len(self._headers) else None
        return super().data(index, role)

    def cell(self, row: dict, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        return None

    def _text(self, row: dict, column: int) -> str | None:
        if column == self.NUMBER:
            return row["number"]
        if column == self.CREATED:
            return _date(row.get("created_at"))
        if column == self.STATUS:
            try:
                label = WorkOrderStatus(row.get("status")).label_zh
            except ValueError:  # a status a newer platform knows and we do not
                label = str(row.get("status") or "")
            return order_status(row, label)
        if column == self.TITLE:
            return row.get("title") or ""
        if column == self.DEADLINE:
            return _date(row.get("deadline"))
        return None

    def _tooltip(self, row: dict, column: int) -> str | None:
        if column in (self.TITLE, self.STATUS):
            return self._text(row, column) or None
        if column == self.NUMBER and row.get("local"):
            return self.tr("Recorded on this seat; not yet confirmed by the platform")
        if column == self.DEADLINE and row.get("deadline"):
            text = self.tr("Overdue") if is_overdue(row, self._now) else ""
            if row.get("deadline_provisional"):
                text = " ".join(t for t in (text, self.tr("Provisional deadline")) if t)
            return text or None
        return None


class CallerCard(QWidget):
    """`show_caller(phone)` is the screen pop. Signals: `number_revealed(phone)` when the agent shows
    the number in full (for the audit), `refined(phone)` when the platform's answer is shown,
    `refinement_failed(phone)` when the card stays on the cache, `order_activated(number)` on Enter
    or double-click in the orders list, `history_shown()` whenever the caller's orders shown change
    (the form looks again for an open order a new request would repeat)."""

    number_revealed = Signal(str)
    history_shown = Signal()
    refined = Signal(str)
    refinement_failed = Signal(str)
    order_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callerCard")
        self._seat: SeatSession | None = None
        self._phone = ""
        self._history: CallerHistory | None = None
        self._refinement: asyncio.Task | None = None
        self._build()
        self._build_actions()
        self.clear()

    # --- layout ---------------------------------------------------------------------------------
    def _label(self, name: str, parent_layout: QVBoxLayout | QHBoxLayout, style: str = "", *,
               wrap: bool = True) -> QLabel:
        """`wrap=False` for one-line texts: a wrapped label lays its text out again to find its height."""
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(wrap)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if style:
            label.setStyleSheet(style)
        parent_layout.addWidget(label)
        return label

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Caller"))
        title.setObjectName("callerCardTitle")
        title.setStyleSheet("font-weight: bold; font-size: 12pt;")
        layout.addWidget(title)
        self._pages = QStackedWidget()
        layout.addWidget(self._pages, 1)

        self._empty = QLabel(self.tr("No call. The caller's details appear here when a call rings."))
        self._empty.setObjectName("callerEmpty")
        self._empty.setWordWrap(True)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self._empty.setStyleSheet("color: palette(mid);")
        self._pages.addWidget(self._empty)

        details = QWidget()
        details.setObjectName("callerDetails")
        body = QVBoxLayout(details)
        body.setContentsMargins(0, 0, 0, 0)
        number_row = QHBoxLayout()
        self.number_label = self._label("callerNumber", number_row, "font-size: 14pt; font-weight: bold;",
                                        wrap=False)
        self.reveal_button = QToolButton()
        self.reveal_button.setObjectName("callerReveal")
        number_row.addWidget(self.reveal_button)
        self.confidential_badge = QLabel(self.tr("Confidential"))
        self.confidential_badge.setObjectName("callerConfidential")
        self.confidential_badge.setStyleSheet(
            "background: #b3261e; color: white; font-weight: bold; border-radius: 4px; padding: 2px 8px;")
        self.confidential_badge.setToolTip(self.tr("The caller asked for confidentiality: never disclose "
                                                   "their name or number"))
        number_row.addWidget(self.confidential_badge)
        number_row.addStretch(1)
        body.addLayout(number_row)
        self.location_label = self._label("callerLocation", body, "color: palette(mid);", wrap=False)
        self.name_label = self._label("callerName", body, NAME_STYLE)
        self.repeat_label = self._label(
            "callerRepeat", body, "background: #fff4e5; color: #8a4b00; border: 1px solid #f0b45a; "
                                  "border-radius: 4px; padding: 4px;")
        self.orders_model = CallerOrdersModel(self)
        self.orders_view = QTableView()
        self.orders_view.setObjectName("callerOrders")
        self.orders_view.setModel(self.orders_model)
        self.orders_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.orders_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.orders_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.orders_view.setAlternatingRowColors(True)
        self._size_orders_view()
        self.orders_view.activated.connect(self._activated)
        body.addWidget(self.orders_view, 1)
        self.source_note = self._label("callerSourceNote", body, "color: palette(mid); font-size: 9pt;")
        self._pages.addWidget(details)

    def _size_orders_view(self) -> None:
        """Column widths and row height from the font, never from the rows: sizing to contents asks
        every cell for its size on each ring, which alone would take most of a frame."""
        view = self.orders_view
        view.setWordWrap(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        rows = view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(view.fontMetrics().height() + 8)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # the agent may still drag
        metrics = view.fontMetrics()
        pad = 8  # the item delegate's text margins, 4 px either side
        # the usual four-character statuses fit; a rarer longer one is elided, whole in its tooltip
        samples = {CallerOrdersModel.NUMBER: "20261231000000", CallerOrdersModel.CREATED: "2026-12-31",
                   CallerOrdersModel.STATUS: WorkOrderStatus.closed_at_intake.label_zh,
                   CallerOrdersModel.DEADLINE: "2026-12-31"}
        for column, sample in samples.items():
            title = self.orders_model.headerData(column, Qt.Orientation.Horizontal)
            header.resizeSection(column, max(metrics.horizontalAdvance(sample),
                                             header.fontMetrics().horizontalAdvance(title)) + pad)
        # the free text last, taking what the pane has left: the deadline stays in sight
        header.moveSection(header.visualIndex(CallerOrdersModel.DEADLINE), header.visualIndex(CallerOrdersModel.TITLE))
        header.setSectionResizeMode(CallerOrdersModel.TITLE, QHeaderView.ResizeMode.Stretch)

    def _build_actions(self) -> None:
        self.reveal_action = QAction(self.tr("Show number in full"), self)
        self.reveal_action.setObjectName("revealNumberAction")
        self.reveal_action.setCheckable(True)
        self.reveal_action.setShortcut(QKeySequence("Alt+N"))
        self.reveal_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        shortcut = self.reveal_action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.reveal_action.setToolTip(self.tr("Show the number in full; the team lead can see that you did "
                                              "({shortcut})").format(shortcut=shortcut))
        self.reveal_action.toggled.connect(self._reveal_toggled)
        self.addAction(self.reveal_action)
        self.reveal_button.setDefaultAction(self.reveal_action)
        self.actions_for_help: list[QAction] = [self.reveal_action]

    # --- public API -----------------------------------------------------------------------------
    @property
    def phone(self) -> str:
        """The number shown (national form), "" when the card is empty."""
        return self._phone

    @property
    def history(self) -> CallerHistory | None:
        return self._history

    def set_session(self, seat: SeatSession | None) -> None:
        self._seat = seat
        self.clear()

    def focus_history(self) -> None:
        """The keyboard to the caller's orders (Enter opens one)."""
        self.orders_view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.orders_view.currentIndex().isValid() and self.orders_model.rowCount():
            self.orders_view.setCurrentIndex(self.orders_model.index(0, 0))

    def show_caller(self, phone: str) -> None:
        """The screen pop: fill from the cache now, ask the platform in the background."""
        self._cancel_refinement()
        try:
            number, valid = normalize_phone(phone), True
        except InvalidPhoneNumber:
            number, valid = phone.strip(), False  # the platform would refuse it: the cache is all there is
        self._phone = number
        now = clock.now()
        if self._seat is not None:
            history = self._seat.callers.cached_history(number, now, ORDER_LIMIT)
        else:
            history = empty_history(number)
        self.reveal_action.blockSignals(True)
        self.reveal_action.setChecked(False)
        self.reveal_action.blockSignals(False)
        self.reveal_action.setEnabled(True)
        self.number_label.setText(mask_phone(number))
        self.location_label.setText(self._location_text(number))
        self.source_note.clear()
        self.source_note.hide()
        self._show_history(history, now)
        self._pages.setCurrentIndex(1)
        if self._seat is not None and valid:
            self._start_refinement(self._seat.callers, number, history)

    def clear(self) -> None:
        """The call ended: back to the empty state."""
        self._cancel_refinement()
        self._phone, self._history = "", None
        self.reveal_action.blockSignals(True)
        self.reveal_action.setChecked(False)
        self.reveal_action.blockSignals(False)
        self.reveal_action.setEnabled(False)
        self.number_label.clear()
        self.orders_model.set_rows([], clock.now())
        self._pages.setCurrentIndex(0)

    def open_order_in(self, category_id: str) -> str | None:
        """The caller's open order of the category, which a repeat request is merged into."""
        return self._history.open_in(category_id) if self._history is not None else None

    def repeat_for(self, category_id: str) -> str | None:
        """The order a new request in this category would repeat (for the form's warning)."""
        return self._history.repeats(category_id) if self._history is not None else None

    # --- filling --------------------------------------------------------------------------------
    def _location_text(self, number: str) -> str:
        try:
            info: PhoneInfo = locate(number)
        except InvalidPhoneNumber:
            return self.tr("Not a valid number; location unknown")
        if info.kind == "service":
            return self.tr("Service number")
        if info.kind == "toll_free":
            return self.tr("400/800 number")
        region = info.province if info.city in ("", info.province) else info.province + info.city
        parts = [p for p in (region, info.carrier) if p]
        return " · ".join(parts) if parts else self.tr("Location unknown")

    def _show_history(self, history: CallerHistory, now: datetime) -> None:
        self._history = history
        if history.name:
            self.name_label.setText(history.name)
        else:
            self.name_label.setText(self.tr("Name not given") if history.known else self.tr("Unknown caller"))
        style = NAME_STYLE if history.name else NAME_STYLE + " color: palette(mid);"
        if self.name_label.styleSheet() != style:  # a new style sheet re-polishes the label: only on a change
            self.name_label.setStyleSheet(style)
        self.confidential_badge.setVisible(history.confidential)
        self.orders_model.set_rows(history.orders, now)
        repeat = self._repeat_text(history)
        self.repeat_label.setText(repeat)
        self.repeat_label.setVisible(bool(repeat))
        self.history_shown.emit()

    def _repeat_text(self, history: CallerHistory) -> str:
        lines = []
        if len(history.open_orders) == 1:
            lines.append(self.tr("This caller has an open work order {number}").format(
                number=history.open_orders[0]["number"]))
        elif history.open_orders:
            lines.append(self.tr("This caller has {count} open work orders, newest {number}").format(
                count=len(history.open_orders), number=history.open_orders[0]["number"]))
        if history.recent_categories:
            lines.append(self.tr("Called within 30 days about: {categories}").format(
                categories="、".join(self._category_names(list(history.recent_categories)))))
        return "\n".join(lines)

    def _category_names(self, ids: list[str]) -> list[str]:
        if self._seat is None:
            return ids
        return self._seat.catalog.category_names(ids)

    # --- refinement from the platform -------------------------------------------------------------
    def _start_refinement(self, callers: CallerService, number: str, cached: CallerHistory) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no asyncio loop (a bare QApplication): the cache view is all there is
            log.debug("no running event loop; caller card not refined")
            return
        self._refinement = loop.create_task(self._refine(callers, number, cached))
        self._refinement.add_done_callback(_report_bug)

    def _cancel_refinement(self) -> None:
        if self._refinement is not None and not self._refinement.done():
            self._refinement.cancel()
        self._refinement = None

    async def _refine(self, callers: CallerService, number: str, cached: CallerHistory) -> None:
        try:
            history = await callers.platform_history(number, cached, limit=ORDER_LIMIT)
        except (PlatformUnreachable, PlatformError) as exc:
            if not shiboken6.isValid(self) or self._phone != number:
                return
            self._show_cache_note(exc)
            self.refinement_failed.emit(number)
            return
        if not shiboken6.isValid(self) or self._phone != number:
            return
        self._show_history(history, clock.now())
        self.refined.emit(number)

    def _show_cache_note(self, exc: PlatformError | PlatformUnreachable) -> None:
        if isinstance(exc, PlatformUnreachable):
            text = self.tr("History from the local cache: the platform cannot be reached")
        else:
            log.info("caller refinement refused: %s %s", exc.status, exc.code)
            text = self.tr("History from the local cache: the platform refused the request ({code})").format(
                code=exc.code)
        self.source_note.setText(text)
        self.source_note.show()

    # --- actions --------------------------------------------------------------------------------
    def _reveal_toggled(self, revealed: bool) -> None:
        if not self._phone:
            return
        self.number_label.setText(self._phone if revealed else mask_phone(self._phone))
        if revealed:
            log.info("agent showed a caller number in full")  # the number itself never reaches the log
            self.number_revealed.emit(self._phone)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.order_activated.emit(self.orders_model.item(index.row())["number"])


def _report_bug(task: asyncio.Task) -> None:
    """An unexpected error in a refinement is a bug: it goes to the global exception hook."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        sys.excepthook(type(exc), exc, exc.__traceback__)
