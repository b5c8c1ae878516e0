"""Work orders on the platform: creation, intake, and handling through to closure (R7-R11).

Every change is one operation on one order: it moves the order (and its handling units' parts)
along the lifecycle of domain/workorder.py, writes the order's timeline and the change feed in the
same transaction, and answers with the whole order row.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from central import catalog, db, feed
from central.errors import ApiError, invalid, not_found
from central.permissions import Role
from central.security import Claims
from central.validation import text
from domain import clock
from domain.calendar import Deadline, WorkCalendar
from domain.intake import NotAcceptedReason
from domain.numbers import format_order_number
from domain.phone import InvalidPhoneNumber, mask_phone, normalize_phone
from domain.workorder import (
    HANDLING_STATUSES,
    INTAKE_OPERATIONS,
    REPEAT_WINDOW_DAYS,
    REVIEW_DECISIONS,
    TERMINAL_STATUSES,
    CaseKind,
    IllegalTransition,
    RequestType,
    Satisfaction,
    UnitRole,
    UnitState,
    Urgency,
    WorkOrderStatus,
    callback_outcome,
    check_transition,
)

Text200 = text(1, 200)
Text5000 = text(1, 5000)
Reason = text(1, 2000)
Note = text(0, 2000)
Short = text(0, 64)
UnitId = text(1, 32)
S = WorkOrderStatus
U = UnitState


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


class Sign(_Strict):
    unit_id: UnitId


class Reply(_Strict):
    unit_id: UnitId
    reply: Text5000


class ApplyReturn(_Strict):
    unit_id: UnitId
    reason: Reason


class ApplyExtension(_Strict):
    unit_id: UnitId
    working_days: int | None = Field(default=None, ge=1, le=30)
    hours: int | None = Field(default=None, ge=1, le=72, description="urgent orders only")
    reason: Reason


class Review(_Strict):
    decision: Literal["approve", "refuse"]
    note: Note = ""
    unit_id: UnitId | None = Field(default=None, description="whose application, when several are pending")


class Callback(_Strict):
    satisfaction: Satisfaction | None = None
    resolved: bool | None = None
    note: Note = ""
    reached: bool = True


class Supervise(_Strict):
    kind: Literal["supervise", "remind"] = "supervise"
    note: Note = ""


class Merge(_Strict):
    into: text(1, 32)


class ApplyUnreasonable(_Strict):
    reason: Reason


class Flag(_Strict):
    case_kind: CaseKind


PAYLOADS: dict[str, type[BaseModel]] = {
    "create": NewWorkOrder,
    "accept": Accept,
    "close_at_intake": CloseAtIntake,
    "reject_at_intake": RejectAtIntake,
    "transfer": Transfer,
    "dispatch": Dispatch,
    "sign": Sign,
    "reply": Reply,
    "apply_return": ApplyReturn,
    "apply_extension": ApplyExtension,
    "review_return": Review,
    "review_extension": Review,
    "callback": Callback,
    "supervise": Supervise,
    "merge": Merge,
    "apply_unreasonable": ApplyUnreasonable,
    "review_unreasonable": Review,
    "flag": Flag,
}

# Who may do each operation (central/permissions.py); an unknown op is checked as intake and then
# refused as invalid.
PERMISSIONS: dict[str, str] = {
    "dispatch": "orders.dispatch",
    "sign": "orders.handle",
    "reply": "orders.handle",
    "apply_return": "orders.handle",
    "apply_extension": "orders.handle",
    "review_return": "orders.review",
    "review_extension": "orders.review",
    "review_unreasonable": "orders.review",
    "flag": "orders.review",
    "callback": "orders.callback",
    "supervise": "orders.supervise",
}

TRANSFER_KINDS = {"emergency", "sub_centre", "bureau", "enterprise", "region"}
REVIEW_KINDS = {"review_return": "return", "review_extension": "extension", "review_unreasonable": "unreasonable_repeat"}

# The columns of migration 5 as a new order has them.
LIFECYCLE_DEFAULTS: dict = {
    "reply": "", "replied_at": None, "callback_at": None, "closed_at": None, "satisfaction": None,
    "resolved": None, "callback_attempts": 0, "case_kind": "normal", "merged_into": None, "repeat_count": 0,
    "unreasonable_repeat": False, "supervised": False, "reopen_count": 0, "units": [],
}


def permission(op: str) -> str:
    return PERMISSIONS.get(op, "orders.intake")


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


def _conflict(code: str, message: str, current: dict | None = None) -> ApiError:
    return ApiError(409, code, message, **({"current": current} if current is not None else {}))


def _move(current: dict, target: WorkOrderStatus) -> None:
    try:
        check_transition(WorkOrderStatus(current["status"]), target)
    except IllegalTransition as exc:
        raise _conflict("illegal_transition", str(exc), current) from None


def view(who: Claims, row: dict) -> dict:
    """The order as `who` may see it: handling units do not see who a confidential requester is."""
    if who.role == Role.unit and row.get("confidential"):
        return {**row, "caller_phone": mask_phone(row["caller_phone"]), "requester_name": "（保密）"}
    return row


# -- rows ---------------------------------------------------------------------------------------

async def _next_number(conn: AsyncConnection, day: date) -> str:
    key = day.strftime("%Y%m%d")
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(db.daily_serials).values(day=key, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=["day"], set_={"last": db.daily_serials.c.last + 1})
    serial = (await conn.execute(stmt.returning(db.daily_serials.c.last))).scalar_one()
    return format_order_number(day, serial)


async def find(conn: AsyncConnection, key: str, lock: bool = False) -> dict | None:
    """An order by its platform number or by the provisional number a seat gave it offline.
    lock: hold the row until the transaction ends (PostgreSQL; SQLite has one writer anyway), so
    that two changes of one order at once apply one after the other."""
    t = db.work_orders
    query = select(t).where(or_(t.c.number == key, t.c.client_ref == key))
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    return dict(row) if row else None


async def _timeline(conn: AsyncConnection, number: str, actor: str, action: str, detail: dict) -> None:
    await conn.execute(db.order_timeline.insert().values(
        number=number, at=clock.stamp(), actor=actor, action=action, detail=detail))


async def _save(conn: AsyncConnection, row: dict) -> dict:
    await feed.record(conn, "work_order", row["number"], row)
    return row


# An order in one of these no longer needs supervising: its open supervisions close.
ANSWERED_STATUSES = TERMINAL_STATUSES | {S.replied}


async def commit(conn: AsyncConnection, actor: str, current: dict, changes: dict,
                 steps: list[tuple[str, dict]]) -> dict:
    """Write the changed order (one version up), its timeline steps and the feed change."""
    row = {**current, **changes, "updated_at": clock.stamp(), "version": current["version"] + 1}
    if row["status"] != current["status"] and row["status"] in ANSWERED_STATUSES and current["supervised"]:
        await _close_supervisions(conn, current["number"])
        row["supervised"] = False
    await conn.execute(db.work_orders.update().where(db.work_orders.c.number == current["number"]).values(**row))
    for action, detail in steps:
        await _timeline(conn, current["number"], actor, action, detail)
    return await _save(conn, row)


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
        **LIFECYCLE_DEFAULTS, "units": [],
    }
    repeats = await repeat_candidates(conn, phone, data.category_id, moment)
    await conn.execute(db.work_orders.insert().values(**row))
    await _upsert_caller(conn, phone, data.requester_name, data.confidential)
    await _timeline(conn, number, who.username, "create", {"status": data.status, "client_ref": data.client_ref,
                                                           "repeat_of": repeats})
    return await _save(conn, row)


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


# -- handling units' parts (order_units) ---------------------------------------------------------

async def unit_rows(conn: AsyncConnection, number: str) -> list[dict]:
    """The units of the order's latest dispatch, lead first."""
    t = db.order_units
    latest = select(func.max(t.c.dispatch_round)).where(t.c.number == number).scalar_subquery()
    rows = (await conn.execute(select(t).where(t.c.number == number, t.c.dispatch_round == latest)
                               .order_by(t.c.id))).mappings().all()
    return [dict(r) for r in rows]


