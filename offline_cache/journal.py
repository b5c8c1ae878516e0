"""The outbox journal: an append-only copy of the outbox kept beside the cache file
(`<cache>.outbox.jsonl`, mode 0600), so that the changes an agent made outlive damage to the cache.
It holds what the outbox holds and nothing more.

One JSON object a line:
    {"t": "journal", "v": 1}      the first line; a journal at all says a cache existed here
    {"t": "add", "seq", "id", "entity", "op", "entity_id", "base_version", "payload", "created_at"}
    {"t": "done", "id"}           left the outbox (delivered, refused, discarded), or never committed
    {"t": "suspect"}              SQLite reported damage while the store ran: check it all at open

The store's connections write it from SQLite triggers on the outbox (`install`), so every path
that changes the outbox is journaled, whoever writes it. Crash orderings: an "add" is written and
fsynced by the INSERT, inside its transaction, before the COMMIT, so a committed mutation is always
in the journal. A crash between the two leaves an "add" that never committed: at open a sound
cache is the truth (the journal is rewritten from its outbox, which drops it); from a damaged cache
it is rescued with the others, at worst an extra change the agent did make but was not told was
saved. A "done" is written after the COMMIT (a rollback writes one for the adds it undid), without
fsync: lost in a crash or a power cut, a rescue re-sends a mutation the platform has already
applied, which it ignores (mutation ids are idempotency keys).

Bounded: cut back to its first line whenever the outbox empties, and rewritten with only the
pending mutations at every open and when it has many more lines than pending mutations.

Sealed when given a key (the seat's cache key, when the OS keyring keeps it): an "add" then keeps
only its id and seq in clear, the rest in `box`, AES-256-GCM under a key derived from the cache key,
its id bound in as associated data. A line that does not open (another key) counts as unreadable.
Without a keyring the key dies with the process, so the journal stays in clear (0600) there: a
restart must be able to read the changes the agent made.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

HEADER = json.dumps({"t": "journal", "v": 1}).encode() + b"\n"
SUSPECT = json.dumps({"t": "suspect"}).encode() + b"\n"
FIELDS = ("seq", "id", "entity", "op", "entity_id", "base_version", "payload", "created_at")
COMPACT_SLACK = 1000  # lines beyond twice the pending mutations before a rewrite

_TRIGGERS = """
CREATE TEMP TRIGGER IF NOT EXISTS outbox_journal_insert AFTER INSERT ON main.outbox BEGIN
    SELECT outbox_journal_add(NEW.seq, NEW.id, NEW.entity, NEW.op, NEW.entity_id, NEW.base_version, NEW.payload,
                              NEW.created_at);
END;
CREATE TEMP TRIGGER IF NOT EXISTS outbox_journal_update
AFTER UPDATE OF seq, id, entity, op, entity_id, base_version, payload ON main.outbox BEGIN
    SELECT outbox_journal_put(NEW.seq, NEW.id, NEW.entity, NEW.op, NEW.entity_id, NEW.base_version, NEW.payload,
                              NEW.created_at);
    SELECT outbox_journal_done(OLD.id, 0) WHERE OLD.id != NEW.id;
END;
CREATE TEMP TRIGGER IF NOT EXISTS outbox_journal_delete AFTER DELETE ON main.outbox BEGIN
    SELECT outbox_journal_done(OLD.id, NOT EXISTS (SELECT 1 FROM main.outbox));
