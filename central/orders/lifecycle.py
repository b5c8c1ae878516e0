"""An order after dispatch (R8-R11): the units sign, reply, ask to return it or for more time; the
dispatcher reviews; the centre calls the requester back, supervises, merges repeat requests and
flags cases. `transition` applies any operation but create."""
from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db, settings
from central.errors import ApiError, invalid, not_found
from central.orders import intake
from central.orders.payloads import (
    ApplyExtension,
    ApplyReturn,
    ApplyUnreasonable,
    Callback,
    Flag,
    Merge,
    PartnerProgress,
    PartnerReply,
    PartnerReturn,
    Reply,
    Review,
    Sign,
    Supervise,
)
from central.orders.reads import handled_by
from central.orders.rows import (
    acting_for,
    add_supervision,
    commit,
    conflict,
    deadline_fields,
    find,
    move,
    part_of,
    put_unit,
    unit_in,
    unit_rows,
    units_summary,
)
from central.permissions import Role
from central.security import Claims
from domain import clock
from domain.calendar import WorkCalendar
from domain.workorder import (
    HANDLING_STATUSES,
    INTAKE_OPERATIONS,
    PARTNER_STATUSES,
    REVIEW_DECISIONS,
    TERMINAL_STATUSES,
    UNREACHABLE_REASON,
    UnitRole,
    UnitState,
    Urgency,
    WorkOrderStatus,
    callback_outcome,
    closes_unreached,
)

S = WorkOrderStatus
U = UnitState

REVIEW_KINDS = {"review_return": "return", "review_extension": "extension", "review_unreasonable": "unreasonable_repeat"}


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
        raise conflict("no_pending_review", f"order {current['number']} has no pending {kind} application"
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
                     calendar: WorkCalendar, base_version: int | None = None) -> dict:
    """Apply one operation (other than create) to the order `key`; return the order row. With
    `base_version`, an order that has moved on since refuses the change (409 stale).

    A handling unit's user gets the same 403, and no order data, for an order its unit has no part
    in and for one that does not exist (a refusal of an order it does handle carries the order as
    a unit may see it: central/mutations.py)."""
    current = await find(conn, key, lock=True)
    if who.role == Role.unit and (current is None or not await handled_by(conn, current["number"],
                                                                          who.unit_id or "")):
        raise ApiError(403, "forbidden", "this work order is not assigned to your unit")
    if who.role == Role.partner and (current is None or current["transfer_target"] != who.unit_id):
        raise ApiError(403, "forbidden", "this work order was not transferred to your platform")
    if current is None:
        raise not_found("work order", key)
    if base_version is not None and current["version"] != base_version:
        raise conflict("stale", f"order {current['number']} has changed since (version {current['version']}, the "
                                f"change was made against version {base_version})", current)
    if op in INTAKE_OPERATIONS:
        return await intake.apply(conn, who, current, op, data, calendar)
    return await _HANDLERS[op](conn, who, current, data, calendar)


async def _sign(conn: AsyncConnection, who: Claims, current: dict, data: Sign, _cal: WorkCalendar) -> dict:
    acting_for(who, data.unit_id)
    parts = await unit_rows(conn, current["number"])
    part = part_of(parts, data.unit_id, current)
    changes: dict = {}
    if part["role"] == UnitRole.lead:
        move(current, S.in_progress)
        changes["status"] = str(S.in_progress)
    _handling(current)
    unit_in(part, {U.dispatched}, "sign", current)
    await put_unit(conn, part, state=str(U.in_progress), signed_at=clock.stamp())
    changes["units"] = units_summary(parts)
    return await commit(conn, who.username, current, changes,
                        [("sign", {"unit_id": part["unit_id"], "role": part["role"]})])


def _handling(current: dict) -> None:
    if current["status"] not in HANDLING_STATUSES:
        raise conflict("illegal_transition", f"order {current['number']} is {current['status']}, not with its "
                       "handling units", current)


