"""The agent's state shown as the platform holds it (issue 13): a state chosen during a call waits
for wrap-up to end and then reaches the platform; wrap-up ends by itself, early, or later when
extended; a ring nobody answered shows the platform's no-answer state. The real platform over
loopback; the wrap-up is timed on a clock the test moves."""
from __future__ import annotations

import pytest

from central.platform import Platform
from central.server import ThreadedPlatform
from tests.workstation.test_sync import until
from workstation.agent_state import NO_ANSWER, AgentStateService, Phase
from workstation.calls import AgentState, CallState
from workstation.session import SeatSession


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def _seat(client, tmp_path):  # noqa: ANN001, ANN202
    seat = await SeatSession.open(client, "A-01", tmp_path)
    clock = Clock()
    seat.agent.close()
    seat.agent = AgentStateService(seat.calls, seat.sync, now=clock)
    await until(seat.sync.synced, lambda: seat.store.get_state("cursor") is not None)
    return seat, clock


def _platform_state(lead, username: str) -> tuple[str, str]:  # noqa: ANN001
    seats = lead.get("/api/v1/wallboard").json()["agents"]
    row = next(a for a in seats if a["username"] == username)
    return row["state"], row.get("reason", "")


async def _talk_and_hang_up(seat, lead) -> None:  # noqa: ANN001
    rung = []
    seat.calls.ringing.connect(rung.append)
    lead.post("/api/v1/calls", json={"caller_phone": "13800138000"})
    await until(seat.sync.event, lambda: bool(rung))
    await seat.calls.answer(rung[0].id)
    await until(seat.sync.event, lambda: rung[0].state == CallState.answered)
    assert seat.agent.status().phase == Phase.talking
    queued = await seat.agent.choose(AgentState.not_ready, "training")  # during the call: it waits
    assert queued is False and seat.agent.status().queued == (AgentState.not_ready, "training")
    await seat.calls.hang_up(rung[0].id)
    await until(seat.agent.changed, lambda: seat.agent.status().phase == Phase.wrap_up)


@pytest.mark.asyncio
async def test_a_state_chosen_during_a_call_is_applied_when_wrap_up_ends(client, tmp_path, sign_in):
    seat, clock = await _seat(client, tmp_path)
    lead = sign_in("lead")
    try:
        assert await seat.agent.choose(AgentState.ready) is True
        assert seat.agent.status().phase == Phase.ready
        await _talk_and_hang_up(seat, lead)
        status = seat.agent.status()
        assert status.wrap_up_left == 30 and status.queued == (AgentState.not_ready, "training")
        clock.t += 29
        await seat.agent.tick()
        assert seat.agent.status().phase == Phase.wrap_up and seat.agent.status().wrap_up_left == 1
        clock.t += 1
        await seat.agent.tick()  # wrap-up is over: the queued state, not ready, reaches the platform
        status = seat.agent.status()
        assert (status.phase, status.reason, status.queued) == (Phase.not_ready, "training", None)
        assert _platform_state(lead, "agent") == ("not_ready", "training")
    finally:
        await seat.close()


@pytest.mark.asyncio
async def test_wrap_up_is_extended_or_ended_early_by_the_agent(client, tmp_path, sign_in):
    seat, clock = await _seat(client, tmp_path)
    lead = sign_in("lead")
    try:
        await seat.agent.choose(AgentState.ready)
        await _talk_and_hang_up(seat, lead)
        seat.agent.cancel_queued()
        clock.t += 20
        assert seat.agent.extend_wrap_up() is True
        assert seat.agent.status().wrap_up_left == 40
        clock.t += 39
        await seat.agent.tick()
        assert seat.agent.status().phase == Phase.wrap_up
        await seat.agent.end_wrap_up()  # early, by key: ready, as nothing was queued
        assert seat.agent.status().phase == Phase.ready
        assert _platform_state(lead, "agent")[0] == "ready"
    finally:
        await seat.close()


@pytest.mark.parametrize("platform_options", [{"ring_timeout_s": 0.3}])
@pytest.mark.asyncio
async def test_a_ring_nobody_answered_shows_the_platforms_no_answer_state(client, tmp_path, sign_in):
    seat, _clock = await _seat(client, tmp_path)
    try:
        await seat.agent.choose(AgentState.ready)
        sign_in("lead").post("/api/v1/calls", json={"caller_phone": "13900139000"})
        await until(seat.agent.changed, lambda: seat.agent.status().reason == NO_ANSWER, timeout=10)
        status = seat.agent.status()
        assert status.phase == Phase.not_ready and not seat.agent.busy  # F5 makes it ready at once
        assert await seat.agent.choose(AgentState.ready) is True
    finally:
        await seat.close()


@pytest.mark.asyncio
async def test_the_seat_knows_how_many_callers_wait_and_the_longest_wait(client, tmp_path, sign_in):
    seat, _clock = await _seat(client, tmp_path)
    try:
        await until(seat.agent.changed, lambda: seat.agent.queue is not None)  # told when the stream opens
        sign_in("lead").post("/api/v1/calls", json={"caller_phone": "13700137000"})  # nobody is ready
        await until(seat.agent.changed, lambda: seat.agent.queue is not None and seat.agent.queue[0] == 1)
        assert seat.agent.queue[1] >= 0
    finally:
        await seat.close()


@pytest.mark.asyncio
async def test_after_a_platform_restart_the_call_it_no_longer_has_ends_here_and_the_state_is_its_own(
        client, tmp_path, sign_in, platform, db_url):
    seat, _clock = await _seat(client, tmp_path)
    lead = sign_in("lead")
    try:
        assert await seat.agent.choose(AgentState.ready) is True
        rung = []
        seat.calls.ringing.connect(rung.append)
        lead.post("/api/v1/calls", json={"caller_phone": "13800138000"})
        await until(seat.sync.event, lambda: bool(rung))
        await seat.calls.answer(rung[0].id)
        await until(seat.sync.event, lambda: rung[0].state == CallState.answered)
        port = platform.port
        platform.stop()  # the platform's router and its calls are gone with the process
        restarted = ThreadedPlatform(Platform(db_url), port=port).start()
        try:
            await until(seat.calls.ended, lambda: rung[0].state == CallState.ended, timeout=30)
            assert rung[0].end_reason == "lost" and seat.calls.current is None
            await until(seat.agent.changed, lambda: seat.agent.status().phase in (Phase.not_ready, Phase.wrap_up))
        finally:
            restarted.stop()
    finally:
        await seat.close()
