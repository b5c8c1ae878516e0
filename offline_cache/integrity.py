"""Is the cache file sound? The checks made at every open, cheap enough for a big cache.

Before SQLite touches the file: a missing or 0-byte file where a cache existed (the outbox journal
says so, or a WAL with data is beside it: SQLite would silently delete that WAL and start a blank
cache) and a file shorter than its own header says. Then `PRAGMA quick_check`: of the whole file
when it is small (up to FULL_CHECK_MAX_BYTES) or when there is reason to doubt it (the last
session did not close cleanly, or SQLite reported damage while it ran); otherwise only of the
tables a rescue keeps, well under a millisecond. A whole check reads the whole file: 120-130 ms
for 100,000 orders (46 MB), 1.7-3.6 s for 1,000,000 (460 MB) on the development machine, idle;
twice that with the machine busy. Damage found later, at run time, is marked in the journal and
checked in full at the next open.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

FULL_CHECK_MAX_BYTES = 32 * 1024 * 1024  # a whole check of ~0.1 s at most on an idle machine
RESCUED_TABLES = ("outbox", "drafts", "rejected", "sync_state")
_MAGIC = b"SQLite format 3\x00"
_DAMAGE_CODES = {10: "io_error", 11: "corrupt", 26: "not_a_database"}  # SQLITE_IOERR, _CORRUPT, _NOTADB


class Reason(StrEnum):
    """Why a cache was found damaged."""

    missing = "missing"                # the file is gone where a cache existed
    empty = "empty"                    # 0 bytes where a cache existed
    truncated = "truncated"            # shorter than its header says
    not_a_database = "not_a_database"  # SQLite does not recognise it
    corrupt = "corrupt"                # SQLite found it malformed, or quick_check failed
    io_error = "io_error"              # SQLite could not read it


@dataclass(frozen=True)
class Damage:
    reason: Reason
    detail: str  # for the log: SQLite's words or what was measured; no data from the file


def before_open(path: Path, *, had_cache: bool) -> Damage | None:
    """What can be seen without SQLite, which would 'repair' some of it by starting afresh."""
    wal = _size(Path(f"{path}-wal"))
    size = _size(path)
    if size is None:
        return Damage(Reason.missing, "no cache file") if had_cache or wal else None
    if size == 0:
        return Damage(Reason.empty, f"0 bytes (WAL {wal or 0} bytes)") if had_cache or wal else None
    if not wal:  # a WAL may hold pages the file has not received yet
        return _truncated(path, size)
    return None


def needs_full_check(path: Path, *, suspect: bool) -> bool:
    return suspect or bool(_size(Path(f"{path}-wal"))) or (_size(path) or 0) <= FULL_CHECK_MAX_BYTES


def check(conn: sqlite3.Connection, *, full: bool) -> Damage | None:
    """quick_check of the whole file or of the rescued tables. Raises sqlite3.DatabaseError as
    SQLite does (see from_error)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if conn.execute("PRAGMA user_version").fetchone()[0] >= 1 and "outbox" not in tables:
        return Damage(Reason.corrupt, "the outbox table is missing")
    if full:
        problems = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
    else:
        problems = [r[0] for t in RESCUED_TABLES if t in tables
                    for r in conn.execute(f"PRAGMA quick_check('{t}')")]
    problems = [p for p in problems if p != "ok"]
    return Damage(Reason.corrupt, "; ".join(problems)[:300]) if problems else None


def from_error(exc: sqlite3.DatabaseError) -> Damage | None:
    """The damage an SQLite error means, or None for errors that are not the file's fault (locked,
    disk full, no permission)."""
    reason = _DAMAGE_CODES.get((getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF)
    return Damage(Reason(reason), str(exc)[:300]) if reason else None


def _truncated(path: Path, size: int) -> Damage | None:
    with open(path, "rb") as f:
        header = f.read(100)
    if len(header) < 100 or not header.startswith(_MAGIC):
        return None  # SQLite's own verdict follows
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # the page count is valid only when written with the current change counter
    if pages and header[24:28] == header[92:96] and pages * page_size > size:
        return Damage(Reason.truncated, f"{size} bytes, the header says {pages} pages of {page_size}")
    return None


def _size(path: Path) -> int | None:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return None
