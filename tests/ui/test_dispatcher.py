"""The dispatcher's workbench (issue 15), by keyboard against the real platform: an order its unit
returned, the return approved by a team lead, waits in the dispatcher's queue and is dispatched
again with an assisting unit, a time limit and instructions."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from domain import clock
from tests.ui.test_order_form import _type
from tests.ui.test_workstation_flows import close_window, create, open_window
from workstation.demo import DemoPlatform

CTRL = Qt.KeyboardModifier.ControlModifier


def _op(api, op: str, number: str, **payload) -> dict:  # noqa: ANN001
    r = api.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order", "op": op,
                                            "entity_id": number, "payload": payload})
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_a_returned_order_approved_by_a_lead_is_dispatched_again_with_an_assisting_unit_and_a_time_limit(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, settings_path: Path) -> None:
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    number = create(platform_api("agent2"), phone, "小区电梯经常停运", address_district="城东区")
    _op(platform_api("dispatcher"), "dispatch", number, handling_unit_id="B02")
    _op(platform_api("unit_b02"), "apply_return", number, unit_id="B02", reason="不属于本单位职责")
    assert _op(platform_api("lead"), "review_return", number, decision="approve")["status"] == "accepted"
    units = {u["name"]: u["id"] for u in platform_api("admin").get(
        "/api/v1/snapshot/handling_unit", params={"limit": 5000}).json()["items"]}
    window = open_window(qtbot, demo_platform.url, "dispatcher", "D-01")
    try:
        page = window.dispatch
        visible = [i for i in range(window.pages.count()) if window.pages.isTabVisible(i)]
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{visible.index(window.pages.indexOf(page)) + 1}"), CTRL)
        assert window.pages.currentWidget() is page
        qtbot.waitUntil(lambda: page.model.row_of(number) >= 0, timeout=20_000)
        assert page.model.why(page.model.item(page.model.row_of(number))) == page.model.tr("Returned by its unit")
        page.table.setFocus()
        while page.current_item() is None or page.current_item()["number"] != number:
            qtbot.keyClick(page.table, Qt.Key.Key_Down)
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
        assert QApplication.focusWidget() is page.unit_edit
        page.unit_edit.clear()
        _type(page.unit_edit, "市住房和城乡建设局")
        qtbot.keyClick(page.unit_edit, Qt.Key.Key_Tab)
        if QApplication.focusWidget() is not page.assisting_edit:  # the completion list took the Tab
            page.unit_completer.popup().hide()
            page.assisting_edit.setFocus()
        _type(page.assisting_edit, "城东区")
        page.assisting_completer.popup().hide()
        page.days_spin.setFocus()
        qtbot.keyClick(page.days_spin, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(page.days_spin, "5")
        qtbot.keyClick(page.days_spin, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is page.note_edit
        _type(page.note_edit, "请会同属地街道现场核查电梯维保情况")
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: bool(page.last_dispatch) and window.seat_session.store.outbox_size() == 0,
                        timeout=20_000)
        assert page.model.row_of(number) < 0  # off the queue at once
        order = platform_api("dispatcher").get(f"/api/v1/work-orders/{number}").json()
        assert (order["status"], order["handling_unit_id"], order["assisting_unit_ids"]) == (
            "dispatched", units["市住房和城乡建设局"], [units["城东区"]])
        dispatches = [t for t in order["timeline"] if t["action"] == "dispatch"]
        assert dispatches[-1]["detail"]["note"] == "请会同属地街道现场核查电梯维保情况"
        assert dispatches[-1]["detail"]["round"] == 2
        deadline = clock.parse(order["deadline"])
        assert 5 <= (deadline - clock.now()).days <= 12  # five working days, weekends and holidays between
    finally:
        close_window(qtbot, window)


def test_two_new_orders_dispatched_at_once_and_one_taken_meanwhile_is_refused_with_the_reason(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, settings_path: Path) -> None:
    numbers = [create(platform_api("agent2"), f"139{uuid.uuid4().int % 10**8:08d}", f"路灯不亮{i}",
                      urgency="urgent") for i in range(3)]
    window = open_window(qtbot, demo_platform.url, "dispatcher", "D-02")
    try:
        page = window.dispatch
        window.pages.setCurrentWidget(page)
        qtbot.waitUntil(lambda: all(page.model.row_of(n) >= 0 for n in numbers), timeout=20_000)
        rows = sorted(page.model.row_of(n) for n in numbers)
        assert rows == list(range(rows[0], rows[0] + 3))  # urgent ones together, oldest first
        page.table.setFocus()
        while page.current_item() is None or page.current_item()["number"] != numbers[0]:
            qtbot.keyClick(page.table, Qt.Key.Key_Down)
        for _ in range(2):
            qtbot.keyClick(page.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
        assert [i["number"] for i in page.selected_items()] == numbers
        assert "3" in page.selection_label.text()
        # meanwhile another dispatcher sends the last one elsewhere
        _op(platform_api("dispatcher"), "dispatch", numbers[2], handling_unit_id="B02")
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
        page.unit_edit.clear()
        _type(page.unit_edit, "市城市管理综合行政执法局")
        page.unit_completer.popup().hide()
        qtbot.keyClick(page.unit_edit, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: window.seat_session.store.outbox_size() == 0 and bool(page.last_dispatch),
                        timeout=20_000)
        orders = [platform_api("dispatcher").get(f"/api/v1/work-orders/{n}").json() for n in numbers]
        assert [o["handling_unit_id"] for o in orders[:2]] == ["B09", "B09"]
        assert orders[2]["handling_unit_id"] == "B02"  # the refused one stays where the other sent it
        qtbot.waitUntil(lambda: numbers[2] in page.error_label.text(), timeout=10_000)  # and says so
        assert [(r.entity_id, r.op) for r in window.seat_session.sync.rejections()] == [(numbers[2], "dispatch")]
    finally:
        close_window(qtbot, window)


def test_the_dispatch_rule_table_fills_the_lead_and_assisting_units_and_a_partners_return_waits_here(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, settings_path: Path) -> None:
    """The demo's rule: street litter (市容环卫) goes to the address's street, city enforcement assisting."""
    categories = {c["name"]: c["id"] for c in platform_api("admin").get(
        "/api/v1/snapshot/category", params={"limit": 5000}).json()["items"]}
    number = create(platform_api("agent2"), f"139{uuid.uuid4().int % 10**8:08d}", "小区门口垃圾三天没人清运",
                    category_id=categories["垃圾清运"], address_district="城东区", address_street="望江街道")
    returned = create(platform_api("agent2"), f"139{uuid.uuid4().int % 10**8:08d}", "网购商品质量问题")
    _op(platform_api("agent2"), "transfer", returned, target_unit_id="SC12333")
    _op(platform_api("partner_12333"), "partner_return", returned, reason="不属于人社受理范围")
    window = open_window(qtbot, demo_platform.url, "dispatcher", "D-03")
    try:
        page = window.dispatch
        window.pages.setCurrentWidget(page)
        qtbot.waitUntil(lambda: page.model.row_of(number) >= 0 and page.model.row_of(returned) >= 0, timeout=20_000)
        assert page.model.why(page.model.item(page.model.row_of(returned))) == page.model.tr(
            "Sent back by the partner platform")
        page.table.setFocus()
        while page.current_item() is None or page.current_item()["number"] != number:
            qtbot.keyClick(page.table, Qt.Key.Key_Down)
        # the seat's first sync brings the rule table last: the suggestion follows it
        qtbot.waitUntil(lambda: "市容环卫属地街道处置" in page.suggestion.text(), timeout=20_000)
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
        assert (page.unit_edit.text(), page.assisting_edit.text()) == ("望江街道", "市城市管理综合行政执法局")
        page.unit_edit.clear()
        qtbot.keyClick(page.unit_edit, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # the suggestion back
        assert page.unit_edit.text() == "望江街道"
        page.unit_completer.popup().hide()
        qtbot.keyClick(page.unit_edit, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: bool(page.last_dispatch) and window.seat_session.store.outbox_size() == 0,
                        timeout=20_000)
        order = platform_api("dispatcher").get(f"/api/v1/work-orders/{number}").json()
        assert (order["handling_unit_id"], order["assisting_unit_ids"]) == ("D01S02", ["B09"])
    finally:
        close_window(qtbot, window)
