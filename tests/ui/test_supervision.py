"""The supervision page against the real platform: open supervisions and reminders, overdue first;
Ctrl+Shift+S supervises the selected order with a note through the outbox (shown at once, then the
platform's record); a refused supervision shows the platform's reason; offline the last list stays."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt

from domain import clock
from offline_cache import lists
from offline_cache.store import CacheStore
from tests.ui.conftest import DEMO_PASSWORD, run_async
from tests.ui.test_reviews import _dispatched, _mutate, _order, _type, seat_service
from tests.workstation.faults import FaultyTransport
from ui.supervision import OVERDUE, SupervisionModel, SupervisionPage
from workstation.demo import DemoPlatform
from workstation.desk_lists import SupervisionService
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
M = SupervisionModel


@pytest.fixture
def lead_seat(qtbot: Any, qloop: Any, demo_platform: DemoPlatform, data_home: Path) -> Iterator[SeatSession]:
    client = PlatformClient(demo_platform.url)
    run_async(qtbot, client.sign_in("lead", DEMO_PASSWORD, "T-LEAD"))
    session = run_async(qtbot, SeatSession.open(client, "T-LEAD", data_home))
    qtbot.waitUntil(lambda: session.store.get_state("cursor") is not None, timeout=20_000)
    yield session
    run_async(qtbot, session.close())
    run_async(qtbot, client.close())


def _open(qtbot: Any, seat: SeatSession | None) -> SupervisionPage:
    page = SupervisionPage()
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    with qtbot.waitActive(page):
        page.activateWindow()  # shortcuts need an active window
    page.set_session(seat)
    return page


def _rows(page: SupervisionPage, number: str) -> list[dict]:
    return [page.model.item(r) for r in range(page.model.rowCount()) if page.model.item(r)["number"] == number]


def _platform_items(api: httpx.Client, number: str) -> list[dict]:
    r = api.get("/api/v1/supervisions", params={"open": "true"})
    assert r.status_code == 200, r.text
    return [i for i in r.json()["items"] if i["number"] == number]


def _select(qtbot: Any, page: SupervisionPage, number: str) -> None:
    page.table.setFocus()
    target = next(r for r in range(page.model.rowCount()) if page.model.item(r)["number"] == number)
    while page.table.currentIndex().row() != target:
        qtbot.keyClick(page.table, Qt.Key.Key_Down if target > page.table.currentIndex().row() else Qt.Key.Key_Up)


def test_supervise_the_selected_order_from_the_keyboard(qtbot: Any, lead_seat: SeatSession,
                                                        platform_api: Callable[[str], httpx.Client]) -> None:
    agent, lead = platform_api("agent"), platform_api("lead")
    number = _dispatched(agent, "道路积水多日未处理")
    page = _open(qtbot, lead_seat)
    qtbot.waitUntil(lambda: page.service.fetched_at is not None, timeout=10_000)
    _mutate(lead, number, "supervise", {"kind": "remind", "note": "请今日内联系来电人"})
    qtbot.waitUntil(lambda: len(_rows(page, number)) == 1, timeout=10_000)  # by itself, from the feed's event
    row = _rows(page, number)[0]
    assert row["kind"] == "remind" and row["title"] == "道路积水多日未处理"

    _select(qtbot, page, number)
    qtbot.keyClick(page.table, Qt.Key.Key_S, CTRL_SHIFT)
    assert page.panel.isVisible() and page.note_edit.hasFocus()  # the focus goes where one types next
    assert page.number_edit.text() == number
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
    assert page.panel_error.isVisible() and page.panel.isVisible()  # a note is required
    _type(page.note_edit, "超期未办，请说明原因")
    with qtbot.waitSignal(page.service.changed, timeout=2_000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: not page.panel.isVisible(), timeout=2_000)
    assert page.table.hasFocus()
    mine = [r for r in _rows(page, number) if r.get("pending")]
    assert len(mine) == 1 and mine[0]["note"] == "超期未办，请说明原因"  # at once
    assert page.model.index(page.model.row_of(mine[0]["id"]), M.KIND).data().endswith(page.model.tr("sending"))

    qtbot.waitUntil(lambda: lead_seat.store.outbox_size() == 0, timeout=10_000)
    assert lead_seat.store.rejections() == []
    on_platform = _platform_items(lead, number)
    assert sorted(i["kind"] for i in on_platform) == ["remind", "supervise"]
    assert any(i["note"] == "超期未办，请说明原因" and i["created_by"] == "lead" for i in on_platform)
    # the pending row gives way to the platform's record
    qtbot.waitUntil(lambda: len(_rows(page, number)) == 2 and not any(r.get("pending") for r in _rows(page, number)),
                    timeout=10_000)
    page.set_session(None)


def test_overdue_first_and_in_red(qtbot: Any, lead_seat: SeatSession) -> None:
    now = clock.stamp()
    items = [{"id": 1, "number": "N1", "kind": "remind", "reason": "near_deadline", "note": "", "created_by": "system",
              "created_at": now, "deadline": "2030-01-02T18:00:00.000000+08:00"},
             {"id": 2, "number": "N2", "kind": "supervise", "reason": "flagged", "note": "关注", "created_by": "lead",
              "created_at": now},
             {"id": 3, "number": "N3", "kind": "supervise", "reason": "overdue", "note": "", "created_by": "system",
              "created_at": now, "deadline": "2020-01-02T18:00:00.000000+08:00"}]
    # a service that never reads the platform: its list is the one given here
    service = SupervisionService(lead_seat.client, lead_seat.sync)
    service._take({"items": items})
    service.fetched_at = clock.parse(now)
    with seat_service(lead_seat, "supervisions", service):
        service.started = True  # the page's start() reads nothing more
        service.refresh = _nothing  # type: ignore[method-assign]
        page = _open(qtbot, lead_seat)
        assert [page.model.item(r)["number"] for r in range(3)] == ["N3", "N2", "N1"]
        assert page.model.index(0, M.REASON).data() == page.model.reason("overdue")
        assert page.model.index(0, M.REASON).data(Qt.ItemDataRole.ForegroundRole) == OVERDUE
        assert page.model.index(0, M.BY).data() == page.model.tr("system")
        assert page.status_label.text() == page.tr("{count} open supervisions and reminders, {overdue} overdue") \
            .format(count=3, overdue=1)
        page.set_session(None)


async def _nothing() -> None:
    return None


def test_a_supervision_the_platform_refuses_shows_its_reason(qtbot: Any, lead_seat: SeatSession,
                                                             platform_api: Callable[[str], httpx.Client]) -> None:
    agent = platform_api("agent")
    closed = _order(agent, "已直接办结的咨询")
    _mutate(agent, closed, "close_at_intake", {"answer": "已按知识库口径答复。"})
    page = _open(qtbot, lead_seat)
    qtbot.waitUntil(lambda: page.service.fetched_at is not None, timeout=10_000)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_S, CTRL_SHIFT)
    page.number_edit.setText(closed)
    _type(page.note_edit, "请说明情况")
    with qtbot.waitSignal(page.service.rejected, timeout=10_000) as refused:
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
    rejection = refused.args[0]
    assert rejection.entity_id == closed and rejection.op == "supervise"
    assert page.error_label.text() == page.texts.refusal(rejection)
    assert (rejection.message or rejection.code) in page.error_label.text()
    qtbot.waitUntil(lambda: not _rows(page, closed), timeout=5_000)  # the pending row is gone
    page.set_session(None)


def test_offline_the_list_stays_and_a_supervision_waits_in_the_outbox(qtbot: Any, qloop: Any, tmp_path: Path,
                                                                       demo_platform: DemoPlatform,
                                                                       platform_api: Callable[[str], httpx.Client]
                                                                       ) -> None:
    agent, lead = platform_api("agent"), platform_api("lead")
    listed, later = _dispatched(agent, "噪音扰民"), _dispatched(agent, "离线时督办的工单")
    _mutate(lead, listed, "supervise", {"kind": "supervise", "note": "尽快处理"})
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    run_async(qtbot, client.sign_in("lead", DEMO_PASSWORD, "T-LEAD2"))
    store = CacheStore(tmp_path / "lead.db")
    seat = SeatSession(client, store, "T-LEAD2")  # not started: its uploader runs when the test says
    page = _open(qtbot, seat)
    try:
        qtbot.waitUntil(lambda: len(_rows(page, listed)) == 1, timeout=10_000)
        qtbot.waitUntil(lambda: lists.load(store, "supervisions") is not None, timeout=5_000)
        fetched = page.service.fetched_at

        transport.down = True
        with qtbot.waitSignal(page.service.changed, timeout=5_000):
            qtbot.keyClick(page.table, Qt.Key.Key_R, CTRL)
        assert page.service.offline and page.offline_label.isVisible()
        assert page.offline_label.text() == page.offline_text(fetched)
        assert len(_rows(page, listed)) == 1

        qtbot.keyClick(page.table, Qt.Key.Key_S, CTRL_SHIFT)
        page.number_edit.setText(later)
        _type(page.note_edit, "离线督办")
        with qtbot.waitSignal(page.service.changed, timeout=2_000):
            qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
        assert store.outbox_size() == 1
        assert [r.get("pending") for r in _rows(page, later)] == [True]  # at once, offline too
        qtbot.waitUntil(page.notice.isVisible, timeout=2_000)
        assert page.notice.text().endswith(page.texts.tr("(kept here until the platform can be reached)"))

        transport.down = False
        run_async(qtbot, seat.sync.upload_all())
        assert store.outbox_size() == 0 and store.rejections() == []
        assert [i["note"] for i in _platform_items(lead, later)] == ["离线督办"]
        qtbot.waitUntil(lambda: [r.get("pending") for r in _rows(page, later)] == [None], timeout=10_000)
        assert not page.service.offline and page.offline_label.text() == ""
    finally:
        page.set_session(None)
        seat.escalations.close()
        seat.missed_calls.close()
        run_async(qtbot, seat.sync.stop())
        store.close()
        run_async(qtbot, client.close())


def test_an_agent_is_refused_the_supervisions_with_the_platforms_reason(qtbot: Any, seat: SeatSession) -> None:
    page = _open(qtbot, seat)
    qtbot.waitUntil(lambda: page.error_label.isVisible(), timeout=10_000)
    assert not page.service.allowed
    assert page.error_label.text() == page.list_refused_text(page.service.error)
    page.set_session(None)


def test_signed_out_page_keys_and_model(qtbot: Any, qtmodeltester: Any) -> None:
    page = _open(qtbot, None)
    assert page.page_title() == page.tr("Supervision")
    assert page.status_label.text() == page.signed_out_text()
    assert [a.objectName() for a in page.actions_for_help] == [
        "superviseAction", "sendSupervisionAction", "cancelSupervisionAction", "refreshSupervisionsAction"]
    assert page.supervise_action.shortcut().toString() == "Ctrl+Shift+S"
    assert not page.supervise_action.isEnabled()
    page.model.set_items([{"id": "1", "number": "A1", "kind": "supervise", "reason": "overdue", "note": "n",
                           "created_by": "system", "created_at": clock.stamp()},
                          {"id": "local:x", "number": "A2", "kind": "remind", "reason": "flagged", "note": "",
                           "created_by": "lead", "created_at": clock.stamp(), "pending": True}])
    qtmodeltester.check(page.model)
