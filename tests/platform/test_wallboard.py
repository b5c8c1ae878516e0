"""The team lead's wallboard: served by GET /api/v1/wallboard and pushed on the lead's event stream
within a second of a change (at most every 500 ms, at least once a second); agents never get it."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import pytest

from central import db
from central.platform import Platform
from central.routing import DayTally
from central.server import ThreadedPlatform
from central.simclock import VirtualScheduler
from central.store import Database
from domain import clock
from tests.conftest import Api
from tests.platform.test_events import events
from tests.platform.test_work_orders import mutation, new_order


def board_where(stream, predicate) -> dict:  # noqa: ANN001
    """The first wallboard on the stream that satisfies predicate. On the driven clock every push
    due has been made before this reads, so one that never came fails on the stream's read
    timeout."""
    return stream.until(lambda e, d: e == "wallboard" and predicate(d))[-1][1]


def agent_row(board: dict, username: str) -> dict:
    return next(a for a in board["agents"] if a["username"] == username)


class Driven:
    """The real platform on a loopback port, on a clock the test moves on (central/simclock.py):
    the router's and the wallboard's timers fire only in `advance`, so a test of timing reads exact
    times, however busy the machine."""

    def __init__(self, url: str, **options) -> None:  # noqa: ANN003
        self.clock = VirtualScheduler(clock.now())
        self.server = ThreadedPlatform(Platform(url, scheduler=self.clock, **options)).start()
        self.url = self.server.url

    def advance(self, seconds: float) -> None:
        """Run every timer due in the next `seconds`, each with the writes it started."""
        until = self.clock.now() + seconds
        self.server.run_coroutine(self.clock.run_until(until, self.server.platform.drain))

    def watch(self, user_id: int) -> Callable[[], list[tuple[float, dict]]]:
        """Subscribe as the user, in the platform (what their event stream reads); the returned
        function takes the wallboards pushed since, each with the clock's time when it was taken."""
        async def subscribe():  # noqa: ANN202
            return self.server.platform.broker.subscribe(user_id)
        sub = self.server.run_coroutine(subscribe())

        async def take() -> list[tuple[float, dict]]:
            return [(self.clock.now(), event.data) for event in sub.take() if event.name == "wallboard"]
        return lambda: self.server.run_coroutine(take())

    def left(self, user_id: int) -> threading.Event:
        """Set once the user's last event stream has gone, as the platform sees it."""
        gone = threading.Event()

        def hook(who: int, connected: bool) -> None:
            if who == user_id and not connected:
                gone.set()

        async def add() -> None:
            self.server.platform.broker.on_presence.append(hook)
        self.server.run_coroutine(add())
        return gone

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture
def driven(db_url) -> Iterator[Driven]:
    platform = Driven(db_url)
    yield platform
    platform.stop()


