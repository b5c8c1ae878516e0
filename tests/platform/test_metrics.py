"""The centre's figures over a period, checked against hand-made calls and orders whose figures are
worked out by hand below: each rate, closed orders counted once, null with nothing to count,
law-enforcement and mediation satisfaction apart."""
from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta

import pytest

from central import db, metrics
from central.seed import demo_categories
from central.store import Database
from domain import clock
from tests.platform.test_cli import cli
from tests.platform.test_lifecycle import desk, sim_clock  # noqa: F401 (fixtures)

DAY1, DAY2 = date(2026, 3, 2), date(2026, 3, 3)  # the period: Monday and Tuesday


def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=clock.CENTRE_TZ)


def s(moment: datetime | None) -> str | None:
    return clock.stamp(moment) if moment else None


def call(call_id: str, arrived: datetime, answered_after: float | None = None, ended_after: float | None = None,
         state: str = "ended") -> dict:
    return {"id": call_id, "caller_phone": "13800138000", "queue": "12345", "state": state, "source": "platform",
            "arrived_at": s(arrived),
            "answered_at": s(arrived + timedelta(seconds=answered_after)) if answered_after is not None else None,
            "ended_at": s(arrived + timedelta(seconds=ended_after)) if ended_after is not None else None}


CALLS = [
    call("c1", at(DAY1, 9), 10, 130),                 # answered in 10 s, handled 120 s
    call("c2", at(DAY1, 9, 5), 15, 75),               # answered in exactly 15 s: in time; handled 60 s
    call("c3", at(DAY1, 10), 40, 340),                # answered late; handled 300 s
    call("c4", at(DAY2, 23, 59, 59), None, 20),       # abandoned
    call("c5", at(DAY2, 12), state="ringing"),        # still ringing: arrived, neither answered nor abandoned
    call("c6", at(DAY1 - timedelta(days=1), 23, 59, 59), 3, 30),  # the day before: not in the period
    call("c7", at(DAY2 + timedelta(days=1), 0), None, 5),          # the day after
]
# arrived 5; answered 3 (0.6); within 15 s 2 (0.4); abandoned 1 (0.2); handling (120+60+300)/3 = 160 s


def leaf_under(top: str) -> str:
    parents = {c.parent_id for c in demo_categories()}
    return next(c.id for c in demo_categories() if c.id.startswith(top) and c.id not in parents)


A, B = leaf_under("01"), leaf_under("02")  # two top-level categories, "01" and "02"


def order(number: str, status: str, created: datetime, category: str, unit: str | None = None, *,
          deadline: datetime | None = None, replied: datetime | None = None, closed: datetime | None = None,
          callback: datetime | None = None, satisfaction: str | None = None, resolved: bool | None = None,
          case_kind: str = "normal") -> dict:
    return {"number": number, "client_ref": None, "status": status, "request_type": "complaint",
            "urgency": "normal", "category_id": category, "title": "t", "content": "c",
            "caller_phone": "13800138000", "requester_name": "", "confidential": False, "address_district": "",
            "address_street": "", "handling_unit_id": unit, "assisting_unit_ids": [], "answer": "",
            "reject_reason": None, "transfer_target": None, "deadline": s(deadline), "deadline_provisional": False,
            "created_at": s(created), "updated_at": s(created), "created_by": None, "version": 1,
            "replied_at": s(replied), "closed_at": s(closed), "callback_at": s(callback),
            "satisfaction": satisfaction, "resolved": resolved, "case_kind": case_kind}