def units_summary(rows: list[dict]) -> list[dict]:
    return [{"unit_id": r["unit_id"], "role": r["role"], "state": r["state"], "deadline": r["deadline"]}
            for r in rows]


async def _put_unit(conn: AsyncConnection, row: dict, **changes: object) -> None:
    row.update(changes)
    await conn.execute(db.order_units.update().where(db.order_units.c.id == row["id"]).values(**changes))


def _acting_for(who: Claims, unit_id: str) -> None:
    if who.role == Role.unit and who.unit_id != unit_id:
        raise ApiError(403, "forbidden", "a handling unit's user may act only for that unit")


def _part(rows: list[dict], unit_id: str, current: dict) -> dict:
    for r in rows:
        if r["unit_id"] == unit_id and r["state"] != U.returned:
            return r
    raise _conflict("not_assigned", f"unit {unit_id!r} does not handle order {current['number']}", current)


def _unit_in(part: dict, states: set[UnitState], op: str, current: dict) -> None:
    if part["state"] not in states:
        raise _conflict("illegal_transition", f"{op} needs the unit's part in {' or '.join(sorted(states))}; "
                        f"unit {part['unit_id']} is {part['state']}", current)


def _deadline_fields(due: Deadline) -> dict:
    return {"deadline": clock.stamp(due.due), "deadline_provisional": due.provisional}


