"""The centre on a simulated clock: calls, agents, handling units, reviews and callbacks run through
the real platform's router and mutations; the figures agree with the orders; every stamp is
simulated time; the supervision sweep runs on the simulated clock; the department simulator also
runs in a live platform, as in the demo."""
from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from central import db, metrics
from central.departments import OfficeRates
from central.simclock import VirtualScheduler
from central.simulate import Simulation
from central.store import Database
from domain import clock
from tests.conftest import Api
from tests.platform.test_cli import cli
from tests.platform.test_wallboard import Driven
from tests.platform.test_work_orders import mutation, new_order

START = datetime(2026, 3, 2, 8, 0, tzinfo=clock.CENTRE_TZ)  # a Monday morning
FAST_OFFICE = replace(OfficeRates().faster(30), return_rate=0.15, extension_rate=0.15)

# an urgent order a unit is working on, due half an hour into the simulation
LATE = "20260301000099"


async def _late_order(url: str) -> None:
    due = clock.stamp(START + timedelta(minutes=30))
    created = clock.stamp(START - timedelta(hours=20))
    database = Database(url)
    try:
        async with database.write() as conn:
            await conn.execute(db.work_orders.insert().values(
                number=LATE, status="in_progress", request_type="help", urgency="urgent", category_id="010103",
                title="t", content="c", caller_phone="13800138000", handling_unit_id="B01", assisting_unit_ids=[],
                deadline=due, created_at=created, updated_at=created, version=1,
                units=[{"unit_id": "B01", "role": "lead", "state": "in_progress", "deadline": due}]))
            await conn.execute(db.order_units.insert().values(
                number=LATE, dispatch_round=1, unit_id="B01", role="lead", state="in_progress", deadline=due,
                dispatched_at=created, signed_at=created))
    finally:
        await database.close()


async def _facts(url: str, first: str, after: str) -> dict:
    database = Database(url)
    o, t, c = db.work_orders, db.order_timeline, db.calls
    try:
        async with database.read() as conn:
            async def scalar(stmt):  # noqa: ANN001, ANN202
                return (await conn.execute(stmt)).scalar_one()
            closing = select(t.c.number).where(t.c.action.in_(("close_at_intake", "close")))
            approved = select(t.c.number).where(t.c.action == "review_unreasonable")
            return {
                "figures": await metrics.compute(conn, START.date(), START.date()),
                "calls": await scalar(select(func.count()).select_from(c).where(c.c.arrived_at >= first,
                                                                                c.c.arrived_at < after)),
                "created": await scalar(select(func.count()).select_from(o).where(o.c.created_at >= first,
                                                                                  o.c.created_at < after)),
                "closed": await scalar(select(func.count()).select_from(o).where(
                    o.c.status.in_(("closed", "closed_at_intake")))),
                "closing_steps": await scalar(select(func.count(func.distinct(t.c.number))).where(
                    t.c.number.in_(closing) | (t.c.number.in_(approved) & t.c.number.in_(
                        select(o.c.number).where(o.c.unreasonable_repeat.is_(True)))))),
                "stamps": (await conn.execute(select(func.min(t.c.at), func.max(t.c.at)))).one(),
                "statuses": dict((await conn.execute(select(o.c.status, func.count()).group_by(o.c.status))).all()),
                "actions": dict((await conn.execute(select(t.c.action, func.count()).group_by(t.c.action))).all()),
                "supervisions": [dict(r) for r in (await conn.execute(
                    select(db.supervisions).where(db.supervisions.c.number == LATE)
                    .order_by(db.supervisions.c.id))).mappings()],
                "reviews": await scalar(select(func.count()).select_from(db.reviews)),
                # call records are whole: an ended call has its end, an answered one its agent
                "broken_calls": await scalar(select(func.count()).select_from(c).where(
                    ((c.c.state == "ended") & c.c.ended_at.is_(None))
                    | (c.c.answered_at.is_not(None) & c.c.agent_id.is_(None)))),
            }
    finally:
        await database.close()


