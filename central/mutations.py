"""The one endpoint through which clients change things (work orders from intake to closure, correction
reports, reported calls, callbacks, escalations): each mutation is applied at most once, keyed by the client's UUID,
and a retry gets the first answer again (applied or rejected).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from central import audit, callbacks, db, escalations, kb, orders
from central.errors import ApiError, invalid
from central.permissions import allowed
from central.security import Claims
from central.validation import text
from domain import clock
from domain.errors import error_body
from domain.phone import InvalidPhoneNumber, mask_phone, normalize_phone


class MutationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="client-made UUID; the idempotency key")
    entity: Literal["work_order", "kb_correction", "kb_usage", "call", "missed_call", "escalation", "caller",
                    "synonym"]
    op: text(1, 32)
    entity_id: text(1, 64) | None = Field(
        default=None, description="work order: platform number or the seat's provisional number, none for "
                                  "create; call and missed_call: the call id; escalation: its UUID")
    base_version: int | None = Field(default=None, ge=1, le=2**62, description=(
        "work order: the version the change was made against; a change based on an older version is "
        "refused with 409 stale and the order as it is now"))
    payload: dict = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _uuid(cls, value: str) -> str:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("must be a UUID") from None


_KNOWN_OPS = {"kb_usage": ("use", "kb.report"),
             "call": ("report", "calls.handle"),
              "missed_call": ("outcome", "callbacks.work"), "caller": ("reveal", "callers.read")}


def _permission(entity: str, op: str) -> str | None:
    """The permission the operation needs; None when the operation does not exist, which `_parse`
    refuses with 422 whoever asks (an unknown operation is not a question of rights)."""
    if entity in _KNOWN_OPS:
        known, permission = _KNOWN_OPS[entity]
        return permission if op == known else None
    if entity == "kb_correction":  # reported by the desk, decided by the knowledge editors
        return {"create": "kb.report", "decide": "kb.review"}.get(op)
    if entity == "escalation":
        return escalations.permission(op)
    if entity == "synonym":  # one line of the search's lexicon, by the knowledge editors
        return "kb.lexicon" if op in ("put", "delete") else None
    return orders.permission(op)


def _parse(m: MutationIn) -> tuple[str | None, object]:
    """(the entity's key, the checked payload); refuses malformed input with 422."""
    if m.entity == "kb_correction" and m.op == "decide":
        if not m.entity_id:
            raise invalid("entity_id", "required: the correction's id")
        return m.entity_id, kb.parse_decision(m.payload)
    if m.entity == "kb_correction":
        return m.entity_id, kb.parse_correction(m.op, m.payload)
    if m.entity == "kb_usage":
        return None, kb.parse_usage(m.op, m.payload)
    if m.entity == "work_order":
        return m.entity_id, orders.parse_payload(m.op, m.payload)
    if m.entity == "escalation":
        return escalations.escalation_id(m.entity_id), escalations.parse(m.op, m.payload)
    if m.entity == "caller":
        return _reveal(m)
    if m.entity == "synonym":
        term, expansions = kb.parse_lexicon(m.op, m.entity_id, m.payload)
        return term, expansions
    if not m.entity_id:
        raise invalid("entity_id", "required: the call id")
    parse = callbacks.parse_report if m.entity == "call" else callbacks.parse_outcome
    return m.entity_id, parse(m.op, m.payload)


class Reveal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_id: text(1, 64) | None = None  # the call during which the number was shown


def _reveal(m: MutationIn) -> tuple[str, Reveal]:
    """A seat showed a caller's number in full (Alt+N on the caller card): the number is the
    entity id; sent through the outbox, so the audit gets it even from a seat that was offline."""
    if m.op != "reveal":
        raise invalid("op", f"unknown caller operation {m.op!r}; expected reveal")
    try:
        phone = normalize_phone(m.entity_id or "")
    except InvalidPhoneNumber as exc:
        raise invalid("entity_id", f"the caller's number: {exc}") from None
    try:
        return phone, Reveal.model_validate(m.payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise invalid("payload." + ".".join(str(p) for p in err["loc"]), err["msg"]) from None


async def _stored(conn, mutation_id: str, who: Claims) -> tuple[int, dict] | None:  # noqa: ANN001
    row = (await conn.execute(select(db.mutations).where(db.mutations.c.id == mutation_id))).mappings().first()
    if row is None:
        return None
    if row["user_id"] != who.user_id:
        raise ApiError(409, "conflict", "this mutation id was already used by another user", field="id")
    status, body = row["status_code"], row["response"]
    if status >= 400 and isinstance(body, dict) and isinstance(body.get("error"), str):
        # stored before rejections carried the platform's marker: replayed as the platform's own
        body = error_body(body["error"], str(body.get("message", "")),
                          **{k: v for k, v in body.items() if k not in ("error", "message")})
    return status, body


async def apply(platform, who: Claims, m: MutationIn) -> tuple[int, dict]:  # noqa: ANN001
    """Return (status code, body). Rejections (4xx from the rules) are remembered like successes."""
    permission = _permission(m.entity, m.op)
    if permission is None:
        _parse(m)  # raises 422: the operation does not exist
    if permission is None or not allowed(who.role, permission):
        raise ApiError(403, "forbidden", f"role {who.role!r} may not {permission}")
    async with platform.db.read() as conn:
        if (seen := await _stored(conn, m.id, who)) is not None:
            return seen
    # A malformed payload is refused before anything is stored: the same request always gets the same 422.
    key, data = _parse(m)
    effects: list[Callable[[], None]] = []  # events and router updates, once the change is committed
    try:
        async with platform.db.write() as conn:
            # Claim the id first: a concurrent retry blocks on it (PostgreSQL) or queues (SQLite).
            await conn.execute(db.mutations.insert().values(
                id=m.id, user_id=who.user_id, entity=m.entity, op=m.op, status_code=0, response={}, at=clock.stamp()))
            code, body = 200, await _run(conn, platform, who, m, key, data, effects)
            await conn.execute(db.mutations.update().where(db.mutations.c.id == m.id)
                               .values(status_code=code, response=body))
    except IntegrityError:
        async with platform.db.read() as conn:
            seen = await _stored(conn, m.id, who)
        if seen is None:
            raise
        return seen
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        if isinstance(exc.extra.get("current"), dict):  # the order as this user may see it
            exc.extra["current"] = orders.view(who, exc.extra["current"])
        code, body = exc.status, {"mutation_id": m.id, "status": "rejected", **exc.body()}
        async with platform.db.write() as conn:
            if (seen := await _stored(conn, m.id, who)) is not None:
                return seen
            await conn.execute(db.mutations.insert().values(
                id=m.id, user_id=who.user_id, entity=m.entity, op=m.op, status_code=code, response=body,
                at=clock.stamp()))
        return code, body
    platform.changed()
    for effect in effects:
        effect()
    return code, body


async def _run(conn, platform, who: Claims, m: MutationIn, key: str | None, data,  # noqa: ANN001
               effects: list[Callable[[], None]]) -> dict:
    def applied(row: dict) -> dict:
        return {"mutation_id": m.id, "status": "applied", "entity": m.entity, "data": row}

    if m.entity == "kb_correction" and m.op == "decide":
        return applied(await kb.decide(conn, who, key, data))
    if m.entity == "kb_correction":
        return applied(await kb.record_correction(conn, who, m.id, data))
    if m.entity == "kb_usage":  # nothing for a seat's cache: the pairs learnt come through the feed
        return {"mutation_id": m.id, "status": "applied", "entity": "kb_usage",
                "data": await kb.record_usage(conn, who, data)}
    if m.entity == "synonym":
        row = await kb.change_lexicon(conn, m.op, key, data)
        # a deleted line is named so that no cache applies it (the seat deleted it already)
        return {"mutation_id": m.id, "status": "applied", "entity": "synonym" if m.op == "put" else "synonym_deleted",
                "data": row}
    if m.entity == "caller":  # a reveal: the audit is the whole effect, the call beside the caller
        await audit.record_reads(conn, who, "reveal", "caller", [key])
        if data.call_id:
            await audit.record_reads(conn, who, "reveal", "call", [data.call_id])
        # not a caller row (seats keep callers by their hash): named so that no cache applies it
        return {"mutation_id": m.id, "status": "applied", "entity": "caller_reveal",
                "data": {"phone": mask_phone(key), "call_id": data.call_id}}
    if m.entity == "call":
        before, row = await callbacks.report(conn, who, key, data, platform.router.routes(key))
        effects.append(partial(platform.call_reported, who, before, row))
        return applied(row)
    if m.entity == "missed_call":
        item = await callbacks.record_outcome(conn, who, key, data)
        effects.append(partial(callbacks.announce, platform.broker, key, item["callback_state"]))
        return applied(item)
    if m.entity == "escalation":
        if m.op == "create":
            row, changed = await escalations.create(conn, who, key, data), True
        else:
            row, changed = await escalations.change(conn, who, key, m.op, data)
        item = escalations.item(row)
        if changed:
            effects.append(partial(escalations.publish, platform.broker, await escalations.audience(conn, row), item))
        return applied(item)
    if m.op == "create":
        if m.entity_id is not None:
            raise invalid("entity_id", "must be empty for create; put a provisional number in payload.client_ref")
        row = await orders.create(conn, who, data)
    else:
        if not m.entity_id:
            raise invalid("entity_id", f"required for {m.op}")
        row = await orders.transition(conn, who, m.entity_id, m.op, data, platform.calendar,
                                      base_version=m.base_version)
    return {"mutation_id": m.id, "status": "applied", "entity": "work_order", "data": orders.view(who, row)}
