"""One key transfers the call to 110/119/120/122 (or a sub-centre, another city's 12345), and the
work order records where, when and why it went."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit

from tests.ui.test_order_form import _fill, _phone, _type, _w
from tests.ui.test_workstation_flows import CTRL_SHIFT, close_window, open_window
from workstation.calls import CallState
from workstation.demo import DemoPlatform


def test_f8_then_1_sends_the_call_to_110_and_the_order_records_where_when_and_why(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api) -> None:
    phone = _phone()
    window = open_window(qtbot, demo_platform.url, "agent2", "T-21")
    seat, bar, form = window.seat_session, window.call_bar, window.form
    qtbot.waitUntil(lambda: seat.sync.link.value == "online", timeout=20_000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.findChild(QLabel, "agentStateValue").text() == "示闲", timeout=10_000)
    platform_api("lead").post("/api/v1/calls", json={"caller_phone": phone}).raise_for_status()
    qtbot.waitUntil(lambda: seat.calls.current is not None, timeout=10_000)
    call = seat.calls.current
    qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: call.state == CallState.answered, timeout=10_000)

    bar.three_way_action.setChecked(False)  # a blind transfer: the call leaves the centre
    qtbot.keyClick(window, Qt.Key.Key_F8)
    qtbot.waitUntil(bar.transfer_menu.isVisible)
    labels = [a.text() for a in bar.transfer_menu.actions() if a.data()]
    assert labels[:4] == ["&1 110 公安报警", "&2 119 消防救援", "&3 120 医疗急救", "&4 122 交通事故报警"], labels
    qtbot.keyClick(bar.transfer_menu, Qt.Key.Key_1)
    qtbot.waitUntil(lambda: call.state == CallState.ended, timeout=10_000)
    assert call.end_reason == "transferred"
    assert window.findChild(QLabel, "callState").text() in ("已转接110 公安报警", f"已转出：{phone[:3]}****{phone[-4:]}")

    # the form is ready to record it: the target chosen, the moment kept, the agent writes why (the
    # platform's end of the call may arrive before the transfer request's own answer, which fills it)
    qtbot.waitUntil(lambda: form.findChild(QComboBox, "formTransferTarget").currentData() == "E110",
                    timeout=10_000)
    assert not form.findChild(QCheckBox, "formTransferThreeWay").isChecked()
    assert "110 公安报警" in form.findChild(QLabel, "formTransferDone").text()
    qtbot.waitUntil(lambda: form.findChild(QLineEdit, "formTransferNote").hasFocus())
    _type(_w(form, QLineEdit, "formTransferNote"), "来电人称家中被盗，嫌疑人仍在附近")
    _w(form, QLineEdit, "formPhone").clear()
    _fill(qtbot, form, phone, title="家中被盗报警")
    qtbot.keyClick(form, Qt.Key.Key_T, CTRL_SHIFT)
    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0 and not form.has_content(), timeout=10_000)
    assert seat.store.rejections() == []

    orders = platform_api("agent2").get("/api/v1/work-orders", params={"phone": phone}).json()["items"]
    assert [o["status"] for o in orders] == ["transferred"]
    timeline = platform_api("agent2").get(f"/api/v1/work-orders/{orders[0]['number']}").json()["timeline"]
    step = timeline[-1]
    assert (step["action"], step["actor"]) == ("transfer", "agent2")
    assert step["detail"]["target"]["id"] == "E110" and step["detail"]["three_way"] is False
    assert step["detail"]["note"] == "来电人称家中被盗，嫌疑人仍在附近"
    assert step["detail"]["call_id"] == call.id and step["detail"]["transferred_at"] <= step["at"]
    close_window(qtbot, window)
