"""The change feed, the snapshot for a full resync, and the per-user event stream."""
from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import AfterValidator
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import accounts, audit, db, feed, views
from central.deps import PlatformDep, who
from central.errors import ApiError
from central.events import sse_frame
from central.platform import Platform
from central.security import Claims
from central.validation import MAX_INT, clean
from domain.privacy import lookup_key_id

router = APIRouter(prefix="/api/v1", tags=["sync"])

SNAPSHOT_TABLES = {
    "category": (db.categories, db.categories.c.id),
    "handling_unit": (db.handling_units, db.handling_units.c.id),
    "kb_entry": (db.kb_entries, db.kb_entries.c.id),
    "caller": (db.callers, db.callers.c.lookup),  # in hash order: the number is never a cursor
    "work_order": (db.work_orders, db.work_orders.c.number),
    "synonym": (db.synonyms, db.synonyms.c.term),
    "agent_text": (db.agent_texts, db.agent_texts.c.id),
    "kb_boost": (db.kb_boosts, db.kb_boosts.c.key),
    "kb_notice": (db.kb_notices, db.kb_notices.c.id),
    "dispatch_rule": (db.dispatch_rules, db.dispatch_rules.c.key),
}
KEEPALIVE_S = 15.0


async def _audit(conn: AsyncConnection, who: Claims, action: str, served: list[tuple[str, str]]) -> None:
    """One audit row per caller (by number) and per order a reader received (R14), however many
    changes of it the page held."""
    await audit.record_served(conn, action, [(who, served)])


@router.get("/changes", responses={410: {"description": "the cursor is older than the feed keeps: resync"}})
async def changes(platform: PlatformDep, claims: who("feed.read"),
                  after: Annotated[int, Query(ge=0, le=MAX_INT, description="the cursor: last seq already applied")] = 0,
                  limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> JSONResponse:
    """The changes after the cursor, as this reader may hold them (central/views.py): a unit's
    pages may hold fewer changes than `limit`, or none, and still move the cursor on."""
    async with platform.db.write() as conn:
        horizon = await feed.horizon(conn)
        if after < horizon:
            raise ApiError(410, "resync", f"cursor {after} is older than the feed keeps (from {horizon}); "
                           "run a full resync from /api/v1/snapshot", horizon=horizon)
        items, more = await feed.page(conn, after, limit)
        served, read = views.FeedView(claims, await views.lookup_key(conn)).page(items)
        await _audit(conn, claims, "feed", read)
    # JSONResponse directly: the rows are plain JSON already, and FastAPI's encoder costs more than the query
    return JSONResponse({"changes": served, "cursor": items[-1]["seq"] if items else after, "has_more": more})


@router.get("/snapshot/{entity}")
async def snapshot(entity: Literal["category", "handling_unit", "kb_entry", "caller", "work_order", "synonym",
                                   "agent_text", "kb_boost", "kb_notice", "dispatch_rule"],
                   platform: PlatformDep, claims: who("feed.read"),
                   after: Annotated[str, Query(max_length=64, description="key of the last item of the previous page"),
                                    AfterValidator(clean)] = "",
                   limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> JSONResponse:
    """Current state of one entity type in key order, as this reader may hold it (callers by
    their hash). Start a resync by remembering `as_of` of the first page, page every entity, then
    follow the change feed from that cursor."""
    table, key = SNAPSHOT_TABLES[entity]
    async with platform.db.write() as conn:
        as_of = await feed.head(conn)
        view = views.FeedView(claims, await views.lookup_key(conn))
        if entity == "caller" and not view.callers:
            return JSONResponse({"entity": entity, "items": [], "as_of": as_of, "total": 0, "next": None})
        where = [key > after]
        if entity == "work_order" and (mine := view.orders_filter()) is not None:
            where.append(mine)
        rows = (await conn.execute(select(table).where(*where).order_by(key).limit(limit + 1))).mappings().all()
        items, read = [], []
        for row in rows[:limit]:
            ident = row["phone"] if entity == "caller" else row[key.name]
            seen = view.item(entity, ident, "upsert", dict(row))
            if seen is not None and seen[1] is not None:
                items.append(seen[1])
                read.append((entity, ident))
        await _audit(conn, claims, "snapshot", read)
        # the size of the whole set, on the first page only, for a progress bar
        total = (await conn.execute(select(func.count()).select_from(table).where(*where[1:]))).scalar_one() \
            if not after else None
    return JSONResponse({"entity": entity, "items": items, "as_of": as_of, "total": total,
                         "next": rows[limit - 1][key.name] if len(rows) > limit else None})


@router.get("/lookup-key")
async def get_lookup_key(platform: PlatformDep, claims: who("callers.read")) -> dict:
    """The key of the callers' hashes, for a seat to find a ringing caller's history in its cache
    (domain/privacy.py); only to the roles that read caller records. It never changes."""
    async with platform.db.read() as conn:
        key = await views.lookup_key(conn)
    return {"key": key, "id": lookup_key_id(key)}


async def _alive(platform: Platform, claims: Claims) -> bool:
    """A session ended where the broker cannot hear of it (`hotline-central user disable` or
    `passwd` run in another process): the stream sees it at its next keep-alive."""
    async with platform.db.read() as conn:
        return await accounts.session_alive(conn, claims.session_id)


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}})
async def events(request: Request, platform: PlatformDep, claims: who("events.subscribe")) -> StreamingResponse:
    """Server-sent events for the signed-in user: `changes` (the feed moved on: its head `seq`, and
    the changed rows after `after` as this user may see them, central/push.py), `call` (a call for
    this user's seat only), `queue` (queue statistics, to the roles that show them), `resync` (events
    were lost: read again); a comment line keeps the link alive."""
    sub = platform.broker.subscribe(claims.user_id, claims.session_id, claims.role, claims)

    async def stream():  # noqa: ANN202
        try:
            async with platform.db.read() as conn:
                head = await feed.head(conn)
            yield sse_frame("hello", {"user": claims.username, "seat": claims.seat, "seq": head})
            # the state as it is now, known or not: the seat reconciles its calls and its bar with it
            if platform.router.active:
                yield sse_frame("agent", platform.router.agent_event(platform.router.seats.get(claims.user_id)))
                yield sse_frame("queue", platform.router.stats())
            else:  # another worker holds the router: it sends them (central/cluster.py)
                platform.cluster.send({"k": "greet", "u": claims.user_id})
            while not sub.closed:
                left = claims.expires - time.time()  # the stream ends with its access token
                if left <= 0:
                    break
                try:
                    events = await sub.wait(min(KEEPALIVE_S, left))
                except TimeoutError:
                    if await request.is_disconnected() or claims.expires <= time.time() \
                            or not await _alive(platform, claims):
                        break
                    yield b": keep-alive\n\n"
                    continue
                if events is None:
                    break
                yield b"".join(event.frame for event in events)  # one write for all that waited
        finally:
            platform.broker.unsubscribe(sub)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
