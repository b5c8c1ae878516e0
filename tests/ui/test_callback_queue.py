"""The callback queue against the real platform: an order the handling unit replied to appears by
itself, the requester is called back from the keyboard, and the result (closed, reopened, or an
attempt only) is right on the page at once and reaches the platform through the outbox."""
from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from offline_cache import workorders
from offline_cache.store import CacheStore
from tests.ui.conftest import DEMO_PASSWORD, run_async
from tests.workstation.faults import FaultyTransport
from ui.callback_queue import CallbackQueueModel, CallbackQueuePage
from workstation.demo import DemoPlatform
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession
from workstation.sync import Backoff, SyncService
from workstation.texts import TextService

CATEGORY = "010101"
UNIT, UNIT_USER, UNIT_NAME = "B04", "unit_b04", "市住房和城乡建设局"
C = CallbackQueueModel


def _mobile() -> str:
    return f"139{random.randint(0, 99_999_999):08d}"  # noqa: S311 - a test number, not a secret


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def _mutation(api: httpx.Client, op: str, payload: dict, number: str | None = None,
              expect: int = 200) -> dict:
    body = {"id": str(uuid.uuid4()), "entity": "work_order", "op": op, "payload": payload}
    if number:
        body["entity_id"] = number
    r = api.post("/api/v1/mutations", json=body)
    assert r.status_code == expect, r.text
    return r.json().get("data") or r.json()


def _replied(platform_api: Callable[[str], httpx.Client], phone: str, case_kind: str = "normal",
             taker: str = "agent") -> str:
    """An order taken by `taker`, dispatched, signed for and replied to by the handling unit."""
    agent, unit = platform_api(taker), platform_api(UNIT_USER)
    number = _mutation(agent, "create", {"request_type": "complaint", "category_id": CATEGORY,
                                         "title": "楼道堆物影响通行", "content": "来电人反映楼道堆放杂物。",
                                         "caller_phone": phone})["number"]
    _mutation(agent, "dispatch", {"handling_unit_id": UNIT}, number)
    if case_kind != "normal":
        _mutation(platform_api("dispatcher"), "flag", {"case_kind": case_kind}, number)
    _mutation(unit, "sign", {"unit_id": UNIT}, number)
    row = _mutation(unit, "reply", {"unit_id": UNIT, "reply": "已联系物业清理楼道。"}, number)
    assert row["status"] == "replied"
    return number


def _order(api: httpx.Client, number: str) -> dict:
    r = api.get(f"/api/v1/work-orders/{number}")
    assert r.status_code == 200, r.text
    return r.json()


def _cell(page: CallbackQueuePage, number: str, column: int) -> str:
    return page.model.index(page.model.row_of(number), column).data()


def _select(qtbot: Any, page: CallbackQueuePage, number: str) -> None:
    while (row := page.model.row_of(number)) != page.table.currentIndex().row():
        step = Qt.Key.Key_Down if row > page.table.currentIndex().row() else Qt.Key.Key_Up
        qtbot.keyClick(page.table, step)
    assert page.current_item()["number"] == number


def _open_page(qtbot: Any, seat: Any) -> CallbackQueuePage:
    page = CallbackQueuePage()
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    with qtbot.waitActive(page):
        page.activateWindow()  # shortcuts need an active window
    page.set_session(seat)
    return page


@pytest.fixture
def page(qtbot: Any, seat: SeatSession) -> Iterator[CallbackQueuePage]:
    widget = _open_page(qtbot, seat)
    yield widget
    widget.set_session(None)


def _call_back(qtbot: Any, page: CallbackQueuePage, number: str, phone: str, key: Qt.Key = Qt.Key.Key_Return) -> None:
    _select(qtbot, page, number)
    with qtbot.waitSignal(page.call_back, timeout=5_000) as dialled:
        qtbot.keyClick(page.table, key)
    assert dialled.args == [phone]  # the window dials the full number
    assert page.panel.isVisible() and page.satisfaction_buttons["very_satisfied"].hasFocus()
    assert _cell(page, number, C.KIND) == page.model.tr("Calling back…")


