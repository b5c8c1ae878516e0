"""Work-order summaries in the cache: what the platform sent, what this seat made offline, and
the caller lookup that the screen pop runs on every ring.

An order made offline carries a provisional number ("L-<seat>-<n>") until the platform's number
replaces it; the provisional number stays as an alias, so both find the order.

A row holding this seat's changes that the platform has not confirmed says so: `local` while they
wait in the outbox (or are held behind a refused change), `rejected_code` once the platform refused
one. Discarding refused changes removes an order the platform never took, and has an order of the
platform's read again from it (`discard_local`).
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import clock
from domain.numbers import is_provisional_number, provisional_number
from domain.privacy import lookup_hash
from domain.workorder import TERMINAL_STATUSES
from offline_cache import textsearch

SUMMARY = ("number", "client_ref", "caller_phone", "created_at", "request_type", "category_id", "status",
           "title", "handling_unit_id", "deadline", "deadline_provisional", "version")
# The lifecycle fields the agent's pages need (schema 2): reply, callback result, flags, units.
LIFECYCLE = ("reply", "replied_at", "satisfaction", "resolved", "callback_attempts", "case_kind", "supervised",
             "units", "merged_into", "created_by")
# Schema 3: the keyed hash of the caller's number, which the screen pop finds the caller's orders by
# (caller_phone holds the number masked, but in the orders this user took).
COLUMNS = SUMMARY + LIFECYCLE + ("caller_lookup",)
LOOKUP_KEY = "lookup_key"  # sync_state: the platform's key of the hashes (hex), from GET /lookup-key
# What a local row of an order made here takes from its create payload.
CREATE_FIELDS = ("caller_phone", "request_type", "category_id", "title")
_BOOLEAN = ("deadline_provisional", "resolved", "supervised", "local")
# "merged" (并单) is terminal whether or not this build's domain knows the status yet.
TERMINAL = tuple(sorted({*(str(s) for s in TERMINAL_STATUSES), "merged"}))
GROUPS = ("open", "closed", "all")
REPEAT_WINDOW = timedelta(days=30)
# literal in the SQL, so that the partial index's condition matches the query's
_TERMINAL_SQL = ", ".join(f"'{s}'" for s in sorted(TERMINAL))


def create_schema(conn: sqlite3.Connection) -> None:
    conn.execute("""CREATE TABLE IF NOT EXISTS work_orders (
        number TEXT PRIMARY KEY, client_ref TEXT, caller_phone TEXT NOT NULL, created_at TEXT NOT NULL,
        request_type TEXT NOT NULL, category_id TEXT NOT NULL, status TEXT NOT NULL, title TEXT NOT NULL,
        handling_unit_id TEXT, deadline TEXT, deadline_provisional INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL, local INTEGER NOT NULL DEFAULT 0, rejected_code TEXT)""")
    # Covering for the repeat check (a window of a caller's orders read from the index alone) and
    # a partial index of open orders: a caller with thousands of orders still pops in a millisecond.
    conn.execute("CREATE INDEX IF NOT EXISTS ix_wo_caller ON work_orders(caller_phone, created_at DESC, "
                 "category_id, number)")
    conn.execute(f"CREATE INDEX IF NOT EXISTS ix_wo_open ON work_orders(caller_phone, created_at DESC) "
                 f"WHERE status NOT IN ({_TERMINAL_SQL})")
    conn.execute("CREATE TABLE IF NOT EXISTS order_aliases (alias TEXT PRIMARY KEY, number TEXT NOT NULL)")
    # Full-text over number and title, kept in step by triggers that call our tokenizer.
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS wo_fts USING fts5(tokens, tokenize=\"{textsearch.TOKENIZE}\")")
    conn.execute("""CREATE TRIGGER IF NOT EXISTS wo_fts_insert AFTER INSERT ON work_orders BEGIN
        INSERT INTO wo_fts(rowid, tokens) VALUES (new.rowid, hotline_order_tokens(new.number, new.title)); END""")
    conn.execute("""CREATE TRIGGER IF NOT EXISTS wo_fts_update AFTER UPDATE OF number, title ON work_orders BEGIN
        DELETE FROM wo_fts WHERE rowid = old.rowid;
        INSERT INTO wo_fts(rowid, tokens) VALUES (new.rowid, hotline_order_tokens(new.number, new.title)); END""")
    conn.execute("""CREATE TRIGGER IF NOT EXISTS wo_fts_delete AFTER DELETE ON work_orders BEGIN
        DELETE FROM wo_fts WHERE rowid = old.rowid; END""")


def add_lifecycle_columns(conn: sqlite3.Connection) -> None:
    """Schema 2: the lifecycle fields, the indexes of "my orders" and of the callback queue, and the
    open-orders index again with the terminal statuses of now (merged joined them)."""
    for column, kind in (("reply", "TEXT"), ("replied_at", "TEXT"), ("satisfaction", "TEXT"), ("resolved", "INTEGER"),
                         ("callback_attempts", "INTEGER DEFAULT 0"), ("case_kind", "TEXT DEFAULT 'normal'"),
                         ("supervised", "INTEGER DEFAULT 0"), ("units", "TEXT"), ("merged_into", "TEXT"),
                         ("created_by", "INTEGER")):
        conn.execute(f"ALTER TABLE work_orders ADD COLUMN {column} {kind}")
    conn.execute("CREATE INDEX IF NOT EXISTS ix_wo_mine ON work_orders(created_by, created_at DESC)")
    conn.execute("CREATE INDEX IF NOT EXISTS ix_wo_awaiting_callback ON work_orders(replied_at) "
                 "WHERE status = 'replied'")
    conn.execute("DROP INDEX IF EXISTS ix_wo_open")
    conn.execute(f"CREATE INDEX ix_wo_open ON work_orders(caller_phone, created_at DESC) "
                 f"WHERE status NOT IN ({_TERMINAL_SQL})")


def add_caller_lookup(conn: sqlite3.Connection) -> None:
    """Schema 3: the orders the platform sent go (they hold others' numbers in full); the caller
    indexes move from the number to its hash. The orders made here get their hash when the key
    comes (`set_lookup_key`)."""
    conn.execute("DELETE FROM work_orders WHERE local = 0")
    conn.execute("ALTER TABLE work_orders ADD COLUMN caller_lookup TEXT")
    for index in ("ix_wo_caller", "ix_wo_open"):
        conn.execute(f"DROP INDEX IF EXISTS {index}")
    conn.execute("CREATE INDEX ix_wo_caller ON work_orders(caller_lookup, created_at DESC, category_id, number)")
    conn.execute(f"CREATE INDEX ix_wo_open ON work_orders(caller_lookup, created_at DESC) "
                 f"WHERE status NOT IN ({_TERMINAL_SQL})")


def lookup_key(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (LOOKUP_KEY,)).fetchone()
    return row[0] if row else None


def lookup_of(conn: sqlite3.Connection, phone: str) -> str | None:
    """The hash a caller's orders are found by; None before the platform gave its key."""
    key = lookup_key(conn)
    return lookup_hash(key, phone) if key and phone else None


def set_lookup_key(conn: sqlite3.Connection, key: str) -> None:
    """Keep the platform's key, and hash the numbers of the orders made here with it."""
    conn.execute("INSERT INTO sync_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (LOOKUP_KEY, key))
    rows = conn.execute("SELECT number, caller_phone FROM work_orders WHERE caller_phone NOT LIKE '%*%'").fetchall()
    conn.executemany("UPDATE work_orders SET caller_lookup = ? WHERE number = ?",
                     [(lookup_hash(key, phone), number) for number, phone in rows if phone])


def register_functions(conn: sqlite3.Connection) -> None:
    """The tokenizer the full-text triggers call; every connection that writes needs it."""
    conn.create_function("hotline_order_tokens", 2, _order_tokens, deterministic=True)


def _order_tokens(number: str, title: str) -> str:
    return textsearch.index_text(f"{number} {title}")


def search(conn: sqlite3.Connection, query: str, limit: int = 20) -> list[dict]:
    """Orders whose number or title contains every word of the query, newest first."""
    words = textsearch.query_words(query)
    if not words:
        return []
    match = " AND ".join(textsearch.text_phrase(w) for w in words)
    rows = conn.execute("SELECT w.* FROM wo_fts JOIN work_orders w ON w.rowid = wo_fts.rowid "
                        "WHERE wo_fts MATCH ? ORDER BY w.created_at DESC LIMIT ?", (match, limit))
    return [dict(r) for r in rows]


_UPSERT = (f"INSERT INTO work_orders({', '.join(COLUMNS)}, local) VALUES ({', '.join('?' for _ in COLUMNS)}, 0) "
           f"ON CONFLICT(number) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in COLUMNS[1:])}, "
           "local = 0, rejected_code = NULL WHERE excluded.version >= work_orders.version")
_DEFAULTS = {"reply": "", "callback_attempts": 0, "case_kind": "normal", "supervised": False}


def apply(conn: sqlite3.Connection, number: str, op: str, data: dict | None) -> None:
    """A platform row. Its client_ref retires this seat's provisional copy of the same order."""
    if op == "delete" or data is None:
        conn.execute("DELETE FROM work_orders WHERE number = ?", (number,))
        return
    ref = data.get("client_ref")
    if ref and ref != number:
        conn.execute("DELETE FROM work_orders WHERE number = ?", (ref,))
        conn.execute("INSERT OR REPLACE INTO order_aliases(alias, number) VALUES (?, ?)", (ref, number))
    conn.execute(_UPSERT, [_value(data.get(c, _DEFAULTS.get(c))) for c in COLUMNS])


def _value(v: object) -> object:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, list | dict):
        return json.dumps(v, ensure_ascii=False)
    return v


def clear_synced(conn: sqlite3.Connection) -> None:
    """For a full resync: forget what the platform sent, keep what was made here and not confirmed."""
    conn.execute("DELETE FROM work_orders WHERE local = 0")


def next_provisional_number(conn: sqlite3.Connection, seat: str) -> str:
    """A number no other cache of this seat has used: the counter starts from the clock (in ms
    since 2025) when the cache is new, so a wiped and rebuilt cache does not reuse a number the
    platform has already seen as a client_ref."""
    row = conn.execute("SELECT value FROM sync_state WHERE key = 'provisional_seq'").fetchone()
    seq = int(row[0]) + 1 if row else int((time.time() - 1_735_689_600) * 1000)
    conn.execute("INSERT INTO sync_state(key, value) VALUES ('provisional_seq', ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(seq),))
    return provisional_number(seat, seq)


def insert_local(conn: sqlite3.Connection, row: dict) -> None:
    values = {**{c: None for c in COLUMNS}, **_DEFAULTS, "deadline_provisional": 0, "version": 0, **row,
              "caller_lookup": lookup_of(conn, row.get("caller_phone") or "")}
    conn.execute(f"INSERT INTO work_orders({', '.join(COLUMNS)}, local) "  # noqa: S608 - fixed names
                 f"VALUES ({', '.join('?' for _ in COLUMNS)}, 1)", [_value(values[c]) for c in COLUMNS])


def update_local(conn: sqlite3.Connection, key: str, **changes: object) -> None:
    number = resolve(conn, key)
    sets = ", ".join(f"{c} = ?" for c in changes)
    conn.execute(f"UPDATE work_orders SET {sets}, local = 1 WHERE number = ?",  # noqa: S608 - names are ours
                 [*map(_value, changes.values()), number])


def mark_rejected(conn: sqlite3.Connection, key: str | None, code: str) -> None:
    if key:
        conn.execute("UPDATE work_orders SET rejected_code = ? WHERE number = ?", (code, resolve(conn, key)))


def unmark_rejected(conn: sqlite3.Connection, key: str | None, fields: dict) -> None:
    """A refused change goes to the platform again (with `fields` of a create edited): pending, no
    longer refused."""
    if not key:
        return
    fields = {c: v for c, v in fields.items() if c in CREATE_FIELDS and v is not None}
    if "caller_phone" in fields:
        fields["caller_lookup"] = lookup_of(conn, str(fields["caller_phone"]))
    sets = "".join(f"{c} = ?, " for c in fields)
    conn.execute(f"UPDATE work_orders SET {sets}rejected_code = NULL WHERE number = ?",  # noqa: S608 - our names
                 [*map(_value, fields.values()), resolve(conn, key)])


def discard_local(conn: sqlite3.Connection, key: str) -> str | None:
    """The agent discarded refused changes of this order. One made here (provisional number) that
    the platform never took leaves the cache; a row of the platform's that shows this seat's
    changes must be read again from the platform: its number is returned."""
    row = find(conn, key)
    if row is None:
        return None
    if is_provisional_number(row["number"]):
        conn.execute("DELETE FROM work_orders WHERE number = ?", (row["number"],))
        return None
    conn.execute("UPDATE work_orders SET rejected_code = NULL WHERE number = ?", (row["number"],))
    return row["number"] if row["local"] else None


def resolve(conn: sqlite3.Connection, key: str) -> str:
    """The current number of an order known by its number or a provisional alias."""
    row = conn.execute("SELECT number FROM order_aliases WHERE alias = ?", (key,)).fetchone()
    return row[0] if row else key


def find(conn: sqlite3.Connection, key: str) -> dict | None:
    row = conn.execute("SELECT * FROM work_orders WHERE number = ?", (resolve(conn, key),)).fetchone()
    return dict(row) if row else None


def decode(row: sqlite3.Row | dict) -> dict:
    """A cached row as the platform shapes it: flags as booleans (resolved may be unknown: None),
    units as a list."""
    out = dict(row)
    for column in _BOOLEAN:
        if column in out and out[column] is not None:
            out[column] = bool(out[column])
    if "units" in out:
        try:
            out["units"] = json.loads(out["units"]) if out["units"] else []
        except ValueError:
            out["units"] = []
    if "callback_attempts" in out:
        out["callback_attempts"] = int(out["callback_attempts"] or 0)
    if "case_kind" in out:
        out["case_kind"] = out["case_kind"] or "normal"
    return out


# The lead unit's name comes along, for lists that show it (the cache keeps the units' names).
_WITH_UNIT = "SELECT w.*, u.name AS handling_unit_name FROM work_orders w " \
             "LEFT JOIN handling_units u ON u.id = w.handling_unit_id"


def _group_sql(group: str) -> str:
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; expected one of {', '.join(GROUPS)}")
    return {"open": f" AND w.status NOT IN ({_TERMINAL_SQL})", "closed": f" AND w.status IN ({_TERMINAL_SQL})",
            "all": ""}[group]


def my_orders(conn: sqlite3.Connection, user_id: int | None, group: str = "open", query: str = "",
              limit: int = 200) -> list[dict]:
    """Orders this user created, newest first: those the platform says they made, and those made on
    this seat that it has not confirmed yet (no creator known; the file is this user's alone).
    `query` narrows them to those whose number or title holds every word of it."""
    mine = "(w.created_by = ? OR (w.created_by IS NULL AND w.number = w.client_ref))" + _group_sql(group)
    if not query.strip():
        sql = f"{_WITH_UNIT} WHERE {mine} ORDER BY w.created_at DESC, w.number DESC LIMIT ?"
        return [decode(r) for r in conn.execute(sql, (user_id, limit))]
    words = textsearch.query_words(query)
    if not words:
        return []
    match = " AND ".join(textsearch.text_phrase(w) for w in words)
    sql = (f"{_WITH_UNIT} JOIN wo_fts ON wo_fts.rowid = w.rowid WHERE wo_fts MATCH ? AND {mine} "
           "ORDER BY w.created_at DESC, w.number DESC LIMIT ?")
    return [decode(r) for r in conn.execute(sql, (match, user_id, limit))]


def count_mine(conn: sqlite3.Connection, user_id: int | None, since: str, until: str) -> int:
    """How many orders this user created from `since` to before `until` (stamps), found as
    `my_orders` finds them; each half is one range of the creator's index."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM work_orders WHERE created_by = ? AND created_at >= ? AND created_at < ?) + "
        "(SELECT count(*) FROM work_orders WHERE created_by IS NULL AND created_at >= ? AND created_at < ? "
        "AND number = client_ref)", (user_id, since, until, since, until)).fetchone()
    return int(row[0])


def awaiting_callback(conn: sqlite3.Connection, limit: int = 200) -> list[dict]:
    """Orders the units have replied to and no callback has closed or reopened: oldest reply first."""
    sql = f"{_WITH_UNIT} WHERE w.status = 'replied' ORDER BY w.replied_at, w.number LIMIT ?"
    return [decode(r) for r in conn.execute(sql, (limit,))]


HANDLING = ("dispatched", "in_progress", "return_review", "extension_review", "reopened")


def in_handling(conn: sqlite3.Connection, unit_id: str | None, limit: int = 500) -> list[dict]:
    """Orders in the handling units' hands, the earliest deadline first: those where `unit_id` has a
    part still to do (lead or assisting), or all of them (None: who may act for any unit)."""
    marks = ", ".join("?" for _ in HANDLING)
    sql = f"{_WITH_UNIT} WHERE w.status IN ({marks}) ORDER BY w.deadline, w.number"  # noqa: S608 - placeholders
    out = []
    for row in conn.execute(sql, HANDLING):
        order = decode(row)
        if unit_id is None or any(u.get("unit_id") == unit_id and u.get("state") != "returned"
                                  for u in order.get("units") or []):
            out.append(order)
            if len(out) >= limit:
                break
    return out


def by_number(conn: sqlite3.Connection, key: str) -> dict | None:
    """One order (by its number or provisional number) with its lead unit's name."""
    row = conn.execute(f"{_WITH_UNIT} WHERE w.number = ?", (resolve(conn, key),)).fetchone()
    return decode(row) if row else None


def by_phone(conn: sqlite3.Connection, phone: str, limit: int = 20) -> list[dict]:
    """A caller's orders with their lead units' names, newest first (by the number's hash)."""
    sql = f"{_WITH_UNIT} WHERE w.caller_lookup = ? ORDER BY w.created_at DESC, w.number DESC LIMIT ?"
    return [decode(r) for r in conn.execute(sql, (lookup_of(conn, phone), limit))]


@dataclass(frozen=True)
class CallerHistory:
    phone: str
    name: str
    confidential: bool
    known: bool
    orders: list[dict]
    open_orders: list[dict]
    recent_categories: dict[str, str]  # category id -> number of the newest order within 30 days

    def open_in(self, category_id: str) -> str | None:
        """The caller's newest open order of the category: where a repeat request is merged (并单)."""
        return next((o["number"] for o in self.open_orders if o["category_id"] == category_id), None)

    def repeats(self, category_id: str) -> str | None:
        """The order this would repeat: an open order, or one in the same category within 30 days."""
        if self.open_orders:
            return self.open_orders[0]["number"]
        return self.recent_categories.get(category_id)


def caller_history(conn: sqlite3.Connection, phone: str, now: datetime, limit: int = 20) -> CallerHistory:
    """What the cache knows of the caller ringing from `phone`, found by the number's hash: the
    name as the cache holds it (masked), the newest orders, the open ones, the recent categories."""
    lookup = lookup_of(conn, phone)
    caller = conn.execute("SELECT name, confidential FROM callers WHERE lookup = ?", (lookup,)).fetchone()
    orders = [dict(r) for r in conn.execute(
        "SELECT * FROM work_orders WHERE caller_lookup = ? ORDER BY created_at DESC LIMIT ?", (lookup, limit))]
    open_orders = [dict(r) for r in conn.execute(
        f"SELECT * FROM work_orders WHERE caller_lookup = ? AND status NOT IN ({_TERMINAL_SQL}) "
        "ORDER BY created_at DESC LIMIT 5", (lookup,))]
    since = clock.stamp(now - REPEAT_WINDOW)
    # Each category's newest order in the window, newest first. With MAX() SQLite takes the bare
    # column (number) from the row that holds the maximum; the grouping runs in C, so a caller with
    # thousands of orders in the window still pops within a frame.
    recent = {r[0]: r[1] for r in conn.execute(
        "SELECT category_id, number, MAX(created_at) AS newest FROM work_orders "
        "WHERE caller_lookup = ? AND created_at >= ? GROUP BY category_id ORDER BY newest DESC", (lookup, since))}
    return CallerHistory(phone, caller[0] if caller else "", bool(caller[1]) if caller else False,
                         caller is not None or bool(orders), orders, open_orders, recent)
