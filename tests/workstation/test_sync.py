"""Sync against the real platform with faults injected: after each, every mutation the client
recorded reaches the platform exactly once, and the cache equals the platform's state."""
from __future__ import annotations

import asyncio
import sqlite3
import uuid

import pytest

from central.platform import Platform
from central.server import ThreadedPlatform
from offline_cache import workorders
from offline_cache.store import PendingMutations
from workstation.orders import OrderService
from workstation.sync import LinkState

pytestmark = pytest.mark.asyncio
SUMMARY = list(workorders.SUMMARY)


async def until(signal, predicate, timeout: float = 15.0) -> None:
    """Wait until predicate() holds, checking whenever signal is emitted."""
    if predicate():
        return
    done = asyncio.get_running_loop().create_future()

    def check(*_args) -> None:
        if predicate() and not done.done():
            done.set_result(None)
    signal.connect(check)
    try:
        await asyncio.wait_for(done, timeout)
    finally:
        signal.disconnect(check)


def new_order(i: int = 0, phone: str = "13800138000") -> dict:
    return {"request_type": "consultation", "category_id": "010101", "title": f"工单 {i}", "content": "来电咨询",
            "caller_phone": phone}


def platform_orders(api) -> dict[str, dict]:
    orders, after = {}, ""
    while True:
        page = api.get("/api/v1/snapshot/work_order", params={"after": after, "limit": 1000}).json()
        orders.update({o["number"]: {c: o[c] for c in SUMMARY} for o in page["items"]})
        if page["next"] is None:
            return orders
        after = page["next"]


def cache_orders(store) -> dict[str, dict]:
    rows = store.conn.execute(f"SELECT {', '.join(SUMMARY)} FROM work_orders").fetchall()
    return {r["number"]: {c: (bool(r[c]) if c == "deadline_provisional" else r[c]) for c in SUMMARY} for r in rows}


async def settle(sync) -> None:
    await sync.upload_all()
    await sync.download_all()


def assert_consistent(sync, api, made: list[str]) -> None:
    """Everything recorded arrived once; the cache mirrors the platform as `api` (the seat's user) sees it."""
    store = sync.store
    assert store.outbox_size() == 0
    assert store.rejections() == []
    on_platform = platform_orders(api)
    by_ref = {}
    for number, order in on_platform.items():
        if order["client_ref"]:
            assert order["client_ref"] not in by_ref, "a recorded order reached the platform twice"
            by_ref[order["client_ref"]] = number
    assert set(made) <= set(by_ref)
    for ref in made:
        assert workorders.resolve(store.conn, ref) == by_ref[ref]
    assert cache_orders(store) == on_platform


async def test_initial_sync_fills_the_cache_and_reports_progress(sync, sign_in):
    other = sign_in("agent2")
    for i in range(7):
        other.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order", "op": "create",
                                              "payload": new_order(i)})
    seen = []
    sync.progress.connect(lambda what, done, total: seen.append((what, done, total)))
    await sync.download_all()
    categories = sync.store.conn.execute("SELECT count(*) FROM categories").fetchone()[0]
    assert categories == 11 + 39 + 122
    assert cache_orders(sync.store) == platform_orders(sign_in("agent"))
    # agent2 took them: this seat holds their numbers masked, found by the number's hash (R14)
    theirs = sync.store.conn.execute("SELECT caller_phone, caller_lookup FROM work_orders WHERE created_by = "
                                     "(SELECT created_by FROM work_orders ORDER BY number DESC LIMIT 1)").fetchall()
    assert len(theirs) == 7 and all("*" in r[0] and len(r[1]) == 32 for r in theirs)
    category_steps = [(d, t) for w, d, t in seen if w == "category"]
    assert category_steps[0] == (50, 172) and category_steps[-1] == (172, 172)


