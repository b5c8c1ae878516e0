"""Calls taken on a seat's own softphone are reported through the mutations endpoint: at most once
per mutation, forward only, counted in the queue figures, keeping the seat busy for the router; one
that ends unanswered is a missed call. The schema step that brought this upgrades an older database."""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, func, insert, select
from sqlalchemy import inspect as sa_inspect

from central import accounts, db
from central.migrations import V5_ORDER_COLUMNS, V6_REFRESH_COLUMNS, latest_version, migrate
from central.security import Claims, issue_access_token
from central.store import Database
from domain import clock
from tests.platform.test_events import events
from tests.platform.test_fuzz import SETTINGS, json_values
from tests.platform.test_work_orders import mutation, new_order


class Seat:
    """An HTTP client of the platform holding a valid access token for one user."""

    def __init__(self, base_url: str, token: str, user: dict) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=20.0, headers={"Authorization": f"Bearer {token}"})
        self.user = user

    def __getattr__(self, name: str):  # get, post, stream ... of the client
        return getattr(self.client, name)


def seat_maker(platform) -> Iterator[Callable[..., Seat]]:
    """Signed-in clients without the password round: argon2 is slow on purpose (about 0.4 s a sign-in
    here) and sign-in has its own tests. The token is the platform's own, made with its key, for a
    session started here."""
    made: list[Seat] = []

    def make(username: str, seat: str = "S-01", role: str | None = None) -> Seat:
        """`role`: first add the user with that role (they have no usable password)."""
        async def user() -> dict:
            async with platform.platform.db.write() as conn:
                if role is not None:
                    await conn.execute(db.users.insert().values(username=username, display_name=username, role=role,
                                                                password_hash="!", active=True,
                                                                created_at=clock.stamp()))
                row = (await conn.execute(select(db.users).where(db.users.c.username == username))).mappings().one()
                session_id = await accounts.start_session(conn, row["id"], seat)
                return {"id": row["id"], "username": username, "role": row["role"], "session": session_id}

        found = platform.run_coroutine(user())
        session_id = found.pop("session")
        claims = Claims(found["id"], username, found["role"], seat, int(time.time()) + 600, session_id=session_id)
        made.append(Seat(platform.url, issue_access_token(platform.platform.keys, claims), found))
        return made[-1]

    yield make
    for client in made:
        client.client.close()


@pytest.fixture
def seats(platform) -> Iterator[Callable[..., Seat]]:
    yield from seat_maker(platform)


def report(call_id: str, state: str, phone: str = "13800138000", mid: str | None = None, **extra) -> dict:
    payload = {"state": state, "caller_phone": phone, "source": "sip", "at": clock.stamp(), **extra}
    return {"id": mid or str(uuid.uuid4()), "entity": "call", "op": "report", "entity_id": call_id,
            "payload": payload}


def rows_of(platform, call_id: str) -> int:
    async def count() -> int:
        async with platform.platform.db.read() as conn:
            return (await conn.execute(select(func.count()).select_from(db.calls)
                                       .where(db.calls.c.id == call_id))).scalar_one()
    return platform.run_coroutine(count())


def test_a_reported_call_counts_and_keeps_the_router_away_from_the_seat(platform, seats):
    agent, agent2, lead = seats("agent", "A-01"), seats("agent2", "A-02"), seats("lead", "L-01")
    call_id = "sip-" + "7" * 60  # softphone call ids are longer than a UUID
    with events(agent) as stream:
        assert agent.post("/api/v1/agent/state", json={"state": "ready"}).status_code == 200
        ringing = report(call_id, "ringing", "+86 139-0013-9000", caller_name="李女士")
        first, again = agent.post("/api/v1/mutations", json=ringing), agent.post("/api/v1/mutations", json=ringing)
        assert first.status_code == again.status_code == 200 and first.json() == again.json()
        row = first.json()["data"]
        assert (row["id"], row["state"], row["source"], row["caller_phone"], row["caller_name"]) == (
            call_id, "ringing", "sip", "13900139000", "李女士")
        assert row["agent_id"] == agent.user["id"] and row["callback_state"] is None
        assert rows_of(platform, call_id) == 1
        queue = lead.get("/api/v1/queue").json()
        assert (queue["offered"], queue["agents"]["ringing"], queue["agents"]["ready"]) == (1, 1, 0)

        answered = agent.post("/api/v1/mutations", json=report(call_id, "answered", at="2025-03-03T01:30:00Z"))
        assert answered.json()["data"]["answered_at"] == "2025-03-03T09:30:00.000000+08:00"
        queue = lead.get("/api/v1/queue").json()
        assert (queue["answered"], queue["agents"]["talking"]) == (1, 1)
        # a late ringing report changes nothing; another seat cannot report on this call
        late = agent.post("/api/v1/mutations", json=report(call_id, "ringing"))
        assert late.status_code == 200 and late.json()["data"]["state"] == "answered"
        other = agent2.post("/api/v1/mutations", json=report(call_id, "ended"))
        assert other.status_code == 409 and other.json()["error"] == "call_state"

        # the agent is ready, but on a call: a platform call waits
        waiting = lead.post("/api/v1/calls", json={"caller_phone": "13700137000"}).json()
        assert waiting["agent_id"] is None and waiting["state"] == "waiting"
        ended = agent.post("/api/v1/mutations", json=report(call_id, "ended", reason="caller_hangup")).json()["data"]
        assert (ended["state"], ended["end_reason"], ended["callback_state"]) == ("ended", "caller_hangup", None)
        offered = stream.until(lambda e, d: e == "call" and d["type"] == "ringing")[-1][1]
        assert offered["call_id"] == waiting["call_id"]
    queue = lead.get("/api/v1/queue").json()
    assert (queue["offered"], queue["answered"], queue["missed"], queue["waiting"]) == (2, 1, 0, 0)
    # a call the platform routes cannot be reported by a seat
    taken = agent.post("/api/v1/mutations", json=report(waiting["call_id"], "answered"))
    assert taken.status_code == 409 and taken.json()["error"] == "call_state"


