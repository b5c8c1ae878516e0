"""The call routing simulator: one queue, calls offered one agent at a time.

Calls arrive (injected through the API, or at a Poisson rate), wait in a FIFO queue, and are
offered to the ready agent who has been idle longest and whose workstation is connected to the
event stream. An offer unanswered within the ring timeout goes back to the head of the queue and
that agent is set not ready; a caller whose patience runs out abandons the call. Only the agent
offered a call hears about it.

Seats with their own softphone report their calls (see callbacks.py); the router counts those too
and offers nothing to a seat while its reported call rings or is answered. A call that ends never
answered, reported or routed here, leaves a callback to make (a missed call).

Time comes from a scheduler (now() and call_later()): the asyncio loop in a server, a virtual
clock in a simulation, which then runs a day of the centre in minutes. The router also keeps the
live half of the team lead's wallboard: every seat's activity and time in it, and today's calls.
"""
from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Protocol

from sqlalchemy import select

from central import callbacks, db
from central.permissions import Role, allowed
from central.security import Claims
from domain import clock

log = logging.getLogger(__name__)

AGENT_STATES = ("ready", "not_ready", "break", "after_call_work")
ACTIVITIES = (*AGENT_STATES, "ringing", "talking", "offline")  # what the wallboard shows per agent
SERVICE_LEVEL_S = 15.0
STATS_EVERY_S = 1.0  # the queue's figures go to the seats at most this often
# the roles whose seats show the queue: the call bar of those who take calls, the leads' wallboard
QUEUE_ROLES = frozenset(r for r in Role if allowed(r, "calls.handle") or allowed(r, "queue.watch"))


class Handle(Protocol):
    def cancel(self) -> None: ...
    def cancelled(self) -> bool: ...


class Scheduler(Protocol):
    """The router's sense of time: seconds on a monotonic clock, and timers on it. Real time on the
    asyncio loop by default; a simulation gives a virtual one (central/simclock.py)."""

    def now(self) -> float: ...
    def call_later(self, delay: float, fn: Callable[..., object], *args: object) -> Handle: ...


