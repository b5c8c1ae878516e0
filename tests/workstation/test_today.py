"""The agent's figures for today (issue 13): a call answered and ended counts with its talk and its
after-call work, a missed one does not, an order recorded here counts; the figures are kept in the
cache over a restart and start again at midnight. The real platform over loopback; the day and the
durations follow a clock the test moves."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain import clock
from tests.workstation.test_sync import until
from workstation.calls import AgentState, CallState
from workstation.session import SeatSession
from workstation.today import TodayService


class Clock:
    """Starts at the platform's time (the orders it dates fall on the same day), then moves only when told."""

    def __init__(self) -> None:
        self.at = clock.now()

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


async def _seat(client, tmp_path, now: Clock) -> SeatSession:  # noqa: ANN001
    seat = await SeatSession.open(client, "A-01", tmp_path)
    await seat.today.close()
    seat.today = TodayService(seat.sync, seat.calls, seat.agent, client, now=now)
    await until(seat.sync.synced, lambda: seat.store.get_state("cursor") is not None)
    return seat


async def _ring(seat: SeatSession, lead, **call: object) -> object:  # noqa: ANN001
    rung = []
    seat.calls.ringing.connect(rung.append)
    lead.post("/api/v1/calls", json={"caller_phone": "13800138000", **call}).raise_for_status()
    await until(seat.sync.event, lambda: bool(rung))
    return rung[0]


def _order() -> dict:
    return {"request_type": "consultation", "category_id": "010101", "title": "咨询公积金提取",
            "content": "来电咨询", "caller_phone": "13800138000"}


@pytest.mark.asyncio
async def test_a_call_and_an_order_count_are_kept_over_a_restart_and_start_again_at_midnight(
        client, tmp_path, sign_in) -> None:
    now = Clock()
    lead = sign_in("lead")
    seat = await _seat(client, tmp_path, now)
    try:
        await seat.agent.choose(AgentState.ready)
        call = await _ring(seat, lead)
        await seat.calls.answer(call.id)
        await until(seat.sync.event, lambda: call.state == CallState.answered)
        now.advance(seconds=190)  # talking
        await seat.calls.hang_up(call.id)
        await until(seat.today.changed, lambda: seat.today.figures().calls == 1)
        assert seat.today.figures().handle_s == 190
        now.advance(seconds=62)  # after-call work, counted as it goes
        assert seat.today.figures().handle_s == 252
        await seat.agent.end_wrap_up()
        now.advance(seconds=30)  # ready again: no longer the call's time
        today = seat.today.figures()
        assert (today.calls, today.handle_s, today.average_handle_s, today.orders) == (1, 252, 252, 0)

        await seat.orders.create(_order())
        assert seat.today.figures().orders == 1
        await until(seat.sync.synced, lambda: seat.store.outbox_size() == 0)  # the platform's row now
        assert seat.today.figures().orders == 1

        call = await _ring(seat, lead, patience_s=0.5)  # the caller gives up while it rings: not counted
        await until(seat.sync.event, lambda: call.state == CallState.ended)
        assert seat.today.figures().calls == 1
    finally:
        await seat.close()

    seat = await _seat(client, tmp_path, now)  # a restart mid-shift
    try:
        today = seat.today.figures()
        assert (today.calls, today.handle_s, today.orders) == (1, 252, 1)
        now.advance(days=1)  # midnight has passed
        today = seat.today.figures()
        assert (today.calls, today.handle_s, today.average_handle_s, today.orders) == (0, 0, None, 0)
    finally:
        await seat.close()
