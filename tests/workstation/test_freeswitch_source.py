"""The FreeSWITCH event-socket call source, against a stand-in switch on loopback.

FreeSWITCH cannot be installed on this machine, so a tiny asyncio TCP server plays mod_event_socket:
it asks for the password, checks it, answers the event subscription, replays frame files from
`frames/` byte for byte (see frames/README.md), records every command the adapter sends and
answers `api` commands from each test's script. The adapter under test is the real one, over a
real TCP connection, with its real reconnect loop.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_asyncio

from workstation.sync import Backoff
from workstation.telephony.base import CallEvent, CallEventType, EndReason, TelephonyError
from workstation.telephony.freeswitch import EslParser, FreeSwitchCallSource

FRAMES = Path(__file__).parent / "frames"
TIMEOUT_S = 5.0
SHOW = "api show channels as json"

DIRECT = "4f9b2c1e-6a3d-4c1b-9e2f-1a2b3c4d5e6f"       # freeswitch_inbound_answered.txt, the caller's leg
CANCELLED = "2a1b0c9d-8e7f-4a6b-9c5d-4e3f2a1b0c9d"    # freeswitch_inbound_cancelled.txt
QUEUED = "7e3f1a2b-0c9d-4e8f-a7b6-5c4d3e2f1a0b"       # freeswitch_callcenter_answered.txt, the member's channel
ABANDONED = "3c2b1a09-8f7e-4d6c-b5a4-392817161514"    # freeswitch_callcenter_abandoned.txt
CALL = "5d6e7f80-9a1b-4c2d-8e3f-405162738495"         # freeswitch_call_*.txt
RING_DIRECT = "aa11bb22-cc33-4d44-8e55-ff6600771188"  # freeswitch_two_ringing.txt
RING_QUEUED = "bb22cc33-dd44-4e55-9f66-007711882299"


def frames(name: str) -> bytes:
    return (FRAMES / name).read_bytes()


def api_response(text: str) -> bytes:
    body = text.encode()
    return b"Content-Type: api/response\nContent-Length: %d\n\n" % len(body) + body


def command_reply(text: str) -> bytes:
    return f"Content-Type: command/reply\nReply-Text: {text}\n\n".encode()


class Changes:
    """Something to wait on: `until(predicate)` wakes each time `notify()` is called."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def notify(self) -> None:
        self._changed.set()

    async def until(self, predicate: Callable[[], bool], timeout: float = TIMEOUT_S) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()


