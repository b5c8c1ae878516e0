"""The workstation's local store: one SQLite file per signed-in user, in WAL mode, so that the UI
thread reads while the sync worker writes.

Every local change that must reach the platform is written together with its outbox mutation in
one transaction (`record`), and every page of the change feed together with its cursor
(`apply_changes`): a crash at any point leaves the store consistent and resumable.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from domain import clock
from offline_cache import kb_index, schema, workorders


@dataclass(frozen=True)
class Mutation:
    """One pending change for the platform, in the platform's mutation format."""

    seq: int
    id: str
    entity: str
    op: str
    entity_id: str | None
    base_version: int | None
    payload: dict
    attempts: int

    def body(self) -> dict:
        body = {"id": self.id, "entity": self.entity, "op": self.op, "payload": self.payload}
        if self.entity_id is not None:
            body["entity_id"] = self.entity_id
        if self.base_version is not None:
            body["base_version"] = self.base_version
        return body


@dataclass(frozen=True)
class Rejection:
    mutation_id: str
    entity: str
    op: str
    entity_id: str | None
    payload: dict
    status: int
    code: str
    message: str
    at: str


def _now() -> str:
    return clock.stamp()


class CacheStore:
    """Opens the file, migrates it, and hands each thread its own connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        schema.migrate(self.conn)
        with self.transaction() as conn:
            kb_index.create_schema(conn)  # rebuilds the search index when its tokenizer changed

    # -- connections --------------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (sqlite3 connections must stay on their thread)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            workorders.register_functions(conn)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: take the write lock up front, so that a transaction never fails half
        way on an upgrade from reader to writer."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass  # made on another thread that has ended; the interpreter frees it
            self._all.clear()
        self._local = threading.local()

    # -- sync state ---------------------------------------------------------------------------

    def get_state(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    @staticmethod
    def set_state(conn: sqlite3.Connection, key: str, value: str | None) -> None:
        if value is None:
            conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))
        else:
            conn.execute("INSERT INTO sync_state(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    @property
    def cursor(self) -> int:
        return int(self.get_state("cursor", "0") or 0)

    # -- applying what the platform sends ---------------------------------------------------------

    def apply_changes(self, changes: Iterable[dict], cursor: int) -> int:
        """Apply one page of the change feed and move the cursor, atomically. A page older than
        the cursor (a duplicate or late delivery) still applies safely: rows only move forward in
        version. Returns the cursor now stored."""
        with self.transaction() as conn:
            apply_many(conn, [(c["entity"], c["id"], c["op"], c.get("data")) for c in changes])
            stored = max(self.cursor, cursor)
            self.set_state(conn, "cursor", str(stored))
        return stored

    def apply_snapshot_page(self, entity: str, items: list[dict], progress: dict) -> None:
        """One page of a full resync, stored with the resync's progress."""
        with self.transaction() as conn:
            apply_many(conn, [(entity, _key_of(entity, item), "upsert", item) for item in items])
            self.set_state(conn, "resync", json.dumps(progress))

    def begin_resync(self, as_of: int) -> None:
        """Drop cached platform data, keep drafts, the outbox, rejections and local-only orders."""
        with self.transaction() as conn:
            kb_index.clear(conn)
            for table in ("categories", "handling_units", "callers"):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
            workorders.clear_synced(conn)
            self.set_state(conn, "resync", json.dumps({"as_of": as_of, "entity": 0, "after": ""}))

    def finish_resync(self, as_of: int) -> None:
        with self.transaction() as conn:
            self.set_state(conn, "resync", None)
            self.set_state(conn, "cursor", str(as_of))

    # -- the outbox ---------------------------------------------------------------------------

    def record(self, entity: str, op: str, payload: dict, *, entity_id: str | None = None,
               base_version: int | None = None,
               local_change: Callable[[sqlite3.Connection], None] | None = None) -> str:
        """Append a mutation to the outbox together with its local effect; return its id."""
        mutation_id = str(uuid.uuid4())
        with self.transaction() as conn:
            if local_change is not None:
                local_change(conn)
            conn.execute(
                "INSERT INTO outbox(id, entity, op, entity_id, base_version, payload, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (mutation_id, entity, op, entity_id, base_version, json.dumps(payload, ensure_ascii=False), _now()))
        return mutation_id

    def pending(self, limit: int = 100) -> list[Mutation]:
        rows = self.conn.execute("SELECT * FROM outbox ORDER BY seq LIMIT ?", (limit,)).fetchall()
        return [Mutation(r["seq"], r["id"], r["entity"], r["op"], r["entity_id"], r["base_version"],
                         json.loads(r["payload"]), r["attempts"]) for r in rows]

    def outbox_size(self) -> int:
        return self.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def note_attempt(self, mutation_id: str, error: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                         (error[:500], mutation_id))

    def delivered(self, mutation: Mutation, answer: dict) -> None:
        """The platform applied it: drop it from the outbox and take the platform's entity."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM outbox WHERE id = ?", (mutation.id,))
            data, entity = answer.get("data"), answer.get("entity", mutation.entity)
            if isinstance(data, dict) and entity in APPLY:  # entities this cache does not keep are only uploaded
                apply_one(conn, entity, _key_of(entity, data), "upsert", data)

    def rejected(self, mutation: Mutation, status: int, code: str, message: str) -> None:
        """The platform refused it: keep it, with the reason, for the agent to see."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM outbox WHERE id = ?", (mutation.id,))
            conn.execute(
                "INSERT OR REPLACE INTO rejected(id, entity, op, entity_id, payload, status, code, message, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (mutation.id, mutation.entity, mutation.op, mutation.entity_id,
                 json.dumps(mutation.payload, ensure_ascii=False), status, code, message, _now()))
            workorders.mark_rejected(conn, mutation.entity_id or mutation.payload.get("client_ref"), code)

    def rejections(self, include_dismissed: bool = False) -> list[Rejection]:
        sql = "SELECT * FROM rejected" + ("" if include_dismissed else " WHERE dismissed = 0") + " ORDER BY at"
        return [Rejection(r["id"], r["entity"], r["op"], r["entity_id"], json.loads(r["payload"]), r["status"],
                          r["code"], r["message"], r["at"]) for r in self.conn.execute(sql)]

    def dismiss_rejection(self, mutation_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE rejected SET dismissed = 1 WHERE id = ?", (mutation_id,))

    # -- drafts -------------------------------------------------------------------------------

    def save_draft(self, key: str, data: dict) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO drafts(key, data, updated_at) VALUES (?, ?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                         (key, json.dumps(data, ensure_ascii=False), _now()))

    def load_draft(self, key: str) -> dict | None:
        row = self.conn.execute("SELECT data FROM drafts WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def drafts(self) -> list[tuple[str, dict, str]]:
        return [(r["key"], json.loads(r["data"]), r["updated_at"])
                for r in self.conn.execute("SELECT * FROM drafts ORDER BY updated_at DESC")]

    def delete_draft(self, key: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM drafts WHERE key = ?", (key,))

    # -- wiping a shared seat -----------------------------------------------------------------

    def wipe(self, *, force: bool = False) -> None:
        """Delete the file. Refuses while mutations are pending unless forced (the agent was told
        how many would be lost and confirmed)."""
        pending = self.outbox_size()
        if pending and not force:
            raise PendingMutations(pending)
        self.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


class PendingMutations(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(f"{count} change(s) have not reached the platform")
        self.count = count


_KEYS = {"work_order": "number", "caller": "phone", "synonym": "term"}


def _key_of(entity: str, data: dict) -> str:
    return str(data[_KEYS.get(entity, "id")])


def apply_one(conn: sqlite3.Connection, entity: str, key: str, op: str, data: dict | None) -> None:
    """Apply one platform row; unknown entities are skipped so that an older client survives a
    newer platform."""
    handler = APPLY.get(entity)
    if handler is not None:
        handler(conn, key, op, data)


def apply_many(conn: sqlite3.Connection, changes: list[tuple[str, str, str, dict | None]]) -> None:
    """Apply changes in order; runs of knowledge-entry upserts go to the index in one call, which
    is more than twice as fast as one by one (FTS5 flushes its pending data per statement)."""
    run: list[dict] = []
    for entity, key, op, data in changes:
        if entity == "kb_entry" and op == "upsert" and data is not None:
            run.append(data)
            continue
        if run:
            kb_index.upsert_entries(conn, run)
            run = []
        apply_one(conn, entity, key, op, data)
    if run:
        kb_index.upsert_entries(conn, run)


def _apply_kb(conn: sqlite3.Connection, key: str, op: str, data: dict | None) -> None:
    if op == "delete" or data is None:
        kb_index.delete_entries(conn, [key])
    else:
        kb_index.upsert_entries(conn, [data])


def _apply_synonym(conn: sqlite3.Connection, key: str, op: str, data: dict | None) -> None:
    if op == "delete" or data is None:
        kb_index.delete_synonym(conn, key)
    else:
        kb_index.upsert_synonym(conn, data["term"], list(data["expansions"]))


def _upsert(table: str, columns: tuple[str, ...], key: str) -> Callable:
    placeholders = ", ".join("?" for _ in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    insert = (f"INSERT INTO {table}({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608 - fixed names
              f"ON CONFLICT({key}) DO UPDATE SET {updates} WHERE excluded.version >= {table}.version")

    def apply(conn: sqlite3.Connection, k: str, op: str, data: dict | None) -> None:
        if op == "delete" or data is None:
            conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (k,))  # noqa: S608
            return
        values = [data.get(c) for c in columns]
        conn.execute(insert, [json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                              for v in values])
    return apply


APPLY: dict[str, Callable[[sqlite3.Connection, str, str, dict | None], None]] = {
    "kb_entry": _apply_kb,
    "synonym": _apply_synonym,
    "category": _upsert("categories", ("id", "parent_id", "name", "position", "version"), "id"),
    "handling_unit": _upsert("handling_units", ("id", "name", "kind", "parent_id", "phone", "category_prefixes",
                                                "version"), "id"),
    "caller": _upsert("callers", ("phone", "name", "confidential", "version", "updated_at"), "phone"),
    "work_order": workorders.apply,
}


def cache_path(data_dir: Path | None, platform_address: str, username: str) -> Path:
    """One file per signed-in user and platform, in the user data folder: a shared seat keeps
    each agent's cache apart."""
    import platformdirs

    base = data_dir or Path(platformdirs.user_data_dir("hotline-workstation", appauthor=False))
    return base / "cache" / _safe(platform_address) / f"{_safe(username)}.db"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "_"
