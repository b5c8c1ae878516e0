"""The agent's flows through the whole window against the real platform: a call pops the caller
card with the history, the knowledge base answers into the form, a work order closed at intake
reaches the platform, the platform going away loses nothing, and a killed process keeps the draft."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPlainTextEdit, QTableView, QWidget

from tests.ui.conftest import DEMO_PASSWORD, run_async
from tests.ui.test_kb_pane import _entry
from tests.ui.test_order_form import _fill, _phone, _pick_category, _type
from ui.main_window import MainWindow
from workstation.demo import DemoPlatform
from workstation.platform_client import PlatformClient

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def open_window(qtbot: Any, url: str, user: str, seat: str) -> MainWindow:
    window = MainWindow(PlatformClient(url), seat=seat)
    qtbot.addWidget(window)
    window.resize(1400, 800)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)  # the agent's window has the focus: popups such as the category list need it
    window.sign_in(user, DEMO_PASSWORD)
    qtbot.waitUntil(lambda: window.seat_session is not None, timeout=30_000)
    qtbot.waitUntil(lambda: window.seat_session.store.get_state("cursor") is not None, timeout=30_000)
    qtbot.waitUntil(lambda: window.form.category_model.rowCount() > 100, timeout=30_000)  # the synced tree
    return window


def close_window(qtbot: Any, window: MainWindow) -> None:
    run_async(qtbot, window.shutdown())
    run_async(qtbot, window.client.close())


def sync_text(window: MainWindow) -> str:
    return window.findChild(QLabel, "syncState").text()


def create(api: httpx.Client, phone: str, title: str, **payload: Any) -> str:
    body = {"id": str(uuid.uuid4()), "entity": "work_order", "op": "create",
            "payload": {"request_type": "consultation", "category_id": "010101", "title": title,
                        "content": "来电咨询", "caller_phone": phone, "requester_name": "赵女士", **payload}}
    r = api.post("/api/v1/mutations", json=body)
    assert r.status_code == 200, r.text
    return r.json()["data"]["number"]


def test_a_simulated_call_pops_the_caller_card_with_the_history(qtbot: Any, qloop: Any, demo_platform: DemoPlatform,
                                                                 platform_api, settings_path: Path) -> None:
    phone = _phone()
    first = create(platform_api("agent2"), phone, "咨询医保参保缴费")
    second = create(platform_api("agent2"), phone, "医保报销进度查询")
    window = open_window(qtbot, demo_platform.url, "expert", "T-11")
    qtbot.waitUntil(lambda: window.seat_session.sync.link.value == "online", timeout=20_000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.findChild(QLabel, "agentStateValue").text() == "示闲", timeout=10_000)
    platform_api("lead").post("/api/v1/calls", json={"caller_phone": phone}).raise_for_status()
    card = window.caller_card
    qtbot.waitUntil(lambda: card.phone == phone, timeout=10_000)
    assert card.findChild(QLabel, "callerNumber").text() == f"{phone[:3]}****{phone[-4:]}"
    orders = card.findChild(QTableView, "callerOrders").model()
    assert [orders.index(r, 0).data() for r in range(orders.rowCount())] == [second, first]
    assert card.findChild(QLabel, "callerRepeat").isVisible()
    # one masking rule: the form shows the number as the card does, and sends it whole
    phone_field = window.form.findChild(QLineEdit, "formPhone")
    assert phone_field.text() == f"{phone[:3]}****{phone[-4:]}" and window.form.caller_phone() == phone
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert phone_field.text() == phone == card.findChild(QLabel, "callerNumber").text()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert phone_field.text() == f"{phone[:3]}****{phone[-4:]}"
    # the call answered and ended: it must not wait in the shared platform's queue for the next test
    qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: window.seat_session.calls.current.state.value == "answered", timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: window.seat_session.calls.current is None, timeout=10_000)
    close_window(qtbot, window)


def test_gongjijin_lists_entries_and_inserting_fills_the_reply(qtbot: Any, qloop: Any, demo_platform: DemoPlatform,
                                                              platform_api, settings_path: Path) -> None:
    key = uuid.uuid4().hex[:8]
    answer = f"住房公积金提取可通过江州公积金APP办理，{key}号窗口也可现场办理，材料为身份证和租房合同。"
    lines = [_entry(f"flow-{key}", f"租房如何提取住房公积金{key}", answer)]
    import json
    platform_api("admin").post("/api/v1/kb/import", content="".join(json.dumps(e, ensure_ascii=False) + "\n"
                                                                    for e in lines).encode()).raise_for_status()
    window = open_window(qtbot, demo_platform.url, "agent", "T-12")
    pane = window.knowledge
    qtbot.waitUntil(lambda: pane.model.row_of(f"flow-{key}") >= 0 or _search(pane, key), timeout=20_000)
    pane.search_edit.clear()
    _type(pane.search_edit, f"公积金{key}")
    # the one entry holding both words first; entries holding part of it may follow
    qtbot.waitUntil(lambda: pane.model.rowCount() >= 1 and key in pane.model.hit(0).title
                    and [i for i in range(pane.model.rowCount()) if not pane.model.hit(i).partial] == [0],
                    timeout=10_000)
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.current_entry is not None, timeout=5_000)
    qtbot.keyClick(pane.search_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    reply = window.form.findChild(QPlainTextEdit, "formReply")
    qtbot.waitUntil(lambda: answer in reply.toPlainText(), timeout=5_000)
    close_window(qtbot, window)


def _search(pane: Any, key: str) -> bool:
    pane.search_edit.setText(key)
    pane.search_now()
    return pane.model.rowCount() > 0


def test_closing_at_intake_creates_the_work_order_on_the_platform(qtbot: Any, qloop: Any, platform_api,
                                                                demo_platform: DemoPlatform, settings_path: Path) -> None:
    window = open_window(qtbot, demo_platform.url, "agent", "T-13")
    phone = _phone()
    _fill(qtbot, window.form, phone)
    _type(window.form.findChild(QPlainTextEdit, "formReply"), "已告知提取材料。")
    qtbot.keyClick(window.form.findChild(QLineEdit, "formTitle"), Qt.Key.Key_C, CTRL_SHIFT)
    qtbot.waitUntil(lambda: sync_text(window) == "在线 · 待上传 0 条"
                    and bool(platform_api("agent").get("/api/v1/work-orders", params={"phone": phone}).json()["items"]),
                    timeout=20_000)
    [order] = platform_api("agent").get("/api/v1/work-orders", params={"phone": phone}).json()["items"]
    assert order["status"] == "closed_at_intake" and order["answer"].endswith("已告知提取材料。")
    # the number to read to the caller, once the platform gave it
    qtbot.waitUntil(lambda: window.form.status_label.text() == f"工单编号 {order['number']}：请告知来电人",
                    timeout=20_000)
    # a second request of the same caller starts at once: the caller stays, the request is empty
    assert window.form.caller_phone() == phone
    assert window.form.findChild(QLineEdit, "formPhone").text() == f"{phone[:3]}****{phone[-4:]}"
    assert window.form.findChild(QLineEdit, "formTitle").text() == ""
    assert not window.form.has_content()  # nothing worth a draft
    close_window(qtbot, window)


def test_with_the_platform_stopped_the_order_is_kept_and_arrives_once(qtbot: Any, qloop: Any, tmp_path: Path,
                                                                      settings_path: Path) -> None:
    platform = DemoPlatform(tmp_path / "central.db", demo_data=False, calls_per_hour=0)
    run_async(qtbot, platform.start(), timeout_ms=60_000)
    try:
        window = open_window(qtbot, platform.url, "agent", "T-14")
        platform.stop()
        qtbot.waitUntil(lambda: sync_text(window).startswith("离线"), timeout=30_000)
        phone = _phone()
        _fill(qtbot, window.form, phone)
        _type(window.form.findChild(QPlainTextEdit, "formReply"), "离线时答复。")
        qtbot.keyClick(window.form.findChild(QLineEdit, "formTitle"), Qt.Key.Key_C, CTRL_SHIFT)
        qtbot.waitUntil(lambda: sync_text(window) == "离线 · 待上传 2 条", timeout=10_000)
        run_async(qtbot, platform.start(), timeout_ms=60_000)
        qtbot.waitUntil(lambda: sync_text(window) == "在线 · 待上传 0 条", timeout=60_000)
        with httpx.Client(base_url=platform.url) as c:
            token = c.post("/api/v1/auth/sign-in", json={"username": "agent", "password": DEMO_PASSWORD}).json()
            items = c.get("/api/v1/work-orders", params={"phone": phone},
                          headers={"Authorization": f"Bearer {token['access_token']}"}).json()["items"]
        assert len(items) == 1 and items[0]["status"] == "closed_at_intake"
        close_window(qtbot, window)
    finally:
        platform.stop()


CHILD = textwrap.dedent("""
    import asyncio, sys
    import qasync
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication, QLineEdit
    from ui.main_window import MainWindow
    from workstation.platform_client import PlatformClient

    app = QApplication([])
    window = MainWindow(PlatformClient(sys.argv[1]), seat="K-01")
    window.show()

    async def main():
        await window.sign_in("agent", "hotline-demo")
        while window.seat_session is None:
            await asyncio.sleep(0.05)
        title = window.form.findChild(QLineEdit, "formTitle")
        title.setFocus()
        event = QInputMethodEvent("", [])
        event.setCommitString(sys.argv[2])
        QApplication.sendEvent(title, event)
        while (window.seat_session.store.load_draft("current") or {}).get("title") != sys.argv[2]:
            await asyncio.sleep(0.05)
        print("typed", flush=True)
        await asyncio.Event().wait()  # until killed

    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(main())
