"""The hot topics page (issue 15), for a team lead against the real platform: requests that rise in
one category and district show with the orders behind them, read again with Ctrl+R."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tests.ui.test_workstation_flows import close_window, create, open_window
from workstation.demo import DemoPlatform

CTRL = Qt.KeyboardModifier.ControlModifier


def test_a_rise_in_one_category_and_district_shows_with_its_orders(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, settings_path: Path) -> None:
    rows = platform_api("admin").get("/api/v1/snapshot/category", params={"limit": 5000}).json()["items"]
    category = next(r["id"] for r in rows if r["name"] == "车船税")
    numbers = [create(platform_api("agent2"), f"139{uuid.uuid4().int % 10**8:08d}", f"车船税重复扣缴{i}",
                      category_id=category, address_district="临河县") for i in range(6)]
    window = open_window(qtbot, demo_platform.url, "lead", "L-31")
    try:
        page = window.hot_topics
        assert window.pages.isTabVisible(window.pages.indexOf(page))
        window.pages.setCurrentWidget(page)
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_R, CTRL)

        def row() -> int:
            return next((r for r in range(page.model.rowCount()) if page.model.item(r)["category_id"] == category),
                        -1)
        qtbot.waitUntil(lambda: row() >= 0, timeout=20_000)
        topic = page.model.item(row())
        assert (topic["district"], topic["observed"]) == ("临河县", 6)
        assert "车船税" in page.model.index(row(), page.model.CATEGORY).data()
        while page.current_item() is None or page.current_item()["category_id"] != category:
            qtbot.keyClick(page.table, Qt.Key.Key_Down)
        shown = {page.orders_model.item(r)["number"] for r in range(page.orders_model.rowCount())}
        assert shown == set(numbers)
    finally:
        close_window(qtbot, window)
