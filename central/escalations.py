"""Expert escalations (专家座席): an agent puts a question to the expert seats, with the work-order
form as it stands; one expert claims it, may join the call, and answers.

open ─► claimed ─► answered        (an expert may also answer straight from open)
  └──────┴──────► cancelled        (by the agent who raised it)

The raising agent and every expert hear of each change on the event stream, so that the experts'
inboxes and the agent's form follow it live.
"""
from __future__ import annotations

import json
import logging
import uuid

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db
from central.errors import ApiError, invalid, not_found
from central.events import EventBroker
from central.permissions import Role
from central.security import Claims
from central.validation import MAX_DEPTH, first_bad_char, json_depth, raw_json_depth, text
from domain import clock
from domain.phone import InvalidPhoneNumber, normalize_phone

log = logging.getLogger(__name__)

MAX_DRAFT_BYTES = 20_000
ACTIVE = ("open", "claimed")
CLOSED = ("answered", "cancelled")
STATES = ("open", "claimed", "answered", "cancelled")
SEE_ALL = {Role.expert, Role.team_lead}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewEscalation(_Strict):
    group: text(1, 32) = "general"
    question: text(1, 2000)
    call_id: text(1, 64) | None = None
    caller_phone: text(0, 80) = ""
    caller_name: text(0, 128) = ""
    draft: dict = Field(default_factory=dict)


class Answer(_Strict):
    answer: text(1, 5000)


class Nothing(_Strict):
    pass


PAYLOADS: dict[str, type[BaseModel]] = {"create": NewEscalation, "cancel": Nothing, "claim": Nothing,
                                        "join": Nothing, "answer": Answer}
PERMISSIONS = {"create": "escalations.raise", "cancel": "escalations.raise", "claim": "escalations.answer",
               "join": "escalations.answer", "answer": "escalations.answer"}


def permission(op: str) -> str | None:
    """The permission an operation needs; None for an operation that does not exist (422, for anyone)."""
    return PERMISSIONS.get(op)


def escalation_id(entity_id: str | None) -> str:
    try:
        return str(uuid.UUID(entity_id or ""))
    except ValueError:
        raise invalid("entity_id", "must be the escalation's UUID") from None


def parse(op: str, payload: dict) -> BaseModel:
    model = PAYLOADS.get(op)
    if model is None:
        raise invalid("op", f"unknown escalation operation {op!r}; expected one of {', '.join(PAYLOADS)}")
    try:
        data = model.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise invalid("payload." + (".".join(str(p) for p in err["loc"]) or "payload"), err["msg"]) from None
    if isinstance(data, NewEscalation):
        if data.caller_phone:
            try:
                data.caller_phone = normalize_phone(data.caller_phone)
            except InvalidPhoneNumber as exc:
                raise invalid("payload.caller_phone", str(exc)) from None
        _check_draft(data.draft)
    return data


def _check_draft(draft: dict) -> None:
    pending: list[object] = [draft]
    while pending:  # a loop, not recursion: the nesting depth is the sender's choice
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and (c := first_bad_char(value)) is not None:
            raise invalid("payload.draft", f"contains a forbidden character U+{ord(c):04X}")
    if json_depth(draft) > MAX_DEPTH:  # the body's limit already refuses it; this guards what is stored
        raise invalid("payload.draft", f"nested deeper than {MAX_DEPTH} levels")
    size = len(json.dumps(draft, ensure_ascii=False).encode())
    if size > MAX_DRAFT_BYTES:
        raise invalid("payload.draft", f"{size} bytes of JSON; at most {MAX_DRAFT_BYTES}")


def _columns() -> list:
    """The table's columns, the draft as its JSON text: `_draft` parses it only when it is shallow
    enough, so that a row stored before the limit cannot fail every list it is in."""
    t = db.escalations
    return [c for c in t.c if c.name != "draft"] + [cast(t.c.draft, Text).label("draft")]


def _draft(row) -> dict:  # noqa: ANN001
    draft = row["draft"]
    if not isinstance(draft, str):  # a row just written: the checked object itself
        return draft
    if raw_json_depth(draft.encode()) > MAX_DEPTH:
        if row["id"] not in _withheld:
            _withheld.add(row["id"])
            log.warning("escalation %s: its stored draft nests deeper than %d levels; answered as {}",
                        row["id"], MAX_DEPTH)
        return {}
    return json.loads(draft)


_withheld: set[str] = set()


