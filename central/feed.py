"""The change feed: every write appends (entity, id, data) under a server sequence number in the
same transaction, so a client that pages through the feed sees every committed change in order.

A reader holding cursor N must never be served a number above N while a change numbered at or
below it may still commit. SQLite has one writer at a time, so that holds by itself. On
PostgreSQL several transactions commit at once, and one that took N can commit after another
took N + 1 and committed; so the feed is served only up to `settled`, the highest number below
which nothing is in flight:
- a writer, just before numbering its changes, takes a shared transaction-scoped advisory lock
  keyed by the highest number handed out so far (its floor): its own numbers lie above the key,
  and the lock goes only after its commit is visible. Shared locks never wait on each other, so
  writers are not serialized;
- a reader reads the highest number handed out, then the lowest floor still locked, then the
  rows up to the smaller of the two, each in its own statement (READ COMMITTED, the default):
  any change numbered at or below it has committed before the rows are read, or never will.
The changes of a write transaction wait in a list (`batched`, which `Database.write` opens) and
are numbered at its end, so a writer holds the feed back only during its insert and commit.

The feed keeps changes from its horizon on; `compact` moves the horizon forward and drops older
rows. A cursor below the horizon cannot be served and gets a "resync" answer instead.
"""
from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db
from domain import clock

HORIZON_KEY = "feed_horizon"
PENDING = "feed.pending"  # conn.info key: the changes of the open transaction, not yet numbered

# PostgreSQL: the highest number the sequence of changes.seq (made by the BIGSERIAL column) has
# handed out; a writer's insert, which takes its floor lock once (a materialized CTE) and before
# any number (the numbers are the column default, computed for each row the join yields, and the
# join yields none before the CTE has run); and the lowest floor held. The feed owns the one-key
# (bigint) advisory locks of its database: another one would only hold the feed back while held.
_HANDED_OUT = "(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM changes_seq_seq)"
_HIGHEST = text(f"SELECT {_HANDED_OUT}")
_INSERT_ABOVE_FLOOR = text(
    f"WITH floor AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared({_HANDED_OUT})) "
    "INSERT INTO changes (entity, entity_id, op, data, at) "
    "SELECT c.entity, c.entity_id, c.op, c.data, c.at FROM floor, "
    "ROWS FROM (json_to_recordset(CAST(:changes AS json)) "
    "AS (entity text, entity_id text, op text, data json, at text)) "
    "WITH ORDINALITY AS c(entity, entity_id, op, data, at, n) ORDER BY c.n")
_LOWEST_FLOOR = text("SELECT min((classid::bigint << 32) | objid::bigint) FROM pg_locks "
                     "WHERE locktype = 'advisory' AND objsubid = 1 "
                     "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")


@asynccontextmanager
async def batched(conn: AsyncConnection) -> AsyncIterator[None]:
    """Wrap a write transaction's work: the changes recorded in it are numbered and inserted at
    its end, just before the commit that follows; if the work fails, they go with its rollback."""
    pending: list[dict] = []
    conn.info[PENDING] = pending
    try:
        yield
        if pending:
            await _insert(conn, pending)
    finally:
        conn.info.pop(PENDING, None)


async def record(conn: AsyncConnection, entity: str, entity_id: str, data: dict | None, op: str = "upsert") -> None:
    """Record a change; `data` is copied, as the caller may change its row before the commit."""
    await record_many(conn, [{"entity": entity, "entity_id": entity_id, "op": op, "data": copy.deepcopy(data),
                              "at": clock.stamp()}])


async def record_many(conn: AsyncConnection, changes: list[dict]) -> None:
    """Record changes given as rows of the table without seq (bulk loads: not copied, so the caller
    must leave them alone). Outside `batched` they are numbered now, and on PostgreSQL they hold
    the feed back until the transaction ends."""
    pending = conn.info.get(PENDING)
    if pending is not None:
        pending.extend(changes)
    else:
        await _insert(conn, changes)


async def _insert(conn: AsyncConnection, changes: list[dict]) -> None:
    if conn.dialect.name == "postgresql":  # one statement, however many changes
        await conn.execute(_INSERT_ABOVE_FLOOR, {"changes": json.dumps(changes, ensure_ascii=False)})
    else:
        await conn.execute(db.changes.insert(), changes)


async def settled(conn: AsyncConnection) -> int | None:
    """PostgreSQL: the highest seq at or below which every change has committed or never will (the
    rows read by a later statement of this connection show them all); None on SQLite, where every
    committed row is settled."""
    if conn.dialect.name != "postgresql":
        return None
    highest = int((await conn.execute(_HIGHEST)).scalar_one())
    floor = (await conn.execute(_LOWEST_FLOOR)).scalar()
    return highest if floor is None else min(highest, int(floor))


async def horizon(conn: AsyncConnection) -> int:
    """The oldest cursor the feed can still serve."""
    value = (await conn.execute(select(db.meta_kv.c.value).where(db.meta_kv.c.key == HORIZON_KEY))).scalar()
    return int(value) if value is not None else 0


async def head(conn: AsyncConnection) -> int:
    """The newest seq a reader may pass (see `settled`): no change committed later has a seq at
    or below it, so a resync can follow the feed from here. After a compaction that left
    nothing, the horizon."""
    newest = await settled(conn)
    if newest is None:
        newest = int((await conn.execute(select(func.coalesce(func.max(db.changes.c.seq), 0)))).scalar_one())
    return max(newest, await horizon(conn))


async def page(conn: AsyncConnection, after: int, limit: int) -> tuple[list[dict], bool]:
    """The changes after `after` in seq order, up to `limit`, and whether more are there; never one
    beyond a change still in flight."""
    query = select(db.changes).where(db.changes.c.seq > after)
    if (upto := await settled(conn)) is not None:
        query = query.where(db.changes.c.seq <= upto)
    rows = (await conn.execute(query.order_by(db.changes.c.seq).limit(limit + 1))).mappings().all()
    items = [{"seq": r["seq"], "entity": r["entity"], "id": r["entity_id"], "op": r["op"], "data": r["data"],
              "at": r["at"]} for r in rows[:limit]]
    return items, len(rows) > limit


async def compact(conn: AsyncConnection, keep_after: int) -> int:
    """Drop changes with seq <= keep_after; cursors below keep_after then need a resync."""
    current = await horizon(conn)
    if keep_after <= current:
        return 0
    result = await conn.execute(db.changes.delete().where(db.changes.c.seq <= keep_after))
    await conn.execute(db.meta_kv.delete().where(db.meta_kv.c.key == HORIZON_KEY))
    await conn.execute(db.meta_kv.insert().values(key=HORIZON_KEY, value=str(keep_after)))
    return result.rowcount or 0
