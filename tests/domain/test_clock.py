"""The centre's clock: China time by default, a settable source for simulated time."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import clock


def test_real_time_by_default_in_china_time():
    before = datetime.now(UTC)
    moment = clock.now()
    after = datetime.now(UTC)
    assert moment.utcoffset() == timedelta(hours=8)
    assert before <= moment <= after
    assert clock.stamp().endswith("+08:00")


def test_now_and_stamp_follow_the_source_inside_use_only():
    fixed = datetime(2026, 2, 16, 9, 30, tzinfo=clock.CENTRE_TZ)
    with clock.use(lambda: fixed):
        assert clock.now() == fixed
        assert clock.stamp() == "2026-02-16T09:30:00.000000+08:00"
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_source_in_another_zone_or_naive_is_read_as_china_time():
    with clock.use(lambda: datetime(2026, 1, 1, 0, 0, tzinfo=UTC)):
        assert clock.stamp() == "2026-01-01T08:00:00.000000+08:00"
        assert clock.now().utcoffset() == timedelta(hours=8)
    with clock.use(lambda: datetime(2026, 1, 1, 12, 0)):
        assert clock.stamp() == "2026-01-01T12:00:00.000000+08:00"


def test_a_moving_source_moves_every_stamp():
    ticks = iter(range(3))
    start = datetime(2025, 10, 1, tzinfo=clock.CENTRE_TZ)
    with clock.use(lambda: start + timedelta(seconds=next(ticks))):
        assert [clock.stamp()[17:19] for _ in range(3)] == ["00", "01", "02"]


def test_use_nests_and_restores_after_an_error():
    outer = datetime(2025, 1, 1, tzinfo=clock.CENTRE_TZ)
    inner = datetime(2025, 6, 1, tzinfo=clock.CENTRE_TZ)
    with clock.use(lambda: outer):
        with pytest.raises(RuntimeError), clock.use(lambda: inner):
            assert clock.now() == inner
            raise RuntimeError("boom")
        assert clock.now() == outer
    assert clock.source() is clock.real_time


def test_set_source_returns_the_previous_and_none_restores_real_time():
    fixed = datetime(2025, 1, 1, tzinfo=clock.CENTRE_TZ)
    previous = clock.set_source(lambda: fixed)
    try:
        assert previous is clock.real_time and clock.now() == fixed
    finally:
        assert clock.set_source(None)() == fixed
    assert clock.source() is clock.real_time
