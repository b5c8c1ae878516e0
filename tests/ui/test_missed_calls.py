"""The missed-call page against the real platform: a call abandoned in the queue appears by itself,
is called back from the keyboard, and its outcome reaches the platform through the outbox."""
from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from offline_cache.store import CacheStore
from tests.ui.conftest import DEMO_PASSWORD, run_async
from tests.workstation.faults import FaultyTransport
from ui.missed_calls import MissedCallsModel, MissedCallsPage
from workstation.demo import DemoPlatform
from workstation.missed_calls import MissedCallService
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession
from workstation.sync import SyncService

CATEGORY = "010101"  # 社会保障 / 医疗保险 / 参保缴费 in the reference catalogue
M = MissedCallsModel


def _mobile() -> str:
    return f"139{random.randint(0, 99_999_999):08d}"  # noqa: S311 - a test number, not a secret


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


def _known_caller(api: httpx.Client, phone: str, name: str) -> None:
    """The platform learns a caller's name from a work order."""
    r = api.post("/api/v1/mutations", json={
        "id": str(uuid.uuid4()), "entity": "work_order", "op": "create",
        "payload": {"request_type": "consultation", "category_id": CATEGORY, "title": "医保参保缴费咨询",
                    "content": "来电人询问医保参保缴费办理流程。", "caller_phone": phone, "requester_name": name}})
    assert r.status_code == 200, r.text


def _miss(lead: httpx.Client, phone: str) -> str:
    """A call whose caller gives up at once: no agent answers it in time."""
    r = lead.post("/api/v1/calls", json={"caller_phone": phone, "patience_s": 0.2})
    assert r.status_code == 201, r.text
    return r.json()["call_id"]


def _platform_item(api: httpx.Client, call_id: str, state: str = "all") -> dict | None:
    r = api.get("/api/v1/missed-calls", params={"state": state, "limit": 500})
    assert r.status_code == 200, r.text
    return next((i for i in r.json()["items"] if i["call_id"] == call_id), None)


def _type(widget: QWidget, text: str) -> None:
    """Type like a Chinese input method: each character committed by its own input-method event."""
    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
            continue
        event = QInputMethodEvent()
        event.setCommitString(char)
        QApplication.sendEvent(widget, event)


def _row(page: MissedCallsPage, call_id: str) -> int:
    return page.model.row_of(call_id)


def _cell(page: MissedCallsPage, call_id: str, column: int) -> str:
    return page.model.index(_row(page, call_id), column).data()


def _select(qtbot: Any, page: MissedCallsPage, call_id: str) -> None:
    """Up/Down to the call's row."""
    while (row := _row(page, call_id)) != page.table.currentIndex().row():
        step = Qt.Key.Key_Down if row > page.table.currentIndex().row() else Qt.Key.Key_Up
        qtbot.keyClick(page.table, step)
    assert page.current_item()["call_id"] == call_id


def _open_page(qtbot: Any, seat: SeatSession) -> MissedCallsPage:
    page = MissedCallsPage()
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    with qtbot.waitActive(page):
        page.activateWindow()  # shortcuts need an active window
    page.set_session(seat)
    return page


def _replace_service(seat: SeatSession, service: MissedCallService) -> None:
    """The page works with whatever service the seat has: the test's own, made here."""
    if (old := getattr(seat, "missed_calls", None)) is not None:
        old.close()  # one that SeatSession made: it would fetch too on every event
    seat.missed_calls = service


@pytest.fixture
def page(qtbot: Any, seat: SeatSession) -> Iterator[MissedCallsPage]:
    _replace_service(seat, MissedCallService(seat.client, seat.sync))
    widget = _open_page(qtbot, seat)
    yield widget
    widget.set_session(None)
    seat.missed_calls.close()


@pytest.fixture
def lead(platform_api: Callable[[str], httpx.Client]) -> httpx.Client:
    return platform_api("lead")


def _call_back(qtbot: Any, page: MissedCallsPage, call_id: str, phone: str, key: Qt.Key = Qt.Key.Key_Return) -> None:
    _select(qtbot, page, call_id)
    with qtbot.waitSignal(page.call_back, timeout=5_000) as dialled:
        qtbot.keyClick(page.table, key)
    assert dialled.args == [phone]  # the window dials the full number
    assert page.panel.isVisible() and page.outcome_buttons["reached"].hasFocus()
    assert _cell(page, call_id, M.OUTCOME) == page.model.tr("Calling back…")


