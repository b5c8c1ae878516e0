"""The team lead's wallboard against the real platform: agents change state through the API, the
lead injects calls, one is answered, one abandoned, and after each change the page's widgets show
the new numbers within a second (pushed by the platform's "wallboard" events)."""
from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from domain import clock
from offline_cache import lists
from tests.ui.conftest import DEMO_PASSWORD, run_async
from tests.ui.test_reviews import seat_service
from tests.workstation.faults import FaultyTransport
from ui.wallboard import AgentsModel, WallboardPage, duration
from workstation.demo import DemoPlatform
from workstation.desk_lists import WallboardService
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession

LIVE_MS = 1000  # the promise: a change on the platform shows within a second


def _mobile() -> str:
    return f"137{random.randint(0, 99_999_999):08d}"  # noqa: S311 - a test number


@pytest.fixture
def lead_seat(qtbot: Any, qloop: Any, demo_platform: DemoPlatform, data_home: Path) -> Iterator[SeatSession]:
    """The team lead signed in, over a transport the test can cut."""
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    client.transport = transport  # for the tests that cut the link
    run_async(qtbot, client.sign_in("lead", DEMO_PASSWORD, "T-LEAD"))
    session = run_async(qtbot, SeatSession.open(client, "T-LEAD", data_home))
    qtbot.waitUntil(lambda: session.store.get_state("cursor") is not None, timeout=20_000)
    yield session
    run_async(qtbot, session.close())
    run_async(qtbot, client.close())


class OnlineAgent:
    """An agent whose workstation is connected to the event stream (the router offers calls only
    to those), hearing the calls offered to it."""

    def __init__(self, client: PlatformClient) -> None:
        self.client = client
        self.events: list[tuple[str, dict]] = []
        self.task: asyncio.Task | None = None

    async def _listen(self) -> None:
        async for name, data in self.client.events():
            self.events.append((name, data))

    def ringing(self) -> list[str]:
        return [d["call_id"] for n, d in self.events if n == "call" and d.get("type") == "ringing"]


@pytest.fixture
def agent2(qtbot: Any, qloop: Any, demo_platform: DemoPlatform,
           platform_api: Callable[[str], httpx.Client]) -> Iterator[OnlineAgent]:
    client = PlatformClient(demo_platform.url)
    run_async(qtbot, client.sign_in("agent2", DEMO_PASSWORD, "T-22"))
    agent = OnlineAgent(client)
    agent.task = asyncio.ensure_future(agent._listen())
    qtbot.waitUntil(lambda: any(n == "hello" for n, _ in agent.events), timeout=10_000)
    yield agent
    api = platform_api("agent2")
    for call_id in agent.ringing():
        api.post(f"/api/v1/calls/{call_id}/hangup")  # refused when it has ended already: fine
    api.post("/api/v1/agent/state", json={"state": "not_ready"})
    agent.task.cancel()
    run_async(qtbot, client.close())


def _open(qtbot: Any, seat: SeatSession | None) -> WallboardPage:
    page = WallboardPage()
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    with qtbot.waitActive(page):
        page.activateWindow()  # shortcuts need an active window
    page.set_session(seat)
    return page


def _tile(page: WallboardPage, name: str) -> str:
    label = page.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


def _agent_row(page: WallboardPage, username: str) -> int:
    return next((r for r in range(page.agents.rowCount()) if page.agents.item(r)["username"] == username), -1)


def _agent_state(page: WallboardPage, username: str) -> str | None:
    row = _agent_row(page, username)
    return page.agents.index(row, 0).data(AgentsModel.StateRole) if row >= 0 else None


def _agent_time(page: WallboardPage, username: str) -> str:
    row = _agent_row(page, username)
    return page.agents.index(row, AgentsModel.TIME).data() if row >= 0 else ""


def _hour_bars(page: WallboardPage, key: str) -> float:
    return page.bar_sets[key].at(clock.now().hour)


def _board(lead: httpx.Client) -> dict:
    r = lead.get("/api/v1/wallboard")
    assert r.status_code == 200, r.text
    return r.json()


def _hour(board: dict, key: str) -> int:
    hour = clock.now().hour
    return next((int(h[key]) for h in board["by_hour"] if h["hour"] == hour), 0)


