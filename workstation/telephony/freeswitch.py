"""The FreeSWITCH call source: mod_event_socket (ESL) in inbound mode.

The seat connects to the switch's event socket (TCP 8021), authenticates, subscribes to the channel
events and to mod_callcenter's `callcenter::info`, and turns them into CallEvents for this agent:

- a direct call is the caller's leg (`Call-Direction: inbound`) whose `Caller-Destination-Number` is
  the agent's extension; the leg FreeSWITCH places to the agent's phone (outbound, same destination)
  is the same call and is not reported again;
- a queued call is one mod_callcenter offers to this agent (`CC-Agent`); its id is the caller's
  channel (`CC-Member-Session-UUID`), so the same uuid_* commands act on it.

Commands are `api` lines answered in order by `api/response` frames. Nothing here logs a phone number
or a name: only call ids (channel UUIDs).
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import deque
from dataclasses import dataclass
from urllib.parse import unquote

from workstation.sync import Backoff
from workstation.telephony.base import CallEvent, CallEventType, EndReason, StreamCallSource, TelephonyError

log = logging.getLogger(__name__)

SUBSCRIPTION = "event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE CUSTOM callcenter::info"
CALLCENTER = "callcenter::info"

_MAX_HEADER_BYTES = 64 * 1024
_MAX_BODY_BYTES = 16 * 1024 * 1024
# A dial target goes into a command line: digits and the few characters of a SIP user part, no spaces.
_TARGET = re.compile(r"[0-9A-Za-z*#+_.@-]{1,64}")


class EslProtocolError(ValueError):
    """The stream is not event-socket framing (the base class treats ValueError as a link failure)."""


@dataclass
class EslFrame:
    """One frame: its outer headers (`Content-Type`, `Reply-Text`, ...) and its body, as bytes."""

    headers: dict[str, str]
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def text(self) -> str:
        """What a reply says: the body of an `api/response`, the Reply-Text of a `command/reply`."""
        if self.content_type == "command/reply":
            return self.headers.get("Reply-Text", "")
        return self.body.decode("utf-8", errors="replace")

    def event(self) -> dict[str, str]:
        """The headers of a `text/event-plain` body, URL-decoded; an event's own body (after its
        blank line) is under the key `_body`."""
        text = self.body.decode("utf-8", errors="replace")
        head, _, own_body = text.partition("\n\n")
        event: dict[str, str] = {}
        for line in head.split("\n"):
            key, sep, value = line.partition(":")
            if sep:
                event[key.strip()] = unquote(value.strip())
        if own_body:
            event["_body"] = own_body
        return event


class EslParser:
    """Incremental framing: feed bytes as they arrive (split anywhere, several frames at once) and
    get back the frames completed so far. A frame is header lines up to a blank line, then
    `Content-Length` bytes of body when that header is present."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._headers: dict[str, str] | None = None   # a frame whose body has not all arrived
        self._length = 0

    def feed(self, data: bytes) -> list[EslFrame]:
        self._buffer += data
        frames: list[EslFrame] = []
        while True:
            if self._headers is None:
                end = self._buffer.find(b"\n\n")
                if end < 0:
                    if len(self._buffer) > _MAX_HEADER_BYTES:
                        raise EslProtocolError("event socket header block too long")
                    return frames
                block = bytes(self._buffer[:end])
                del self._buffer[:end + 2]
                if not block.strip():
                    continue  # stray blank lines between frames
                self._headers = _parse_headers(block)
                self._length = _content_length(self._headers)
            if len(self._buffer) < self._length:
                return frames
            body = bytes(self._buffer[:self._length])
            del self._buffer[:self._length]
            frames.append(EslFrame(self._headers, body))
            self._headers, self._length = None, 0


def _parse_headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode("utf-8", errors="replace").split("\n"):
        key, sep, value = line.partition(":")
        if not sep:
            raise EslProtocolError("event socket header line without a colon")
        headers[key.strip()] = value.strip()
    return headers


def _content_length(headers: dict[str, str]) -> int:
    raw = headers.get("Content-Length", "0")
    try:
        length = int(raw)
    except ValueError:
        raise EslProtocolError("event socket Content-Length is not a number") from None
    if not 0 <= length <= _MAX_BODY_BYTES:
        raise EslProtocolError("event socket Content-Length out of range")
    return length


@dataclass
class _Call:
    via: str                  # "channel" (a direct call) or "queue" (offered by mod_callcenter)
    ending: str = ""          # the EndReason our own command asked for (uuid_kill, uuid_transfer)