async def _dispatch(conn: AsyncConnection, current: dict, data: Dispatch, calendar: WorkCalendar) -> tuple[dict, dict]:
    lead = await _unit(conn, "payload.handling_unit_id", data.handling_unit_id)
    assisting = [await _unit(conn, f"payload.assisting_unit_ids.{i}", u) for i, u in enumerate(data.assisting_unit_ids)]
    if lead["id"] in data.assisting_unit_ids:
        raise invalid("payload.assisting_unit_ids", "the lead unit cannot also assist")
    if len(set(data.assisting_unit_ids)) != len(data.assisting_unit_ids):
        raise invalid("payload.assisting_unit_ids", "a unit is named twice")
    now = clock.now()
    due = _deadline_fields(calendar.deadline_for(now, Urgency(current["urgency"]), working_days=data.working_days or 15))
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
    return changes, detail


# -- supervision records (the sweep is in central/supervision.py) --------------------------------

async def add_supervision(conn: AsyncConnection, number: str, kind: str, reason: str, note: str,
                          created_by: str) -> int:
    result = await conn.execute(db.supervisions.insert().values(
        number=number, kind=kind, reason=reason, note=note, created_by=created_by, created_at=clock.stamp(),
        closed_at=None).returning(db.supervisions.c.id))
    return int(result.scalar_one())


async def _close_supervisions(conn: AsyncConnection, number: str) -> None:
    t = db.supervisions
    await conn.execute(t.update().where(t.c.number == number, t.c.closed_at.is_(None)).values(closed_at=clock.stamp()))


# -- reviews (退单, 延期, 无理重复诉求) -------------------------------------------------------------

async def _apply_for_review(conn: AsyncConnection, who: Claims, number: str, kind: str, reason: str,
                            unit_id: str | None = None, days: int | None = None, hours: int | None = None) -> int:
    result = await conn.execute(db.reviews.insert().values(
        number=number, kind=kind, unit_id=unit_id, applicant=who.username, reason=reason, days_asked=days,
        hours_asked=hours, state="pending", reviewer=None, note="", created_at=clock.stamp(),
        decided_at=None).returning(db.reviews.c.id))
    return int(result.scalar_one())


async def _pending_review(conn: AsyncConnection, current: dict, kind: str, unit_id: str | None) -> dict:
    t = db.reviews
    query = select(t).where(t.c.number == current["number"], t.c.kind == kind, t.c.state == "pending")
    if unit_id is not None:
        query = query.where(t.c.unit_id == unit_id)
    rows = (await conn.execute(query.order_by(t.c.id))).mappings().all()
    if not rows:
        raise _conflict("no_pending_review", f"order {current['number']} has no pending {kind} application"
                        + (f" of unit {unit_id}" if unit_id else ""), current)
    if len(rows) > 1:
        raise invalid("payload.unit_id", f"{len(rows)} units have a pending {kind} application; name one")
    return dict(rows[0])