class FakeSwitch(Changes):
    """mod_event_socket as the adapter sees it, one connection at a time."""

    def __init__(self, password: str = "ClueCon") -> None:
        super().__init__()
        self.password = password
        self.connections = 0
        self.handshakes: list[str] = []       # auth and event lines, every connection
        self.commands: list[str] = []         # everything after the subscription
        self.channels: list[str] = []         # what `show channels` lists
        # command -> (reply frame, frames sent right after it); None: never answered
        self.script: dict[str, tuple[bytes, bytes] | None] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        await self.drop()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def drop(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            await writer.wait_closed()

    async def replay(self, data: bytes, chunk: int = 0) -> None:
        """Writes the bytes to the adapter: at once, or `chunk` bytes per TCP write."""
        assert self._writer is not None, "no adapter connected"
        step = chunk or len(data)
        for start in range(0, len(data), step):
            self._writer.write(data[start:start + step])
            await self._writer.drain()

    def answered_commands(self) -> list[str]:
        return [c for c in self.commands if c != SHOW]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writer = writer
        try:
            writer.write(b"Content-Type: auth/request\n\n")
            auth = (await reader.readuntil(b"\n\n")).decode().strip()
            self.handshakes.append(auth)
            # A wrong password is refused, but the connection stays open: only the adapter's own
            # check can keep the link down.
            writer.write(command_reply("+OK accepted" if auth == f"auth {self.password}" else "-ERR invalid"))
            subscription = (await reader.readuntil(b"\n\n")).decode().strip()
            self.handshakes.append(subscription)
            writer.write(command_reply("+OK event listener enabled plain"))
            while True:
                command = (await reader.readuntil(b"\n\n")).decode().strip()
                self.commands.append(command)
                self._answer(command, writer)
                await writer.drain()
                self.notify()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.notify()
            if self._writer is writer:
                self._writer = None
            writer.close()

    def _answer(self, command: str, writer: asyncio.StreamWriter) -> None:
        if command == SHOW and command not in self.script:
            rows = [{"uuid": uuid, "direction": "inbound", "state": "CS_EXECUTE"} for uuid in self.channels]
            data = {"row_count": len(rows), "rows": rows} if rows else {"row_count": 0}
            writer.write(api_response(json.dumps(data) + "\n"))
            return
        scripted = self.script.get(command, (api_response("-ERR command not found\n"), b""))
        if scripted is not None:
            writer.write(scripted[0] + scripted[1])


class Seen(Changes):
    """What the adapter emitted."""

    def __init__(self, source: FreeSwitchCallSource) -> None:
        super().__init__()
        self.events: list[CallEvent] = []
        self.links: list[bool] = []
        source.events.connect(self._on_event)
        source.link.connect(self._on_link)

    def _on_event(self, event: CallEvent) -> None:
        self.events.append(event)
        self.notify()

    def _on_link(self, up: bool) -> None:
        self.links.append(up)
        self.notify()

    def of(self, call_id: str) -> list[tuple]:
        return [brief(e) for e in self.events if e.call_id == call_id]


def brief(event: CallEvent) -> tuple:
    return (event.type, event.call_id, event.caller_number, event.caller_name, event.queue, event.reason,
            event.source)


def fast_source(port: int, password: str = "ClueCon") -> FreeSwitchCallSource:
    return FreeSwitchCallSource("127.0.0.1", port, password, "1001", agent="1001@default",
                                backoff=Backoff(base_s=0.01, cap_s=0.05))


@pytest_asyncio.fixture
async def switch():
    fake = FakeSwitch()
    await fake.start()
    yield fake
    await fake.close()


@pytest_asyncio.fixture
async def link(switch):
    """A connected adapter whose first reconciliation is done, and what it emits."""
    source = fast_source(switch.port)
    seen = Seen(source)
    await source.start()
    try:
        await seen.until(lambda: source.up)
        await switch.until(lambda: switch.commands.count(SHOW) == switch.connections)
        yield source, seen
    finally:
        await source.stop()


async def ringing(switch: FakeSwitch, seen: Seen, name: str, call_id: str) -> None:
    await switch.replay(frames(name))
    await seen.until(lambda: bool(seen.of(call_id)))


# --- framing -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["freeswitch_mixed_frames.txt", "freeswitch_callcenter_answered.txt",
                                  "freeswitch_inbound_answered.txt"])
def test_frames_split_anywhere_parse_the_same(name):
    data = frames(name)
    whole = EslParser().feed(data)
    parser = EslParser()
    byte_by_byte = [frame for i in range(len(data)) for frame in parser.feed(data[i:i + 1])]
    assert byte_by_byte == whole and len(whole) == data.count(b"Content-Type: ")
    for cut in range(1, len(data), 97):   # two reads, cut at many places
        parser = EslParser()
        assert parser.feed(data[:cut]) + parser.feed(data[cut:]) == whole


def test_every_kind_of_frame_is_understood():
    auth, accepted, subscribed, api, job, create = EslParser().feed(frames("freeswitch_mixed_frames.txt"))
    assert auth.content_type == "auth/request" and auth.body == b""
    assert (accepted.content_type, accepted.text) == ("command/reply", "+OK accepted")
    assert subscribed.text == "+OK event listener enabled plain"
    assert (api.content_type, api.text) == ("api/response", "+OK\n")
    event = job.event()
    assert event["Event-Name"] == "BACKGROUND_JOB"
    assert event["Job-Command-Arg"] == f"loopback/12315/default &three_way({CALL})"   # URL-decoded
    assert event["_body"] == "+OK 0c1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5\n"            # the event's own body
    assert "Content-Length" in event and "FreeSWITCH-IPv6" in event and event["FreeSWITCH-IPv6"] == "::1"
    call = create.event()
    assert (call["Caller-Caller-ID-Name"], call["Channel-Name"]) == ("张三", "sofia/internal/13800138000@10.12.0.20")


def test_a_frame_that_is_not_event_socket_framing_is_an_error():
    with pytest.raises(ValueError):
        EslParser().feed(b"HTTP/1.1 400 Bad Request\nno colon here\n\n")
    with pytest.raises(ValueError):
        EslParser().feed(b"Content-Type: api/response\nContent-Length: lots\n\n")
    with pytest.raises(ValueError):
        EslParser().feed(b"Content-Type: api/response\nContent-Length: -5\n\n")


