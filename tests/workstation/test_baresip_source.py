"""The baresip adapter against a real baresip and real SIP calls placed by sipp, on loopback."""
from __future__ import annotations

import asyncio
import json

import pytest
import pytest_asyncio

from workstation.calls import CallService, CallState
from workstation.observable import Signal
from workstation.sync import Backoff
from workstation.telephony.baresip import BaresipCallSource, NetstringDecoder, netstring
from workstation.telephony.base import CallEvent, CallEventType, EndReason, TelephonyError

CALLER = ("张三", "13800138000")


class _NoSync:
    """CallService's sync service, only for the platform-event signal: these calls are not reported."""

    def __init__(self) -> None:
        self.event = Signal("event")


async def _wait(signal: Signal, predicate, timeout: float = 10.0) -> None:  # noqa: ANN001
    if predicate():
        return
    done = asyncio.Event()

    def check(*_args) -> None:  # noqa: ANN002
        if predicate():
            done.set()
    signal.connect(check)
    try:
        async with asyncio.timeout(timeout):
            await done.wait()
    finally:
        signal.disconnect(check)


async def _sipp_done(process) -> int:  # noqa: ANN001
    return await asyncio.to_thread(process.wait, 30)


def _service(source: BaresipCallSource) -> CallService:
    service = CallService(None, _NoSync(), source)  # type: ignore[arg-type]
    service.source.platform_native = True  # no platform here: nothing to report
    return service


@pytest_asyncio.fixture
async def softphone_source(softphone):
    source = BaresipCallSource("127.0.0.1", softphone.ctrl_port, backoff=Backoff(base_s=0.01, cap_s=0.05))
    await source.start()
    await _wait(source.link, lambda: source.up)
    yield source
    await source.stop()


def test_netstrings_are_decoded_whatever_the_reads_cut():
    first = {"event": True, "type": "CALL_INCOMING", "peerdisplayname": "张三"}
    frames = netstring(first) + netstring({"a": 1})
    one_by_one = NetstringDecoder()
    decoded = [json.loads(f) for i in range(len(frames)) for f in one_by_one.feed(frames[i:i + 1])]
    assert decoded == [json.loads(f) for f in NetstringDecoder().feed(frames)] == [first, {"a": 1}]
    with pytest.raises(ValueError):
        NetstringDecoder().feed(b"12x:abc,")
    with pytest.raises(ValueError):
        NetstringDecoder().feed(b"3:abcX")


@pytest.mark.asyncio
async def test_a_real_sip_call_rings_is_answered_and_hung_up_through_ctrl_tcp(
        softphone, softphone_source, sip_calls, tmp_path):
    calls = _service(softphone_source)
    sipp = sip_calls(softphone, "caller_waits_for_agent.xml", tmp_path / "sipp", [CALLER])
    await _wait(calls.ringing, lambda: calls.current is not None)
    call = calls.current
    assert (call.caller_number, call.caller_name, call.state) == ("13800138000", "张三", CallState.ringing)
    assert call.source == "sip" and call.queue == softphone.extension
    await calls.answer(call.id)
    await _wait(calls.answered, lambda: call.state == CallState.answered)
    await calls.hold(call.id, True)
    await calls.hold(call.id, False)
    await calls.hang_up(call.id)
    await _wait(calls.ended, lambda: call.state == CallState.ended)
    assert call.end_reason == EndReason.agent_hangup and not call.missed
    assert await _sipp_done(sipp) == 0  # the caller saw the answer and the agent's BYE


@pytest.mark.asyncio
async def test_a_cancel_before_the_answer_is_a_missed_call(softphone, softphone_source, sip_calls, tmp_path):
    calls = _service(softphone_source)
    sipp = sip_calls(softphone, "caller_gives_up.xml", tmp_path / "sipp", [CALLER], ring_ms=300)
    await _wait(calls.ended, lambda: any(c.state == CallState.ended for c in calls.calls.values()))
    (call,) = calls.calls.values()
    assert call.missed and call.end_reason == EndReason.caller_cancel and call.caller_number == "13800138000"
    assert await _sipp_done(sipp) == 0
    with pytest.raises(TelephonyError):
        await calls.answer(call.id)  # it is gone


@pytest.mark.asyncio
async def test_after_a_reconnect_open_calls_are_reconciled_with_the_softphone(
        softphone, softphone_source, sip_calls, tmp_path):
    source = softphone_source
    calls = _service(source)
    sipp = sip_calls(softphone, "caller_waits_for_agent.xml", tmp_path / "sipp", [CALLER])
    await _wait(calls.ringing, lambda: calls.current is not None)
    call = calls.current
    await calls.answer(call.id)
    await _wait(calls.answered, lambda: call.state == CallState.answered)
    # a call that ended while the link was down: the softphone no longer lists it
    source.open_calls["ghost@nowhere"] = CallEvent(CallEventType.answered, "ghost@nowhere", "sip:13900139000@x")
    reconnected = asyncio.Event()
    source.connected.connect(reconnected.set)
    source._writer.transport.abort()  # the link drops (as when another ctrl_tcp client takes over)
    async with asyncio.timeout(10):
        await reconnected.wait()
    await _wait(calls.ended, lambda: "ghost@nowhere" not in source.open_calls)
    assert call.id in source.open_calls and call.state == CallState.answered
    await calls.hang_up(call.id)
    await _wait(calls.ended, lambda: call.state == CallState.ended)
    assert await _sipp_done(sipp) == 0


@pytest.mark.asyncio
async def test_commands_fail_clearly_while_the_softphone_is_unreachable():
    from tests.sip_lab import free_port
    source = BaresipCallSource("127.0.0.1", free_port(), backoff=Backoff(base_s=0.01, cap_s=0.02))
    await source.start()
    try:
        with pytest.raises(TelephonyError):
            await source.answer("nothing")
        assert not source.up
    finally:
        await source.stop()