async def test_an_order_gets_the_platform_number_and_both_numbers_find_it(sync, sign_in):
    orders = OrderService(sync, "A-01")
    provisional = await orders.create(new_order(), then=("close_at_intake", {"answer": "已答复"}))
    assert workorders.find(sync.store.conn, provisional)["status"] == "closed_at_intake"
    assert sync.store.outbox_size() == 2
    await settle(sync)
    number = workorders.resolve(sync.store.conn, provisional)
    assert number != provisional and len(number) == 14
    assert workorders.find(sync.store.conn, provisional) == workorders.find(sync.store.conn, number)
    assert_consistent(sync, sign_in("agent"), [provisional])


async def test_platform_stopped_and_restarted(sync, platform, db_url, sign_in):
    orders = OrderService(sync, "A-01")
    states = []
    sync.link_changed.connect(states.append)
    await settle(sync)
    port = platform.port
    platform.stop()
    made = [await orders.create(new_order(i), then=("close_at_intake", {"answer": "已答复"})) for i in range(3)]
    assert sync.store.outbox_size() == 6
    upload = asyncio.ensure_future(sync.upload_all())
    await until(sync.link_changed, lambda: sync.link == LinkState.offline)
    assert not upload.done()
    assert sync.store.outbox_size() == 6
    restarted = ThreadedPlatform(Platform(db_url), port=port).start()
    try:
        await asyncio.wait_for(upload, 20)
        await sync.download_all()
        assert states[-1] == LinkState.online and LinkState.offline in states
        assert_consistent(sync, sign_in("agent"), made)
    finally:
        restarted.stop()


@pytest.mark.parametrize("kind", ["connect", "server_error", "lost_answer", "duplicate"])
async def test_network_faults_on_upload_deliver_exactly_once(sync, faults, sign_in, kind):
    orders = OrderService(sync, "A-01")
    made = [await orders.create(new_order(i), then=("close_at_intake", {"answer": "已答复"})) for i in range(3)]
    faults.arm(kind, times=4)
    await settle(sync)
    attempts = [s for s in faults.seen if s == "POST /api/v1/mutations"]
    assert len(attempts) == 6 + (4 if kind in ("connect", "server_error", "lost_answer") else 0)
    assert_consistent(sync, sign_in("agent"), made)


async def test_late_and_repeated_feed_pages_do_not_move_the_cache_back(sync, faults, sign_in):
    other = sign_in("agent2")
    await sync.download_all()
    first = other.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order", "op": "create",
                                                  "payload": new_order()}).json()["data"]["number"]
    await sync.download_all()
    other.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order",
                                          "op": "close_at_intake", "entity_id": first, "payload": {"answer": "好"}})
    await sync.download_all()
    cursor = sync.store.cursor
    # the page that brought the order as "accepted" arrives again, twice, after the close
    faults.arm("stale_page", path="/api/v1/changes", times=2, page=faults.page_with(first))
    await sync.download_all()
    await sync.download_all()
    assert workorders.find(sync.store.conn, first)["status"] == "closed_at_intake"
    assert sync.store.cursor == cursor
    await sync.download_all()
    assert_consistent(sync, sign_in("agent"), [])


async def test_a_rejected_mutation_is_kept_with_the_reason_and_the_queue_moves_on(sync, sign_in):
    other = sign_in("agent2")
    number = other.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order", "op": "create",
                                                   "payload": new_order()}).json()["data"]["number"]
    await sync.download_all()
    orders = OrderService(sync, "A-01")
    await orders.act(number, "close_at_intake", {"answer": "我这边答复"})
    # meanwhile the other agent rejects it at intake: our close is now illegal on the platform
    other.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order", "op": "reject_at_intake",
                                          "entity_id": number, "payload": {"reason": "litigation"}})
    later = await orders.create(new_order(2))
    counts = []
    sync.rejections_changed.connect(counts.append)
    await settle(sync)
    [rejection] = sync.store.rejections()
    assert (rejection.op, rejection.entity_id, rejection.status, rejection.code) == (
        "close_at_intake", number, 409, "illegal_transition")
    assert "rejected_at_intake" in rejection.message and counts == [1]
    assert workorders.find(sync.store.conn, number)["status"] == "rejected_at_intake"
    assert workorders.resolve(sync.store.conn, later) != later  # the next one went through
    await sync.discard_rejection(rejection.mutation_id)
    assert sync.store.rejections() == [] and len(sync.store.rejections(include_dismissed=True)) == 1


