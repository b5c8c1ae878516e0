"""The calls table beyond the router: calls a seat reports from its own softphone, and the callback
owed on every call that ended unanswered (a missed call), worked through to an outcome.

A reported call only moves forward (ringing < answered < ended): a late or repeated report changes
nothing, so a seat may resend its reports after a reconnect without harm.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db
from central.errors import ApiError, invalid, not_found
from central.events import EventBroker
from central.security import Claims
from central.validation import Moment, text
from domain import clock
from domain.callbacks import missed_call_outcome
from domain.phone import InvalidPhoneNumber, normalize_phone

RANK = {"ringing": 0, "answered": 1, "ended": 2}
ITEM_FIELDS = ("caller_phone", "caller_name", "queue", "source", "arrived_at", "ended_at", "end_reason",
               "callback_state", "callback_attempts", "callback_outcome", "callback_note", "callback_by",
               "callback_at", "callback_order")


class CallReport(BaseModel):
    """A seat's softphone saw a call ring, be answered or end."""

    model_config = ConfigDict(extra="forbid")
    state: Literal["ringing", "answered", "ended"]
    caller_phone: text(1, 80)
    caller_name: text(0, 128) = ""
    queue: text(1, 32) = "12345"
    source: Literal["sip", "freeswitch"]
    at: Moment  # stored in one format and offset, so that times sort as text
    reason: text(0, 32) = ""  # agent_hangup, caller_hangup, caller_cancel ...


class Outcome(BaseModel):
    """How a callback attempt went."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["reached", "no_answer", "busy", "invalid_number", "not_needed"]
    note: text(0, 2000) = ""
    order_number: text(0, 32) | None = None


def _validated(model: type[BaseModel], payload: dict) -> BaseModel:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise invalid("payload." + (".".join(str(p) for p in err["loc"]) or "payload"), err["msg"]) from None


def parse_report(op: str, payload: dict) -> CallReport:
    if op != "report":
        raise invalid("op", f"unknown call operation {op!r}; expected report")
    data = _validated(CallReport, payload)
    try:
        data.caller_phone = normalize_phone(data.caller_phone)
    except InvalidPhoneNumber as exc:
        raise invalid("payload.caller_phone", str(exc)) from None
    return data


def parse_outcome(op: str, payload: dict) -> Outcome:
    if op != "outcome":
        raise invalid("op", f"unknown missed-call operation {op!r}; expected outcome")
    data = _validated(Outcome, payload)
    data.order_number = data.order_number or None
    return data


async def _locked(conn: AsyncConnection, call_id: str) -> dict | None:
    t = db.calls
    row = (await conn.execute(select(t).where(t.c.id == call_id).with_for_update())).mappings().first()
    return dict(row) if row else None


async def report(conn: AsyncConnection, who: Claims, call_id: str, data: CallReport,
                 routed_here: bool) -> tuple[str | None, dict]:
    """Apply a report; return the call's state before it (None on first sight) and the row after.
    `routed_here`: the platform's router is handling a call with this id."""
    current = await _locked(conn, call_id)
    if routed_here or (current is not None and current["source"] == "platform"):
        raise ApiError(409, "call_state", f"call {call_id} is routed by the platform; it cannot be reported")
    if current is not None and current["agent_id"] != who.user_id:
        raise ApiError(409, "call_state", f"call {call_id} was reported by another seat")
    if current is not None and RANK[data.state] <= RANK[current["state"]]:
        return current["state"], current
    changes: dict = {"state": data.state}
    if data.state == "answered":
        changes["answered_at"] = data.at
    elif data.state == "ended":
        changes.update(ended_at=data.at, end_reason=data.reason or None)
        if current is None or current["answered_at"] is None:
            changes["callback_state"] = "open"
    if current is None:
        row = {c.name: None for c in db.calls.columns}
        row.update(id=call_id, caller_phone=data.caller_phone, caller_name=data.caller_name, queue=data.queue,
                   source=data.source, agent_id=who.user_id, arrived_at=data.at, callback_attempts=0, **changes)
        await conn.execute(db.calls.insert().values(**row))
        return None, row
    if data.caller_name and not current["caller_name"]:
        changes["caller_name"] = data.caller_name
    await conn.execute(db.calls.update().where(db.calls.c.id == call_id).values(**changes))
    return current["state"], {**current, **changes}


def _with_known_name():  # noqa: ANN202
    t, c = db.calls, db.callers
    return select(t, c.c.name.label("known_name")).select_from(t.outerjoin(c, c.c.phone == t.c.caller_phone))


def _item(row) -> dict:  # noqa: ANN001
    item = {"call_id": row["id"], **{k: row[k] for k in ITEM_FIELDS}}
    item["caller_name"] = row["caller_name"] or row["known_name"] or ""
    return item


async def missed_item(conn: AsyncConnection, call_id: str) -> dict:
    row = (await conn.execute(_with_known_name().where(db.calls.c.id == call_id))).mappings().one()
    return _item(row)


async def list_missed(conn: AsyncConnection, state: str, limit: int, offset: int) -> tuple[list[dict], int]:
    """Open callbacks oldest first (they have waited longest); done ones, and all, newest first."""
    t = db.calls
    where = t.c.callback_state.is_not(None) if state == "all" else t.c.callback_state == state
    order = (t.c.arrived_at, t.c.id) if state == "open" else (t.c.arrived_at.desc(), t.c.id.desc())
    rows = (await conn.execute(_with_known_name().where(where).order_by(*order).limit(limit).offset(offset))).mappings()
    total = (await conn.execute(select(func.count()).select_from(t).where(where))).scalar_one()
    return [_item(r) for r in rows], total


async def record_outcome(conn: AsyncConnection, who: Claims, call_id: str, data: Outcome) -> dict:
    current = await _locked(conn, call_id)
    if current is None:
        raise not_found("call", call_id)
    if current["callback_state"] != "open":
        what = "has no callback to make" if current["callback_state"] is None else "was called back already"
        raise ApiError(409, "callback_done", f"call {call_id} {what}", callback_state=current["callback_state"])
    # no_answer, busy: try again later, up to a limit (the seat shows the same at once)
    outcome, attempts, state = missed_call_outcome(data.outcome, current["callback_attempts"])
    await conn.execute(db.calls.update().where(db.calls.c.id == call_id).values(
        callback_state=state, callback_attempts=attempts, callback_outcome=outcome, callback_note=data.note,
        callback_by=who.username, callback_at=clock.stamp(), callback_order=data.order_number))
    return await missed_item(conn, call_id)


def announce(broker: EventBroker, call_id: str, callback_state: str) -> None:
    """Tell every seat that the list of missed calls changed."""
    broker.broadcast("missed_call", {"call_id": call_id, "callback_state": callback_state})