async def _decide(conn: AsyncConnection, who: Claims, review: dict, data: Review) -> None:
    await conn.execute(db.reviews.update().where(db.reviews.c.id == review["id"]).values(
        state="approved" if data.decision == "approve" else "refused", reviewer=who.username, note=data.note,
        decided_at=clock.stamp()))


# -- the operations ------------------------------------------------------------------------------

async def transition(conn: AsyncConnection, who: Claims, key: str, op: str, data: BaseModel,
                     calendar: WorkCalendar) -> dict:
    """Apply one operation (other than create) to the order `key`; return the order row."""
    current = await find(conn, key, lock=True)
    if current is None:
        raise not_found("work order", key)
    if op in INTAKE_OPERATIONS:
        return await _intake(conn, who, current, op, data, calendar)
    return await _HANDLERS[op](conn, who, current, data, calendar)


async def _intake(conn: AsyncConnection, who: Claims, current: dict, op: str, data: BaseModel,
                  calendar: WorkCalendar) -> dict:
    target = INTAKE_OPERATIONS[op]
    _move(current, target)
    changes: dict = {}
    detail: dict = {}
    if isinstance(data, CloseAtIntake):
        changes.update(answer=data.answer, closed_at=clock.stamp())
    elif isinstance(data, RejectAtIntake):
        changes.update(reject_reason=str(data.reason), answer=data.reason.guidance_zh)
        detail = {"reason": str(data.reason), "note": data.note}
    elif isinstance(data, Transfer):
        unit = await _unit(conn, "payload.target_unit_id", data.target_unit_id, TRANSFER_KINDS)
        changes["transfer_target"] = unit["id"]
        detail = {"target": unit, "note": data.note, "three_way": data.three_way,
                  "transferred_at": data.transferred_at, "call_id": data.call_id}
    elif isinstance(data, Dispatch):
        changes, detail = await _dispatch(conn, current, data, calendar)
    return await commit(conn, who.username, current, {**changes, "status": str(target)}, [(op, detail)])


async def _sign(conn: AsyncConnection, who: Claims, current: dict, data: Sign, _cal: WorkCalendar) -> dict:
    _acting_for(who, data.unit_id)
    parts = await unit_rows(conn, current["number"])
    part = _part(parts, data.unit_id, current)
    changes: dict = {}
    if part["role"] == UnitRole.lead:
        _move(current, S.in_progress)
        changes["status"] = str(S.in_progress)
    _handling(current)
    _unit_in(part, {U.dispatched}, "sign", current)
    await _put_unit(conn, part, state=str(U.in_progress), signed_at=clock.stamp())
    changes["units"] = units_summary(parts)
    return await commit(conn, who.username, current, changes,
                        [("sign", {"unit_id": part["unit_id"], "role": part["role"]})])


def _handling(current: dict) -> None:
    if current["status"] not in HANDLING_STATUSES:
        raise _conflict("illegal_transition", f"order {current['number']} is {current['status']}, not with its "
                        "handling units", current)


async def _reply(conn: AsyncConnection, who: Claims, current: dict, data: Reply, _cal: WorkCalendar) -> dict:
    _acting_for(who, data.unit_id)
    parts = await unit_rows(conn, current["number"])
    part = _part(parts, data.unit_id, current)
    now = clock.stamp()
    changes: dict = {}
    if part["role"] == UnitRole.lead:
        _move(current, S.replied)
        # a reopened order may be answered again at once, without signing first
        allowed = {U.in_progress, U.dispatched} if current["status"] == S.reopened else {U.in_progress}
        _unit_in(part, allowed, "reply", current)
        changes = {"status": str(S.replied), "reply": data.reply, "replied_at": now}
    else:
        _handling(current)
        _unit_in(part, {U.in_progress}, "reply", current)
    await _put_unit(conn, part, state=str(U.replied), reply=data.reply, replied_at=now)
    changes["units"] = units_summary(parts)
    return await commit(conn, who.username, current, changes,
                        [("reply", {"unit_id": part["unit_id"], "role": part["role"], "reply": data.reply})])