async def _reply(conn: AsyncConnection, who: Claims, current: dict, data: Reply, _cal: WorkCalendar) -> dict:
    acting_for(who, data.unit_id)
    parts = await unit_rows(conn, current["number"])
    part = part_of(parts, data.unit_id, current)
    now = clock.stamp()
    changes: dict = {}
    if part["role"] == UnitRole.lead:
        move(current, S.replied)
        # a reopened order may be answered again at once, without signing first
        allowed = {U.in_progress, U.dispatched} if current["status"] == S.reopened else {U.in_progress}
        unit_in(part, allowed, "reply", current)
        changes = {"status": str(S.replied), "reply": data.reply, "replied_at": now}
    else:
        _handling(current)
        unit_in(part, {U.in_progress}, "reply", current)
    await put_unit(conn, part, state=str(U.replied), reply=data.reply, replied_at=now)
    changes["units"] = units_summary(parts)
    return await commit(conn, who.username, current, changes,
                        [("reply", {"unit_id": part["unit_id"], "role": part["role"], "reply": data.reply,
                                    **({"attachments": data.attachments} if data.attachments else {})})])


async def _apply_return(conn: AsyncConnection, who: Claims, current: dict, data: ApplyReturn,
                        _cal: WorkCalendar) -> dict:
    acting_for(who, data.unit_id)
    parts = await unit_rows(conn, current["number"])
    part = part_of(parts, data.unit_id, current)
    changes: dict = {}
    if part["role"] == UnitRole.lead:
        move(current, S.return_review)
        changes["status"] = str(S.return_review)
    _handling(current)
    unit_in(part, {U.dispatched, U.in_progress}, "apply_return", current)
    review_id = await _apply_for_review(conn, who, current["number"], "return", data.reason, part["unit_id"])
    await put_unit(conn, part, state=str(U.return_review))
    changes["units"] = units_summary(parts)
    return await commit(conn, who.username, current, changes, [("apply_return", {
        "unit_id": part["unit_id"], "role": part["role"], "reason": data.reason, "review_id": review_id})])


