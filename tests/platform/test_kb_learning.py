"""The knowledge search learns from agents (issue 14): which entry an agent used after which query
reaches the platform through the mutations endpoint; once two different agents used the same
entry for the same query, the pair goes to every seat through the feed. No phone or ID number is
learnt; bad input is refused with the field named."""
from __future__ import annotations

import json
import uuid

from domain.knowledge import boost_key

ENTRY = {"id": "learn-1", "title": "公积金租房提取", "answer": "带身份证和租房合同。", "category_path": ["住房与物业"],
         "source_department": "市住房公积金管理中心", "policy_basis": "", "keywords": [], "valid_from": "2024-01-01",
         "valid_to": None, "version": 1, "status": "published"}


def use(api, query: str, entry_id: str = "learn-1", action: str = "insert", op: str = "use"):  # noqa: ANN001, ANN201
    return api.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "kb_usage", "op": op,
                                               "payload": {"query": query, "entry_id": entry_id, "action": action}})


def boosts(api) -> list[dict]:  # noqa: ANN001
    changes = api.get("/api/v1/changes", params={"after": 0, "limit": 1000}).json()["changes"]
    return [c["data"] for c in changes if c["entity"] == "kb_boost"]


def test_an_entry_two_agents_used_for_a_query_reaches_every_seat(platform, sign_in):
    admin, agent, agent2, expert = (sign_in(u) for u in ("admin", "agent", "agent2", "expert"))
    assert admin.post("/api/v1/kb/import", content=json.dumps(ENTRY, ensure_ascii=False).encode()).status_code == 200
    for _ in range(3):  # one agent, however often, teaches nothing yet
        r = use(agent, "租房 提取公积金")
        assert r.status_code == 200 and r.json()["data"] == {"learnt": False}, r.text
    assert boosts(expert) == []
    r = use(agent2, "租房  提取公积金", action="open")  # the same query, typed with another space
    assert r.json()["data"] == {"learnt": True}
    [pair] = boosts(expert)
    assert pair == {**pair, "query_key": "租房 提取公积金", "entry_id": "learn-1", "weight": 2,
                    "key": boost_key("租房 提取公积金", "learn-1")}
    snapshot = expert.get("/api/v1/snapshot/kb_boost").json()["items"]
    assert [(s["query_key"], s["weight"]) for s in snapshot] == [("租房 提取公积金", 2)]


def test_numbers_in_a_query_are_never_learnt(platform, sign_in):
    admin, agent, agent2 = (sign_in(u) for u in ("admin", "agent", "agent2"))
    admin.post("/api/v1/kb/import", content=json.dumps(ENTRY, ensure_ascii=False).encode())
    for api in (agent, agent2):
        assert use(api, "13912345678 公积金").json()["data"] == {"learnt": api is agent2}
        assert use(api, "13912345678").json()["data"] == {"learnt": False}
    assert [b["query_key"] for b in boosts(agent)] == ["公积金"]


def test_bad_usage_is_refused_with_the_field_named(platform, sign_in):
    admin, agent, unit = sign_in("admin"), sign_in("agent"), sign_in("unit_d01")
    admin.post("/api/v1/kb/import", content=json.dumps(ENTRY, ensure_ascii=False).encode())
    assert use(agent, "公积金", entry_id="missing").json()["field"] == "payload.entry_id"
    assert use(agent, "公积金", action="copy").json()["field"] == "payload.action"
    assert use(agent, "公" * 201).json()["field"] == "payload.query"
    assert use(agent, "公积金", op="forget").status_code == 422
    assert use(unit, "公积金").status_code == 403  # a handling unit does not search the hotline's KB
