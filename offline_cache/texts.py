"""The agent texts a seat keeps (domain/texts.py): quick phrases, call scripts and form templates,
as the platform's feed and snapshots send them."""
from __future__ import annotations

import sqlite3

TABLE = "agent_texts"
COLUMNS = ("id", "kind", "title", "body", "category", "position", "version", "updated_at")


def create_schema(conn: sqlite3.Connection) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                 "title TEXT NOT NULL, body TEXT NOT NULL, category TEXT NOT NULL DEFAULT '', "
                 "position INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 1, updated_at TEXT)")
    conn.execute(f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_kind ON {TABLE}(kind, position, id)")


def rows(conn: sqlite3.Connection, *kinds: str) -> list[dict]:
    """The texts of these kinds (all when none is named), by kind, position and id."""
    where = f" WHERE kind IN ({', '.join('?' for _ in kinds)})" if kinds else ""
    sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE}{where} ORDER BY kind, position, id"  # noqa: S608 - fixed names
    return [dict(r) for r in conn.execute(sql, kinds)]


def version(conn: sqlite3.Connection) -> tuple:
    """A cheap fingerprint: reload only when it moved (after a sync)."""
    return tuple(conn.execute(f"SELECT count(*), max(version), max(updated_at) FROM {TABLE}").fetchone())  # noqa: S608
