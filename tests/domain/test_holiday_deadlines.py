"""Deadlines across the Spring Festival and National Day holidays, on the calendar the platform
seeds from chinese-calendar (through its table rows, as the platform stores it).

The official schedules (State Council notices), as chinese-calendar 1.11.0 has them:

National Day 2025 (with Mid-Autumn): off Wed 1 Oct - Wed 8 Oct 2025;
    make-up workdays Sun 28 Sep and Sat 11 Oct 2025.
Spring Festival 2026: off Sun 15 Feb - Mon 23 Feb 2026 (nine days);
    make-up workdays Sat 14 Feb and Sat 28 Feb 2026.
Mid-Autumn 2026: off Fri 25 Sep 2026 (a three-day weekend).
National Day 2026: off Thu 1 Oct - Wed 7 Oct 2026;
    make-up workdays Sun 20 Sep and Sat 10 Oct 2026.
2027: not published when chinese-calendar 1.11.0 was made; weekends only, provisional.

The acceptance day does not count; a deadline is the end (23:59:59) of its last working day.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.calendar import WorkCalendar
from domain.clock import CENTRE_TZ
from domain.workorder import Urgency


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return WorkCalendar.from_rows(WorkCalendar.from_library().table_rows())


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=CENTRE_TZ)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=CENTRE_TZ)


def test_the_schedules_the_tests_rely_on(calendar):
    assert calendar.is_workday(date(2026, 2, 14)) and calendar.is_workday(date(2026, 2, 28))  # Saturdays
    assert not any(calendar.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert calendar.is_workday(date(2025, 9, 28)) and calendar.is_workday(date(2025, 10, 11))
    assert not any(calendar.is_workday(date(2025, 10, d)) for d in range(1, 9))
    assert calendar.is_workday(date(2026, 9, 20)) and calendar.is_workday(date(2026, 10, 10))
    assert not any(calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))


# (accepted, working days, due): each due date counted by hand from the schedules above
CASES = [
    # Sat 14 Feb 2026, the make-up day before the Spring Festival: 24, 25, 26, 27 Feb, Sat 28 Feb (5),
    # 2-6 Mar (10), 9-13 Mar (15)
    (at(2026, 2, 14), 15, end_of(2026, 3, 13)),
    # Fri 13 Feb 2026: Sat 14 Feb counts (1), 24-27 Feb (5), Sat 28 Feb (6), 2-6 Mar (11), 9-12 Mar (15)
    (at(2026, 2, 13), 15, end_of(2026, 3, 12)),
    # the first working day after the holiday
    (at(2026, 2, 14, 23, 0), 1, end_of(2026, 2, 24)),
    # Tue 30 Sep 2025: 9, 10 Oct, Sat 11 Oct (3), 13-17 Oct (8), 20-24 Oct (13), 27, 28 Oct (15)
    (at(2025, 9, 30), 15, end_of(2025, 10, 28)),
    # Sat 27 Sep 2025: the make-up Sunday counts: Sun 28 (1), Mon 29 (2), Tue 30 Sep (3)
    (at(2025, 9, 27), 3, end_of(2025, 9, 30)),
    # Wed 30 Sep 2026: 8, 9 Oct, Sat 10 Oct (3), 12-16 Oct (8), 19-23 Oct (13), 26, 27 Oct (15)
    (at(2026, 9, 30), 15, end_of(2026, 10, 27)),
    # Fri 18 Sep 2026: Sun 20 Sep counts (1), 21-24 Sep (5), Fri 25 Sep is Mid-Autumn, 28-30 Sep (8),
    # 8, 9 Oct (10), Sat 10 Oct (11), 12-15 Oct (15)
    (at(2026, 9, 18), 15, end_of(2026, 10, 15)),
]


@pytest.mark.parametrize(("accepted", "days", "due"), CASES, ids=[f"{c[0]:%Y-%m-%d}+{c[1]}" for c in CASES])
def test_working_days_skip_holidays_and_count_make_up_days(calendar, accepted, days, due):
    deadline = calendar.deadline_for(accepted, Urgency.normal, working_days=days)
    assert deadline.due == due
    assert not deadline.provisional


def test_an_urgent_order_counts_24_clock_hours_through_the_holiday(calendar):
    # accepted at 18:30 on the eve of the Spring Festival holiday: due at 18:30 on its first day off
    deadline = calendar.deadline_for(at(2026, 2, 14, 18, 30), Urgency.urgent)
    assert deadline.due == at(2026, 2, 15, 18, 30)
    assert deadline.due - at(2026, 2, 14, 18, 30) == timedelta(hours=24)
    assert not deadline.provisional
    # the same over National Day 2026
    assert calendar.deadline_for(at(2026, 9, 30, 23, 0), Urgency.urgent, urgent_hours=4).due == at(2026, 10, 1, 3, 0)


def test_a_deadline_reaching_into_2027_counts_weekends_only_and_is_provisional(calendar):
    # Mon 28 Dec 2026: 29-31 Dec (3), Fri 1 Jan 2027 counts, its holiday unknown (4), 4-8 Jan (9),
    # 11-15 Jan (14), Mon 18 Jan 2027 (15)
    deadline = calendar.deadline_for(at(2026, 12, 28), Urgency.normal, working_days=15)
    assert deadline.due == end_of(2027, 1, 18)
    assert deadline.provisional
    # wholly inside 2027: Mon 1 Feb 2027 + 5 -> Mon 8 Feb
    later = calendar.deadline_for(at(2027, 2, 1), Urgency.normal, working_days=5)
    assert (later.due, later.provisional) == (end_of(2027, 2, 8), True)
    # an urgent one is never provisional: clock hours need no calendar
    assert not calendar.deadline_for(at(2027, 2, 1), Urgency.urgent).provisional


def test_an_extension_counts_from_the_old_deadline(calendar):
    # a deadline at the end of Tue 30 Sep 2025 extended by 3 working days: 9, 10 Oct, Sat 11 Oct
    extended = calendar.add_working_days(end_of(2025, 9, 30), 3)
    assert extended.due == end_of(2025, 10, 11)