def test_the_leads_stream_shows_each_change_within_a_second(driven):
    agent, lead = Api(driven.url, "agent", "A-01"), Api(driven.url, "lead", "L-01")

    def within_a_second(predicate) -> dict:  # noqa: ANN001
        driven.advance(1.0)
        return board_where(board_stream, predicate)

    try:
        with events(lead) as board_stream, events(agent) as agent_stream:
            assert agent.post("/api/v1/agent/state", json={"state": "ready"}).status_code == 200
            board = within_a_second(lambda d: any(a["username"] == "agent" and a["state"] == "ready"
                                                  for a in d["agents"]))
            row = agent_row(board, "agent")
            assert row["display_name"] == "话务员 王晓梅" and row["user_id"] == agent.session["user"]["id"]
            assert board["agents_by_state"]["ready"] == 1 and board["waiting"] == 0

            hour = clock.now().hour
            call = lead.post("/api/v1/calls", json={"caller_phone": "13800138000"}).json()["call_id"]
            board = within_a_second(lambda d: d["offered_today"] == 1)
            assert agent_row(board, "agent")["state"] == "ringing"
            assert [h["hour"] for h in board["by_hour"] if h["arrived"]] in ([hour], [clock.now().hour])

            agent_stream.until(lambda e, d: e == "call" and d["type"] == "ringing")
            assert agent.post(f"/api/v1/calls/{call}/answer").status_code == 200
            board = within_a_second(lambda d: d["answered_today"] == 1)
            assert agent_row(board, "agent")["state"] == "talking"
            assert board["service_level_15s"] == 1.0 and board["agents_by_state"]["talking"] == 1

            # the only agent is busy: the next caller waits, then gives up after 1.5 s
            lead.post("/api/v1/calls", json={"caller_phone": "13900139000", "patience_s": 1.5})
            board = within_a_second(lambda d: d["waiting"] == 1)
            assert board["abandoned_today"] == 0
            driven.advance(0.5)  # the caller gives up now
            board = within_a_second(lambda d: d["abandoned_today"] == 1)
            assert (board["offered_today"], board["answered_today"], board["waiting"]) == (2, 1, 0)
            assert board["service_level_15s"] == 0.5
            assert sum(h["abandoned"] for h in board["by_hour"]) == 1
    finally:
        agent.client.close()
        lead.client.close()


def test_pushes_are_throttled_to_500_ms_and_come_every_second_when_idle(driven):
    agent, lead = Api(driven.url, "agent", "A-01"), Api(driven.url, "lead", "L-01")
    try:
        with events(agent):
            pushes = driven.watch(lead.session["user"]["id"])
            driven.advance(0.0)
            seen = pushes()
            step = 0.125  # a binary fraction: the clock's times add up exactly
            # a change every step for 1.5 s, then none for 3 s
            for i in range(36):
                if i < 12:
                    state = {"state": "break" if i % 2 else "not_ready", "reason": str(i)}
                    assert agent.post("/api/v1/agent/state", json=state).status_code == 200
                driven.advance(step)
                seen += pushes()
    finally:
        agent.client.close()
        lead.client.close()
    # the lead connected at 0: a wallboard at once; while things change, one each 500 ms; then one a
    # second, with the time in state moving on (the last change was at 1.375 s)
    assert [at for at, _ in seen] == [0.0, 0.5, 1.0, 1.5, 2.5, 3.5, 4.5]
    assert [agent_row(board, "agent")["since_s"] for _, board in seen[-3:]] == [1.1, 2.1, 3.1]
    assert agent_row(seen[-1][1], "agent")["reason"] == "11"


def test_once_stopped_the_wallboard_pushes_no_more(driven):
    """Stopping is cancelling the next push's timer: nothing to wait for, however a change and the
    stop fall (the loop it replaced could swallow its cancellation and hang the platform's stop)."""
    agent, lead = Api(driven.url, "agent", "A-01"), Api(driven.url, "lead", "L-01")
    try:
        pushes = driven.watch(lead.session["user"]["id"])
        driven.advance(0.0)
        assert len(pushes()) == 1
        assert agent.post("/api/v1/agent/state", json={"state": "ready"}).status_code == 200  # a push due
        driven.server.run_coroutine(driven.server.platform.wallboard.stop())
        driven.advance(5.0)
        assert pushes() == []
    finally:
        agent.client.close()
        lead.client.close()


def test_agents_do_not_get_the_wallboard(driven):
    agent, lead = Api(driven.url, "agent", "A-01"), Api(driven.url, "lead", "L-01")
    try:
        with events(lead) as lead_stream, events(agent) as agent_stream:
            driven.advance(0.0)
            board_where(lead_stream, lambda d: True)
            # a change everyone hears about, after the lead's wallboard was published
            agent.post("/api/v1/mutations", json=mutation("create", new_order()))
            driven.advance(1.0)
            seen = agent_stream.until(lambda e, d: e == "changes")
            assert "wallboard" not in {e for e, _ in seen}
        assert agent.get("/api/v1/wallboard").status_code == 403
        assert lead.get("/api/v1/wallboard").status_code == 200
    finally:
        agent.client.close()
        lead.client.close()


