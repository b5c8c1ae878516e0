"""Calls offered to this seat, as an idempotent state machine keyed by call id.

Events come from a call source (here the platform's event stream, through the sync service);
a duplicate or late event never moves a call backwards, and an ended call that was never answered
is a missed call. Commands (answer, hang up, agent state) go back to the source."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from domain.phone import InvalidPhoneNumber, normalize_phone
from workstation.observable import Signal
from workstation.platform_client import PlatformClient
from workstation.sync import SyncService

log = logging.getLogger(__name__)


class CallState(StrEnum):
    ringing = "ringing"
    answered = "answered"
    ended = "ended"


_ORDER = {CallState.ringing: 0, CallState.answered: 1, CallState.ended: 2}


@dataclass
class Call:
    id: str
    caller_number: str
    caller_name: str
    queue: str
    state: CallState
    rang_at: str = ""
    answered_at: str = ""
    ended_at: str = ""
    end_reason: str = ""

    @property
    def missed(self) -> bool:
        return self.state == CallState.ended and not self.answered_at


class AgentState(StrEnum):
    ready = "ready"
    not_ready = "not_ready"
    break_ = "break"
    after_call_work = "after_call_work"


class CallService:
    def __init__(self, client: PlatformClient, sync: SyncService) -> None:
        self.client = client
        self.calls: dict[str, Call] = {}
        self.current: Call | None = None
        self.ringing = Signal("ringing")      # (Call)
        self.answered = Signal("answered")    # (Call)
        self.ended = Signal("ended")          # (Call)
        sync.event.connect(self._on_event)

    def _on_event(self, name: str, data: dict) -> None:
        if name == "call":
            self.apply(data)

    def apply(self, event: dict) -> Call | None:
        """Apply one call event; returns the call when its state moved forward."""
        try:
            state = CallState(event["type"])
            call_id = str(event["call_id"])
        except (KeyError, ValueError):
            log.warning("ignored a malformed call event")
            return None
        call = self.calls.get(call_id)
        if call is None:
            call = self.calls[call_id] = Call(call_id, _number(event.get("caller_number", "")),
                                              str(event.get("caller_name", "")), str(event.get("queue", "")),
                                              CallState.ringing, rang_at=str(event.get("at", "")))
            if state == CallState.ringing:
                self._moved(call)
                return call
        if _ORDER[state] <= _ORDER[call.state]:
            return None  # a duplicate, or older than what we know
        call.state = state
        if state == CallState.answered:
            call.answered_at = str(event.get("at", ""))
        else:
            call.ended_at, call.end_reason = str(event.get("at", "")), str(event.get("reason", ""))
        self._moved(call)
        return call

    def _moved(self, call: Call) -> None:
        if call.state == CallState.ringing:
            self.current = call
            self.ringing.emit(call)
        elif call.state == CallState.answered:
            self.current = call
            self.answered.emit(call)
        else:
            if self.current is call:
                self.current = None
            self.ended.emit(call)

    async def answer(self, call_id: str) -> None:
        await self.client.answer_call(call_id)

    async def hang_up(self, call_id: str) -> None:
        await self.client.hang_up_call(call_id)

    async def set_agent_state(self, state: AgentState, reason: str = "") -> None:
        await self.client.set_agent_state(str(state), reason)


def _number(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber:
        return raw
