"""What the platform accepts from a client, beyond each field's own rules.

Text: no control characters (but tab and newlines) and no lone surrogates. PostgreSQL cannot store
NUL or unpaired surrogates, and neither belongs in a work order anyway. Integers, dates and times,
and JSON nesting: bounded, so that no input reaches a limit of the database, of `datetime` or of
Python's recursion (each is a 500 otherwise).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from itertools import accumulate
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, Field, StringConstraints

from domain import clock
from domain.chars import first_bad_char

__all__ = ["first_bad_char"]  # the rule lives in domain/chars.py; platform code imports it from here too


def clean(value: str) -> str:
    bad = first_bad_char(value)
    if bad is not None:
        raise ValueError(f"contains a forbidden character U+{ord(bad):04X}")
    return value


def text(min_length: int = 0, max_length: int = 64, strip: bool = True) -> type[str]:
    """A string type with length bounds that refuses control characters."""
    return Annotated[str, StringConstraints(strip_whitespace=strip, min_length=min_length, max_length=max_length),
                     AfterValidator(clean)]  # type: ignore[return-value]


# -- numbers ---------------------------------------------------------------------------------------
# Both databases store integers in 64 bits: anything larger overflows in the driver (a 500), so
# every integer a client sends is bounded well inside that.
MAX_INT = 2**62
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
Version = Annotated[int, Field(ge=1, le=MAX_INT)]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="rows to skip")]


def check_int(field: str, value: int, low: int = 0, high: int = MAX_INT) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{field}: must be an integer from {low} to {high}")
    return value


# -- dates and times -------------------------------------------------------------------------------
# The hotline's own times (calls, transfers, periods) fall in this range; outside it they are
# typos or probes, and the limits of `datetime` (year 1, 9999, offsets of a day) overflow when
# converted to China time.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 1, 1)
# A knowledge entry may cite a policy older than the hotline.
FIRST_POLICY_DAY = date(1900, 1, 1)


def check_day(value: date, first: date = FIRST_DAY, last: date = LAST_DAY) -> date:
    if not first <= value <= last:
        raise ValueError(f"must be between {first.isoformat()} and {last.isoformat()}")
    return value


def moment(value: str) -> str:
    """An ISO 8601 time within FIRST_DAY..LAST_DAY as the platform stores it (China time); a
    time without an offset is China time. ValueError otherwise."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 time, e.g. 2025-03-01T09:30:00+08:00") from None
    check_day(parsed.date())
    try:
        return clock.stamp(parsed)
    except OverflowError:  # unreachable inside the range, kept as a refusal rather than a 500
        raise ValueError("is out of range") from None


Day = Annotated[date, AfterValidator(check_day)]
Moment = Annotated[str, StringConstraints(max_length=40), AfterValidator(moment)]


# -- JSON ------------------------------------------------------------------------------------------
# Nothing the platform takes nests deeper than a few levels; deep nesting only costs recursion in
# the parsers and encoders (FastAPI's encoder fails near 300 levels).
MAX_DEPTH = 32


def json_depth(value: object, limit: int = MAX_DEPTH) -> int:
    """How deep a parsed JSON value nests (a scalar is 0, [] is 1), counted without recursion and
    only up to `limit + 1`."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            pending.extend((child, depth) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def shallow(value: object) -> object:
    """A pydantic validator: refuse JSON nested deeper than MAX_DEPTH."""
    if json_depth(value) > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    return value


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_STEP = [1 if c in b"[{" else -1 if c in b"]}" else 0 for c in range(256)]
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def raw_json_depth(body: bytes) -> int:
    """How deep JSON text nests, without parsing it (for a body that may be too deep to parse):
    brackets outside strings, counted in C (a regex, translate, accumulate)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)