def _order(number: str, status: str, deadline: datetime | None, urgency: str = "normal") -> dict:
    now = clock.stamp()
    return {"number": number, "client_ref": None, "status": status, "request_type": "complaint",
            "urgency": urgency, "category_id": "010103", "title": "t", "content": "c", "caller_phone": "13800138000",
            "requester_name": "", "confidential": False, "address_district": "", "address_street": "",
            "handling_unit_id": "B01", "assisting_unit_ids": [], "answer": "", "reject_reason": None,
            "transfer_target": None, "deadline": clock.stamp(deadline) if deadline else None,
            "deadline_provisional": False, "created_at": now, "updated_at": now, "created_by": None, "version": 1}


async def _insert(url: str, table, rows: list[dict]) -> None:  # noqa: ANN001
    database = Database(url)
    try:
        async with database.write() as conn:
            await conn.execute(table.insert(), rows)
    finally:
        await database.close()


def _unit(number: str, unit_id: str, state: str, deadline: datetime, role: str = "lead") -> dict:
    return {"number": number, "dispatch_round": 1, "unit_id": unit_id, "role": role, "state": state,
            "deadline": clock.stamp(deadline), "deadline_provisional": False, "dispatched_at": clock.stamp()}


def test_orders_near_and_over_their_deadline(platform, sign_in, db_url):
    now = clock.now()
    hours, days = (lambda n: now + timedelta(hours=n)), (lambda n: now + timedelta(days=n))
    cases = [  # number, order status, urgency, [(unit state, its deadline, role)]
        ("01", "in_progress", "normal", [("in_progress", hours(-1), "lead")]),  # overdue
        ("02", "dispatched", "normal", [("dispatched", days(-3), "lead")]),  # overdue
        ("03", "dispatched", "normal", [("dispatched", hours(3), "lead")]),  # near
        ("04", "in_progress", "normal", [("in_progress", days(40), "lead")]),  # far
        ("05", "extension_review", "urgent", [("extension_review", hours(1), "lead")]),  # near (urgent: 2 h)
        ("06", "in_progress", "urgent", [("in_progress", hours(5), "lead")]),  # far for an urgent order
        # the assisting unit is late although the lead is not: overdue, counted once
        ("07", "in_progress", "normal", [("in_progress", days(40), "lead"), ("dispatched", hours(-2), "assisting"),
                                         ("in_progress", hours(-1), "assisting")]),
        # the late assisting unit has replied: only the lead's deadline counts, and it is far
        ("08", "in_progress", "normal", [("in_progress", days(40), "lead"), ("replied", days(-2), "assisting")]),
        ("09", "replied", "normal", [("replied", days(-1), "lead")]),  # replied: not the units' any more
        ("10", "closed", "normal", [("replied", days(-1), "lead")]),
        ("11", "accepted", "normal", [("returned", days(-1), "lead")]),  # returned, waiting to be dispatched again
    ]
    order_rows, unit_rows = [], []
    for suffix, status, urgency, units in cases:
        number = f"209901010000{suffix}"
        order_rows.append(_order(number, status, min(d for _, d, _ in units), urgency))
        unit_rows += [_unit(number, f"B{i + 1:02d}", state, deadline, role)
                      for i, (state, deadline, role) in enumerate(units)]
    asyncio.run(_insert(db_url, db.work_orders, order_rows))
    asyncio.run(_insert(db_url, db.order_units, unit_rows))
    lead, agent = sign_in("lead"), sign_in("agent")
    # an order changing on the platform makes the wallboard count them again at once
    assert agent.post("/api/v1/mutations", json=mutation("create", new_order())).status_code == 200
    board = lead.get("/api/v1/wallboard").json()
    assert (board["orders_near_deadline"], board["orders_overdue"]) == (2, 3)
    assert set(board) >= {"at", "waiting", "longest_wait_s", "agents", "agents_by_state", "service_level_15s",
                          "answered_today", "abandoned_today", "offered_today", "orders_near_deadline",
                          "orders_overdue", "by_hour"}
    assert board["service_level_15s"] is None and len(board["by_hour"]) == 24