async def _apply_extension(conn: AsyncConnection, who: Claims, current: dict, data: ApplyExtension,
                           _cal: WorkCalendar) -> dict:
    acting_for(who, data.unit_id)
    if (data.working_days is None) == (data.hours is None):
        raise invalid("payload.working_days", "give either working_days or hours (urgent orders)")
    if data.hours is not None and current["urgency"] != Urgency.urgent:
        raise invalid("payload.hours", "hours are for urgent orders; ask for working_days")
    parts = await unit_rows(conn, current["number"])
    part = part_of(parts, data.unit_id, current)
    changes: dict = {}
    if part["role"] == UnitRole.lead:
        move(current, S.extension_review)
        changes["status"] = str(S.extension_review)
    _handling(current)
    unit_in(part, {U.in_progress}, "apply_extension", current)
    if clock.now() > clock.parse(part["deadline"]):
        raise conflict("too_late", f"the deadline of unit {part['unit_id']} ({part['deadline']}) has passed; "
                       "an extension must be asked for before it", current)
    review_id = await _apply_for_review(conn, who, current["number"], "extension", data.reason, part["unit_id"],
                                        data.working_days, data.hours)
    await put_unit(conn, part, state=str(U.extension_review), extension_days_asked=data.working_days,
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
    part = part_of(parts, review["unit_id"], current)
    lead = part["role"] == UnitRole.lead
    approve = data.decision == "approve"
    changes: dict = {}
    if lead:
        target = REVIEW_DECISIONS[op][data.decision]
        move(current, target)
        changes["status"] = str(target)
    detail = {"unit_id": part["unit_id"], "role": part["role"], "decision": data.decision, "note": data.note,
              "review_id": review["id"]}
    if op == "review_return" and approve:
        # back to the dispatcher: the lead's return ends the whole dispatch, an assisting unit only leaves it
        for p in (parts if lead else [part]):
            if p["state"] != U.returned:
                await put_unit(conn, p, state=str(U.returned))
        if lead:  # what the other units asked for is moot now
            t = db.reviews
            await conn.execute(t.update().where(t.c.number == current["number"], t.c.state == "pending",
                                                t.c.id != review["id"], t.c.unit_id.is_not(None))
                               .values(state="withdrawn", note="主办单位退单已批准", decided_at=clock.stamp()))
    elif op == "review_extension" and approve:
        old = clock.parse(part["deadline"])
        due = (calendar.add_hours(old, review["hours_asked"]) if review["hours_asked"]
               else calendar.add_working_days(old, review["days_asked"]))
        fields = deadline_fields(due)
        await put_unit(conn, part, state=str(U.in_progress), **fields)
        if lead:
            changes.update(fields)
        detail.update(old_deadline=clock.stamp(old), **fields)
    else:  # refused: back to the unit, deadline unchanged
        await put_unit(conn, part, state=str(U.in_progress))
    await _decide(conn, who, review, data)
    changes["units"] = units_summary(parts)
    return await commit(conn, who.username, current, changes, [(op, detail)])


async def _review_return(conn, who, current, data, calendar):  # noqa: ANN001, ANN202
    return await _review_unit(conn, who, current, data, calendar, "review_return")


async def _review_extension(conn, who, current, data, calendar):  # noqa: ANN001, ANN202
    return await _review_unit(conn, who, current, data, calendar, "review_extension")


async def _callback(conn: AsyncConnection, who: Claims, current: dict, data: Callback,
                    calendar: WorkCalendar) -> dict:
    move(current, S.callback)
    attempts = current["callback_attempts"] + 1
    if not data.reached:
        step = ("callback_attempt", {"reached": False, "note": data.note, "attempt": attempts})
        days = [*await _unreached_days(conn, current["number"], current["replied_at"]), clock.now().date().isoformat()]
        limit = await settings.get(conn, "callback_unreached_days")
        if not closes_unreached(days, limit):
            return await commit(conn, who.username, current, {"callback_attempts": attempts}, [step])
        # the requester cannot be reached: the order closes, and the timeline says why
        return await commit(conn, who.username, current, {"callback_attempts": attempts, "status": str(S.closed),
                                                          "closed_at": clock.stamp()},
                            [step, ("close", {"reason": UNREACHABLE_REASON, "days": len(set(days)), "limit": limit})])
    if data.satisfaction is None:
        raise invalid("payload.satisfaction", "required when the requester was reached")
    if data.resolved is None:
        raise invalid("payload.resolved", "required when the requester was reached")
    now = clock.stamp()
    target = callback_outcome(data.satisfaction, data.resolved, current["case_kind"])
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


async def _unreached_days(conn: AsyncConnection, number: str, since: str | None) -> list[str]:
    """The days (centre's dates) of the unreached callback attempts since the order's last reply
    (a reopened order replied again starts counting afresh)."""
    t = db.order_timeline
    query = select(t.c.at).where(t.c.number == number, t.c.action == "callback_attempt")
    if since:
        query = query.where(t.c.at >= since)
    rows = await conn.execute(query)
    return [clock.parse(at).date().isoformat() for (at,) in rows]


async def _reopen(conn: AsyncConnection, current: dict, calendar: WorkCalendar, changes: dict) -> dict:
    """The lead unit handles the order again, with a fresh deadline."""
    parts = await unit_rows(conn, current["number"])
    lead = next((p for p in parts if p["role"] == UnitRole.lead and p["state"] != U.returned), None)
    fields = deadline_fields(calendar.deadline_for(clock.now(), Urgency(current["urgency"])))
    changes.update(fields)
    if lead is None:  # a partner's order goes back to the partner (it answers again); else to the dispatcher
        return {"unit_id": current["transfer_target"], **fields}
    await put_unit(conn, lead, state=str(U.dispatched), signed_at=None, **fields)
    changes["units"] = units_summary(parts)
    return {"unit_id": lead["unit_id"], **fields}


async def _supervise(conn: AsyncConnection, who: Claims, current: dict, data: Supervise, _cal: WorkCalendar) -> dict:
    if WorkOrderStatus(current["status"]) in TERMINAL_STATUSES:
        raise conflict("order_closed", f"order {current['number']} is {current['status']}: nothing to supervise",
                       current)
    sid = await add_supervision(conn, current["number"], data.kind, "flagged", data.note, who.username)
    return await commit(conn, who.username, current, {"supervised": True}, [("supervise", {
        "kind": data.kind, "reason": "flagged", "note": data.note, "supervision_id": sid})])


async def _merge(conn: AsyncConnection, who: Claims, current: dict, data: Merge, _cal: WorkCalendar) -> dict:
    move(current, S.merged)
    target = await find(conn, data.into, lock=True)
    if target is None:
        raise invalid("payload.into", f"no work order {data.into!r}")
    if target["number"] == current["number"]:
        raise invalid("payload.into", "an order cannot be merged into itself")
    if WorkOrderStatus(target["status"]) in TERMINAL_STATUSES or target["status"] == S.draft:
        raise conflict("target_closed", f"order {target['number']} is {target['status']}: merge into an open order",
                       current)
    if target["caller_phone"] != current["caller_phone"]:
        raise conflict("not_same_caller", "a repeat request is merged only into the same caller's order", current)
    await commit(conn, who.username, target, {"repeat_count": target["repeat_count"] + 1}, [("repeat_merged", {
        "number": current["number"], "title": current["title"], "content": current["content"],
        "category_id": current["category_id"], "created_at": current["created_at"], "reason": data.reason})])
    return await commit(conn, who.username, current, {"status": str(S.merged), "merged_into": target["number"]},
                        [("merge", {"into": target["number"], "reason": data.reason})])


async def _apply_unreasonable(conn: AsyncConnection, who: Claims, current: dict, data: ApplyUnreasonable,
                              _cal: WorkCalendar) -> dict:
    move(current, S.repeat_review)
    review_id = await _apply_for_review(conn, who, current["number"], "unreasonable_repeat", data.reason)
    return await commit(conn, who.username, current, {"status": str(S.repeat_review)},
                        [("apply_unreasonable", {"reason": data.reason, "review_id": review_id})])


async def _review_unreasonable(conn: AsyncConnection, who: Claims, current: dict, data: Review,
                               _cal: WorkCalendar) -> dict:
    target = REVIEW_DECISIONS["review_unreasonable"][data.decision]
    move(current, target)
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


# -- flow-back: a partner platform reports on an order transferred to it (R5-R6) --------------------

def _partner_may_report(current: dict, op: str) -> None:
    if current["status"] not in PARTNER_STATUSES or not current["transfer_target"]:
        raise conflict("illegal_transition", f"{op}: order {current['number']} is {current['status']}, not with a "
                       "partner platform", current)


def _partner_detail(current: dict, partner_ref: str = "") -> dict:
    return {"unit_id": current["transfer_target"], **({"partner_ref": partner_ref} if partner_ref else {})}


async def _partner_progress(conn: AsyncConnection, who: Claims, current: dict, data: PartnerProgress,
                            _cal: WorkCalendar) -> dict:
    _partner_may_report(current, "partner_progress")
    return await commit(conn, who.username, current, {}, [
        ("partner_progress", {**_partner_detail(current, data.partner_ref), "note": data.note})])


async def _partner_reply(conn: AsyncConnection, who: Claims, current: dict, data: PartnerReply,
                         _cal: WorkCalendar) -> dict:
    _partner_may_report(current, "partner_reply")
    move(current, S.replied)
    return await commit(conn, who.username, current, {
        "status": str(S.replied), "reply": data.reply, "replied_at": clock.stamp()}, [
        ("partner_reply", {**_partner_detail(current, data.partner_ref), "reply": data.reply})])


async def _partner_return(conn: AsyncConnection, who: Claims, current: dict, data: PartnerReturn,
                          _cal: WorkCalendar) -> dict:
    """Not the partner's matter: back to the centre's dispatcher (transfer_target stays, as the history)."""
    if current["status"] != S.partner_handling:
        raise conflict("illegal_transition", f"partner_return: order {current['number']} is {current['status']}; "
                       "only an order waiting for the partner can be sent back", current)
    move(current, S.accepted)
    return await commit(conn, who.username, current, {"status": str(S.accepted), "deadline": None,
                                                      "deadline_provisional": False},
                        [("partner_return", {**_partner_detail(current), "reason": data.reason})])


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
    "partner_progress": _partner_progress,
    "partner_reply": _partner_reply,
    "partner_return": _partner_return,
}
