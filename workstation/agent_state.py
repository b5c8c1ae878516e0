"""The agent's state as the platform holds it, with the seat's own call on top (R3).

The platform routes calls by the seat's state and says every state it puts the seat in (the `agent`
event: ready, not ready with its reason, break, after-call work, and not ready for `no_answer` when
a ring went unanswered). This service shows that state, never a guess of its own, and adds what
only the seat knows: a call ringing or being talked on, and how long wrap-up has left.

A state the agent chooses during a call or wrap-up is queued and applied when wrap-up ends (by
itself after `WRAP_UP_S`, or early on the agent's key; it can be extended). Time comes from `now`
(monotonic seconds), so a test passes its own clock; the UI calls `tick` once a second.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from workstation.calls import AgentState, Call, CallService, CallState
from workstation.errors import PlatformError, PlatformUnreachable
from workstation.observable import Signal, Subscriptions
from workstation.sync import SyncService

log = logging.getLogger(__name__)

WRAP_UP_S = 30.0
WRAP_UP_EXTENSION_S = 30.0
NO_ANSWER = "no_answer"  # the platform's reason after a ring nobody answered


class Phase(StrEnum):
    ready = "ready"
    not_ready = "not_ready"
    break_ = "break"
    wrap_up = "after_call_work"
    ringing = "ringing"
    talking = "talking"


@dataclass(frozen=True)
class AgentStatus:
    phase: Phase
    reason: str  # of not ready: the agent's, or NO_ANSWER
    seconds: int  # in this phase so far
    wrap_up_left: int  # seconds (wrap-up only)
    queued: tuple[AgentState, str] | None  # chosen during a call or wrap-up: applied when wrap-up ends


class AgentStateService:
    def __init__(self, calls: CallService, sync: SyncService, *, now: Callable[[], float] = time.monotonic,
                 wrap_up_s: float = WRAP_UP_S) -> None:
        self.calls, self.sync, self.now, self.wrap_up_s = calls, sync, now, wrap_up_s
        self.changed = Signal("agent state changed")  # ()
        # before the platform says otherwise, a seat is not ready: it routes nothing to it
        self._state, self._reason, self._since = AgentState.not_ready, "", now()
        self._call_since = now()
        self._wrap_up_until: float | None = None
        self._queued: tuple[AgentState, str] | None = None
        self._tasks: set[asyncio.Task] = set()
        self.queue: tuple[int, float] | None = None  # callers waiting and the longest wait (s), as last told
        self._subs = Subscriptions()
        self._subs.connect(sync.event, self._on_event)
        for signal in (calls.ringing, calls.answered, calls.ended):
            self._subs.connect(signal, self._on_call)

    def close(self) -> None:
        self._subs.close()

    # -- what it is ---------------------------------------------------------------------------

    def status(self) -> AgentStatus:
        now = self.now()
        call = self.calls.current
        if call is not None:
            phase = Phase.ringing if call.state == CallState.ringing else Phase.talking
            return AgentStatus(phase, "", int(now - self._call_since), 0, self._queued)
        if self._wrap_up_until is not None:
            return AgentStatus(Phase.wrap_up, "", int(now - self._since),
                               max(0, int(self._wrap_up_until - now + 0.999)), self._queued)
        phase = {AgentState.ready: Phase.ready, AgentState.break_: Phase.break_,
                 AgentState.after_call_work: Phase.wrap_up}.get(self._state, Phase.not_ready)
        return AgentStatus(phase, self._reason if phase == Phase.not_ready else "", int(now - self._since), 0,
                           self._queued)

    @property
    def busy(self) -> bool:
        """On a call or in wrap-up: a state chosen now waits for wrap-up to end."""
        return self.calls.current is not None or self._wrap_up_until is not None

    # -- what the agent does ------------------------------------------------------------------

    async def choose(self, state: AgentState, reason: str = "") -> bool:
        """Ready, not ready (with its reason) or break: sent now (True), or queued until wrap-up
        ends when on a call or in wrap-up (False). Raises PlatformError or PlatformUnreachable."""
        if self.busy:
            self._queued = (state, reason)
            self.changed.emit()
            return False
        await self.calls.set_agent_state(state, reason)
        self._set(state, reason)
        return True

    def cancel_queued(self) -> None:
        if self._queued is not None:
            self._queued = None
            self.changed.emit()

    def extend_wrap_up(self, seconds: float = WRAP_UP_EXTENSION_S) -> bool:
        if self._wrap_up_until is None:
            return False
        self._wrap_up_until = max(self._wrap_up_until, self.now()) + seconds
        self.changed.emit()
        return True

    async def end_wrap_up(self) -> None:
        """Wrap-up is over: the queued state, or ready. Raises PlatformError or PlatformUnreachable
        (wrap-up is over for the seat all the same; the state stays as the platform holds it)."""
        if self._wrap_up_until is None or self.calls.current is not None:
            return
        self._wrap_up_until = None
        state, reason = self._queued or (AgentState.ready, "")
        self._queued = None
        self.changed.emit()
        await self.calls.set_agent_state(state, reason)
        self._set(state, reason)

    async def tick(self) -> None:
        """Once a second from the UI: wrap-up ends by itself when its time is up."""
        if self._wrap_up_until is not None and self.calls.current is None and self.now() >= self._wrap_up_until:
            try:
                await self.end_wrap_up()
            except (PlatformError, PlatformUnreachable) as exc:
                log.info("the platform did not hear that wrap-up ended: %s", type(exc).__name__)

    # -- what the platform and the phone say --------------------------------------------------

    def _set(self, state: AgentState, reason: str) -> None:
        if (state, reason) != (self._state, self._reason):
            self._state, self._reason, self._since = state, reason, self.now()
        self.changed.emit()

    def _on_event(self, name: str, data: dict) -> None:
        if name == "queue" and isinstance(data, dict):
            try:
                self.queue = (int(data.get("waiting", 0)), float(data.get("longest_wait_s", 0.0)))
            except (TypeError, ValueError):
                return
            self.changed.emit()
            return
        if name != "agent" or not isinstance(data, dict):
            return
        try:
            state = AgentState(str(data.get("state")))
        except ValueError:
            log.info("ignored an agent state this workstation does not know")
            return
        if state != AgentState.after_call_work and self._wrap_up_until is not None and self.calls.current is None:
            self._wrap_up_until = None  # the platform moved the seat on (another of the agent's windows)
        # after-call work the platform holds from before (a restart in wrap-up) is shown, not timed:
        # the wrap-up this seat times starts when its own call ends
        self._set(state, str(data.get("reason") or ""))

    def _on_call(self, call: Call) -> None:
        if call.state in (CallState.ringing, CallState.answered):
            self._call_since = self.now()
        elif not call.missed:
            self._start_wrap_up()
            if not self.calls.source.platform_native:  # it routed nothing, so it cannot know
                self._spawn(self.calls.set_agent_state(AgentState.after_call_work))
        self.changed.emit()

    def _start_wrap_up(self) -> None:
        if self._wrap_up_until is None:
            self._wrap_up_until = self.now() + self.wrap_up_s
            self._state, self._reason, self._since = AgentState.after_call_work, "", self.now()

    def _spawn(self, coro) -> None:  # noqa: ANN001
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.info("the platform did not hear of wrap-up: %s", type(exc).__name__)
