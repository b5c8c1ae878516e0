"""Work orders and callers: reads (each one audited) and the mutations endpoint; the lists the
lifecycle is worked from (reviews, supervisions, the callback queue) and the progress lookup."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import AfterValidator
from sqlalchemy import select

from central import audit, db, orders, supervision
from central.deps import PlatformDep, who
from central.errors import ApiError, invalid, not_found
from central.mutations import MutationIn, apply
from central.orders import reads
from central.orders.rows import CONFIDENTIAL_NAME
from central.permissions import Role
from central.validation import MAX_INT, Moment, Offset, clean
from domain.phone import InvalidPhoneNumber, locate, normalize_phone
from domain.roles import UNIT_ROLES
from domain.workorder import WorkOrderStatus

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
async def post_mutation(body: MutationIn, platform: PlatformDep, claims: who("mutations.send")) -> JSONResponse:
    code, answer = await apply(platform, claims, body)
    return JSONResponse(answer, status_code=code)


# What a unit sees of the steps that are not its own: where the order went and when, not who at the
# centre or at another unit did it, nor their notes and replies.
_SHARED_DETAIL = ("unit_id", "role", "handling_unit_id", "assisting_unit_ids", "deadline", "decision",
                  "working_days", "hours", "status")


def _as_unit_sees(step: dict, unit_id: str) -> dict:
    detail = step.get("detail") if isinstance(step.get("detail"), dict) else {}
    if detail.get("unit_id") == unit_id:
        return step
    target = detail.get("target")
    if step["action"] == "transfer" and isinstance(target, dict) and target.get("id") == unit_id:
        return {**step, "actor": ""}  # the transfer to a partner, with the agent's note to it
    return {"at": step["at"], "actor": "", "action": step["action"],
            "detail": {k: detail[k] for k in _SHARED_DETAIL if k in detail}}


async def _may_read(conn, claims, row: dict | None) -> bool:  # noqa: ANN001
    """A unit reads the orders it has a part in, a partner those transferred to it; the desk roles any."""
    if claims.role == Role.unit:
        return row is not None and await reads.handled_by(conn, row["number"], claims.unit_id or "")
    if claims.role == Role.partner:
        return row is not None and row["transfer_target"] == claims.unit_id
    return True


@router.get("/work-orders/{key}")
async def get_work_order(key: Key, platform: PlatformDep, claims: who("orders.read")) -> dict:
    async with platform.db.write() as conn:
        row = await orders.find(conn, key)
        # a unit gets the same answer for an order that is not its own and one that does not exist
        if not await _may_read(conn, claims, row):
            raise ApiError(403, "forbidden", "a handling unit or partner reads only the orders sent to it")
        if row is None:
            raise not_found("work order", key)
        await audit.record_reads(conn, claims, "read", "work_order", [row["number"]])
        steps = await reads.timeline(conn, row["number"])
        if claims.role in UNIT_ROLES:
            steps = [_as_unit_sees(step, claims.unit_id or "") for step in steps]
        return {**orders.view(claims, row), "timeline": steps}


@router.get("/work-orders")
async def list_work_orders(platform: PlatformDep, claims: who("orders.read"),
                           phone: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
                           status: Annotated[list[WorkOrderStatus] | None, Query(max_length=20)] = None,
                           unit_id: Annotated[str | None, Query(min_length=1, max_length=32),
                                              AfterValidator(clean)] = None,
                           created_by: Annotated[Literal["me"] | None, Query()] = None,
                           limit: Annotated[int, Query(ge=1, le=200)] = 20,
                           offset: Offset = 0) -> dict:
    """Work orders newest first: a caller's (phone), in some statuses, of a handling unit (a unit
    user sees only its own), or made by the signed-in user (created_by=me)."""
    number = _phone(phone) if phone is not None else None
    unit = claims.role in UNIT_ROLES
    transfer_target = None
    if unit:
        if unit_id is not None and unit_id != claims.unit_id:
            raise ApiError(403, "forbidden", "a handling unit lists only its own orders")
        if claims.role == Role.partner:
            unit_id, transfer_target = None, claims.unit_id or ""
        else:
            unit_id = claims.unit_id or ""
        if number is not None:  # a unit finds its own orders by a number it was given, not callers by trying numbers
            wait = platform.unit_phone_searches.retry_after(str(claims.user_id))
            if wait is not None:
                seconds = int(wait + 0.999)
                raise ApiError(429, "too_many_searches", "too many searches by phone number; try again later",
                               retry_after_s=seconds, headers={"Retry-After": str(seconds)})
            platform.unit_phone_searches.hit(str(claims.user_id))
    async with platform.db.write() as conn:
        rows = await reads.list_orders(conn, phone=number, statuses=[str(s) for s in status or []], unit_id=unit_id,
                                        transfer_target=transfer_target,
                                        created_by=claims.user_id if created_by else None, limit=limit,
                                        offset=offset, confidential=not (unit and number is not None))
        if number is not None:  # the search itself, whatever it found
            await audit.record_reads(conn, claims, "search_by_phone", "caller", [number])
        action = "list_by_phone" if number is not None else "list"
        await audit.record_reads(conn, claims, action, "work_order", [r["number"] for r in rows])
    return {"phone": number, "items": [orders.view(claims, r) for r in rows]}


@router.get("/progress")
async def get_progress(platform: PlatformDep, claims: who("orders.progress"),
                       number: Annotated[str | None, Query(min_length=1, max_length=64),
                                         AfterValidator(clean)] = None,
                       phone: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
                       limit: Annotated[int, Query(ge=1, le=50)] = 20) -> dict:
    """Where a caller's case stands (R10), by order number or by the caller's phone: the steps a
    caller may be told, without staff names."""
    if (number is None) == (phone is None):
        raise invalid("number", "give either number or phone")
    async with platform.db.write() as conn:
        if number is not None:
            row = await orders.find(conn, number)
            rows = [row] if row is not None else []
        else:
            rows = await reads.list_orders(conn, phone=_phone(phone), limit=limit)
        await audit.record_reads(conn, claims, "progress", "work_order", [r["number"] for r in rows])
        return {"items": await reads.progress(conn, rows)}


@router.get("/reviews")
async def list_reviews(platform: PlatformDep, claims: who("orders.review"),
                       state: Annotated[Literal["pending", "approved", "refused", "withdrawn"] | None, Query()] = "pending",
                       kind: Annotated[Literal["return", "extension", "unreasonable_repeat"] | None, Query()] = None,
                       limit: Annotated[int, Query(ge=1, le=500)] = 100,
                       offset: Offset = 0) -> dict:
    """Returns, extensions and unreasonable repeat requests to decide, oldest first."""
    async with platform.db.write() as conn:
        rows = await reads.list_reviews(conn, state, kind, limit, offset)
        await audit.record_reads(conn, claims, "reviews", "work_order", sorted({r["number"] for r in rows}))
    return {"items": rows}


@router.get("/supervisions")
async def list_supervisions(platform: PlatformDep, claims: who("orders.supervise"),
                            open: Annotated[bool, Query()] = True,  # noqa: A002
                            limit: Annotated[int, Query(ge=1, le=500)] = 100,
                            offset: Offset = 0) -> dict:
    """Supervisions and reminders, newest first (open ones only unless open=false)."""
    async with platform.db.write() as conn:
        rows = await supervision.list_supervisions(conn, open, limit, offset)
        await audit.record_reads(conn, claims, "supervisions", "work_order", sorted({r["number"] for r in rows}))
    return {"items": rows}


@router.get("/callbacks")
async def list_callbacks(platform: PlatformDep, claims: who("orders.callback"),
                         limit: Annotated[int, Query(ge=1, le=500)] = 50,
                         offset: Offset = 0) -> dict:
    """The callback queue: replied orders, the oldest reply first."""
    async with platform.db.write() as conn:
        rows = await reads.callback_queue(conn, limit, offset)
        await audit.record_reads(conn, claims, "callbacks", "work_order", [r["number"] for r in rows])
    return {"items": rows}


_ON_THE_PHONE = frozenset({Role.agent, Role.expert, Role.team_lead})


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
    # a confidential caller's name goes only to those who speak with callers, not to the dispatcher
    name = row["name"] if not row["confidential"] or claims.role in _ON_THE_PHONE else CONFIDENTIAL_NAME
    return {"phone": number, "known": True, "name": name, "confidential": row["confidential"],
            "location": location}


@router.get("/audit")
async def read_audit(platform: PlatformDep, claims: who("audit.read"),
                     after: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
                     before: Annotated[int | None, Query(ge=1, le=MAX_INT,
                                                         description="newest first, below this id")] = None,
                     user: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
                     caller: Annotated[str | None, Query(min_length=1, max_length=80,
                                                         description="a caller's phone number")] = None,
                     since: Annotated[Moment | None, Query()] = None,
                     until: Annotated[Moment | None, Query()] = None,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict:
    """The audit log: from `after` on, oldest first, or with `before` newest first (an audit page
    pages back in time); filtered by user name, by a caller's number (the reads and searches of
    that caller's record) and by time. Reading it is itself audited (the range read)."""
    t = db.audit_log
    query = select(t)
    if user is not None:
        query = query.where(t.c.username == user)
    if caller is not None:
        query = query.where(t.c.entity == "caller", t.c.entity_id == _phone(caller))
    if since is not None:
        query = query.where(t.c.at >= since)
    if until is not None:
        query = query.where(t.c.at < until)
    if before is not None:
        query = query.where(t.c.id < before).order_by(t.c.id.desc())
    else:
        query = query.where(t.c.id > after).order_by(t.c.id)
    async with platform.db.write() as conn:
        rows = (await conn.execute(query.limit(limit))).mappings().all()
        ids = sorted(r["id"] for r in rows)
        span = f"{ids[0]}..{ids[-1]}" if ids else "none"
        await audit.record_reads(conn, claims, "read_audit", "audit", [span])
    return {"items": [dict(r) for r in rows]}
