from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from domain.calendar import Deadline, WorkCalendar
from domain.workorder import Urgency

CST = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.from_library()


def _end(y: int, m: int, d: int, tz: timezone | None = None) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=tz)


def test_library_years(cal: WorkCalendar) -> None:
    assert cal.known_years == frozenset(range(2004, 2027))
    assert not cal.is_known(date(2027, 1, 4))
    assert cal.is_known(date(2026, 12, 31))


@pytest.mark.parametrize("day", range(10, 18))
def test_spring_festival_2024_is_off(cal: WorkCalendar, day: int) -> None:
    assert not cal.is_workday(date(2024, 2, day))


@pytest.mark.parametrize("day", [date(2024, 2, 4), date(2024, 2, 18)])
def test_spring_festival_2024_makeup_sundays(cal: WorkCalendar, day: date) -> None:
    assert day.weekday() == 6
    assert cal.is_workday(day)


@pytest.mark.parametrize("day", range(1, 9))
def test_national_day_2025_is_off(cal: WorkCalendar, day: int) -> None:
    assert not cal.is_workday(date(2025, 10, day))


def test_national_day_2025_makeup_days(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2025, 9, 28))  # Sunday
    assert cal.is_workday(date(2025, 10, 11))  # Saturday
    assert not cal.is_workday(date(2025, 10, 12))  # an ordinary Sunday


def test_ordinary_week(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2025, 11, 24))
    assert not cal.is_workday(date(2025, 11, 22))


def test_acceptance_day_does_not_count(cal: WorkCalendar) -> None:
    # Monday 2025-11-24 + 1 working day = end of Tuesday
    deadline = cal.add_working_days(datetime(2025, 11, 24, 9, 0), 1)
    assert deadline == Deadline(_end(2025, 11, 25), provisional=False)


def test_deadline_over_a_weekend(cal: WorkCalendar) -> None:
    # Friday 2025-11-21 + 1 = Monday 2025-11-24
    assert cal.add_working_days(datetime(2025, 11, 21, 17), 1).due == _end(2025, 11, 24)


def test_deadline_spans_national_day(cal: WorkCalendar) -> None:
    # Tue 2025-09-30: 10-01..08 off, Thu 10-09, Fri 10-10, Sat 10-11 (make-up), Mon 10-13
    start = datetime(2025, 9, 30, 10)
    assert cal.add_working_days(start, 1).due == _end(2025, 10, 9)
    assert cal.add_working_days(start, 3).due == _end(2025, 10, 11)
    assert cal.add_working_days(start, 4).due == _end(2025, 10, 13)


def test_deadline_spans_spring_festival_2024(cal: WorkCalendar) -> None:
    # Thu 2024-02-08: Fri 02-09 works, 02-10..17 off, Sun 02-18 is a make-up workday
    start = datetime(2024, 2, 8, 15)
    assert cal.add_working_days(start, 2).due == _end(2024, 2, 18)
    assert cal.add_working_days(start, 3).due == _end(2024, 2, 19)


def test_make_up_sunday_counts_before_the_festival(cal: WorkCalendar) -> None:
    # Sat 2024-02-03 + 1 = the make-up Sunday 2024-02-04
    assert cal.add_working_days(datetime(2024, 2, 3, 12), 1).due == _end(2024, 2, 4)


def test_start_on_a_holiday(cal: WorkCalendar) -> None:
    # Accepted on National Day itself: the first working day is 2025-10-09
    deadline = cal.add_working_days(datetime(2025, 10, 3, 11), 1)
    assert deadline == Deadline(_end(2025, 10, 9), provisional=False)


def test_fifteen_working_days(cal: WorkCalendar) -> None:
    # Mon 2025-09-22: 22..26 (4 after the start), Sun 28, Mon 29, Tue 30, then after
    # the holiday 9, 10, 11 (Sat), 13..17 -> 15th is Fri 2025-10-17
    assert cal.add_working_days(datetime(2025, 9, 22, 9), 15).due == _end(2025, 10, 17)


