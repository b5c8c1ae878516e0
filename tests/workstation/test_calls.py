"""Calls offered to the seat: an idempotent state machine fed by the platform's event stream."""
from __future__ import annotations

import pytest

from tests.workstation.test_sync import until
from workstation.calls import AgentState, CallService, CallState
from workstation.session import SeatSession


class _NoSync:
    def __init__(self) -> None:
        from workstation.observable import Signal
        self.event = Signal("event")


def test_duplicate_and_late_events_never_move_a_call_backwards():
    calls = CallService(client=None, sync=_NoSync())  # type: ignore[arg-type]  # no I/O in this test
    seen = []
    calls.ringing.connect(lambda c: seen.append(("ringing", c.id)))
    calls.answered.connect(lambda c: seen.append(("answered", c.id)))
    calls.ended.connect(lambda c: seen.append(("ended", c.id, c.missed)))
    ring = {"type": "ringing", "call_id": "c1", "caller_number": "+86 138-0013-8000", "at": "t1"}
    assert calls.apply(ring).caller_number == "13800138000"
    assert calls.apply(ring) is None
    calls.apply({"type": "answered", "call_id": "c1", "at": "t2"})
    calls.apply({"type": "ringing", "call_id": "c1", "at": "t1"})
    calls.apply({"type": "ended", "call_id": "c1", "at": "t3", "reason": "agent_hangup"})
    calls.apply({"type": "ended", "call_id": "c2", "caller_number": "13900139000", "reason": "abandoned"})
    calls.apply({"type": "bogus", "call_id": "c3"})
    assert seen == [("ringing", "c1"), ("answered", "c1"), ("ended", "c1", False), ("ended", "c2", True)]
    assert calls.calls["c1"].state == CallState.ended and calls.current is None


def test_a_caller_offered_again_after_a_ring_nobody_answered_rings_again():
    calls = CallService(client=None, sync=_NoSync())  # type: ignore[arg-type]  # no I/O in this test
    rings = []
    calls.ringing.connect(lambda c: rings.append(c))
    ring = {"type": "ringing", "call_id": "c9", "caller_number": "13800138000", "at": "2026-12-03T10:00:00+08:00"}
    calls.apply(ring)
    calls.apply({"type": "ended", "call_id": "c9", "at": "2026-12-03T10:00:20+08:00", "reason": "ring_timeout"})
    assert calls.apply(ring) is None  # the first ring, late: nothing
    again = calls.apply({**ring, "at": "2026-12-03T10:01:05+08:00"})  # the agent went ready; the caller waits still
    assert again is not None and again.state == CallState.ringing and calls.current is again
    assert [c.rang_at for c in rings] == ["2026-12-03T10:00:00+08:00", "2026-12-03T10:01:05+08:00"]
    calls.apply({"type": "answered", "call_id": "c9", "at": "2026-12-03T10:01:08+08:00"})
    assert calls.calls["c9"].state == CallState.answered


@pytest.mark.asyncio
async def test_a_call_rings_is_answered_and_hung_up_through_the_platform(client, tmp_path, sign_in):
    seat = await SeatSession.open(client, "A-01", tmp_path)
    try:
        rung, ended = [], []
        seat.calls.ringing.connect(rung.append)
        seat.calls.ended.connect(ended.append)
        await until(seat.sync.synced, lambda: seat.store.get_state("cursor") is not None)
        await seat.calls.set_agent_state(AgentState.ready)
        sign_in("lead").post("/api/v1/calls", json={"caller_phone": "13800138000"})
        await until(seat.sync.event, lambda: bool(rung))
        call = rung[0]
        assert (call.caller_number, call.state) == ("13800138000", CallState.ringing)
        await seat.calls.answer(call.id)
        await until(seat.sync.event, lambda: call.state == CallState.answered)
        await seat.calls.hang_up(call.id)
        await until(seat.sync.event, lambda: bool(ended))
        assert ended == [call] and not call.missed and call.end_reason == "agent_hangup"
        sign_in("lead").post("/api/v1/calls", json={"caller_phone": "13900139000", "patience_s": 0.2})
        await seat.calls.set_agent_state(AgentState.ready)
        await until(seat.sync.event, lambda: len(ended) == 2, timeout=10)
        assert ended[1].missed and ended[1].end_reason == "abandoned_ringing"  # it rang here, then the caller gave up
    finally:
        await seat.close()