async def _apply_return(conn: AsyncConnection, who: Claims, current: dict, data: ApplyReturn,
                        _cal: WorkCalendar) -> dict:
    _acting_for(who, data.unit_id)
    parts = await unit_rows(conn, current["number"])
    part = _part(parts, data.unit_id, current)
    changes: dict = {}
    if part["role"] == UnitRole.lead:
        _move(current, S.return_review)
        changes["status"] = str(S.return_review)
    _handling(current)
    _unit_in(part, {U.dispatched, U.in_progress}, "apply_return", current)
    review_id = await _apply_for_review(conn, who, current["number"], "return", data.reason, part["unit_id"])
    await _put_unit(conn, part, state=str(U.return_review))
    changes["units"] = units_summary(parts)
    return await commit(conn, who.username, current, changes, [("apply_return", {
        "unit_id": part["unit_id"], "role": part["role"], "reason": data.reason, "review_id": review_id})])


async def _apply_extension(conn: AsyncConnection, who: Claims, current: dict, data: ApplyExtension,
                           _cal: WorkCalendar) -> dict:
    _acting_for(who, data.unit_id)
    if (data.working_days is None) == (data.hours is None):
        raise invalid("payload.working_days", "give either working_days or hours (urgent orders)")
    if data.hours is not None and current["urgency"] != Urgency.urgent:
        raise invalid("payload.hours", "hours are for urgent orders; ask for working_days")
    parts = await unit_rows(conn, current["number"])
    part = _part(parts, data.unit_id, current)
    changes: dict = {}
    if part["role"] == UnitRole.lead:
        _move(current, S.extension_review)
        changes["status"] = str(S.extension_review)
    _handling(current)
    _unit_in(part, {U.in_progress}, "apply_extension", current)
    if clock.now() > clock.parse(part["deadline"]):
        raise _conflict("too_late", f"the deadline of unit {part['unit_id']} ({part['deadline']}) has passed; "
                        "an extension must be asked for before it", current)
    review_id = await _apply_for_review(conn, who, current["number"], "extension", data.reason, part["unit_id"],
                                        data.working_days, data.hours)
    await _put_unit(conn, part, state=str(U.extension_review), extension_days_asked=data.working_days,
                    extension_hours_asked=data.hours)
    changes["units"] = units_summary(parts)
    return await commit(conn, who.username, current, changes, [("apply_extension", {
        "unit_id": part["unit_id"], "role": part["role"], "working_days": data.working_days, "hours": data.hours,
        "reason": data.reason, "review_id": review_id})])


async def _review_unit(conn: AsyncConnection, who: Claims, current: dict, data: Review, calendar: WorkCalendar,
                       op: str) -> dict:
    """A dispatcher decides a unit's return or extension application."""
    review = await _pending_review(conn, current, REVIEW_KINDS[op], data.unit_id)
    parts = await unit_rows(conn, current["number"])
    part = _part(parts, review["unit_id"], current)
    lead = part["role"] == UnitRole.lead
    approve = data.decision == "approve"
    changes: dict = {}
    if lead:
        target = REVIEW_DECISIONS[op][data.decision]
        _move(current, target)
        changes["status"] = str(target)
    detail = {"unit_id": part["unit_id"], "role": part["role"], "decision": data.decision, "note": data.note,
              "review_id": review["id"]}
    if op == "review_return" and approve:
        # back to the dispatcher: the lead's return ends the whole dispatch, an assisting unit only leaves it
        for p in (parts if lead else [part]):
            if p["state"] != U.returned:
                await _put_unit(conn, p, state=str(U.returned))
        if lead:  # what the other units asked for is moot now
            t = db.reviews
            await conn.execute(t.update().where(t.c.number == current["number"], t.c.state == "pending",
                                                t.c.id != review["id"], t.c.unit_id.is_not(None))
                               .values(state="withdrawn", note="主办单位退单已批准", decided_at=clock.stamp()))
    elif op == "review_extension" and approve:
        old = clock.parse(part["deadline"])
        due = (calendar.add_hours(old, review["hours_asked"]) if review["hours_asked"]
               else calendar.add_working_days(old, review["days_asked"]))
        fields = _deadline_fields(due)
        await _put_unit(conn, part, state=str(U.in_progress), **fields)
        if lead:
            changes.update(fields)
        detail.update(old_deadline=clock.stamp(old), **fields)
    else:  # refused: back to the unit, deadline unchanged
        await _put_unit(conn, part, state=str(U.in_progress))
    await _decide(conn, who, review, data)
    changes["units"] = units_summary(parts)
    return await commit(conn, who.username, current, changes, [(op, detail)])


