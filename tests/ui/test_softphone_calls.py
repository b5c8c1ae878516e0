"""Real calls through a real softphone: sipp places a SIP call with a Chinese caller ID to baresip on
loopback, and the workstation, through the baresip adapter, pops the caller's card, answers and hangs
up over ctrl_tcp. A caller who gives up while it rings is a missed call, reported to the platform."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QTableView

from tests.ui.conftest import run_async
from tests.ui.test_workstation_flows import close_window, create, open_window
from ui.settings import load_telephony, save_telephony
from workstation.calls import CallState
from workstation.demo import DemoPlatform

CALLER = ("张三", "13800138000")


def phone_text(window: Any) -> str:
    return window.findChild(QLabel, "telephonyState").text()


def test_a_sip_call_pops_the_card_and_is_answered_and_hung_up_through_the_softphone(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, softphone, sip_calls, tmp_path: Path,
        settings_path: Path) -> None:
    number = create(platform_api("agent2"), CALLER[1], "咨询社保卡补办")
    save_telephony("baresip", softphone.control_address)
    window = open_window(qtbot, demo_platform.url, "agent", "S-01")
    calls = window.seat_session.calls
    assert calls.source.name == "sip"
    qtbot.waitUntil(lambda: calls.source.up, timeout=10_000)
    assert phone_text(window) == "电话（软电话）：已连接"

    before = platform_api("lead").get("/api/v1/queue").json()
    sipp = sip_calls(softphone, "caller_waits_for_agent.xml", tmp_path / "sipp", [CALLER])
    card = window.caller_card
    qtbot.waitUntil(lambda: card.phone == CALLER[1], timeout=10_000)
    assert card.findChild(QLabel, "callerNumber").text() == "138****8000"
    orders = card.findChild(QTableView, "callerOrders").model()
    qtbot.waitUntil(lambda: number in [orders.index(r, 0).data() for r in range(orders.rowCount())], timeout=10_000)
    call = calls.current
    assert (call.caller_name, call.state) == (CALLER[0], CallState.ringing)

    qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: call.state == CallState.answered, timeout=10_000)
    assert window.findChild(QLabel, "callState").text() == "通话中：138****8000"
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: call.state == CallState.ended, timeout=10_000)
    assert call.end_reason == "agent_hangup" and not call.missed
    qtbot.waitUntil(lambda: sipp.poll() is not None, timeout=10_000)
    assert sipp.returncode == 0  # the caller heard the answer and the agent's BYE

    # the platform counts the call: it was reported through the outbox
    seat = window.seat_session
    run_async(qtbot, calls.flush())  # the report is written on the cache's writer thread: now it is in
    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=10_000)
    assert seat.store.rejections() == []
    after = platform_api("lead").get("/api/v1/queue").json()
    assert (after["offered"], after["answered"]) == (before["offered"] + 1, before["answered"] + 1)
    close_window(qtbot, window)


def test_a_caller_who_gives_up_while_it_rings_reaches_the_callback_list(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, softphone, sip_calls, tmp_path: Path,
        settings_path: Path) -> None:
    save_telephony("baresip", softphone.control_address)
    window = open_window(qtbot, demo_platform.url, "agent", "S-01")
    calls = window.seat_session.calls
    qtbot.waitUntil(lambda: calls.source.up, timeout=10_000)
    sipp = sip_calls(softphone, "caller_gives_up.xml", tmp_path / "sipp", [CALLER], ring_ms=500)
    qtbot.waitUntil(lambda: any(c.missed for c in calls.calls.values()), timeout=10_000)
    (call,) = calls.calls.values()
    assert call.end_reason == "caller_cancel"
    assert window.findChild(QLabel, "callState").text() == "未接来电：138****8000"
    qtbot.waitUntil(lambda: sipp.poll() is not None, timeout=10_000)
    assert sipp.returncode == 0
    seat = window.seat_session
    run_async(qtbot, calls.flush())  # the missed call's report is in the outbox (an empty outbox
    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=10_000)  # before it says nothing)
    assert seat.store.rejections() == []
    missed = platform_api("agent2").get("/api/v1/missed-calls", params={"state": "open"}).json()["items"]
    mine = [m for m in missed if m["call_id"] == call.platform_id]
    assert mine and mine[0]["caller_phone"] == CALLER[1] and mine[0]["source"] == "sip"
    assert mine[0]["end_reason"] == "caller_cancel"
    close_window(qtbot, window)


def test_the_call_bar_says_when_the_softphone_is_not_connected(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, softphone, settings_path: Path) -> None:
    save_telephony("baresip", softphone.control_address)
    window = open_window(qtbot, demo_platform.url, "agent", "S-01")
    source = window.seat_session.calls.source
    qtbot.waitUntil(lambda: source.up, timeout=10_000)
    softphone.stop()
    qtbot.waitUntil(lambda: not source.up, timeout=10_000)
    assert phone_text(window) == "电话（软电话）：未连接"
    close_window(qtbot, window)


def test_the_phone_settings_switch_a_signed_in_seat_to_the_softphone(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, softphone, sip_calls, tmp_path: Path,
        settings_path: Path) -> None:
    window = open_window(qtbot, demo_platform.url, "agent", "S-01")
    calls = window.seat_session.calls
    assert calls.source.name == "platform"
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(QDialog, "telephonyDialog") is not None
                    and window.findChild(QDialog, "telephonyDialog").isVisible(), timeout=5_000)
    dialog = window.findChild(QDialog, "telephonyDialog")
    adapter = dialog.findChild(QComboBox, "telephonyAdapter")
    adapter.setCurrentIndex(adapter.findData("baresip"))
    address = dialog.findChild(QLineEdit, "telephonyAddress")
    address.setText("no-port")
    dialog.save()
    assert dialog.isVisible() and "host:port" in dialog.findChild(QLabel, "telephonyError").text()
    address.setText(softphone.control_address)
    dialog.save()
    qtbot.waitUntil(lambda: calls.source.name == "sip" and calls.source.up, timeout=10_000)
    qtbot.waitUntil(lambda: phone_text(window) == "电话（软电话）：已连接", timeout=5_000)
    assert load_telephony().address == softphone.control_address  # kept for the next run

    sipp = sip_calls(softphone, "caller_gives_up.xml", tmp_path / "sipp", [CALLER], ring_ms=300)
    qtbot.waitUntil(lambda: window.caller_card.phone == CALLER[1], timeout=10_000)
    qtbot.waitUntil(lambda: sipp.poll() is not None, timeout=10_000)
    close_window(qtbot, window)
