"""The Chinese working-day calendar and deadlines (办理时限).

The holiday schedule is data: the State Council publishes next year's each autumn,
so the platform keeps it as an editable table seeded from chinese_calendar.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Self

import chinese_calendar

from domain.workorder import Urgency

_END_OF_DAY = time(23, 59, 59)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    due: datetime
    provisional: bool  # counted through a year without holiday data


class WorkCalendar:
    """Working days: Monday-Friday, corrected by overrides in the known years.

    overrides: date -> True (make-up workday on a weekend) or False (holiday on a
    weekday). A date in a year outside known_years counts weekends only.
    """

    def __init__(self, overrides: Mapping[date, bool], known_years: Iterable[int]) -> None:
        self._known = frozenset(known_years)
        self._overrides = dict(overrides)
        stray = sorted({d.year for d in self._overrides} - self._known)
        if stray:
            raise ValueError(f"overrides given for years not in known_years: {stray}")

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[date, bool]], known_years: Iterable[int] | None = None
    ) -> Self:
        """Build from table rows; by default a year is known when it has any row
        (every real schedule has weekday holidays, so a year with data has rows)."""
        overrides = dict(rows)
        years = {d.year for d in overrides} if known_years is None else known_years
        return cls(overrides, years)

    @classmethod
    def from_library(cls, years: range = range(2004, 2027)) -> Self:
        """Seed from chinese_calendar, skipping the years it has no data for."""
        overrides: dict[date, bool] = {}
        known: set[int] = set()
        for year in years:
            try:
                overrides.update(_library_overrides(year))
            except NotImplementedError:
                continue
            known.add(year)
        return cls(overrides, known)

    @property
    def known_years(self) -> frozenset[int]:
        return self._known

    def table_rows(self) -> list[tuple[date, bool]]:
        return sorted(self._overrides.items())

    def is_known(self, d: date) -> bool:
        return d.year in self._known

    def is_workday(self, d: date) -> bool:
        if d in self._overrides:  # only ever holds dates of known years
            return self._overrides[d]
        return d.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> Deadline:
        """End of the Nth working day after start's date (the acceptance day does
        not count), in start's time zone."""
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        day, counted, provisional = start.date(), 0, False
        while counted < days:
            day += _ONE_DAY
            provisional = provisional or not self.is_known(day)
            counted += self.is_workday(day)
        return Deadline(datetime.combine(day, _END_OF_DAY, tzinfo=start.tzinfo), provisional)

    def add_hours(self, start: datetime, hours: int) -> Deadline:
        """Urgent orders run through holidays: plain clock hours."""
        if hours < 1:
            raise ValueError(f"hours must be at least 1, got {hours}")
        return Deadline(start + timedelta(hours=hours), provisional=False)

    def deadline_for(
        self,
        start: datetime,
        urgency: Urgency,
        working_days: int = 15,
        urgent_hours: int = 24,
    ) -> Deadline:
        if Urgency(urgency) is Urgency.urgent:
            return self.add_hours(start, urgent_hours)
        return self.add_working_days(start, working_days)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkCalendar):
            return NotImplemented
        return self._known == other._known and self._overrides == other._overrides

    def __repr__(self) -> str:
        years = f"{min(self._known)}-{max(self._known)}" if self._known else "none"
        return f"WorkCalendar(known_years={years}, overrides={len(self._overrides)})"


def _library_overrides(year: int) -> dict[date, bool]:
    """The days of `year` where chinese_calendar departs from Monday-Friday."""
    result: dict[date, bool] = {}
    day = date(year, 1, 1)
    while day.year == year:
        workday = chinese_calendar.is_workday(day)  # NotImplementedError: no data
        if workday != (day.weekday() < 5):
            result[day] = workday
        day += _ONE_DAY
    return result