def test_the_wallboard_follows_the_platform_within_a_second(qtbot: Any, lead_seat: SeatSession, agent2: OnlineAgent,
                                                            platform_api: Callable[[str], httpx.Client]) -> None:
    lead, api = platform_api("lead"), platform_api("agent2")
    page = _open(qtbot, lead_seat)
    qtbot.waitUntil(lambda: page.service.data is not None, timeout=10_000)
    assert _tile(page, "wallboardWaiting") != "—"

    # agent2 goes not ready: the row and the count by state follow
    assert api.post("/api/v1/agent/state", json={"state": "not_ready", "reason": "培训"}).status_code == 200
    qtbot.waitUntil(lambda: _agent_state(page, "agent2") == "not_ready", timeout=LIVE_MS)
    assert page.agents.index(_agent_row(page, "agent2"), AgentsModel.REASON).data() == "培训"
    page.agents_view.setCurrentIndex(page.agents.index(_agent_row(page, "agent2"), 0))  # the lead watches agent2
    before = _board(lead)
    not_ready = before["agents_by_state"]["not_ready"]
    qtbot.waitUntil(lambda: page.state_counts["not_ready"].text().endswith(f" {not_ready}"), timeout=LIVE_MS)

    # a call arrives and nobody is ready: one more waiting, and the day's chart counts it
    r = lead.post("/api/v1/calls", json={"caller_phone": _mobile(), "patience_s": 600})
    assert r.status_code == 201, r.text
    qtbot.waitUntil(lambda: _tile(page, "wallboardWaiting") == str(before["waiting"] + 1), timeout=LIVE_MS)
    qtbot.waitUntil(lambda: _hour_bars(page, "arrived") == _hour(before, "arrived") + 1, timeout=LIVE_MS)

    # agent2 goes ready: the oldest waiting call rings there
    assert api.post("/api/v1/agent/state", json={"state": "ready"}).status_code == 200
    qtbot.waitUntil(lambda: _agent_state(page, "agent2") == "ringing", timeout=LIVE_MS)
    qtbot.waitUntil(lambda: _tile(page, "wallboardWaiting") == str(before["waiting"]), timeout=LIVE_MS)

    # agent2 answers it
    qtbot.waitUntil(lambda: bool(agent2.ringing()), timeout=5_000)
    r = api.post(f"/api/v1/calls/{agent2.ringing()[-1]}/answer")
    assert r.status_code == 200, r.text
    qtbot.waitUntil(lambda: _tile(page, "wallboardAnswered") == str(before["answered_today"] + 1), timeout=LIVE_MS)
    qtbot.waitUntil(lambda: _agent_state(page, "agent2") == "talking", timeout=LIVE_MS)
    level = _board(lead)["service_level_15s"]
    assert level is not None  # answered within 15 s of arrival: counted
    qtbot.waitUntil(lambda: _tile(page, "wallboardServiceLevel") == f"{level * 100:.0f}%", timeout=LIVE_MS)

    # agent2 hangs up: after-call work; a caller who gives up at once is abandoned
    assert api.post(f"/api/v1/calls/{agent2.ringing()[-1]}/hangup").status_code == 200
    qtbot.waitUntil(lambda: _agent_state(page, "agent2") == "after_call_work", timeout=LIVE_MS)
    r = lead.post("/api/v1/calls", json={"caller_phone": _mobile(), "patience_s": 0.2})
    assert r.status_code == 201, r.text
    qtbot.waitUntil(lambda: _tile(page, "wallboardAbandoned") == str(before["abandoned_today"] + 1), timeout=LIVE_MS)
    qtbot.waitUntil(lambda: _hour_bars(page, "abandoned") == _hour(before, "abandoned") + 1, timeout=LIVE_MS)
    assert _hour_bars(page, "arrived") == _hour(before, "arrived") + 2
    assert _hour_bars(page, "answered") == _hour(before, "answered") + 1
    assert page.offline_label.text() == "" and page.error_label.text() == ""
    assert page.agents_view.currentIndex().row() == _agent_row(page, "agent2")  # through every update


def test_time_in_state_runs_on_between_updates(qtbot: Any, lead_seat: SeatSession, agent2: OnlineAgent,
                                               platform_api: Callable[[str], httpx.Client]) -> None:
    api = platform_api("agent2")
    assert api.post("/api/v1/agent/state", json={"state": "break", "reason": "午休"}).status_code == 200
    ticks = [1000.0]  # the service's monotonic clock, driven by the test
    service = WallboardService(lead_seat.client, lead_seat.sync, monotonic=lambda: ticks[0])
    with seat_service(lead_seat, "wallboard", service):
        page = _open(qtbot, lead_seat)
        qtbot.waitUntil(lambda: _agent_state(page, "agent2") == "break", timeout=10_000)
        lead_seat.sync.event.disconnect(service._on_event)  # no more updates from the platform
        assert page.ticker.isActive() and page.ticker.interval() == 1000
        shown = _agent_time(page, "agent2")
        seconds = page.agents.index(_agent_row(page, "agent2"), 0).data(AgentsModel.SecondsRole)
        ticks[0] += 65
        page.ticker.timeout.emit()  # the page's own tick, a second later in its clock's eyes
        later = page.agents.index(_agent_row(page, "agent2"), 0).data(AgentsModel.SecondsRole)
        assert later == seconds + 65
        assert _agent_time(page, "agent2") == duration(later) != shown
        page.set_session(None)