def test_a_reported_call_that_ends_unanswered_is_a_missed_call(platform, seats):
    agent, expert = seats("agent"), seats("expert")
    with events(expert) as stream:
        assert agent.post("/api/v1/mutations", json=report("c-1", "ringing")).status_code == 200
        gone = agent.post("/api/v1/mutations", json=report("c-1", "ended", reason="caller_cancel")).json()["data"]
        assert (gone["callback_state"], gone["answered_at"], gone["end_reason"]) == ("open", None, "caller_cancel")
        _, data = stream.until(lambda e, d: e == "missed_call")[-1]
        assert data == {"call_id": "c-1", "callback_state": "open"}
        # a call first heard of when it ended is missed as well
        only_end = agent.post("/api/v1/mutations", json=report("c-2", "ended", "13900139000")).json()["data"]
        assert only_end["callback_state"] == "open"
        assert stream.until(lambda e, d: e == "missed_call")[-1][1]["call_id"] == "c-2"
    queue = seats("lead").get("/api/v1/queue").json()
    assert (queue["offered"], queue["answered"], queue["missed"], queue["abandoned"]) == (2, 0, 2, 0)
    missed = agent.get("/api/v1/missed-calls").json()
    assert [i["call_id"] for i in missed["items"]] == ["c-1", "c-2"] and missed["total"] == 2

    # malformed reports are refused with the field, and nothing is stored
    for body, field in ((report("c-9", "ringing", "12ab"), "payload.caller_phone"),
                        (report("c-9", "ringing", at="yesterday"), "payload.at"),
                        (report("c-9", "on_hold"), "payload.state"),
                        ({**report("c-9", "ringing"), "entity_id": None}, "entity_id"),
                        ({**report("c-9", "ringing"), "op": "ring"}, "op")):
        r = agent.post("/api/v1/mutations", json=body)
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert seats("dispatcher").post("/api/v1/mutations", json=report("c-9", "ringing")).status_code == 403
    assert rows_of(platform, "c-9") == 0


def test_a_caller_from_another_city_is_transferred_to_that_citys_hotline(platform, seats):
    agent = seats("agent")
    number = agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
    r = agent.post("/api/v1/mutations", json=mutation("transfer", {"target_unit_id": "R025"}, number))
    assert r.status_code == 200, r.text
    # that city's hotline is a partner platform: the order waits for its result (tests/platform/test_flow_back.py)
    assert (r.json()["data"]["status"], r.json()["data"]["transfer_target"]) == ("partner_handling", "R025")


# -- the schema step -------------------------------------------------------------------------------

def _v3_schema() -> MetaData:
    """calls and kb_corrections as schema version 3 made them."""
    old = MetaData()
    Table("schema_migrations", old, Column("version", Integer, primary_key=True),
          Column("description", Text, nullable=False), Column("applied_at", String(40), nullable=False))
    Table("calls", old, Column("id", String(36), primary_key=True), Column("caller_phone", String(32), nullable=False),
          Column("queue", String(32), nullable=False), Column("state", String(16), nullable=False),
          Column("agent_id", Integer), Column("arrived_at", String(40), nullable=False),
          Column("answered_at", String(40)), Column("ended_at", String(40)), Column("end_reason", String(32)))
    Table("kb_corrections", old, Column("id", String(36), primary_key=True),
          Column("entry_id", String(64), nullable=False), Column("entry_version", Integer),
          Column("comment", Text, nullable=False), Column("reported_by", String(64), nullable=False),
          Column("seat", String(64), nullable=False), Column("at", String(40), nullable=False),
          Column("status", String(16), nullable=False))
    # the tables schema version 5 changes, as they were before it
    for table, later in ((db.users, ("unit_id",)), (db.work_orders, V5_ORDER_COLUMNS)):
        Table(table.name, old, *[c._copy() for c in table.columns if c.name not in later])
    # and the one schema version 6 changes
    Table("refresh_tokens", old, *[c._copy() for c in db.refresh_tokens.columns if c.name not in V6_REFRESH_COLUMNS])
    return old


