"""Knowledge-base import over HTTP and from the command line: a good file is applied, a file with
a malformed line is reported by line number and applies nothing."""
from __future__ import annotations

import json
import subprocess
import sys

GOOD = [
    {"id": "kb-t-1", "title": "异地就医如何备案", "answer": "可通过江州医保APP办理异地就医备案。" * 5,
     "category_path": ["社会保障", "医疗保险", "异地就医"], "source_department": "市医疗保障局",
     "policy_basis": "《中华人民共和国社会保险法》", "keywords": ["异地就医", "备案"], "valid_from": "2024-01-01",
     "valid_to": None, "version": 1, "status": "published"},
    {"id": "kb-t-2", "title": "公积金提取条件", "answer": "购房、租房、退休等情形可以提取住房公积金。" * 4,
     "category_path": ["住房与物业", "住房公积金", "提取"], "source_department": "市住房公积金管理中心",
     "policy_basis": "《住房公积金管理条例》", "keywords": ["公积金", "提取"], "valid_from": "2023-05-01",
     "valid_to": "2025-04-30", "version": 2, "status": "published"},
]


def jsonl(entries: list[dict]) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)


def malformed() -> str:
    lines = jsonl(GOOD).splitlines()
    lines.insert(1, '{"id": "kb-t-3", "title": ')                                   # line 2: broken JSON
    lines.append(json.dumps({**GOOD[0], "id": "kb-t-4", "title": ""}, ensure_ascii=False))  # line 4: empty title
    return "\n".join(lines) + "\n"


def test_a_good_file_is_imported_and_reads_back(platform, sign_in):
    admin = sign_in("admin")
    r = admin.post("/api/v1/kb/import", content=jsonl(GOOD).encode(), headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 0, "unchanged": 0}
    entry = sign_in("agent").get("/api/v1/kb/entries/kb-t-2").json()
    assert {k: entry[k] for k in GOOD[1]} == GOOD[1]
    exported = [json.loads(line) for line in admin.get("/api/v1/kb/export").text.splitlines()]
    assert exported == GOOD
    # importing again changes nothing; a changed answer bumps the version above the stored one
    again = admin.post("/api/v1/kb/import", content=jsonl(GOOD).encode())
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    edited = [{**GOOD[1], "answer": GOOD[1]["answer"] + "补充说明。"}]
    assert admin.post("/api/v1/kb/import", content=jsonl(edited).encode()).json()["updated"] == 1
    assert sign_in("agent").get("/api/v1/kb/entries/kb-t-2").json()["version"] == 3


def test_a_malformed_file_names_its_lines_and_applies_nothing(platform, sign_in):
    admin = sign_in("admin")
    r = admin.post("/api/v1/kb/import", content=malformed().encode())
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert [p["line"] for p in problems] == [2, 4]
    assert "JSON" in problems[0]["message"] and problems[1]["message"].startswith("title:")
    for entry_id in ("kb-t-1", "kb-t-2"):
        assert sign_in("agent").get(f"/api/v1/kb/entries/{entry_id}").status_code == 404
    assert admin.get("/api/v1/kb/export").text == ""


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "central.cli", *args], capture_output=True, text=True, timeout=120)


def test_the_command_line_import_and_export(db_url, tmp_path):
    good, bad, out = tmp_path / "good.jsonl", tmp_path / "bad.jsonl", tmp_path / "out.jsonl"
    good.write_text(jsonl(GOOD), encoding="utf-8")
    bad.write_text(malformed(), encoding="utf-8")
    refused = cli("kb", "import", str(bad), "--db", db_url)
    assert refused.returncode == 1
    assert f"{bad}:2: not valid JSON" in refused.stderr and f"{bad}:4: title:" in refused.stderr
    assert "nothing was imported" in refused.stderr
    done = cli("kb", "import", str(good), "--db", db_url)
    assert done.returncode == 0 and "2 created" in done.stdout
    assert cli("kb", "export", str(out), "--db", db_url).returncode == 0
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == GOOD


def test_control_characters_in_an_import_are_refused_by_line():
    from central.kb import ImportRefused, parse_lines
    lines = jsonl([GOOD[0], {**GOOD[1], "keywords": ["公积金", "提\u0000取"]}]).splitlines()
    try:
        parse_lines(lines)
    except ImportRefused as exc:
        assert [str(p) for p in exc.problems] == ["line 2: keywords: contains a forbidden character U+0000"]
    else:
        raise AssertionError("a NUL in a keyword was accepted")