def test_offline_keeps_the_last_figures_with_their_time(qtbot: Any, lead_seat: SeatSession) -> None:
    page = _open(qtbot, lead_seat)
    service = page.service
    qtbot.waitUntil(lambda: service.data is not None, timeout=10_000)
    # the figures are kept in the seat's cache for the next start
    qtbot.waitUntil(lambda: lists.load(lead_seat.store, "wallboard") is not None, timeout=5_000)
    transport = lead_seat.client.transport
    lead_seat.sync.event.disconnect(service._on_event)  # the stream is cut too: no more pushes
    try:
        transport.down = True
        with qtbot.waitSignal(page.refresh_action.triggered, timeout=2_000):
            qtbot.keyClick(page.agents_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: service.offline, timeout=5_000)
        when = clock.parse(service.data["at"]).astimezone(clock.CENTRE_TZ).strftime("%H:%M:%S")
        assert page.offline_label.isVisible()
        assert page.offline_label.text() == page.offline_words(when)
        assert _tile(page, "wallboardWaiting") == str(service.data["waiting"])  # the last figures stay
        assert service.elapsed() == service.offline_since - service.received  # offline, the times stop

        # a new start offline shows what the cache kept, with its time
        cold = WallboardService(lead_seat.client, lead_seat.sync)
        # no pushes for it either: the seat's event stream, opened before the cut, is still alive
        # (the injected fault fails new requests only), and a push would bring it back online
        lead_seat.sync.event.disconnect(cold._on_event)
        with seat_service(lead_seat, "wallboard", cold):
            second = WallboardPage()  # the page takes the seat's service when it has one
            qtbot.addWidget(second)
            second.set_session(lead_seat)
            qtbot.waitUntil(lambda: cold.data is not None and cold.offline, timeout=5_000)
            kept = clock.parse(cold.data["at"]).astimezone(clock.CENTRE_TZ).strftime("%H:%M:%S")
            assert second.offline_label.text() == second.offline_words(kept)
            assert _tile(second, "wallboardAnswered") == str(cold.data["answered_today"])
            assert cold.elapsed() == 0.0  # figures from the cache do not run on
            second.set_session(None)

        transport.down = False
        with qtbot.waitSignal(service.changed, timeout=5_000):
            qtbot.keyClick(page.agents_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: not service.offline and page.offline_label.text() == "", timeout=5_000)
    finally:
        transport.down = False
        lead_seat.sync.event.connect(service._on_event)


def test_an_agent_is_refused_the_wallboard_with_the_platforms_reason(qtbot: Any, seat: SeatSession) -> None:
    page = _open(qtbot, seat)  # the demo agent: no queue.watch
    qtbot.waitUntil(lambda: page.error_label.isVisible(), timeout=10_000)
    service = page.service
    assert not service.allowed and service.data is None
    assert service.error and page.error_label.text() == page.list_refused_text(service.error)
    assert _tile(page, "wallboardWaiting") == "—"
    page.set_session(None)


def test_signed_out_page_and_its_help(qtbot: Any, qtmodeltester: Any) -> None:
    page = _open(qtbot, None)
    assert page.page_title() == page.tr("Wallboard")
    assert page.status_label.text() == page.signed_out_text()
    assert [a.objectName() for a in page.actions_for_help] == ["refreshWallboardAction"]
    assert all(not a.shortcut().isEmpty() for a in page.actions_for_help)
    assert not page.refresh_action.isEnabled()
    page.agents.set_agents([{"user_id": 1, "username": "a", "display_name": "甲", "state": "ready", "reason": "",
                             "since_s": 75.0},
                            {"user_id": 2, "username": "b", "display_name": "乙", "state": "talking", "reason": "",
                             "since_s": 5.0}], 0.0)
    qtmodeltester.check(page.agents)
    assert page.agents.item(0)["username"] == "b"  # busy with a caller first
    assert page.agents.index(1, AgentsModel.TIME).data() == "1:15"
    assert duration(3725) == "1:02:05"
