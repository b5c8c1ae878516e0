"""The team lead's wallboard (班长监控): the queue, the agents and the day, live from the platform's
"wallboard" events (read once when the page opens, then pushed: a change on the platform shows
within a second).

Big numbers for the calls waiting, the longest wait, the 15-second service level, the calls
answered and abandoned today and the orders near or over their deadline; the agents by state with
their time in state, which runs on here every second between two updates; a bar chart of the day
by hour. Offline the last figures stay, with the time they are from. Ctrl+R reads them again."""
from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from domain import clock
from ui.desk_page import DeskPage
from ui.page import action_button
from ui.rows_model import RowsModel, table_view
from workstation.desk_lists import WallboardService
from workstation.session import SeatSession

log = logging.getLogger(__name__)

TICK_MS = 1000
# the order agents are listed in: who is busy with a caller first
STATES = ("talking", "ringing", "ready", "after_call_work", "not_ready", "break", "offline")
WARN = "#b26a00"
ALARM = "#b3261e"
GOOD = "#1b6e2a"
LONG_WAIT_S = 60            # a caller waiting longer than this shows red
SERVICE_LEVEL_TARGET = 0.8  # 80 % answered within 15 s
TILES = ("waiting", "longest_wait", "service_level", "answered", "abandoned", "near_deadline", "overdue")
SERIES = ("arrived", "answered", "abandoned")
SERIES_COLOURS = {"arrived": "#8aa4c8", "answered": "#2e7d32", "abandoned": "#c62828"}