def test_an_abandoned_call_appears_by_itself_with_the_callers_name(qtbot: Any, page: MissedCallsPage,
                                                                   seat: SeatSession, lead: httpx.Client,
                                                                   platform_api, qtmodeltester: Any) -> None:
    phone = _mobile()
    _known_caller(platform_api("agent2"), phone, "李秀英")
    unknown = _mobile()
    call_id, other = _miss(lead, phone), _miss(lead, unknown)
    # no refresh asked for: the platform's missed_call events bring them
    qtbot.waitUntil(lambda: _row(page, call_id) >= 0 and _row(page, other) >= 0, timeout=10_000)
    assert _row(page, call_id) < _row(page, other)  # oldest first: it has waited longest
    assert _cell(page, call_id, M.NUMBER) == _masked(phone)
    assert _cell(page, call_id, M.NAME) == "李秀英"
    assert _cell(page, other, M.NAME) == ""
    assert _cell(page, call_id, M.QUEUE) == "12345"
    assert _cell(page, call_id, M.ENDED) == page.model.tr("Abandoned in the queue")
    assert _cell(page, call_id, M.ATTEMPTS) == "0"
    assert _cell(page, call_id, M.OUTCOME) == ""
    assert page.model.index(_row(page, call_id), 0).data(M.PhoneRole) == phone
    assert page.count_label.text() == page.tr("Open callbacks: {count}").format(count=seat.missed_calls.total)
    assert page.offline_label.text() == ""
    assert page.table.hasFocus()
    qtmodeltester.check(page.model)


