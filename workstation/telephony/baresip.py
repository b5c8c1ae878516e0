"""The agent's softphone, baresip, driven over its ctrl_tcp module.

ctrl_tcp speaks netstrings (`<length>:<UTF-8 JSON>,`) both ways. baresip sends events
(`{"event": true, "type": "CALL_INCOMING", "id": <SIP Call-ID>, "peeruri": ..., ...}`) and answers
commands (`{"command": "accept", "params": "", "token": "t1"}`) with
`{"response": true, "ok": ..., "data": ..., "token": "t1"}`.

What baresip 1.0.0 does not do, and how this adapter copes:
- it serves one control client at a time and replays nothing after a reconnect, so after every
  reconnect the open calls are reconciled against `listcalls` (human-readable text, matched on the
  peer URI);
- `accept`, `hangup`, `hold` and `transfer` act on the current call, so a command for a given call
  first makes it current with `callfind <Call-ID>`;
- `accept` answers ok even with nothing ringing: the answer is the CALL_ESTABLISHED event;
- it has no conference mixer, so a three-way transfer is refused (the switch has to provide it).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re

from workstation.sync import Backoff
from workstation.telephony.base import CallEvent, CallEventType, EndReason, StreamCallSource, TelephonyError

log = logging.getLogger(__name__)

MAX_FRAME = 1 << 20
COMMAND_TIMEOUT_S = 3.0
_LISTED_CALL = re.compile(r"\[line \d+\]\s+\S+\s+(\S+)\s+(\S+)")


class NetstringDecoder:
    """Incremental: feed bytes as they arrive, get every complete frame out."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames = []
        while True:
            colon = self._buffer.find(b":", 0, 12)
            if colon < 0:
                if len(self._buffer) >= 12 or not self._buffer.isdigit() and self._buffer:
                    raise ValueError("malformed netstring length")
                return frames
            length_text = bytes(self._buffer[:colon])
            if not length_text.isdigit() or int(length_text) > MAX_FRAME:
                raise ValueError("malformed netstring length")
            end = colon + 1 + int(length_text)
            if len(self._buffer) <= end:
                return frames
            if self._buffer[end:end + 1] != b",":
                raise ValueError("netstring not terminated by a comma")
            frames.append(bytes(self._buffer[colon + 1:end]))
            del self._buffer[:end + 1]


def netstring(payload: dict) -> bytes:
    data = json.dumps(payload, ensure_ascii=False).encode()
    return str(len(data)).encode() + b":" + data + b","


_CLOSED_BY_US = "Connection reset by user"


