"""Agent state, calls offered to the seat, the simulator's controls, the team lead's wallboard, and
the missed calls to call back (their outcomes come through the mutations endpoint)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from central import audit, callbacks, db
from central.deps import PlatformDep, who
from central.errors import ApiError, invalid
from central.routing import RoutingError
from central.validation import Offset, text
from domain.phone import InvalidPhoneNumber, normalize_phone

router = APIRouter(prefix="/api/v1", tags=["calls"])


class AgentState(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["ready", "not_ready", "break", "after_call_work"]
    reason: text(0, 64) = ""


class NewCall(BaseModel):
    model_config = ConfigDict(extra="forbid")
    caller_phone: text(1, 80)
    queue: text(1, 32) = "12345"
    patience_s: float | None = Field(default=None, gt=0, le=3600)


def _refused(exc: RoutingError) -> ApiError:
    return ApiError(409, "call_state", str(exc))


@router.post("/agent/state")
async def set_agent_state(body: AgentState, platform: PlatformDep, claims: who("agent.state")) -> dict:
    try:
        seat = platform.router.set_state(claims, body.state, body.reason)
    except RoutingError as exc:
        raise _refused(exc) from None
    if platform.cluster is not None:
        await platform.router.kept()  # answered once another worker taking the router over would know it
    return {"state": seat.state, "reason": seat.reason}


def _on_call(command, claims, call_id: str) -> dict:  # noqa: ANN001
    """Answer or hang up: the router checks that the call is this agent's and in the right state."""
    try:
        call = command(claims, call_id)
    except RoutingError as exc:
        raise _refused(exc) from None
    return {"call_id": call.id, "state": call.state}


@router.post("/calls/{call_id}/answer")
async def answer(call_id: str, platform: PlatformDep, claims: who("calls.handle")) -> dict:
    return _on_call(platform.router.answer, claims, call_id)


@router.post("/calls/{call_id}/hangup")
async def hang_up(call_id: str, platform: PlatformDep, claims: who("calls.handle")) -> dict:
    return _on_call(platform.router.hang_up, claims, call_id)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: str = Field(pattern=r"^[0-9*#+]{2,20}$", description="the number the call goes to, e.g. 110 or 12315")
    three_way: bool = False


@router.post("/calls/{call_id}/transfer")
async def transfer(call_id: str, body: TransferIn, platform: PlatformDep, claims: who("calls.handle")) -> dict:
    return _on_call(lambda c, i: platform.router.transfer(c, i, body.target, body.three_way), claims, call_id)


@router.post("/calls", status_code=201)
async def inject_call(body: NewCall, platform: PlatformDep, _: who("calls.inject")) -> dict:
    """Put a call in the queue (the simulator's and the tests' way in)."""
    try:
        phone = normalize_phone(body.caller_phone)
    except InvalidPhoneNumber as exc:
        raise invalid("caller_phone", str(exc)) from None
    async with platform.db.read() as conn:
        name = (await conn.execute(select(db.callers.c.name).where(db.callers.c.phone == phone))).scalar() or ""
    call = platform.router.inject(phone, name, body.queue, body.patience_s)
    return {"call_id": call.id, "state": call.state, "agent_id": call.agent_id}


@router.get("/queue")
async def queue(platform: PlatformDep, _: who("queue.watch")) -> dict:
    return platform.router.stats()


@router.get("/wallboard")
async def wallboard(platform: PlatformDep, _: who("queue.watch")) -> dict:
    """Calls waiting, agents by state with their time in it, today's calls by hour and the service
    level (15 s), orders near and over their deadline. The same object comes as the event
    "wallboard" on the stream of a user who may watch the queue, within 500 ms of a change."""
    return await platform.wallboard.snapshot()


@router.get("/missed-calls")
async def missed_calls(platform: PlatformDep, claims: who("callbacks.work"),
                       state: Literal["open", "done", "all"] = "open",
                       limit: Annotated[int, Query(ge=1, le=500)] = 100,
                       offset: Offset = 0) -> dict:
    """Calls that ended unanswered and their callbacks: open ones oldest first, done ones newest first."""
    async with platform.db.write() as conn:
        items, total = await callbacks.list_missed(conn, state, limit, offset)
        # the list shows callers' numbers and names: a read of caller records
        phones = list(dict.fromkeys(i["caller_phone"] for i in items))
        await audit.record_reads(conn, claims, "list_missed_calls", "caller", phones)
    return {"items": items, "total": total}
