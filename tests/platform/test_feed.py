"""The change feed: paged in order with a cursor; a cursor older than the feed keeps gets a clear
resync answer, and the snapshot then gives the whole state."""
from __future__ import annotations

import asyncio

from central import feed
from central.store import Database
from tests.platform.test_work_orders import mutation, new_order


def read_whole_feed(api, after: int = 0, limit: int = 17) -> tuple[list[dict], int]:
    seen: list[dict] = []
    pages = 0
    while True:
        r = api.get("/api/v1/changes", params={"after": after, "limit": limit})
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["changes"]) <= limit
        seen += page["changes"]
        after = page["cursor"]
        pages += 1
        if not page["has_more"]:
            return seen, pages


def test_paging_through_the_whole_feed_sees_every_change_once_in_order(platform, sign_in):
    agent = sign_in("agent")
    made = [agent.post("/api/v1/mutations", json=mutation("create", new_order(f"1380000{i:04d}"))).json()["data"]
            for i in range(5)]
    agent.post("/api/v1/mutations", json=mutation("close_at_intake", {"answer": "已答复"}, made[0]["number"]))
    changes, pages = read_whole_feed(agent)
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(set(seqs)) and pages > 1
    categories = [c for c in changes if c["entity"] == "category"]
    units = [c for c in changes if c["entity"] == "handling_unit"]
    assert len(categories) > 100 and len(units) >= 40
    order_changes = [c for c in changes if c["entity"] == "work_order"]
    assert [c["id"] for c in order_changes] == [o["number"] for o in made] + [made[0]["number"]]
    assert order_changes[-1]["data"]["status"] == "closed_at_intake"
    # the cursor of the last page is the head: nothing more, and paging again from it is empty
    last = agent.get("/api/v1/changes", params={"after": seqs[-1]}).json()
    assert last == {"changes": [], "cursor": seqs[-1], "has_more": False}


def test_a_cursor_older_than_the_feed_keeps_gets_a_resync_answer(platform, sign_in, db_url):
    agent = sign_in("agent")
    for i in range(3):
        agent.post("/api/v1/mutations", json=mutation("create", new_order(f"1390000{i:04d}")))
    changes, _ = read_whole_feed(agent, limit=1000)
    keep_after = changes[-2]["seq"]

    async def compact() -> None:
        database = Database(db_url)
        async with database.write() as conn:
            await feed.compact(conn, keep_after)
        await database.close()
    asyncio.run(compact())

    r = agent.get("/api/v1/changes", params={"after": 0})
    assert r.status_code == 410
    assert r.json()["error"] == "resync" and r.json()["horizon"] == keep_after
    # a cursor at the horizon is still served
    tail = agent.get("/api/v1/changes", params={"after": keep_after}).json()["changes"]
    assert [c["seq"] for c in tail] == [changes[-1]["seq"]]


def test_the_snapshot_pages_through_the_current_state(platform, sign_in):
    agent = sign_in("agent")
    made = {agent.post("/api/v1/mutations", json=mutation("create", new_order(f"1370000{i:04d}"))).json()["data"]
            ["number"] for i in range(7)}
    seen, after = [], ""
    while True:
        page = agent.get("/api/v1/snapshot/work_order", params={"after": after, "limit": 3}).json()
        seen += [o["number"] for o in page["items"]]
        if page["next"] is None:
            break
        after = page["next"]
    assert set(seen) == made and seen == sorted(seen)
    assert page["as_of"] >= 7