def _record(qtbot: Any, page: CallbackQueuePage) -> None:
    with qtbot.waitSignal(page.callback_recorded, timeout=5_000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def test_a_replied_order_appears_by_itself_and_a_satisfied_callback_closes_it(
        qtbot: Any, page: CallbackQueuePage, seat: SeatSession, platform_api, qtmodeltester: Any) -> None:
    phone, other_phone = _mobile(), _mobile()
    number = _replied(platform_api, phone)
    enforcement = _replied(platform_api, other_phone, "law_enforcement")
    # no refresh asked for: the feed brings the replies into the cache, and the queue follows it
    qtbot.waitUntil(lambda: page.model.row_of(number) >= 0 and page.model.row_of(enforcement) >= 0, timeout=10_000)
    assert page.model.row_of(number) < page.model.row_of(enforcement)  # the oldest reply first
    assert _cell(page, number, C.CALLER) == _masked(phone)
    assert _cell(page, number, C.UNIT) == UNIT_NAME
    assert _cell(page, number, C.ATTEMPTS) == "0"
    assert _cell(page, number, C.KIND) == ""
    assert _cell(page, enforcement, C.KIND) == page.model.tr("Law enforcement")  # R15: reported apart
    assert page.count_label.text() == page.tr("Awaiting a callback: {count}").format(count=page.model.rowCount())
    assert page.table.hasFocus() and page.offline_label.text() == ""
    qtmodeltester.check(page.model)

    _call_back(qtbot, page, number, phone)
    qtbot.keyClick(page.satisfaction_buttons["very_satisfied"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert page.panel_error.text() != "" and page.model.row_of(number) >= 0  # nothing chosen: nothing recorded
    qtbot.keyClick(page.satisfaction_buttons["very_satisfied"], Qt.Key.Key_2)
    assert page.chosen_satisfaction() == "satisfied" and page.resolved_yes.hasFocus()
    qtbot.keyClick(page.resolved_yes, Qt.Key.Key_Y)
    assert page.note_edit.hasFocus()
    assert page.reopen_hint.text() == page.tr("Satisfied and resolved: the order will be closed.")
    QTest.keyClicks(page.note_edit, "ok 2")  # a digit typed in the note stays in the note
    assert page.chosen_satisfaction() == "satisfied"
    _record(qtbot, page)
    assert page.model.row_of(number) == -1  # gone at once, before the platform has it
    assert not page.panel.isVisible() and page.table.hasFocus()

    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=10_000)
    order = _order(platform_api("agent"), number)
    assert (order["status"], order["satisfaction"], order["resolved"], order["callback_attempts"]) == \
        ("closed", "satisfied", True, 1)
    assert [t["action"] for t in order["timeline"]][-2:] == ["callback", "close"]
    assert order["timeline"][-2]["detail"]["note"] == "ok 2"
    assert seat.store.rejections() == []
    qtbot.waitUntil(lambda: page.service.item(number) is None and page.model.row_of(enforcement) >= 0,
                    timeout=5_000)


def test_dissatisfied_reopens_and_the_page_says_so_first(qtbot: Any, page: CallbackQueuePage, seat: SeatSession,
                                                          platform_api) -> None:
    phone = _mobile()
    number = _replied(platform_api, phone)
    qtbot.waitUntil(lambda: page.model.row_of(number) >= 0, timeout=10_000)
    _call_back(qtbot, page, number, phone, Qt.Key.Key_F9)
    qtbot.keyClick(page.satisfaction_buttons["very_satisfied"], Qt.Key.Key_1)
    qtbot.keyClick(page.resolved_yes, Qt.Key.Key_N)  # very satisfied, but not resolved
    assert page.reopen_hint.text() == page.tr("Dissatisfied or not resolved: the order will be reopened and go "
                                              "back to the handling unit.")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)  # out of the note
    assert page.panel.isAncestorOf(QApplication.focusWidget()) and not page.note_edit.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_4)  # changed their mind: dissatisfied
    assert page.chosen_satisfaction() == "dissatisfied" and page.note_edit.hasFocus()
    _record(qtbot, page)
    assert page.model.row_of(number) == -1
    assert page.notice.text() == page.tr("Order {order}: {level}: reopened, back to the handling unit").format(
        order=number, level=page.satisfaction_name("dissatisfied"))

    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=10_000)
    order = _order(platform_api("agent"), number)
    assert (order["status"], order["satisfaction"], order["resolved"]) == ("reopened", "dissatisfied", False)
    assert [t["action"] for t in order["timeline"]][-2:] == ["callback", "reopen"]


