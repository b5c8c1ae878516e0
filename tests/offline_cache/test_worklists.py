"""The agent's work lists in the cache: schema 2 (lifecycle fields) migrated from a schema-1 file,
my orders, the callback queue, the progress lookup's offline answers; then the services against the
real platform: a callback recorded offline is right at once and reaches the platform once."""
from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
import pytest_asyncio

from central.seed import DEMO_PASSWORD
from domain.clock import CENTRE_TZ, stamp
from offline_cache import schema, workorders
from offline_cache.store import CacheStore
from tests.offline_cache.platform_rows import keyed, with_lookup
from tests.workstation.faults import FaultyTransport
from workstation.platform_client import PlatformClient
from workstation.sync import Backoff, SyncService
from workstation.worklists import CallbackQueue, MyOrders, ProgressService, apply_callback, callback_payload

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CENTRE_TZ)
ME, OTHER = 7, 8


def order(number: str, *, days_ago: float = 0, status: str = "in_progress", created_by: int | None = ME,
          title: str = "小区噪音扰民", version: int = 1, **extra) -> dict:
    row = {"number": number, "client_ref": None, "caller_phone": "13800138000",
           "created_at": stamp(NOW - timedelta(days=days_ago)), "request_type": "complaint",
           "category_id": "010101", "status": status, "title": title, "handling_unit_id": None,
           "deadline": None, "deadline_provisional": False, "version": version, "created_by": created_by,
           "reply": "", "replied_at": None, "satisfaction": None, "resolved": None, "callback_attempts": 0,
           "case_kind": "normal", "supervised": False, "units": [], "merged_into": None, **extra}
    return with_lookup(row, mine=created_by == ME)


def change(data: dict, entity: str = "work_order") -> dict:
    return {"entity": entity, "id": data.get("number", data.get("id")), "op": "upsert", "data": data}


@pytest.fixture
def store(tmp_path):
    s = keyed(CacheStore(tmp_path / "cache.db"))
    s.apply_changes([change({"id": "U1", "name": "区住建委", "kind": "district", "parent_id": None, "phone": "",
                             "category_prefixes": "[]", "version": 1}, "handling_unit")], 1)
    yield s
    s.close()


def _schema_1_file(path) -> None:
    """A cache as the first release left it: schema 1, a synced order, a cursor, a pending change."""
    conn = sqlite3.connect(path, isolation_level=None)
    workorders.register_functions(conn)
    conn.execute("BEGIN")
    schema.MIGRATIONS[0][2](conn)
    conn.execute("PRAGMA user_version = 1")
    old_terminal = ", ".join(repr(s) for s in sorted(set(workorders.TERMINAL) - {"merged", "repeat_review"}))
    conn.execute("DROP INDEX ix_wo_open")  # as schema 1 made it, before merged was a status
    conn.execute(f"CREATE INDEX ix_wo_open ON work_orders(caller_phone, created_at DESC) "
                 f"WHERE status NOT IN ({old_terminal})")
    conn.execute("COMMIT")
    conn.execute("INSERT INTO work_orders(number, client_ref, caller_phone, created_at, request_type, category_id, "
                 "status, title, version) VALUES ('20261125000001', NULL, '13800138000', '2026-11-25T09:00:00+08:00', "
                 "'complaint', '010101', 'merged', '老订单', 3)")
    conn.execute("INSERT INTO work_orders(number, client_ref, caller_phone, created_at, request_type, category_id, "
                 "status, title, version, local) VALUES ('L-A-1', 'L-A-1', '13800138000', "
                 "'2026-11-25T09:30:00+08:00', 'complaint', '010101', 'accepted', '离线登记', 0, 1)")
    conn.execute("INSERT INTO sync_state(key, value) VALUES ('cursor', '42')")
    conn.execute("INSERT INTO outbox(id, entity, op, payload, created_at) VALUES ('m1', 'work_order', 'create', "
                 "'{}', '2026-11-25T09:00:00+08:00')")
    conn.close()