class BaresipCallSource(StreamCallSource):
    name = "sip"

    def __init__(self, host: str = "127.0.0.1", port: int = 4444, backoff: Backoff | None = None) -> None:
        super().__init__(host, port, backoff)
        self._decoder = NetstringDecoder()
        self._frames: list[bytes] = []
        self._tokens = itertools.count(1)
        self._waiting: dict[str, asyncio.Future] = {}
        self._answered: set[str] = set()
        self._transferring: set[str] = set()

    # -- the link --------------------------------------------------------------------------------

    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._decoder = NetstringDecoder()  # nothing to exchange: ctrl_tcp talks at once
        self._frames.clear()

    async def _read_frame(self, reader: asyncio.StreamReader) -> dict | None:
        while not self._frames:
            data = await reader.read(65536)
            if not data:
                self._fail_waiting()
                return None
            self._frames.extend(self._decoder.feed(data))
        raw = self._frames.pop(0)
        try:
            frame = json.loads(raw)
        except json.JSONDecodeError:
            raise ValueError("ctrl_tcp sent a frame that is not JSON") from None
        return frame if isinstance(frame, dict) else {}

    def _fail_waiting(self) -> None:
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(TelephonyError("the softphone link closed", "link_down"))
        self._waiting.clear()

    def _on_frame(self, frame: object) -> None:
        assert isinstance(frame, dict)
        if frame.get("response"):
            future = self._waiting.pop(str(frame.get("token", "")), None)
            if future is not None and not future.done():
                future.set_result(frame)
            return
        if frame.get("event") and frame.get("class") == "call":
            self._on_call_event(frame)

    def _on_call_event(self, frame: dict) -> None:
        kind, call_id = frame.get("type"), str(frame.get("id", ""))
        if not call_id or frame.get("direction", "incoming") != "incoming":
            return
        peer = str(frame.get("peeruri", ""))
        base = {"call_id": call_id, "caller_number": peer, "caller_name": str(frame.get("peerdisplayname", "")),
                "queue": _user_part(str(frame.get("accountaor", ""))), "source": self.name}
        if kind == "CALL_INCOMING":
            self._emit(CallEvent(CallEventType.ringing, **base))
        elif kind == "CALL_ESTABLISHED":
            self._answered.add(call_id)
            self._emit(CallEvent(CallEventType.answered, **base))
        elif kind == "CALL_CLOSED":
            self._emit(CallEvent(CallEventType.ended, reason=self._end_reason(call_id, frame), **base))

    def _end_reason(self, call_id: str, frame: dict) -> str:
        answered = call_id in self._answered
        self._answered.discard(call_id)
        if call_id in self._transferring:
            self._transferring.discard(call_id)
            return EndReason.transferred
        by_us = frame.get("param") == _CLOSED_BY_US
        if not answered:
            return EndReason.agent_hangup if by_us else EndReason.caller_cancel
        return EndReason.agent_hangup if by_us else EndReason.caller_hangup

    async def _reconcile(self) -> None:
        """Calls that ended while the link was down end here too, with reason `lost`."""
        if not self.open_calls:
            return
        try:
            listing = await self._command("listcalls")
        except TelephonyError:
            return
        listed = [m.group(2) for m in _LISTED_CALL.finditer(str(listing.get("data", "")))]
        still_open = set()
        for call_id, event in self.open_calls.items():
            if event.caller_number in listed:
                listed.remove(event.caller_number)
                still_open.add(call_id)
        self._lost(still_open)

    # -- commands --------------------------------------------------------------------------------

    async def _command(self, command: str, params: str = "") -> dict:
        token = f"t{next(self._tokens)}"
        future = asyncio.get_running_loop().create_future()
        self._waiting[token] = future
        try:
            await self._send(netstring({"command": command, "params": params, "token": token}))
            async with asyncio.timeout(COMMAND_TIMEOUT_S):
                reply = await future
        except TimeoutError:
            raise TelephonyError(f"the softphone did not answer {command!r}", "timeout") from None
        finally:
            self._waiting.pop(token, None)
        if not reply.get("ok", False):
            raise TelephonyError(f"the softphone refused {command!r}: {str(reply.get('data', '')).strip()}")
        return reply

    async def _on_call(self, call_id: str, command: str, params: str = "") -> dict:
        if call_id not in self.open_calls:
            raise TelephonyError(f"no open call {call_id} on the softphone", "no_call")
        await self._command("callfind", call_id)
        return await self._command(command, params)

    async def answer(self, call_id: str) -> None:
        await self._on_call(call_id, "accept")

    async def hang_up(self, call_id: str) -> None:
        await self._on_call(call_id, "hangup")

    async def hold(self, call_id: str, on: bool) -> None:
        await self._on_call(call_id, "hold" if on else "resume")

    async def dial(self, number: str) -> None:
        if not re.fullmatch(r"[0-9*#+]{3,20}", number):
            raise TelephonyError(f"not a number to dial: {number!r}", "unsupported")
        await self._command("dial", number)

    async def transfer(self, call_id: str, target: str, three_way: bool = False) -> None:
        if three_way:
            raise TelephonyError("the softphone has no conference bridge: a three-way transfer needs the switch",
                                 "unsupported")
        if not re.fullmatch(r"[0-9*#+]{2,20}", target):
            raise TelephonyError(f"not a number to transfer to: {target!r}", "unsupported")
        self._transferring.add(call_id)
        try:
            await self._on_call(call_id, "transfer", target)
        except TelephonyError:
            self._transferring.discard(call_id)
            raise


def _user_part(uri: str) -> str:
    match = re.match(r"(?:sips?:)?([^@;]+)@", uri)
    return match.group(1) if match else ""