async def _review_return(conn, who, current, data, calendar):  # noqa: ANN001, ANN202
    return await _review_unit(conn, who, current, data, calendar, "review_return")


async def _review_extension(conn, who, current, data, calendar):  # noqa: ANN001, ANN202
    return await _review_unit(conn, who, current, data, calendar, "review_extension")


async def _callback(conn: AsyncConnection, who: Claims, current: dict, data: Callback,
                    calendar: WorkCalendar) -> dict:
    _move(current, S.callback)
    attempts = current["callback_attempts"] + 1
    if not data.reached:
        return await commit(conn, who.username, current, {"callback_attempts": attempts},
                            [("callback_attempt", {"reached": False, "note": data.note, "attempt": attempts})])
    if data.satisfaction is None:
        raise invalid("payload.satisfaction", "required when the requester was reached")
    if data.resolved is None:
        raise invalid("payload.resolved", "required when the requester was reached")
    now = clock.stamp()
    target = callback_outcome(data.satisfaction, data.resolved)
    changes: dict = {"status": str(target), "satisfaction": str(data.satisfaction), "resolved": data.resolved,
                     "callback_at": now, "callback_attempts": attempts}
    steps = [("callback", {"satisfaction": str(data.satisfaction), "satisfaction_zh": data.satisfaction.label_zh,
                           "resolved": data.resolved, "note": data.note, "attempt": attempts})]
    if target is S.closed:
        changes["closed_at"] = now
        steps.append(("close", {}))
    else:
        changes["reopen_count"] = current["reopen_count"] + 1
        steps.append(("reopen", await _reopen(conn, current, calendar, changes)))
    return await commit(conn, who.username, current, changes, steps)


async def _reopen(conn: AsyncConnection, current: dict, calendar: WorkCalendar, changes: dict) -> dict:
    """The lead unit handles the order again, with a fresh deadline."""
    parts = await unit_rows(conn, current["number"])
    lead = next((p for p in parts if p["role"] == UnitRole.lead and p["state"] != U.returned), None)
    fields = _deadline_fields(calendar.deadline_for(clock.now(), Urgency(current["urgency"])))
    changes.update(fields)
    if lead is None:
        return {"unit_id": None, **fields}
    await _put_unit(conn, lead, state=str(U.dispatched), signed_at=None, **fields)
    changes["units"] = units_summary(parts)
    return {"unit_id": lead["unit_id"], **fields}


async def _supervise(conn: AsyncConnection, who: Claims, current: dict, data: Supervise, _cal: WorkCalendar) -> dict:
    if WorkOrderStatus(current["status"]) in TERMINAL_STATUSES:
        raise _conflict("order_closed", f"order {current['number']} is {current['status']}: nothing to supervise",
                        current)
    sid = await add_supervision(conn, current["number"], data.kind, "flagged", data.note, who.username)
    return await commit(conn, who.username, current, {"supervised": True}, [("supervise", {
        "kind": data.kind, "reason": "flagged", "note": data.note, "supervision_id": sid})])


