"""Work orders on the platform: creation and the intake transitions, each one recorded on the
order's timeline and in the change feed in the same transaction."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from central import catalog, db, feed
from central.errors import ApiError, invalid, not_found
from central.security import Claims
from central.validation import text
from domain import clock
from domain.calendar import WorkCalendar
from domain.intake import NotAcceptedReason
from domain.numbers import format_order_number
from domain.phone import InvalidPhoneNumber, normalize_phone
from domain.workorder import (
    INTAKE_OPERATIONS,
    IllegalTransition,
    RequestType,
    Urgency,
    WorkOrderStatus,
    check_transition,
)

Text200 = text(1, 200)
Text5000 = text(1, 5000)
Note = text(0, 2000)
Short = text(0, 64)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewWorkOrder(_Strict):
    request_type: RequestType
    urgency: Urgency = Urgency.normal
    category_id: Short
    title: Text200
    content: Text5000
    caller_phone: text(1, 80)
    requester_name: Short = ""
    confidential: bool = False
    address_district: Short = ""
    address_street: Short = ""
    client_ref: Short | None = None
    status: Literal["draft", "accepted"] = "accepted"


class CloseAtIntake(_Strict):
    answer: Text5000


class RejectAtIntake(_Strict):
    reason: NotAcceptedReason
    note: Note = ""


class Transfer(_Strict):
    target_unit_id: Short
    note: Note = ""
    three_way: bool = False
    transferred_at: Short | None = Field(default=None, description="when the call itself went (the seat's clock)")
    call_id: Short | None = Field(default=None, description="the call that was transferred")

    @field_validator("transferred_at")
    @classmethod
    def _moment(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 time") from None
        return clock.stamp(moment)  # a time without an offset is China time


class Dispatch(_Strict):
    handling_unit_id: Short
    assisting_unit_ids: list[Short] = Field(default_factory=list, max_length=10)
    working_days: int | None = Field(default=None, ge=1, le=60)


class Accept(_Strict):
    pass


PAYLOADS: dict[str, type[BaseModel]] = {
    "create": NewWorkOrder,
    "accept": Accept,
    "close_at_intake": CloseAtIntake,
    "reject_at_intake": RejectAtIntake,
    "transfer": Transfer,
    "dispatch": Dispatch,
}

TRANSFER_KINDS = {"emergency", "sub_centre", "bureau", "enterprise", "region"}


def parse_payload(op: str, payload: dict) -> BaseModel:
    model = PAYLOADS.get(op)
    if model is None:
        raise invalid("op", f"unknown work-order operation {op!r}; expected one of {', '.join(PAYLOADS)}")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "payload"
        raise invalid(f"payload.{field}", err["msg"]) from None


async def _next_number(conn: AsyncConnection, day: date) -> str:
    key = day.strftime("%Y%m%d")
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(db.daily_serials).values(day=key, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=["day"], set_={"last": db.daily_serials.c.last + 1})
    serial = (await conn.execute(stmt.returning(db.daily_serials.c.last))).scalar_one()
    return format_order_number(day, serial)


async def find(conn: AsyncConnection, key: str) -> dict | None:
    """An order by its platform number or by the provisional number a seat gave it offline."""
    t = db.work_orders
    row = (await conn.execute(select(t).where(or_(t.c.number == key, t.c.client_ref == key)))).mappings().first()
    return dict(row) if row else None


async def _timeline(conn: AsyncConnection, number: str, who: Claims, action: str, detail: dict) -> None:
    await conn.execute(db.order_timeline.insert().values(
        number=number, at=clock.stamp(), actor=who.username, action=action, detail=detail))


async def _save(conn: AsyncConnection, row: dict) -> dict:
    await feed.record(conn, "work_order", row["number"], row)
    return row


async def _upsert_caller(conn: AsyncConnection, phone: str, name: str, confidential: bool) -> None:
    t = db.callers
    current = (await conn.execute(select(t).where(t.c.phone == phone))).mappings().first()
    now = clock.stamp()
    if current is None:
        row = {"phone": phone, "name": name, "confidential": confidential, "version": 1, "updated_at": now}
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
    tree = await catalog.load_tree(conn)
    if data.category_id not in {c.id for c in tree.leaves()}:
        raise invalid("payload.category_id", f"{data.category_id!r} is not a leaf category")
    if data.client_ref and await find(conn, data.client_ref):
        raise ApiError(409, "conflict", f"client_ref {data.client_ref!r} is already used", field="payload.client_ref")
    moment = clock.now()
    number = await _next_number(conn, moment.date())
    stamp = clock.stamp(moment)
    row = {
        "number": number, "client_ref": data.client_ref, "status": data.status,
        "request_type": str(data.request_type), "urgency": str(data.urgency), "category_id": data.category_id,
        "title": data.title, "content": data.content, "caller_phone": phone,
        "requester_name": data.requester_name, "confidential": data.confidential,
        "address_district": data.address_district, "address_street": data.address_street,
        "handling_unit_id": None, "assisting_unit_ids": [], "answer": "", "reject_reason": None,
        "transfer_target": None, "deadline": None, "deadline_provisional": False,
        "created_at": stamp, "updated_at": stamp, "created_by": who.user_id, "version": 1,
    }
    await conn.execute(db.work_orders.insert().values(**row))
    await _upsert_caller(conn, phone, data.requester_name, data.confidential)
    await _timeline(conn, number, who, "create", {"status": data.status, "client_ref": data.client_ref})
    return await _save(conn, row)


async def _unit(conn: AsyncConnection, field: str, unit_id: str, kinds: set[str] | None = None) -> dict:
    unit = await catalog.load_unit(conn, unit_id)
    if unit is None:
        raise invalid(field, f"no handling unit {unit_id!r}")
    if kinds and str(unit.kind) not in kinds:
        raise invalid(field, f"{unit.name} ({unit.kind}) cannot take this; expected one of {', '.join(sorted(kinds))}")
    return {"id": unit.id, "name": unit.name, "kind": str(unit.kind)}


async def transition(conn: AsyncConnection, who: Claims, key: str, op: str, data: BaseModel,
                     calendar: WorkCalendar) -> dict:
    current = await find(conn, key)
    if current is None:
        raise not_found("work order", key)
    target = INTAKE_OPERATIONS[op]
    try:
        check_transition(WorkOrderStatus(current["status"]), target)
    except IllegalTransition as exc:
        raise ApiError(409, "illegal_transition", str(exc), current=current) from None
    changes: dict = {}
    detail: dict = {}
    if isinstance(data, CloseAtIntake):
        changes["answer"] = data.answer
    elif isinstance(data, RejectAtIntake):
        changes.update(reject_reason=str(data.reason), answer=data.reason.guidance_zh)
        detail = {"reason": str(data.reason), "note": data.note}
    elif isinstance(data, Transfer):
        unit = await _unit(conn, "payload.target_unit_id", data.target_unit_id, TRANSFER_KINDS)
        changes["transfer_target"] = unit["id"]
        detail = {"target": unit, "note": data.note, "three_way": data.three_way,
                  "transferred_at": data.transferred_at, "call_id": data.call_id}
    elif isinstance(data, Dispatch):
        lead = await _unit(conn, "payload.handling_unit_id", data.handling_unit_id)
        assisting = [await _unit(conn, f"payload.assisting_unit_ids.{i}", u)
                     for i, u in enumerate(data.assisting_unit_ids)]
        if lead["id"] in data.assisting_unit_ids:
            raise invalid("payload.assisting_unit_ids", "the lead unit cannot also assist")
        urgency = Urgency(current["urgency"])
        due = calendar.deadline_for(clock.now(), urgency, working_days=data.working_days or 15)
        changes.update(handling_unit_id=lead["id"], assisting_unit_ids=[a["id"] for a in assisting],
                       deadline=clock.stamp(due.due), deadline_provisional=due.provisional)
        detail = {"lead": lead, "assisting": assisting, "deadline": changes["deadline"],
                  "provisional": due.provisional}
    row = {**current, **changes, "status": str(target), "updated_at": clock.stamp(),
           "version": current["version"] + 1}
    await conn.execute(db.work_orders.update().where(db.work_orders.c.number == current["number"]).values(**row))
    await _timeline(conn, current["number"], who, op, detail)
    return await _save(conn, row)


async def timeline(conn: AsyncConnection, number: str) -> list[dict]:
    t = db.order_timeline
    rows = (await conn.execute(select(t).where(t.c.number == number).order_by(t.c.id))).mappings().all()
    return [{"at": r["at"], "actor": r["actor"], "action": r["action"], "detail": r["detail"]} for r in rows]


async def list_by_phone(conn: AsyncConnection, phone: str, limit: int, offset: int) -> list[dict]:
    t = db.work_orders
    rows = (await conn.execute(select(t).where(t.c.caller_phone == phone)
                               .order_by(t.c.created_at.desc(), t.c.number.desc())
                               .limit(limit).offset(offset))).mappings().all()
    return [dict(r) for r in rows]
