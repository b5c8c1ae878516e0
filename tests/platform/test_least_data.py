"""Least data per seat (issue 12, R14): what each reader of the change feed and the snapshots gets.

An agent gets the orders another agent took with the number masked, its keyed hash, and no name,
street or request text; the caller records keyed by the hash, masked. Only the orders the agent
took carry the personal fields. A handling unit gets only the orders dispatched to it, a
confidential requester masked, and no callers. Administrators get no callers and no hashes. Every
caller and order a reader receives is audited, one row each. The real platform over loopback.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from central import db
from domain.privacy import lookup_hash
from tests.platform.test_lifecycle import db_run, desk, sim_clock  # noqa: F401 - fixtures
from tests.platform.test_work_orders import new_order

PHONE = "13912345678"
CONFIDENTIAL_PHONE = "13787654321"
STREET = "幸福路88号"


@pytest.fixture
def taken(platform, desk, sim_clock):  # noqa: F811
    """Two orders `agent` took: one dispatched to B02, one of a confidential requester dispatched to B02;
    and one dispatched to B04. Returns their numbers."""
    agent, dispatcher = desk("agent"), desk("dispatcher")
    plain = agent.ok("create", None, **new_order(PHONE, requester_name="王小明", address_street=STREET))["number"]
    secret = agent.ok("create", None, **new_order(CONFIDENTIAL_PHONE, requester_name="李秘密", confidential=True,
                                                  address_street=STREET))["number"]
    elsewhere = agent.ok("create", None, **new_order("13611112222", requester_name="赵远"))["number"]
    for number, unit in ((plain, "B02"), (secret, "B02"), (elsewhere, "B04")):
        dispatcher.ok("dispatch", number, handling_unit_id=unit, working_days=3)
    return plain, secret, elsewhere


def feed(reader) -> list[dict]:  # noqa: ANN001
    r = reader.get("/api/v1/changes", params={"after": 0, "limit": 5000})
    assert r.status_code == 200, r.text
    assert not r.json()["has_more"]
    return r.json()["changes"]


def snapshot(reader, entity: str, limit: int = 1000) -> list[dict]:  # noqa: ANN001
    items, after = [], ""
    while True:
        r = reader.get(f"/api/v1/snapshot/{entity}", params={"after": after, "limit": limit})
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        if r.json()["next"] is None:
            return items
        after = r.json()["next"]


def latest(changes: list[dict], entity: str) -> dict[str, dict]:
    return {c["id"]: c["data"] for c in changes if c["entity"] == entity}


def audited(platform, username: str, action: str) -> list[tuple[str, str]]:  # noqa: ANN001
    async def rows(conn):  # noqa: ANN001, ANN202
        t = db.audit_log
        result = await conn.execute(select(t.c.entity, t.c.entity_id).where(t.c.username == username,
                                                                             t.c.action == action))
        return sorted(tuple(r) for r in result)
    return db_run(platform, rows)


def test_another_agents_orders_reach_a_seat_masked_and_found_by_the_keyed_hash(platform, desk, taken):  # noqa: F811
    plain, secret, _ = taken
    other = desk("agent2")
    key = other.get("/api/v1/lookup-key").json()["key"]
    r = other.get("/api/v1/changes", params={"after": 0, "limit": 5000})
    assert PHONE not in r.text and CONFIDENTIAL_PHONE not in r.text and STREET not in r.text
    assert "王小明" not in r.text and "来电人咨询" not in r.text
    orders = latest(r.json()["changes"], "work_order")
    order = orders[plain]
    assert order["caller_phone"] == "139****5678" and order["caller_lookup"] == lookup_hash(key, PHONE)
    assert order["requester_name"] == order["address_street"] == order["content"] == ""
    assert order["title"] and order["status"] == "dispatched"  # what the lists and the screen pop show
    callers = latest(r.json()["changes"], "caller")
    assert callers[lookup_hash(key, PHONE)] == {**callers[lookup_hash(key, PHONE)], "phone": "139****5678",
                                                "name": "王**", "confidential": False}
    assert callers[lookup_hash(key, CONFIDENTIAL_PHONE)]["name"] == ""  # a confidential name: not even masked
    # the snapshots say the same, and page callers by hash: a cursor is never a number
    snap = other.get("/api/v1/snapshot/caller", params={"limit": 1})
    assert PHONE not in snap.text and snap.json()["next"] == snap.json()["items"][0]["lookup"]
    assert {c["lookup"] for c in snapshot(other, "caller", limit=1)} == set(callers)
    snap_orders = {o["number"]: o for o in snapshot(other, "work_order")}
    assert snap_orders[secret]["caller_phone"] == "137****4321" and snap_orders[secret]["requester_name"] == ""


def test_the_agent_who_took_an_order_gets_it_whole(platform, desk, taken):  # noqa: F811
    plain, secret, _ = taken
    mine = latest(feed(desk("agent")), "work_order")
    assert mine[plain]["caller_phone"] == PHONE and mine[plain]["requester_name"] == "王小明"
    assert mine[plain]["address_street"] == STREET and mine[plain]["content"]
    assert mine[secret]["requester_name"] == "李秘密"


def test_each_caller_and_order_a_reader_receives_is_audited_one_row_each(platform, desk, taken):  # noqa: F811
    other = desk("agent2")
    changes = feed(other)
    served_orders = sorted({("work_order", c["id"]) for c in changes if c["entity"] == "work_order"})
    rows = audited(platform, "agent2", "feed")
    assert [r for r in rows if r[0] == "work_order"] == served_orders and len(served_orders) >= 3
    # callers by their number on the platform's side, so that the audit page finds them by number
    assert ("caller", PHONE) in rows and ("caller", CONFIDENTIAL_PHONE) in rows
    snapshot(other, "work_order")
    assert sorted(r[1] for r in audited(platform, "agent2", "snapshot")) == sorted(i for _, i in served_orders)


def test_a_unit_gets_only_its_orders_with_a_confidential_requester_masked_and_no_callers(
        platform, desk, taken):  # noqa: F811
    plain, secret, elsewhere = taken
    unit = desk("unit_b02")
    r = unit.get("/api/v1/changes", params={"after": 0, "limit": 5000})
    assert r.status_code == 200 and CONFIDENTIAL_PHONE not in r.text and "李秘密" not in r.text
    changes = r.json()["changes"]
    assert not [c for c in changes if c["entity"] == "caller"]
    orders = latest(changes, "work_order")
    assert set(orders) == {plain, secret}  # not the order of B04
    assert orders[plain]["caller_phone"] == PHONE  # the unit calls the requester about its case
    assert orders[secret]["caller_phone"] == "137****4321" and orders[secret]["requester_name"] == "（保密）"
    assert "caller_lookup" not in orders[plain]
    assert r.json()["cursor"] >= max(c["seq"] for c in changes)
    first = unit.get("/api/v1/snapshot/work_order").json()
    assert first["total"] == 2 and {o["number"] for o in first["items"]} == {plain, secret}
    assert unit.get("/api/v1/snapshot/caller").json() == {**unit.get("/api/v1/snapshot/caller").json(),
                                                          "items": [], "total": 0, "next": None}
    assert unit.get("/api/v1/lookup-key").status_code == 403
    assert elsewhere in {o["number"] for o in snapshot(desk("unit_b04"), "work_order")}


def test_an_administrator_gets_no_callers_and_no_hashes(platform, desk, taken):  # noqa: F811
    admin = desk("admin")
    changes = feed(admin)
    assert not [c for c in changes if c["entity"] == "caller"]
    orders = latest(changes, "work_order")
    assert all("caller_lookup" not in o and "*" in o["caller_phone"] for o in orders.values())
    assert admin.get("/api/v1/lookup-key").status_code == 403
    assert admin.get("/api/v1/snapshot/caller").json()["items"] == []
