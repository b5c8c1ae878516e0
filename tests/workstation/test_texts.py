"""The agent texts on a seat (issue 13): synced from the real platform into a real cache file, an
administrator's changes followed through the feed, read offline from the cache; the form template
of the most specific category prefix wins; a cache of the previous schema gets the table and
syncs again."""
from __future__ import annotations

import sqlite3

import httpx
import pytest

from central.seed import DEMO_PASSWORD
from domain.texts import TextKind
from offline_cache import schema
from offline_cache.store import CacheStore
from workstation.platform_client import PlatformClient
from workstation.sync import SyncService
from workstation.texts import TextService

pytestmark = pytest.mark.asyncio

NOISE, CONSTRUCTION = "城市管理与环境/噪声污染", "城市管理与环境/噪声污染/施工噪声"


@pytest.fixture
def admin(platform):
    with httpx.Client(base_url=platform.url, timeout=20.0) as client:
        r = client.post("/api/v1/auth/sign-in", json={"username": "admin", "password": DEMO_PASSWORD})
        client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield client


def _template(admin: httpx.Client, category: str) -> dict:
    items = admin.get("/api/v1/agent-texts", params={"kind": "form_template"}).json()["items"]
    return next(t for t in items if t["category"] == category)


async def test_the_seat_keeps_the_texts_and_follows_an_admins_changes(sync, admin):
    await sync.download_all()
    texts = TextService(sync)
    phrases = texts.phrases()
    assert 10 <= len(phrases) <= 20 and all(p.kind == TextKind.phrase for p in phrases)
    assert [p.title for p in texts.phrases("稍等")] == ["稍等查询"]
    assert [p.title for p in texts.phrases("shaodeng")] == ["稍等查询"]  # pinyin
    assert texts.phrases("稍等 不存在的词") == []
    assert texts.script(TextKind.script_opening).body.startswith("您好，12345")

    # the most specific prefix wins; a path under no template has none
    assert texts.template_for(f"{CONSTRUCTION}") == _template(admin, CONSTRUCTION)["body"]
    assert texts.template_for(["城市管理与环境", "噪声污染", "交通噪声"]) == _template(admin, NOISE)["body"]
    assert texts.template_for("城市管理与环境") == ""
    assert texts.template_for("社会保障/医疗保险/报销结算") == ""
    stop_water = sync.store.conn.execute(
        "SELECT c.id FROM categories c JOIN categories p ON c.parent_id = p.id WHERE c.name = '停水' "
        "AND p.name = '供水'").fetchone()[0]
    assert "停水开始时间" in texts.template_for_category(stop_water)
    assert texts.template_for_category("no-such-category") == ""

    # an administrator's changes reach the cache through the feed
    script = admin.get("/api/v1/agent-texts", params={"kind": "script_callback"}).json()["items"][0]
    r = admin.put(f"/api/v1/agent-texts/{script['id']}", json={
        "kind": "script_callback", "title": "回访", "body": "回访工单{number}：{reply}。满意吗？"})
    assert r.status_code == 200, r.text
    r = admin.post("/api/v1/agent-texts", json={"kind": "form_template", "title": "交通噪声",
                                                "category": f"{NOISE}/交通噪声", "body": "路段：\n时段："})
    assert r.status_code == 201, r.text
    gone = phrases[0]
    assert admin.delete(f"/api/v1/agent-texts/{gone.id}").status_code == 200
    await sync.download_all()
    assert texts.callback_script("20260302000001", " 已清理。 ") == "回访工单20260302000001：已清理。。满意吗？"
    assert texts.template_for(f"{NOISE}/交通噪声") == "路段：\n时段："
    assert gone.id not in {p.id for p in texts.phrases()}


async def test_the_texts_are_read_offline_from_the_cache(sync, tmp_path):
    await sync.download_all()
    await sync.stop()
    sync.store.close()
    store = CacheStore(tmp_path / "cache.db")  # the same file; nothing answers at this address
    offline = SyncService(store, PlatformClient("http://127.0.0.1:9"))
    try:
        texts = TextService(offline)
        assert texts.phrases() and texts.template_for(CONSTRUCTION).startswith("施工时间段")
        assert "工单编号20260302000001" in texts.callback_script("20260302000001", "已处理")
        assert "已处理" in texts.callback_script("20260302000001", "已处理")
    finally:
        await offline.stop()
        await offline.client.close()
        store.close()


async def test_a_cache_of_the_previous_schema_gets_the_texts_table_and_syncs_again(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, _description, step in schema.MIGRATIONS[:3]:
        step(conn)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute("INSERT INTO sync_state(key, value) VALUES ('cursor', '42')")
    conn.close()
    store = CacheStore(path)
    try:
        assert schema.version(store.conn) == schema.MIGRATIONS[-1][0]
        assert store.get_state("cursor") is None  # the next sync is a full resync: it brings the texts
        assert store.conn.execute("SELECT count(*) FROM agent_texts").fetchone()[0] == 0
    finally:
        store.close()
