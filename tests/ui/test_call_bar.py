"""The call bar driven from the keyboard against the real platform's call simulator."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from domain import clock
from tests.ui.conftest import DEMO_PASSWORD, run_async
from ui.main_window import MainWindow
from workstation.platform_client import PlatformClient


def _signed_in(qtbot: Any, client: PlatformClient, user: str, seat: str, online: bool = False,
               password: str = DEMO_PASSWORD) -> MainWindow:
    """The window, active, with `user` signed in at `seat` (and the event stream up when `online`)."""
    window = MainWindow(client, seat=seat)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    window.sign_in(user, password)
    qtbot.waitUntil(lambda: window.seat_session is not None, timeout=20_000)
    if online:
        qtbot.waitUntil(lambda: window.seat_session.sync.link.value == "online", timeout=20_000)
    return window


def test_ready_ring_answer_hang_up_from_the_keyboard(qtbot: Any, client: PlatformClient, settings_path: Path,
                                                      platform_api) -> None:
    window = MainWindow(client, seat="T-02")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.sign_in("agent2", DEMO_PASSWORD)
    qtbot.waitUntil(lambda: window.seat_session is not None, timeout=20_000)
    call_state = window.findChild(QLabel, "callState")
    state = window.findChild(QLabel, "agentStateValue")
    qtbot.waitUntil(lambda: window.seat_session.sync.link.value == "online", timeout=20_000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: state.text() == "示闲", timeout=10_000)
    r = platform_api("lead").post("/api/v1/calls", json={"caller_phone": "+86 135 0000 1234"})
    assert r.status_code == 201, r.text
    qtbot.waitUntil(lambda: call_state.text() == "来电振铃：135****1234", timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: call_state.text() == "通话中：135****1234", timeout=10_000)
    qtbot.waitUntil(lambda: window.findChild(QLabel, "callTimer").text() == "00:00", timeout=5_000)
    # the platform's call simulator cannot hold a call: F11 is not offered, and says why
    hold = window.call_bar.hold_action
    assert not hold.isEnabled() and hold.toolTip().endswith("当前电话来源不支持保持")
    assert window.call_bar.transfer_action.isEnabled()
    # answered: the keyboard is in the form's first empty field; Ctrl+H, Ctrl+K and Ctrl+J move it
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.form.type_combo, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget().objectName() == "callerOrders"
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.knowledge.search_edit
    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.form.type_combo
    qtbot.keyClicks(window.form.title_edit, "wifi")  # a word of the request typed: unfinished
    assert window.form.has_content()
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: call_state.text() == "通话结束：135****1234", timeout=10_000)
    assert state.text().startswith("话后处理")
    assert window.link_state.text() == "通话已结束，工单尚未登记：草稿已保留，请尽快登记"
    run_async(qtbot, window.shutdown())


def test_not_ready_asks_for_the_reason(qtbot: Any, client: PlatformClient, settings_path: Path) -> None:
    window = _signed_in(qtbot, client, "agent", "T-03")
    menu = window.call_bar.reasons_menu
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(menu.isVisible, timeout=5_000)
    qtbot.keyClick(menu, Qt.Key.Key_2)  # every reason has its digit, as in the transfer menu
    state = window.findChild(QLabel, "agentStateValue")
    qtbot.waitUntil(lambda: state.text() == "示忙（培训）", timeout=10_000)  # 示忙 alone before the choice
    run_async(qtbot, window.shutdown())


def test_a_ring_closes_a_menu_of_the_bar_so_that_the_answer_key_works(
        qtbot: Any, client: PlatformClient, settings_path: Path, platform_api) -> None:
    window = _signed_in(qtbot, client, "agent2", "T-04", online=True)
    state = window.findChild(QLabel, "agentStateValue")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: state.text() == "示闲", timeout=10_000)
    queue = window.findChild(QLabel, "queueState")
    qtbot.waitUntil(lambda: queue.text() == "无人排队", timeout=10_000)
    menu = window.call_bar.reasons_menu
    qtbot.keyClick(window, Qt.Key.Key_F6)  # the agent hesitates over a reason...
    qtbot.waitUntil(menu.isVisible, timeout=5_000)
    r = platform_api("lead").post("/api/v1/calls", json={"caller_phone": "+86 135 0000 5678"})
    assert r.status_code == 201, r.text
    call_state = window.findChild(QLabel, "callState")
    qtbot.waitUntil(lambda: call_state.text() == "来电振铃：135****5678", timeout=10_000)
    assert not menu.isVisible()  # ...and the call takes the keyboard back
    qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: call_state.text() == "通话中：135****5678", timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: call_state.text() == "通话结束：135****5678", timeout=10_000)
    run_async(qtbot, window.shutdown())


def test_not_ready_chosen_during_a_call_holds_after_wrap_up(
        qtbot: Any, client: PlatformClient, settings_path: Path, platform_api) -> None:
    window = _signed_in(qtbot, client, "agent2", "T-05", online=True)
    state = window.findChild(QLabel, "agentStateValue")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: state.text() == "示闲", timeout=10_000)
    assert window.findChild(QLabel, "agentStateTime").text().startswith("00:")  # the time in the state
    r = platform_api("lead").post("/api/v1/calls", json={"caller_phone": "+86 135 0000 9012"})
    assert r.status_code == 201, r.text
    qtbot.waitUntil(lambda: state.text() == "振铃", timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: state.text() == "通话中", timeout=10_000)
    menu = window.call_bar.reasons_menu
    qtbot.keyClick(window, Qt.Key.Key_F6)
    qtbot.waitUntil(menu.isVisible, timeout=5_000)
    qtbot.keyClick(menu, Qt.Key.Key_3)  # meeting, once this call and its wrap-up are over
    qtbot.waitUntil(lambda: state.text() == "通话中，之后示忙（会议）", timeout=5_000)
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)  # the keyboard is the window's again
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: state.text() == "话后处理，之后示忙（会议）", timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_F12)  # wrap-up ended early: the state chosen applies, not ready
    qtbot.waitUntil(lambda: state.text() == "示忙（会议）", timeout=10_000)
    board = platform_api("lead").get("/api/v1/wallboard").json()["agents"]
    assert next((a["state"], a.get("reason")) for a in board if a["username"] == "agent2") == ("not_ready", "meeting")
    run_async(qtbot, window.shutdown())


class Clock:
    """The workstation's time: the platform's at first (the orders it dates fall on the same day),
    then it moves only when the test says."""

    def __init__(self) -> None:
        self.at = clock.now()

    def __call__(self) -> datetime:
        return self.at


def test_the_agents_figures_for_today_count_calls_and_orders_survive_a_restart_and_start_again_at_midnight(
        qtbot: Any, client: PlatformClient, settings_path: Path, platform_api) -> None:
    user, password = f"today{uuid.uuid4().hex[:6]}", "quiet-Orchard-41-lantern"  # an agent with no work yet
    r = platform_api("admin").post("/api/v1/users", json={"username": user, "display_name": "今日座席",
                                                          "role": "agent", "password": password})
    assert r.status_code == 201, r.text
    now = Clock()
    with clock.use(now):
        window = _signed_in(qtbot, client, user, "T-06", online=True, password=password)
        figures = window.findChild(QLabel, "todayFigures")
        assert figures.text() == "今日 0 通 · 均长 -:-- · 工单 0"
        assert "话后处理" in figures.toolTip() and "零点" in figures.toolTip()
        state = window.findChild(QLabel, "agentStateValue")
        qtbot.keyClick(window, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: state.text() == "示闲", timeout=10_000)
        platform_api("lead").post("/api/v1/calls", json={"caller_phone": "13500002468"}).raise_for_status()
        qtbot.waitUntil(lambda: state.text() == "振铃", timeout=10_000)
        qtbot.keyClick(window, Qt.Key.Key_F9)
        qtbot.waitUntil(lambda: state.text() == "通话中", timeout=10_000)
        now.at += timedelta(seconds=190)  # the talk
        qtbot.keyClick(window, Qt.Key.Key_F10)
        qtbot.waitUntil(lambda: state.text().startswith("话后处理"), timeout=10_000)
        assert figures.text() == "今日 1 通 · 均长 3:10 · 工单 0"
        now.at += timedelta(seconds=62)  # the after-call work
        qtbot.keyClick(window, Qt.Key.Key_F12)
        qtbot.waitUntil(lambda: state.text() == "示闲", timeout=10_000)
        now.at += timedelta(seconds=300)  # ready, waiting for the next call: not handling time
        qtbot.waitUntil(lambda: figures.text() == "今日 1 通 · 均长 4:12 · 工单 0", timeout=5_000)
        run_async(qtbot, window.seat_session.orders.create(
            {"request_type": "consultation", "category_id": "010101", "title": "咨询公积金提取",
             "content": "来电咨询", "caller_phone": "13500002468"}))
        qtbot.waitUntil(lambda: figures.text() == "今日 1 通 · 均长 4:12 · 工单 1", timeout=5_000)
        qtbot.waitUntil(lambda: window.seat_session.sync.outbox_size() == 0, timeout=20_000)
        run_async(qtbot, window.shutdown())

        again = _signed_in(qtbot, client, user, "T-06", password=password)  # the workstation started again
        figures = again.findChild(QLabel, "todayFigures")
        qtbot.waitUntil(lambda: figures.text() == "今日 1 通 · 均长 4:12 · 工单 1", timeout=10_000)
        now.at += timedelta(days=1)  # the next morning: the figures start again
        qtbot.waitUntil(lambda: figures.text() == "今日 0 通 · 均长 -:-- · 工单 0", timeout=5_000)
        run_async(qtbot, again.shutdown())