def test_a_schema_1_cache_gains_the_lifecycle_fields_and_the_hashes_and_syncs_again_from_scratch(tmp_path):
    path = tmp_path / "old.db"
    _schema_1_file(path)
    store = CacheStore(path)
    try:
        assert schema.version(store.conn) == schema.MIGRATIONS[-1][0]
        columns = {r[1] for r in store.conn.execute("PRAGMA table_info(work_orders)")}
        assert {*workorders.LIFECYCLE, "caller_lookup"} <= columns
        # schema 3: what the platform sent held others' numbers in full: gone; what was made here stays
        assert workorders.by_number(store.conn, "20261125000001") is None
        mine = workorders.by_number(store.conn, "L-A-1")
        assert (mine["callback_attempts"], mine["case_kind"], mine["supervised"], mine["units"]) == (0, "normal", False, [])
        assert store.get_state("cursor") is None  # the next sync rebuilds the cache as this seat may hold it
        assert store.outbox_size() == 1  # what waited for the platform still waits
        assert workorders.caller_history(store.conn, "13800138000", NOW).orders == []  # no key yet: no hash
        keyed(store)  # the key came: the order made here is found by the hash
        assert [o["number"] for o in workorders.caller_history(store.conn, "13800138000", NOW).open_orders] == ["L-A-1"]
        plan = " ".join(r[3] for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT number FROM work_orders WHERE caller_lookup = '1' AND status NOT IN "
            f"({', '.join(repr(s) for s in sorted(workorders.TERMINAL))}) ORDER BY created_at DESC"))
        assert "ix_wo_open" in plan  # the open-orders index was made again, on the hash, with today's statuses
    finally:
        store.close()


def test_platform_rows_keep_their_lifecycle_fields(store):
    units = [{"unit_id": "U1", "role": "lead", "state": "replied", "deadline": "2026-12-15T18:00:00+08:00"}]
    store.apply_changes([change(order("20261125000002", status="replied", handling_unit_id="U1", units=units,
                                      reply="已协调物业处理", replied_at="2026-11-26T10:00:00+08:00",
                                      case_kind="mediation", supervised=True, callback_attempts=1))], 2)
    row = workorders.by_number(store.conn, "20261125000002")
    assert row["units"] == units
    assert (row["reply"], row["case_kind"], row["supervised"], row["callback_attempts"], row["created_by"]) == \
        ("已协调物业处理", "mediation", True, 1, ME)
    assert row["handling_unit_name"] == "区住建委"
    # a platform that does not send the new fields yet leaves their defaults
    bare = {k: v for k, v in order("20261125000003").items() if k not in workorders.LIFECYCLE}
    store.apply_changes([change(bare)], 3)
    row = workorders.by_number(store.conn, "20261125000003")
    assert (row["reply"], row["callback_attempts"], row["case_kind"], row["supervised"], row["units"]) == \
        ("", 0, "normal", False, [])


def test_my_orders_are_mine_newest_first_by_group_and_search(store):
    store.apply_changes([change(order("20261120000001", days_ago=5, status="closed", title="供暖不热")),
                         change(order("20261124000001", days_ago=1, title="小区噪音扰民", handling_unit_id="U1")),
                         change(order("20261125000001", days_ago=0, status="merged", title="噪音重复来电")),
                         change(order("20261125000002", days_ago=0, created_by=OTHER, title="噪音投诉"))], 5)
    with store.transaction() as conn:
        number = workorders.next_provisional_number(conn, "T-01")
        workorders.insert_local(conn, {"number": number, "client_ref": number, "caller_phone": "13800138000",
                                       "created_at": stamp(NOW + timedelta(minutes=1)), "request_type": "help",
                                       "category_id": "010101", "status": "accepted", "title": "离线登记的噪音"})

    def numbers(group: str, query: str = "") -> list[str]:
        return [r["number"] for r in workorders.my_orders(store.conn, ME, group, query)]

    assert numbers("open") == [number, "20261124000001"]
    assert numbers("closed") == ["20261125000001", "20261120000001"]
    assert numbers("all") == [number, "20261125000001", "20261124000001", "20261120000001"]
    assert numbers("all", "噪音") == [number, "20261125000001", "20261124000001"]  # not the other agent's
    assert numbers("open", "噪音") == [number, "20261124000001"]
    assert numbers("all", "2026112400") == ["20261124000001"]
    assert numbers("all", "电梯") == []
    # the file is one user's: its unconfirmed orders are that user's whoever asks
    assert [r["number"] for r in workorders.my_orders(store.conn, OTHER, "all")] == [number, "20261125000002"]
    assert workorders.my_orders(store.conn, ME, "open")[1]["handling_unit_name"] == "区住建委"
    local = workorders.my_orders(store.conn, ME, "open")[0]
    assert (local["local"], local["reply"], local["callback_attempts"], local["units"]) == (True, "", 0, [])
    with pytest.raises(ValueError):
        workorders.my_orders(store.conn, ME, "mine")