FEB = date(2026, 2, 20)
ORDERS = [
    # o1: created and closed at intake in the period; no deadline
    order("o1", "closed_at_intake", at(DAY1, 9), A, closed=at(DAY1, 9, 3)),
    # o2: created before; replied in time, called back satisfied and resolved, closed in the period
    order("o2", "closed", at(FEB, 10), A, "B01", deadline=at(DAY1 + timedelta(days=3), 23, 59, 59),
          replied=at(DAY1 - timedelta(days=1), 16), closed=at(DAY1, 11), callback=at(DAY1, 11),
          satisfaction="satisfied", resolved=True),
    # o3: created in the period, replied late, called back dissatisfied: reopened, not closed
    order("o3", "reopened", at(DAY1, 8), A, "B01", deadline=at(DAY1, 12), replied=at(DAY1, 13),
          callback=at(DAY2, 9), satisfaction="dissatisfied", resolved=False),
    # o4: law enforcement; replied after its deadline, very satisfied and resolved, closed in the period
    order("o4", "closed", at(date(2026, 2, 10), 10), B, "B02", deadline=at(date(2026, 2, 28), 23, 59, 59),
          replied=at(DAY1 - timedelta(days=1), 10), closed=at(DAY1, 15), callback=at(DAY1, 15),
          satisfaction="very_satisfied", resolved=True, case_kind="law_enforcement"),
    # o5: created and closed at intake on the second day
    order("o5", "closed_at_intake", at(DAY2, 10), B, closed=at(DAY2, 10, 4)),
    # o6: mediation; satisfied but not resolved: reopened
    order("o6", "reopened", at(date(2026, 2, 1), 10), B, "B03", deadline=at(date(2026, 2, 20), 23, 59, 59),
          replied=at(date(2026, 2, 19), 10), callback=at(DAY2, 16), satisfaction="satisfied", resolved=False,
          case_kind="mediation"),
    # o7: created in the period, with its unit
    order("o7", "dispatched", at(DAY2, 11), B, "B02", deadline=at(date(2026, 3, 24), 23, 59, 59)),
    # o8: all of it the day before the period
    order("o8", "closed", at(DAY1 - timedelta(days=1), 8), A, "B01", deadline=at(DAY2, 23, 59, 59),
          replied=at(DAY1 - timedelta(days=1), 9), closed=at(DAY1 - timedelta(days=1), 10),
          callback=at(DAY1 - timedelta(days=1), 10), satisfaction="satisfied", resolved=True),
    # o9: an unreasonable repeat request confirmed: closed without a reply or a deadline
    order("o9", "closed", at(DAY1, 14), B, closed=at(DAY1, 17)),
    # o10: merged into another order
    order("o10", "merged", at(DAY1, 15), B),
]
# orders_total (created in the period): o1 o3 o5 o7 o9 o10 = 6
# orders_closed (closed in the period): o1 o2 o4 o5 o9 = 5; with a deadline o2 (on time) o4 (late): 0.5
# reached callbacks in the period: o2 o3 o4 o6 = 4; resolved o2 o4: 0.5
# satisfaction: normal o2 yes o3 no: 0.5; law enforcement o4: 1.0; mediation o6: 1.0


async def _load(url: str, calls: list[dict], orders: list[dict], timeline: list[dict] = ()) -> None:
    database = Database(url)
    try:
        await database.start()
        async with database.write() as conn:
            if calls:
                await conn.execute(db.calls.insert(), calls)
            if orders:
                await conn.execute(db.work_orders.insert(), orders)
            if timeline:
                await conn.execute(db.order_timeline.insert(), list(timeline))
    finally:
        await database.close()


async def _compute(url: str, start: date, end: date) -> dict:
    database = Database(url)
    try:
        async with database.read() as conn:
            return await metrics.compute(conn, start, end)
    finally:
        await database.close()


@pytest.fixture
def loaded(db_url) -> str:
    # o2 was reopened once before it closed: its timeline has two callbacks and a reopening; still one order
    steps = [{"number": "o2", "at": s(at(DAY1, h)), "actor": "agent", "action": a, "detail": {}}
             for h, a in ((9, "callback"), (9, "reopened"), (10, "reply"), (11, "callback"), (11, "close"))]
    asyncio.run(_load(db_url, CALLS, ORDERS, steps))
    return db_url


def test_the_figures_of_a_period_worked_out_by_hand(loaded):
    f = asyncio.run(_compute(loaded, DAY1, DAY2))
    assert (f["from"], f["to"]) == ("2026-03-02", "2026-03-03")
    assert (f["calls_arrived"], f["calls_answered"], f["calls_answered_15s"], f["calls_abandoned"]) == (5, 3, 2, 1)
    assert (f["answer_rate"], f["answered_15s_rate"], f["abandon_rate"], f["avg_handle_s"]) == (0.6, 0.4, 0.2, 160.0)
    assert (f["orders_total"], f["orders_closed"], f["on_time_close_rate"]) == (6, 5, 0.5)
    assert (f["callbacks_reached"], f["resolution_rate"], f["satisfaction_rate"]) == (4, 0.5, 0.5)
    assert (f["satisfaction_rate_law_enforcement"], f["satisfaction_rate_mediation"]) == (1.0, 1.0)