def test_not_reached_records_an_attempt_and_the_order_stays(qtbot: Any, page: CallbackQueuePage, seat: SeatSession,
                                                            platform_api) -> None:
    phone = _mobile()
    number = _replied(platform_api, phone)
    qtbot.waitUntil(lambda: page.model.row_of(number) >= 0, timeout=10_000)
    _call_back(qtbot, page, number, phone)
    qtbot.keyClick(page.satisfaction_buttons["very_satisfied"], Qt.Key.Key_0)
    assert page.not_reached_button.isChecked() and page.note_edit.hasFocus()
    QTest.keyClicks(page.note_edit, "no answer")
    _record(qtbot, page)
    assert _cell(page, number, C.ATTEMPTS) == "1"  # at once
    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=10_000)
    order = _order(platform_api("agent"), number)
    assert (order["status"], order["callback_attempts"]) == ("replied", 1)
    assert order["timeline"][-1]["action"] == "callback_attempt"
    with qtbot.waitSignal(page.service.changed, timeout=10_000):
        qtbot.keyClick(page.table, Qt.Key.Key_F5)  # the page's refresh, not the call bar's Ready
    assert _cell(page, number, C.ATTEMPTS) == "1"  # counted once
    assert seat.store.rejections() == []


def test_a_callback_the_platform_refuses_is_shown_with_its_reason(qtbot: Any, page: CallbackQueuePage,
                                                                  seat: SeatSession, platform_api) -> None:
    phone = _mobile()
    number = _replied(platform_api, phone)
    qtbot.waitUntil(lambda: page.model.row_of(number) >= 0, timeout=10_000)
    _call_back(qtbot, page, number, phone)
    # meanwhile another agent reached the requester and closed the order
    _mutation(platform_api("agent2"), "callback", {"satisfaction": "satisfied", "resolved": True}, number)
    qtbot.keyClick(page.satisfaction_buttons["very_satisfied"], Qt.Key.Key_3)
    qtbot.keyClick(page.resolved_yes, Qt.Key.Key_Y)
    _record(qtbot, page)
    qtbot.waitUntil(lambda: bool(page.service.rejections()), timeout=10_000)
    [refused] = page.service.rejections()
    assert (refused.entity_id, refused.status) == (number, 409)
    qtbot.waitUntil(lambda: page.error_label.text() != "", timeout=5_000)
    assert page.error_label.text() == page.tr("The platform refused the callback of order {order}: {reason}").format(
        order=number, reason=refused.message or refused.code)
    order = _order(platform_api("agent"), number)
    assert order["status"] == "closed" and order["timeline"][-2]["actor"] == "agent2"  # theirs stands


def test_offline_the_result_waits_in_the_outbox_and_the_queue_is_right_at_once(
        qtbot: Any, qloop: Any, tmp_path: Path, demo_platform: DemoPlatform, platform_api) -> None:
    phone = _mobile()
    number = _replied(platform_api, phone)
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    run_async(qtbot, client.sign_in("agent", DEMO_PASSWORD, "T-31"))
    store = CacheStore(tmp_path / "seat.db")
    sync = SyncService(store, client, poll_interval_s=0.2, offline_after=1, backoff=Backoff(0.01, 0.2))
    page = _open_page(qtbot, SimpleNamespace(client=client, sync=sync, store=store, texts=TextService(sync)))
    sync.start()
    try:
        qtbot.waitUntil(lambda: page.model.row_of(number) >= 0, timeout=20_000)
        transport.down = True
        with qtbot.waitSignal(page.service.changed, timeout=10_000):
            qtbot.keyClick(page.table, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: page.offline_label.isVisible(), timeout=10_000)
        assert page.model.row_of(number) >= 0  # the last list stays
        _call_back(qtbot, page, number, phone)
        qtbot.keyClick(page.satisfaction_buttons["very_satisfied"], Qt.Key.Key_5)
        qtbot.keyClick(page.resolved_yes, Qt.Key.Key_N)
        _record(qtbot, page)
        assert page.model.row_of(number) == -1 and store.outbox_size() == 1
        assert _order(platform_api("agent"), number)["status"] == "replied"  # not there yet

        transport.down = False
        qtbot.waitUntil(lambda: store.outbox_size() == 0, timeout=20_000)
        assert _order(platform_api("agent"), number)["status"] == "reopened"
        qtbot.waitUntil(lambda: not page.offline_label.isVisible(), timeout=10_000)
        assert page.model.row_of(number) == -1 and store.rejections() == []
    finally:
        page.set_session(None)
        run_async(qtbot, sync.stop())
        store.close()
        run_async(qtbot, client.close())


