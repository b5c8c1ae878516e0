"""The cache file itself: migrations, atomic pages and local records, version order, caller
history and repeat requests, work-order search, drafts."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest

from domain.clock import CENTRE_TZ, stamp
from offline_cache import kb_index, schema, workorders
from offline_cache.store import CacheStore
from tests.offline_cache.platform_rows import caller, keyed, with_lookup

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CENTRE_TZ)


def order(number: str, *, phone: str = "13800138000", days_ago: float = 0, status: str = "closed_at_intake",
          category: str = "010101", version: int = 1, title: str = "咨询医保报销", **extra) -> dict:
    return with_lookup({"number": number, "client_ref": None, "caller_phone": phone,
                        "created_at": stamp(NOW - timedelta(days=days_ago)), "request_type": "consultation",
                        "category_id": category, "status": status, "title": title, "handling_unit_id": None,
                        "deadline": None, "deadline_provisional": False, "version": version, **extra})


def change(data: dict, entity: str = "work_order", op: str = "upsert") -> dict:
    return {"entity": entity, "id": data.get("number", data.get("id", data.get("lookup"))), "op": op, "data": data}


@pytest.fixture
def store(tmp_path):
    s = keyed(CacheStore(tmp_path / "cache.db"))
    yield s
    s.close()


def test_a_new_file_is_migrated_once_and_a_newer_file_is_refused(tmp_path):
    path = tmp_path / "c.db"
    CacheStore(path).close()
    conn = sqlite3.connect(path)
    assert schema.version(conn) == schema.MIGRATIONS[-1][0]
    assert schema.migrate(conn) == []
    conn.execute(f"PRAGMA user_version = {schema.MIGRATIONS[-1][0] + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer version"):
        CacheStore(path)


def test_the_file_is_in_wal_mode(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_page_applies_with_its_cursor_or_not_at_all(store):
    store.apply_changes([change(order("20261125000001"))], 10)
    broken = [change(order("20261125000002")), {"entity": "work_order", "id": "x", "op": "upsert", "data": {}}]
    with pytest.raises(sqlite3.IntegrityError):
        store.apply_changes(broken, 20)
    assert store.cursor == 10
    assert workorders.find(store.conn, "20261125000002") is None


def test_an_older_version_never_replaces_a_newer_one(store):
    store.apply_changes([change(order("20261125000001", status="dispatched", version=3))], 5)
    store.apply_changes([change(order("20261125000001", status="accepted", version=2))], 3)
    assert workorders.find(store.conn, "20261125000001")["status"] == "dispatched"
    assert store.cursor == 5


def test_a_local_record_and_its_mutation_are_one_transaction(store):
    def fails(conn: sqlite3.Connection) -> None:
        workorders.insert_local(conn, order("L-A-1"))
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError):
        store.record("work_order", "create", {"x": 1}, local_change=fails)
    assert store.outbox_size() == 0 and workorders.find(store.conn, "L-A-1") is None
    store.record("work_order", "create", {"x": 1}, local_change=lambda c: workorders.insert_local(c, order("L-A-1")))
    assert store.outbox_size() == 1 and workorders.find(store.conn, "L-A-1")["local"] == 1


def test_the_platform_number_replaces_the_provisional_one_and_both_find_it(store):
    store.record("work_order", "create", {}, local_change=lambda c: workorders.insert_local(c, order("L-A-7")))
    store.apply_changes([change(order("20261125000009", client_ref="L-A-7"))], 1)
    assert workorders.find(store.conn, "L-A-7")["number"] == "20261125000009"
    assert store.conn.execute("SELECT count(*) FROM work_orders").fetchone()[0] == 1


def test_caller_history_is_newest_first_with_open_orders_and_repeats(store):
    rows = [order(f"2026110{i}000001", days_ago=36 - 2 * i, category="010101") for i in range(1, 10)]
    rows.append(order("20261120000001", days_ago=5, category="020101", status="dispatched"))
    rows.append(order("20261124000001", days_ago=1, category="030101"))
    rows.append(order("20261124000002", phone="13900139000"))
    store.apply_changes([change(r) for r in rows], 12)
    store.apply_changes([change(caller("13800138000", "张三", confidential=True, updated_at=stamp(NOW)),
                                entity="caller")], 13)
    history = workorders.caller_history(store.conn, "13800138000", NOW, limit=5)
    assert history.known and history.name == "张三" and history.confidential
    assert [o["number"] for o in history.orders] == ["20261124000001", "20261120000001", "20261109000001",
                                                     "20261108000001", "20261107000001"]
    assert [o["number"] for o in history.open_orders] == ["20261120000001"]
    assert history.repeats("030101") == "20261120000001"  # an open order comes first
    # within 30 days: each category with its newest order, the most recent category first
    assert list(history.recent_categories.items()) == [
        ("030101", "20261124000001"), ("020101", "20261120000001"), ("010101", "20261109000001")]
    stranger = workorders.caller_history(store.conn, "13700000000", NOW)
    assert not stranger.known and stranger.orders == [] and stranger.repeats("010101") is None


def test_a_closed_order_in_the_same_category_within_30_days_is_a_repeat(store):
    store.apply_changes([change(order("20261101000001", days_ago=10, category="010101")),
                         change(order("20261001000001", days_ago=45, category="020101"))], 2)
    history = workorders.caller_history(store.conn, "13800138000", NOW)
    assert history.repeats("010101") == "20261101000001"
    assert history.repeats("020101") is None


def test_orders_are_found_by_any_part_of_their_title_or_number(store):
    store.apply_changes([change(order("20261125000001", title="异地就医备案咨询")),
                         change(order("20261125000002", title="小区噪音扰民投诉", days_ago=1))], 2)
    assert [o["number"] for o in workorders.search(store.conn, "就医")] == ["20261125000001"]
    assert [o["number"] for o in workorders.search(store.conn, "噪")] == ["20261125000002"]
    assert [o["number"] for o in workorders.search(store.conn, "2026112500000")] == ["20261125000001",
                                                                                     "20261125000002"]
    assert workorders.search(store.conn, '就医 "OR" 噪音') == []
    store.apply_changes([change(order("20261125000001", title="医保转移", version=2))], 3)
    assert workorders.search(store.conn, "就医") == []


def test_drafts_survive_reopening_the_file(tmp_path):
    first = CacheStore(tmp_path / "c.db")
    first.save_draft("call-9", {"title": "还没写完", "content": "来电人反映"})
    first.close()
    again = CacheStore(tmp_path / "c.db")
    try:
        assert again.load_draft("call-9") == {"title": "还没写完", "content": "来电人反映"}
        again.delete_draft("call-9")
        assert again.drafts() == []
    finally:
        again.close()


def test_a_lexicon_line_moves_only_forward_and_the_seats_own_change_waits_for_the_platforms_answer(store):
    def line(expansions: list[str], version: int) -> dict:
        return {"entity": "synonym", "id": "不给退", "op": "upsert",
                "data": {"term": "不给退", "expansions": expansions, "version": version}}

    def kept() -> list[str]:
        return dict(kb_index.lexicon_lines(store.conn)).get("不给退")

    store.apply_changes([line(["退费", "退款"], 2)], 10)
    store.apply_changes([line(["退费"], 1)], 11)  # an older version arriving late
    assert kept() == ["退费", "退款"]
    mutation = store.record("synonym", "put", {"expansions": ["退费", "退款", "退卡"]}, entity_id="不给退",
                            local_change=lambda conn: kb_index.upsert_synonym(conn, "不给退", ["退费", "退款", "退卡"]))
    store.apply_changes([line(["退款"], 3)], 12)  # another editor's: the agent's own change is not undone
    assert kept() == ["退费", "退款", "退卡"]
    store.delivered(store.next_to_send(), {"entity": "synonym", "mutation_id": mutation,
                                           "data": {"term": "不给退", "expansions": ["退费", "退款", "退卡"], "version": 4}})
    store.apply_changes([line(["退款"], 3)], 13)
    assert kept() == ["退费", "退款", "退卡"]
    store.apply_changes([{"entity": "synonym", "id": "不给退", "op": "delete", "data": None}], 14)
    assert kept() is None
