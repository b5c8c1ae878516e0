"""The dispatch rule table as data: shown and replaced by `hotline-central dispatch-rules` (a wrong
rule applies nothing), carried in the change feed and the snapshot, and on a seat after a sync its
catalogue suggests by the new rule. Real platform on loopback, real seat cache."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from central import dispatch_rules
from tests.platform.test_lifecycle import db_run
from tests.workstation.test_kb_learning import _seat


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "central.cli", *args, "--db", url], capture_output=True, text=True,
                          timeout=120)


def test_the_command_shows_the_table_and_replaces_it_only_when_every_rule_is_right(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert _cli(url, "seed").returncode == 0
    shown = _cli(url, "dispatch-rules", "show")
    demo = dispatch_rules.read_file()
    assert shown.returncode == 0 and len(shown.stdout.splitlines()) == len(demo)
    assert "*\t城市管理与环境/市容环卫\tstreet\tB09\t" in shown.stdout
    changed = [dict(demo[0], assisting=[]), {"district": "D02", "category": "教育", "lead": "district"}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [changed[0], {"district": "*", "category": "教育", "lead": "Z9"}]}),
                   encoding="utf-8")
    refused = _cli(url, "dispatch-rules", "import", str(bad))
    assert refused.returncode == 1 and "rules.1" in refused.stderr and "nothing applied" in refused.stderr
    assert _cli(url, "dispatch-rules", "show").stdout == shown.stdout
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"rules": changed}, ensure_ascii=False), encoding="utf-8")
    done = _cli(url, "dispatch-rules", "import", str(good))
    assert done.returncode == 0, done.stderr
    assert f"1 added, 1 changed, {len(demo) - 1} removed, 0 unchanged" in done.stdout
    assert _cli(url, "dispatch-rules", "show").stdout.splitlines() == [
        "*\t城市管理与环境/市容环卫\tstreet\t-\t" + demo[0]["note"], "D02\t教育\tdistrict\t-\t"]
    not_json = tmp_path / "no.json"
    not_json.write_text("{", encoding="utf-8")
    assert _cli(url, "dispatch-rules", "import", str(not_json)).returncode == 2


def _changes(api, after: int = 0) -> list[dict]:  # noqa: ANN001
    return [c for c in api.get("/api/v1/changes", params={"after": after, "limit": 5000}).json()["changes"]
            if c["entity"] == "dispatch_rule"]


@pytest.mark.asyncio
async def test_a_new_rule_reaches_a_seats_suggestion_after_a_sync(platform, sign_in, tmp_path):
    agent = sign_in("agent")
    snapshot = agent.get("/api/v1/snapshot/dispatch_rule").json()
    assert snapshot["total"] == len(dispatch_rules.read_file())
    seat = await _seat(platform, tmp_path, "dispatcher", "R-01")
    try:
        before = seat.catalog.catalog().suggest("040101", "城东区", "东门街道")  # 小学入学: no rule, no unit's category
        assert before is not None and before.rule is None
        head = agent.get("/api/v1/changes", params={"after": 0, "limit": 1}).json()
        rules = dispatch_rules.read_file() + [{"district": "D01", "category": "教育/义务教育", "lead": "street",
                                              "assisting": ["B06"], "note": "城东区义务教育入学由街道先行答复"}]
        made = db_run(platform, lambda conn: dispatch_rules.replace(conn, rules))
        assert made == {"added": 1, "changed": 0, "removed": 0, "unchanged": len(rules) - 1}
        assert [c["id"] for c in _changes(agent, head["cursor"] - 1)][-1] == "D01|教育/义务教育"
        await seat.sync.download_all()
        after = seat.catalog.catalog().suggest("040101", "城东区", "东门街道")
        assert (after.lead.name, [u.id for u in after.assisting]) == ("东门街道", ["B06"])
        assert after.rule.note == "城东区义务教育入学由街道先行答复"
        # removed again: the feed carries the removal, and the seat forgets the rule
        db_run(platform, lambda conn: dispatch_rules.replace(conn, rules[:-1]))
        assert _changes(agent)[-1]["op"] == "delete"
        await seat.sync.download_all()
        assert seat.catalog.catalog().suggest("040101", "城东区", "东门街道").rule is None
    finally:
        client = seat.client
        await seat.close()
        await client.close()
