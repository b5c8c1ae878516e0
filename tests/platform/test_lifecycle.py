"""A work order from dispatch to closure on the real platform: units sign, reply, ask for a return or
an extension; a dispatcher reviews; the requester is called back; a dissatisfied callback reopens
the order. Who may do what, and the schema step that brought it."""
from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, select
from sqlalchemy import inspect as sa_inspect

from central import accounts, db
from central.migrations import V5_ORDER_COLUMNS, V6_REFRESH_COLUMNS, latest_version, migrate
from central.security import Claims, issue_access_token
from central.store import Database
from domain import clock
from domain.clock import CENTRE_TZ
from tests.platform.conftest import SimClock
from tests.platform.test_work_orders import new_order

# -- helpers shared by the lifecycle tests ---------------------------------------------------------


@pytest.fixture
def sim_clock():
    """The centre's clock at Mon 28 Sep 2026 10:00, two days before the National Day holiday."""
    source = SimClock(datetime(2026, 9, 28, 10, 0, tzinfo=CENTRE_TZ))  # tests/platform/conftest.py
    with clock.use(source):
        yield source


class Desk:
    """An HTTP client holding the platform's own token for a seeded user (no argon2 round)."""

    def __init__(self, platform, username: str, seat: str) -> None:  # noqa: ANN001
        async def user() -> dict:
            async with platform.platform.db.write() as conn:
                found = dict((await conn.execute(select(db.users).where(db.users.c.username == username)))
                             .mappings().one())
                return found, await accounts.start_session(conn, found["id"], seat)

        row, session_id = platform.run_coroutine(user())
        claims = Claims(row["id"], username, row["role"], seat, int(time.time()) + 600, row["unit_id"], session_id)
        self.username = username
        self.client = httpx.Client(base_url=platform.url, timeout=20.0, headers={
            "Authorization": f"Bearer {issue_access_token(platform.platform.keys, claims)}"})

    def __getattr__(self, name: str):  # get, post ... of the client
        return getattr(self.client, name)

    def op(self, op: str, number: str | None, **payload) -> httpx.Response:
        body = {"id": str(uuid.uuid4()), "entity": "work_order", "op": op, "payload": payload}
        if number is not None:
            body["entity_id"] = number
        return self.client.post("/api/v1/mutations", json=body)

    def ok(self, op: str, number: str | None, **payload) -> dict:
        r = self.op(op, number, **payload)
        assert r.status_code == 200, r.text
        return r.json()["data"]

    def order(self, number: str) -> dict:
        r = self.client.get(f"/api/v1/work-orders/{number}")
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def desk(platform):
    made: list[Desk] = []

    def make(username: str, seat: str = "S-01") -> Desk:
        made.append(Desk(platform, username, seat))
        return made[-1]
    yield make
    for d in made:
        d.client.close()


def end_of(y: int, m: int, d: int) -> str:
    return clock.stamp(datetime(y, m, d, 23, 59, 59, tzinfo=CENTRE_TZ))


def units(order: dict) -> list[tuple[str, str, str]]:
    return [(u["unit_id"], u["role"], u["state"]) for u in order["units"]]


def db_run(platform, work):  # noqa: ANN001, ANN201
    """Run `work(conn)` in a write transaction on the platform's database."""
    async def run():  # noqa: ANN202
        async with platform.platform.db.write() as conn:
            return await work(conn)
    return platform.run_coroutine(run())


NEW_FIELDS = {"reply", "replied_at", "callback_at", "closed_at", "satisfaction", "resolved", "callback_attempts",
              "case_kind", "merged_into", "repeat_count", "unreasonable_repeat", "supervised", "reopen_count", "units"}


# -- the whole path ----------------------------------------------------------------------------------

