"""The workstation's local store: one SQLite file per signed-in user, in WAL mode, so that the UI
thread reads while the sync worker writes.

Every local change that must reach the platform is written together with its outbox mutation in
one transaction (`record`), and every page of the change feed together with its cursor
(`apply_changes`): a crash at any point leaves the store consistent and resumable.

The file is encrypted with the key given at open (`cipher`: SQLCipher; a plaintext cache from an
older version is encrypted in place at its first open with a key), and it and its folder are
readable by their user only. The file is checked at open (`integrity`); a damaged one is moved
aside and its outbox rescued (`recovery`), with the help of the outbox journal kept beside it
(`journal`). One store at a time per file (`lock`).
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from domain import clock
from offline_cache import cipher, integrity, kb_index, recovery, schema, texts, workorders
from offline_cache.journal import JournalContents, OutboxJournal
from offline_cache.lock import InstanceLock, lock_path
from offline_cache.recovery import CacheRecovery

log = logging.getLogger(__name__)


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
    """A mutation the platform refused with its own rejection body (code, message). Until the agent
    resends or discards it, later mutations of the same subject are held behind it."""

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
    """Opens the file (checked, rescued when damaged, migrated) and hands each thread its own
    connection. Raises lock.CacheInUse when another store has the file open, and
    schema.CacheFromNewerVersion for a file a newer workstation wrote.

    `key`: the cache's 32-byte key (the seat keeps it in the OS keyring); None opens a plaintext
    file (tools and tests), and takes any other file for a damaged one. A key that does not open
    the file raises cipher.KeyRejected, or with
    `key_rejected="recover"` the file is taken as damaged: moved aside (whoever holds its key can
    still read it), the outbox rescued from the journal into a fresh cache under this key.
    `seal_journal`: the outbox journal's changes are sealed under the key too (the seat asks for
    it when the OS keyring keeps the key)."""

    def __init__(self, path: Path, key: bytes | None = None, *, key_rejected: str = "raise",
                 seal_journal: bool = False) -> None:
        if key_rejected not in ("raise", "recover"):
            raise ValueError(f"key_rejected: {key_rejected!r}")
        self.path = Path(path)
        self._key, self._key_rejected = key, key_rejected
        cipher.private_folder(self.path.parent)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._journaled = False
        # what was rescued when the file was found damaged at this open, for the agent to be told
        self.recovery: CacheRecovery | None = None
        self._instance = InstanceLock(self.path)
        # sealed under the key when the key outlives this process (journal.py says why not otherwise)
        self._journal = OutboxJournal(self.path, key if seal_journal else None)
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        journal = self._journal.read()
        damage = (integrity.before_open(self.path, had_cache=journal.exists) or self._unlock()
                  or self._check_and_migrate(full=integrity.needs_full_check(self.path, suspect=journal.suspect)))
        if damage is not None:
            self._recover(damage, journal)
        # from now on the journal follows the outbox; it starts as a copy of it
        rows = self.conn.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
        if damage is None and (dropped := {r["id"] for r in journal.pending} - {r["id"] for r in rows}):
            log.info("outbox journal: %d change(s) not in the sound cache (never committed, or sent before a "
                     "crash) dropped", len(dropped))
        self._journal.rewrite(rows)
        self._journal.install(self.conn)
        self._journaled = True

    def _unlock(self) -> integrity.Damage | None:
        """Encrypt a plaintext cache (from before encryption) with the key; then see that the key
        opens the file."""
        try:
            if self._key is not None and cipher.is_plaintext(self.path):
                cipher.encrypt(self.path, self._key)
                log.info("the plaintext cache was encrypted")
            self.conn  # noqa: B018 - the first connection reads the file with the key
        except cipher.KeyRejected:
            if self._key_rejected == "raise":
                raise
            return integrity.Damage(integrity.Reason.not_a_database, "the key does not open it")
        except sqlite3.DatabaseError as exc:
            damage = integrity.from_error(exc)
            if damage is None:
                raise
            return damage
        return None

    def _check_and_migrate(self, *, full: bool) -> integrity.Damage | None:
        try:
            schema.check_version(self.conn)
            damage = integrity.check(self.conn, full=full)
            if damage is None:
                self._migrate()
            return damage
        except sqlite3.DatabaseError as exc:
            damage = integrity.from_error(exc)
            if damage is None:
                raise
            return damage

    def _migrate(self) -> None:
        schema.migrate(self.conn)
        with self.transaction() as conn:
            kb_index.create_schema(conn)  # rebuilds the search index when its tokenizer changed

    def _recover(self, damage: integrity.Damage, journal: JournalContents) -> None:
        """Move the damaged file aside, start a fresh one and put into it what could be rescued.
        With no cursor, the sync service fills it with a full resync."""
        self._close_connections()
        moved = recovery.move_aside(self.path, clock.now())
        rescued = recovery.rescue(moved, journal, self._key)
        drafts, rejections = recovery.rebuild(self.path, rescued, self._key)
        self.recovery = CacheRecovery(damage.reason, moved, len(rescued.outbox), rescued.at_risk, drafts, rejections,
                                      damage.detail)
        log.warning("%s", recovery.describe(self.recovery))

    # -- connections --------------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (sqlite3 connections must stay on their thread)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = cipher.connect(self.path, self._key, isolation_level=None, timeout=30.0, factory=_Watched)
            conn.on_error = self._note_damage
            try:
                if self._key is not None:
                    cipher.probe(conn, self.path)
                conn.row_factory = cipher.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                workorders.register_functions(conn)
                if self._journaled:
                    self._journal.install(conn)
            except BaseException:
                conn.close()  # a damaged file fails here already
                raise
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: take the write lock up front, so that a transaction never fails half
        way on an upgrade from reader to writer."""
        try:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:  # a connection made after the file went bad fails here
            self._note_damage(exc)
            raise
        self._journal.begin()
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            finally:
                self._journal.rolled_back()
                if isinstance(exc, sqlite3.DatabaseError):
                    self._note_damage(exc)
            raise
        self._journal.committed()
        if self._journaled and self._journal.wants_rewrite():
            self._compact_journal()

    def _note_damage(self, exc: sqlite3.DatabaseError) -> None:
        if integrity.from_error(exc) and self._journaled:
            self._journal.suspect()  # checked in full at the next open

    def _compact_journal(self) -> None:
        """Rewrite the journal with only the pending mutations (after the COMMIT: never fails the
        transaction that asked for it)."""
        try:
            with self.transaction() as conn:  # the write lock: the outbox cannot change meanwhile
                self._journal.rewrite(conn.execute("SELECT * FROM outbox ORDER BY seq"))
        except OSError as exc:
            log.warning("outbox journal not compacted: %s", exc)

    def close(self) -> None:
        """Close every connection and give the file up (idempotent)."""
        self._close_connections()
        self._journaled = False
        self._journal.close()
        self._instance.release()

    @property
    def damage_seen(self) -> bool:
        """SQLite reported the file damaged while this store ran; the next open checks it all and
        recovers it (a restart of the seat repairs it)."""
        return self._journal.suspected

    def release_thread(self) -> None:
        """Close this thread's connection (a worker thread about to end calls it): a connection
        can only be closed on its own thread, and the last one closed folds the WAL back into the
        file, so that the next open finds a clean cache."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            return
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        conn.close()
        self._local.conn = None

    def _close_connections(self) -> None:
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

    def apply_pushed(self, changes: Iterable[dict], after: int, cursor: int) -> int | None:
        """Apply the rows a `changes` event carried (those after `after`, up to `cursor`), if the
        cache has every change up to `after` and no resync is under way; returns the cursor now
        stored, or None when they were not applied (the cache must read the feed instead)."""
        with self.transaction() as conn:
            held = self.cursor
            if held < after or self.get_state("resync") is not None or self.get_state("cursor") is None:
                return None
            if cursor <= held:
                return held
            apply_many(conn, [(c["entity"], c["id"], c["op"], c.get("data")) for c in changes if c["seq"] > held])
            self.set_state(conn, "cursor", str(cursor))
        return cursor

    def apply_snapshot_page(self, entity: str, items: list[dict], progress: dict) -> None:
        """One page of a full resync, stored with the resync's progress."""
        with self.transaction() as conn:
            apply_many(conn, [(entity, _key_of(entity, item), "upsert", item) for item in items])
            self.set_state(conn, "resync", json.dumps(progress))

    def set_lookup_key(self, key: str) -> None:
        with self.transaction() as conn:
            workorders.set_lookup_key(conn, key)

    def begin_resync(self, as_of: int) -> None:
        """Drop cached platform data, keep drafts, the outbox, rejections and local-only orders."""
        with self.transaction() as conn:
            kb_index.clear(conn)
            for table in ("categories", "handling_units", "callers", texts.TABLE, "kb_boosts", "kb_notices",
                          "dispatch_rules"):
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

    def next_to_send(self) -> Mutation | None:
        """The first mutation of the outbox that is not held behind an unresolved rejection of the
        same subject (see `_subject`); None when there is none. Mutations of other subjects go on."""
        conn = self.conn
        blocked = {(r["entity"], _subject(conn, r["entity"], r["entity_id"], json.loads(r["payload"])))
                   for r in conn.execute("SELECT entity, entity_id, payload FROM rejected WHERE dismissed = 0")}
        for row in conn.execute("SELECT * FROM outbox ORDER BY seq"):
            mutation = _mutation(row)
            if not blocked or (mutation.entity, _subject(conn, mutation.entity, mutation.entity_id,
                                                         mutation.payload)) not in blocked:
                return mutation
        return None

    def held_behind(self, mutation_id: str) -> list[Mutation]:
        """The outbox mutations waiting behind an unresolved rejection, in order."""
        return self._held(self.conn, self._unresolved(self.conn, mutation_id))

    @staticmethod
    def _unresolved(conn: sqlite3.Connection, mutation_id: str) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM rejected WHERE id = ? AND dismissed = 0", (mutation_id,)).fetchone()
        if row is None:
            raise KeyError(f"no unresolved rejection {mutation_id}")
        return row

    @staticmethod
    def _held(conn: sqlite3.Connection, rejection: sqlite3.Row) -> list[Mutation]:
        entity = rejection["entity"]
        subject = _subject(conn, entity, rejection["entity_id"], json.loads(rejection["payload"]))
        if subject is None:
            return []
        rows = conn.execute("SELECT * FROM outbox WHERE entity = ? ORDER BY seq", (entity,))
        return [m for m in map(_mutation, rows) if _subject(conn, entity, m.entity_id, m.payload) == subject]

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

    def resend_rejection(self, mutation_id: str, payload: dict | None = None) -> str:
        """Put a refused change back at the head of the outbox (before what is held behind it), as
        it was or with the agent's edited payload, under a new id (the platform answers a known id
        with its first answer); the rejection is resolved. Returns the new mutation id."""
        with self.transaction() as conn:
            rejection = self._unresolved(conn, mutation_id)
            before = json.loads(rejection["payload"])
            after = dict(before if payload is None else payload)
            if rejection["op"] == "create" and "client_ref" in before:
                after["client_ref"] = before["client_ref"]  # what is held behind it knows the order by it
            new_id = str(uuid.uuid4())
            head = conn.execute("SELECT min(seq) FROM outbox").fetchone()[0]
            conn.execute(
                "INSERT INTO outbox(seq, id, entity, op, entity_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (None if head is None else head - 1, new_id, rejection["entity"], rejection["op"],
                 rejection["entity_id"], json.dumps(after, ensure_ascii=False), _now()))
            conn.execute("UPDATE rejected SET dismissed = 1 WHERE id = ?", (mutation_id,))
            if rejection["entity"] == "work_order":
                key = rejection["entity_id"] or before.get("client_ref")
                fields = {c: after[c] for c in workorders.CREATE_FIELDS if c in after} \
                    if rejection["op"] == "create" else {}
                workorders.unmark_rejected(conn, key, fields)
        return new_id

    def discard_rejection(self, mutation_id: str) -> list[Mutation]:
        """Drop a refused change and what is held behind it; the rejection is resolved. An order
        made here that the platform never took leaves the cache; an order of the platform's that
        shows the dropped changes is read again from the platform (`refetch_wanted`). Returns
        the held mutations dropped with it."""
        with self.transaction() as conn:
            rejection = self._unresolved(conn, mutation_id)
            held = self._held(conn, rejection)
            conn.executemany("DELETE FROM outbox WHERE id = ?", [(m.id,) for m in held])
            conn.execute("UPDATE rejected SET dismissed = 1 WHERE id = ?", (mutation_id,))
            if rejection["entity"] == "work_order":
                key = rejection["entity_id"] or json.loads(rejection["payload"]).get("client_ref")
                stale = workorders.discard_local(conn, key) if key else None
                if stale is not None:
                    wanted = set(self._refetch(conn)) | {stale}
                    self.set_state(conn, "refetch_orders", json.dumps(sorted(wanted)))
        return held

    @staticmethod
    def _refetch(conn: sqlite3.Connection) -> list[str]:
        row = conn.execute("SELECT value FROM sync_state WHERE key = 'refetch_orders'").fetchone()
        return json.loads(row[0]) if row else []

    def refetch_wanted(self) -> list[str]:
        """Orders whose cached row shows changes that were discarded: to read again from the platform."""
        return self._refetch(self.conn)

    def refetched(self, number: str, data: dict | None, *, apply: bool = True) -> None:
        """The platform's row of an order read again (None: the platform has no such order);
        `apply` False: the platform will not let us read it, it is no longer asked for."""
        with self.transaction() as conn:
            if apply and data is None:
                workorders.apply(conn, number, "delete", None)
            elif apply:
                workorders.apply(conn, number, "upsert", {c: data[c] for c in workorders.COLUMNS if c in data})
            wanted = [n for n in self._refetch(conn) if n != number]
            self.set_state(conn, "refetch_orders", json.dumps(wanted) if wanted else None)

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
        """Delete the file, its outbox journal, copies moved aside as damaged and its lock file.
        Refuses while mutations are pending unless forced (the agent was told how many would be
        lost and confirmed)."""
        pending = self.outbox_size()
        if pending and not force:
            raise PendingMutations(pending)
        self._close_connections()
        self._journaled = False
        self._journal.remove()  # first: a journal beside a missing file would mean a recovery
        for suffix in ("", "-wal", "-shm", "-journal", ".encrypting", ".encrypting-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        for copy in list(recovery.side_files(self.path)):
            copy.unlink(missing_ok=True)
        self._instance.release()
        lock_path(self.path).unlink(missing_ok=True)  # a store opening meanwhile locks a new one


class _Watched(cipher.Connection):
    """A connection that reports the errors of its statements (reads included) to its store, so
    that a file going bad under the running seat is noticed wherever it shows first."""

    on_error: Callable[[sqlite3.DatabaseError], None] = staticmethod(lambda exc: None)

    def execute(self, *args, **kwargs) -> sqlite3.Cursor:  # noqa: ANN002, ANN003
        try:
            return super().execute(*args, **kwargs)
        except sqlite3.DatabaseError as exc:
            self.on_error(exc)
            raise

    def executemany(self, *args, **kwargs) -> sqlite3.Cursor:  # noqa: ANN002, ANN003
        try:
            return super().executemany(*args, **kwargs)
        except sqlite3.DatabaseError as exc:
            self.on_error(exc)
            raise


class PendingMutations(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(f"{count} change(s) have not reached the platform")
        self.count = count


_KEYS = {"work_order": "number", "caller": "lookup", "synonym": "term", "kb_boost": "key", "dispatch_rule": "key"}


def _mutation(row: sqlite3.Row) -> Mutation:
    return Mutation(row["seq"], row["id"], row["entity"], row["op"], row["entity_id"], row["base_version"],
                    json.loads(row["payload"]), row["attempts"])


def _subject(conn: sqlite3.Connection, entity: str, entity_id: str | None, payload: dict) -> str | None:
    """What a mutation changes, for holding later mutations behind a refused one: its entity id, or
    for a create the client_ref; an order by its current number, whether a mutation names it by
    the provisional number or by the platform's. None: nothing later depends on it."""
    ref = entity_id or (payload.get("client_ref") if isinstance(payload, dict) else None)
    if not ref:
        return None
    return workorders.resolve(conn, str(ref)) if entity == "work_order" else str(ref)


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
    """The platform's lexicon line; a line this seat changed and has not uploaded yet stays as the
    agent made it (the platform's answer to the change sets it)."""
    if conn.execute("SELECT 1 FROM outbox WHERE entity = 'synonym' AND entity_id = ? LIMIT 1", (key,)).fetchone():
        return
    if op == "delete" or data is None:
        kb_index.delete_synonym(conn, key)
    else:
        kb_index.upsert_synonym(conn, data["term"], list(data["expansions"]), data.get("version"))


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
    "caller": _upsert("callers", ("lookup", "phone", "name", "confidential", "version", "updated_at"), "lookup"),
    "work_order": workorders.apply,
    "agent_text": _upsert(texts.TABLE, texts.COLUMNS, "id"),
    "kb_boost": _upsert("kb_boosts", ("key", "query_key", "entry_id", "weight", "version"), "key"),
    "kb_notice": _upsert("kb_notices", kb_index.NOTICE_COLUMNS, "id"),
    "dispatch_rule": _upsert("dispatch_rules", ("key", "district", "category", "lead", "assisting", "note", "version",
                                                "updated_at"), "key"),
}


def cache_path(data_dir: Path | None, platform_address: str, username: str) -> Path:
    """One file per signed-in user and platform, in the user data folder: a shared seat keeps
    each agent's cache apart."""
    import platformdirs

    base = data_dir or Path(platformdirs.user_data_dir("hotline-workstation", appauthor=False))
    return base / "cache" / _safe(platform_address) / f"{_safe(username)}.db"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "_"