def test_per_unit_and_per_top_level_category(loaded):
    f = asyncio.run(_compute(loaded, DAY1, DAY2))
    assert set(f["by_unit"]) == {"B01", "B02", "B03"}  # o1 o5 o9 o10 have no unit
    b01, b02, b03 = f["by_unit"]["B01"], f["by_unit"]["B02"], f["by_unit"]["B03"]
    # B01: o2 (closed on time, satisfied, resolved) and o3 (created, dissatisfied); o8 is outside
    assert (b01["orders_total"], b01["orders_closed"], b01["on_time_close_rate"]) == (1, 1, 1.0)
    assert (b01["resolution_rate"], b01["satisfaction_rate"], b01["satisfaction_rate_law_enforcement"]) == \
        (0.5, 0.5, None)
    # B02: o4 (law enforcement, closed late) and o7 (created): no normal callback, so no satisfaction rate
    assert (b02["orders_total"], b02["orders_closed"], b02["on_time_close_rate"]) == (1, 1, 0.0)
    assert (b02["satisfaction_rate"], b02["satisfaction_rate_law_enforcement"], b02["resolution_rate"]) == \
        (None, 1.0, 1.0)
    # B03: only o6's callback (mediation, satisfied, not resolved)
    assert (b03["orders_total"], b03["orders_closed"], b03["on_time_close_rate"]) == (0, 0, None)
    assert (b03["resolution_rate"], b03["satisfaction_rate_mediation"]) == (0.0, 1.0)
    assert b01["name"]

    top1, top2 = f["by_category"]["01"], f["by_category"]["02"]
    assert set(f["by_category"]) == {"01", "02"}
    assert (top1["orders_total"], top1["orders_closed"], top1["on_time_close_rate"]) == (2, 2, 1.0)
    assert (top1["resolution_rate"], top1["satisfaction_rate"]) == (0.5, 0.5)
    assert (top2["orders_total"], top2["orders_closed"], top2["on_time_close_rate"]) == (4, 3, 0.0)
    assert (top2["resolution_rate"], top2["satisfaction_rate"]) == (0.5, None)
    assert (top2["satisfaction_rate_law_enforcement"], top2["satisfaction_rate_mediation"]) == (1.0, 1.0)


def test_one_day_of_the_period_alone(loaded):
    f = asyncio.run(_compute(loaded, DAY2, DAY2))
    # calls c4 (abandoned at 23:59:59) and c5 (ringing); orders o3's callback, o5, o6's callback, o7
    assert (f["calls_arrived"], f["calls_answered"], f["abandon_rate"], f["avg_handle_s"]) == (2, 0, 0.5, None)
    assert (f["orders_total"], f["orders_closed"], f["on_time_close_rate"]) == (2, 1, None)
    assert (f["callbacks_reached"], f["satisfaction_rate"], f["satisfaction_rate_mediation"]) == (2, 0.0, 1.0)


def test_an_empty_period_has_null_rates_not_zero(loaded):
    f = asyncio.run(_compute(loaded, date(2025, 1, 1), date(2025, 1, 31)))
    rates = ("answer_rate", "answered_15s_rate", "abandon_rate", "avg_handle_s", "on_time_close_rate",
             "resolution_rate", "satisfaction_rate", "satisfaction_rate_law_enforcement", "satisfaction_rate_mediation")
    assert all(f[k] is None for k in rates)
    assert (f["orders_total"], f["orders_closed"], f["calls_arrived"], f["by_unit"], f["by_category"]) == \
        (0, 0, 0, {}, {})


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        metrics.period_bounds(DAY2, DAY1)