async def _upgrade_from_v3(url: str) -> dict:
    database = Database(url)
    old = _v3_schema()
    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(old.create_all)
            await conn.execute(insert(old.tables["schema_migrations"]),
                               [{"version": v, "description": "old", "applied_at": "x"} for v in (1, 2, 3)])
            await conn.execute(insert(old.tables["calls"]).values(
                id="old-1", caller_phone="13800138000", queue="12345", state="ended", arrived_at="2024-01-01"))
            await conn.execute(insert(old.tables["kb_corrections"]).values(
                id="k-1", entry_id="kb-1", comment="c", reported_by="agent", seat="S", at="2024-01-01", status="open"))
        applied = await migrate(database.engine)
        async with database.engine.connect() as conn:
            call = (await conn.execute(select(db.calls))).mappings().one()
            correction = (await conn.execute(select(db.kb_corrections))).mappings().one()
            await conn.execute(db.calls.insert().values(id="x" * 64, caller_phone="1", queue="q", state="ended",
                                                        arrived_at="2025"))
            indexes = await conn.run_sync(lambda c: [i["name"] for i in sa_inspect(c).get_indexes("calls")])
            tables = await conn.run_sync(lambda c: sa_inspect(c).get_table_names())
        return {"applied": applied, "call": dict(call), "correction": dict(correction), "indexes": indexes,
                "tables": tables}
    finally:
        await database.close()


def test_version_4_upgrades_a_version_3_database_in_place(empty_db_url):
    result = asyncio.run(_upgrade_from_v3(empty_db_url))
    assert result["applied"] == list(range(4, latest_version() + 1))
    call = result["call"]
    assert (call["source"], call["caller_name"], call["callback_state"], call["callback_attempts"]) == (
        "platform", "", None, 0)
    assert (result["correction"]["proposed_answer"], result["correction"]["escalation_id"]) == ("", None)
    assert "ix_calls_callback_arrived" in result["indexes"] and "escalations" in result["tables"]


# -- whatever a seat sends about calls, callbacks and escalations, the answer is below 500 -----------

NEW_KEYS = ["state", "caller_phone", "caller_name", "queue", "source", "at", "reason", "outcome", "note",
            "order_number", "group", "question", "call_id", "draft", "answer"]
new_mutations = st.fixed_dictionaries(
    {"id": st.uuids().map(str), "entity": st.sampled_from(["call", "missed_call", "escalation"]),
     "op": st.sampled_from(["report", "outcome", "create", "cancel", "claim", "join", "answer", "x"])},
    optional={"entity_id": st.none() | st.text(max_size=70) | st.uuids().map(str),
              "payload": st.dictionaries(st.sampled_from(NEW_KEYS), json_values, max_size=6)})


@settings(SETTINGS, max_examples=60)
@given(body=new_mutations)
@example(body={"id": "e3e70682-c209-4cac-629f-6fbed82c07cd", "entity": "call", "op": "report", "entity_id": "c",
               "payload": {"state": "ended", "caller_phone": "13800138000", "source": "sip",
                           "at": "0001-01-01T00:00:00-12:00"}})
@example(body={"id": "e3e70682-c209-4cac-629f-6fbed82c07ce", "entity": "escalation", "op": "create",
               "entity_id": "e3e70682-c209-4cac-629f-6fbed82c07ce",
               "payload": {"question": "q", "draft": {"a\ud800": [[["\x00"]]]}}})
def test_any_call_or_escalation_mutation_gets_an_answer_below_500(platform, seats, body):
    if (key := id(platform)) not in _fuzz_seats:  # one client per platform, not per example
        _fuzz_seats.clear()
        _fuzz_seats[key] = seats("agent")  # reports calls, works callbacks, raises escalations
    r = _fuzz_seats[key].post("/api/v1/mutations", content=json.dumps(body).encode(),
                              headers={"content-type": "application/json"})
    assert r.status_code in (200, 403, 404, 409, 422), r.text


_fuzz_seats: dict[int, Seat] = {}