def test_an_order_goes_from_dispatch_through_return_extension_and_reopening_to_closure(
        platform, desk, sim_clock):
    agent, dispatcher, lead, helper = desk("agent"), desk("dispatcher"), desk("unit_b02"), desk("unit_d01")
    number = agent.ok("create", None, **new_order())["number"]

    # Mon 28 Sep 2026: 3 working days are 29 and 30 Sep and, after the holiday, Thu 8 Oct
    order = dispatcher.ok("dispatch", number, handling_unit_id="B02", assisting_unit_ids=["D01"], working_days=3)
    assert order["status"] == "dispatched" and order["deadline"] == end_of(2026, 10, 8)
    assert units(order) == [("B02", "lead", "dispatched"), ("D01", "assisting", "dispatched")]
    assert all(u["deadline"] == end_of(2026, 10, 8) for u in order["units"])

    sim_clock.set(2026, 9, 28, 11)
    assert lead.ok("sign", number, unit_id="B02")["status"] == "in_progress"
    order = helper.ok("sign", number, unit_id="D01")
    assert order["status"] == "in_progress" and units(order)[1] == ("D01", "assisting", "in_progress")
    order = helper.ok("reply", number, unit_id="D01", reply="街道已配合核实")
    assert order["status"] == "in_progress" and units(order)[1][2] == "replied" and order["reply"] == ""

    # the lead asks to return it; the dispatcher sees the application and refuses it
    order = lead.ok("apply_return", number, unit_id="B02", reason="不属于本单位职责")
    assert order["status"] == "return_review" and units(order)[0][2] == "return_review"
    pending = dispatcher.get("/api/v1/reviews", params={"state": "pending"}).json()["items"]
    assert [(p["number"], p["kind"], p["unit_id"], p["reason"]) for p in pending] == [
        (number, "return", "B02", "不属于本单位职责")]
    order = dispatcher.ok("review_return", number, decision="refuse", note="属于医保职责，请继续办理")
    assert order["status"] == "in_progress" and units(order)[0][2] == "in_progress"
    assert order["deadline"] == end_of(2026, 10, 8)

    # an extension of 2 working days from Thu 8 Oct: Fri 9 Oct and the make-up Saturday 10 Oct
    sim_clock.set(2026, 9, 30, 9)
    order = lead.ok("apply_extension", number, unit_id="B02", working_days=2, reason="需现场核查")
    assert order["status"] == "extension_review"
    order = dispatcher.ok("review_extension", number, decision="approve", note="同意")
    assert order["status"] == "in_progress" and order["deadline"] == end_of(2026, 10, 10)
    assert order["units"][0]["deadline"] == end_of(2026, 10, 10)
    assert order["units"][1]["deadline"] == end_of(2026, 10, 8)  # each unit has its own
    assert dispatcher.get("/api/v1/reviews", params={"state": "pending"}).json()["items"] == []
    decided = dispatcher.get("/api/v1/reviews", params={"state": "approved"}).json()["items"]
    assert [(d["kind"], d["days_asked"], d["reviewer"]) for d in decided] == [("extension", 2, "dispatcher")]

    sim_clock.set(2026, 10, 8, 16)
    order = lead.ok("reply", number, unit_id="B02", reply="已为来电人办理异地就医备案")
    assert (order["status"], order["reply"], order["replied_at"]) == (
        "replied", "已为来电人办理异地就医备案", clock.stamp(sim_clock.moment))
    queue = agent.get("/api/v1/callbacks").json()["items"]
    assert number in [q["number"] for q in queue]

    # a dissatisfied callback reopens it: the lead unit gets 15 fresh working days from Fri 9 Oct
    # (Sat 10 Oct, 12-16, 19-23, 26-29 Oct)
    sim_clock.set(2026, 10, 9, 15)
    order = agent.ok("callback", number, satisfaction="dissatisfied", resolved=False, note="问题未解决")
    assert (order["status"], order["satisfaction"], order["resolved"], order["reopen_count"]) == (
        "reopened", "dissatisfied", False, 1)
    assert order["deadline"] == end_of(2026, 10, 29)
    assert units(order)[0] == ("B02", "lead", "dispatched") and order["units"][0]["deadline"] == end_of(2026, 10, 29)
    assert number not in [q["number"] for q in agent.get("/api/v1/callbacks").json()["items"]]

    assert lead.ok("sign", number, unit_id="B02")["status"] == "in_progress"
    lead.ok("reply", number, unit_id="B02", reply="已重新核实并办结")
    sim_clock.set(2026, 10, 12, 9)
    order = agent.ok("callback", number, satisfaction="satisfied", resolved=True)
    assert (order["status"], order["satisfaction"], order["resolved"]) == ("closed", "satisfied", True)
    assert order["closed_at"] == order["callback_at"] == clock.stamp(sim_clock.moment)
    assert order["callback_attempts"] == 2 and NEW_FIELDS <= set(order)

    read = agent.order(number)
    steps = [(t["action"], t["actor"], t["detail"].get("unit_id")) for t in read["timeline"]]
    assert steps == [
        ("create", "agent", None), ("dispatch", "dispatcher", None), ("sign", "unit_b02", "B02"),
        ("sign", "unit_d01", "D01"), ("reply", "unit_d01", "D01"), ("apply_return", "unit_b02", "B02"),
        ("review_return", "dispatcher", "B02"), ("apply_extension", "unit_b02", "B02"),
        ("review_extension", "dispatcher", "B02"), ("reply", "unit_b02", "B02"), ("callback", "agent", None),
        ("reopen", "agent", "B02"), ("sign", "unit_b02", "B02"), ("reply", "unit_b02", "B02"),
        ("callback", "agent", None), ("close", "agent", None)]
    details = [t["detail"] for t in read["timeline"]]
    assert details[6]["decision"] == "refuse" and details[6]["note"] == "属于医保职责，请继续办理"
    assert (details[8]["old_deadline"], details[8]["deadline"]) == (end_of(2026, 10, 8), end_of(2026, 10, 10))
    assert details[10]["satisfaction_zh"] == "不满意" and details[11]["deadline"] == end_of(2026, 10, 29)
    stamps = [t["at"] for t in read["timeline"]]
    assert stamps == sorted(stamps)

    # the period's figures count the order once, closed on time after a satisfied callback
    r = dispatcher.get("/api/v1/metrics", params={"from": "2026-09-28", "to": "2026-10-12"})
    assert r.status_code == 200, r.text
    figures = r.json()
    assert (figures["orders_total"], figures["orders_closed"]) == (1, 1)
    assert (figures["on_time_close_rate"], figures["resolution_rate"], figures["satisfaction_rate"]) == (1.0, 1.0, 1.0)
    assert figures["by_unit"]["B02"]["orders_closed"] == 1 and figures["by_unit"]["D01"]["orders_total"] == 0
    assisted = figures["by_unit"]["D01"]["handling"]  # the assisting unit: its part, not the order
    assert (assisted["received"], assisted["signed"], assisted["replied"]) == (1, 1, 1)
    assert figures["by_unit"]["B02"]["handling"]["returns_refused"] == 1  # B02's return was improper

    # the same row goes out on the change feed and in the snapshot
    changes = agent.get("/api/v1/changes", params={"after": 0, "limit": 5000}).json()["changes"]
    last = [c for c in changes if c["entity"] == "work_order" and c["id"] == number][-1]["data"]
    snap = agent.get("/api/v1/snapshot/work_order").json()["items"]
    # the agent took the order: the feed carries it whole, with the number's keyed hash besides
    assert {k: v for k, v in last.items() if k != "caller_lookup"} == {k: v for k, v in read.items() if k != "timeline"}
    assert len(last["caller_lookup"]) == 32
    assert [s for s in snap if s["number"] == number] == [last]


