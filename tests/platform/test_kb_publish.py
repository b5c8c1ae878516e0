"""Departments publish their own entries and answers to hot questions (答复口径) through the API
(issue 14): a handling unit's user only as its own department and never over another
department's entry; a new version reaches the feed; entries about to expire are listed for their
department's editors."""
from __future__ import annotations

import json
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