def duration(seconds: float) -> str:
    """m:ss, or h:mm:ss from an hour on."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class AgentsModel(RowsModel):
    """The agents by state: name, state, reason, time in state (running on between updates)."""

    NAME, STATE, REASON, TIME = range(4)
    StateRole = Qt.ItemDataRole.UserRole + 1
    SecondsRole = Qt.ItemDataRole.UserRole + 2
    key = "user_id"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__([self.tr("Agent"), self.tr("State"), self.tr("Reason"), self.tr("Time in state")], parent, "wallboardAgentsModel")
        self._elapsed = 0.0

    def state_name(self, state: str) -> str:
        names = {"ready": self.tr("Ready"), "not_ready": self.tr("Not ready"), "break": self.tr("Break"),
                 "after_call_work": self.tr("After-call work"), "ringing": self.tr("Ringing"),
                 "talking": self.tr("Talking"), "offline": self.tr("Offline")}
        return names.get(state, state)

    def set_agents(self, agents: list[dict], elapsed: float) -> None:
        self._elapsed = elapsed
        rank = {s: n for n, s in enumerate(STATES)}
        self._reset(sorted(agents, key=lambda a: (rank.get(str(a.get("state")), len(STATES)),
                                                  -float(a.get("since_s") or 0), str(a.get("username")))))

    def tick(self, elapsed: float) -> None:
        """Times in state run on."""
        self._elapsed = elapsed
        if self._rows:
            self.dataChanged.emit(self.index(0, self.TIME), self.index(len(self._rows) - 1, self.TIME))

    def seconds(self, agent: dict) -> float:
        if agent.get("since_s") is None:
            return 0.0
        return float(agent["since_s"]) + (self._elapsed if agent.get("state") != "offline" else 0.0)

    def cell(self, agent: dict, column: int, role: int) -> Any:
        if role == self.StateRole:
            return agent.get("state")
        if role == self.SecondsRole:
            return self.seconds(agent)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.NAME:
                return str(agent.get("display_name") or agent.get("username") or "")
            if column == self.STATE:
                return self.state_name(str(agent.get("state")))
            if column == self.REASON:
                return str(agent.get("reason") or "")
            if column == self.TIME:
                return duration(self.seconds(agent)) if agent.get("since_s") is not None else ""
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.TIME:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class WallboardPage(DeskPage):
    """`set_session(seat)`: the seat's `wallboard` (a WallboardService) when it has one. The big
    numbers are QLabels named wallboard<Tile> (wallboardWaiting, wallboardLongestWait ...)."""

    object_name, service_attr, service_class = "wallboardPage", "wallboard", WallboardService

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._by_hour: list | None = None
        self.ticker = QTimer(self, interval=TICK_MS)  # the times run on between updates
        self.ticker.timeout.connect(self.tick)
        self._set_up()

    def page_title(self) -> str:
        return self.tr("Wallboard")

    # --- layout ---------------------------------------------------------------------------------
    def _captions(self) -> dict[str, str]:
        return {"waiting": self.tr("Calls waiting"), "longest_wait": self.tr("Longest wait"),
                "service_level": self.tr("Service level (15 s)"), "answered": self.tr("Answered today"),
                "abandoned": self.tr("Abandoned today"), "near_deadline": self.tr("Orders near the deadline"),
                "overdue": self.tr("Orders over the deadline")}

    def _build(self) -> None:
        top = self._build_common("wallboard")
        self.values: dict[str, QLabel] = {}
        tiles = QGridLayout()
        for n, (tile, caption) in enumerate(self._captions().items()):
            name = "wallboard" + "".join(p.capitalize() for p in tile.split("_"))
            frame = QFrame(objectName=f"{name}Tile")
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            box = QVBoxLayout(frame)
            value = QLabel("—", objectName=name)
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            value.setStyleSheet("font-size: 28pt; font-weight: bold;")
            label = QLabel(caption, objectName=f"{name}Caption")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(value)
            box.addWidget(label)
            self.values[tile] = value
            tiles.addWidget(frame, n // 4, n % 4)

        self.state_counts: dict[str, QLabel] = {}
        counts = QHBoxLayout()
        for state in STATES:
            label = QLabel(objectName=f"wallboardAgents_{state}")
            label.setStyleSheet("padding: 2px 8px;")
            self.state_counts[state] = label
            counts.addWidget(label)
        counts.addStretch(1)

        self.agents = AgentsModel(self)
        self.agents_view = table_view("wallboardAgents", self.agents, wrap=False)
        self.setFocusProxy(self.agents_view)

        self.chart = QChart()
        self.chart.setObjectName("wallboardChartModel")
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart.setMargins(QMargins(4, 4, 4, 4))
        self.chart.setTitle(self.tr("Today by hour"))
        self.series = QBarSeries()
        names = {"arrived": self.tr("Arrived"), "answered": self.tr("Answered"), "abandoned": self.tr("Abandoned")}
        self.bar_sets: dict[str, QBarSet] = {}
        for key in SERIES:
            bar_set = QBarSet(names[key])
            bar_set.setObjectName(f"wallboardBars_{key}")
            bar_set.setColor(QColor(SERIES_COLOURS[key]))
            bar_set.append([0.0] * 24)
            self.series.append(bar_set)
            self.bar_sets[key] = bar_set
        self.chart.addSeries(self.series)
        self.hours_axis = QBarCategoryAxis()
        self.hours_axis.append([str(h) for h in range(24)])
        self.count_axis = QValueAxis()
        self.count_axis.setLabelFormat("%d")
        self.count_axis.setRange(0, 1)
        self.chart.addAxis(self.hours_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(self.count_axis, Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.hours_axis)
        self.series.attachAxis(self.count_axis)
        self.chart_view = QChartView(self.chart, objectName="wallboardChart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(180)

        self.buttons = QHBoxLayout()
        top.addLayout(self.buttons)
        lower = QSplitter(Qt.Orientation.Horizontal, objectName="wallboardSplitter")
        lower.setChildrenCollapsible(False)
        agents_box = QWidget()
        agents_layout = QVBoxLayout(agents_box)
        agents_layout.setContentsMargins(0, 0, 0, 0)
        agents_layout.addLayout(counts)
        agents_layout.addWidget(self.agents_view, 1)
        lower.addWidget(agents_box)
        lower.addWidget(self.chart_view)
        lower.setSizes([420, 520])
        self._lay_out(top, self.error_label, tiles, (lower, 1))

    def _build_actions(self) -> None:
        self.refresh_action = self.action(self.tr("Read the figures again"), ["Ctrl+R"], self.refresh,
                                          name="refreshWallboardAction")
        self.buttons.addWidget(action_button(self.refresh_action, "wallboardRefresh"))

    # --- showing the figures ------------------------------------------------------------------------
    def _data(self) -> dict | None:
        service = self._service
        return service.data if isinstance(service, WallboardService) else None

    def _elapsed(self) -> float:
        service = self._service
        return service.elapsed() if isinstance(service, WallboardService) else 0.0

    def _data_time(self) -> str:
        """The time of the figures, to the second: the platform's stamp in them."""
        data = self._data()
        try:
            return clock.parse(str(data["at"])).astimezone(clock.CENTRE_TZ).strftime("%H:%M:%S") \
                if data and data.get("at") else super()._data_time()
        except ValueError:
            return super()._data_time()

    def _show(self) -> None:
        self.refresh_action.setEnabled(self._service is not None)
        data = self._data()
        if self._service is None:
            self.status_label.setText(self.signed_out_text())
        elif data is None:
            self.status_label.setText(self.tr("Waiting for the platform's figures…"))
        else:
            self.status_label.setText(self.tr("Figures of {time}").format(time=self._data_time()))
        self._show_state()
        if data is None:
            self.ticker.stop()
            for label in self.values.values():
                label.setText("—")
                label.setStyleSheet("font-size: 28pt; font-weight: bold;")
            for state, label in self.state_counts.items():
                label.setText(f"{self.agents.state_name(state)} 0")
            self.agents.set_agents([], 0.0)
            self._show_chart([])
            return
        self._show_tiles(data)
        by_state = data.get("agents_by_state") or {}
        for state, label in self.state_counts.items():
            label.setText(f"{self.agents.state_name(state)} {int(by_state.get(state) or 0)}")
        current = self.agents.item(self.agents_view.currentIndex().row())
        self.agents.set_agents([a for a in data.get("agents") or [] if isinstance(a, dict)], self._elapsed())
        if current is not None and (row := self.agents.row_of(current.get("user_id"))) >= 0:
            self.agents_view.setCurrentIndex(self.agents.index(row, 0))  # the lead's pick survives updates
        self._show_chart(data.get("by_hour") or [])
        if not self.ticker.isActive():
            self.ticker.start()

    def _show_tiles(self, data: dict) -> None:
        waiting = int(data.get("waiting") or 0)
        level = data.get("service_level_15s")
        shown = {
            "waiting": (str(waiting), WARN if waiting else ""),
            "longest_wait": self._longest_wait(data),
            "service_level": ("—", "") if level is None else
            (f"{float(level) * 100:.0f}%", GOOD if float(level) >= SERVICE_LEVEL_TARGET else ALARM),
            "answered": (str(int(data.get("answered_today") or 0)), ""),
            "abandoned": (str(int(data.get("abandoned_today") or 0)), ALARM if data.get("abandoned_today") else ""),
            "near_deadline": (str(int(data.get("orders_near_deadline") or 0)),
                              WARN if data.get("orders_near_deadline") else ""),
            "overdue": (str(int(data.get("orders_overdue") or 0)), ALARM if data.get("orders_overdue") else ""),
        }
        for tile, (text, colour) in shown.items():
            self._set_tile(tile, text, colour)

    def _longest_wait(self, data: dict) -> tuple[str, str]:
        """The longest wait runs on while callers wait."""
        seconds = float(data.get("longest_wait_s") or 0)
        if int(data.get("waiting") or 0) > 0:
            seconds += self._elapsed()
        return duration(seconds), ALARM if seconds > LONG_WAIT_S else (WARN if seconds else "")

    def _set_tile(self, tile: str, text: str, colour: str) -> None:
        label = self.values[tile]
        if label.text() != text:
            label.setText(text)
        style = "font-size: 28pt; font-weight: bold;" + (f" color: {colour};" if colour else "")
        if label.styleSheet() != style:
            label.setStyleSheet(style)

    def _show_chart(self, by_hour: list) -> None:
        if by_hour == self._by_hour:
            return  # unchanged: the chart is not redrawn every second
        self._by_hour = list(by_hour)
        values = {key: [0.0] * 24 for key in SERIES}
        for row in by_hour:
            if isinstance(row, dict) and isinstance(row.get("hour"), int) and 0 <= row["hour"] < 24:
                for key in SERIES:
                    values[key][row["hour"]] = float(row.get(key) or 0)
        for key, bar_set in self.bar_sets.items():
            for hour, value in enumerate(values[key]):
                if bar_set.at(hour) != value:
                    bar_set.replace(hour, value)
        top = max((max(v) for v in values.values()), default=0.0)
        self.count_axis.setRange(0, max(1.0, top))
        self.count_axis.applyNiceNumbers()

    def tick(self) -> None:
        """Once a second: the times run on between two updates of the platform."""
        if not shiboken6.isValid(self):
            return
        data = self._data()
        if data is None:
            return
        elapsed = self._elapsed()
        self.agents.tick(elapsed)
        self._set_tile("longest_wait", *self._longest_wait(data))

    def set_session(self, seat: SeatSession | None) -> None:
        if seat is None:
            self.ticker.stop()
        super().set_session(seat)