def test_two_simulated_hours_agree_with_the_orders(db_url):
    asyncio.run(_late_order(db_url))
    sim = Simulation(db_url, days=2 / 24, calls_per_hour=120, seed=3, start=START, office_rates=FAST_OFFICE)
    summary = asyncio.run(sim.run())
    first, after = clock.stamp(START), clock.stamp(START + timedelta(hours=2))
    facts = _facts_of(db_url, first, after)
    f = facts["figures"]

    assert summary["calls"] == facts["calls"] == f["calls_arrived"] == sim.calls > 150
    assert facts["broken_calls"] == 0
    assert 0 < summary["answered"] and summary["answered"] + summary["abandoned"] <= summary["calls"]
    # every order the agents made was created in the simulated period; one create per recorded intake
    assert summary["orders"] == f["orders_total"] == facts["created"] == sum(summary["intake"].values())
    # closed orders counted once: as many as orders that are closed, and as orders with a closing step
    assert summary["closed"] == f["orders_closed"] == facts["closed"] == facts["closing_steps"] > 0
    rates = [v for k, v in f.items() if "_rate" in k]
    assert len(rates) == 8 and all(v is None or 0 <= v <= 1 for v in rates)
    assert f["satisfaction_rate"] is not None and f["resolution_rate"] is not None
    # the whole lifecycle ran: dispatched, signed, replied, called back and closed or reopened, reviewed
    for action in ("create", "dispatch", "close_at_intake", "sign", "reply", "callback", "close",
                   "apply_return", "review_return", "apply_extension", "review_extension"):
        assert facts["actions"].get(action, 0) > 0, action
    assert facts["reviews"] > 0 and summary["office_actions"] > 0 and summary["callbacks"] > 0
    # every timeline stamp is simulated time, none real
    assert first <= facts["stamps"][0] and facts["stamps"][1] < after


def _facts_of(url: str, first: str, after: str) -> dict:
    return asyncio.run(_facts(url, first, after))


def test_the_supervision_sweep_runs_on_the_simulated_clock(db_url):
    asyncio.run(_late_order(db_url))
    quiet = replace(FAST_OFFICE, reply_median_s=100 * 3600.0, return_rate=0.0, extension_rate=0.0)
    sim = Simulation(db_url, days=1 / 24, calls_per_hour=10, seed=5, start=START, office_rates=quiet)
    asyncio.run(sim.run())
    facts = _facts_of(db_url, clock.stamp(START), clock.stamp(START + timedelta(hours=1)))
    found = [(s["kind"], s["reason"], s["created_by"]) for s in facts["supervisions"]]
    assert found == [("remind", "near_deadline", "system"), ("supervise", "overdue", "system")]
    reminded, supervised = (clock.parse(s["created_at"]) for s in facts["supervisions"])
    # the sweep runs every simulated minute: the reminder at the first sweep, the supervision at the
    # first sweep after the deadline (08:30)
    assert reminded == START + timedelta(minutes=1)
    assert START + timedelta(minutes=30) < supervised <= START + timedelta(minutes=31)


def test_the_virtual_scheduler_runs_timers_in_time_order():
    sched = VirtualScheduler(START)
    seen: list[tuple[str, float]] = []

    def note(name: str) -> None:
        seen.append((name, sched.now()))
        if name == "a":
            sched.call_later(1.0, note, "a+1")  # a timer set by a timer

    sched.call_later(5.0, note, "c")
    sched.call_later(2.0, note, "a")
    sched.call_later(2.0, note, "b")  # same moment: in the order they were set
    sched.call_later(4.0, note, "cancelled").cancel()
    sched.call_later(30.0, note, "later")
    settled = []

    async def settle() -> None:
        settled.append(sched.now())

    asyncio.run(sched.run_until(10.0, settle))
    assert seen == [("a", 2.0), ("b", 2.0), ("a+1", 3.0), ("c", 5.0)]
    assert settled == [2.0, 2.0, 3.0, 5.0] and sched.now() == 10.0
    assert sched.moment() == START + timedelta(seconds=10) and sched.pending() == 1


def test_the_cli_prints_a_one_line_summary(tmp_path, sqlite_template):
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    out = cli("simulate", "--db", url, "--days", "0.02", "--calls-per-hour", "60", "--seed", "1",
              "--start", "2026-03-02")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert len(lines) == 1
    assert {"calls", "answered", "abandoned", "orders", "closed", "wall_s"} <= set(summary)
    assert summary["from"] == "2026-03-02" and summary["calls"] > 0


@pytest.fixture
def departments_platform(db_url):
    """A running platform with the department simulator (as the demo runs it), on a clock the test
    drives."""
    quick = OfficeRates(poll_s=0.1, spread=0.1, sign_median_s=0.2, reply_median_s=0.3, return_rate=0.0,
                        extension_rate=0.0, law_enforcement_rate=0.0, mediation_rate=0.0)
    platform = Driven(db_url, departments=quick, seed=1)
    yield platform
    platform.stop()


def test_the_department_simulator_handles_a_dispatched_order_in_a_running_platform(departments_platform):
    agent = Api(departments_platform.url, "agent", "A-01")
    try:
        number = agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
        r = agent.post("/api/v1/mutations", json=mutation("dispatch", {"handling_unit_id": "B01"}, number))
        assert r.status_code == 200, r.text
        departments_platform.advance(10.0)  # signed and replied within a few of the quick seconds
        order = agent.get(f"/api/v1/work-orders/{number}").json()
        assert order["status"] == "replied"
        steps = [(t["action"], t["actor"]) for t in order["timeline"]]
        assert steps[-2:] == [("sign", "simulator"), ("reply", "simulator")]
        assert order["reply"]
    finally:
        agent.client.close()