def test_the_callback_queue_is_the_replied_orders_oldest_reply_first(store):
    store.apply_changes([
        change(order("20261120000001", status="replied", replied_at="2026-11-24T09:00:00+08:00",
                     handling_unit_id="U1", created_by=OTHER)),
        change(order("20261120000002", status="replied", replied_at="2026-11-22T09:00:00+08:00",
                     case_kind="law_enforcement")),
        change(order("20261120000003", status="closed", replied_at="2026-11-21T09:00:00+08:00")),
        change(order("20261120000004", status="in_progress"))], 6)
    queue = workorders.awaiting_callback(store.conn)
    assert [r["number"] for r in queue] == ["20261120000002", "20261120000001"]
    assert queue[0]["case_kind"] == "law_enforcement"
    assert queue[1]["handling_unit_name"] == "区住建委"
    plan = " ".join(r[3] for r in store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT number FROM work_orders WHERE status = 'replied' ORDER BY replied_at"))
    assert "ix_wo_awaiting_callback" in plan


def test_lookup_by_number_alias_and_phone(store):
    store.apply_changes([change(order("20261120000001", days_ago=3, client_ref="L-T-01-5")),
                         change(order("20261124000001", days_ago=1)),
                         change(order("20261124000002", caller_phone="13900139000"))], 7)
    assert workorders.by_number(store.conn, "L-T-01-5")["number"] == "20261120000001"
    assert workorders.by_number(store.conn, "20991231000001") is None
    assert [r["number"] for r in workorders.by_phone(store.conn, "13800138000")] == ["20261124000001",
                                                                                     "20261120000001"]


def test_units_are_stored_as_json_text(store):
    units = [{"unit_id": "U1", "role": "lead", "state": "dispatched", "deadline": None}]
    store.apply_changes([change(order("20261125000009", units=units))], 8)
    raw = store.conn.execute("SELECT units FROM work_orders WHERE number = '20261125000009'").fetchone()[0]
    assert json.loads(raw) == units


def test_a_copy_of_a_migrated_file_opens_without_migrating_again(tmp_path, store):
    copy = tmp_path / "copy.db"
    store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    shutil.copy(store.path, copy)
    conn = sqlite3.connect(copy)
    assert schema.migrate(conn) == []
    conn.close()


# -- the services over the real platform -----------------------------------------------------------------

UNIT = "B04"


@pytest.fixture
def db_url(request, tmp_path) -> str:
    """The client's services run over SQLite only; the platform's own tests cover PostgreSQL."""
    target = tmp_path / "central.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), target)
    return f"sqlite:///{target}"


def _mutation(api, op: str, payload: dict, number: str | None = None) -> dict:
    body = {"id": str(uuid.uuid4()), "entity": "work_order", "op": op, "payload": payload}
    if number:
        body["entity_id"] = number
    r = api.post("/api/v1/mutations", json=body)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _replied(sign_in, title: str = "楼道堆物影响通行", phone: str = "13800138000") -> str:
    agent, unit = sign_in("agent"), sign_in("unit_b04")
    number = _mutation(agent, "create", {"request_type": "complaint", "category_id": "010101", "title": title,
                                         "content": "来电人反映问题。", "caller_phone": phone})["number"]
    _mutation(agent, "dispatch", {"handling_unit_id": UNIT}, number)
    _mutation(unit, "sign", {"unit_id": UNIT}, number)
    _mutation(unit, "reply", {"unit_id": UNIT, "reply": "已处理。"}, number)
    return number


@pytest_asyncio.fixture
async def seat(platform, tmp_path):
    faults = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(platform.url, transport=faults, timeout=5.0)
    await client.sign_in("agent", DEMO_PASSWORD, "A-01")
    store = CacheStore(tmp_path / "seat.db")
    sync = SyncService(store, client, backoff=Backoff(base_s=0.01, cap_s=0.2))  # run by the test
    yield sync, faults
    await sync.stop()
    store.close()
    await client.close()


def test_callback_payloads_and_their_effect():
    assert callback_payload(None, None, " 关机 ", reached=False) == {"reached": False, "note": "关机"}
    assert callback_payload("satisfied", True) == {"satisfaction": "satisfied", "resolved": True, "note": "",
                                                   "reached": True}
    for bad in (("pleased", True), ("satisfied", None)):
        with pytest.raises(ValueError):
            callback_payload(*bad)
    with pytest.raises(ValueError):
        callback_payload(None, None, "x" * 2001, reached=False)
    order = {"number": "1", "status": "replied", "callback_attempts": 1}
    assert apply_callback(order, {"reached": False}) == {**order, "callback_attempts": 2}
    assert apply_callback(order, callback_payload("basically_satisfied", True))["status"] == "closed"
    assert apply_callback(order, callback_payload("very_satisfied", False))["status"] == "reopened"
    assert apply_callback(order, callback_payload("dissatisfied", True))["status"] == "reopened"


@pytest.mark.asyncio
async def test_a_callback_recorded_offline_is_right_at_once_and_reaches_the_platform_once(seat, sign_in):
    sync, faults = seat
    number = _replied(sign_in)
    await sync.download_all()
    queue = CallbackQueue(sync.client, sync)
    try:
        await queue.refresh(fetch=True)
        assert queue.item(number)["handling_unit_name"] == "市住房和城乡建设局" and not queue.offline
        faults.down = True
        await queue.record(number, None, None, "关机", reached=False)
        assert queue.item(number)["callback_attempts"] == 1  # at once, in the cache too
        assert workorders.find(sync.store.conn, number)["callback_attempts"] == 1
        await queue.record(number, "very_dissatisfied", False, "仍未清理")
        assert queue.item(number) is None and workorders.find(sync.store.conn, number)["status"] == "reopened"
        await queue.refresh(fetch=True)
        assert queue.offline and queue.item(number) is None
        assert sync.store.outbox_size() == 2

        faults.down = False  # back, the results not uploaded yet: the platform's queue still has the order
        await queue.refresh(fetch=True)
        assert not queue.offline and queue.item(number) is None
        await sync.upload_all()
        order = sign_in("agent").get(f"/api/v1/work-orders/{number}").json()
        assert (order["status"], order["callback_attempts"], order["satisfaction"]) == \
            ("reopened", 2, "very_dissatisfied")
        assert sync.store.rejections() == []
        await sync.download_all()
        assert workorders.find(sync.store.conn, number)["callback_attempts"] == 2  # counted once
    finally:
        queue.close()


@pytest.mark.asyncio
async def test_an_order_only_the_platform_knows_is_merged_into_the_queue(seat, sign_in):
    sync, _ = seat
    cached = _replied(sign_in, "路灯不亮")
    await sync.download_all()
    remote = _replied(sign_in, "井盖缺失")  # after this seat's last sync
    queue = CallbackQueue(sync.client, sync)
    try:
        assert [i["number"] for i in await queue.refresh()] == [cached]
        assert [i["number"] for i in await queue.refresh(fetch=True)] == [cached, remote]  # oldest reply first
        # an outbox callback applies to what the cache does not hold yet
        await sync.record("work_order", "callback", callback_payload("satisfied", True), entity_id=remote)
        assert [i["number"] for i in await queue.refresh()] == [cached]
    finally:
        queue.close()


@pytest.mark.asyncio
async def test_my_orders_and_their_timeline_online_and_offline(seat, sign_in):
    sync, faults = seat
    number = _replied(sign_in, "小区噪音扰民")
    _mutation(sign_in("agent2"), "create", {"request_type": "complaint", "category_id": "010101",
                                            "title": "小区噪音扰民", "content": "x", "caller_phone": "13800138000"})
    await sync.download_all()
    mine = MyOrders(sync.client, sync)
    try:
        assert [r["number"] for r in await mine.refresh("all", "噪音")] == [number]
        assert await mine.refresh("closed", "") == []
        detail = await mine.detail(number)
        assert not detail.offline and [t["action"] for t in detail.timeline][:2] == ["create", "dispatch"]
        faults.down = True
        detail = await mine.detail(number)
        assert detail.offline and detail.timeline == [] and detail.order["reply"] == "已处理。"
    finally:
        mine.close()


@pytest.mark.asyncio
async def test_progress_from_the_platform_and_from_the_cache(seat, sign_in):
    sync, faults = seat
    number = _replied(sign_in, phone="13900139000")
    await sync.download_all()
    progress = ProgressService(sync.client, sync)
    online = await progress.lookup(number)
    assert not online.offline and [i["number"] for i in online.items] == [number]
    [item] = online.items
    assert (item["status_zh"], item["unit_name"], item["reply"]) == ("已答复", "市住房和城乡建设局", "已处理。")
    assert [s["step"] for s in item["steps"]][:3] == ["create", "dispatch", "sign"]
    assert (await progress.lookup("20200101999999")).items == []
    with pytest.raises(ValueError):
        await progress.lookup("路灯")
    faults.down = True
    offline = await progress.lookup("139 0013 9000")
    assert offline.offline and offline.kind == "phone" and [i["number"] for i in offline.items] == [number]
    assert (offline.items[0]["status_zh"], offline.items[0]["unit_name"]) == ("已答复", "市住房和城乡建设局")
