"""Time in the hotline centre: one fixed offset, China Standard Time (no daylight saving).

Timestamps are stored as ISO-8601 strings with the +08:00 offset, so that they sort as text on
SQLite and PostgreSQL alike and read the same in both.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

CENTRE_TZ = timezone(timedelta(hours=8), "CST")


def now() -> datetime:
    return datetime.now(CENTRE_TZ)


def stamp(moment: datetime | None = None) -> str:
    moment = moment or now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CENTRE_TZ)
    return moment.astimezone(CENTRE_TZ).isoformat(timespec="microseconds")


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text)
