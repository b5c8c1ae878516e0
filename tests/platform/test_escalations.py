"""Expert escalations: an agent asks, the experts' inboxes hear of it at once, one expert claims and
answers, the agent's form hears the answer; a proposed change to the knowledge base goes to review."""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.platform.test_call_reports import Seat, seat_maker
from tests.platform.test_events import events
from tests.platform.test_kb_import import GOOD, jsonl

DRAFT = {"request_type": "consultation", "category_id": "010103", "content": "来电人询问异地就医备案后的报销比例"}


@pytest.fixture
def seats(platform) -> Iterator[Callable[..., Seat]]:
    yield from seat_maker(platform)


def escalation(op: str, esc_id: str, payload: dict | None = None) -> dict:
    return {"id": str(uuid.uuid4()), "entity": "escalation", "op": op, "entity_id": esc_id, "payload": payload or {}}


def ask(esc_id: str, **extra) -> dict:
    return escalation("create", esc_id, {"group": "medical_insurance", "question": "备案后报销比例是否降低？",
                                         "call_id": "sip-42", "caller_phone": "+86 138 0013 8000",
                                         "caller_name": "张先生", "draft": DRAFT, **extra})


def escalation_event(esc_id: str, state: str):
    return lambda e, d: e == "escalation" and d["id"] == esc_id and d["state"] == state


def test_an_escalation_goes_from_the_agent_to_one_expert_and_back(platform, seats):
    agent, agent2 = seats("agent", "A-01"), seats("agent2", "A-02")
    expert, expert2 = seats("expert", "X-01"), seats("expert2", "X-02", role="expert")
    esc_id = str(uuid.uuid4())
    with events(agent) as agent_stream, events(expert2) as inbox:
        created = agent.post("/api/v1/mutations", json=ask(esc_id))
        assert created.status_code == 200, created.text
        _, seen = inbox.until(escalation_event(esc_id, "open"))[-1]
        assert seen == created.json()["data"]
        assert (seen["agent_username"], seen["seat"], seen["group"], seen["caller_phone"], seen["draft"]) == (
            "agent", "A-01", "medical_insurance", "13800138000", DRAFT)

        claimed = expert.post("/api/v1/mutations", json=escalation("claim", esc_id)).json()["data"]
        assert (claimed["state"], claimed["expert_username"]) == ("claimed", "expert") and claimed["claimed_at"]
        assert inbox.until(escalation_event(esc_id, "claimed"))[-1][1]["expert_username"] == "expert"
        taken = expert2.post("/api/v1/mutations", json=escalation("claim", esc_id))
        assert taken.status_code == 409 and taken.json()["error"] == "escalation_taken"
        assert expert.post("/api/v1/mutations", json=escalation("claim", esc_id)).json()["data"] == claimed
        joined = expert.post("/api/v1/mutations", json=escalation("join", esc_id)).json()["data"]
        assert joined["joined"] is True and joined["state"] == "claimed"

        refused = agent.post("/api/v1/mutations", json=escalation("answer", esc_id, {"answer": "不降低"}))
        assert refused.status_code == 403
        answer = "备案后按参保地规定比例报销，不降低。"
        answered = expert.post("/api/v1/mutations", json=escalation("answer", esc_id, {"answer": answer}))
        assert answered.status_code == 200 and answered.json()["data"]["answered_at"]
        _, heard = agent_stream.until(escalation_event(esc_id, "answered"))[-1]
        assert heard["answer"] == answer and heard["expert_username"] == "expert"

    mine = agent.get(f"/api/v1/escalations/{esc_id}").json()
    assert (mine["state"], mine["answer"], mine["joined"]) == ("answered", answer, True)
    assert [i["id"] for i in agent.get("/api/v1/escalations", params={"state": "all"}).json()["items"]] == [esc_id]
    assert agent.get("/api/v1/escalations").json()["items"] == []  # answered is no longer active
    # another agent sees nothing of it; the expert sees it among all
    assert agent2.get(f"/api/v1/escalations/{esc_id}").status_code == 404
    assert agent2.get("/api/v1/escalations", params={"state": "all"}).json()["items"] == []
    assert [i["id"] for i in expert2.get("/api/v1/escalations", params={"state": "answered"}).json()["items"]] == [
        esc_id]

    closed = agent.post("/api/v1/mutations", json=escalation("cancel", esc_id))
    assert closed.status_code == 409 and closed.json()["error"] == "escalation_closed"
    twice = agent.post("/api/v1/mutations", json=ask(esc_id))
    assert twice.status_code == 409 and twice.json()["error"] == "conflict"


