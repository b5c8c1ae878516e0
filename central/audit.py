"""The audit log of reads of caller records and work orders (R14): who, what, when, which seat."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncConnection

from central import db
from central.security import Claims
from domain import clock


async def record_reads(conn: AsyncConnection, who: Claims, action: str, entity: str, ids: Iterable[str]) -> None:
    at = clock.stamp()
    rows = [{"at": at, "user_id": who.user_id, "username": who.username, "seat": who.seat, "action": action,
             "entity": entity, "entity_id": str(i)} for i in ids]
    if rows:
        await conn.execute(db.audit_log.insert(), rows)