async def test_a_cursor_too_old_for_the_feed_resyncs_keeping_drafts_and_outbox(sync, faults, db_url, sign_in):
    from central import feed
    from central.store import Database

    await sync.download_all()
    other = sign_in("agent2")
    for i in range(3):
        other.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order", "op": "create",
                                              "payload": new_order(i)})
    database = Database(db_url)
    async with database.write() as conn:
        await feed.compact(conn, await feed.head(conn))
    await database.close()
    sync.store.save_draft("call-1", {"title": "还没写完"})
    faults.down = True
    pending = await OrderService(sync, "A-01").create(new_order(9))
    faults.down = False
    await sync.download_all()
    assert sync.store.load_draft("call-1") == {"title": "还没写完"}
    assert workorders.find(sync.store.conn, pending)["local"] == 1 and sync.store.outbox_size() == 1
    await settle(sync)
    assert_consistent(sync, sign_in("agent"), [pending])


async def test_changes_are_pushed_by_the_event_stream(sync, faults, sign_in):
    sync.poll_interval_s = 3600  # only a push can bring the change in time
    sync.start()
    other = sign_in("agent2")
    await until(sync.synced, lambda: sync.store.get_state("cursor") is not None)
    reads = faults.seen.count("GET /api/v1/changes")
    number = other.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order", "op": "create",
                                                   "payload": new_order()}).json()["data"]["number"]
    await until(sync.synced, lambda: workorders.find(sync.store.conn, number) is not None)
    assert sync.link == LinkState.online
    # the event carried the row, as this seat may see it: the seat did not read the feed for it
    assert faults.seen.count("GET /api/v1/changes") == reads
    assert "*" in workorders.find(sync.store.conn, number)["caller_phone"]
    assert sync.store.cursor == other.get("/api/v1/changes", params={"after": 0, "limit": 5000}).json()["cursor"]


async def test_pushed_rows_after_a_gap_are_not_applied(sync, sign_in):
    await sync.download_all()
    held = sync.store.cursor
    row = {"seq": held + 2, "entity": "synonym", "id": "gap", "op": "upsert", "data": {"term": "gap"}}
    assert sync.store.apply_pushed([row], held + 1, held + 2) is None  # change held + 1 never came
    assert sync.store.cursor == held
    assert sync.store.apply_pushed([], held, held) == held


async def test_wiping_a_shared_seat_never_loses_pending_work_silently(sync, faults):
    faults.down = True
    await OrderService(sync, "A-01").create(new_order())
    with pytest.raises(PendingMutations) as refused:
        sync.store.wipe()
    assert refused.value.count == 1 and sync.store.path.exists()
    faults.down = False
    await sync.upload_all()
    sync.store.wipe()
    assert not sync.store.path.exists()


async def test_a_cache_damaged_under_the_running_seat_is_reported_once(sync):
    """A disk fault while the seat runs (the file's pages overwritten): the failing write says so,
    `damaged` is emitted once, and the journal marks the file for a full check at the next open."""
    told: list[bool] = []
    sync.damaged.connect(lambda: told.append(True))
    await sync.record("work_order", "create", new_order(1))
    await sync.write(lambda: sync.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
    size = sync.store.path.stat().st_size
    with sync.store.path.open("r+b") as disk:
        disk.write(b"\xa5" * size)
    assert not sync.cache_damaged and not told
    errors = []
    for i in range(2):
        with pytest.raises(sqlite3.DatabaseError) as raised:
            await sync.record("work_order", "create", new_order(2 + i))
        errors.append(f"{raised.value.sqlite_errorname}: {raised.value}")
    assert sync.cache_damaged, errors
    assert told == [True]
