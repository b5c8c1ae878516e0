"""The audit log (R14): who read which caller record and work order, when, from which seat; failed
and refused sign-ins; requests refused with 401 or 403; reads of the audit log itself."""
from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request
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


async def record_served(conn: AsyncConnection, action: str,
                        served: Iterable[tuple[Claims, Iterable[tuple[str, str]]]]) -> None:
    """One row per personal record (entity, key) each reader received, however many times it was
    in what they got; all in one insert."""
    at, rows = clock.stamp(), []
    for who, records in served:
        rows.extend({"at": at, "user_id": who.user_id, "username": who.username, "seat": who.seat,
                     "action": action, "entity": entity, "entity_id": str(key)}
                    for entity, key in dict.fromkeys(records))
    if rows:
        await conn.execute(db.audit_log.insert(), rows)


SIGN_IN_PATHS = ("/api/v1/auth/sign-in",)  # audited by the sign-in itself, with the user name
REFUSALS_PER_ADDRESS_MINUTE = 60  # unauthenticated refusals audited per address; a flood is not each a write


def record_refusal(request: Request, status: int, what: str) -> None:
    """A request refused with 401 or 403, written in the background (the answer does not wait).
    `what` is the method and the path with any phone number masked."""
    platform = getattr(request.app.state, "platform", None)
    if platform is None or request.url.path in SIGN_IN_PATHS:
        return
    claims: Claims | None = getattr(request.state, "claims", None)
    if claims is None:
        address = request.client.host if request.client else "unknown"
        if platform.refusals_audited.retry_after(address) is not None:
            return
        platform.refusals_audited.hit(address)
        claims = Claims(0, "", "", "", 0)
    action = "forbidden" if status == 403 else "unauthenticated"

    async def write() -> None:
        async with platform.db.write() as conn:
            await record_reads(conn, claims, action, "request", [what[:128]])
    platform.spawn(write(), "audit of a refused request")
