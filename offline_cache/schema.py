"""The cache's schema and its migrations, versioned with PRAGMA user_version.

Steps are append-only: once a version has shipped, a change is a new step. sqlite-utils creates
the plain tables; the full-text tables belong to kb_index and workorders.
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from offline_cache import kb_index, texts, workorders

log = logging.getLogger(__name__)


def _v1(conn: sqlite3.Connection) -> None:
    import sqlite_utils  # only a new cache needs it: not loaded at start-up

    db = sqlite_utils.Database(conn)
    db["sync_state"].create({"key": str, "value": str}, pk="key")
    db["categories"].create({"id": str, "parent_id": str, "name": str, "position": int, "version": int}, pk="id")
    db["handling_units"].create({"id": str, "name": str, "kind": str, "parent_id": str, "phone": str,
                                 "category_prefixes": str, "version": int}, pk="id")
    db["callers"].create({"phone": str, "name": str, "confidential": int, "version": int, "updated_at": str},
                         pk="phone")
    db["drafts"].create({"key": str, "data": str, "updated_at": str}, pk="key")
    conn.execute("""CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, entity TEXT NOT NULL, op TEXT NOT NULL,
        entity_id TEXT, base_version INTEGER, payload TEXT NOT NULL, created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)""")
    db["rejected"].create({"id": str, "entity": str, "op": str, "entity_id": str, "payload": str, "status": int,
                           "code": str, "message": str, "at": str, "dismissed": int}, pk="id",
                          defaults={"dismissed": 0}, not_null={"dismissed"})
    kb_index.create_schema(conn)
    workorders.create_schema(conn)


def _v2(conn: sqlite3.Connection) -> None:
    workorders.add_lifecycle_columns(conn)
    # Orders cached before this step lack the new fields: forget the cursor (and any resync under
    # way), so the next sync rebuilds the cache from snapshots. Drafts, the outbox and the orders
    # made here and not yet confirmed stay, as in every resync.
    conn.execute("DELETE FROM sync_state WHERE key IN ('cursor', 'resync')")


def _v3(conn: sqlite3.Connection) -> None:
    """Least data per seat (R14): callers and orders are found by the keyed hash of the number
    (domain/privacy.py), and the platform sends the full number only in the orders this user took.
    What the platform sent before holds the numbers in full: it goes now, and the next sync brings
    it again as this seat may hold it. Drafts, the outbox and the orders made here stay."""
    conn.execute("DROP TABLE callers")
    conn.execute("CREATE TABLE callers (lookup TEXT PRIMARY KEY, phone TEXT, name TEXT, confidential INTEGER, "
                 "version INTEGER, updated_at TEXT)")
    workorders.add_caller_lookup(conn)
    conn.execute("DELETE FROM sync_state WHERE key IN ('cursor', 'resync')")


def _v4(conn: sqlite3.Connection) -> None:
    """Agent texts (domain/texts.py): quick phrases, call scripts, form templates. The platform
    had them before this seat kept them: the next sync rebuilds the cache from snapshots, as after
    step 2 (drafts, the outbox and the orders made here stay)."""
    texts.create_schema(conn)
    conn.execute("DELETE FROM sync_state WHERE key IN ('cursor', 'resync')")


def _v5(conn: sqlite3.Connection) -> None:
    """The dispatch rule table (domain/catalog.py DispatchRule). The platform had it before this
    seat kept it: the next sync rebuilds the cache from snapshots, as after step 2."""
    conn.execute("CREATE TABLE dispatch_rules (key TEXT PRIMARY KEY, district TEXT NOT NULL, category TEXT NOT NULL, "
                  "lead TEXT NOT NULL, assisting TEXT NOT NULL, note TEXT, version INTEGER, updated_at TEXT)")
    conn.execute("DELETE FROM sync_state WHERE key IN ('cursor', 'resync')")


MIGRATIONS: list[tuple[int, str, Callable[[sqlite3.Connection], None]]] = [
    (1, "initial schema", _v1),
    (2, "work-order lifecycle fields: reply, callback, flags, units, creator", _v2),
    (3, "callers and orders found by the keyed hash of the number; no numbers of others' orders", _v3),
    (4, "agent texts: quick phrases, call scripts, form templates", _v4),
    (5, "the dispatch rule table", _v5),
]


class CacheFromNewerVersion(RuntimeError):
    """The file was written by a newer workstation: refused, never downgraded nor taken for damage."""


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def check_version(conn: sqlite3.Connection) -> None:
    newest = MIGRATIONS[-1][0]
    if version(conn) > newest:
        raise CacheFromNewerVersion(f"the cache file is from a newer version (schema {version(conn)} > {newest})")


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply pending steps, each in one transaction with its version bump."""
    applied = []
    for number, description, step in MIGRATIONS:
        if number <= version(conn):
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute(f"PRAGMA user_version = {number:d}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        log.info("cache schema migrated to %d: %s", number, description)
        applied.append(number)
    check_version(conn)
    return applied