def test_the_cli_prints_one_json_object_with_the_promised_keys(loaded):
    out = cli("metrics", "--db", loaded, "--from", "2026-03-02", "--to", "2026-03-03", "--json")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1
    f = json.loads(lines[0])
    assert {"orders_total", "orders_closed", "answer_rate", "answered_15s_rate", "abandon_rate", "avg_handle_s",
            "on_time_close_rate", "resolution_rate", "satisfaction_rate"} <= set(f)
    hot = f.pop("hot_topics")  # the command adds the hot topics of the period's last hours
    assert hot["at"].startswith("2026-03-04T00:00") and hot["items"] == [] and "Poisson" in hot["method"]
    assert f == asyncio.run(_compute(loaded, DAY1, DAY2))
    readable = cli("metrics", "--db", loaded, "--from", "2026-03-02", "--to", "2026-03-03")
    assert readable.returncode == 0 and "60.0 %" in readable.stdout
    backwards = cli("metrics", "--db", loaded, "--from", "2026-03-03", "--to", "2026-03-02")
    assert backwards.returncode == 2


def test_the_endpoint_serves_the_same_object_to_team_leads_only(platform, sign_in, db_url):
    asyncio.run(_load(db_url, CALLS, ORDERS))
    lead, agent = sign_in("lead"), sign_in("agent")
    r = lead.get("/api/v1/metrics", params={"from": "2026-03-02", "to": "2026-03-03"})
    assert r.status_code == 200, r.text
    assert r.json() == asyncio.run(_compute(db_url, DAY1, DAY2))
    assert agent.get("/api/v1/metrics", params={"from": "2026-03-02"}).status_code == 403
    bad = lead.get("/api/v1/metrics", params={"from": "2026-03-03", "to": "2026-03-02"})
    assert bad.status_code == 422 and bad.json()["field"] == "to"


def test_each_units_handling_lead_and_assisting_signing_replies_overdue_returns_extensions(
        platform, desk, sim_clock):  # noqa: F811
    from tests.platform.test_work_orders import new_order
    agent, dispatcher, lead = desk("agent"), desk("dispatcher"), desk("lead")
    b02, b04 = desk("unit_b02"), desk("unit_b04")
    # Mon 28 Sep 2026 10:00: one order to B02 with B04 assisting, due in 2 working days (end of Wed 30)
    first = agent.ok("create", None, **new_order())["number"]
    dispatcher.ok("dispatch", first, handling_unit_id="B02", assisting_unit_ids=["B04"], working_days=2)
    b04.ok("sign", first, unit_id="B04")  # at once: on time
    sim_clock.set(2026, 9, 30, 9)  # B02 signs two days later: late (due within 1 working day)
    b02.ok("sign", first, unit_id="B02")
    b02.ok("reply", first, unit_id="B02", reply="已办理")  # by the deadline; B04 never replies
    second = agent.ok("create", None, **new_order("13900139000"))["number"]
    dispatcher.ok("dispatch", second, handling_unit_id="B02")
    b02.ok("apply_return", second, unit_id="B02", reason="不属于本单位职责")
    dispatcher.ok("review_return", second, decision="refuse", note="属于本单位职责")  # an improper return
    b02.ok("apply_extension", second, unit_id="B02", working_days=5, reason="需现场核查")
    dispatcher.ok("review_extension", second, decision="approve")
    sim_clock.set(2026, 10, 9, 9)
    figures = lead.get("/api/v1/metrics", params={"from": "2026-09-28", "to": "2026-10-08"}).json()
    h02, h04 = figures["by_unit"]["B02"]["handling"], figures["by_unit"]["B04"]["handling"]
    assert {k: h02[k] for k in ("received", "signed", "signed_on_time", "replied", "replied_on_time", "overdue",
                                "returns_asked", "returns_refused", "extensions_asked", "extensions_granted")} == {
        "received": 2, "signed": 1, "signed_on_time": 0, "replied": 1, "replied_on_time": 1, "overdue": 0,
        "returns_asked": 1, "returns_refused": 1, "extensions_asked": 1, "extensions_granted": 1}
    assert h02["improper_return_rate"] == 1.0 and h02["signed_on_time_rate"] == 0.0
    assert (h04["received"], h04["signed_on_time"], h04["replied"], h04["overdue"]) == (1, 1, 0, 1)
    assert figures["by_unit"]["B04"]["orders_total"] == 0  # its orders are led by another unit
    assert figures["by_district"][""]["orders_total"] == 2  # the orders gave no district