class FreeSwitchCallSource(StreamCallSource):
    name = "freeswitch"
    #: How long a command waits for its reply. The uuid_* commands answer at once; a reply this late
    #: means the socket is wedged, so the link is dropped and rebuilt.
    reply_timeout_s = 5.0

    def __init__(self, host: str, port: int, password: str, extension: str, agent: str = "",
                 backoff: Backoff | None = None) -> None:
        super().__init__(host, port, backoff)
        self.password = password
        self.extension = extension
        self.agent = agent
        self._parser = EslParser()
        self._frames: deque[EslFrame] = deque()
        self._replies: deque[asyncio.Future[EslFrame]] = deque()   # in the order the commands went out
        self._calls: dict[str, _Call] = {}

    # --- the link ---------------------------------------------------------------------------

    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._parser, self._frames = EslParser(), deque()
        if not self.password:  # never FreeSWITCH's well-known default: it is set per switch, in the keyring
            raise TelephonyError("the event socket's password is not set (Phone settings)")
        frame = await self._read_frame(reader)
        if frame is None or frame.content_type != "auth/request":
            raise TelephonyError("the event socket did not ask for a password")
        writer.write(f"auth {self.password}\n\n".encode())
        await writer.drain()
        if not (await self._handshake_reply(reader)).startswith("+OK"):
            raise TelephonyError("event socket refused the password")
        writer.write(f"{SUBSCRIPTION}\n\n".encode())
        await writer.drain()
        if not (await self._handshake_reply(reader)).startswith("+OK"):
            raise TelephonyError("event socket refused the event subscription")

    async def _handshake_reply(self, reader: asyncio.StreamReader) -> str:
        while (frame := await self._read_frame(reader)) is not None:
            if frame.content_type == "command/reply":
                return frame.text
            if frame.content_type == "text/rude-rejection":   # the switch's ACL refused this address
                raise TelephonyError("event socket refused this address")
        raise TelephonyError("event socket closed during the handshake")

    async def _read_frame(self, reader: asyncio.StreamReader) -> EslFrame | None:
        while not self._frames:
            data = await reader.read(65536)
            if not data:
                return None
            self._frames.extend(self._parser.feed(data))
        frame = self._frames.popleft()
        if frame.content_type == "text/disconnect-notice":
            return None   # the switch is closing this connection
        return frame

    def _close(self) -> None:
        super()._close()
        replies, self._replies = self._replies, deque()
        for reply in replies:
            if not reply.done():
                reply.set_exception(TelephonyError(f"the {self.name} link went down", "link_down"))

    def _on_frame(self, frame: object) -> None:
        assert isinstance(frame, EslFrame)
        if frame.content_type in ("api/response", "command/reply"):
            self._on_reply(frame)
        elif frame.content_type == "text/event-plain":
            self._on_event(frame.event())

    def _on_reply(self, frame: EslFrame) -> None:
        if not self._replies:
            log.warning("%s sent a reply nobody asked for", self.name)
            return
        reply = self._replies.popleft()
        if not reply.done():   # a command that gave up waiting still owns its reply: drop it
            reply.set_result(frame)

    async def _reconcile(self) -> None:
        before = set(self.open_calls)
        try:
            text = await self._command("api show channels as json")
            rows = json.loads(text).get("rows") or []
        except (TelephonyError, ValueError, AttributeError) as exc:
            log.info("%s could not list its channels: %s", self.name, type(exc).__name__)
            return
        up = {str(row["uuid"]) for row in rows if isinstance(row, dict) and row.get("uuid")}
        # A call that rang while the list was being made may not be in it yet: keep it.
        self._lost(up | (set(self.open_calls) - before))

    # --- events -----------------------------------------------------------------------------

    def _emit(self, event: CallEvent) -> None:
        if event.type == CallEventType.ended:
            self._calls.pop(event.call_id, None)
        super()._emit(event)

    def _on_event(self, event: dict[str, str]) -> None:
        name = event.get("Event-Name", "")
        if name == "CHANNEL_CREATE":
            self._on_create(event)
        elif name == "CHANNEL_ANSWER":
            call_id = event.get("Unique-ID", "")
            call = self._calls.get(call_id)
            if call is not None and call.via == "channel":
                self._move(call_id, CallEventType.answered)
        elif name == "CHANNEL_HANGUP_COMPLETE":
            call_id = event.get("Unique-ID", "")
            if call_id in self._calls:
                self._move(call_id, CallEventType.ended, self._end_reason(call_id))
        elif name == "CUSTOM" and event.get("Event-Subclass") == CALLCENTER:
            self._on_callcenter(event)

    def _on_create(self, event: dict[str, str]) -> None:
        call_id = event.get("Unique-ID", "")
        if (not self.extension or event.get("Caller-Destination-Number") != self.extension
                or event.get("Call-Direction", "inbound") != "inbound" or not call_id or call_id in self._calls):
            return
        self._calls[call_id] = _Call("channel")
        self._emit(CallEvent(CallEventType.ringing, call_id, event.get("Caller-Caller-ID-Number", ""),
                             event.get("Caller-Caller-ID-Name", ""), event.get("Caller-Destination-Number", ""),
                             source=self.name))

    def _on_callcenter(self, event: dict[str, str]) -> None:
        if not self.agent:
            return
        action = event.get("CC-Action", "")
        call_id = event.get("CC-Member-Session-UUID", "")
        agent = event.get("CC-Agent")
        # member-queue-end for a caller who gave up names no agent; every other action does.
        if not call_id or (agent != self.agent and not (action == "member-queue-end" and agent is None)):
            return
        call = self._calls.get(call_id)
        if action == "agent-offering":
            if call is None:
                self._calls[call_id] = _Call("queue")
                self._emit(CallEvent(CallEventType.ringing, call_id, event.get("CC-Member-CID-Number", ""),
                                     event.get("CC-Member-CID-Name", ""), event.get("CC-Queue", ""),
                                     source=self.name))
        elif call is None or call.via != "queue":
            return
        elif action == "bridge-agent-start":
            self._move(call_id, CallEventType.answered)
        elif action == "bridge-agent-end":
            self._move(call_id, CallEventType.ended, self._end_reason(call_id))
        elif action == "bridge-agent-fail" and not self._answered(call_id):
            # Our phone did not take it (no answer, busy, rejected, or another agent won a ring-all):
            # the queue keeps the caller and offers them elsewhere.
            self._move(call_id, CallEventType.ended, call.ending or EndReason.ring_timeout)
        elif action == "member-queue-end":
            if event.get("CC-Cause") == "Cancel" and not self._answered(call_id):
                timed_out = event.get("CC-Cancel-Reason") in ("TIMEOUT", "NO_AGENT_TIMEOUT")
                self._move(call_id, CallEventType.ended,
                           EndReason.ring_timeout if timed_out else EndReason.caller_cancel)
            elif event.get("CC-Cause") == "Terminated":
                self._move(call_id, CallEventType.ended, self._end_reason(call_id))

    def _answered(self, call_id: str) -> bool:
        last = self.open_calls.get(call_id)
        return last is not None and last.type == CallEventType.answered

    def _end_reason(self, call_id: str) -> str:
        call = self._calls[call_id]
        if call.ending:
            return call.ending
        return EndReason.caller_hangup if self._answered(call_id) else EndReason.caller_cancel

    def _move(self, call_id: str, type_: CallEventType, reason: str = "") -> None:
        last = self.open_calls.get(call_id)
        if last is None or last.type == type_:
            return
        self._emit(CallEvent(type_, call_id, last.caller_number, last.caller_name, last.queue,
                             reason=reason, source=self.name))

    # --- commands ---------------------------------------------------------------------------

    async def _command(self, line: str) -> str:
        """Send one command and return FreeSWITCH's reply text; `-ERR ...` raises TelephonyError."""
        if self._writer is None or not self.up:
            raise TelephonyError(f"the {self.name} link is down", "link_down")
        reply: asyncio.Future[EslFrame] = asyncio.get_running_loop().create_future()
        self._replies.append(reply)
        try:
            await self._send(f"{line}\n\n".encode())
        except OSError as exc:
            reply.cancel()
            raise TelephonyError(f"the {self.name} link failed: {type(exc).__name__}", "link_down") from None
        try:
            async with asyncio.timeout(self.reply_timeout_s):
                frame = await reply
        except TimeoutError:
            log.warning("%s did not answer a command in time; dropping the link", self.name)
            if self._writer is not None:
                self._writer.close()   # the read loop sees the end and the base class reconnects
            raise TelephonyError(f"{self.name} did not answer in time", "timeout") from None
        text = frame.text.strip()
        if text.startswith("-"):   # -ERR ..., -USAGE: ...
            raise TelephonyError(text, "refused")
        return text

    def _known(self, call_id: str) -> _Call:
        call = self._calls.get(call_id)
        if call is None:
            raise TelephonyError(f"{self.name} has no call {call_id}", "no_call")
        return call

    async def _ending_command(self, call_id: str, reason: EndReason, line: str) -> None:
        """A command that ends the call for this seat: the hangup event that follows (perhaps even
        before the reply) carries our reason; a refusal forgets it."""
        call = self._known(call_id)
        call.ending = reason
        try:
            await self._command(line)
        except TelephonyError:
            call.ending = ""
            raise

    async def answer(self, call_id: str) -> None:
        self._known(call_id)
        await self._command(f"api uuid_answer {call_id}")

    async def hang_up(self, call_id: str) -> None:
        await self._ending_command(call_id, EndReason.agent_hangup, f"api uuid_kill {call_id}")

    async def hold(self, call_id: str, on: bool) -> None:
        self._known(call_id)
        await self._command(f"api uuid_hold {call_id}" if on else f"api uuid_hold off {call_id}")

    async def transfer(self, call_id: str, target: str, three_way: bool = False) -> None:
        if not _TARGET.fullmatch(target):
            raise TelephonyError("not a transfer target", "unsupported")
        if three_way:
            # Three-way: a new channel dials the target through the default dialplan (a loopback
            # channel) and, once it answers, runs mod_dptools' three_way on the caller's channel: it
            # joins the bridged call, hearing and heard by both, while caller and agent stay bridged.
            # bgapi, because originate waits for the target to answer and an `api` command holds
            # the socket (no events) meanwhile; its reply is a command/reply with a Job-UUID.
            self._known(call_id)
            await self._command(f"bgapi originate loopback/{target}/default &three_way({call_id})")
            return
        # Blind: the caller's channel leaves the agent for the target's extension in the XML
        # dialplan's default context. That channel lives on, so no hangup of it ends the call here.
        await self._ending_command(call_id, EndReason.transferred,
                                   f"api uuid_transfer {call_id} {target} XML default")
        self._move(call_id, CallEventType.ended, EndReason.transferred)
