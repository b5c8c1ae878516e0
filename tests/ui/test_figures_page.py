"""The figures page (issue 15), as a team lead uses it against the real platform: today's figures
per handling unit in the table and the chart, the same as the platform's `GET /metrics`; Alt+3 reads
the last 30 days; an agent has no such page."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from domain import clock
from tests.ui.test_dispatcher import _op
from tests.ui.test_workstation_flows import close_window, create, open_window
from workstation.demo import DemoPlatform

ALT = Qt.KeyboardModifier.AltModifier


def test_a_lead_reads_todays_figures_per_unit_and_switches_to_the_last_30_days(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, settings_path: Path) -> None:
    number = create(platform_api("agent2"), f"139{uuid.uuid4().int % 10**8:08d}", "医保报销进度查询")
    _op(platform_api("dispatcher"), "dispatch", number, handling_unit_id="B02", assisting_unit_ids=["D01"])
    _op(platform_api("unit_b02"), "sign", number, unit_id="B02")
    _op(platform_api("unit_b02"), "reply", number, unit_id="B02", reply="已办理。")
    window = open_window(qtbot, demo_platform.url, "lead", "F-01")
    try:
        page = window.figures
        assert window.pages.isTabVisible(window.pages.indexOf(page))
        window.pages.setCurrentWidget(page)
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_1, ALT)
        today = clock.now().date().isoformat()
        qtbot.waitUntil(lambda: page.service is not None and page.service.data.get("from") == today
                        and page.model.row_of("B02") >= 0, timeout=20_000)
        expected = platform_api("lead").get("/api/v1/metrics", params={"from": today, "to": today}).json()
        b02 = expected["by_unit"]["B02"]["handling"]
        assert b02["received"] >= 1 and b02["replied"] >= 1
        row = page.model.item(page.model.row_of("B02"))
        assert (row["received"], row["replied_on_time"]) == (b02["received"], b02["replied_on_time"])
        cells = [page.model.data(page.model.index(page.model.row_of("B02"), c)) for c in range(page.model.columnCount())]
        assert cells[0] == "市医疗保障局" and cells[1] == str(b02["received"])
        assert page.model.row_of("D01") >= 0  # an assisting unit has its row too
        shown = page.chart_values()
        units = [u["unit_id"] for u in page.service.units()][:len(shown[page.tr("Received")])]
        assert shown[page.tr("Received")][units.index("B02")] == b02["received"]
        assert str(expected["orders_total"]) in page.totals.text()
        qtbot.keyClick(page.table, Qt.Key.Key_3, ALT)
        qtbot.waitUntil(lambda: page.service.days == 30 and page.service.data.get("from", today) != today,
                        timeout=20_000)
        assert page.period_combo.currentData() == 30 and today in page.status_label.text()
    finally:
        close_window(qtbot, window)


def test_an_agent_has_no_figures_page(qtbot: Any, qloop: Any, demo_platform: DemoPlatform, settings_path: Path) -> None:
    window = open_window(qtbot, demo_platform.url, "agent", "F-02")
    try:
        assert not window.pages.isTabVisible(window.pages.indexOf(window.figures))
    finally:
        close_window(qtbot, window)