async def _merge(conn: AsyncConnection, who: Claims, current: dict, data: Merge, _cal: WorkCalendar) -> dict:
    _move(current, S.merged)
    target = await find(conn, data.into, lock=True)
    if target is None:
        raise invalid("payload.into", f"no work order {data.into!r}")
    if target["number"] == current["number"]:
        raise invalid("payload.into", "an order cannot be merged into itself")
    if WorkOrderStatus(target["status"]) in TERMINAL_STATUSES or target["status"] == S.draft:
        raise _conflict("target_closed", f"order {target['number']} is {target['status']}: merge into an open order",
                        current)
    if target["caller_phone"] != current["caller_phone"]:
        raise _conflict("not_same_caller", "a repeat request is merged only into the same caller's order", current)
    await commit(conn, who.username, target, {"repeat_count": target["repeat_count"] + 1}, [("repeat_merged", {
        "number": current["number"], "title": current["title"], "content": current["content"],
        "category_id": current["category_id"], "created_at": current["created_at"]})])
    return await commit(conn, who.username, current, {"status": str(S.merged), "merged_into": target["number"]},
                        [("merge", {"into": target["number"]})])


async def _apply_unreasonable(conn: AsyncConnection, who: Claims, current: dict, data: ApplyUnreasonable,
                              _cal: WorkCalendar) -> dict:
    _move(current, S.repeat_review)
    review_id = await _apply_for_review(conn, who, current["number"], "unreasonable_repeat", data.reason)
    return await commit(conn, who.username, current, {"status": str(S.repeat_review)},
                        [("apply_unreasonable", {"reason": data.reason, "review_id": review_id})])


async def _review_unreasonable(conn: AsyncConnection, who: Claims, current: dict, data: Review,
                               _cal: WorkCalendar) -> dict:
    target = REVIEW_DECISIONS["review_unreasonable"][data.decision]
    _move(current, target)
    review = await _pending_review(conn, current, "unreasonable_repeat", None)
    await _decide(conn, who, review, data)
    changes: dict = {"status": str(target)}
    if target is S.closed:
        changes.update(unreasonable_repeat=True, closed_at=clock.stamp())
    return await commit(conn, who.username, current, changes, [("review_unreasonable", {
        "decision": data.decision, "note": data.note, "review_id": review["id"]})])


async def _flag(conn: AsyncConnection, who: Claims, current: dict, data: Flag, _cal: WorkCalendar) -> dict:
    return await commit(conn, who.username, current, {"case_kind": str(data.case_kind)}, [("flag", {
        "case_kind": str(data.case_kind), "previous": current["case_kind"]})])


_HANDLERS = {
    "sign": _sign,
    "reply": _reply,
    "apply_return": _apply_return,
    "apply_extension": _apply_extension,
    "review_return": _review_return,
    "review_extension": _review_extension,
    "callback": _callback,
    "supervise": _supervise,
    "merge": _merge,
    "apply_unreasonable": _apply_unreasonable,
    "review_unreasonable": _review_unreasonable,
    "flag": _flag,
}


# -- reads ---------------------------------------------------------------------------------------

async def timeline(conn: AsyncConnection, number: str) -> list[dict]:
    t = db.order_timeline
    rows = (await conn.execute(select(t).where(t.c.number == number).order_by(t.c.id))).mappings().all()
    return [{"at": r["at"], "actor": r["actor"], "action": r["action"], "detail": r["detail"]} for r in rows]


async def handled_by(conn: AsyncConnection, number: str, unit_id: str) -> bool:
    """Whether the unit has (or had) a part in the order."""
    t = db.order_units
    return (await conn.execute(select(t.c.id).where(t.c.number == number, t.c.unit_id == unit_id).limit(1))).first() \
        is not None


async def list_orders(conn: AsyncConnection, *, phone: str | None = None, statuses: list[str] | None = None,
                      unit_id: str | None = None, created_by: int | None = None, limit: int = 20,
                      offset: int = 0) -> list[dict]:
    """Orders newest first, filtered; a unit's orders are those it has a live part in."""
    t = db.work_orders
    query = select(t)
    if phone is not None:
        query = query.where(t.c.caller_phone == phone)
    if statuses:
        query = query.where(t.c.status.in_(statuses))
    if created_by is not None:
        query = query.where(t.c.created_by == created_by)
    if unit_id is not None:
        u = db.order_units
        query = query.where(t.c.number.in_(select(u.c.number).where(u.c.unit_id == unit_id,
                                                                     u.c.state != U.returned)))
    rows = (await conn.execute(query.order_by(t.c.created_at.desc(), t.c.number.desc())
                               .limit(limit).offset(offset))).mappings().all()
    return [dict(r) for r in rows]