def test_a_platform_started_mid_day_counts_the_days_calls_from_the_database(db_url):
    today = clock.now().replace(hour=9, minute=0, second=0, microsecond=0)
    base = {"queue": "12345", "caller_phone": "13800138000", "source": "platform"}

    def call(i: int, arrived: datetime, answered_after: float | None, state: str = "ended") -> dict:
        answered = clock.stamp(arrived + timedelta(seconds=answered_after)) if answered_after is not None else None
        return {**base, "id": f"c{i}", "state": state, "arrived_at": clock.stamp(arrived), "answered_at": answered}

    asyncio.run(_insert(db_url, db.calls, [
        call(1, today, 5), call(2, today + timedelta(minutes=5), 40), call(3, today + timedelta(hours=1), None),
        call(4, today + timedelta(hours=1), None, "ringing"),  # still ringing: arrived, not abandoned
        call(5, today - timedelta(days=1), 3),  # yesterday: not today's
    ]))
    server = ThreadedPlatform(Platform(db_url)).start()
    try:
        lead = Api(server.url, "lead", "L-01")
        board = lead.get("/api/v1/wallboard").json()
        lead.client.close()
    finally:
        server.stop()
    assert (board["offered_today"], board["answered_today"], board["abandoned_today"]) == (4, 2, 1)
    assert board["service_level_15s"] == 0.25
    assert board["by_hour"][9] == {"hour": 9, "arrived": 2, "answered": 2, "abandoned": 0}
    assert board["by_hour"][10] == {"hour": 10, "arrived": 2, "answered": 0, "abandoned": 1}


def test_the_day_tally_starts_afresh_at_midnight():
    evening = datetime(2026, 3, 2, 23, 59, 50, tzinfo=clock.CENTRE_TZ)
    moment = [evening]
    with clock.use(lambda: moment[0]):
        tally = DayTally(date(2026, 3, 2))
        tally.arrive(evening)
        assert tally.figures()["offered_today"] == 1
        moment[0] = evening + timedelta(seconds=20)
        tally.answer(evening, moment[0])  # yesterday's call answered after midnight: not today's
        figures = tally.figures()
        assert (figures["offered_today"], figures["answered_today"], figures["service_level_15s"]) == (0, 0, None)
        tally.arrive(moment[0])
        assert tally.figures()["by_hour"][0]["arrived"] == 1


def test_an_agent_who_let_a_call_ring_out_shows_not_ready_with_the_reason(driven):
    agent, lead = Api(driven.url, "agent", "A-01"), Api(driven.url, "lead", "L-01")
    try:
        pushes = driven.watch(lead.session["user"]["id"])
        gone = driven.left(agent.session["user"]["id"])
        with events(agent):
            agent.post("/api/v1/agent/state", json={"state": "ready"})
            lead.post("/api/v1/calls", json={"caller_phone": "13800138000"})
            driven.advance(20.0)  # the ring timeout
            board = pushes()[-1][1]
            assert agent_row(board, "agent")["state"] == "not_ready"
            assert agent_row(board, "agent")["reason"] == "no_answer" and board["waiting"] == 1
        # the agent's stream is gone: within half a second the seat shows offline
        assert gone.wait(10.0), "the platform did not see the agent's stream end"
        driven.advance(0.5)
        board = pushes()[-1][1]
        assert agent_row(board, "agent")["state"] == "offline"
        assert board["agents_by_state"]["offline"] == 1 and board["agents_by_state"]["not_ready"] == 0
    finally:
        agent.client.close()
        lead.client.close()
