"""Input at the limits of the database, of `datetime` and of JSON nesting is refused with 422, and
a bug is one log line with the request's id (the findings of a schemathesis run, pinned)."""
from __future__ import annotations

import json
import logging
import sqlite3
import uuid

import pytest

from central import db
from domain import clock
from tests.platform.test_work_orders import mutation, new_order

BEYOND_64_BITS = (2**63, 2**64 + 1, 10**30)
# (who may read it, path, integer parameter)
INTEGER_QUERIES = [("lead", "/api/v1/missed-calls", "offset"), ("lead", "/api/v1/changes", "after"),
                   ("lead", "/api/v1/work-orders", "offset"), ("lead", "/api/v1/reviews", "offset"),
                   ("lead", "/api/v1/supervisions", "offset"), ("lead", "/api/v1/callbacks", "offset"),
                   ("admin", "/api/v1/audit", "after")]
DATETIME_LIMITS = ("0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00",
                   "9999-12-31T23:59:59.999999", "1999-12-31T23:59:59+08:00", "2100-01-02T00:00:00+08:00")


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def escalation(draft: dict) -> dict:
    return {"id": str(uuid.uuid4()), "entity": "escalation", "op": "create", "entity_id": str(uuid.uuid4()),
            "payload": {"question": "备案后报销比例是否降低？", "draft": draft}}


def test_integers_beyond_64_bits_are_refused_on_every_list(platform, sign_in):
    users = {name: sign_in(name) for name in ("lead", "admin")}
    for name, path, param in INTEGER_QUERIES:
        assert users[name].get(path, params={param: 2**62}).status_code == 200, path
        for value in BEYOND_64_BITS:
            r = users[name].get(path, params={param: value})
            assert r.status_code == 422 and r.json()["field"] == param, (path, value, r.text)


