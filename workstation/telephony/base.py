"""The call-source interface.

A source emits `CallEvent`s through `events` and its link state (up or down) through `link`, and
takes commands for one call: answer, hang up, hold, transfer. Sources are idempotent about what
they emit only as far as their protocol allows; `CallService` drops duplicates and late events.
"""
from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from enum import StrEnum

from domain import clock
from workstation.observable import Signal
from workstation.sync import Backoff

log = logging.getLogger(__name__)


class CallEventType(StrEnum):
    ringing = "ringing"
    answered = "answered"
    ended = "ended"


class EndReason(StrEnum):
    """Why a call ended, in the words of every source."""
    agent_hangup = "agent_hangup"        # the agent hung up
    caller_hangup = "caller_hangup"      # the caller hung up after the answer
    caller_cancel = "caller_cancel"      # the caller gave up while it rang (a missed call)
    abandoned = "abandoned"              # the caller gave up in the queue (a missed call)
    abandoned_ringing = "abandoned_ringing"  # the caller gave up while it rang at an agent (a missed call)
    ring_timeout = "ring_timeout"        # nobody answered here; the platform offers it elsewhere
    transferred = "transferred"          # the call went on to another party
    failed = "failed"                    # a network or protocol failure
    lost = "lost"                        # the source no longer knows the call (e.g. after a reconnect)


@dataclass(frozen=True)
class CallEvent:
    type: CallEventType
    call_id: str
    caller_number: str = ""      # as the source gave it; CallService normalises it
    caller_name: str = ""
    queue: str = ""              # the called line or queue
    at: str = field(default_factory=clock.stamp)
    reason: str = ""             # an EndReason for `ended`
    source: str = "platform"

    @classmethod
    def from_dict(cls, data: dict, source: str = "platform") -> CallEvent:
        """From the platform's event-stream form; raises KeyError/ValueError when malformed."""
        return cls(CallEventType(data["type"]), str(data["call_id"]), str(data.get("caller_number", "")),
                   str(data.get("caller_name", "")), str(data.get("queue", "")),
                   str(data.get("at", "")) or clock.stamp(), str(data.get("reason", "")), source)


class TelephonyError(Exception):
    """A command the source could not carry out. `kind` says why, for the interface to explain:
    "link_down", "no_call", "unsupported", "timeout" or "refused" (the far end said no; the
    message has its words)."""

    def __init__(self, message: str, kind: str = "refused") -> None:
        super().__init__(message)
        self.kind = kind


class CallSource(abc.ABC):
    """One source of calls for one agent. `name` identifies it in reports to the platform."""

    name = "abstract"
    #: True when the platform already knows this source's calls (no need to report them).
    platform_native = False

    def __init__(self) -> None:
        self.events = Signal(f"{self.name} call events")   # (CallEvent)
        self.link = Signal(f"{self.name} link")            # (bool up)
        self.up = False
        self.open_calls: dict[str, CallEvent] = {}   # call id -> its latest event, until it ends

    def _set_up(self, up: bool) -> None:
        if up != self.up:
            self.up = up
            self.link.emit(up)

    def _emit(self, event: CallEvent) -> None:
        """Emit an event and keep `open_calls` in step with it."""
        if event.type == CallEventType.ended:
            self.open_calls.pop(event.call_id, None)
        else:
            self.open_calls[event.call_id] = event
        self.events.emit(event)

    def _lost(self, still_open: set[str]) -> None:
        """Reconciliation: every call we reported open that the far end no longer has has ended."""
        for call_id in list(self.open_calls):
            if call_id not in still_open:
                last = self.open_calls[call_id]
                self._emit(CallEvent(CallEventType.ended, call_id, last.caller_number, last.caller_name,
                                     last.queue, reason=EndReason.lost, source=self.name))

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect and keep connected (reconnecting with backoff) until stop(); returns at once."""

    @abc.abstractmethod
    async def stop(self) -> None: ...

    @abc.abstractmethod
    async def answer(self, call_id: str) -> None: ...

    @abc.abstractmethod
    async def hang_up(self, call_id: str) -> None: ...

    def can(self, command: str) -> bool:
        """Whether this source carries out `command` ("hold", "dial" or "transfer"): the interface
        offers only what the phone can do."""
        return getattr(type(self), command) is not getattr(CallSource, command)

    async def hold(self, call_id: str, on: bool) -> None:
        raise TelephonyError(f"{self.name} cannot hold calls", "unsupported")

    async def dial(self, number: str) -> None:
        """Call a number (a callback to a requester)."""
        raise TelephonyError(f"{self.name} cannot dial", "unsupported")

    async def transfer(self, call_id: str, target: str, three_way: bool = False) -> None:
        """Blind transfer to `target` (a number such as 110 or 12315), or with `three_way`
        bring the target in while the agent stays on the call."""
        raise TelephonyError(f"{self.name} cannot transfer calls", "unsupported")


class StreamCallSource(CallSource):
    """A source behind one TCP connection (a softphone's control port, a switch's event socket).

    Keeps the connection up: connects, runs the subclass's handshake, reads frames until the
    connection drops, then reconnects after a backoff. After every (re)connect the subclass
    reconciles the calls it reported open, since events missed while down are not replayed.
    Subclasses implement `_handshake`, `_read_frame`, `_on_frame` and `_reconcile`, and send
    commands with `_send` (which raises TelephonyError while the link is down)."""

    def __init__(self, host: str, port: int, backoff: Backoff | None = None, connect_timeout_s: float = 3.0) -> None:
        super().__init__()
        self.host, self.port = host, port
        self.backoff = backoff or Backoff(base_s=0.2, cap_s=10.0)
        self.connect_timeout_s = connect_timeout_s
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task | None = None
        self.connected = Signal(f"{self.name} connected")  # () after each successful handshake

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"{self.name} link")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._close()
        self._set_up(False)

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                async with asyncio.timeout(self.connect_timeout_s):
                    reader, writer = await asyncio.open_connection(self.host, self.port)
                self._writer = writer
                async with asyncio.timeout(self.connect_timeout_s):
                    await self._handshake(reader, writer)
                attempt = 0
                self._set_up(True)
                self.connected.emit()
                reconcile = asyncio.get_running_loop().create_task(self._reconcile())
                try:
                    while (frame := await self._read_frame(reader)) is not None:
                        self._on_frame(frame)
                finally:
                    reconcile.cancel()
                log.info("%s link closed by the far end", self.name)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, TelephonyError) as exc:
                log.info("%s link down: %s", self.name, type(exc).__name__)
            self._close()
            self._set_up(False)
            await asyncio.sleep(self.backoff.delay(attempt))
            attempt += 1

    async def _send(self, data: bytes) -> None:
        if self._writer is None or not self.up:
            raise TelephonyError(f"the {self.name} link is down", "link_down")
        self._writer.write(data)
        await self._writer.drain()

    @abc.abstractmethod
    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None: ...

    @abc.abstractmethod
    async def _read_frame(self, reader: asyncio.StreamReader) -> object | None:
        """One frame, or None at a clean end of the stream."""

    @abc.abstractmethod
    def _on_frame(self, frame: object) -> None: ...

    @abc.abstractmethod
    async def _reconcile(self) -> None:
        """Ask the far end which calls it has, and end (with `_lost`) those it no longer has."""
