"""Agent texts on the platform (issue 13): quick phrases, call scripts and form templates are
reference data every platform has from its seed, read by every signed-in user, edited by
administrators only, with bounded input (422, never 500), and every change in the change feed and
the snapshot the seats sync from. The real platform over loopback, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from central import texts
from domain.texts import BODY_MAX, CATEGORY_MAX, TITLE_MAX, TextKind
from tests.platform.test_lifecycle import db_run

NOISE = {"kind": "form_template", "title": "夜间噪声", "category": "城市管理与环境 / 噪声污染 / 社会生活噪声",
         "body": "噪声时段：\n噪声来源："}


def _items(api, kind: str | None = None) -> list[dict]:  # noqa: ANN001
    r = api.get("/api/v1/agent-texts", params={"kind": kind} if kind else None)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _feed(api, after: int) -> list[dict]:  # noqa: ANN001
    r = api.get("/api/v1/changes", params={"after": after})
    assert r.status_code == 200, r.text
    return [c for c in r.json()["changes"] if c["entity"] == "agent_text"]


def _head(api) -> int:  # noqa: ANN001
    return api.get("/api/v1/changes", params={"after": 0, "limit": 5000}).json()["cursor"]


def test_every_platform_starts_with_the_default_texts(sign_in):
    agent = sign_in("agent")
    everything = _items(agent)
    kinds = {t["kind"] for t in everything}
    assert kinds == set(TextKind)
    phrases = _items(agent, "phrase")
    assert 10 <= len(phrases) <= 20 and [p["position"] for p in phrases] == sorted(p["position"] for p in phrases)
    callback = _items(agent, "script_callback")
    assert len(callback) == 1 and "{reply}" in callback[0]["body"] and "{number}" in callback[0]["body"]
    categories = {t["category"] for t in _items(agent, "form_template")}
    assert {"城市管理与环境/噪声污染", "住房与物业/物业管理/物业收费", "公用事业/供水/停水"} <= categories
    snapshot = agent.get("/api/v1/snapshot/agent_text", params={"limit": 1000}).json()
    assert snapshot["total"] == len(everything) and {i["id"] for i in snapshot["items"]} == {t["id"] for t in everything}


def test_an_admin_adds_changes_and_deletes_a_text_and_the_feed_carries_each_change(sign_in):
    admin, agent = sign_in("admin"), sign_in("agent")
    cursor = _head(agent)
    r = admin.post("/api/v1/agent-texts", json=NOISE)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["category"] == "城市管理与环境/噪声污染/社会生活噪声" and made["version"] == 1
    assert made["updated_by"] == "admin"

    r = admin.put(f"/api/v1/agent-texts/{made['id']}",
                  json={**NOISE, "body": "噪声时段：\n噪声来源：\n持续多久：", "base_version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = admin.put(f"/api/v1/agent-texts/{made['id']}", json={**NOISE, "base_version": 1})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    same = admin.put(f"/api/v1/agent-texts/{made['id']}", json={**NOISE, "body": "噪声时段：\n噪声来源：\n持续多久："})
    assert same.status_code == 200 and same.json()["version"] == 2  # nothing changed: no new version

    assert admin.delete(f"/api/v1/agent-texts/{made['id']}").status_code == 200
    assert admin.delete(f"/api/v1/agent-texts/{made['id']}").status_code == 404
    assert made["id"] not in {t["id"] for t in _items(agent)}

    changes = [(c["op"], c["id"], (c["data"] or {}).get("version")) for c in _feed(agent, cursor)]
    assert changes == [("upsert", made["id"], 1), ("upsert", made["id"], 2), ("delete", made["id"], None)]


def test_only_an_admin_edits_texts(sign_in):
    some = _items(sign_in("agent"), "phrase")[0]
    for username in ("agent", "expert", "lead", "dispatcher", "unit_d01"):
        user = sign_in(username)
        for method, url, body in (("POST", "/api/v1/agent-texts", NOISE),
                                  ("PUT", f"/api/v1/agent-texts/{some['id']}", {**NOISE, "kind": "phrase", "category": ""}),
                                  ("DELETE", f"/api/v1/agent-texts/{some['id']}", None)):
            r = user.request(method, url, json=body)
            assert r.status_code == 403 and r.json()["error"] == "forbidden", (username, method, r.text)
    assert _items(sign_in("agent"), "phrase")[0] == some


@pytest.mark.parametrize(("change", "field"), [
    ({"title": ""}, "title"),
    ({"title": "长" * (TITLE_MAX + 1)}, "title"),
    ({"body": "   "}, "body"),
    ({"body": "字" * (BODY_MAX + 1)}, "body"),
    ({"body": "响铃\x07"}, "body"),
    ({"kind": "sonnet"}, "kind"),
    ({"category": ""}, "category"),  # a form template needs its category
    ({"category": "类" * (CATEGORY_MAX + 1)}, "category"),
    ({"kind": "phrase"}, "category"),  # only templates have one
    ({"kind": "script_callback", "category": "", "body": "您好，回访工单{number}"}, "body"),  # no {reply}
    ({"position": -1}, "position"),
    ({"position": 2**70}, "position"),
    ({"base_version": 0}, "base_version"),
    ({"colour": "red"}, "colour"),
])
def test_bad_input_is_refused_with_422_naming_the_field(sign_in, change, field):
    admin = sign_in("admin")
    before = _items(admin)
    r = admin.post("/api/v1/agent-texts", json={**NOISE, **change})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid" and r.json()["field"] == field, r.text
    some = before[0]
    r = admin.put(f"/api/v1/agent-texts/{some['id']}", json={**NOISE, **change})
    assert r.status_code == 422, r.text
    assert _items(admin) == before


def test_odd_ids_and_bodies_are_refused_never_a_500(sign_in):
    admin = sign_in("admin")
    assert admin.put("/api/v1/agent-texts/" + "x" * 37, json=NOISE).status_code == 422
    assert admin.delete("/api/v1/agent-texts/nobody").status_code == 404
    assert admin.post("/api/v1/agent-texts", content=b"[1, 2", headers={"Content-Type": "application/json"}) \
        .status_code == 422
    assert admin.post("/api/v1/agent-texts", json=[NOISE]).status_code == 422
    assert admin.get("/api/v1/agent-texts", params={"kind": "sonnet"}).status_code == 422


def test_the_defaults_go_in_once_so_that_a_deleted_default_stays_deleted(platform, sign_in):
    admin = sign_in("admin")
    closing = _items(admin, "script_closing")[0]
    assert admin.delete(f"/api/v1/agent-texts/{closing['id']}").status_code == 200
    assert db_run(platform, texts.ensure_defaults) == 0  # as at every start of the platform
    assert _items(admin, "script_closing") == []
