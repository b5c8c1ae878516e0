"""A handling unit's desk (issue 15), by keyboard against the real platform: the unit's user signs in,
sees an order dispatched to it pushed to its desk, signs and replies; the agents' callback queue then
has it; an order of another unit never reaches this desk."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.test_dispatcher import _op
from tests.ui.test_order_form import _type
from tests.ui.test_workstation_flows import close_window, create, open_window
from workstation.demo import DemoPlatform

CTRL = Qt.KeyboardModifier.ControlModifier


def test_a_unit_sees_its_new_order_pushed_signs_and_replies_and_never_sees_another_units(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, settings_path: Path) -> None:
    window = open_window(qtbot, demo_platform.url, "unit_b04", "U-04")
    try:
        page = window.unit_desk
        visible = [i for i in range(window.pages.count()) if window.pages.isTabVisible(i)]
        assert visible == [window.pages.indexOf(page)] and window.pages.currentWidget() is page  # its only page
        assert not window.call_bar.ready_action.isVisible()  # a unit takes no calls
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        rows = platform_api("admin").get("/api/v1/snapshot/category", params={"limit": 5000}).json()["items"]
        ours = create(platform_api("agent2"), phone, "物业不按合同维修电梯",
                      category_id=next(r["id"] for r in rows if r["name"] == "物业服务"))
        theirs = create(platform_api("agent2"), phone, "医保报销进度")
        _op(platform_api("dispatcher"), "dispatch", theirs, handling_unit_id="B02")
        _op(platform_api("dispatcher"), "dispatch", ours, handling_unit_id="B04")
        # pushed: the platform's event makes the seat fetch the change feed, which holds only B04's orders
        qtbot.waitUntil(lambda: page.model.row_of(ours) >= 0, timeout=10_000)
        assert page.model.row_of(theirs) < 0
        assert window.seat_session.store.conn.execute(
            "SELECT count(*) FROM work_orders WHERE number = ?", (theirs,)).fetchone()[0] == 0
        page.table.setFocus()
        while page.current_item() is None or page.current_item()["number"] != ours:
            qtbot.keyClick(page.table, Qt.Key.Key_Down)
        assert page.model.state(page.current_item()) == page.model.tr("To sign")
        qtbot.keyClick(page.table, Qt.Key.Key_S)
        qtbot.waitUntil(lambda: window.seat_session.store.outbox_size() == 0 and bool(page.last_action),
                        timeout=10_000)
        qtbot.waitUntil(lambda: page.model.row_of(ours) >= 0 and page.model.state(
            page.model.item(page.model.row_of(ours))) == page.model.tr("Signed"), timeout=10_000)
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_Y)
        assert QApplication.focusWidget() is page.text_edit
        qtbot.keyClick(page.text_edit, Qt.Key.Key_Return, CTRL)
        assert page.panel_error.text()  # nothing written: nothing sent
        _type(page.text_edit, "已约谈物业公司，电梯已于今日修复")
        qtbot.keyClick(page.text_edit, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is page.attachments_edit
        _type(page.attachments_edit, "现场照片.jpg、维修记录.pdf、现场照片.jpg")
        signed = page.last_action
        qtbot.keyClick(page.text_edit, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: page.last_action != signed and window.seat_session.store.outbox_size() == 0,
                        timeout=10_000)
        order = platform_api("agent").get(f"/api/v1/work-orders/{ours}").json()
        assert (order["status"], order["reply"]) == ("replied", "已约谈物业公司，电梯已于今日修复")
        reply = [t for t in order["timeline"] if t["action"] == "reply"][-1]
        assert reply["detail"]["attachments"] == ["现场照片.jpg", "维修记录.pdf"]  # the repeat dropped
        qtbot.waitUntil(lambda: page.model.row_of(ours) < 0, timeout=10_000)  # done: off the desk
        queue = platform_api("agent").get("/api/v1/callbacks").json()["items"]
        assert ours in {i["number"] for i in queue}  # the agents call the requester back
    finally:
        close_window(qtbot, window)
