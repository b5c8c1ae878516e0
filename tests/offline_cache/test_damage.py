"""A cache that survives damage: a real SQLite file damaged the ways a fault driver found (emptied
after a checkpoint, emptied with its WAL left by a killed process, cut in half, overwritten), then
opened again: moved aside, its outbox rescued in order from the file and the outbox journal, a
fresh cache with no cursor (so the sync service resyncs). One store per file, released by close
and by the holder's death."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from domain.clock import stamp
from offline_cache import integrity, journal, workorders
from offline_cache.journal import journal_path
from offline_cache.lock import CacheInUse, lock_path
from offline_cache.schema import CacheFromNewerVersion
from offline_cache.store import CacheStore
from tests.offline_cache.test_store import change, order

ROOT = Path(__file__).resolve().parents[2]

ORDERS = [
    {"caller_phone": "13800138000", "request_type": "complaint", "category_id": "010101",
     "title": "小区夜间施工噪音扰民", "content": "来电人反映工地每晚十一点后仍在施工"},
    {"caller_phone": "13900139000", "request_type": "consultation", "category_id": "020301",
     "title": "咨询异地就医备案", "content": "来电人咨询异地就医备案所需材料"},
    {"caller_phone": "13700137000", "request_type": "help", "category_id": "030201",
     "title": "老旧小区电梯停运", "content": "来电人反映电梯停运三天无人维修"},
]


def record_order(store: CacheStore, fields: dict) -> str:
    """What OrderService.create records: the provisional order and its create mutation, together."""
    payload = dict(fields)

    def local(conn: sqlite3.Connection) -> None:
        number = workorders.next_provisional_number(conn, "K-01")
        workorders.insert_local(conn, {"number": number, "client_ref": number, "caller_phone": fields["caller_phone"],
                                       "created_at": stamp(), "request_type": fields["request_type"],
                                       "category_id": fields["category_id"], "status": "accepted",
                                       "title": fields["title"]})
        payload["client_ref"] = number

    return store.record("work_order", "create", payload, local_change=local)


def outbox(store: CacheStore) -> list[tuple]:
    return [(m.id, m.entity, m.op, m.entity_id, m.payload) for m in store.pending()]


def hold(path: str, record: bool) -> None:
    """Run in a child process: open the cache (recording the three orders), say what is pending,
    and keep the store open until killed."""
    store = CacheStore(Path(path))
    if record:
        for fields in ORDERS:
            record_order(store, fields)
    print(json.dumps(outbox(store), ensure_ascii=False), flush=True)
    sys.stdin.readline()


class Holder:
    """A workstation process with the cache open, killed with SIGKILL (as a crash or a power cut
    of the process would end it: no close, the WAL left behind)."""

    def __init__(self, path: Path, record: bool) -> None:
        code = f"from tests.offline_cache.test_damage import hold; hold({str(path)!r}, {record})"
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, text=True, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline()  # blocks until the store is open and the orders recorded
        assert line, self.proc.communicate(timeout=30)
        self.pending = [tuple(m) for m in json.loads(line)]

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.communicate(timeout=30)


@pytest.fixture
def holders():
    started: list[Holder] = []
    yield lambda path, record=True: started.append(Holder(path, record)) or started[-1]
    for holder in started:
        holder.kill()


def closed_cache(path: Path) -> list[tuple]:
    """Three pending orders recorded, the WAL checkpointed into the file, the store closed."""
    store = CacheStore(path)
    try:
        for fields in ORDERS:
            record_order(store, fields)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return outbox(store)
    finally:
        store.close()


def zero_after_checkpoint(path: Path, holders) -> list[tuple]:
    before = closed_cache(path)
    os.truncate(path, 0)
    return before


def zero_with_wal_left(path: Path, holders) -> list[tuple]:
    holder = holders(path)
    holder.kill()
    assert Path(f"{path}-wal").stat().st_size > 0
    os.truncate(path, 0)
    return holder.pending


def cut_in_half(path: Path, holders) -> list[tuple]:
    before = closed_cache(path)
    os.truncate(path, path.stat().st_size // 2)
    return before


def overwritten(path: Path, holders) -> list[tuple]:
    before = closed_cache(path)
    path.write_bytes(bytes(range(256)) * (path.stat().st_size // 256))
    return before


@pytest.mark.parametrize(("damage", "reason"), [(zero_after_checkpoint, "empty"), (zero_with_wal_left, "empty"),
                                                (cut_in_half, "truncated"), (overwritten, "not_a_database")])
def test_a_damaged_cache_is_moved_aside_and_its_pending_orders_recovered(tmp_path, holders, damage, reason):
    path = tmp_path / "cache.db"
    before = damage(path, holders)
    assert len(before) == 3
    damaged_size = path.stat().st_size
    store = CacheStore(path)
    try:
        assert outbox(store) == before  # the same ids, payloads, in their order
        recovery = store.recovery
        assert recovery is not None and recovery.reason == reason
        assert (recovery.recovered, recovery.at_risk) == (3, 0)
        assert recovery.moved_to.name.startswith("cache.db.damaged-")
        assert recovery.moved_to.stat().st_size == damaged_size  # kept as found, not deleted
        if damage is zero_with_wal_left:
            assert Path(f"{recovery.moved_to}-wal").stat().st_size > 0
        assert store.get_state("cursor") is None  # a fresh cache: the sync service starts a full resync
        assert store.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    finally:
        store.close()
    again = CacheStore(path)
    try:
        assert again.recovery is None and outbox(again) == before
    finally:
        again.close()


def test_a_missing_file_beside_a_journal_is_a_recovery_not_a_blank_cache(tmp_path):
    path = tmp_path / "cache.db"
    before = closed_cache(path)
    path.unlink()
    store = CacheStore(path)
    try:
        assert store.recovery is not None and store.recovery.reason == "missing"
        assert store.recovery.moved_to is None and store.recovery.recovered == 3
        assert outbox(store) == before
    finally:
        store.close()


def test_an_unreadable_journal_line_is_counted_at_risk(tmp_path):
    path = tmp_path / "cache.db"
    before = closed_cache(path)
    journal_file = journal_path(path)
    lines = journal_file.read_bytes().split(b"\n")
    lines[2] = lines[2][: len(lines[2]) // 2]  # the second order's record, cut
    journal_file.write_bytes(b"\n".join(lines))
    path.write_bytes(b"\0" * 4096)
    store = CacheStore(path)
    try:
        assert (store.recovery.recovered, store.recovery.at_risk) == (2, 1)
        assert outbox(store) == [before[0], before[2]]
    finally:
        store.close()


def overwrite_page(path: Path, table: str) -> None:
    with sqlite3.connect(path) as conn:
        page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xa5" * size)


@pytest.mark.parametrize("journal_kept", [True, False])
def test_what_reads_in_the_damaged_file_is_rescued_with_the_journal(tmp_path, journal_kept):
    """A damaged work-order table: quick_check finds it; the outbox, drafts and rejections still
    read in the file, row by row; with the journal too, each change comes back once."""
    path = tmp_path / "cache.db"
    store = CacheStore(path)
    try:
        for fields in ORDERS:
            record_order(store, fields)
        store.save_draft("call-7", {"title": "还没写完", "content": "来电人反映"})
        refused = store.pending()[0]
        store.rejected(refused, 409, "conflict", "该工单已被修改")
        before = outbox(store)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    overwrite_page(path, "work_orders")
    if not journal_kept:
        journal_path(path).unlink()
    store = CacheStore(path)
    try:
        recovery = store.recovery
        assert recovery.reason == "corrupt"
        assert (recovery.recovered, recovery.at_risk, recovery.drafts_recovered, recovery.rejections_recovered) \
            == (2, 0, 1, 1)
        assert outbox(store) == before
        assert store.load_draft("call-7") == {"title": "还没写完", "content": "来电人反映"}
        assert [(r.mutation_id, r.code) for r in store.rejections()] == [(refused.id, "conflict")]
    finally:
        store.close()


def test_a_change_rolled_back_does_not_come_back_from_the_journal(tmp_path):
    path = tmp_path / "cache.db"
    store = CacheStore(path)
    try:
        record_order(store, ORDERS[0])
        with pytest.raises(RuntimeError), store.transaction() as conn:
            conn.execute("INSERT INTO outbox(id, entity, op, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                         ("never-committed", "work_order", "create", "{}", stamp()))
            raise RuntimeError("the local change failed after the insert")
        before = outbox(store)
    finally:
        store.close()
    os.truncate(path, 0)
    store = CacheStore(path)
    try:
        assert outbox(store) == before and store.recovery.recovered == 1
    finally:
        store.close()


def test_the_journal_is_private_and_bounded(tmp_path):
    path = tmp_path / "cache.db"
    store = CacheStore(path)
    try:
        for fields in ORDERS:
            record_order(store, fields)
        journal_file = journal_path(path)
        assert stat.S_IMODE(journal_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(lock_path(path).stat().st_mode) == 0o600
        assert len(journal_file.read_bytes().splitlines()) == 4  # its first line and one per change
        for mutation in store.pending():
            store.delivered(mutation, {"entity": "work_order"})
        assert len(journal_file.read_bytes().splitlines()) == 1  # the outbox is empty: nothing to keep
    finally:
        store.close()


def test_the_journal_stays_bounded_while_the_outbox_never_empties(tmp_path, monkeypatch):
    """A change held in the outbox while many others come and go: the journal is rewritten with
    the pending ones once it has far more lines (the slack lowered from 1000 to 10 to keep it short)."""
    monkeypatch.setattr(journal, "COMPACT_SLACK", 10)
    path = tmp_path / "cache.db"
    store = CacheStore(path)
    try:
        record_order(store, ORDERS[0])
        held = outbox(store)
        for _ in range(40):
            record_order(store, ORDERS[1])
            store.delivered(store.pending()[-1], {"entity": "work_order"})
            assert len(journal_path(path).read_bytes().splitlines()) <= 1 + 2 * 1 + 10 + 1
    finally:
        store.close()
    os.truncate(path, 0)
    store = CacheStore(path)
    try:
        assert outbox(store) == held
    finally:
        store.close()


def test_damage_seen_while_running_gets_a_whole_check_at_the_next_open(tmp_path, monkeypatch):
    """A cache too big for a whole check at every open (the limit lowered to 0 bytes, so that the
    small test file counts as big) is checked only in the tables a rescue keeps: a damaged work-order
    table shows when the sync writes to it, and the next open checks everything."""
    monkeypatch.setattr(integrity, "FULL_CHECK_MAX_BYTES", 0)
    path = tmp_path / "cache.db"
    before = closed_cache(path)
    overwrite_page(path, "work_orders")
    store = CacheStore(path)
    try:
        assert store.recovery is None and not store.damage_seen  # not seen at this open
        with pytest.raises(sqlite3.DatabaseError, match="malformed"):
            store.apply_changes([change(order("20261125000001"))], 1)
        assert store.damage_seen
    finally:
        store.close()
    store = CacheStore(path)
    try:
        assert store.recovery is not None and store.recovery.reason == "corrupt"
        assert outbox(store) == before
    finally:
        store.close()


def test_a_second_store_on_the_same_file_is_refused_until_the_first_closes(tmp_path):
    path = tmp_path / "cache.db"
    first = CacheStore(path)
    try:
        with pytest.raises(CacheInUse):
            CacheStore(path)
    finally:
        first.close()
    second = CacheStore(path)
    second.close()


def test_a_cache_held_by_a_killed_process_opens(tmp_path, holders):
    path = tmp_path / "cache.db"
    holder = holders(path, record=False)
    with pytest.raises(CacheInUse):
        CacheStore(path)
    holder.kill()
    store = CacheStore(path)
    try:
        assert store.recovery is None
    finally:
        store.close()


def test_a_file_from_a_newer_version_is_refused_not_taken_for_damage(tmp_path):
    path = tmp_path / "cache.db"
    closed_cache(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    for _ in range(2):  # refused each time: the file was not moved aside, nor the lock kept
        with pytest.raises(CacheFromNewerVersion, match="newer version"):
            CacheStore(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.db", "cache.db.lock", "cache.db.outbox.jsonl"]


def test_wiping_removes_the_journal_the_lock_and_damaged_copies(tmp_path):
    path = tmp_path / "cache.db"
    closed_cache(path)
    os.truncate(path, 0)
    store = CacheStore(path)
    assert store.recovery is not None
    store.wipe(force=True)
    assert list(tmp_path.iterdir()) == []
    store = CacheStore(path)  # a new cache, not a recovery: the agent agreed to lose it
    try:
        assert store.recovery is None and store.outbox_size() == 0
    finally:
        store.close()


def test_outbox_rows_known_but_unreadable_are_counted_at_risk(tmp_path):
    """The journal gone too: the outbox's rows are lost, but its index still names them."""
    path = tmp_path / "cache.db"
    closed_cache(path)
    overwrite_page(path, "outbox")
    journal_path(path).unlink()
    store = CacheStore(path)
    try:
        assert (store.recovery.reason, store.recovery.recovered, store.recovery.at_risk) == ("corrupt", 0, 3)
        assert store.outbox_size() == 0
    finally:
        store.close()


def test_every_write_to_the_outbox_is_journaled_whoever_makes_it(tmp_path):
    """Not only `record`: a mutation put at the head of the outbox (as a resend of a refused change
    does) comes back at the head; one deleted (as a discard does) does not come back."""
    path = tmp_path / "cache.db"
    store = CacheStore(path)
    try:
        for fields in ORDERS:
            record_order(store, fields)
        dropped = store.pending()[1].id
        with store.transaction() as conn:
            conn.execute("INSERT INTO outbox(seq, id, entity, op, entity_id, payload, created_at) "
                         "VALUES ((SELECT min(seq) - 1 FROM outbox), 'resent', 'work_order', 'create', NULL, ?, ?)",
                         (json.dumps(ORDERS[0], ensure_ascii=False), stamp()))
            conn.execute("DELETE FROM outbox WHERE id = ?", (dropped,))
        before = outbox(store)
        assert [m[0] for m in before][0] == "resent" and dropped not in [m[0] for m in before]
    finally:
        store.close()
    os.truncate(path, 0)
    store = CacheStore(path)
    try:
        assert outbox(store) == before
    finally:
        store.close()
