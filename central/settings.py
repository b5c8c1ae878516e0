"""The centre's settings: a few numbers the centre decides, kept in the database (`meta`) so that
every API worker reads the same; `hotline-central settings` shows and sets them.

- `callback_unreached_days`: a replied order whose requester was not reached by callback attempts
  on this many different days closes as unreachable (domain.workorder.closes_unreached).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db
from domain.workorder import UNREACHED_DAYS_DEFAULT, UNREACHED_DAYS_RANGE


@dataclass(frozen=True)
class Setting:
    name: str
    default: int
    low: int
    high: int
    help: str


SETTINGS = {s.name: s for s in (
    Setting("callback_unreached_days", UNREACHED_DAYS_DEFAULT, *UNREACHED_DAYS_RANGE,
            "unreached callback attempts on this many different days close a replied order as unreachable"),
)}
_PREFIX = "setting."


def check(name: str, value: object) -> int:
    """The value as kept; ValueError naming the setting and its bounds."""
    setting = SETTINGS.get(name)
    if setting is None:
        raise ValueError(f"unknown setting {name!r}; known: {', '.join(sorted(SETTINGS))}")
    try:
        number = int(str(value))
    except ValueError:
        raise ValueError(f"{name}: a whole number from {setting.low} to {setting.high}") from None
    if not setting.low <= number <= setting.high:
        raise ValueError(f"{name}: a whole number from {setting.low} to {setting.high}")
    return number


async def get(conn: AsyncConnection, name: str) -> int:
    kept = (await conn.execute(select(db.meta_kv.c.value).where(db.meta_kv.c.key == _PREFIX + name))).scalar()
    if kept is None:
        return SETTINGS[name].default
    try:
        return check(name, kept)
    except ValueError:
        return SETTINGS[name].default  # a value written by hand out of bounds: the default, never a 500


async def put(conn: AsyncConnection, name: str, value: object) -> int:
    number = check(name, value)
    await conn.execute(db.meta_kv.delete().where(db.meta_kv.c.key == _PREFIX + name))
    await conn.execute(db.meta_kv.insert().values(key=_PREFIX + name, value=str(number)))
    return number


async def all_settings(conn: AsyncConnection) -> dict[str, int]:
    return {name: await get(conn, name) for name in SETTINGS}
