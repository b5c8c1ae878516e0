"""The agent's work lists in the cache: schema 2 (lifecycle fields) migrated from a schema-1 file,
my orders, the callback queue, the progress lookup's offline answers; then the services against the
real platform: a callback recorded offline is right at once and reaches the platform once."""
from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta

import pytest

from domain.clock import CENTRE_TZ, stamp
from offline_cache import schema, workorders
from offline_cache.store import CacheStore

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CENTRE_TZ)
ME, OTHER = 7, 8


def order(number: str, *, days_ago: float = 0, status: str = "in_progress", created_by: int | None = ME,
          title: str = "小区噪音扰民", version: int = 1, **extra) -> dict:
    return {"number": number, "client_ref": None, "caller_phone": "13800138000",
            "created_at": stamp(NOW - timedelta(days=days_ago)), "request_type": "complaint",
            "category_id": "010101", "status": status, "title": title, "handling_unit_id": None,
            "deadline": None, "deadline_provisional": False, "version": version, "created_by": created_by,
            "reply": "", "replied_at": None, "satisfaction": None, "resolved": None, "callback_attempts": 0,
            "case_kind": "normal", "supervised": False, "units": [], "merged_into": None, **extra}


def change(data: dict, entity: str = "work_order") -> dict:
    return {"entity": entity, "id": data.get("number", data.get("id")), "op": "upsert", "data": data}


@pytest.fixture
def store(tmp_path):
    s = CacheStore(tmp_path / "cache.db")
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
    conn.execute("INSERT INTO sync_state(key, value) VALUES ('cursor', '42')")
    conn.execute("INSERT INTO outbox(id, entity, op, payload, created_at) VALUES ('m1', 'work_order', 'create', "
                 "'{}', '2026-11-25T09:00:00+08:00')")
    conn.close()


def test_a_schema_1_cache_gains_the_lifecycle_fields_and_syncs_again_from_scratch(tmp_path):
    path = tmp_path / "old.db"
    _schema_1_file(path)
    store = CacheStore(path)
    try:
        assert schema.version(store.conn) == 2
        columns = {r[1] for r in store.conn.execute("PRAGMA table_info(work_orders)")}
        assert set(workorders.LIFECYCLE) <= columns
        old = workorders.by_number(store.conn, "20261125000001")
        assert (old["callback_attempts"], old["case_kind"], old["supervised"], old["units"], old["resolved"]) == \
            (0, "normal", False, [], None)
        assert store.get_state("cursor") is None  # the next sync rebuilds the cache with the new fields
        assert store.outbox_size() == 1  # what waited for the platform still waits
        # merged is a terminal status: the caller has no open order
        assert workorders.caller_history(store.conn, "13800138000", NOW).open_orders == []
        plan = " ".join(r[3] for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT number FROM work_orders WHERE caller_phone = '1' AND status NOT IN "
            f"({', '.join(repr(s) for s in sorted(workorders.TERMINAL))}) ORDER BY created_at DESC"))
        assert "ix_wo_open" in plan  # the open-orders index was made again with today's terminal statuses
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
                         change({**order("20261124000002"), "caller_phone": "13900139000"})], 7)
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
