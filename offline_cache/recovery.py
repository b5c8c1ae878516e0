"""A damaged cache: moved aside (renamed, never deleted), its outbox rescued from what still reads
in it merged with the outbox journal, its drafts and rejections rescued as far as they read, and
all of that put into a fresh cache. The fresh cache has no cursor, so the sync service rebuilds
the platform's data with a full resync by itself.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from offline_cache import cipher, kb_index, schema, workorders
from offline_cache.integrity import Reason
from offline_cache.journal import JournalContents, fsync_folder

log = logging.getLogger(__name__)

DAMAGED = ".damaged-"
REBUILDING = ".rebuilding"


@dataclass(frozen=True)
class CacheRecovery:
    """What happened when the cache was found damaged at open, for the agent to be told."""

    reason: Reason             # why (a str: "missing", "empty", "truncated", "not_a_database", "corrupt", "io_error")
    moved_to: Path | None      # the damaged file's new name (its -wal, -shm beside it); None if there was none
    recovered: int             # pending changes put back into the outbox, to be uploaded
    at_risk: int               # pending changes known to have existed that could not be read: maybe lost
    drafts_recovered: int
    rejections_recovered: int  # refused changes still to show the agent
    detail: str                # SQLite's words, for the log


@dataclass
class Salvage:
    """What still reads in a damaged file."""

    outbox: list[dict] = field(default_factory=list)  # rows in outbox order, payload parsed
    unread_ids: set[str] = field(default_factory=set)  # outbox rows whose id is known but not the row
    unread_unknown: int = 0  # outbox rows counted whose id is unknown
    drafts: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)


@dataclass
class Rescued:
    outbox: list[dict]
    at_risk: int
    salvage: Salvage


def damaged_name(path: Path, moment: datetime) -> Path:
    base = f"{path.name}{DAMAGED}{moment:%Y%m%d-%H%M%S}"
    candidate, n = path.with_name(base), 1
    while any(Path(f"{candidate}{s}").exists() for s in ("", "-wal", "-shm")):
        n += 1
        candidate = path.with_name(f"{base}-{n}")
    return candidate


def move_aside(path: Path, moment: datetime) -> Path | None:
    """Rename the file with its -wal and -shm; None when there is nothing to move."""
    target = damaged_name(path, moment)
    moved = False
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(f"{target}{suffix}")
            moved = True
    return target if moved else None


def side_files(path: Path) -> Iterator[Path]:
    """The moved-aside copies of this cache and a fresh one left half built (a wipe removes them:
    they hold the same data)."""
    yield from path.parent.glob(f"{path.name}{DAMAGED}*")
    yield from path.parent.glob(f"{path.name}{REBUILDING}*")


def rescue(moved: Path | None, journal: JournalContents, key: bytes | None = None) -> Rescued:
    # SQLite deletes the WAL of a 0-byte file even read-only: nothing to read there, and the WAL stays
    found = salvage(moved, key) if moved is not None and moved.exists() and moved.stat().st_size else Salvage()
    outbox = merge(found.outbox, journal.pending)
    journal_only = {r["id"] for r in journal.pending} - {r["id"] for r in found.outbox}
    # unread rows whose id the journal has are recovered; unknown ones may be among journal_only
    at_risk = (journal.unreadable + len(found.unread_ids - journal_only)
               + max(0, found.unread_unknown - len(journal_only - found.unread_ids)))
    return Rescued(outbox, at_risk, found)


def merge(rows: list[dict], journal: list[dict]) -> list[dict]:
    """The damaged file's outbox rows and the journal's pending records, once each by mutation id
    (the file's row wins: it is what the store last held), in outbox order (seq: both carry it)."""
    by_id = {r["id"]: r for r in journal} | {r["id"]: r for r in rows}
    return sorted(by_id.values(), key=lambda r: r["seq"])


def salvage(moved: Path, key: bytes | None = None) -> Salvage:
    """Read what can be read, row by row, from the moved-aside file (opened read-only: SQLite may
    add its -wal and -shm beside it, the file itself is not written), with the key, or without
    one when it is still a plaintext cache. A key that does not open it reads nothing."""
    found = Salvage()
    try:
        conn = cipher.connect(f"{moved.resolve().as_uri()}?mode=ro", None if cipher.is_plaintext(moved) else key,
                              uri=True)
    except sqlite3.Error as exc:
        log.warning("damaged cache unreadable: %s", exc)
        return found
    try:
        conn.row_factory = cipher.Row
        _salvage_outbox(conn, found)
        found.drafts = [r for r in _rows(conn, "drafts") if isinstance(r.get("key"), str) and _json_dict(r, "data")]
        found.rejected = [r for r in _rows(conn, "rejected") if _json_dict(r, "payload")]
    finally:
        conn.close()
    return found


def _salvage_outbox(conn: sqlite3.Connection, found: Salvage) -> None:
    # (seq, id) pairs from the unique index on id, and seqs from the table itself, each scanned
    # from both ends: a damaged page stops a scan, not what lies beyond it
    pairs = dict(_scan(conn, "SELECT seq, id FROM outbox ORDER BY id") + _scan(conn, "SELECT seq, id FROM outbox "
                                                                               "ORDER BY id DESC"))
    seqs = set(pairs) | {s for (s,) in _scan(conn, "SELECT seq FROM outbox ORDER BY seq")
                         + _scan(conn, "SELECT seq FROM outbox ORDER BY seq DESC")}
    counted = _scan(conn, "SELECT count(*) FROM outbox")
    expected = max(counted[0][0] if counted else 0, len(seqs))
    for seq in sorted(seqs):
        row = _one(conn, "SELECT * FROM outbox WHERE seq = ?", seq)
        mutation = _mutation(row) if row is not None else None
        if mutation is not None:
            found.outbox.append(mutation)
        elif seq in pairs:
            found.unread_ids.add(pairs[seq])
    found.unread_unknown = max(0, expected - len(found.outbox) - len(found.unread_ids))


def _rows(conn: sqlite3.Connection, table: str) -> list[dict]:
    rowids = {r for (r,) in _scan(conn, f"SELECT rowid FROM {table} ORDER BY rowid")  # noqa: S608 - fixed names
              + _scan(conn, f"SELECT rowid FROM {table} ORDER BY rowid DESC")}  # noqa: S608
    rows = (_one(conn, f"SELECT * FROM {table} WHERE rowid = ?", r) for r in sorted(rowids))  # noqa: S608
    return [dict(r) for r in rows if r is not None]


def _scan(conn: sqlite3.Connection, sql: str) -> list[tuple]:
    """The rows a query yields until it fails."""
    out: list[tuple] = []
    try:
        for row in conn.execute(sql):
            out.append(tuple(row))
    except sqlite3.DatabaseError as exc:
        log.info("damaged cache: a scan stopped after %d rows: %s", len(out), exc)
    return out


def _one(conn: sqlite3.Connection, sql: str, key: int) -> sqlite3.Row | None:
    try:
        return conn.execute(sql, (key,)).fetchone()
    except sqlite3.DatabaseError:
        return None


def _mutation(row: sqlite3.Row) -> dict | None:
    """An outbox row as the journal holds it, or None when what was read makes no sense."""
    try:
        payload = json.loads(row["payload"])
    except (TypeError, ValueError):
        return None
    record = {k: row[k] for k in ("seq", "id", "entity", "op", "entity_id", "base_version", "created_at")}
    if not isinstance(payload, dict) or not all(isinstance(record[k], str)
                                                for k in ("id", "entity", "op", "created_at")):
        return None
    return {**record, "payload": payload}


def _json_dict(row: dict, column: str) -> bool:
    try:
        return isinstance(json.loads(row.get(column)), dict)
    except (TypeError, ValueError):
        return False


def rebuild(path: Path, found: Rescued, key: bytes | None = None) -> tuple[int, int]:
    """A fresh cache holding the rescue, made under another name and then renamed into place: a
    crash half way never leaves a sound-looking cache without the rescued changes (the journal
    still has them, and the next open recovers again). Returns the drafts and rejections put back."""
    building = path.with_name(path.name + REBUILDING)
    for suffix in ("", "-journal"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    conn = cipher.connect(building, key, isolation_level=None)  # rollback journal: complete at COMMIT
    try:
        workorders.register_functions(conn)
        schema.migrate(conn)
        conn.execute("BEGIN IMMEDIATE")
        kb_index.create_schema(conn)
        counts = restore(conn, found)
        conn.execute("COMMIT")
    finally:
        conn.close()
    os.replace(building, path)
    fsync_folder(path.parent)
    return counts


def restore(conn: sqlite3.Connection, found: Rescued) -> tuple[int, int]:
    """Put the rescue into a fresh cache (inside the caller's transaction); returns the drafts and
    the rejections put back."""
    conn.executemany(
        "INSERT OR IGNORE INTO outbox(id, entity, op, entity_id, base_version, payload, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(r["id"], r["entity"], r["op"], r["entity_id"], r["base_version"],
          json.dumps(r["payload"], ensure_ascii=False), r["created_at"]) for r in found.outbox])
    drafts = _insert(conn, "drafts", found.salvage.drafts)
    rejections = _insert(conn, "rejected", found.salvage.rejected)
    return drafts, rejections


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict]) -> int:
    """Rows by the columns the fresh table has; a row it refuses is left out and counted out."""
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    done = 0
    for row in rows:
        names = [c for c in columns if c in row]
        try:
            conn.execute(f"INSERT OR REPLACE INTO {table}({', '.join(names)}) "  # noqa: S608 - names are ours
                         f"VALUES ({', '.join('?' for _ in names)})", [row[c] for c in names])
        except sqlite3.Error as exc:
            log.info("a rescued %s row was refused: %s", table, exc)
            continue
        done += 1
    return done


def describe(recovery: CacheRecovery) -> str:
    """One log line, no personal data."""
    where = recovery.moved_to.name if recovery.moved_to else "nothing to move"
    return (f"cache damaged ({recovery.reason}: {recovery.detail}); moved aside: {where}; "
            f"{recovery.recovered} change(s) recovered, {recovery.at_risk} at risk, "
            f"{recovery.drafts_recovered} draft(s), {recovery.rejections_recovered} rejection(s)")