def test_year_without_data_counts_weekends_only(cal: WorkCalendar) -> None:
    # 2027-01-01 is a Friday and surely a holiday, but there is no data yet.
    assert cal.is_workday(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 1, 2))
    deadline = cal.add_working_days(datetime(2026, 12, 31, 10), 1)
    assert deadline == Deadline(_end(2027, 1, 1), provisional=True)


def test_deadline_through_unknown_year_is_provisional(cal: WorkCalendar) -> None:
    deadline = cal.deadline_for(datetime(2026, 12, 25, 10), Urgency.normal)
    assert deadline == Deadline(_end(2027, 1, 15), provisional=True)
    assert cal.add_working_days(datetime(2027, 3, 1), 5).provisional


def test_deadline_inside_known_year_is_not_provisional(cal: WorkCalendar) -> None:
    assert not cal.add_working_days(datetime(2026, 12, 1, 10), 15).provisional


def test_timezone_is_kept(cal: WorkCalendar) -> None:
    deadline = cal.add_working_days(datetime(2025, 9, 30, 10, tzinfo=CST), 1)
    assert deadline.due == _end(2025, 10, 9, CST)
    assert deadline.due.tzinfo is CST


def test_urgent_counts_clock_hours_through_holidays(cal: WorkCalendar) -> None:
    start = datetime(2025, 10, 1, 8, 30, tzinfo=CST)
    assert cal.add_hours(start, 24) == Deadline(datetime(2025, 10, 2, 8, 30, tzinfo=CST), False)
    assert cal.deadline_for(start, Urgency.urgent, urgent_hours=4).due == start + timedelta(hours=4)


def test_urgent_in_unknown_year_is_not_provisional(cal: WorkCalendar) -> None:
    assert not cal.deadline_for(datetime(2027, 2, 1), Urgency.urgent).provisional


def test_deadline_for_normal_uses_working_days(cal: WorkCalendar) -> None:
    start = datetime(2025, 9, 30, 10)
    assert cal.deadline_for(start, Urgency.normal, working_days=3) == cal.add_working_days(start, 3)
    assert cal.deadline_for(start, "normal", working_days=3).due == _end(2025, 10, 11)


@pytest.mark.parametrize("days", [0, -1])
def test_working_days_must_be_positive(cal: WorkCalendar, days: int) -> None:
    with pytest.raises(ValueError, match="days must be at least 1"):
        cal.add_working_days(datetime(2025, 1, 2), days)


def test_hours_must_be_positive(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="hours must be at least 1"):
        cal.add_hours(datetime(2025, 1, 2), 0)


def test_table_round_trip(cal: WorkCalendar) -> None:
    rows = cal.table_rows()
    assert rows == sorted(rows)
    assert (date(2024, 2, 12), False) in rows
    assert (date(2024, 2, 18), True) in rows
    assert all(is_work == (d.weekday() >= 5) for d, is_work in rows)
    again = WorkCalendar.from_rows(rows)
    assert again == cal
    assert again.known_years == cal.known_years
    assert again.add_working_days(datetime(2025, 9, 30), 3) == cal.add_working_days(
        datetime(2025, 9, 30), 3
    )


def test_admin_adds_next_year() -> None:
    # The State Council's 2027 schedule arrives: the admin adds its rows.
    rows = [(date(2027, 1, 1), False), (date(2027, 2, 6), True)]
    cal = WorkCalendar.from_rows(rows)
    assert cal.is_known(date(2027, 6, 1))
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 2, 6))
    assert not cal.add_working_days(datetime(2027, 3, 1), 5).provisional


def test_explicit_known_years_without_overrides() -> None:
    cal = WorkCalendar({}, {2030})
    assert cal.is_known(date(2030, 5, 1))
    assert cal.is_workday(date(2030, 5, 1))  # no data says otherwise


def test_overrides_outside_known_years_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"\[2027\]"):
        WorkCalendar({date(2027, 1, 1): False}, {2026})


def test_library_skips_unsupported_years() -> None:
    cal = WorkCalendar.from_library(range(2025, 2029))
    assert cal.known_years == {2025, 2026}