def test_no_answer_keeps_the_call_with_one_attempt(qtbot: Any, page: MissedCallsPage, seat: SeatSession,
                                                   lead: httpx.Client, platform_api) -> None:
    phone = _mobile()
    call_id = _miss(lead, phone)
    qtbot.waitUntil(lambda: _row(page, call_id) >= 0, timeout=10_000)
    _call_back(qtbot, page, call_id, phone)

    qtbot.keyClick(page.outcome_buttons["reached"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert page.panel_error.text() == page.tr("Choose the outcome first (keys 1-5).")
    qtbot.keyClick(page.outcome_buttons["reached"], Qt.Key.Key_2)
    assert page.chosen_outcome() == "no_answer" and page.note_edit.hasFocus()
    _type(page.note_edit, "无人接听，下午再拨 2")  # a digit typed in the note stays in the note
    assert page.chosen_outcome() == "no_answer"
    with qtbot.waitSignal(page.outcome_recorded, timeout=5_000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    # at once, before the platform has it
    assert not page.panel.isVisible() and page.table.hasFocus()
    assert _cell(page, call_id, M.ATTEMPTS) == "1"
    assert _cell(page, call_id, M.OUTCOME) == page.model.outcome_name("no_answer")

    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=10_000)
    item = _platform_item(platform_api("agent"), call_id, "open")
    assert item is not None
    assert (item["callback_attempts"], item["callback_outcome"], item["callback_by"], item["callback_note"]) == \
        (1, "no_answer", "agent", "无人接听，下午再拨 2")
    with qtbot.waitSignal(seat.missed_calls.changed, timeout=10_000):
        qtbot.keyClick(page.table, Qt.Key.Key_F5)  # the page's refresh, not the call bar's Ready
    assert _cell(page, call_id, M.ATTEMPTS) == "1"
    assert seat.store.rejections() == []


def test_reached_leaves_the_open_list_and_the_platform_has_it_done(qtbot: Any, page: MissedCallsPage,
                                                                   seat: SeatSession, lead: httpx.Client,
                                                                   platform_api) -> None:
    phone = _mobile()
    call_id = _miss(lead, phone)
    qtbot.waitUntil(lambda: _row(page, call_id) >= 0, timeout=10_000)
    _call_back(qtbot, page, call_id, phone, Qt.Key.Key_F9)
    qtbot.keyClick(page.outcome_buttons["reached"], Qt.Key.Key_1)
    assert page.note_edit.hasFocus()
    QTest.keyClicks(page.note_edit, "ok")
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Tab)
    assert page.order_edit.hasFocus()
    QTest.keyClicks(page.order_edit, "20250301-0001")
    with qtbot.waitSignal(page.outcome_recorded, timeout=5_000):
        qtbot.keyClick(page.order_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert _row(page, call_id) == -1  # gone from the open list at once
    assert page.notice.text() == page.tr("Recorded for {number}: {outcome}").format(
        number=_masked(phone), outcome=page.model.outcome_name("reached"))

    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=10_000)
    assert _platform_item(platform_api("agent"), call_id, "open") is None
    done = _platform_item(platform_api("agent"), call_id, "done")
    assert done is not None
    assert (done["callback_state"], done["callback_outcome"], done["callback_by"], done["callback_order"]) == \
        ("done", "reached", "agent", "20250301-0001")
    with qtbot.waitSignal(seat.missed_calls.changed, timeout=10_000):
        qtbot.keyClick(page.table, Qt.Key.Key_F5)
    assert _row(page, call_id) == -1
    assert seat.store.rejections() == []


def test_an_outcome_the_platform_refuses_is_shown_not_lost(qtbot: Any, page: MissedCallsPage, seat: SeatSession,
                                                           lead: httpx.Client, platform_api) -> None:
    phone = _mobile()
    call_id = _miss(lead, phone)
    qtbot.waitUntil(lambda: _row(page, call_id) >= 0, timeout=10_000)
    _call_back(qtbot, page, call_id, phone)
    # meanwhile another agent reached the caller
    r = platform_api("agent2").post("/api/v1/mutations", json={
        "id": str(uuid.uuid4()), "entity": "missed_call", "op": "outcome", "entity_id": call_id,
        "payload": {"outcome": "reached"}})
    assert r.status_code == 200, r.text
    qtbot.waitUntil(lambda: _row(page, call_id) == -1, timeout=10_000)  # their event refreshed the list
    assert page.panel.isVisible()  # what the agent is typing about the call stays
    qtbot.keyClick(page.outcome_buttons["reached"], Qt.Key.Key_3)
    with qtbot.waitSignal(page.outcome_recorded, timeout=5_000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: bool(seat.store.rejections()), timeout=10_000)
    [refused] = seat.store.rejections()
    assert (refused.entity, refused.entity_id, refused.status, refused.code) == \
        ("missed_call", call_id, 409, "callback_done")
    assert refused.payload["outcome"] == "busy"
    qtbot.waitUntil(lambda: page.error_label.text() != "", timeout=5_000)
    assert page.error_label.text() == page.tr("The platform refused the outcome ({outcome}): {reason}").format(
        outcome=page.model.outcome_name("busy"), reason=page.tr("the callback was already closed (by another agent?)"))
    done = _platform_item(platform_api("agent"), call_id, "done")
    assert done is not None and done["callback_by"] == "agent2"  # the platform's state stands


def test_offline_keeps_the_last_list_and_says_so(qtbot: Any, seat: SeatSession, demo_platform: DemoPlatform,
                                                 lead: httpx.Client) -> None:
    phone = _mobile()
    call_id = _miss(lead, phone)
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    run_async(qtbot, client.sign_in("agent", DEMO_PASSWORD, "T-09"))
    _replace_service(seat, MissedCallService(client, seat.sync))
    page = _open_page(qtbot, seat)
    try:
        qtbot.waitUntil(lambda: _row(page, call_id) >= 0, timeout=10_000)
        fetched = seat.missed_calls.fetched_at
        assert fetched is not None and page.offline_label.text() == ""

        transport.down = True  # the cable pulled
        with qtbot.waitSignal(seat.missed_calls.changed, timeout=10_000):
            qtbot.keyClick(page.table, Qt.Key.Key_F5)
        assert seat.missed_calls.offline
        assert page.offline_label.isVisible()
        assert page.offline_label.text() == page.offline_text(fetched)
        assert _cell(page, call_id, M.NUMBER) == _masked(phone)  # the last list stays

        transport.down = False
        with qtbot.waitSignal(seat.missed_calls.changed, timeout=10_000):
            qtbot.keyClick(page.table, Qt.Key.Key_F5)
        assert not seat.missed_calls.offline and page.offline_label.text() == ""
        assert _row(page, call_id) >= 0
    finally:
        page.set_session(None)
        seat.missed_calls.close()
        run_async(qtbot, client.close())


def test_an_outcome_recorded_offline_waits_in_the_outbox_and_shows_at_once(qtbot: Any, qloop: Any, tmp_path: Path,
                                                                           demo_platform: DemoPlatform,
                                                                           lead: httpx.Client, platform_api) -> None:
    call_id = _miss(lead, _mobile())
    qtbot.waitUntil(lambda: _platform_item(platform_api("agent"), call_id, "open") is not None, timeout=10_000)
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    run_async(qtbot, client.sign_in("agent", DEMO_PASSWORD, "T-10"))
    store = CacheStore(tmp_path / "seat.db")
    sync = SyncService(store, client)  # its uploader runs only when the test says
    service = MissedCallService(client, sync)
    try:
        run_async(qtbot, service.refresh())
        assert service.item(call_id)["callback_attempts"] == 0
        transport.down = True
        run_async(qtbot, service.record_outcome(call_id, "no_answer", "关机"))
        assert store.outbox_size() == 1
        assert service.item(call_id)["callback_attempts"] == 1  # at once
        run_async(qtbot, service.refresh())
        assert service.offline and service.item(call_id)["callback_attempts"] == 1

        transport.down = False  # back, the outcome not uploaded yet: the platform's list is older
        run_async(qtbot, service.refresh())
        assert _platform_item(platform_api("agent"), call_id, "open")["callback_attempts"] == 0
        assert not service.offline and service.item(call_id)["callback_attempts"] == 1

        run_async(qtbot, sync.upload_all())
        assert store.outbox_size() == 0 and store.rejections() == []
        run_async(qtbot, service.refresh())
        assert service.item(call_id)["callback_attempts"] == 1  # counted once
        assert _platform_item(platform_api("agent"), call_id, "open")["callback_note"] == "关机"
    finally:
        service.close()
        run_async(qtbot, sync.stop())
        store.close()
        run_async(qtbot, client.close())


def test_a_burst_of_events_costs_one_request(qtbot: Any, seat: SeatSession, demo_platform: DemoPlatform) -> None:
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    run_async(qtbot, client.sign_in("agent", DEMO_PASSWORD, "T-09"))
    sync = SyncService(seat.store, client)  # not started: the test plays its event stream
    service = MissedCallService(client, sync, refresh_delay_s=0.05)
    try:
        with qtbot.waitSignal(service.changed, timeout=10_000):
            for n in range(5):
                sync.event.emit("missed_call", {"call_id": f"c{n}", "callback_state": "open"})
                sync.event.emit("queue", {"waiting": 0})  # other events do not refresh
        assert transport.seen.count("GET /api/v1/missed-calls") == 1
        assert service.fetched_at is not None and not service.offline
    finally:
        service.close()
        run_async(qtbot, sync.stop())
        run_async(qtbot, client.close())


def test_a_role_that_may_not_work_the_list_is_told_and_stops_asking(qtbot: Any, seat: SeatSession,
                                                                     demo_platform: DemoPlatform) -> None:
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    run_async(qtbot, client.sign_in("dispatcher", DEMO_PASSWORD, "D-01"))
    sync = SyncService(seat.store, client)  # not started: the test plays its event stream
    service = MissedCallService(client, sync, refresh_delay_s=0.01)
    try:
        assert run_async(qtbot, service.refresh()) == []
        assert service.error and not service.offline and not service.allowed
        sync.event.emit("missed_call", {"call_id": "c1", "callback_state": "open"})
        assert service._soon is None  # nothing scheduled
        assert transport.seen.count("GET /api/v1/missed-calls") == 1
    finally:
        service.close()
        run_async(qtbot, sync.stop())
        run_async(qtbot, client.close())


def test_signed_out_page(qtbot: Any) -> None:
    page = MissedCallsPage()
    qtbot.addWidget(page)
    assert page.page_title() == page.tr("Missed calls")
    assert page.model.rowCount() == 0 and not page.panel.isVisible()
    assert not page.call_back_action.isEnabled() and not page.refresh_action.isEnabled()
    help_keys = {a.shortcut().toString() for a in page.actions_for_help}
    assert {"1", "2", "3", "4", "5", "F5", "Return", "Ctrl+Return", "Esc"} <= help_keys
