"""The agent's own figures for today, for the call bar: the calls answered, their average handling
time, and the work orders recorded.

The platform sends no figures per agent (its wallboard counts the centre's calls; the `agent` event
says only the state), so the seat counts its own calls and keeps the count in the cache's sync
state, where a restart in the middle of a shift finds it. The orders are counted in the cache
itself, as "my orders" finds them: those the platform says this user made, and those made here
that it has not confirmed yet.

- A call counts when it ends, if it was answered (a missed call does not), on the day it ends
  (China time); a transferred call counts too.
- Its handling time is its talk (answer to end) plus its after-call work (its end to the end of
  wrap-up, or to the next ring). The wrap-up under way counts as it goes; one cut by a restart
  counts up to the last figures kept (its talk).
- Everything starts again at midnight. Time comes from `now` (`domain.clock` by default), so a test
  drives it.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain import clock
from offline_cache import workorders
from workstation.agent_state import AgentStateService
from workstation.calls import Call, CallService
from workstation.observable import Signal, Subscriptions
from workstation.platform_client import PlatformClient
from workstation.sync import SyncService

log = logging.getLogger(__name__)

FIGURES_KEY = "today_figures"  # sync_state: {"day": ISO date, "calls": n, "handle_s": seconds}


@dataclass(frozen=True)
class TodayFigures:
    day: date
    calls: int  # answered and ended today
    handle_s: float  # their talk and after-call work, in seconds
    orders: int  # recorded today by this user

    @property
    def average_handle_s(self) -> int | None:
        return round(self.handle_s / self.calls) if self.calls else None


class TodayService:
    def __init__(self, sync: SyncService, calls: CallService, agent: AgentStateService, client: PlatformClient, *,
                 now: Callable[[], datetime] = clock.now) -> None:
        self.sync, self.calls, self.agent, self.client, self.now = sync, calls, agent, client, now
        self.changed = Signal("today's figures changed")  # ()
        self._day, self._calls, self._handle_s = self._load()
        self._wrap_up_since: datetime | None = None  # the last call's after-call work, under way
        self._answered: dict[str, datetime] = {}  # call id -> when this seat saw it answered
        self._orders: int | None = None  # counted again when None
        self._writes: set[asyncio.Future] = set()
        self._subs = Subscriptions()
        self._subs.connect(calls.answered, self._on_answered)
        self._subs.connect(calls.ended, self._on_ended)
        self._subs.connect(calls.ringing, self._on_agent)  # a ring ends the wrap-up of the call before
        self._subs.connect(agent.changed, self._on_agent)
        for signal in (sync.outbox_changed, sync.synced):  # an order recorded here, or the platform's rows
            self._subs.connect(signal, self._orders_moved)

    def figures(self) -> TodayFigures:
        now = self._moment()
        handle = self._handle_s
        if self._wrap_up_since is not None:
            handle += max(0.0, (now - self._wrap_up_since).total_seconds())
        if self._orders is None:
            self._orders = self._count_orders(self._day)
        return TodayFigures(self._day, self._calls, handle, self._orders)

    async def close(self) -> None:
        """No more counting; what is being kept reaches the cache first."""
        self._subs.close()
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    # -- counting -------------------------------------------------------------------------------

    def _moment(self) -> datetime:
        """Now, in China time; a new day starts the figures again."""
        now = self.now().astimezone(clock.CENTRE_TZ)
        if now.date() != self._day:
            self._day, self._calls, self._handle_s = now.date(), 0, 0.0
            self._wrap_up_since, self._orders = None, None  # a wrap-up from before midnight went with its call
        return now

    def _on_answered(self, call: Call) -> None:
        self._answered[call.id] = self._moment()

    def _on_ended(self, call: Call) -> None:
        answered = self._answered.pop(call.id, None)
        if call.missed:
            return
        now = self._moment()
        self._close_wrap_up(now)
        if answered is None:  # answered before this service heard of it: the source's own stamps
            answered = _parse(call.answered_at) or now
            now_at = _parse(call.ended_at) or now
            talk = (now_at - answered).total_seconds()
        else:
            talk = (now - answered).total_seconds()
        self._calls += 1
        self._handle_s += max(0.0, talk)
        self._wrap_up_since = now
        self._keep()
        self.changed.emit()

    def _on_agent(self, *_: object) -> None:
        """After-call work ends when the seat leaves it (the agent's key, its time up, the platform
        moved it on) or when another call rings."""
        if self._wrap_up_since is None:
            return
        now = self._moment()
        if self._wrap_up_since is not None and (self.calls.current is not None or not self.agent.busy):
            self._close_wrap_up(now)
            self._keep()
            self.changed.emit()

    def _close_wrap_up(self, now: datetime) -> None:
        if self._wrap_up_since is not None:
            self._handle_s += max(0.0, (now - self._wrap_up_since).total_seconds())
            self._wrap_up_since = None

    def _orders_moved(self, *_: object) -> None:
        self._orders = None
        self.changed.emit()

    def _count_orders(self, day: date) -> int:
        start = datetime.combine(day, time(), tzinfo=clock.CENTRE_TZ)
        session = self.client.session
        user_id = session.user.get("id") if session is not None else None
        try:
            return workorders.count_mine(self.sync.store.conn, int(user_id) if user_id is not None else None,
                                         clock.stamp(start), clock.stamp(start + timedelta(days=1)))
        except sqlite3.Error as exc:  # the store closed meanwhile (sign-out), or the cache went bad
            log.info("today's orders not counted: %s", type(exc).__name__)
            return 0

    # -- keeping them ---------------------------------------------------------------------------

    def _load(self) -> tuple[date, int, float]:
        today = self.now().astimezone(clock.CENTRE_TZ).date()
        try:
            kept = json.loads(self.sync.store.get_state(FIGURES_KEY) or "{}")
            if date.fromisoformat(kept["day"]) == today:
                return today, int(kept["calls"]), float(kept["handle_s"])
        except (KeyError, TypeError, ValueError):
            pass  # none kept yet, or another day's: today starts at zero
        return today, 0, 0.0

    def _keep(self) -> None:
        value = json.dumps({"day": self._day.isoformat(), "calls": self._calls, "handle_s": round(self._handle_s, 3)})
        store = self.sync.store

        def write() -> None:
            with store.transaction() as conn:
                store.set_state(conn, FIGURES_KEY, value)
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop (a script, the end of a run): nothing else writes now
            write()
            return
        task = asyncio.ensure_future(self.sync.write(write))  # the writer keeps the order of the writes
        self._writes.add(task)
        task.add_done_callback(self._written)

    def _written(self, task: asyncio.Future) -> None:
        self._writes.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("today's figures not kept: %s", type(exc).__name__)


def _parse(stamp: str) -> datetime | None:
    try:
        return clock.parse(stamp) if stamp else None
    except ValueError:
        return None