def test_a_version_beyond_64_bits_is_refused(platform, sign_in):
    agent, admin = sign_in("agent"), sign_in("admin")
    line = {"id": "KB-X1", "title": "t", "answer": "a", "category_path": ["社保"], "version": 2**63}
    r = admin.post("/api/v1/kb/import", content=json.dumps(line).encode(),
                   headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 422 and "version" in r.json()["problems"][0]["message"], r.text
    line.update(version=1, valid_from="0001-01-01")
    r = admin.post("/api/v1/kb/import", content=json.dumps(line).encode(),
                   headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 422 and "valid_from" in r.json()["problems"][0]["message"], r.text
    correction = {"id": str(uuid.uuid4()), "entity": "kb_correction", "op": "create",
                  "payload": {"entry_id": "KB-X1", "entry_version": 2**63, "comment": "过时"}}
    r = agent.post("/api/v1/mutations", json=correction)
    assert r.status_code == 422 and r.json()["field"] == "payload.entry_version", r.text


def test_times_at_the_limits_of_datetime_are_refused(platform, sign_in):
    agent, lead = sign_in("agent"), sign_in("lead")
    number = agent.post("/api/v1/mutations", json=mutation("create", new_order())).json()["data"]["number"]
    for moment in DATETIME_LIMITS:
        r = agent.post("/api/v1/mutations", json=mutation(
            "transfer", {"target_unit_id": "E110", "transferred_at": moment}, number))
        assert r.status_code == 422 and r.json()["field"] == "payload.transferred_at", (moment, r.text)
        report = {"id": str(uuid.uuid4()), "entity": "call", "op": "report", "entity_id": f"c-{uuid.uuid4()}",
                  "payload": {"state": "ringing", "caller_phone": "13800138000", "source": "sip", "at": moment}}
        r = agent.post("/api/v1/mutations", json=report)
        assert r.status_code == 422 and r.json()["field"] == "payload.at", (moment, r.text)
    for period in ({"from": "0001-01-01"}, {"from": "2025-01-01", "to": "9999-12-31"}, {"from": "1999-12-31"}):
        r = lead.get("/api/v1/metrics", params=period)
        assert r.status_code == 422, (period, r.text)
    assert lead.get("/api/v1/metrics", params={"from": "2025-01-01"}).status_code == 200
    fine = agent.post("/api/v1/mutations", json=mutation(
        "transfer", {"target_unit_id": "E110", "transferred_at": "2026-10-02T09:15:00+00:00"}, number))
    assert fine.status_code == 200, fine.text


def test_json_nested_too_deep_is_refused_and_the_lists_keep_working(platform, sign_in):
    agent, lead, admin = sign_in("agent"), sign_in("lead"), sign_in("admin")
    r = agent.post("/api/v1/mutations", json=escalation(nested(500)))
    assert r.status_code == 422 and r.json()["error"] == "invalid" and "nested deeper" in r.json()["message"]
    assert agent.post("/api/v1/mutations", json=escalation(nested(20))).status_code == 200
    for user in (agent, lead):
        listed = user.get("/api/v1/escalations")
        assert listed.status_code == 200 and len(listed.json()["items"]) == 1, listed.text
    # far deeper than Python's recursion limit, and unparseable at any depth
    for body in (b"[" * 100_000 + b"]" * 100_000, b"{" * 40, b'{"a":' * 1000):
        r = agent.post("/api/v1/mutations", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, r.text
    r = admin.put("/api/v1/kb/synonyms", content=b'{"a":' * 5000 + b"[]" + b"}" * 5000)
    assert r.status_code == 422 and r.json()["error"] == "invalid", r.text
    r = admin.post("/api/v1/kb/import", content=b'{"id": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",
                   headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 422 and "nested deeper" in r.json()["problems"][0]["message"], r.text
    # strings may hold any brackets
    synonyms = {"医保": ["[[[[" * 16, "}}}}" * 16]}  # a lexicon word has at most 64 characters
    assert admin.put("/api/v1/kb/synonyms", json=synonyms).status_code == 200


def test_a_draft_stored_before_the_limit_does_not_break_the_lists(platform, sign_in):
    expert, agent = sign_in("expert"), sign_in("agent")
    esc_id = str(uuid.uuid4())

    async def store() -> None:
        async with platform.platform.db.write() as conn:
            await conn.execute(db.escalations.insert().values(
                id=esc_id, agent_id=agent.session["user"]["id"], agent_username="agent", seat="S-01",
                expert_group="general", call_id=None, caller_phone="", caller_name="", question="q",
                draft=nested(500), state="open", joined=False, created_at=clock.stamp()))
    platform.run_coroutine(store())
    for user in (expert, agent):
        listed = user.get("/api/v1/escalations")
        assert listed.status_code == 200, listed.text
        assert [(i["id"], i["draft"]) for i in listed.json()["items"]] == [(esc_id, {})]
        one = user.get(f"/api/v1/escalations/{esc_id}")
        assert one.status_code == 200 and one.json()["draft"] == {}, one.text
    claimed = expert.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "escalation",
                                                       "op": "claim", "entity_id": esc_id, "payload": {}})
    assert claimed.status_code == 200 and claimed.json()["data"]["state"] == "claimed", claimed.text


def test_every_answer_carries_a_request_id(platform, sign_in):
    agent = sign_in("agent")
    mine = agent.get("/api/v1/me", headers={"X-Request-ID": "seat-S01.42"})
    assert mine.headers["X-Request-ID"] == "seat-S01.42"
    made = {agent.get("/api/v1/me", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
            for bad in ("a b", "x" * 65, "")}
    assert len(made) == 3 and all(len(i) == 32 for i in made)
    too_large = agent.post("/api/v1/mutations", content=b"x" * (2 << 20))
    assert too_large.status_code == 413 and too_large.headers["X-Request-ID"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_bug_is_one_log_line_naming_the_request(platform, sign_in, db_url, caplog):
    admin = sign_in("admin")
    # a real fault under the running platform: its audit table is gone
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("DROP TABLE audit_log")
    with caplog.at_level(logging.INFO):
        r = admin.get("/api/v1/audit", headers={"X-Request-ID": "find-me-1"})
    assert r.status_code == 500 and r.headers["X-Request-ID"] == "find-me-1"
    assert r.json()["error"] == "internal" and r.json()["request_id"] == "find-me-1"
    bugs = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert len(bugs) == 1, [rec.getMessage() for rec in bugs]
    line = bugs[0].getMessage()
    assert "\n" not in line and bugs[0].exc_info is None
    assert all(part in line for part in ("GET", "/api/v1/audit", "OperationalError", "audit_log", "find-me-1"))
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="central.errors"):
        assert admin.get("/api/v1/audit", headers={"X-Request-ID": "find-me-2"}).status_code == 500
    traced = [rec for rec in caplog.records if rec.levelno == logging.DEBUG and "find-me-2" in rec.getMessage()]
    assert len(traced) == 1 and traced[0].exc_info is not None