def test_an_agent_cancels_their_own_open_escalation(platform, seats):
    agent, agent2, expert = seats("agent"), seats("agent2"), seats("expert")
    esc_id = str(uuid.uuid4())
    assert agent.post("/api/v1/mutations", json=ask(esc_id, call_id=None, caller_phone="")).status_code == 200
    assert agent2.post("/api/v1/mutations", json=escalation("cancel", esc_id)).status_code == 403
    with events(expert) as inbox:
        cancelled = agent.post("/api/v1/mutations", json=escalation("cancel", esc_id)).json()["data"]
        assert cancelled["state"] == "cancelled"
        assert inbox.until(escalation_event(esc_id, "cancelled"))
    late = expert.post("/api/v1/mutations", json=escalation("claim", esc_id))
    assert late.status_code == 409 and late.json()["error"] == "escalation_closed"
    assert expert.post("/api/v1/mutations", json=escalation("claim", str(uuid.uuid4()))).status_code == 404
    for body, field in ((ask(str(uuid.uuid4()), draft={"content": "长" * 7000}), "payload.draft"),
                        (ask(str(uuid.uuid4()), draft={"content": "a\x00b"}), "payload.draft"),
                        (ask(str(uuid.uuid4()), question=""), "payload.question"),
                        (ask(str(uuid.uuid4()), caller_phone="12ab"), "payload.caller_phone"),
                        (ask("not-a-uuid"), "entity_id")):
        r = agent.post("/api/v1/mutations", content=json.dumps(body), headers={"content-type": "application/json"})
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert seats("dispatcher").get("/api/v1/escalations").status_code == 403


def test_a_knowledge_proposal_from_an_escalation_goes_to_review(platform, seats):
    admin, agent, expert, lead = seats("admin"), seats("agent"), seats("expert", "X-01"), seats("lead")
    assert admin.post("/api/v1/kb/import", content=jsonl(GOOD).encode()).status_code == 200
    esc_id = str(uuid.uuid4())
    assert agent.post("/api/v1/mutations", json=ask(esc_id)).status_code == 200
    proposal = {"id": str(uuid.uuid4()), "entity": "kb_correction", "op": "create",
                "payload": {"entry_id": "kb-t-1", "entry_version": 1, "comment": "补充报销比例口径",
                            "proposed_answer": "备案后按参保地规定比例报销。", "escalation_id": esc_id}}
    r = expert.post("/api/v1/mutations", json=proposal)
    assert r.status_code == 200, r.text
    unknown = expert.post("/api/v1/mutations", json={**proposal, "id": str(uuid.uuid4()),
                                                     "payload": {**proposal["payload"], "escalation_id": "nope"}})
    assert unknown.status_code == 422 and unknown.json()["field"] == "payload.escalation_id"
    plain = {**proposal, "id": str(uuid.uuid4()), "payload": {"entry_id": "kb-t-2", "comment": "口径过期"}}
    assert agent.post("/api/v1/mutations", json=plain).status_code == 200

    items = lead.get("/api/v1/kb/corrections").json()["items"]
    assert [i["id"] for i in items] == [plain["id"], proposal["id"]]
    review = items[1]
    assert (review["escalation_id"], review["proposed_answer"], review["reported_by"], review["seat"]) == (
        esc_id, "备案后按参保地规定比例报销。", "expert", "X-01")
    assert (items[0]["proposed_answer"], items[0]["escalation_id"], items[0]["status"]) == ("", None, "open")
    assert len(admin.get("/api/v1/kb/corrections", params={"status": "all"}).json()["items"]) == 2
    assert agent.get("/api/v1/kb/corrections").status_code == 403