# --- events --------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_an_inbound_call_rings_is_answered_and_ended_by_the_caller(switch, link):
    source, seen = link
    await switch.replay(frames("freeswitch_inbound_answered.txt"))
    await seen.until(lambda: len(seen.of(DIRECT)) == 3)
    assert seen.of(DIRECT) == [
        (CallEventType.ringing, DIRECT, "13800138000", "张三", "1001", "", "freeswitch"),
        (CallEventType.answered, DIRECT, "13800138000", "张三", "1001", "", "freeswitch"),
        (CallEventType.ended, DIRECT, "13800138000", "张三", "1001", EndReason.caller_hangup, "freeswitch"),
    ]
    # The leg to the agent's phone is the same call, and extension 1002's call is not ours.
    assert [e.call_id for e in seen.events] == [DIRECT] * 3
    assert source.open_calls == {}


@pytest.mark.asyncio
async def test_a_caller_who_gives_up_while_it_rings_is_a_missed_call(switch, link):
    source, seen = link
    await switch.replay(frames("freeswitch_inbound_cancelled.txt"))
    await seen.until(lambda: len(seen.of(CANCELLED)) == 2)
    assert [(e.type, e.reason) for e in seen.events] == [
        (CallEventType.ringing, ""), (CallEventType.ended, EndReason.caller_cancel)]
    assert source.open_calls == {}


@pytest.mark.asyncio
async def test_a_queued_call_offered_to_this_agent_rings_is_answered_and_ends(switch, link):
    source, seen = link
    await switch.replay(frames("freeswitch_callcenter_answered.txt"))
    await seen.until(lambda: len(seen.of(QUEUED)) == 3)
    assert seen.of(QUEUED) == [
        (CallEventType.ringing, QUEUED, "13900139000", "李四", "12345@default", "", "freeswitch"),
        (CallEventType.answered, QUEUED, "13900139000", "李四", "12345@default", "", "freeswitch"),
        (CallEventType.ended, QUEUED, "13900139000", "李四", "12345@default", EndReason.caller_hangup,
         "freeswitch"),
    ]
    assert len(seen.events) == 3 and source.open_calls == {}


@pytest.mark.asyncio
async def test_a_queued_caller_who_gives_up_while_this_agent_rings_is_missed(switch, link):
    source, seen = link
    await switch.replay(frames("freeswitch_callcenter_abandoned.txt"))
    await seen.until(lambda: len(seen.of(ABANDONED)) == 2)
    # Offered to 1002 first (not rung here), then to 1001; the caller left the queue while it rang.
    assert seen.of(ABANDONED) == [
        (CallEventType.ringing, ABANDONED, "15800158000", "王五", "12345@default", "", "freeswitch"),
        (CallEventType.ended, ABANDONED, "15800158000", "王五", "12345@default", EndReason.caller_cancel,
         "freeswitch"),
    ]
    assert source.open_calls == {}


@pytest.mark.asyncio
async def test_a_call_offered_to_another_agent_is_ignored(switch, link):
    source, seen = link
    await switch.replay(frames("freeswitch_callcenter_other_agent.txt") + frames("freeswitch_call_ringing.txt"))
    await seen.until(lambda: bool(seen.of(CALL)))   # the marker after the other agent's whole call
    assert [e.call_id for e in seen.events] == [CALL]


@pytest.mark.asyncio
async def test_frames_arriving_one_byte_per_read_give_the_same_events(switch, link):
    _, seen = link
    await switch.replay(frames("freeswitch_callcenter_answered.txt"), chunk=1)
    await seen.until(lambda: len(seen.events) == 3)
    one_byte = [brief(e) for e in seen.events]
    seen.events.clear()
    await switch.replay(frames("freeswitch_callcenter_answered.txt"))
    await seen.until(lambda: len(seen.events) == 3)
    assert [brief(e) for e in seen.events] == one_byte
    assert [t for t, *_ in one_byte] == [CallEventType.ringing, CallEventType.answered, CallEventType.ended]


