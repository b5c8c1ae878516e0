"""A caller's history for the screen pop: from the local cache at once (offline too), then refined by
the platform's authoritative record when it answers."""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime
from typing import Any

from domain import clock
from domain.workorder import TERMINAL_STATUSES
from offline_cache import workorders
from offline_cache.workorders import CallerHistory
from workstation.platform_client import PlatformClient
from workstation.sync import SyncService

log = logging.getLogger(__name__)

ORDER_LIMIT = 20
_TERMINAL = frozenset(str(s) for s in TERMINAL_STATUSES)

__all__ = ["ORDER_LIMIT", "CallerHistory", "CallerService", "merge_history"]


def empty_history(phone: str) -> CallerHistory:
    return CallerHistory(phone, "", False, False, [], [], {})


class CallerService:
    def __init__(self, client: PlatformClient, sync: SyncService) -> None:
        self.client, self.sync = client, sync

    async def reveal(self, phone: str, call_id: str = "") -> str:
        """The agent showed the caller's number in full: recorded on the platform's audit (who,
        when, which caller, which call) through the outbox, so an offline seat's reveal arrives too."""
        payload = {"call_id": call_id} if call_id else {}
        return await self.sync.record("caller", "reveal", payload, entity_id=phone)

    def cached_history(self, phone: str, now: datetime | None = None, limit: int = ORDER_LIMIT) -> CallerHistory:
        """What the seat's cache knows of the caller (an empty history when it cannot be read: the
        screen pop must never fail)."""
        try:
            return workorders.caller_history(self.sync.store.conn, phone, now or clock.now(), limit)
        except sqlite3.Error as exc:
            log.warning("caller history not read from the cache (%s)", type(exc).__name__)
            return empty_history(phone)

    async def platform_history(self, phone: str, cached: CallerHistory, now: datetime | None = None,
                               limit: int = ORDER_LIMIT) -> CallerHistory:
        """The platform's record and orders of the caller merged with the cached history (both
        reads audited there). Raises PlatformUnreachable or PlatformError."""
        caller, rows = await asyncio.gather(self.client.caller(phone), self.client.orders_of(phone, limit))
        return merge_history(cached, caller, rows, now or clock.now(), limit)


def merge_history(cached: CallerHistory, caller: dict[str, Any], rows: list[dict], now: datetime,
                  limit: int = ORDER_LIMIT) -> CallerHistory:
    """The platform's view, keeping this seat's orders that the platform has not confirmed yet and
    the cache's repeat facts (the cache sees all of the caller's orders, the platform list 20)."""
    known = {r["number"] for r in rows} | {r.get("client_ref") for r in rows if r.get("client_ref")}
    merged = rows + [r for r in cached.orders if r["number"] not in known]
    merged.sort(key=lambda r: (r.get("created_at") or "", r["number"]), reverse=True)
    open_orders = {r["number"]: r for r in cached.open_orders if r["number"] not in known}
    open_orders.update({r["number"]: r for r in merged if r.get("status") not in _TERMINAL})
    since = clock.stamp(now - workorders.REPEAT_WINDOW)
    recent = dict(cached.recent_categories)
    for r in merged:  # newest first: the first order seen per category wins
        if (r.get("created_at") or "") >= since and r.get("category_id") and r["category_id"] not in recent:
            recent[r["category_id"]] = r["number"]
    return CallerHistory(
        phone=cached.phone, name=caller.get("name") or cached.name,
        confidential=bool(caller.get("confidential")) or cached.confidential,
        known=bool(caller.get("known")) or bool(merged) or cached.known, orders=merged[:limit],
        open_orders=sorted(open_orders.values(), key=lambda r: r.get("created_at") or "", reverse=True)[:5],
        recent_categories=recent)
