"""The call routing simulator: one queue, calls offered one agent at a time.

Calls arrive (injected through the API, or at a Poisson rate), wait in a FIFO queue, and are
offered to the ready agent who has been idle longest and whose workstation is connected to the
event stream. An offer unanswered within the ring timeout goes back to the head of the queue and
that agent is set not ready; a caller whose patience runs out abandons the call. Only the agent
offered a call hears about it.
"""
from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy import select

from central import db
from central.security import Claims
from domain import clock

log = logging.getLogger(__name__)

AGENT_STATES = ("ready", "not_ready", "break", "after_call_work")


@dataclass(eq=False)
class Seat:
    user_id: int
    username: str
    seat: str
    state: str = "not_ready"
    reason: str = ""
    since: float = 0.0
    call_id: str | None = None


@dataclass(eq=False)
class Call:
    id: str
    caller_phone: str
    caller_name: str
    queue: str
    arrived: float
    state: str = "waiting"  # waiting | ringing | answered | ended
    agent_id: int | None = None
    tried: set[int] = field(default_factory=set)
    timers: list[asyncio.TimerHandle] = field(default_factory=list)

    def cancel_timers(self) -> None:
        for t in self.timers:
            t.cancel()
        self.timers.clear()


class RoutingError(Exception):
    pass


