"""A virtual clock for running the centre faster than real time.

The scheduler keeps its timers in a heap; the driver takes the earliest, moves the clock to it,
runs it, and waits for the platform's background writes before the next, so that events happen
in simulated order and every stamp (`domain.clock`, through `moment`) reads simulated time.
"""
from __future__ import annotations

import heapq
import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta


class VirtualHandle:
    __slots__ = ("when", "fn", "args", "_cancelled")

    def __init__(self, when: float, fn: Callable[..., object], args: tuple) -> None:
        self.when, self.fn, self.args = when, fn, args
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def cancelled(self) -> bool:
        return self._cancelled


class VirtualScheduler:
    """now() and call_later() on simulated seconds from `start`."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._now = 0.0
        self._heap: list[tuple[float, int, VirtualHandle]] = []
        self._order = itertools.count()  # timers due at the same moment run in the order they were set
        self.steps = 0

    def now(self) -> float:
        return self._now

    def moment(self) -> datetime:
        """The simulated wall-clock time: a `domain.clock` source."""
        return self.start + timedelta(seconds=self._now)

    def call_later(self, delay: float, fn: Callable[..., object], *args: object) -> VirtualHandle:
        handle = VirtualHandle(self._now + max(0.0, delay), fn, args)
        heapq.heappush(self._heap, (handle.when, next(self._order), handle))
        return handle

    def call_at(self, moment: datetime, fn: Callable[..., object], *args: object) -> VirtualHandle:
        return self.call_later((moment - self.moment()).total_seconds(), fn, *args)

    def pending(self) -> int:
        return sum(not h.cancelled() for _, _, h in self._heap)

    def _next(self, until: float) -> VirtualHandle | None:
        while self._heap:
            when, _, handle = self._heap[0]
            if handle.cancelled():
                heapq.heappop(self._heap)
                continue
            if when > until:
                return None
            heapq.heappop(self._heap)
            return handle
        return None

    async def run_until(self, until: float, settle: Callable[[], Awaitable[None]]) -> None:
        """Run every timer due up to `until` seconds, awaiting `settle()` after each; the clock
        then stands at `until`."""
        while (handle := self._next(until)) is not None:
            self._now = max(self._now, handle.when)
            handle.fn(*handle.args)
            self.steps += 1
            await settle()
        self._now = max(self._now, until)
