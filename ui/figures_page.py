"""The centre's figures (统计分析), for team leads, dispatchers and administrators: over today, the
last 7 or the last 30 days (Alt+1, Alt+2, Alt+3), the period's totals; a chart of the handling
units with the most orders (received, replied on time, overdue); a chart of the orders per
district; and every unit's figures in a table: signed and replied on time, overdue, returns asked
and refused as improper (不当退单), extensions, satisfaction and resolution as lead unit.
Satisfaction of law-enforcement and mediation cases is given apart (R15). Ctrl+R reads the figures
again (they are also read again, at most once a minute, as orders change)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from ui.desk_page import DeskPage
from ui.page import MUTED, splitter
from ui.rows_model import RowsModel
from workstation.desk_lists import FIGURES_PERIODS, FiguresService

CHART_UNITS = 8  # the units with the most orders in the chart; every unit is in the table
CHART_DISTRICTS = 10


def percent(value: Any) -> str:
    return f"{float(value) * 100:.1f}%" if isinstance(value, int | float) else "—"


class UnitFiguresModel(RowsModel):
    (UNIT, RECEIVED, SIGNED_ON_TIME, REPLIED_ON_TIME, OVERDUE, RETURNS, IMPROPER, EXTENSIONS, SATISFACTION,
     RESOLVED) = range(10)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Unit"), self.tr("Received"), self.tr("Signed on time"), self.tr("Replied on time"),
                          self.tr("Overdue"), self.tr("Returns asked"), self.tr("Improper returns"),
                          self.tr("Extensions"), self.tr("Satisfaction"), self.tr("Resolved")], parent,
                         "unitFiguresModel")

    def cell(self, item: dict, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and column != self.UNIT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.OVERDUE and item.get("overdue"):
            return QColor("#c62828")
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        refused, approved = item.get("returns_refused") or 0, item.get("returns_approved") or 0
        return {self.UNIT: str(item.get("name") or item.get("unit_id") or ""),
                self.RECEIVED: str(item.get("received") or 0),
                self.SIGNED_ON_TIME: percent(item.get("signed_on_time_rate")),
                self.REPLIED_ON_TIME: percent(item.get("replied_on_time_rate")),
                self.OVERDUE: str(item.get("overdue") or 0),
                self.RETURNS: str(item.get("returns_asked") or 0),
                self.IMPROPER: f"{refused} / {refused + approved}" if refused + approved else "0",
                self.EXTENSIONS: f"{item.get('extensions_granted') or 0} / {item.get('extensions_asked') or 0}",
                self.SATISFACTION: percent(item.get("satisfaction_rate")),
                self.RESOLVED: percent(item.get("resolution_rate"))}.get(column, "")


class FiguresPage(DeskPage):
    """`set_session(seat)`: a FiguresService of the page's own."""

    object_name, service_attr, service_class = "figuresPage", "figures", FiguresService
    sends_later = False

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._set_up()

    def page_title(self) -> str:
        return self.tr("Figures")

    def _build(self) -> None:
        top = self._build_common("figures", UnitFiguresModel(self))
        self.model.key = "unit_id"
        self.period_combo = QComboBox(objectName="figuresPeriod")
        self.period_combo.currentIndexChanged.connect(self._period_chosen)
        self.totals = QLabel(objectName="figuresTotals", wordWrap=True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.apart = QLabel(objectName="figuresApart", wordWrap=True)
        self.apart.setStyleSheet(f"color: {MUTED};")
        self.units_chart = self._chart_view("figuresUnitsChart")
        self.districts_chart = self._chart_view("figuresDistrictsChart")
        charts = QWidget()
        row = QHBoxLayout(charts)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.units_chart, 3)
        row.addWidget(self.districts_chart, 2)
        self.setFocusProxy(self.table)
        period_row = QHBoxLayout()
        period_row.addWidget(QLabel(self.tr("Period"), buddy=self.period_combo))
        period_row.addWidget(self.period_combo)
        period_row.addStretch(1)
        self._lay_out(top, period_row, self.totals, self.error_label, self.notice,
                      (splitter("figuresSplitter", [charts, self.table], [300, 260]), 1), self.apart)

    def _chart_view(self, name: str) -> QChartView:
        view = QChartView(objectName=name)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(220)
        return view

    def _build_actions(self) -> None:
        names = {1: self.tr("Today"), 7: self.tr("Last 7 days"), 30: self.tr("Last 30 days")}
        for days in FIGURES_PERIODS:
            self.period_combo.addItem(names[days], days)
        for i, days in enumerate(FIGURES_PERIODS):
            self.action(names[days], [f"Alt+{i + 1}"], lambda _=False, d=days: self.choose_period(d),
                        name=f"figuresPeriod{days}Action")
        self.refresh_action = self.action(self.tr("Read the figures again"), ["Ctrl+R"], self.refresh,
                                          name="refreshFiguresAction")

    # --- the period -----------------------------------------------------------------------------
    def choose_period(self, days: int) -> None:
        self.period_combo.setCurrentIndex(self.period_combo.findData(days))

    def _period_chosen(self, index: int) -> None:
        days = self.period_combo.itemData(index)
        service = self._service
        if isinstance(service, FiguresService) and days is not None and days != service.days:
            self.operation(service.set_days(int(days))).run()

    # --- showing --------------------------------------------------------------------------------
    def _show(self) -> None:
        service = self._service
        if self._show_signed_out(self._clear):
            return
        self.period_combo.blockSignals(True)
        self.period_combo.setCurrentIndex(self.period_combo.findData(service.days))
        self.period_combo.blockSignals(False)
        data = service.data
        if not data:
            self._clear()
            self.status_label.setText(self.tr("Reading the figures…"))
            self._show_state()
            return
        start, end = data.get("from", ""), data.get("to", "")
        self.status_label.setText(self.tr("Figures of {start} to {end}").format(start=start, end=end)
                                  if start != end else self.tr("Figures of {day}").format(day=start))
        self.totals.setText(self.tr(
            "Calls {calls}, answered {answered} ({answer_rate}); orders {orders}, closed {closed}, closed on time "
            "{on_time}; satisfaction {satisfaction}, resolved {resolved}").format(
            calls=data.get("calls_arrived", 0), answered=data.get("calls_answered", 0),
            answer_rate=percent(data.get("answer_rate")), orders=data.get("orders_total", 0),
            closed=data.get("orders_closed", 0), on_time=percent(data.get("on_time_close_rate")),
            satisfaction=percent(data.get("satisfaction_rate")), resolved=percent(data.get("resolution_rate"))))
        self.apart.setText(self.tr(
            "Reported apart (R15): satisfaction of law-enforcement cases {law}, of mediation cases {mediation}; "
            "those close when the callback finds the matter resolved. Improper returns: returns the dispatcher "
            "refused, of those decided.").format(law=percent(data.get("satisfaction_rate_law_enforcement")),
                                                 mediation=percent(data.get("satisfaction_rate_mediation"))))
        current = self.current_item()
        units = service.units()
        self.model.set_items(units)
        self._select(current["unit_id"] if current else None)
        self._chart_units(units[:CHART_UNITS])
        self._chart_districts(service.districts()[:CHART_DISTRICTS])
        self._show_state()

    def _clear(self) -> None:
        self.totals.clear()
        self.apart.clear()
        self.model.set_items([])
        self._chart_units([])
        self._chart_districts([])

    def _chart_units(self, units: list[dict]) -> None:
        chart = QChart()
        chart.setTitle(self.tr("Units with the most orders"))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        series = QHorizontalBarSeries()
        sets = [(self.tr("Received"), "received", "#1565c0"), (self.tr("Replied on time"), "replied_on_time", "#2e7d32"),
                (self.tr("Overdue"), "overdue", "#c62828")]
        rows = list(reversed(units))  # the first unit at the top
        for label, key, color in sets:
            bar = QBarSet(label)
            bar.setColor(QColor(color))
            bar.append([float(u.get(key) or 0) for u in rows])
            series.append(bar)
        chart.addSeries(series)
        names = QBarCategoryAxis()
        names.append([str(u.get("name") or u.get("unit_id")) for u in rows] or [""])
        chart.addAxis(names, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(names)
        values = QValueAxis()
        values.setLabelFormat("%d")
        values.setRange(0, max([float(u.get("received") or 0) for u in rows] + [1.0]))
        values.applyNiceNumbers()
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(values)
        self.units_chart.setChart(chart)

    def _chart_districts(self, districts: list[tuple[str, int]]) -> None:
        chart = QChart()
        chart.setTitle(self.tr("Orders per district"))
        chart.legend().hide()
        series = QBarSeries()
        bar = QBarSet(self.tr("Orders"))
        bar.setColor(QColor("#1565c0"))
        bar.append([float(n) for _, n in districts])
        series.append(bar)
        chart.addSeries(series)
        names = QBarCategoryAxis()
        names.append([d or self.tr("Not given") for d, _ in districts] or [""])
        chart.addAxis(names, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(names)
        values = QValueAxis()
        values.setLabelFormat("%d")
        values.setRange(0, max([float(n) for _, n in districts] + [1.0]))
        values.applyNiceNumbers()
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(values)
        self.districts_chart.setChart(chart)

    def chart_values(self) -> dict[str, list[float]]:
        """What the units chart shows, by bar set (top unit first): for a test or a screen reader."""
        chart = self.units_chart.chart()
        series = next((s for s in chart.series() if isinstance(s, QHorizontalBarSeries)), None) if chart else None
        if series is None:
            return {}
        return {bar.label(): [bar.at(i) for i in reversed(range(bar.count()))] for bar in series.barSets()}
