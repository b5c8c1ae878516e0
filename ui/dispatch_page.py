"""The dispatcher's workbench (派单台): the orders waiting for dispatch (new from intake, or returned by
their unit and the return approved), urgent first, then the longest waiting.

Up/Down pick an order (Shift or Ctrl with them, or Ctrl+A, pick several); Enter opens the dispatch
panel with the focus on the lead unit, which holds the units the centre's dispatch rule table gives
for the category and district, assisting units too (Alt+S puts them back); the assisting units are
typed with completion, 、 between them; the time limit is in working days; the instructions go to the units on the order's timeline. Ctrl+Enter dispatches the
selected orders (through the outbox: kept offline too), Esc goes back to the list, Ctrl+R reads
it again."""
from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QStringListModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from domain.catalog import DispatchSuggestion, HandlingUnit, UnitKind
from domain.phone import mask_phone
from ui.desk_page import DeskPage
from ui.page import ERROR, action_button, disconnect, facts_table, moment, request_type_name, splitter
from ui.rows_model import RowsModel
from ui.unit_picker import MAX_ASSISTING, UnitListCompleter, split_names
from workstation.catalog import Catalog
from workstation.desk_lists import WORKING_DAYS_RANGE, DispatchQueueService
from workstation.errors import CacheError

log = logging.getLogger(__name__)

DEFAULT_WORKING_DAYS = 15
DISPATCH_TO = (UnitKind.bureau, UnitKind.enterprise, UnitKind.district, UnitKind.street)


class DispatchQueueModel(RowsModel):
    """Orders waiting: urgency, number, category, title, district, since when, why."""

    key = "number"
    URGENCY, NUMBER, CATEGORY, TITLE, DISTRICT, SINCE, WHY = range(7)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Urgency"), self.tr("Order"), self.tr("Category"), self.tr("Title"),
                          self.tr("District"), self.tr("Waiting since"), self.tr("Why")], parent, "dispatchQueueModel")

    def why(self, item: dict) -> str:
        returned = [u for u in item.get("units") or [] if u.get("state") == "returned"]
        if item.get("transfer_target"):  # only a partner's sending back leaves an accepted order with one
            return self.tr("Sent back by the partner platform")
        return self.tr("Returned by its unit") if returned else self.tr("New")

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == self.URGENCY and item.get("urgency") == "urgent":
            return Qt.GlobalColor.red
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return {self.URGENCY: self.tr("Urgent") if item.get("urgency") == "urgent" else self.tr("Normal"),
                self.NUMBER: str(item.get("number") or ""), self.CATEGORY: str(item.get("_category") or ""),
                self.TITLE: " ".join(str(item.get("title") or "").split()),
                self.DISTRICT: str(item.get("address_district") or ""), self.SINCE: moment(item.get("created_at")),
                self.WHY: self.why(item)}.get(column, "")


