"""Calls offered to this seat, as an idempotent state machine keyed by call id.

Events come from a call source (the platform's event stream, a softphone, a switch: see
`workstation.telephony`); a duplicate or late event never moves a call backwards, and an ended call
that was never answered is a missed call (rung again later, it is a new ring: the platform offers a
caller still waiting again). Commands (answer, hang up, hold, transfer) go back to the
source; the agent's state goes to the platform, which routes calls and keeps the team lead's figures."""
from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from enum import StrEnum

from domain import clock
from domain.phone import InvalidPhoneNumber, normalize_phone
from workstation.observable import Signal, Subscriptions
from workstation.platform_client import PlatformClient
from workstation.sync import SyncService
from workstation.telephony.base import CallEvent, CallSource, TelephonyError
from workstation.telephony.platform_source import PlatformCallSource

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
    source: str = "platform"

    @property
    def platform_id(self) -> str:
        """The id the platform knows the call by: its own, or one made from the source's call id
        (a SIP Call-ID can be long and is unique only per source)."""
        if self.source == "platform":
            return self.id
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.source}:{self.id}"))

    @property
    def missed(self) -> bool:
        return self.state == CallState.ended and not self.answered_at


class AgentState(StrEnum):
    ready = "ready"
    not_ready = "not_ready"
    break_ = "break"
    after_call_work = "after_call_work"


class CallService:
    """The seat's calls, from one call source. Calls taken through a source the platform does not
    route (a softphone, a switch) are reported to it through the outbox, so the team lead's
    figures count them and a missed one reaches the callback list even after a network cut."""

    def __init__(self, client: PlatformClient | None, sync: SyncService, source: CallSource | None = None) -> None:
        self.client, self.sync = client, sync
        self.source = source if source is not None else PlatformCallSource(client, sync)  # type: ignore[arg-type]
        self.calls: dict[str, Call] = {}
        self.current: Call | None = None
        self.ringing = Signal("ringing")      # (Call)
        self.answered = Signal("answered")    # (Call)
        self.ended = Signal("ended")          # (Call)
        self.link = Signal("telephony link")  # (bool): the telephony link is up, whichever the source
        self._reports: set[asyncio.Task] = set()
        self._source_subs = Subscriptions()
        self._attach(self.source)

    def _attach(self, source: CallSource) -> None:
        self._source_subs.connect(source.events, self.apply)
        self._source_subs.connect(source.link, self.link.emit)

    def _detach(self, _source: CallSource) -> None:
        self._source_subs.close()

    async def start(self) -> None:
        await self.source.start()

    async def use_source(self, source: CallSource) -> None:
        """Switch to another call source (the telephony settings changed). Refused during a call."""
        if self.current is not None:
            raise TelephonyError("finish the current call before changing the phone", "refused")
        old, self.source = self.source, source
        self._detach(old)
        await old.stop()
        self._attach(source)
        await source.start()
        self.link.emit(source.up)

    async def stop(self) -> None:
        await self.source.stop()
        await self.flush()

    async def flush(self) -> None:
        """Wait until every call report is in the outbox."""
        if self._reports:
            await asyncio.gather(*self._reports, return_exceptions=True)

    def apply(self, event: CallEvent | dict) -> Call | None:
        """Apply one call event; returns the call when its state moved forward."""
        if isinstance(event, dict):
            try:
                event = CallEvent.from_dict(event)
            except (KeyError, ValueError):
                log.warning("ignored a malformed call event")
                return None
        state = CallState(str(event.type))
        call = self.calls.get(event.call_id)
        if call is not None and state == CallState.ringing and call.missed and event.at > call.ended_at:
            call = None  # offered here again after a ring nobody answered (the caller still waits): a new ring
        if call is None:
            call = self.calls[event.call_id] = Call(
                event.call_id, _number(event.caller_number), event.caller_name, event.queue, CallState.ringing,
                rang_at=event.at, source=event.source)
            if state == CallState.ringing:
                self._moved(call)
                return call
        if _ORDER[state] <= _ORDER[call.state]:
            return None  # a duplicate, or older than what we know
        call.state = state
        if state == CallState.answered:
            call.answered_at = event.at
        else:
            call.ended_at, call.end_reason = event.at, event.reason
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
        if not self.source.platform_native:
            self._report(call)

    def _report(self, call: Call) -> None:
        payload = {"state": str(call.state), "caller_phone": call.caller_number, "caller_name": call.caller_name,
                   "queue": call.queue or "12345", "source": self.source.name,
                   "at": {CallState.ringing: call.rang_at, CallState.answered: call.answered_at}.get(
                       call.state, call.ended_at) or clock.stamp(),
                   "reason": call.end_reason}
        task = asyncio.get_running_loop().create_task(
            self.sync.record("call", "report", payload, entity_id=call.platform_id))
        self._reports.add(task)
        task.add_done_callback(self._reported)

    def _reported(self, task: asyncio.Task) -> None:
        self._reports.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a call report could not be recorded: %s", type(task.exception()).__name__)

    async def answer(self, call_id: str) -> None:
        await self.source.answer(call_id)

    async def hang_up(self, call_id: str) -> None:
        await self.source.hang_up(call_id)

    async def hold(self, call_id: str, on: bool) -> None:
        await self.source.hold(call_id, on)

    async def transfer(self, call_id: str, target: str, three_way: bool = False) -> None:
        await self.source.transfer(call_id, target, three_way)

    async def dial(self, number: str) -> None:
        await self.source.dial(number)

    async def set_agent_state(self, state: AgentState, reason: str = "") -> None:
        assert self.client is not None
        await self.client.set_agent_state(str(state), reason)


def _number(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber:
        return raw