async def list_by_phone(conn: AsyncConnection, phone: str, limit: int, offset: int) -> list[dict]:
    return await list_orders(conn, phone=phone, limit=limit, offset=offset)


async def list_reviews(conn: AsyncConnection, state: str | None, kind: str | None, limit: int,
                       offset: int) -> list[dict]:
    """Applications for review, oldest first (the order they are worked in), with their order."""
    r, o = db.reviews, db.work_orders
    query = (select(r, o.c.title, o.c.status.label("order_status"), o.c.urgency, o.c.category_id,
                    o.c.deadline, o.c.handling_unit_id)
             .select_from(r.join(o, o.c.number == r.c.number)))
    if state is not None:
        query = query.where(r.c.state == state)
    if kind is not None:
        query = query.where(r.c.kind == kind)
    rows = await conn.execute(query.order_by(r.c.created_at, r.c.id).limit(limit).offset(offset))
    return [dict(m) for m in rows.mappings()]


async def callback_queue(conn: AsyncConnection, limit: int, offset: int = 0) -> list[dict]:
    """Replied orders waiting for their callback, the longest waiting first."""
    t = db.work_orders
    rows = await conn.execute(select(t).where(t.c.status == S.replied)
                              .order_by(t.c.replied_at, t.c.number).limit(limit).offset(offset))
    return [dict(m) for m in rows.mappings()]


# -- progress lookup (R10): what the agent may tell a caller ---------------------------------------

PROGRESS_STEPS = {
    "create": "登记", "accept": "受理", "close_at_intake": "直接办结", "reject_at_intake": "不予受理",
    "transfer": "转办", "dispatch": "派单", "sign": "签收", "reply": "答复", "review_extension": "延期办理",
    "callback": "回访", "close": "办结", "reopen": "重新办理", "merge": "并单", "repeat_merged": "重复来电并入",
    "review_unreasonable": "办结",
}


def _step(action: str, detail: dict, names: dict[str, str]) -> dict | None:
    """One timeline row as a caller may hear it (no staff names, no internal reviews), or None."""
    if action not in PROGRESS_STEPS:
        return None
    decision = detail.get("decision")
    if action in ("review_extension", "review_unreasonable") and decision != "approve":
        return None
    if action == "create" and detail.get("status") == "accepted":
        action_zh = "受理"
    else:
        action_zh = PROGRESS_STEPS[action]
    unit = detail.get("unit_id") or (detail.get("lead") or {}).get("id") or (detail.get("target") or {}).get("id")
    step = {"step": action, "step_zh": action_zh, "unit": names.get(unit, "") if unit else ""}
    if action == "review_extension":
        step["deadline"] = detail.get("deadline")
    if action == "reply" and detail.get("role") == UnitRole.assisting:
        step["step_zh"] = "协办答复"
    if action == "merge":
        step["into"] = detail.get("into")
    return step


async def progress(conn: AsyncConnection, rows: list[dict]) -> list[dict]:
    names = dict((await conn.execute(select(db.handling_units.c.id, db.handling_units.c.name))).all())
    result = []
    for row in rows:
        steps = []
        for item in await timeline(conn, row["number"]):
            step = _step(item["action"], item["detail"] or {}, names)
            if step is not None:
                steps.append({**step, "at": item["at"]})
        answered = row["replied_at"] is not None or row["status"] == S.closed_at_intake
        result.append({
            "number": row["number"], "status": row["status"], "status_zh": WorkOrderStatus(row["status"]).label_zh,
            "title": row["title"], "created_at": row["created_at"], "deadline": row["deadline"],
            "unit": names.get(row["handling_unit_id"], "") if row["handling_unit_id"] else "",
            "merged_into": row["merged_into"], "timeline": steps,
            "reply": (row["reply"] or row["answer"]) if answered else None,
        })
    return result