class DispatchPage(DeskPage):
    """`set_session(seat)`: a DispatchQueueService of the page's own. The mutation id of the last
    dispatch is in `last_dispatch`."""

    object_name, service_attr, service_class = "dispatchPage", "dispatch_queue", DispatchQueueService

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.last_dispatch = ""
        self._units: list[HandlingUnit] = []
        self._catalog_version: tuple | None = None
        self._catalog: Catalog | None = None
        self._shown: str | None = None
        self._set_up()

    def page_title(self) -> str:
        return self.tr("Dispatch")

    # --- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        top = self._build_common("dispatch", DispatchQueueModel(self))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._show_order(current.row()))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selection())
        self.table.activated.connect(lambda _index: self.open_panel())
        self.setFocusProxy(self.table)
        self.heading = QLabel(objectName="dispatchHeading", wordWrap=True)
        self.heading.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.facts = QTextBrowser(objectName="dispatchFacts")
        self.facts.setOpenLinks(False)
        self.selection_label = QLabel(objectName="dispatchSelection")
        self.unit_edit = QLineEdit(objectName="dispatchUnit")
        self.unit_names = QStringListModel(self)
        self.unit_completer = QCompleter(self.unit_names, self.unit_edit)
        self.unit_completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.unit_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.unit_completer.activated.connect(lambda _text: self.unit_edit.activateWindow())
        self.unit_edit.setCompleter(self.unit_completer)
        self.suggestion = QLabel(objectName="dispatchSuggestion", wordWrap=True)
        self.assisting_edit = QLineEdit(objectName="dispatchAssisting")
        self.assisting_completer = UnitListCompleter(self.assisting_edit)
        self.days_spin = QSpinBox(objectName="dispatchDays")
        self.days_spin.setRange(*WORKING_DAYS_RANGE)
        self.days_spin.setValue(DEFAULT_WORKING_DAYS)
        self.note_edit = QLineEdit(objectName="dispatchNote", maxLength=2000)
        self.panel_error = QLabel(objectName="dispatchPanelError", wordWrap=True)
        self.panel_error.setStyleSheet(f"color: {ERROR};")
        self.panel = QWidget(objectName="dispatchPanel")
        form = QFormLayout(self.panel)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Lead unit"), self.unit_edit)
        form.addRow("", self.suggestion)
        form.addRow(self.tr("Assisting units"), self.assisting_edit)
        form.addRow(self.tr("Time limit (working days)"), self.days_spin)
        form.addRow(self.tr("Instructions"), self.note_edit)
        form.addRow(self.panel_error)
        self.buttons = QHBoxLayout()
        form.addRow(self.buttons)
        detail = QWidget(objectName="dispatchDetail")
        box = QVBoxLayout(detail)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.heading)
        box.addWidget(self.facts, 1)
        box.addWidget(self.selection_label)
        box.addWidget(self.panel)
        self._lay_out(top, self.error_label, self.notice,
                      (splitter("dispatchSplitter", [self.table, detail], [260, 420]), 1))

    def _build_actions(self) -> None:
        self.open_action = self.action(self.tr("Dispatch the selected orders…"), ["Enter"], self.open_panel, None,
                                       name="openDispatchAction")
        self.suggest_action = self.action(self.tr("Take the suggested unit"), ["Alt+S"], self.take_suggestion,
                                          name="suggestUnitAction")
        self.send_action = self.action(self.tr("Dispatch now"), ["Ctrl+Return", "Ctrl+Enter"], self.send,
                                       name="sendDispatchAction")
        self.back_action = self.action(self.tr("Back to the list"), ["Esc"], self.back_to_list,
                                       name="backToDispatchListAction")
        self.refresh_action = self.action(self.tr("Read the queue again"), ["Ctrl+R"], self.refresh,
                                          name="refreshDispatchAction")
        self.buttons.addWidget(action_button(self.send_action, "dispatchSend"))
        self.buttons.addStretch(1)
        self.buttons.addWidget(action_button(self.refresh_action, "dispatchRefresh"))
        self.unit_edit.setPlaceholderText(self.tr("Type part of the unit's name"))
        self.assisting_edit.setPlaceholderText(self.tr("Assisting units, if any, separated by 、"))
        self.note_edit.setPlaceholderText(self.tr("What the units should do or check (optional)"))

    def set_session(self, seat: Any) -> None:
        if self._seat is not None:
            disconnect(self._seat.sync.synced, self._on_synced)
        super().set_session(seat)
        if seat is not None:
            seat.sync.synced.connect(self._on_synced)

    def _on_synced(self, *_args: Any) -> None:
        """The catalogue or the rule table moved in a sync (a first sync still bringing them): the
        suggestion shown is made again."""
        if not shiboken6.isValid(self) or self._seat is None or self._service is None:
            return
        try:
            moved = self._seat.catalog.version() != self._catalog_version
        except CacheError:
            return
        if moved:
            self._show()

    # --- the list -------------------------------------------------------------------------------
    def _show(self) -> None:
        service = self._service
        if self._show_signed_out(lambda: self._show_order(-1)):
            return
        self._load_units()
        keep = self._shown
        self.model.set_items([{**i, "_category": self.category_name(str(i.get("category_id") or ""))}
                              for i in service.items])
        self.status_label.setText(self.tr("{count} orders waiting for dispatch").format(count=len(service.items)))
        self._show_order(self._select(keep))
        self._show_state()

    def _load_units(self) -> None:
        """The units an order can go to, read again when the seat's catalog moved (after a sync)."""
        if self._seat is None:
            return
        try:
            version = self._seat.catalog.version()
            if version == self._catalog_version:
                return
            catalog = self._seat.catalog.catalog()
        except CacheError as exc:
            log.warning("units not read from the cache: %s", type(exc).__name__)
            return
        self._catalog_version, self._catalog = version, catalog
        self._units = units = catalog.of_kind(*DISPATCH_TO)
        self.unit_names.setStringList([u.name for u in units])
        self.assisting_completer.set_names([u.name for u in units])

    def selected_items(self) -> list[dict]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        items = [self.model.item(r) for r in rows]
        current = self.current_item()
        return [i for i in items if i is not None] or ([current] if current is not None else [])

    def _show_selection(self) -> None:
        count = len(self.selected_items())
        self.selection_label.setText(self.tr("{count} orders selected: Ctrl+Enter dispatches them all to the same "
                                             "unit").format(count=count) if count > 1 else "")

    def _show_order(self, row: int) -> None:
        item = self.model.item(row) if row >= 0 else None
        self._shown = str(item["number"]) if item is not None else None
        self.send_action.setEnabled(item is not None)
        if item is None:
            self.heading.setText(self.tr("No order selected.") if self._service is not None else "")
            self.facts.clear()
            self.suggestion.clear()
            return
        self.heading.setText(self.tr("Order {number}: {title}").format(number=item.get("number"),
                                                                        title=item.get("title") or ""))
        phone = str(item.get("caller_phone") or "")
        self.facts.setHtml(facts_table([
            (self.tr("Type"), request_type_name(item.get("request_type"))),
            (self.tr("Category"), item.get("_category")),
            (self.tr("District"), " ".join(str(item.get(k) or "") for k in ("address_district", "address_street"))),
            (self.tr("Caller"), mask_phone(phone) if phone else ""),
            (self.tr("Accepted at"), moment(item.get("created_at"))),
            (self.tr("Why waiting"), self.model.why(item)),
            (self.tr("Content"), item.get("content")),
        ]))
        self.suggestion.setText(self._suggestion_text(self.suggestion_for(item)))
        self._show_selection()

    def suggestion_for(self, item: dict) -> DispatchSuggestion | None:
        """The units the centre's dispatch rule table (or else the units' categories, or the
        address's district) gives for the order."""
        if self._seat is None:
            return None
        self._load_units()
        if self._catalog is None:
            return None
        return self._catalog.suggest(str(item.get("category_id") or ""), str(item.get("address_district") or ""),
                                     str(item.get("address_street") or ""))

    def _suggestion_text(self, suggestion: DispatchSuggestion | None) -> str:
        if suggestion is None:
            return self.tr("No unit handles this category: choose one")
        text = self.tr("Suggested: {unit} (Alt+S)").format(unit=suggestion.lead.name)
        if suggestion.assisting:
            text += "  " + self.tr("assisting: {units}").format(units="、".join(u.name for u in suggestion.assisting))
        if suggestion.rule is not None:
            text += "  " + self.tr("by the dispatch rule: {note}").format(
                note=suggestion.rule.note or suggestion.rule.category)
        return text

    # --- dispatching ----------------------------------------------------------------------------
    def open_panel(self) -> None:
        item = self.current_item()
        if item is None:
            return
        if not self.unit_edit.text().strip():
            self.take_suggestion()
        self.panel_error.clear()
        self.unit_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.unit_edit.selectAll()

    def take_suggestion(self) -> None:
        item = self.current_item()
        suggestion = self.suggestion_for(item) if item is not None else None
        if suggestion is not None:
            self.unit_edit.setText(suggestion.lead.name)
            self.assisting_edit.setText("、".join(u.name for u in suggestion.assisting))

    def back_to_list(self) -> None:
        self.unit_completer.popup().hide()
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _unit_id(self, name: str) -> str | None:
        self._load_units()
        return next((u.id for u in self._units if u.name == name.strip()), None)

    def send(self) -> None:
        """Check at once (the dispatcher sees why nothing was sent), then record every selected order."""
        items, service = self.selected_items(), self._service
        if not items or not isinstance(service, DispatchQueueService):
            return
        unit_id = self._unit_id(self.unit_edit.text())
        if unit_id is None:
            self.panel_error.setText(self.tr("Choose the lead unit from the list (type part of its name)."))
            self.unit_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        names = split_names(self.assisting_edit.text())
        assisting = [self._unit_id(n) for n in names]
        unknown = [n for n, i in zip(names, assisting, strict=True) if i is None]
        problem = ""
        if unknown:
            problem = self.tr("No unit is called {name}.").format(name=unknown[0])
        elif unit_id in assisting:
            problem = self.tr("The lead unit cannot also assist.")
        elif len(set(assisting)) != len(assisting) or len(assisting) > MAX_ASSISTING:
            problem = self.tr("At most {count} assisting units, each once.").format(count=MAX_ASSISTING)
        if problem:
            self.panel_error.setText(problem)
            self.assisting_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.panel_error.clear()
        days, note = self.days_spin.value(), self.note_edit.text().strip()
        ids = [str(i) for i in assisting]

        async def dispatch_all() -> list[str]:
            return [await service.dispatch(item, unit_id, ids, days, note) for item in items]
        self.operation(dispatch_all()).busy(self.send_action) \
            .enable_after(lambda: self.current_item() is not None) \
            .failure_text(self.tr("The dispatch could not be saved: {error}")) \
            .success(lambda mutation_ids: self._sent(items, mutation_ids)).run()

    def _sent(self, items: list[dict], mutation_ids: list[str]) -> None:
        self.last_dispatch = mutation_ids[-1] if mutation_ids else ""
        unit = self.unit_edit.text().strip()
        text = (self.tr("Order {number} dispatched to {unit}").format(number=items[0].get("number"), unit=unit)
                if len(items) == 1 else
                self.tr("{count} orders dispatched to {unit}").format(count=len(items), unit=unit))
        self.notice.setText(self.texts.kept(text, self._seat))
        for edit in (self.unit_edit, self.assisting_edit, self.note_edit):
            edit.clear()
        self.days_spin.setValue(DEFAULT_WORKING_DAYS)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
