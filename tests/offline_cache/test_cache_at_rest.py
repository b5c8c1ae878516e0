"""The cache at rest: a real SQLCipher file that nothing opens without its key (the standard
library's SQLite, a wrong key), a plaintext cache from an older version encrypted in place with
nothing lost (its WAL and its outbox included), a key that does not open the file refused or
taken for damage with the outbox rescued, and files only their user can read."""
from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from offline_cache import cipher, kb_index, workorders
from offline_cache.journal import journal_path
from offline_cache.store import CacheStore
from tests.offline_cache.platform_rows import caller, keyed
from tests.offline_cache.test_damage import ORDERS, Holder, outbox, record_order
from tests.offline_cache.test_kb_search import entry
from tests.offline_cache.test_store import NOW, change, order

SECRET_TITLE = "朝阳区某小区业主反映物业违规收费"


def fill(store: CacheStore) -> None:
    """Platform data (orders, a caller, knowledge entries), a draft, a cursor and pending orders."""
    keyed(store)
    store.apply_changes([change(order("2026112500001", title=SECRET_TITLE, phone="13912345678")),
                         change(order("2026112500002", phone="13912345678", days_ago=3)),
                         change(caller("13912345678", "张三"), "caller"),
                         *(change(entry(f"kb-{i}", f"公积金提取第{i}条", "携带身份证到服务大厅办理"), "kb_entry")
                           for i in range(30))], cursor=42)
    store.save_draft("current", {"title": "草稿里的诉求"})
    for fields in ORDERS:
        record_order(store, fields)


@pytest.fixture
def holders():
    started: list[Holder] = []
    yield lambda path: started.append(Holder(path, True)) or started[-1]
    for holder in started:
        holder.kill()


def contents(store: CacheStore) -> dict:
    conn = store.conn
    return {"outbox": outbox(store), "cursor": store.cursor, "draft": store.load_draft("current"),
            "history": [o["number"] for o in workorders.caller_history(conn, "13912345678", NOW).orders],
            "search": [h.id for h in kb_index.search(conn, "公积金")],
            "version": conn.execute("PRAGMA user_version").fetchone()[0]}


def on_disk(path: Path) -> bytes:
    return b"".join(Path(f"{path}{s}").read_bytes() for s in ("", "-wal") if Path(f"{path}{s}").exists())


def test_an_encrypted_cache_opens_with_its_key_only(tmp_path):
    path, key = tmp_path / "cache.db", cipher.new_key()
    store = CacheStore(path, key)
    try:
        fill(store)
        before = contents(store)
        assert SECRET_TITLE.encode() not in on_disk(path) and "张三".encode() not in on_disk(path)
    finally:
        store.close()
    assert not cipher.is_plaintext(path)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):  # the standard library's SQLite
        plain = sqlite3.connect(path)
        try:
            plain.execute("SELECT * FROM sqlite_master").fetchall()
        finally:
            plain.close()
    with pytest.raises(cipher.KeyRejected, match="does not open") as refused:
        CacheStore(path, cipher.new_key())
    assert isinstance(refused.value, sqlite3.Error)  # a CacheError to the UI (workstation.errors)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.db", "cache.db.lock", "cache.db.outbox.jsonl"]
    store = CacheStore(path, key)  # refused, the file was left as it was
    try:
        assert store.recovery is None and contents(store) == before
        assert before["outbox"] and before["history"] == ["2026112500001", "2026112500002"] and before["search"]
    finally:
        store.close()