class LoopScheduler:
    """Real time: the running asyncio loop's clock and timers."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def call_later(self, delay: float, fn: Callable[..., object], *args: object) -> asyncio.TimerHandle:
        return asyncio.get_running_loop().call_later(delay, fn, *args)


class DayTally:
    """Today's calls by hour of arrival (China time): arrived, answered, abandoned (ended never
    answered), and answered within the service-level time. A call is counted on the day and in
    the hour it arrived; the tally starts afresh when the day changes."""

    def __init__(self, day: date) -> None:
        self._start(day)

    def _start(self, day: date) -> None:
        self.day = day
        self.arrived = [0] * 24
        self.answered = [0] * 24
        self.abandoned = [0] * 24
        self.answered_in_time = 0

    def _counts(self, arrived_at: datetime) -> bool:
        today = clock.now().date()
        if today != self.day:
            self._start(today)
        return arrived_at.astimezone(clock.CENTRE_TZ).date() == self.day

    def arrive(self, arrived_at: datetime) -> None:
        if self._counts(arrived_at):
            self.arrived[arrived_at.astimezone(clock.CENTRE_TZ).hour] += 1

    def answer(self, arrived_at: datetime, answered_at: datetime) -> None:
        if self._counts(arrived_at):
            self.answered[arrived_at.astimezone(clock.CENTRE_TZ).hour] += 1
            self.answered_in_time += (answered_at - arrived_at).total_seconds() <= SERVICE_LEVEL_S

    def abandon(self, arrived_at: datetime) -> None:
        if self._counts(arrived_at):
            self.abandoned[arrived_at.astimezone(clock.CENTRE_TZ).hour] += 1

    def figures(self) -> dict:
        self._counts(clock.now())  # roll over at midnight even when no call came
        offered, answered = sum(self.arrived), sum(self.answered)
        return {
            "service_level_15s": round(self.answered_in_time / offered, 4) if offered else None,
            "offered_today": offered, "answered_today": answered, "abandoned_today": sum(self.abandoned),
            "by_hour": [{"hour": h, "arrived": self.arrived[h], "answered": self.answered[h],
                         "abandoned": self.abandoned[h]} for h in range(24)],
        }


@dataclass(eq=False)
class Seat:
    user_id: int
    username: str
    seat: str
    state: str = "not_ready"
    reason: str = ""
    since: float = 0.0
    presence_since: float = 0.0  # when the seat's event stream last connected or went away
    call_id: str | None = None  # the call routed here that rings or is answered at this seat
    external: set[str] = field(default_factory=set)  # ids of the seat's reported calls in progress


@dataclass(eq=False)
class Call:
    id: str
    caller_phone: str
    caller_name: str
    queue: str
    arrived: float  # on the scheduler's clock
    arrived_at: datetime = field(default_factory=clock.now)
    state: str = "waiting"  # waiting | ringing | answered | ended
    since: float = 0.0  # when it last changed state, on the scheduler's clock
    agent_id: int | None = None
    external: bool = False  # reported by the seat's softphone, not routed here
    three_way_with: str = ""  # the number brought into the call by a three-way transfer
    tried: set[int] = field(default_factory=set)
    timers: list[Handle] = field(default_factory=list)
    unwritten: dict | None = None  # changes waiting for their write to start
    after_write: list[Callable[[], None]] = field(default_factory=list)

    def cancel_timers(self) -> None:
        for t in self.timers:
            t.cancel()
        self.timers.clear()


class RoutingError(Exception):
    pass


class CallRouter:
    def __init__(self, platform, ring_timeout_s: float = 20.0,  # noqa: ANN001
                 scheduler: Scheduler | None = None) -> None:
        self.platform = platform
        self.scheduler: Scheduler = scheduler or LoopScheduler()
        self.ring_timeout_s = ring_timeout_s
        self.seats: dict[int, Seat] = {}
        self.waiting: deque[Call] = deque()
        self.calls: dict[str, Call] = {}
        # abandoned: gave up in the queue or while ringing; missed: reported calls that ended unanswered
        self.totals = {"offered": 0, "answered": 0, "abandoned": 0, "missed": 0}
        self.today = DayTally(clock.now().date())
        self.on_change: list[Callable[[], None]] = []  # the wallboard listens here
        self._stats_tick: Handle | None = None
        self._arrivals: Handle | None = None
        self._arrivals_on = False
        self._writes = asyncio.Lock()  # call records are written in the order their changes happened
        self.active = True  # False in a worker of a cluster that does not hold the router (central/cluster.py)
        self._kept: dict[int, dict] = {}  # agents' states waiting to be written (a cluster's router only)
        self._kept_asked = self._kept_done = 0  # states set, and written, so far
        self._kept_cond = asyncio.Condition()
        platform.broker.on_presence.append(self._presence)

    # -- clock and persistence ---------------------------------------------------------------

    def _now(self) -> float:
        return self.scheduler.now()

    def _later(self, delay: float, fn, *args) -> Handle:  # noqa: ANN001
        return self.scheduler.call_later(delay, fn, *args)

    def _persist(self, call: Call, after: Callable[[], None] | None = None, **values: object) -> None:
        """Write behind, in order; `after` runs once the write is committed. Changes of a call made
        while its previous write still waits for its turn join that write (one transaction, not two)."""
        if call.unwritten is not None:
            call.unwritten.update(values)
            if after is not None:
                call.after_write.append(after)
            return
        call.unwritten, call.after_write = dict(values), [after] if after is not None else []

        async def write() -> None:
            async with self._writes:
                changes, afters = call.unwritten, call.after_write
                call.unwritten, call.after_write = None, []
                async with self.platform.db.write() as conn:
                    if changes.pop("insert", False):
                        row = {"id": call.id, "caller_phone": call.caller_phone, "caller_name": call.caller_name,
                               "queue": call.queue, "state": "waiting", "source": "platform",
                               "arrived_at": clock.stamp(call.arrived_at)}
                        await conn.execute(db.calls.insert().values({**row, **changes}))
                    else:
                        await conn.execute(db.calls.update().where(db.calls.c.id == call.id).values(**changes))
            for done in afters:
                done()
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
        self._move(seat, state, reason)
        self._dispatch()
        self._stats_changed()
        return seat

    def _move(self, seat: Seat, state: str, reason: str = "") -> None:
        """The seat's new state, told to its user's workstation (the `agent` event), which shows
        the platform's state, never its own guess."""
        seat.state, seat.reason, seat.since = state, reason, self._now()
        self.platform.broker.publish(seat.user_id, "agent", self.agent_event(seat))
        if self.platform.cluster is not None:
            self._keep(seat)

    def _keep(self, seat: Seat) -> None:
        """Write the seat's state behind, for the worker that may take the router over."""
        first = not self._kept
        self._kept[seat.user_id] = {"user_id": seat.user_id, "username": seat.username, "seat": seat.seat,
                                    "state": seat.state, "reason": seat.reason, "at": clock.stamp()}
        self._kept_asked += 1
        if not first:
            return  # joins the write already waiting

        async def write() -> None:
            async with self._writes:
                rows, self._kept, upto = list(self._kept.values()), {}, self._kept_asked
                t = db.agent_states
                try:
                    async with self.platform.db.write() as conn:
                        await conn.execute(t.delete().where(t.c.user_id.in_([r["user_id"] for r in rows])))
                        await conn.execute(t.insert(), rows)
                finally:  # (a failure is logged by spawn; the waiters go on without it)
                    self._kept_done = max(self._kept_done, upto)
                    async with self._kept_cond:
                        self._kept_cond.notify_all()
        self.platform.spawn(write(), "agent state write")

    async def kept(self) -> None:
        """Wait until the agents' states set so far are written (a cluster's router: the answer to
        a state change then means that a worker taking the router over knows it)."""
        asked = self._kept_asked
        async with self._kept_cond:
            await self._kept_cond.wait_for(lambda: self._kept_done >= asked)

    async def take_over(self) -> None:
        """This worker now holds the router (central/cluster.py): the agents' states as the last
        holder left them; the calls it was routing are lost with it and are ended."""
        self.seats.clear()
        self.waiting.clear()
        self.calls.clear()
        async with self.platform.db.write() as conn:
            rows = (await conn.execute(select(db.agent_states))).mappings().all()
            lost = await conn.execute(db.calls.update().where(
                db.calls.c.source == "platform", db.calls.c.state != "ended").values(
                state="ended", ended_at=clock.stamp(), end_reason="router_moved"))
        if lost.rowcount:
            log.warning("the call router moved to this worker; %d calls it was routing were ended", lost.rowcount)
        now = self._now()
        for row in rows:
            seat = self.seats[row["user_id"]] = Seat(row["user_id"], row["username"], row["seat"], row["state"],
                                                     row["reason"], since=now, presence_since=now)
            self.platform.broker.publish(seat.user_id, "agent", self.agent_event(seat))

    @staticmethod
    def agent_event(seat: Seat | None) -> dict:
        """The seat's state and the call ringing or answered there (None when it has none); a seat
        the router does not know (nobody chose a state since the platform started) is not ready."""
        seat = seat if seat is not None else Seat(0, "", "")
        return {"state": seat.state, "reason": seat.reason, "call_id": seat.call_id, "at": clock.stamp()}

    def _presence(self, user_id: int, connected: bool) -> None:
        if not self.active:
            return
        if seat := self.seats.get(user_id):
            seat.presence_since = self._now()
        if connected:
            self._dispatch()
        self._stats_changed()

    # -- calls ---------------------------------------------------------------------------------

    def inject(self, caller_phone: str, caller_name: str = "", queue: str = "12345",
               patience_s: float | None = None) -> Call:
        call = Call(str(uuid.uuid4()), caller_phone, caller_name, queue, self._now())
        call.since = call.arrived
        self.calls[call.id] = call
        self.waiting.append(call)
        self.today.arrive(call.arrived_at)
        if patience_s is not None:
            call.timers.append(self._later(patience_s, self._abandon, call))
        self._persist(call, insert=True)
        self._dispatch()
        self._stats_changed()
        return call

    def answer(self, who: Claims, call_id: str) -> Call:
        call = self._own_call(who, call_id, "ringing")
        call.cancel_timers()
        call.state, call.since = "answered", self._now()
        self.totals["answered"] += 1
        answered_at = clock.now()
        self.today.answer(call.arrived_at, answered_at)
        self._persist(call, state="answered", answered_at=clock.stamp(answered_at))
        self._tell(call, "answered")
        self._stats_changed()
        return call

    def hang_up(self, who: Claims, call_id: str) -> Call:
        call = self._own_call(who, call_id, "answered")
        self._end(call, "agent_hangup")
        self._move(self.seats[who.user_id], "after_call_work")
        self._stats_changed()
        return call

    def transfer(self, who: Claims, call_id: str, target: str, three_way: bool) -> Call:
        """The agent sends an answered call on (110, a sub-centre, another city's 12345). Blind: the
        call leaves this centre, ended as "transferred". Three-way: the agent stays on it."""
        call = self._own_call(who, call_id, "answered")
        if three_way:
            call.three_way_with = target
            self._tell(call, "answered")
            return call
        self._end(call, "transferred")
        self._move(self.seats[who.user_id], "after_call_work")
        self._stats_changed()
        return call

    def _own_call(self, who: Claims, call_id: str, state: str) -> Call:
        call = self.calls.get(call_id)
        if call is None or call.external or call.agent_id != who.user_id:
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

    def _end(self, call: Call, reason: str, missed: bool = False) -> None:
        call.cancel_timers()
        if call in self.waiting:
            self.waiting.remove(call)
        self._tell(call, "ended", reason)
        if call.agent_id is not None and (seat := self.seats.get(call.agent_id)) and seat.call_id == call.id:
            seat.call_id = None
        call.state = "ended"
        self.calls.pop(call.id, None)
        values: dict = {"state": "ended", "ended_at": clock.stamp(), "end_reason": reason}
        after = None
        if missed:  # announced once the open callback is committed, so that a reader finds it
            values["callback_state"] = "open"
            after = partial(callbacks.announce, self.platform.broker, call.id, "open")
        self._persist(call, after, **values)

    def _abandon(self, call: Call) -> None:
        if call.state in ("waiting", "ringing"):
            self.totals["abandoned"] += 1
            self.today.abandon(call.arrived_at)
            # in the queue, or while it rang at an agent: the callback list tells them apart
            self._end(call, "abandoned_ringing" if call.state == "ringing" else "abandoned", missed=True)
            self._dispatch()
            self._stats_changed()

    def _ring_timeout(self, call: Call) -> None:
        if call.state != "ringing":
            return
        seat = self.seats[call.agent_id]
        self._tell(call, "ended", "ring_timeout")
        seat.call_id = None
        self._move(seat, "not_ready", "no_answer")  # held out of the queue until the agent says ready
        call.state, call.agent_id, call.since = "waiting", None, self._now()
        call.timers = [t for t in call.timers if not t.cancelled()]
        self.waiting.appendleft(call)
        self._dispatch()
        self._stats_changed()

    def _free_agents(self) -> list[Seat]:
        broker = self.platform.broker
        free = [s for s in self.seats.values()
                if s.state == "ready" and s.call_id is None and not s.external and broker.is_connected(s.user_id)]
        return sorted(free, key=lambda s: s.since)

    def _dispatch(self) -> None:
        for call in list(self.waiting):
            free = [s for s in self._free_agents() if s.user_id not in call.tried] or self._free_agents()
            if not free:
                return
            seat = free[0]
            self.waiting.remove(call)
            call.state, call.agent_id, call.since = "ringing", seat.user_id, self._now()
            call.tried.add(seat.user_id)
            seat.call_id = call.id
            self.totals["offered"] += 1
            ring = self._later(self.ring_timeout_s, self._ring_timeout, call)
            call.timers.append(ring)
            self._persist(call, state="ringing", agent_id=seat.user_id)
            self._tell(call, "ringing")

    # -- calls reported by a seat's softphone ------------------------------------------------------

    def routes(self, call_id: str) -> bool:
        """Whether a call with this id is one the router itself is handling."""
        call = self.calls.get(call_id)
        return call is not None and not call.external

    def reported(self, who: Claims, before: str | None, row: dict) -> None:
        """A reported call moved from `before` (None: first sight) to the row's state; the row is
        committed already."""
        state, call_id = row["state"], row["id"]
        if state == before:
            return
        seat = self.seat_of(who)
        arrived_at = clock.parse(row["arrived_at"])
        if before is None:
            self.totals["offered"] += 1
            self.today.arrive(arrived_at)
        if state != "ringing" and before in (None, "ringing") and row["answered_at"] is not None:
            self.totals["answered"] += 1
            self.today.answer(arrived_at, clock.parse(row["answered_at"]))
        if state == "ended":
            self.calls.pop(call_id, None)
            seat.external.discard(call_id)
            if row["answered_at"] is None:
                self.totals["missed"] += 1
                self.today.abandon(arrived_at)
                callbacks.announce(self.platform.broker, call_id, "open")
            self._dispatch()
        else:
            call = self.calls.get(call_id)
            if call is None:
                call = self.calls[call_id] = Call(call_id, row["caller_phone"], row["caller_name"], row["queue"],
                                                  self._now(), arrived_at, external=True)
            call.state, call.agent_id, call.since = state, who.user_id, self._now()
            seat.external.add(call_id)
        self._stats_changed()

    # -- statistics ----------------------------------------------------------------------------

    def stats(self) -> dict:
        now = self._now()
        states: dict[str, int] = {s: 0 for s in (*AGENT_STATES, "ringing", "talking")}
        broker = self.platform.broker
        for seat in self.seats.values():
            if not broker.is_connected(seat.user_id):
                continue
            states[self._activity(seat)] += 1
        longest = max((now - c.arrived for c in self.waiting), default=0.0)
        return {"waiting": len(self.waiting), "longest_wait_s": round(longest, 1), "agents": states,
                **self.totals}

    def _activity(self, seat: Seat) -> str:
        return self._activity_since(seat)[0]

    def _activity_since(self, seat: Seat) -> tuple[str, float]:
        calls = [self.calls[i] for i in (seat.call_id, *seat.external) if i in self.calls]
        talking = [c for c in calls if c.state == "answered"]
        if talking:
            return "talking", min(c.since for c in talking)
        if calls:
            return "ringing", min(c.since for c in calls)
        return seat.state, seat.since

    def board(self, display_names: Mapping[int, str]) -> dict:
        """The router's part of the wallboard: the queue, every seat seen since start with what it
        is doing and for how long, and today's calls."""
        now = self._now()
        broker = self.platform.broker
        agents = []
        by_state = dict.fromkeys(ACTIVITIES, 0)
        for seat in sorted(self.seats.values(), key=lambda s: s.username):
            if broker.is_connected(seat.user_id):
                state, since = self._activity_since(seat)
                reason = seat.reason if state == seat.state else ""
            else:
                state, since, reason = "offline", seat.presence_since, ""
            by_state[state] += 1
            agents.append({"user_id": seat.user_id, "username": seat.username,
                           "display_name": display_names.get(seat.user_id) or seat.username, "state": state, "reason": reason,
                           "since_s": round(max(0.0, now - since), 1)})
        longest = max((now - c.arrived for c in self.waiting), default=0.0)
        return {"waiting": len(self.waiting), "longest_wait_s": round(longest, 1), "agents": agents,
                "agents_by_state": by_state, **self.today.figures()}

    def _stats_changed(self) -> None:
        """The queue's figures moved: the seats that show them hear it on the next tick (at most
        every STATS_EVERY_S, whatever the number of changes: 750 agents going ready at once cost one
        frame per seat, not 750); the wallboard's hooks at once (it keeps its own pace)."""
        if not self.active:
            return
        if self._stats_tick is None:
            self._stats_tick = self._later(STATS_EVERY_S, self._send_stats)
        for hook in self.on_change:
            hook()

    def _send_stats(self) -> None:
        self._stats_tick = None
        self.platform.broker.broadcast("queue", self.stats(), roles=QUEUE_ROLES)

    # -- simulated arrivals --------------------------------------------------------------------

    async def start_arrivals(self, calls_per_hour: float, seed: int | None = None,
                             patience_mean_s: float = 90.0) -> None:
        """Poisson arrivals on the scheduler's clock; 70 % of callers are known ones, so that their
        history pops up."""
        if calls_per_hour <= 0:
            return
        async with self.platform.db.read() as conn:
            known = (await conn.execute(select(db.callers.c.phone, db.callers.c.name)
                                        .order_by(db.callers.c.phone).limit(5000))).all()
        rng = random.Random(seed)
        rate = calls_per_hour / 3600.0

        def arrive() -> None:
            if not self._arrivals_on:
                return
            if known and rng.random() < 0.7:
                phone, name = known[rng.randrange(len(known))]
            else:
                phone, name = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}", ""
            self.inject(phone, name, patience_s=rng.expovariate(1.0 / patience_mean_s))
            self._arrivals = self._later(rng.expovariate(rate), arrive)

        self._arrivals_on = True
        self._arrivals = self._later(rng.expovariate(rate), arrive)

    def stop_arrivals(self) -> None:
        self._arrivals_on = False
        if self._arrivals:
            self._arrivals.cancel()

    async def stop(self) -> None:
        self.stop_arrivals()
        if self._stats_tick is not None:
            self._stats_tick.cancel()
            self._stats_tick = None
        for call in list(self.calls.values()):
            call.cancel_timers()