""")


@pytest.mark.timeout(120)
def test_a_killed_process_keeps_the_draft(qtbot: Any, qloop: Any, demo_platform: DemoPlatform, data_home: Path,
                                          settings_path: Path) -> None:
    title = f"尚未提交的工单{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(data_home)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, demo_platform.url, title], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert child.stdout.readline().strip() == "typed", child.stderr.read()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=30)
    window = open_window(qtbot, demo_platform.url, "agent", "K-01")
    assert window.form.findChild(QLineEdit, "formTitle").text() == title
    close_window(qtbot, window)


def test_a_repeat_request_is_merged_into_the_callers_open_order_with_one_key(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, settings_path: Path) -> None:
    phone = _phone()
    first = create(platform_api("agent2"), phone, "医保参保缴费咨询")  # open, category 参保缴费
    window = open_window(qtbot, demo_platform.url, "agent", "T-15")
    form = window.form
    qtbot.waitUntil(lambda: window.seat_session.sync.link.value == "online", timeout=20_000)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.findChild(QLabel, "agentStateValue").text() == "示闲", timeout=10_000)
    platform_api("lead").post("/api/v1/calls", json={"caller_phone": phone}).raise_for_status()
    qtbot.waitUntil(lambda: window.caller_card.phone == phone, timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: window.seat_session.calls.current is not None
                    and window.seat_session.calls.current.state.value == "answered", timeout=10_000)
    repeat = form.findChild(QWidget, "formRepeat")
    assert repeat.isHidden()
    _pick_category(qtbot, form, "参保缴费", "社会保障 / 医疗保险 / 参保缴费")
    assert repeat.isVisible() and first in form.findChild(QLabel, "formRepeatText").text()
    kind = form.findChild(QComboBox, "formType")
    kind.setFocus()
    qtbot.keyClick(kind, Qt.Key.Key_Down)
    _type(form.findChild(QLineEdit, "formTitle"), "又来问医保缴费")
    _type(form.findChild(QPlainTextEdit, "formContent"), "来电人再次询问医保缴费的办理进度。")
    reason = form.findChild(QLineEdit, "formMergeReason")
    assert reason.text() == "同一诉求重复来电"  # the agent may change it
    reason.selectAll()
    _type(reason, "同一缴费问题，三天内第二次来电")
    with qtbot.waitSignal(form.submitted, timeout=10_000) as submitted:
        qtbot.keyClick(reason, Qt.Key.Key_M, CTRL_SHIFT)
    assert submitted.args[1] == "merge"
    assert form.status_label.text() == f"诉求已并入工单 {first}"
    qtbot.waitUntil(lambda: window.seat_session.store.outbox_size() == 0, timeout=20_000)
    assert window.seat_session.store.rejections() == []
    orders = {o["number"]: o for o in platform_api("agent").get("/api/v1/work-orders",
                                                                params={"phone": phone}).json()["items"]}
    [merged] = [o for n, o in orders.items() if n != first]
    assert (merged["status"], merged["merged_into"]) == ("merged", first)
    target = platform_api("agent").get(f"/api/v1/work-orders/{first}").json()
    assert target["repeat_count"] == 1
    assert target["timeline"][-1]["detail"]["reason"] == "同一缴费问题，三天内第二次来电"
    qtbot.keyClick(window, Qt.Key.Key_F10)  # hang up
    close_window(qtbot, window)