def test_an_order_this_seat_never_received_comes_from_the_platforms_queue(
        qtbot: Any, qloop: Any, tmp_path: Path, demo_platform: DemoPlatform, platform_api) -> None:
    number = _replied(platform_api, _mobile())
    client = PlatformClient(demo_platform.url)
    run_async(qtbot, client.sign_in("agent", DEMO_PASSWORD, "T-32"))
    store = CacheStore(tmp_path / "empty.db")
    sync = SyncService(store, client)  # never started: the cache stays empty
    page = _open_page(qtbot, SimpleNamespace(client=client, sync=sync, store=store, texts=TextService(sync)))
    try:
        qtbot.waitUntil(lambda: page.model.row_of(number) >= 0, timeout=10_000)
        assert _cell(page, number, C.UNIT) == UNIT  # the unit's name is not cached here: its id
        assert page.service.fetched_at is not None
    finally:
        page.set_session(None)
        run_async(qtbot, sync.stop())
        store.close()
        run_async(qtbot, client.close())


def test_the_number_of_an_order_another_agent_took_is_read_from_the_platform_to_dial(
        qtbot: Any, qloop: Any, tmp_path: Path, demo_platform: DemoPlatform, platform_api) -> None:
    phone = _mobile()
    number = _replied(platform_api, phone, taker="agent2")
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    run_async(qtbot, client.sign_in("agent", DEMO_PASSWORD, "T-33"))
    store = CacheStore(tmp_path / "seat.db")
    sync = SyncService(store, client)
    run_async(qtbot, sync.download_all())
    # the seat holds the number masked (R14): agent2 took the order
    assert workorders.find(store.conn, number)["caller_phone"] == phone[:3] + "****" + phone[-4:]
    transport.down = True  # offline from the start: the page has only the cache's row, masked
    page = _open_page(qtbot, SimpleNamespace(client=client, sync=sync, store=store, texts=TextService(sync)))
    try:
        qtbot.waitUntil(lambda: page.model.row_of(number) >= 0, timeout=10_000)
        _select(qtbot, page, number)
        dialled: list[str] = []
        page.call_back.connect(dialled.append)
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.error_label.isVisible(), timeout=10_000)
        assert page.error_label.text().startswith(page.tr("Not dialled: {error}").split("{")[0])
        assert dialled == [] and not page.panel.isVisible()
        transport.down = False
        _call_back(qtbot, page, number, phone)  # the full number, read from the platform
        reads = platform_api("admin").get("/api/v1/audit", params={"user": "agent", "before": 10**12}).json()["items"]
        # the read is audited: the order itself, or the callback list that brought it
        assert any(r["action"] in ("read", "callbacks") and r["entity_id"] == number for r in reads)
    finally:
        page.set_session(None)
        run_async(qtbot, sync.stop())
        store.close()
        run_async(qtbot, client.close())


def test_signed_out_page(qtbot: Any) -> None:
    page = CallbackQueuePage()
    qtbot.addWidget(page)
    assert page.page_title() == page.tr("Callbacks")
    assert page.model.rowCount() == 0 and not page.panel.isVisible()
    assert not page.call_back_action.isEnabled() and not page.refresh_action.isEnabled()
    help_keys = {s.toString() for a in page.actions_for_help for s in a.shortcuts()}
    assert {"1", "2", "3", "4", "5", "Y", "N", "0", "F5", "F9", "Return", "Ctrl+Return", "Esc"} <= help_keys
