"""A handling unit sees and touches only its own orders (issue 12): another unit's order and an order
that does not exist get the same 403 with no order data; a refusal on its own order masks a
confidential requester; a unit's searches by phone number never match confidential requesters, are
audited even when they find nothing, and are limited per hour. And a change made against an old
version of an order is refused with the order as it is now. The real platform over loopback."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from central import db
from tests.platform.test_lifecycle import db_run, desk, sim_clock  # noqa: F401 - fixtures
from tests.platform.test_work_orders import new_order

OTHER_PHONE = "13912345678"


def forbidden_alike(*responses) -> bool:  # noqa: ANN002
    """Each answer is the same 403, with nothing of an order in it."""
    bodies = [(r.status_code, r.json()) for r in responses]
    return all(b == bodies[0] for b in bodies) and bodies[0][0] == 403 and "current" not in bodies[0][1] \
        and bodies[0][1]["error"] == "forbidden"


@pytest.fixture
def dispatched(platform, desk, sim_clock):  # noqa: F811
    """An order of a confidential requester dispatched to B02 (the medical insurance bureau)."""
    agent, dispatcher = desk("agent"), desk("dispatcher")
    number = agent.ok("create", None, **new_order(OTHER_PHONE, confidential=True))["number"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02", working_days=3)
    return number


@pytest.mark.parametrize(("op", "payload"), [
    ("sign", {}), ("reply", {"reply": "已处理"}), ("apply_return", {"reason": "不属于本单位职责"}),
    ("apply_extension", {"reason": "需要现场核实", "working_days": 3})])
def test_another_units_order_and_a_missing_one_are_refused_alike_with_no_order_data(
        platform, desk, dispatched, op, payload):  # noqa: F811
    stranger = desk("unit_b04")
    theirs = stranger.op(op, dispatched, unit_id="B04", **payload)
    missing = stranger.op(op, "20260928999999", unit_id="B04", **payload)
    assert forbidden_alike(theirs, missing), (theirs.text, missing.text)
    assert OTHER_PHONE not in theirs.text
    assert forbidden_alike(stranger.get(f"/api/v1/work-orders/{dispatched}"),
                           stranger.get("/api/v1/work-orders/20260928999999"))


def test_a_refusal_on_the_units_own_order_masks_a_confidential_requester(platform, desk, dispatched):  # noqa: F811
    unit = desk("unit_b02")
    r = unit.op("reply", dispatched, unit_id="B02", reply="已处理")  # before signing: refused
    assert r.status_code == 409, r.text
    current = r.json()["current"]
    assert current["number"] == dispatched and current["requester_name"] == "（保密）"
    assert OTHER_PHONE not in r.text and current["caller_phone"] == "139****5678"


@pytest.mark.parametrize("platform_options", [{"unit_phone_searches_per_hour": 3}])
def test_a_units_phone_searches_skip_confidential_requesters_are_audited_and_limited(
        platform, desk, dispatched, sim_clock):  # noqa: F811
    unit = desk("unit_b02")
    assert unit.order(dispatched)["requester_name"] == "（保密）"  # its own order, read by number
    for _ in range(3):
        r = unit.get("/api/v1/work-orders", params={"phone": OTHER_PHONE})
        assert r.status_code == 200 and r.json()["items"] == []  # the confidential requester is not found
    limited = unit.get("/api/v1/work-orders", params={"phone": "13800138000"})
    assert limited.status_code == 429 and limited.json()["error"] == "too_many_searches"
    assert int(limited.headers["Retry-After"]) == 3600

    async def searches(conn):  # noqa: ANN001, ANN202
        rows = await conn.execute(select(db.audit_log.c.entity_id).where(
            db.audit_log.c.username == "unit_b02", db.audit_log.c.action == "search_by_phone"))
        return list(rows.scalars())
    assert db_run(platform, searches) == [OTHER_PHONE] * 3  # the empty searches too

    sim_clock.moment = sim_clock.moment.replace(hour=11, minute=1)
    assert unit.get("/api/v1/work-orders", params={"phone": OTHER_PHONE}).status_code == 200
    # the desk still finds the confidential requester's orders by phone: it took them
    agent_view = desk("agent").get("/api/v1/work-orders", params={"phone": OTHER_PHONE}).json()["items"]
    assert [o["number"] for o in agent_view] == [dispatched]


def test_a_change_made_against_an_old_version_is_refused_with_the_order_as_it_is_now(
        platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher = desk("agent"), desk("dispatcher")
    created = agent.ok("create", None, **new_order())
    number, seen = created["number"], created["version"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02", working_days=3)  # the order moves on

    def supervise(base_version: int):  # noqa: ANN202
        return dispatcher.post("/api/v1/mutations", json={
            "id": str(uuid.uuid4()), "entity": "work_order", "op": "supervise", "entity_id": number,
            "base_version": base_version, "payload": {"kind": "remind", "note": "请加快办理"}})

    stale = supervise(seen)
    assert stale.status_code == 409 and stale.json()["error"] == "stale", stale.text
    now = stale.json()["current"]
    assert now["version"] > seen and now["status"] == "dispatched"
    assert supervise(now["version"]).status_code == 200


def test_a_unit_sees_its_own_steps_whole_and_of_the_others_only_where_the_order_went(
        platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher = desk("agent"), desk("dispatcher")
    number = agent.ok("create", None, **new_order())["number"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02", assisting_unit_ids=["D01"], working_days=3)
    lead, helper = desk("unit_b02"), desk("unit_d01")
    lead.ok("sign", number, unit_id="B02")
    helper.ok("sign", number, unit_id="D01")
    helper.ok("reply", number, unit_id="D01", reply="街道已上门核实，情况属实")

    seen = lead.order(number)["timeline"]
    own = [s for s in seen if s["detail"].get("unit_id") == "B02"]
    assert own and all(s["actor"] == "unit_b02" for s in own)
    others = [s for s in seen if s["detail"].get("unit_id") != "B02"]
    assert {s["action"] for s in others} >= {"dispatch", "sign", "reply"}
    assert all(s["actor"] == "" for s in others)  # no staff names of the centre or of D01
    assert "街道已上门核实" not in str(seen)  # nor D01's reply text
    assert "街道已上门核实" in str(dispatcher.order(number)["timeline"])  # the centre sees it all


def test_a_confidential_callers_name_goes_to_those_on_the_phone_not_to_the_dispatcher(
        platform, desk, dispatched):  # noqa: F811
    agent_view = desk("agent").get(f"/api/v1/callers/{OTHER_PHONE}").json()
    dispatcher_view = desk("dispatcher").get(f"/api/v1/callers/{OTHER_PHONE}").json()
    assert agent_view["confidential"] and agent_view["name"] == "张先生"
    assert dispatcher_view["confidential"] and dispatcher_view["name"] == "（保密）"


def test_an_operation_that_does_not_exist_is_invalid_for_anyone_not_forbidden(platform, desk):  # noqa: F811
    for username in ("agent", "unit_b02", "admin", "expert"):
        user = desk(username)
        for entity in ("work_order", "escalation", "call", "missed_call", "kb_correction"):
            r = user.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": entity, "op": "teleport",
                                                     "entity_id": str(uuid.uuid4()), "payload": {}})
            assert r.status_code == 422 and r.json()["field"] == "op", (username, entity, r.text)
