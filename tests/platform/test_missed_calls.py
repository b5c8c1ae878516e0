"""Missed calls and their callbacks: a caller who gave up waits in the open list, and each callback
attempt is recorded until the caller is reached or given up on."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.platform.test_call_reports import Seat, report, seat_maker
from tests.platform.test_events import events
from tests.platform.test_work_orders import mutation, new_order


@pytest.fixture
def seats(platform) -> Iterator[Callable[..., Seat]]:
    yield from seat_maker(platform)


def outcome(call_id: str, what: str, **extra) -> dict:
    return {"id": str(uuid.uuid4()), "entity": "missed_call", "op": "outcome", "entity_id": call_id,
            "payload": {"outcome": what, **extra}}


def missed(api, **params) -> dict:
    r = api.get("/api/v1/missed-calls", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_caller_who_gave_up_waits_in_the_open_list_with_their_name(platform, seats):
    agent, lead = seats("agent"), seats("lead")
    # a caller the platform knows by name from an earlier work order
    assert agent.post("/api/v1/mutations", json=mutation("create", new_order("13800138000"))).status_code == 200
    with events(lead) as stream:
        call = lead.post("/api/v1/calls", json={"caller_phone": "13800138000", "patience_s": 0.05}).json()
        _, data = stream.until(lambda e, d: e == "missed_call")[-1]
    assert data == {"call_id": call["call_id"], "callback_state": "open"}
    # a reported call with no name is named from the caller records too
    assert agent.post("/api/v1/mutations", json=report("sip-1", "ended", "13800138000")).status_code == 200
    listed = missed(agent)
    assert listed["total"] == 2 and [i["call_id"] for i in listed["items"]] == [call["call_id"], "sip-1"]
    first = listed["items"][0]
    assert (first["caller_phone"], first["caller_name"], first["source"], first["end_reason"]) == (
        "13800138000", "张先生", "platform", "abandoned")
    assert (first["callback_state"], first["callback_attempts"], first["callback_outcome"]) == ("open", 0, None)
    assert listed["items"][1]["caller_name"] == "张先生" and listed["items"][1]["source"] == "sip"
    audit = seats("admin").get("/api/v1/audit").json()["items"]
    assert [(a["action"], a["entity"], a["entity_id"], a["username"]) for a in audit
            if a["action"] == "list_missed_calls"] == [("list_missed_calls", "caller", "13800138000", "agent")]


def test_callback_outcomes_close_the_callback_or_count_the_attempts_and_only_seats_work_them(platform, seats):
    agent, expert = seats("agent"), seats("expert")
    for call_id in ("m-1", "m-2", "m-3"):
        assert agent.post("/api/v1/mutations", json=report(call_id, "ended")).status_code == 200

    with events(agent) as stream:
        for n in (1, 2):
            r = agent.post("/api/v1/mutations", json=outcome("m-1", "no_answer", note=f"第{n}次未接"))
            assert r.status_code == 200, r.text
            item = r.json()["data"]
            assert (item["callback_state"], item["callback_attempts"], item["callback_outcome"]) == (
                "open", n, "no_answer")
        assert stream.until(lambda e, d: e == "missed_call")[-1][1] == {"call_id": "m-1", "callback_state": "open"}
        third = expert.post("/api/v1/mutations", json=outcome("m-1", "busy")).json()["data"]
        assert (third["callback_state"], third["callback_attempts"], third["callback_outcome"]) == (
            "done", 3, "unreachable")
        assert third["callback_by"] == "expert" and third["callback_at"]
        assert stream.until(lambda e, d: e == "missed_call" and d["callback_state"] == "done")[-1][1]["call_id"] == "m-1"

    reached = agent.post("/api/v1/mutations", json=outcome("m-2", "reached", note="已回复", order_number="2025030300001"))
    item = reached.json()["data"]
    assert (item["callback_state"], item["callback_outcome"], item["callback_attempts"]) == ("done", "reached", 0)
    assert (item["callback_note"], item["callback_order"], item["callback_by"]) == ("已回复", "2025030300001", "agent")

    again = agent.post("/api/v1/mutations", json=outcome("m-2", "not_needed"))
    assert again.status_code == 409 and again.json()["error"] == "callback_done"
    assert agent.post("/api/v1/mutations", json=outcome("nope", "reached")).status_code == 404
    bad = agent.post("/api/v1/mutations", json=outcome("m-3", "maybe"))
    assert bad.status_code == 422 and bad.json()["field"] == "payload.outcome"

    assert [i["call_id"] for i in missed(expert)["items"]] == ["m-3"]
    done = missed(agent, state="done")
    assert done["total"] == 2 and {i["call_id"] for i in done["items"]} == {"m-1", "m-2"}
    assert missed(agent, state="all", limit=1)["total"] == 3 and len(missed(agent, state="all", limit=1)["items"]) == 1

    # seats work the list (the expert did above), a dispatcher does not
    dispatcher = seats("dispatcher")
    assert dispatcher.get("/api/v1/missed-calls").status_code == 403
    assert dispatcher.post("/api/v1/mutations", json=outcome("m-3", "reached")).status_code == 403
    assert seats("lead").get("/api/v1/missed-calls").status_code == 200
    assert agent.get("/api/v1/missed-calls", params={"state": "later"}).status_code == 422
    assert agent.get("/api/v1/missed-calls", params={"limit": 501}).status_code == 422