# --- commands ------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_answer_hold_and_hang_up_send_the_exact_commands(switch, link):
    source, seen = link
    await ringing(switch, seen, "freeswitch_call_ringing.txt", CALL)
    switch.script[f"api uuid_answer {CALL}"] = (api_response("+OK\n"), frames("freeswitch_call_answered.txt"))
    switch.script[f"api uuid_hold {CALL}"] = (api_response("+OK Success\n"), b"")
    switch.script[f"api uuid_hold off {CALL}"] = (api_response("+OK Success\n"), b"")
    switch.script[f"api uuid_kill {CALL}"] = (api_response("+OK\n"), frames("freeswitch_call_killed.txt"))
    await source.answer(CALL)
    await seen.until(lambda: len(seen.of(CALL)) == 2)
    await source.hold(CALL, True)
    await source.hold(CALL, False)
    await source.hang_up(CALL)
    await seen.until(lambda: len(seen.of(CALL)) == 3)
    assert switch.answered_commands() == [f"api uuid_answer {CALL}", f"api uuid_hold {CALL}",
                                          f"api uuid_hold off {CALL}", f"api uuid_kill {CALL}"]
    assert [(e.type, e.reason) for e in seen.events] == [
        (CallEventType.ringing, ""), (CallEventType.answered, ""), (CallEventType.ended, EndReason.agent_hangup)]


@pytest.mark.asyncio
async def test_a_blind_transfer_sends_uuid_transfer_and_ends_the_call_as_transferred(switch, link):
    source, seen = link
    await ringing(switch, seen, "freeswitch_call_ringing.txt", CALL)
    switch.script[f"api uuid_answer {CALL}"] = (api_response("+OK\n"), frames("freeswitch_call_answered.txt"))
    switch.script[f"api uuid_transfer {CALL} 12315 XML default"] = (api_response("+OK\n"), b"")
    await source.answer(CALL)
    await seen.until(lambda: len(seen.of(CALL)) == 2)
    await source.transfer(CALL, "12315")
    assert switch.answered_commands()[-1] == f"api uuid_transfer {CALL} 12315 XML default"
    assert seen.events[-1].type == CallEventType.ended and seen.events[-1].reason == EndReason.transferred
    assert source.open_calls == {}


@pytest.mark.asyncio
async def test_a_three_way_transfer_keeps_the_agent_on_the_call(switch, link):
    source, seen = link
    await ringing(switch, seen, "freeswitch_call_ringing.txt", CALL)
    command = f"bgapi originate loopback/110/default &three_way({CALL})"
    switch.script[command] = (command_reply("+OK Job-UUID: 7f4db78a-17d7-11dd-b7a0-db4edd065621"), b"")
    await source.transfer(CALL, "110", three_way=True)
    assert switch.answered_commands() == [command]
    assert CALL in source.open_calls and len(seen.events) == 1


@pytest.mark.asyncio
async def test_a_refused_command_raises_with_freeswitchs_words(switch, link):
    source, seen = link
    await ringing(switch, seen, "freeswitch_call_ringing.txt", CALL)
    switch.script[f"api uuid_answer {CALL}"] = (api_response("-ERR No such channel!\n"), b"")
    switch.script[f"api uuid_kill {CALL}"] = (api_response("-ERR No such channel!\n"), b"")
    with pytest.raises(TelephonyError, match="^-ERR No such channel!$") as refused:
        await source.answer(CALL)
    assert refused.value.kind == "refused"
    with pytest.raises(TelephonyError, match="No such channel"):
        await source.hang_up(CALL)
    # The refused hang-up is forgotten: the caller hanging up later is the caller's doing.
    await switch.replay(frames("freeswitch_call_killed.txt"))
    await seen.until(lambda: len(seen.of(CALL)) == 2)
    assert seen.events[-1].reason == EndReason.caller_cancel


@pytest.mark.asyncio
async def test_commands_for_unknown_calls_or_bad_targets_are_refused_before_sending(switch, link):
    source, seen = link
    for command in (source.answer("no-such-call"), source.hang_up("no-such-call"),
                    source.hold("no-such-call", True), source.transfer("no-such-call", "110"),
                    source.transfer("no-such-call", "110", three_way=True)):
        with pytest.raises(TelephonyError) as refused:
            await command
        assert refused.value.kind == "no_call"
    await ringing(switch, seen, "freeswitch_call_ringing.txt", CALL)
    with pytest.raises(TelephonyError, match="not a transfer target"):
        await source.transfer(CALL, "110\n\napi uuid_kill " + CALL)
    assert switch.answered_commands() == []