def test_synonyms_are_data_the_admin_replaces_and_the_feed_carries(platform, sign_in):
    admin, agent = sign_in("admin"), sign_in("agent")
    first = admin.put("/api/v1/kb/synonyms", content=json.dumps({"医保": ["医疗保险"], "社保": ["社会保险"]}))
    assert first.status_code == 200 and first.json()["created"] == 2
    second = admin.put("/api/v1/kb/synonyms", content=json.dumps({"医保": ["医疗保险", "医疗保障"]}))
    assert second.json() == {"created": 0, "updated": 1, "deleted": 1, "unchanged": 0}
    changes = agent.get("/api/v1/changes", params={"after": 0, "limit": 5000}).json()["changes"]
    assert [(c["id"], c["op"]) for c in changes if c["entity"] == "synonym"] == [
        ("医保", "upsert"), ("社保", "upsert"), ("医保", "upsert"), ("社保", "delete")]
    snapshot = agent.get("/api/v1/snapshot/synonym").json()["items"]
    assert snapshot == [{"term": "医保", "expansions": ["医疗保险", "医疗保障"], "version": 2}]
    bad = admin.put("/api/v1/kb/synonyms", content=json.dumps({"医保": []}))
    assert bad.status_code == 422 and "医保" in bad.json()["message"]
    assert agent.put("/api/v1/kb/synonyms", content="{}").status_code == 403


def test_an_agent_reports_an_error_in_an_entry_once(platform, sign_in):
    import uuid
    admin = sign_in("admin")
    admin.post("/api/v1/kb/import", content=jsonl(GOOD).encode())
    agent = sign_in("agent", seat="A-03")
    body = {"id": str(uuid.uuid4()), "entity": "kb_correction", "op": "create",
            "payload": {"entry_id": "kb-t-2", "entry_version": 2, "comment": "提取条件已调整，口径过期"}}
    first, again = agent.post("/api/v1/mutations", json=body), agent.post("/api/v1/mutations", json=body)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    data = first.json()["data"]
    assert (data["entry_id"], data["reported_by"], data["seat"], data["status"]) == ("kb-t-2", "agent", "A-03", "open")
    unknown = agent.post("/api/v1/mutations", json={**body, "id": str(uuid.uuid4()),
                                                    "payload": {"entry_id": "nope", "comment": "x"}})
    assert unknown.status_code == 422 and unknown.json()["field"] == "payload.entry_id"
    assert admin.post("/api/v1/mutations", json={**body, "id": str(uuid.uuid4())}).status_code == 403


def _lexicon_change(api, op: str, term: str, **payload):  # noqa: ANN001, ANN201
    import uuid
    return api.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "synonym", "op": op,
                                               "entity_id": term, "payload": payload})


def test_an_editor_changes_one_lexicon_line_through_the_mutations_and_every_seat_gets_it(platform, sign_in):
    editor, agent = sign_in("editor"), sign_in("agent")
    r = _lexicon_change(editor, "put", " 掉了 ", expansions=["遗失", " 补办", "遗失", "掉了"])
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"term": "掉了", "expansions": ["遗失", "补办"], "version": 1}
    assert _lexicon_change(editor, "put", "掉了", expansions=["遗失", "补办", "挂失"]).json()["data"]["version"] == 2
    changes = agent.get("/api/v1/changes", params={"after": 0, "limit": 1000}).json()["changes"]
    assert [c["data"]["version"] for c in changes if c["entity"] == "synonym" and c["id"] == "掉了"] == [1, 2]
    r = _lexicon_change(editor, "delete", "掉了")
    assert r.status_code == 200 and r.json()["data"] == {"term": "掉了", "deleted": True}, r.text
    snapshot = agent.get("/api/v1/snapshot/synonym").json()["items"]
    assert "掉了" not in {row["term"] for row in snapshot}
    changes = agent.get("/api/v1/changes", params={"after": 0, "limit": 1000}).json()["changes"]
    assert [c["op"] for c in changes if c["entity"] == "synonym" and c["id"] == "掉了"][-1] == "delete"
    # bounds and rights
    assert _lexicon_change(editor, "put", "有 空格", expansions=["x"]).json()["field"] == "entity_id"
    assert _lexicon_change(editor, "put", "掉了", expansions=[]).json()["field"] == "payload.expansions"
    assert _lexicon_change(editor, "put", "掉了", expansions=["词"] * 21).status_code == 422
    assert _lexicon_change(editor, "put", "掉了", expansions=["x" * 65]).status_code == 422
    assert _lexicon_change(editor, "rename", "掉了").status_code == 422
    assert _lexicon_change(agent, "put", "掉了", expansions=["遗失"]).status_code == 403
