"""Transfers: the call goes on (110/119/120/122, sub-centres, other cities' 12345), blind or
three-way, and the work order records where, when and why."""
from __future__ import annotations

from tests.platform.test_events import events
from tests.platform.test_work_orders import mutation, new_order


def _answered_call(agent, lead, stream) -> str:  # noqa: ANN001
    assert agent.post("/api/v1/agent/state", json={"state": "ready"}).status_code == 200
    call = lead.post("/api/v1/calls", json={"caller_phone": "13800138000"}).json()["call_id"]
    stream.until(lambda e, d: e == "call" and d["type"] == "ringing")
    assert agent.post(f"/api/v1/calls/{call}/answer").status_code == 200
    return call


def test_a_blind_transfer_ends_the_call_here_and_a_three_way_one_keeps_the_agent_on(platform, sign_in):
    agent, other, lead = sign_in("agent"), sign_in("agent2"), sign_in("lead")
    with events(agent) as stream:
        call = _answered_call(agent, lead, stream)
        assert other.post(f"/api/v1/calls/{call}/transfer", json={"target": "110"}).status_code == 409
        assert agent.post(f"/api/v1/calls/{call}/transfer", json={"target": "110; rm"}).status_code == 422
        r = agent.post(f"/api/v1/calls/{call}/transfer", json={"target": "120", "three_way": True})
        assert r.status_code == 200 and r.json()["state"] == "answered"
        r = agent.post(f"/api/v1/calls/{call}/transfer", json={"target": "120"})
        assert r.status_code == 200 and r.json()["state"] == "ended"
        ended = stream.until(lambda e, d: e == "call" and d["type"] == "ended")[-1][1]
        assert ended["reason"] == "transferred"
        assert lead.get("/api/v1/queue").json()["agents"]["after_call_work"] == 1
        assert agent.post(f"/api/v1/calls/{call}/transfer", json={"target": "120"}).status_code == 409


def test_the_order_records_where_when_and_why_the_call_went(platform, sign_in):
    agent = sign_in("agent")
    number = agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
    bad = agent.post("/api/v1/mutations", json=mutation(
        "transfer", {"target_unit_id": "E110", "transferred_at": "yesterday"}, number))
    assert bad.status_code == 422 and bad.json()["field"] == "payload.transferred_at"
    r = agent.post("/api/v1/mutations", json=mutation("transfer", {
        "target_unit_id": "E110", "note": "来电人称家中被盗，嫌疑人仍在附近", "three_way": True,
        "transferred_at": "2026-10-02T09:15:00", "call_id": "c-42"}, number))
    assert r.status_code == 200, r.text
    timeline = agent.get(f"/api/v1/work-orders/{number}").json()["timeline"]
    step = timeline[-1]
    assert step["action"] == "transfer" and step["actor"] == "agent"
    assert step["detail"]["target"]["id"] == "E110" and step["detail"]["target"]["kind"] == "emergency"
    assert step["detail"]["note"] == "来电人称家中被盗，嫌疑人仍在附近" and step["detail"]["three_way"] is True
    assert step["detail"]["transferred_at"] == "2026-10-02T09:15:00.000000+08:00"
    assert step["detail"]["call_id"] == "c-42"
