"""The change feed, the snapshot for a full resync, and the per-user event stream."""
from __future__ import annotations

import asyncio
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import AfterValidator
from sqlalchemy import func, select

from central import audit, db, feed
from central.deps import PlatformDep, who
from central.errors import ApiError
from central.events import sse_frame
from central.validation import MAX_INT, clean

router = APIRouter(prefix="/api/v1", tags=["sync"])

SNAPSHOT_TABLES = {
    "category": (db.categories, db.categories.c.id),
    "handling_unit": (db.handling_units, db.handling_units.c.id),
    "kb_entry": (db.kb_entries, db.kb_entries.c.id),
    "caller": (db.callers, db.callers.c.phone),
    "work_order": (db.work_orders, db.work_orders.c.number),
    "synonym": (db.synonyms, db.synonyms.c.term),
}
PERSONAL = {"caller", "work_order"}
KEEPALIVE_S = 15.0


@router.get("/changes", responses={410: {"description": "the cursor is older than the feed keeps: resync"}})
async def changes(platform: PlatformDep, claims: who("feed.read"),
                  after: Annotated[int, Query(ge=0, le=MAX_INT, description="the cursor: last seq already applied")] = 0,
                  limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> JSONResponse:
    async with platform.db.write() as conn:
        horizon = await feed.horizon(conn)
        if after < horizon:
            raise ApiError(410, "resync", f"cursor {after} is older than the feed keeps (from {horizon}); "
                           "run a full resync from /api/v1/snapshot", horizon=horizon)
        items, more = await feed.page(conn, after, limit)
        if any(i["entity"] in PERSONAL for i in items):
            await audit.record_reads(conn, claims, "feed", "changes", [f"{items[0]['seq']}..{items[-1]['seq']}"])
    # JSONResponse directly: the rows are plain JSON already, and FastAPI's encoder costs more than the query
    return JSONResponse({"changes": items, "cursor": items[-1]["seq"] if items else after, "has_more": more})


@router.get("/snapshot/{entity}")
async def snapshot(entity: Literal["category", "handling_unit", "kb_entry", "caller", "work_order", "synonym"],
                   platform: PlatformDep, claims: who("feed.read"),
                   after: Annotated[str, Query(max_length=64, description="key of the last item of the previous page"),
                                    AfterValidator(clean)] = "",
                   limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> JSONResponse:
    """Current state of one entity type in key order. Start a resync by remembering `as_of` of the
    first page, page every entity, then follow the change feed from that cursor."""
    table, key = SNAPSHOT_TABLES[entity]
    async with platform.db.write() as conn:
        as_of = await feed.head(conn)
        rows = (await conn.execute(select(table).where(key > after).order_by(key).limit(limit + 1))).mappings().all()
        items = [dict(r) for r in rows[:limit]]
        if entity in PERSONAL and items:
            await audit.record_reads(conn, claims, "snapshot", entity, [f"{items[0][key.name]}..{items[-1][key.name]}"])
        # the size of the whole set, on the first page only, for a progress bar
        total = (await conn.execute(select(func.count()).select_from(table))).scalar_one() if not after else None
    return JSONResponse({"entity": entity, "items": items, "as_of": as_of, "total": total,
                         "next": items[-1][key.name] if len(rows) > limit else None})


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}})
async def events(request: Request, platform: PlatformDep, claims: who("events.subscribe")) -> StreamingResponse:
    """Server-sent events for the signed-in user: `changes` (the feed moved on), `call` (a call for
    this user's seat only), `queue` (queue statistics); a comment line keeps the link alive."""
    sub = platform.broker.subscribe(claims.user_id, claims.session_id)

    async def stream():  # noqa: ANN202
        try:
            async with platform.db.read() as conn:
                head = await feed.head(conn)
            yield sse_frame("hello", {"user": claims.username, "seat": claims.seat, "seq": head})
            yield sse_frame("queue", platform.router.stats())
            while not sub.closed:
                left = claims.expires - time.time()  # the stream ends with its access token
                if left <= 0:
                    break
                try:
                    # not asyncio.wait_for: on Python 3.11 it can swallow the stream's cancellation
                    async with asyncio.timeout(min(KEEPALIVE_S, left)):
                        item = await sub.next()
                except TimeoutError:
                    if await request.is_disconnected() or claims.expires <= time.time():
                        break
                    yield b": keep-alive\n\n"
                    continue
                if item is None:
                    break
                yield sse_frame(*item)
        finally:
            platform.broker.unsubscribe(sub)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