def test_an_extension_asked_after_the_deadline_is_refused_as_too_late(platform, desk, sim_clock):
    agent, dispatcher, lead = desk("agent"), desk("dispatcher"), desk("unit_b02")
    number = agent.ok("create", None, **new_order())["number"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02", working_days=1)  # due at the end of Tue 29 Sep
    lead.ok("sign", number, unit_id="B02")
    sim_clock.set(2026, 9, 29, 23, 59)
    assert lead.op("apply_extension", number, unit_id="B02", working_days=1, reason="r").status_code == 200
    dispatcher.ok("review_extension", number, decision="refuse", note="按期办结")

    sim_clock.set(2026, 9, 30, 0, 1)
    r = lead.op("apply_extension", number, unit_id="B02", working_days=3, reason="来不及")
    assert r.status_code == 409 and r.json()["error"] == "too_late", r.text
    order = agent.order(number)
    assert order["status"] == "in_progress" and order["deadline"] == end_of(2026, 9, 29)
    # hours are for urgent orders, and one of the two is needed
    for payload, field in (({"hours": 4}, "payload.hours"), ({}, "payload.working_days"),
                           ({"working_days": 31}, "payload.working_days")):
        r = lead.op("apply_extension", number, unit_id="B02", reason="r", **payload)
        assert r.status_code == 422 and r.json()["field"] == field, r.text


def test_an_urgent_order_counts_hours_and_is_extended_in_hours(platform, desk, sim_clock):
    agent, dispatcher, lead = desk("agent"), desk("dispatcher"), desk("unit_b02")
    number = agent.ok("create", None, **new_order(urgency="urgent"))["number"]
    sim_clock.set(2026, 9, 30, 18, 30)
    order = dispatcher.ok("dispatch", number, handling_unit_id="B02")
    assert order["deadline"] == clock.stamp(datetime(2026, 10, 1, 18, 30, tzinfo=CENTRE_TZ))  # through the holiday
    lead.ok("sign", number, unit_id="B02")
    lead.ok("apply_extension", number, unit_id="B02", hours=6, reason="夜间无法入户")
    order = dispatcher.ok("review_extension", number, decision="approve")
    assert order["deadline"] == clock.stamp(datetime(2026, 10, 2, 0, 30, tzinfo=CENTRE_TZ))


def test_an_approved_return_sends_the_order_back_for_dispatch_to_another_unit(platform, desk, sim_clock):
    agent, dispatcher, lead = desk("agent"), desk("dispatcher"), desk("unit_b02")
    number = agent.ok("create", None, **new_order())["number"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02", assisting_unit_ids=["D01"])
    order = lead.ok("apply_return", number, unit_id="B02", reason="应由住建部门办理")  # before signing
    assert order["status"] == "return_review"
    order = dispatcher.ok("review_return", number, decision="approve", note="改派住建局")
    assert order["status"] == "accepted"
    assert units(order) == [("B02", "lead", "returned"), ("D01", "assisting", "returned")]
    assert lead.op("sign", number, unit_id="B02").json()["error"] == "not_assigned"

    order = dispatcher.ok("dispatch", number, handling_unit_id="B04")
    assert order["status"] == "dispatched" and units(order) == [("B04", "lead", "dispatched")]
    assert desk("unit_b04").ok("sign", number, unit_id="B04")["status"] == "in_progress"
    r = lead.op("sign", number, unit_id="B02")
    assert r.status_code == 409 and r.json()["error"] == "not_assigned"
    # the old unit no longer lists it; the new one does
    assert [o["number"] for o in lead.get("/api/v1/work-orders").json()["items"]] == []
    assert [o["number"] for o in desk("unit_b04").get("/api/v1/work-orders").json()["items"]] == [number]
    actions = [t["action"] for t in agent.order(number)["timeline"]]
    assert actions == ["create", "dispatch", "apply_return", "review_return", "dispatch", "sign"]


def test_an_assisting_units_return_takes_only_that_unit_off_the_order(platform, desk, sim_clock):
    agent, dispatcher, helper = desk("agent"), desk("dispatcher"), desk("unit_d01")
    number = agent.ok("create", None, **new_order())["number"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02", assisting_unit_ids=["D01", "D02"])
    order = helper.ok("apply_return", number, unit_id="D01", reason="非本辖区")
    assert order["status"] == "dispatched" and units(order)[1][2] == "return_review"
    desk("dispatcher").ok("apply_return", number, unit_id="D02", reason="非本辖区")  # for the unit, by a dispatcher
    r = dispatcher.op("review_return", number, decision="approve")
    assert r.status_code == 422 and r.json()["field"] == "payload.unit_id"  # two pending: name one
    order = dispatcher.ok("review_return", number, decision="approve", unit_id="D01")
    assert order["status"] == "dispatched"
    assert units(order) == [("B02", "lead", "dispatched"), ("D01", "assisting", "returned"),
                            ("D02", "assisting", "return_review")]
    r = dispatcher.op("review_return", number, decision="approve", unit_id="D01")
    assert r.status_code == 409 and r.json()["error"] == "no_pending_review"

    # the lead's approved return ends the dispatch: D02's application is withdrawn with it
    desk("unit_b02").ok("apply_return", number, unit_id="B02", reason="不属于本单位职责")
    order = dispatcher.ok("review_return", number, decision="approve", unit_id="B02")
    assert order["status"] == "accepted" and {u["state"] for u in order["units"]} == {"returned"}
    assert dispatcher.get("/api/v1/reviews").json()["items"] == []
    withdrawn = dispatcher.get("/api/v1/reviews", params={"state": "withdrawn"}).json()["items"]
    assert [(w["unit_id"], w["kind"]) for w in withdrawn] == [("D02", "return")]


def test_who_may_act_on_an_order(platform, desk, sim_clock):
    agent, dispatcher, lead = desk("agent"), desk("dispatcher"), desk("unit_b02")
    number = agent.ok("create", None, **new_order(confidential=True))["number"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02", assisting_unit_ids=["D01"])

    # a unit user acts only for its own unit
    r = lead.op("sign", number, unit_id="D01")
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    r = desk("unit_b04").op("sign", number, unit_id="B04")  # not its order: nothing of it is told
    assert r.status_code == 403 and r.json()["error"] == "forbidden" and "current" not in r.json()
    # agents take calls and call back; they do not handle, review or supervise
    for op, payload in (("review_return", {"decision": "approve"}), ("sign", {"unit_id": "B02"}),
                        ("supervise", {"kind": "supervise"}), ("flag", {"case_kind": "mediation"})):
        r = agent.op(op, number, **payload)
        assert r.status_code == 403 and r.json()["error"] == "forbidden", op
    # a dispatcher does not call back, a unit does not take intake actions
    assert dispatcher.op("callback", number, satisfaction="satisfied", resolved=True).status_code == 403
    assert lead.op("create", None, **new_order()).status_code == 403

    # a unit reads its own orders only, and not who a confidential requester is
    order = lead.order(number)
    assert order["caller_phone"] == "138****8000" and order["requester_name"] == "（保密）"
    signed = lead.ok("sign", number, unit_id="B02")
    assert signed["caller_phone"] == "138****8000"
    assert desk("unit_b04").get(f"/api/v1/work-orders/{number}").status_code == 403
    assert lead.get("/api/v1/work-orders", params={"unit_id": "B04"}).status_code == 403
    assert agent.order(number)["caller_phone"] == "13800138000"

    refused = [(agent, "/api/v1/reviews"), (agent, "/api/v1/supervisions"), (dispatcher, "/api/v1/callbacks"),
               (lead, "/api/v1/callbacks"), (lead, "/api/v1/progress?number=" + number), (lead, "/api/v1/reviews"),
               (lead, "/api/v1/lookup-key")]
    for who, path in refused:
        assert who.get(path).status_code == 403, (who.username, path)
    # the unit's feed holds its own orders only, the confidential requester masked (central/views.py)
    theirs = [c["data"] for c in lead.get("/api/v1/changes").json()["changes"] if c["entity"] == "work_order"]
    assert theirs and all(o["number"] == number and o["caller_phone"] == "138****8000" for o in theirs)


def test_units_signing_at_once_each_keep_their_signature(platform, desk, sim_clock):
    agent, dispatcher = desk("agent"), desk("dispatcher")
    helpers = ["D01", "D02", "D03", "D04", "D05"]
    number = agent.ok("create", None, **new_order())["number"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02", assisting_unit_ids=helpers)
    signers = [desk("dispatcher") for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda pair: pair[0].op("sign", number, unit_id=pair[1]),
                                zip(signers, ["B02", *helpers], strict=True)))
    assert [r.status_code for r in answers] == [200] * 6
    order = agent.order(number)
    assert {u["state"] for u in order["units"]} == {"in_progress"} and order["status"] == "in_progress"
    assert order["version"] == 3 + 6 - 1  # create, dispatch, six signs
    assert sorted(v["data"]["version"] for v in (r.json() for r in answers)) == list(range(3, 9))


def test_lists_filter_by_status_unit_and_author(platform, desk, sim_clock):
    agent, agent2, dispatcher = desk("agent"), desk("agent2"), desk("dispatcher")
    mine = [agent.ok("create", None, **new_order())["number"] for _ in range(2)]
    theirs = agent2.ok("create", None, **new_order("13900139000"))["number"]
    dispatcher.ok("dispatch", mine[0], handling_unit_id="B02")
    dispatcher.ok("dispatch", theirs, handling_unit_id="D01", assisting_unit_ids=["B02"])

    def listed(api, **params) -> list[str]:  # noqa: ANN001
        r = api.get("/api/v1/work-orders", params=params)
        assert r.status_code == 200, r.text
        return [o["number"] for o in r.json()["items"]]

    assert listed(agent, created_by="me") == mine[::-1]
    assert listed(dispatcher, status="dispatched") == [theirs, mine[0]]
    assert listed(dispatcher, status=["accepted", "dispatched"], limit=2) == [theirs, mine[1]]
    assert listed(dispatcher, unit_id="B02") == [theirs, mine[0]]
    assert listed(desk("unit_b02")) == [theirs, mine[0]]
    assert listed(desk("unit_d01"), status="accepted") == []
    assert listed(agent, phone="13900139000") == [theirs]
    assert agent.get("/api/v1/work-orders", params={"status": "lost"}).status_code == 422


def test_flagging_a_case_kind_and_a_callback_that_does_not_reach_the_requester(platform, desk, sim_clock):
    agent, dispatcher, lead = desk("agent"), desk("dispatcher"), desk("unit_b02")
    number = agent.ok("create", None, **new_order())["number"]
    order = dispatcher.ok("flag", number, case_kind="law_enforcement")
    assert order["case_kind"] == "law_enforcement"
    dispatcher.ok("dispatch", number, handling_unit_id="B02")
    r = agent.op("callback", number, satisfaction="satisfied", resolved=True)
    assert r.status_code == 409 and r.json()["error"] == "illegal_transition"  # nothing replied yet
    lead.ok("sign", number, unit_id="B02")
    lead.ok("reply", number, unit_id="B02", reply="已处理")
    order = agent.ok("callback", number, reached=False, note="无人接听")
    assert (order["status"], order["callback_attempts"], order["satisfaction"]) == ("replied", 1, None)
    r = agent.op("callback", number, resolved=True)
    assert r.status_code == 422 and r.json()["field"] == "payload.satisfaction"
    order = agent.ok("callback", number, satisfaction="basically_satisfied", resolved=True)
    assert (order["status"], order["callback_attempts"]) == ("closed", 2)
    actions = [t["action"] for t in agent.order(number)["timeline"]]
    assert actions[-3:] == ["callback_attempt", "callback", "close"]


def test_a_unit_user_belongs_to_an_existing_unit_and_signs_in_with_it(platform, sign_in):
    admin = sign_in("admin")
    body = {"username": "b03-staff", "display_name": "公积金中心 承办员", "role": "unit", "password": "long-enough-1"}
    for bad in (body, {**body, "unit_id": "NOPE"}, {**body, "role": "agent", "unit_id": "B03"}):
        r = admin.post("/api/v1/users", json=bad)
        assert r.status_code == 422 and r.json()["field"] == "unit_id", r.text
    made = admin.post("/api/v1/users", json={**body, "unit_id": "B03"})
    assert made.status_code == 201 and made.json()["unit_id"] == "B03"
    assert [u["unit_id"] for u in admin.get("/api/v1/users").json() if u["username"] == "b03-staff"] == ["B03"]
    with httpx.Client(base_url=platform.url) as c:
        r = c.post("/api/v1/auth/sign-in", json={"username": "b03-staff", "password": "long-enough-1"})
        assert r.status_code == 200 and r.json()["user"]["unit_id"] == "B03"
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert (me["role"], me["unit_id"]) == ("unit", "B03")


# -- the schema step -------------------------------------------------------------------------------

def _v4_tables() -> MetaData:
    """users and work_orders as schema version 4 had them."""
    old = MetaData()
    Table("schema_migrations", old, Column("version", Integer, primary_key=True),
          Column("description", Text, nullable=False), Column("applied_at", String(40), nullable=False))
    Table("users", old, Column("id", Integer, primary_key=True), Column("username", String(64), nullable=False),
          Column("display_name", String(128), nullable=False), Column("role", String(32), nullable=False),
          Column("password_hash", Text, nullable=False), Column("active", db.Boolean, nullable=False),
          Column("created_at", String(40), nullable=False))
    wanted = {c.name for c in db.work_orders.columns} - set(V5_ORDER_COLUMNS)
    Table("work_orders", old, *[c._copy() for c in db.work_orders.columns if c.name in wanted])
    # and the one schema version 6 changes
    Table("refresh_tokens", old, *[c._copy() for c in db.refresh_tokens.columns if c.name not in V6_REFRESH_COLUMNS])
    return old


async def _upgrade_from_v4(url: str) -> dict:
    database = Database(url)
    old = _v4_tables()
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(old.create_all)
            await conn.execute(insert(old.tables["schema_migrations"]),
                               [{"version": v, "description": "old", "applied_at": "x"} for v in (1, 2, 3, 4)])
            await conn.execute(insert(old.tables["users"]).values(
                id=1, username="u", display_name="u", role="agent", password_hash="!", active=True, created_at="x"))
            await conn.execute(insert(old.tables["work_orders"]).values(
                number="20240101000001", status="dispatched", request_type="help", urgency="normal",
                category_id="010101", title="t", content="c", caller_phone="13800138000", requester_name="",
                confidential=False, address_district="", address_street="", assisting_unit_ids=[], answer="",
                deadline_provisional=False, created_at="2024-01-01", updated_at="2024-01-01", version=1))
        applied = await migrate(database.engine)
        async with database.engine.connect() as conn:
            order = dict((await conn.execute(select(db.work_orders))).mappings().one())
            user = dict((await conn.execute(select(db.users))).mappings().one())
            tables = await conn.run_sync(lambda c: sa_inspect(c).get_table_names())
            indexes = await conn.run_sync(lambda c: [i["name"] for i in sa_inspect(c).get_indexes("work_orders")])
        return {"applied": applied, "order": order, "user": user, "tables": tables, "indexes": indexes}
    finally:
        await database.close()


def test_version_5_upgrades_a_version_4_database_in_place(empty_db_url):
    result = asyncio.run(_upgrade_from_v4(empty_db_url))
    assert result["applied"] == list(range(5, latest_version() + 1))
    order = result["order"]
    assert {k: order[k] for k in NEW_FIELDS} == {
        "reply": "", "replied_at": None, "callback_at": None, "closed_at": None, "satisfaction": None,
        "resolved": None, "callback_attempts": 0, "case_kind": "normal", "merged_into": None, "repeat_count": 0,
        "unreasonable_repeat": False, "supervised": False, "reopen_count": 0, "units": []}
    assert result["user"]["unit_id"] is None
    assert {"order_units", "reviews", "supervisions"} <= set(result["tables"])
    assert "ix_work_orders_status_created" in result["indexes"]


def test_a_request_not_accepted_is_recorded_without_category_but_nothing_else_is_done_without_one(
        platform, desk):
    agent = desk("agent")
    rejected = agent.ok("create", None, **new_order(category_id="", title="不予受理：应通过诉讼解决"))["number"]
    agent.ok("reject_at_intake", rejected, reason="litigation", guidance="请向人民法院起诉。")
    order = agent.order(rejected)
    assert (order["status"], order["category_id"], order["answer"]) == ("rejected_at_intake", "", "请向人民法院起诉。")
    for op, payload in (("close_at_intake", {"answer": "好的"}), ("dispatch", {"handling_unit_id": "B02"})):
        number = agent.ok("create", None, **new_order(category_id=""))["number"]
        r = agent.op(op, number, **payload)
        assert r.status_code == 422 and r.json()["field"] == "category_id", r.text
        assert agent.order(number)["status"] == "accepted"
    r = agent.op("create", None, **new_order(category_id="nope"))
    assert r.status_code == 422 and r.json()["field"] == "payload.category_id", r.text


def test_a_reply_names_its_attachments_within_bounds(platform, desk, sim_clock):
    agent, dispatcher, unit = desk("agent"), desk("dispatcher"), desk("unit_b02")
    number = agent.ok("create", None, **new_order())["number"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02")
    unit.ok("sign", number, unit_id="B02")
    too_many = unit.op("reply", number, unit_id="B02", reply="已办理", attachments=[f"{i}.pdf" for i in range(21)])
    assert too_many.status_code == 422 and too_many.json()["field"] == "payload.attachments"
    control = unit.op("reply", number, unit_id="B02", reply="已办理", attachments=["a\x00.pdf"])
    assert control.status_code == 422 and control.json()["field"].startswith("payload.attachments")
    unit.ok("reply", number, unit_id="B02", reply="已办理", attachments=["整改照片.jpg"])
    step = [s for s in agent.order(number)["timeline"] if s["action"] == "reply"][-1]
    assert step["detail"]["attachments"] == ["整改照片.jpg"]