def item(row) -> dict:  # noqa: ANN001
    """The escalation as clients see it."""
    return {"id": row["id"], "agent_username": row["agent_username"], "seat": row["seat"],
            "group": row["expert_group"], "call_id": row["call_id"], "caller_phone": row["caller_phone"],
            "caller_name": row["caller_name"], "question": row["question"], "draft": _draft(row),
            "state": row["state"], "expert_username": row["expert_username"], "answer": row["answer"],
            "joined": bool(row["joined"]), "created_at": row["created_at"], "claimed_at": row["claimed_at"],
            "answered_at": row["answered_at"]}


async def create(conn: AsyncConnection, who: Claims, esc_id: str, data: NewEscalation) -> dict:
    t = db.escalations
    if (await conn.execute(select(t.c.id).where(t.c.id == esc_id))).first() is not None:
        raise ApiError(409, "conflict", f"escalation {esc_id} exists already", field="entity_id")
    row = {"id": esc_id, "agent_id": who.user_id, "agent_username": who.username, "seat": who.seat,
           "expert_group": data.group, "call_id": data.call_id, "caller_phone": data.caller_phone,
           "caller_name": data.caller_name, "question": data.question, "draft": data.draft, "state": "open",
           "expert_id": None, "expert_username": None, "answer": None, "joined": False,
           "created_at": clock.stamp(), "claimed_at": None, "answered_at": None}
    await conn.execute(t.insert().values(**row))
    return row


async def change(conn: AsyncConnection, who: Claims, esc_id: str, op: str, data: BaseModel) -> tuple[dict, bool]:
    """Apply cancel, claim, join or answer; return the row after it and whether anything changed."""
    t = db.escalations
    found = (await conn.execute(select(*_columns()).where(t.c.id == esc_id).with_for_update())).mappings().first()
    if found is None:
        raise not_found("escalation", esc_id)
    current = dict(found)
    state, now = current["state"], clock.stamp()
    if op == "cancel" and current["agent_id"] != who.user_id:
        raise ApiError(403, "forbidden", "only the agent who raised an escalation may cancel it")
    if state in CLOSED:
        raise ApiError(409, "escalation_closed", f"the escalation is {state} already", state=state)
    if op != "cancel" and state == "claimed" and current["expert_id"] != who.user_id:
        raise ApiError(409, "escalation_taken", f"{current['expert_username']} has claimed this escalation",
                       expert_username=current["expert_username"])
    mine = {"expert_id": who.user_id, "expert_username": who.username}
    changes: dict = {}
    if op == "cancel":
        changes["state"] = "cancelled"
    elif op == "answer":
        changes.update(state="answered", answer=data.answer, answered_at=now, **mine)
    elif state == "open":  # claim, or join (which claims first)
        changes.update(state="claimed", claimed_at=now, **mine)
    if op == "join" and not current["joined"]:
        changes["joined"] = True
    if changes:
        await conn.execute(t.update().where(t.c.id == esc_id).values(**changes))
    return {**current, **changes}, bool(changes)


async def audience(conn: AsyncConnection, row: dict) -> set[int]:
    """Who hears of a change: the raising agent and every active expert."""
    u = db.users
    experts = (await conn.execute(select(u.c.id).where(u.c.role == str(Role.expert), u.c.active.is_(True)))).scalars()
    return {row["agent_id"], *experts}


def publish(broker: EventBroker, user_ids: set[int], data: dict) -> None:
    for user_id in user_ids:
        broker.publish(user_id, "escalation", data)


async def list_items(conn: AsyncConnection, who: Claims, state: str, limit: int) -> list[dict]:
    """Newest first; an agent sees only their own."""
    t = db.escalations
    query = select(*_columns())
    if state == "active":
        query = query.where(t.c.state.in_(ACTIVE))
    elif state != "all":
        query = query.where(t.c.state == state)
    if who.role not in SEE_ALL:
        query = query.where(t.c.agent_id == who.user_id)
    rows = (await conn.execute(query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit))).mappings()
    return [item(r) for r in rows]


async def get_item(conn: AsyncConnection, who: Claims, esc_id: str) -> dict:
    t = db.escalations
    row = (await conn.execute(select(*_columns()).where(t.c.id == esc_id))).mappings().first()
    if row is None or (who.role not in SEE_ALL and row["agent_id"] != who.user_id):
        raise not_found("escalation", esc_id)
    return item(row)
