"""The change feed: every write appends (entity, id, data) under a server sequence number in the
same transaction, so a client that pages through the feed sees every committed change in order.

The feed keeps changes from its horizon on; `compact` moves the horizon forward and drops older
rows. A cursor below the horizon cannot be served and gets a "resync" answer instead.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db
from domain import clock

HORIZON_KEY = "feed_horizon"


async def record(conn: AsyncConnection, entity: str, entity_id: str, data: dict | None, op: str = "upsert") -> int:
    result = await conn.execute(db.changes.insert().values(
        entity=entity, entity_id=entity_id, op=op, data=data, at=clock.stamp()).returning(db.changes.c.seq))
    return int(result.scalar_one())


async def horizon(conn: AsyncConnection) -> int:
    """The oldest cursor the feed can still serve."""
    value = (await conn.execute(select(db.meta_kv.c.value).where(db.meta_kv.c.key == HORIZON_KEY))).scalar()
    return int(value) if value is not None else 0


async def head(conn: AsyncConnection) -> int:
    """The newest seq; after a compaction that left nothing, the horizon."""
    newest = int((await conn.execute(select(func.coalesce(func.max(db.changes.c.seq), 0)))).scalar_one())
    return max(newest, await horizon(conn))


async def page(conn: AsyncConnection, after: int, limit: int) -> tuple[list[dict], bool]:
    rows = (await conn.execute(
        select(db.changes).where(db.changes.c.seq > after).order_by(db.changes.c.seq).limit(limit + 1))).mappings().all()
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
