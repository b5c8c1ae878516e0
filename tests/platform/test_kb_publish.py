"""Departments publish their own entries and answers to hot questions (答复口径) through the API
(issue 14): a handling unit's user only as its own department and never over another
department's entry; a new version reaches the feed; entries about to expire are listed for their
department's editors."""
from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

from domain import clock


def _entry(key: str, department: str, **extra) -> dict:
    return {"id": key, "title": "城东区老旧小区加装电梯补贴口径", "answer": "每台补贴20万元。",
            "category_path": ["住房与物业"], "source_department": department, "policy_basis": "", "keywords": [],
            "valid_from": "2024-01-01", "valid_to": None, "version": 1, "status": "published", **extra}


def _unit_name(api, unit_id: str) -> str:  # noqa: ANN001
    units = api.get("/api/v1/snapshot/handling_unit", params={"limit": 5000}).json()["items"]
    return next(u["name"] for u in units if u["id"] == unit_id)


def _put(api, entry: dict, key: str | None = None):  # noqa: ANN001, ANN201
    return api.put(f"/api/v1/kb/entries/{key or entry['id']}", content=json.dumps(entry, ensure_ascii=False).encode(),
                   headers={"Content-Type": "application/json"})


def test_a_department_publishes_its_own_entry_and_only_its_own(platform, sign_in):
    unit, admin, agent = sign_in("unit_d01"), sign_in("admin"), sign_in("agent")
    own = _unit_name(unit, "D01")
    r = _put(unit, _entry("pub-1", own))
    assert r.status_code == 200 and r.json()["version"] == 1, r.text
    r = _put(unit, _entry("pub-1", own, answer="每台补贴25万元。"))
    assert r.json()["version"] == 2 and r.json()["answer"] == "每台补贴25万元。"
    changes = agent.get("/api/v1/changes", params={"after": 0, "limit": 1000}).json()["changes"]
    assert [c["data"]["version"] for c in changes if c["entity"] == "kb_entry" and c["id"] == "pub-1"] == [1, 2]
    r = _put(unit, _entry("pub-2", "市住房公积金管理中心"))
    assert r.status_code == 403 and r.json()["error"] == "not_your_department", r.text
    admin.post("/api/v1/kb/import", content=json.dumps(_entry("fund-1", "市住房公积金管理中心"), ensure_ascii=False).encode())
    r = _put(unit, _entry("fund-1", own))  # another department's entry is not its to take over
    assert r.status_code == 403, r.text
    assert agent.get("/api/v1/kb/entries/fund-1").json()["source_department"] == "市住房公积金管理中心"
    assert _put(agent, _entry("pub-3", own)).status_code == 403  # an agent publishes nothing
    assert _put(admin, _entry("fund-1", "市住房公积金管理中心", answer="新口径")).status_code == 200


def test_bad_entries_are_refused_with_the_field_named(platform, sign_in):
    unit = sign_in("unit_d01")
    own = _unit_name(unit, "D01")
    assert _put(unit, _entry("pub-9", own), key="other").json()["field"] == "id"
    assert _put(unit, _entry("pub-9", own, valid_to="2023-01-01")).json()["field"] == "valid_to"
    assert _put(unit, {**_entry("pub-9", own), "title": ""}).json()["field"] == "title"
    r = unit.put("/api/v1/kb/entries/pub-9", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text


def test_entries_about_to_expire_are_listed_for_their_department(platform, sign_in):
    unit, admin = sign_in("unit_d01"), sign_in("admin")
    own = _unit_name(unit, "D01")
    soon = (clock.now().date() + timedelta(days=10)).isoformat()
    later = (clock.now().date() + timedelta(days=200)).isoformat()
    lines = [_entry("exp-own", own, valid_to=soon), _entry("exp-late", own, valid_to=later),
             _entry("exp-other", "市税务局", valid_to=soon)]
    admin.post("/api/v1/kb/import", content="\n".join(json.dumps(e, ensure_ascii=False) for e in lines).encode())
    assert [e["id"] for e in unit.get("/api/v1/kb/expiring").json()["items"]] == ["exp-own"]
    assert {e["id"] for e in admin.get("/api/v1/kb/expiring").json()["items"]} == {"exp-own", "exp-other"}
    assert date.fromisoformat(unit.get("/api/v1/kb/expiring", params={"days": 366}).json()["items"][-1]["valid_to"])


def _notices(api, after: int = 0) -> list[dict]:  # noqa: ANN001
    changes = api.get("/api/v1/changes", params={"after": after, "limit": 1000}).json()["changes"]
    return [c["data"] for c in changes if c["entity"] == "kb_notice"]


def test_a_new_or_changed_answer_is_announced_to_the_seats_and_an_unchanged_one_is_not(platform, sign_in):
    unit, admin, agent = sign_in("unit_d01"), sign_in("admin"), sign_in("agent")
    own = _unit_name(unit, "D01")
    assert _put(unit, _entry("ann-1", own)).status_code == 200
    assert _put(unit, _entry("ann-1", own)).status_code == 200  # the same again: nothing to announce
    assert _put(unit, _entry("ann-1", own, answer="每台补贴25万元。", valid_from="2099-01-01")).status_code == 200
    assert _put(unit, _entry("ann-2", own, status="draft")).status_code == 200  # not published: not news
    notices = _notices(agent)
    assert [(n["entry_id"], n["entry_version"], n["change"], n["department"]) for n in notices] == [
        ("ann-1", 1, "new", own), ("ann-1", 2, "changed", own)]
    assert notices[1]["valid_from"] == "2099-01-01" and notices[1]["title"] == "城东区老旧小区加装电梯补贴口径"
    snapshot = agent.get("/api/v1/snapshot/kb_notice").json()  # a seat resyncing gets them too
    assert sorted(n["entry_version"] for n in snapshot["items"]) == [1, 2]
    # an imported file is the knowledge base's bulk load, not an announcement
    admin.post("/api/v1/kb/import", content=json.dumps(_entry("imp-1", own), ensure_ascii=False).encode())
    assert len(_notices(agent)) == 2


def test_an_accepted_correction_is_announced_as_a_changed_answer(platform, sign_in):
    admin, agent, lead = sign_in("admin"), sign_in("agent"), sign_in("lead")
    admin.post("/api/v1/kb/import", content=json.dumps(_entry("cor-1", "市住房和城乡建设委员会"),
                                                       ensure_ascii=False).encode()).raise_for_status()
    r = agent.post("/api/v1/mutations", json={
        "id": str(uuid.uuid4()), "entity": "kb_correction", "op": "create",
        "payload": {"entry_id": "cor-1", "entry_version": 1, "comment": "补贴标准已调整",
                    "proposed_answer": "每台补贴30万元。"}})
    correction = r.json()["data"]["id"]
    r = lead.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "kb_correction", "op": "decide",
                                             "entity_id": correction, "payload": {"decision": "accept"}})
    assert r.status_code == 200, r.text
    assert [(n["entry_id"], n["entry_version"], n["change"]) for n in _notices(agent)] == [("cor-1", 2, "changed")]
