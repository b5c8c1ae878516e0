"""Work orders and callers: reads (each one audited) and the mutations endpoint."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import AfterValidator
from sqlalchemy import select

from central import audit, db, orders
from central.deps import PlatformDep, who
from central.errors import invalid, not_found
from central.mutations import MutationIn, apply
from central.validation import clean
from domain.phone import InvalidPhoneNumber, locate, normalize_phone

router = APIRouter(prefix="/api/v1", tags=["work orders"])
Key = Annotated[str, Path(max_length=64), AfterValidator(clean)]


def _phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber as exc:
        raise invalid("phone", str(exc)) from None


@router.post("/mutations", responses={200: {"description": "applied (or the stored answer of a retry)"},
                                      409: {"description": "rejected by the rules"},
                                      422: {"description": "rejected: invalid"}})
async def post_mutation(body: MutationIn, platform: PlatformDep, claims: who("events.subscribe")) -> JSONResponse:
    code, answer = await apply(platform, claims, body)
    return JSONResponse(answer, status_code=code)


@router.get("/work-orders/{key}")
async def get_work_order(key: Key, platform: PlatformDep, claims: who("orders.read")) -> dict:
    async with platform.db.write() as conn:
        row = await orders.find(conn, key)
        if row is None:
            raise not_found("work order", key)
        await audit.record_reads(conn, claims, "read", "work_order", [row["number"]])
        return {**row, "timeline": await orders.timeline(conn, row["number"])}


@router.get("/work-orders")
async def list_work_orders(platform: PlatformDep, claims: who("orders.read"),
                           phone: Annotated[str, Query(min_length=1, max_length=80)],
                           limit: Annotated[int, Query(ge=1, le=200)] = 20,
                           offset: Annotated[int, Query(ge=0)] = 0) -> dict:
    """A caller's work orders, newest first."""
    number = _phone(phone)
    async with platform.db.write() as conn:
        rows = await orders.list_by_phone(conn, number, limit, offset)
        await audit.record_reads(conn, claims, "list_by_phone", "work_order", [r["number"] for r in rows])
    return {"phone": number, "items": rows}


@router.get("/callers/{phone}")
async def get_caller(phone: str, platform: PlatformDep, claims: who("callers.read")) -> dict:
    number = _phone(phone)
    async with platform.db.write() as conn:
        row = (await conn.execute(select(db.callers).where(db.callers.c.phone == number))).mappings().first()
        await audit.record_reads(conn, claims, "read", "caller", [number])
    info = locate(number)
    location = {"kind": info.kind, "province": info.province, "city": info.city, "carrier": info.carrier}
    if row is None:
        return {"phone": number, "known": False, "name": "", "confidential": False, "location": location}
    return {"phone": number, "known": True, "name": row["name"], "confidential": row["confidential"],
            "location": location}


@router.get("/audit")
async def read_audit(platform: PlatformDep, _: who("audit.read"),
                     after: Annotated[int, Query(ge=0)] = 0,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict:
    t = db.audit_log
    async with platform.db.read() as conn:
        rows = (await conn.execute(select(t).where(t.c.id > after).order_by(t.c.id).limit(limit))).mappings().all()
    return {"items": [dict(r) for r in rows]}
