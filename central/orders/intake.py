"""A new order and the operations of intake (R7): accept, close or reject at intake, transfer at
once, dispatch to handling units."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from central import catalog, db, feed, views
from central.errors import ApiError, invalid
from central.orders.payloads import CloseAtIntake, Dispatch, NewWorkOrder, RejectAtIntake, Transfer
from central.orders.rows import commit, deadline_fields, find, move, save, units_summary, write_step
from central.security import Claims
from domain import clock
from domain.calendar import WorkCalendar
from domain.intake import NEEDS_CATEGORY
from domain.numbers import format_order_number
from domain.phone import InvalidPhoneNumber, normalize_phone
from domain.privacy import lookup_hash
from domain.workorder import (
    INTAKE_OPERATIONS,
    PARTNER_KINDS,
    REPEAT_WINDOW_DAYS,
    TERMINAL_STATUSES,
    UnitRole,
    UnitState,
    Urgency,
    WorkOrderStatus,
    transfer_status,
)

S = WorkOrderStatus
U = UnitState

TRANSFER_KINDS = {"emergency", "sub_centre", "bureau", "enterprise", "region"}

# The columns of migration 5 as a new order has them.
LIFECYCLE_DEFAULTS: dict = {
    "reply": "", "replied_at": None, "callback_at": None, "closed_at": None, "satisfaction": None,
    "resolved": None, "callback_attempts": 0, "case_kind": "normal", "merged_into": None, "repeat_count": 0,
    "unreasonable_repeat": False, "supervised": False, "reopen_count": 0, "units": [],
}


async def _next_number(conn: AsyncConnection, day: date) -> str:
    key = day.strftime("%Y%m%d")
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(db.daily_serials).values(day=key, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=["day"], set_={"last": db.daily_serials.c.last + 1})
    serial = (await conn.execute(stmt.returning(db.daily_serials.c.last))).scalar_one()
    return format_order_number(day, serial)


async def _upsert_caller(conn: AsyncConnection, phone: str, name: str, confidential: bool) -> None:
    t = db.callers
    current = (await conn.execute(select(t).where(t.c.phone == phone))).mappings().first()
    now = clock.stamp()
    if current is None:
        row = {"phone": phone, "name": name, "confidential": confidential, "version": 1, "updated_at": now,
               "lookup": lookup_hash(await views.lookup_key(conn), phone)}
        await conn.execute(t.insert().values(**row))
    else:
        new_name = name or current["name"]
        new_conf = confidential or current["confidential"]
        if (new_name, new_conf) == (current["name"], current["confidential"]):
            return
        row = {**current, "name": new_name, "confidential": new_conf, "version": current["version"] + 1,
               "updated_at": now}
        await conn.execute(t.update().where(t.c.phone == phone).values(**row))
    await feed.record(conn, "caller", phone, row)


async def create(conn: AsyncConnection, who: Claims, data: NewWorkOrder) -> dict:
    try:
        phone = normalize_phone(data.caller_phone)
    except InvalidPhoneNumber as exc:
        raise invalid("payload.caller_phone", str(exc)) from None
    # no category: a request not accepted (不予受理) is recorded with its reason alone
    if data.category_id and not await catalog.is_leaf(conn, data.category_id):
        raise invalid("payload.category_id", f"{data.category_id!r} is not a leaf category")
    if data.client_ref and await find(conn, data.client_ref):
        raise ApiError(409, "conflict", f"client_ref {data.client_ref!r} is already used", field="payload.client_ref")
    moment = clock.now()
    repeats = await repeat_candidates(conn, phone, data.category_id, moment) if data.category_id else []
    await _upsert_caller(conn, phone, data.requester_name, data.confidential)
    # the day's serial as late as it can be: on PostgreSQL its row stays locked until the commit
    number = await _next_number(conn, moment.date())
    stamp = clock.stamp(moment)
    row = {
        "number": number, "client_ref": data.client_ref, "status": data.status,
        "request_type": str(data.request_type), "urgency": str(data.urgency), "category_id": data.category_id,
        "title": data.title, "content": data.content, "caller_phone": phone,
        "requester_name": data.requester_name, "confidential": data.confidential,
        "address_district": data.address_district, "address_street": data.address_street,
        "address_detail": data.address_detail,
        "handling_unit_id": None, "assisting_unit_ids": [], "answer": "", "reject_reason": None,
        "transfer_target": None, "deadline": None, "deadline_provisional": False,
        "created_at": stamp, "updated_at": stamp, "created_by": who.user_id, "version": 1,
        **LIFECYCLE_DEFAULTS, "units": [],
    }
    await conn.execute(db.work_orders.insert().values(**row))
    await write_step(conn, number, who.username, "create", {"status": data.status, "client_ref": data.client_ref,
                                                            "repeat_of": repeats})
    return await save(conn, row)


async def repeat_candidates(conn: AsyncConnection, phone: str, category_id: str, moment: datetime) -> list[str]:
    """The caller's open orders on the same category from the last REPEAT_WINDOW_DAYS, newest first:
    a new order is a repeat request of these, to be merged into one of them (并单)."""
    t = db.work_orders
    since = clock.stamp(moment - timedelta(days=REPEAT_WINDOW_DAYS))
    closed = [str(s) for s in TERMINAL_STATUSES] + [str(S.draft)]
    rows = await conn.execute(select(t.c.number).where(
        t.c.caller_phone == phone, t.c.created_at >= since, t.c.category_id == category_id,
        t.c.status.not_in(closed)).order_by(t.c.created_at.desc()).limit(10))
    return list(rows.scalars())


async def _unit(conn: AsyncConnection, field: str, unit_id: str, kinds: set[str] | None = None) -> dict:
    unit = await catalog.load_unit(conn, unit_id)
    if unit is None:
        raise invalid(field, f"no handling unit {unit_id!r}")
    if kinds and str(unit.kind) not in kinds:
        raise invalid(field, f"{unit.name} ({unit.kind}) cannot take this; expected one of {', '.join(sorted(kinds))}")
    return {"id": unit.id, "name": unit.name, "kind": str(unit.kind)}


async def _dispatch(conn: AsyncConnection, current: dict, data: Dispatch, calendar: WorkCalendar) -> tuple[dict, dict]:
    lead = await _unit(conn, "payload.handling_unit_id", data.handling_unit_id)
    assisting = [await _unit(conn, f"payload.assisting_unit_ids.{i}", u) for i, u in enumerate(data.assisting_unit_ids)]
    if lead["id"] in data.assisting_unit_ids:
        raise invalid("payload.assisting_unit_ids", "the lead unit cannot also assist")
    if len(set(data.assisting_unit_ids)) != len(data.assisting_unit_ids):
        raise invalid("payload.assisting_unit_ids", "a unit is named twice")
    now = clock.now()
    due = deadline_fields(calendar.deadline_for(now, Urgency(current["urgency"]), working_days=data.working_days or 15))
    t = db.order_units
    last = (await conn.execute(select(func.max(t.c.dispatch_round)).where(t.c.number == current["number"]))).scalar()
    # after an approved return every earlier part is closed already; this only makes sure of it
    await conn.execute(t.update().where(t.c.number == current["number"], t.c.state != U.returned)
                       .values(state=str(U.returned)))
    parts = [{"number": current["number"], "dispatch_round": (last or 0) + 1, "unit_id": unit["id"], "role": str(role),
              "state": str(U.dispatched), **due, "dispatched_at": clock.stamp(now), "reply": ""}
             for unit, role in [(lead, UnitRole.lead)] + [(a, UnitRole.assisting) for a in assisting]]
    await conn.execute(t.insert(), parts)
    changes = {"handling_unit_id": lead["id"], "assisting_unit_ids": [a["id"] for a in assisting], **due,
               "units": units_summary(parts)}
    detail = {"lead": lead, "assisting": assisting, "deadline": due["deadline"],
              "provisional": due["deadline_provisional"], "round": parts[0]["dispatch_round"]}
    if data.note:
        detail["note"] = data.note
    return changes, detail


async def apply(conn: AsyncConnection, who: Claims, current: dict, op: str, data: BaseModel,
                calendar: WorkCalendar) -> dict:
    """One intake operation on the order `current` (accept, close or reject at intake, transfer, dispatch)."""
    target = INTAKE_OPERATIONS[op]
    if op in NEEDS_CATEGORY and not current["category_id"]:
        raise invalid("category_id", f"choose the order's category before {op}")
    move(current, target)
    changes: dict = {}
    detail: dict = {}
    if isinstance(data, CloseAtIntake):
        changes.update(answer=data.answer, closed_at=clock.stamp())
    elif isinstance(data, RejectAtIntake):
        changes.update(reject_reason=str(data.reason), answer=data.guidance or data.reason.guidance_zh)
        detail = {"reason": str(data.reason), "note": data.note}
    elif isinstance(data, Transfer):
        unit = await _unit(conn, "payload.target_unit_id", data.target_unit_id, TRANSFER_KINDS)
        target = transfer_status(unit["kind"])
        move(current, target)
        changes["transfer_target"] = unit["id"]
        detail = {"target": unit, "note": data.note, "three_way": data.three_way,
                  "transferred_at": data.transferred_at, "call_id": data.call_id}
        if unit["kind"] in PARTNER_KINDS:  # the partner reports back within the usual time limit
            due = deadline_fields(calendar.deadline_for(clock.now(), Urgency(current["urgency"])))
            changes.update(due)
            detail["deadline"] = due["deadline"]
    elif isinstance(data, Dispatch):
        changes, detail = await _dispatch(conn, current, data, calendar)
    return await commit(conn, who.username, current, {**changes, "status": str(target)}, [(op, detail)])