END;
"""


def journal_path(cache: Path) -> Path:
    return Path(f"{cache}.outbox.jsonl")


@dataclass(frozen=True)
class JournalContents:
    exists: bool
    pending: list[dict]  # "add" records without a "done", in the order they were written
    unreadable: int      # whole lines that do not parse: records known to exist but lost
    suspect: bool


@dataclass
class _Transaction:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    empty: bool = False  # the outbox was empty after its last removal
    adds_then: int = 0   # the journal's adds when it was (the write lock held: none could come between)


class Sealer:
    """AES-256-GCM for the journal's "add" lines, under a key derived from the cache's key."""

    def __init__(self, cache_key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(hmac.new(cache_key, b"hotline outbox journal v1", hashlib.sha256).digest())

    def seal(self, entry: dict) -> dict:
        clear = {k: entry[k] for k in ("t", "id", "seq")}
        nonce = os.urandom(12)
        body = json.dumps({k: v for k, v in entry.items() if k not in clear}, ensure_ascii=False).encode()
        box = nonce + self._aead.encrypt(nonce, body, entry["id"].encode())
        return {**clear, "box": base64.b64encode(box).decode()}

    def open(self, entry: dict) -> dict | None:
        from cryptography.exceptions import InvalidTag

        try:
            box = base64.b64decode(entry["box"], validate=True)
            body = self._aead.decrypt(box[:12], box[12:], str(entry["id"]).encode())
            inner = json.loads(body)
        except (InvalidTag, ValueError, TypeError, KeyError):
            return None
        return {**inner, "t": "add", "id": entry["id"], "seq": entry.get("seq")} if isinstance(inner, dict) else None


class OutboxJournal:
    def __init__(self, cache: Path, key: bytes | None = None) -> None:
        self.path = journal_path(cache)
        self._sealer = Sealer(key) if key is not None else None
        self.lines = 0
        self.pending = 0  # an estimate, for compaction
        self.suspected = False
        self.adds = 0  # "add" lines written by this process
        self._fd: int | None = None
        self._lock = threading.Lock()
        self._local = threading.local()  # .tx: this thread's open transaction

    def install(self, conn: sqlite3.Connection) -> None:
        """Journal this connection's outbox changes (the outbox table must exist)."""
        conn.create_function("outbox_journal_add", len(FIELDS), self._on_add)
        conn.create_function("outbox_journal_put", len(FIELDS), self._on_update)
        conn.create_function("outbox_journal_done", 2, self._on_done)
        conn.executescript(_TRIGGERS)

    def begin(self) -> None:
        self.committed()  # changes made outside a transaction (autocommit) were committed

    def committed(self) -> None:
        tx, self._local.tx = self._tx(), _Transaction()
        try:
            cleared = tx.empty and self.clear(unless_added_since=tx.adds_then)
        except OSError as exc:
            log.warning("outbox journal: not cut back: %s", exc)
            cleared = False
        if not cleared:
            self._done(tx.removed)

    def rolled_back(self) -> None:
        tx, self._local.tx = self._tx(), _Transaction()
        self._done(tx.added)

    def wants_rewrite(self) -> bool:
        return self.lines > 2 * max(self.pending, 0) + COMPACT_SLACK

    def _on_add(self, *values: object) -> None:
        row = dict(zip(FIELDS, values, strict=True))
        try:
            self.add(row)
        except Exception:
            log.exception("outbox journal: cannot write")  # the statement fails: nothing unjournaled is kept
            raise
        tx = self._tx()
        tx.added.append(row["id"])
        tx.empty = False

    def _on_update(self, *values: object) -> None:
        # Nothing changes a mutation in place today. If something did and then rolled back, the
        # journal would keep the new version: a rescue from the journal alone would send that one.
        self.add(dict(zip(FIELDS, values, strict=True)))
        self._tx().empty = False

    def _on_done(self, mutation_id: str, empty: int) -> None:
        tx = self._tx()
        tx.removed.append(mutation_id)
        tx.empty, tx.adds_then = bool(empty), self.adds

    def _tx(self) -> _Transaction:
        tx = getattr(self._local, "tx", None)
        if tx is None:
            tx = self._local.tx = _Transaction()
        return tx

    def _done(self, ids: list[str]) -> None:
        """Never fails the caller: the transaction is over, and a "done" lost only means a change
        a rescue would send again, which the platform ignores."""
        if not ids:
            return
        try:
            self._append(b"".join(_line({"t": "done", "id": i}) for i in ids), sync=False, count=len(ids))
        except OSError as exc:
            log.warning("outbox journal: %d done mark(s) not written: %s", len(ids), exc)
            return
        self.pending -= len(ids)

    def read(self) -> JournalContents:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return JournalContents(False, [], 0, False)
        *whole, torn = data.split(b"\n")
        if torn:  # a write cut short by a crash: an "add" that never committed, or a "done"
            log.info("outbox journal ends with a partial line (%d bytes), ignored", len(torn))
        pending: dict[str, dict] = {}
        unreadable, suspect = 0, False
        for line in whole[1:] if whole and whole[0] + b"\n" == HEADER else whole:
            entry = _parse(line, self._sealer)
            if entry is None:
                unreadable += 1
            elif entry["t"] == "add":
                pending[entry["id"]] = {k: entry[k] for k in FIELDS}
            elif entry["t"] == "done":
                pending.pop(entry["id"], None)
            elif entry["t"] == "suspect":
                suspect = True
        return JournalContents(True, list(pending.values()), unreadable, suspect)

    def rewrite(self, pending: Iterable[dict]) -> None:
        """Replace the journal, atomically, by one holding only `pending` (outbox rows)."""
        lines = [HEADER, *(self._add_line(row) for row in pending)] + ([SUSPECT] if self.suspected else [])
        temporary = self.path.with_name(self.path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _chmod_private(fd)
            _write_all(fd, b"".join(lines))
            os.fsync(fd)
        finally:
            os.close(fd)
        with self._lock:
            self._close()
            os.replace(temporary, self.path)
            fsync_folder(self.path.parent)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
            self.lines, self.pending = len(lines), len(lines) - 1 - self.suspected

    def add(self, row: dict) -> None:
        """A new outbox mutation; on disk before this returns."""
        self._append(self._add_line(row), sync=True, adds=1)
        self.pending += 1

    def _add_line(self, row: dict) -> bytes:
        entry = add_record(row)
        return _line(self._sealer.seal(entry) if self._sealer is not None else entry)

    def clear(self, *, unless_added_since: int | None = None) -> bool:
        """The outbox is empty: keep only the first line, unless another thread has added to it
        since (after our COMMIT, before this). True when cleared."""
        with self._lock:
            if self._fd is None or (unless_added_since is not None and self.adds != unless_added_since):
                return False
            if self.lines > 1 + self.suspected:
                os.ftruncate(self._fd, len(HEADER))
                if self.suspected:
                    _write_all(self._fd, SUSPECT)
                self.lines, self.pending = 1 + self.suspected, 0
            return True

    def suspect(self) -> None:
        """SQLite reported damage: the next open checks the whole file (best effort: the error
        being reported matters more)."""
        if not self.suspected:
            self.suspected = True
            try:
                self._append(SUSPECT, sync=True)
            except OSError as exc:
                log.warning("outbox journal: damage mark not written: %s", exc)

    def close(self) -> None:
        with self._lock:
            self._close()

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
        self.path.with_name(self.path.name + ".new").unlink(missing_ok=True)

    def _append(self, data: bytes, *, sync: bool, count: int = 1, adds: int = 0) -> None:
        with self._lock:
            if self._fd is None:
                raise RuntimeError("the outbox journal is closed")
            _write_all(self._fd, data)
            if sync:
                os.fsync(self._fd)
            self.lines += count
            self.adds += adds

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def add_record(row: dict) -> dict:
    payload = row["payload"]
    return {"t": "add", **{k: row[k] for k in FIELDS if k != "payload"},
            "payload": json.loads(payload) if isinstance(payload, str) else payload}


def _line(entry: dict) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _parse(line: bytes, sealer: Sealer | None = None) -> dict | None:
    """A journal entry, or None when the line is not one we wrote (damaged), or sealed under
    another key."""
    try:
        entry = json.loads(line)
    except ValueError:  # bad JSON or bad UTF-8
        return None
    if not isinstance(entry, dict):
        return None
    kind = entry.get("t")
    if kind == "suspect":
        return entry
    if kind == "done" and isinstance(entry.get("id"), str):
        return entry
    if kind == "add" and "box" in entry:
        entry = sealer.open(entry) if sealer is not None else None
        return entry if entry is not None and _valid_add(entry) else None
    if kind == "add" and _valid_add(entry):
        return entry
    return None


def _valid_add(entry: dict) -> bool:
    return (isinstance(entry.get("seq"), int)
            and all(isinstance(entry.get(k), str) for k in ("id", "entity", "op", "created_at"))
            and isinstance(entry.get("payload"), dict)
            and isinstance(entry.get("entity_id"), str | None)
            and isinstance(entry.get("base_version"), int | None))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _chmod_private(fd: int) -> None:
    if hasattr(os, "fchmod"):  # a leftover file keeps its mode through O_CREAT
        os.fchmod(fd, 0o600)


def fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX; Windows cannot open a folder)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
