"""Keeping the knowledge base right (issue 14): a correction report or an expert's proposal is
accepted (the entry gets a new version, in the feed for every seat) or rejected with the reason;
the reporter reads the outcome; every version is kept with who changed it and when, so an agent can
read the previous answer."""
from __future__ import annotations

import json
import uuid

ENTRY = {"id": "rev-1", "title": "居住证办理需要什么材料", "answer": "身份证和租房合同。", "category_path": ["公安与户政"],
         "source_department": "市公安局", "policy_basis": "", "keywords": ["居住证"], "valid_from": "2024-01-01",
         "valid_to": None, "version": 1, "status": "published"}


def _decide(api, correction: str, **payload):  # noqa: ANN001, ANN201
    return api.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "kb_correction", "op": "decide",
                                               "entity_id": correction, "payload": payload})


def _report(api, comment: str, proposed: str = "") -> str:  # noqa: ANN001
    mutation = {"id": str(uuid.uuid4()), "entity": "kb_correction", "op": "create",
                "payload": {"entry_id": "rev-1", "entry_version": 1, "comment": comment,
                            **({"proposed_answer": proposed} if proposed else {})}}
    r = api.post("/api/v1/mutations", json=mutation)
    assert r.status_code == 200, r.text
    return r.json()["data"]["id"]


def test_an_accepted_correction_is_a_new_version_every_seat_gets_and_the_reporter_sees(platform, sign_in):
    admin, agent, lead, expert = sign_in("admin"), sign_in("agent"), sign_in("lead"), sign_in("expert")
    admin.post("/api/v1/kb/import", content=json.dumps(ENTRY, ensure_ascii=False).encode()).raise_for_status()
    wrong = _report(agent, "还需要半年社保缴费证明")
    proposal = _report(expert, "材料已更新", proposed="身份证、租房合同和近半年社保缴费证明。")
    assert {c["id"] for c in lead.get("/api/v1/kb/corrections").json()["items"]} >= {wrong, proposal}

    r = _decide(lead, proposal, decision="accept")
    assert r.status_code == 200 and r.json()["data"]["status"] == "accepted", r.text
    entry = agent.get("/api/v1/kb/entries/rev-1").json()
    assert (entry["version"], entry["answer"]) == (2, "身份证、租房合同和近半年社保缴费证明。")
    changes = agent.get("/api/v1/changes", params={"after": 0, "limit": 1000}).json()["changes"]
    assert [c["data"]["version"] for c in changes if c["entity"] == "kb_entry" and c["id"] == "rev-1"] == [1, 2]
    versions = agent.get("/api/v1/kb/entries/rev-1/versions").json()["items"]
    assert [(v["version"], v["changed_by"], v["why"]) for v in versions] == [(2, "lead", "correction"),
                                                                             (1, "admin", "import")]
    assert versions[1]["entry"]["answer"] == "身份证和租房合同。"  # the previous answer, for the agent

    assert _decide(lead, wrong, decision="reject").json()["field"] == "payload.note"
    r = _decide(lead, wrong, decision="reject", note="社保证明已不再要求，见新版口径")
    assert r.json()["data"]["status"] == "rejected"
    mine = agent.get("/api/v1/kb/corrections/mine").json()["items"]
    assert [(m["id"], m["status"], m["decision_note"], m["decided_by"]) for m in mine] == [
        (wrong, "rejected", "社保证明已不再要求，见新版口径", "lead")]
    assert _decide(lead, wrong, decision="accept", answer="x").status_code == 409  # decided already
    assert _decide(agent, proposal, decision="reject", note="x").status_code == 403
    assert _decide(lead, "nope", decision="accept").status_code == 404
