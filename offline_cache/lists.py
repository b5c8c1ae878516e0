"""The last list the platform gave each desk page (reviews, supervisions, the wallboard), kept as JSON
with the time it was fetched, so that the page still shows it, and says how old it is, offline.

One row per name; a newer fetch replaces the row. The table is not part of the migrated schema: the
services that use it create it (`ensure_schema`) when they start, which costs nothing once it exists.
Like every store write, `save` belongs on the sync writer thread.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from offline_cache.store import CacheStore

TABLE = "fetched_lists"


@dataclass(frozen=True)
class FetchedList:
    name: str
    data: Any
    fetched_at: str  # a domain.clock stamp


def ensure_schema(store: CacheStore) -> None:
    with store.transaction() as conn:
        create_schema(conn)


def create_schema(conn: sqlite3.Connection) -> None:
    conn.execute(f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        name TEXT PRIMARY KEY, data TEXT NOT NULL, fetched_at TEXT NOT NULL)""")


def save(store: CacheStore, name: str, data: Any, fetched_at: str) -> None:
    """Keep `data` (anything JSON can hold) as the list `name`, replacing the one before."""
    text = json.dumps(data, ensure_ascii=False)
    with store.transaction() as conn:
        conn.execute(f"INSERT INTO {TABLE}(name, data, fetched_at) VALUES (?, ?, ?) "
                     "ON CONFLICT(name) DO UPDATE SET data = excluded.data, fetched_at = excluded.fetched_at",
                     (name, text, fetched_at))


def load(store: CacheStore, name: str) -> FetchedList | None:
    """The list kept under `name`, or None when there is none (or the table was never made)."""
    conn = store.conn
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)).fetchone() is None:
        return None
    row = conn.execute(f"SELECT data, fetched_at FROM {TABLE} WHERE name = ?", (name,)).fetchone()
    return None if row is None else FetchedList(name, json.loads(row[0]), row[1])


def forget(store: CacheStore, name: str) -> None:
    with store.transaction() as conn:
        create_schema(conn)
        conn.execute(f"DELETE FROM {TABLE} WHERE name = ?", (name,))