@pytest.mark.asyncio
async def test_a_command_without_a_reply_raises_and_the_link_is_rebuilt(switch, link):
    source, seen = link
    await ringing(switch, seen, "freeswitch_call_ringing.txt", CALL)
    switch.script[f"api uuid_answer {CALL}"] = None
    switch.channels = [CALL]
    source.reply_timeout_s = 0.2
    with pytest.raises(TelephonyError, match="did not answer") as late:
        await source.answer(CALL)
    assert late.value.kind == "timeout"
    await switch.until(lambda: switch.connections == 2 and switch.commands.count(SHOW) == 2)
    await seen.until(lambda: seen.links[-1:] == [True])
    assert CALL in source.open_calls   # still listed by the switch, so still ringing


@pytest.mark.asyncio
async def test_a_command_waiting_when_the_link_drops_raises(switch, link):
    source, seen = link
    await ringing(switch, seen, "freeswitch_call_ringing.txt", CALL)
    switch.script[f"api uuid_hold {CALL}"] = None
    pending = asyncio.ensure_future(source.hold(CALL, True))
    await switch.until(lambda: f"api uuid_hold {CALL}" in switch.commands)
    await switch.drop()
    with pytest.raises(TelephonyError, match="link went down") as down:
        await pending
    assert down.value.kind == "link_down"


# --- the link ------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_the_handshake_authenticates_and_subscribes(switch, link):
    assert switch.handshakes == [
        "auth ClueCon",
        "event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE CUSTOM callcenter::info"]
    assert switch.commands == [SHOW]


@pytest.mark.asyncio
async def test_a_wrong_password_keeps_the_link_down_and_retries_with_backoff(switch):
    source = fast_source(switch.port, password="not-the-password")
    seen = Seen(source)
    await source.start()
    try:
        await switch.until(lambda: switch.connections >= 3)
    finally:
        await source.stop()
    assert not source.up and True not in seen.links
    assert set(switch.handshakes) == {"auth not-the-password"} and switch.commands == []
    with pytest.raises(TelephonyError, match="link is down") as down:
        await source._command("api status")
    assert down.value.kind == "link_down"


@pytest.mark.asyncio
async def test_without_a_password_in_the_keyring_freeswitchs_default_is_never_tried(switch):
    source = fast_source(switch.port, password="")
    seen = Seen(source)
    await source.start()
    try:
        await switch.until(lambda: switch.connections >= 2)  # the link stays down and is retried
    finally:
        await source.stop()
    assert not source.up and True not in seen.links
    assert switch.handshakes == [] and switch.commands == []  # no "auth ClueCon", nor anything else


@pytest.mark.asyncio
async def test_after_a_reconnect_calls_the_switch_no_longer_has_are_lost(switch, link):
    source, seen = link
    await switch.replay(frames("freeswitch_two_ringing.txt"))
    await seen.until(lambda: len(seen.events) == 2)
    assert set(source.open_calls) == {RING_DIRECT, RING_QUEUED}
    switch.channels = [RING_QUEUED]   # the direct call ended while the link was down
    await switch.drop()
    await switch.until(lambda: switch.connections == 2 and switch.commands.count(SHOW) == 2)
    await seen.until(lambda: len(seen.events) == 3)
    assert seen.of(RING_DIRECT)[-1] == (CallEventType.ended, RING_DIRECT, "13800138000", "张三", "1001",
                                        EndReason.lost, "freeswitch")
    assert set(source.open_calls) == {RING_QUEUED} and seen.links == [True, False, True]
    # The queued call is still followed after the reconnect.
    switch.script[f"api uuid_answer {RING_QUEUED}"] = (api_response("+OK\n"), b"")
    await source.answer(RING_QUEUED)
    assert switch.answered_commands() == [f"api uuid_answer {RING_QUEUED}"]


@pytest.mark.asyncio
async def test_a_disconnect_notice_ends_the_stream_and_the_adapter_reconnects(switch, link):
    source, seen = link
    await ringing(switch, seen, "freeswitch_call_ringing.txt", CALL)
    switch.channels = [CALL]
    await switch.replay(frames("freeswitch_disconnect_notice.txt"))
    await switch.until(lambda: switch.connections == 2 and switch.commands.count(SHOW) == 2)
    await seen.until(lambda: seen.links == [True, False, True])
    assert list(source.open_calls) == [CALL] and len(seen.events) == 1
