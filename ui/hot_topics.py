"""Hot topics (热点诉求), for team leads and dispatchers: the categories, and categories in a
district, whose requests of the last three hours rise well above the same hours of the previous
week (the platform's test, `domain/hot_topics.py`), most surprising first. Up/Down pick one; the
orders behind it are listed below. Ctrl+R reads them again (they are also read again, at most once
a minute, as orders come in)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from ui.desk_page import DeskPage
from ui.page import MUTED, moment, splitter
from ui.rows_model import RowsModel, table_view
from workstation.desk_lists import HotTopicsService


class HotTopicsModel(RowsModel):
    CATEGORY, DISTRICT, OBSERVED, USUAL, RATIO = range(5)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Category"), self.tr("District"), self.tr("Requests"), self.tr("Usually"),
                          self.tr("Times usual")], parent, "hotTopicsModel")

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return {self.CATEGORY: str(item.get("category") or item.get("category_id") or ""),
                self.DISTRICT: str(item.get("district") or self.tr("Whole city")),
                self.OBSERVED: str(item.get("observed", "")), self.USUAL: f"{float(item.get('expected') or 0):g}",
                self.RATIO: f"{float(item.get('ratio') or 0):.1f}"}.get(column, "")


class TopicOrdersModel(RowsModel):
    key = "number"
    NUMBER, TITLE, DISTRICT, AT = range(4)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Order"), self.tr("Title"), self.tr("District"), self.tr("Accepted at")], parent,
                         "topicOrdersModel")

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return {self.NUMBER: str(item.get("number") or ""), self.TITLE: " ".join(str(item.get("title") or "").split()),
                self.DISTRICT: str(item.get("address_district") or ""),
                self.AT: moment(item.get("created_at"))}.get(column, "")


class HotTopicsPage(DeskPage):
    """`set_session(seat)`: a HotTopicsService of the page's own."""

    object_name, service_attr, service_class = "hotTopicsPage", "hot_topics", HotTopicsService
    sends_later = False

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._set_up()

    def page_title(self) -> str:
        return self.tr("Hot topics")

    def _build(self) -> None:
        top = self._build_common("hotTopics", HotTopicsModel(self))
        self.model.key = "category_id"
        self.orders_model = TopicOrdersModel(self)
        self.orders = table_view("hotTopicOrders", self.orders_model, wrap=False)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _old: self._show_orders(current.row()))
        self.setFocusProxy(self.table)
        self.method = QLabel(objectName="hotTopicsMethod", wordWrap=True)
        self.method.setStyleSheet(f"color: {MUTED};")
        self._lay_out(top, self.error_label, self.notice,
                      (splitter("hotTopicsSplitter", [self.table, self.orders], [240, 300]), 1), self.method)

    def _build_actions(self) -> None:
        self.method.setText(self.tr("How they are found: the requests of the last three hours against the same hours "
                                    "of each of the previous seven days; a topic when so many would come by chance "
                                    "less than once in ten thousand times, with at least 5 requests and twice the "
                                    "usual number."))
        self.refresh_action = self.action(self.tr("Read the hot topics again"), ["Ctrl+R"], self.refresh,
                                          name="refreshHotTopicsAction")

    def _show(self) -> None:
        service = self._service
        if self._show_signed_out(lambda: self._show_orders(-1)):
            return
        current = self.current_item()
        self.model.set_items(service.items)
        self.status_label.setText(self.tr("{count} hot topics in the last three hours").format(count=len(service.items))
                                  if service.items else self.tr("No category rises above its usual level now"))
        self._show_orders(self._select(current["category_id"] if current else None))
        self._show_state()

    def _show_orders(self, row: int) -> None:
        item = self.model.item(row) if row >= 0 else None
        self.orders_model.set_items(list(item.get("orders") or []) if item is not None else [])
