"""Time in the hotline centre: one fixed offset, China Standard Time (no daylight saving).

Timestamps are stored as ISO-8601 strings with the +08:00 offset, so that they sort as text on
SQLite and PostgreSQL alike and read the same in both.

The time source is settable: a simulation runs the whole centre on a simulated clock, so that
every stamp it writes (orders, timelines, calls) follows simulated time. The source is one per
process, not per task or thread: the platform's worker thread and the test that drives it must
see the same time.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

CENTRE_TZ = timezone(timedelta(hours=8), "CST")

Source = Callable[[], datetime]


def real_time() -> datetime:
    return datetime.now(CENTRE_TZ)


_source: Source = real_time


def set_source(source: Source | None) -> Source:
    """Make `source` (a callable returning an aware datetime) the time of `now()` and `stamp()`;
    None restores real time. Returns the source it replaced."""
    global _source
    previous, _source = _source, source or real_time
    return previous


def source() -> Source:
    return _source


@contextmanager
def use(time_source: Source) -> Iterator[Source]:
    """`with clock.use(sim.moment): ...` — time follows `time_source` inside the block only."""
    previous = set_source(time_source)
    try:
        yield time_source
    finally:
        set_source(previous)


def now() -> datetime:
    moment = _source()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CENTRE_TZ)
    return moment.astimezone(CENTRE_TZ)


def stamp(moment: datetime | None = None) -> str:
    moment = moment or now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CENTRE_TZ)
    return moment.astimezone(CENTRE_TZ).isoformat(timespec="microseconds")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)