class CallRouter:
    def __init__(self, platform, ring_timeout_s: float = 20.0) -> None:  # noqa: ANN001
        self.platform = platform
        self.ring_timeout_s = ring_timeout_s
        self.seats: dict[int, Seat] = {}
        self.waiting: deque[Call] = deque()
        self.calls: dict[str, Call] = {}
        self.totals = {"offered": 0, "answered": 0, "abandoned": 0}
        self._arrivals: asyncio.Task | None = None
        platform.broker.on_presence.append(self._presence)

    # -- clock and persistence ---------------------------------------------------------------

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    def _later(self, delay: float, fn, *args) -> asyncio.TimerHandle:  # noqa: ANN001
        return asyncio.get_running_loop().call_later(delay, fn, *args)

    def _persist(self, call: Call, **values: object) -> None:
        async def write() -> None:
            async with self.platform.db.write() as conn:
                if values.get("insert"):
                    await conn.execute(db.calls.insert().values(
                        id=call.id, caller_phone=call.caller_phone, queue=call.queue, state=call.state,
                        arrived_at=clock.stamp()))
                else:
                    await conn.execute(db.calls.update().where(db.calls.c.id == call.id).values(**values))
        self.platform.spawn(write(), "call record write")

    # -- agents --------------------------------------------------------------------------------

    def seat_of(self, who: Claims) -> Seat:
        seat = self.seats.get(who.user_id)
        if seat is None:
            seat = self.seats[who.user_id] = Seat(who.user_id, who.username, who.seat, since=self._now())
        seat.seat = who.seat
        return seat

    def set_state(self, who: Claims, state: str, reason: str = "") -> Seat:
        if state not in AGENT_STATES:
            raise RoutingError(f"unknown agent state {state!r}")
        seat = self.seat_of(who)
        if seat.call_id and state == "ready":
            raise RoutingError("finish the current call first")
        seat.state, seat.reason, seat.since = state, reason, self._now()
        self._dispatch()
        self._stats_changed()
        return seat

    def _presence(self, user_id: int, connected: bool) -> None:
        if connected:
            self._dispatch()
        self._stats_changed()

    # -- calls ---------------------------------------------------------------------------------

    def inject(self, caller_phone: str, caller_name: str = "", queue: str = "12345",
               patience_s: float | None = None) -> Call:
        call = Call(str(uuid.uuid4()), caller_phone, caller_name, queue, self._now())
        self.calls[call.id] = call
        self.waiting.append(call)
        if patience_s is not None:
            call.timers.append(self._later(patience_s, self._abandon, call))
        self._persist(call, insert=True)
        self._dispatch()
        self._stats_changed()
        return call

    def answer(self, who: Claims, call_id: str) -> Call:
        call = self._own_call(who, call_id, "ringing")
        call.cancel_timers()
        call.state = "answered"
        self.totals["answered"] += 1
        self._persist(call, state="answered", answered_at=clock.stamp())
        self._tell(call, "answered")
        self._stats_changed()
        return call

    def hang_up(self, who: Claims, call_id: str) -> Call:
        call = self._own_call(who, call_id, "answered")
        self._end(call, "agent_hangup")
        seat = self.seats[who.user_id]
        seat.state, seat.reason, seat.since = "after_call_work", "", self._now()
        self._stats_changed()
        return call

    def _own_call(self, who: Claims, call_id: str, state: str) -> Call:
        call = self.calls.get(call_id)
        if call is None or call.agent_id != who.user_id:
            raise RoutingError(f"call {call_id} is not offered to you")
        if call.state != state:
            raise RoutingError(f"call {call_id} is {call.state}, not {state}")
        return call

    def _tell(self, call: Call, kind: str, reason: str = "") -> None:
        if call.agent_id is None:
            return
        event = {"type": kind, "call_id": call.id, "caller_number": call.caller_phone,
                 "caller_name": call.caller_name, "queue": call.queue, "at": clock.stamp()}
        if reason:
            event["reason"] = reason
        self.platform.broker.publish(call.agent_id, "call", event)

    def _end(self, call: Call, reason: str) -> None:
        call.cancel_timers()
        if call in self.waiting:
            self.waiting.remove(call)
        self._tell(call, "ended", reason)
        if call.agent_id is not None and (seat := self.seats.get(call.agent_id)) and seat.call_id == call.id:
            seat.call_id = None
        call.state = "ended"
        self.calls.pop(call.id, None)
        self._persist(call, state="ended", ended_at=clock.stamp(), end_reason=reason)

    def _abandon(self, call: Call) -> None:
        if call.state in ("waiting", "ringing"):
            self.totals["abandoned"] += 1
            self._end(call, "abandoned")
            self._dispatch()
            self._stats_changed()

    def _ring_timeout(self, call: Call) -> None:
        if call.state != "ringing":
            return
        seat = self.seats[call.agent_id]
        self._tell(call, "ended", "ring_timeout")
        seat.call_id = None
        seat.state, seat.reason, seat.since = "not_ready", "no_answer", self._now()
        call.state, call.agent_id = "waiting", None
        call.timers = [t for t in call.timers if not t.cancelled()]
        self.waiting.appendleft(call)
        self._dispatch()
        self._stats_changed()

    def _free_agents(self) -> list[Seat]:
        broker = self.platform.broker
        free = [s for s in self.seats.values()
                if s.state == "ready" and s.call_id is None and broker.is_connected(s.user_id)]
        return sorted(free, key=lambda s: s.since)

    def _dispatch(self) -> None:
        for call in list(self.waiting):
            free = [s for s in self._free_agents() if s.user_id not in call.tried] or self._free_agents()
            if not free:
                return
            seat = free[0]
            self.waiting.remove(call)
            call.state, call.agent_id = "ringing", seat.user_id
            call.tried.add(seat.user_id)
            seat.call_id = call.id
            self.totals["offered"] += 1
            ring = self._later(self.ring_timeout_s, self._ring_timeout, call)
            call.timers.append(ring)
            self._persist(call, state="ringing", agent_id=seat.user_id)
            self._tell(call, "ringing")

    # -- statistics ----------------------------------------------------------------------------

    def stats(self) -> dict:
        now = self._now()
        states: dict[str, int] = {s: 0 for s in (*AGENT_STATES, "ringing", "talking")}
        broker = self.platform.broker
        for seat in self.seats.values():
            if not broker.is_connected(seat.user_id):
                continue
            call = self.calls.get(seat.call_id) if seat.call_id else None
            key = seat.state if call is None else ("talking" if call.state == "answered" else "ringing")
            states[key] += 1
        longest = max((now - c.arrived for c in self.waiting), default=0.0)
        return {"waiting": len(self.waiting), "longest_wait_s": round(longest, 1), "agents": states,
                **self.totals}

    def _stats_changed(self) -> None:
        self.platform.broker.broadcast("queue", self.stats())

    # -- simulated arrivals --------------------------------------------------------------------

    def start_arrivals(self, calls_per_hour: float, seed: int | None = None, patience_mean_s: float = 90.0) -> None:
        if calls_per_hour > 0:
            self._arrivals = asyncio.get_running_loop().create_task(
                self._arrive(calls_per_hour, random.Random(seed), patience_mean_s))

    async def _arrive(self, calls_per_hour: float, rng: random.Random, patience_mean_s: float) -> None:
        async with self.platform.db.read() as conn:
            known = (await conn.execute(select(db.callers.c.phone, db.callers.c.name)
                                        .order_by(db.callers.c.phone).limit(5000))).all()
        while True:
            await asyncio.sleep(rng.expovariate(calls_per_hour / 3600.0))
            if known and rng.random() < 0.7:
                phone, name = known[rng.randrange(len(known))]
            else:
                phone, name = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}", ""
            self.inject(phone, name, patience_s=rng.expovariate(1.0 / patience_mean_s))

    async def stop(self) -> None:
        if self._arrivals:
            self._arrivals.cancel()
        for call in list(self.calls.values()):
            call.cancel_timers()