def test_a_plaintext_cache_is_encrypted_at_its_first_open_with_a_key(tmp_path):
    path, key = tmp_path / "cache.db", cipher.new_key()
    store = CacheStore(path)  # an older workstation's cache
    try:
        fill(store)
        before = contents(store)
    finally:
        store.close()
    assert cipher.is_plaintext(path) and SECRET_TITLE.encode() in path.read_bytes()
    store = CacheStore(path, key)
    try:
        assert store.recovery is None and contents(store) == before
        assert SECRET_TITLE.encode() not in on_disk(path)
    finally:
        store.close()
    assert not cipher.is_plaintext(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.db", "cache.db.lock", "cache.db.outbox.jsonl"]
    with pytest.raises(cipher.KeyRejected):
        CacheStore(path, cipher.new_key())


def test_a_plaintext_cache_left_with_its_wal_by_a_killed_seat_is_encrypted_with_it(tmp_path, holders):
    path = tmp_path / "cache.db"
    holder = holders(path)  # an older workstation recorded three orders and was killed
    holder.kill()
    assert Path(f"{path}-wal").stat().st_size > 0
    store = CacheStore(path, cipher.new_key())
    try:
        assert store.recovery is None and outbox(store) == holder.pending
    finally:
        store.close()
    assert not Path(f"{path}-wal").exists() or SECRET_TITLE.encode() not in on_disk(path)
    assert not cipher.is_plaintext(path)


def test_a_key_that_does_not_open_the_cache_can_be_taken_for_damage_with_the_outbox_rescued(tmp_path):
    """The keyring lost the key (or the file came from elsewhere): the seat's store is told to
    recover; the file is kept aside for whoever has its key, the outbox comes from the journal."""
    path = tmp_path / "cache.db"
    store = CacheStore(path, cipher.new_key())
    try:
        for fields in ORDERS:
            record_order(store, fields)
        pending = outbox(store)
    finally:
        store.close()
    key = cipher.new_key()
    store = CacheStore(path, key, key_rejected="recover")
    try:
        assert (store.recovery.reason, store.recovery.recovered, store.recovery.at_risk) == ("not_a_database", 3, 0)
        assert outbox(store) == pending and store.recovery.moved_to.exists()
    finally:
        store.close()
    store = CacheStore(path, key)  # the fresh cache is under the new key
    try:
        assert store.recovery is None and outbox(store) == pending
    finally:
        store.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_outbox_journal_is_sealed_under_the_key_and_still_rescues_a_lost_cache(tmp_path):
    path, key = tmp_path / "cache.db", cipher.new_key()
    store = CacheStore(path, key, seal_journal=True)
    try:
        for fields in ORDERS:
            record_order(store, fields)
        pending = outbox(store)
        journal = journal_path(path).read_bytes()
        for fields in ORDERS:  # neither the caller's number nor their words are in clear beside the cache
            assert fields["caller_phone"].encode() not in journal and fields["title"].encode() not in journal
        assert all(mutation_id.encode() in journal for mutation_id, *_ in pending)  # only ids and sequence
    finally:
        store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)  # the cache is lost: the journal alone remains
    store = CacheStore(path, key, seal_journal=True)
    try:
        assert (store.recovery.recovered, store.recovery.at_risk) == (3, 0) and outbox(store) == pending
    finally:
        store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = CacheStore(path, cipher.new_key(), seal_journal=True)  # the key is lost as well: nothing opens
    try:
        assert (store.recovery.recovered, store.recovery.at_risk) == (0, 3) and outbox(store) == []
    finally:
        store.close()


def test_the_cache_its_side_files_and_its_folder_are_private(tmp_path):
    folder = tmp_path / "cache" / "platform"
    folder.mkdir(parents=True, mode=0o755)
    os.chmod(folder, 0o755)
    path = folder / "agent.db"
    old = CacheStore(path)  # an older workstation's cache, world-readable as SQLite makes it
    try:
        record_order(old, ORDERS[0])
    finally:
        old.close()
    for name in (path, journal_path(path)):
        os.chmod(name, 0o644)
    os.chmod(folder, 0o755)
    store = CacheStore(path, cipher.new_key())
    try:
        record_order(store, ORDERS[1])  # the WAL and its index exist while the store is open
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), journal_path(path), Path(f"{path}.lock")]
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert mode(folder) == 0o700
    finally:
        store.close()
    new = tmp_path / "fresh" / "agent.db"
    store = CacheStore(new, cipher.new_key())
    try:
        record_order(store, ORDERS[2])
        assert {p.name: mode(p) for p in new.parent.iterdir()} == {p.name: 0o600 for p in new.parent.iterdir()}
        assert mode(new.parent) == 0o700
    finally:
        store.close()
    os.truncate(new, 0)  # damaged: rebuilt under another name (a rollback journal) and renamed
    store = CacheStore(new, cipher.new_key(), key_rejected="recover")
    try:
        assert store.recovery is not None and store.outbox_size() == 1
        assert {p.name: mode(p) for p in new.parent.iterdir()} == {p.name: 0o600 for p in new.parent.iterdir()}
    finally:
        store.close()
