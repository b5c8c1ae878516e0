"""Work-order numbers: the platform's, and the provisional ones made offline on a seat."""
from __future__ import annotations

import re
from datetime import date, datetime

MAX_SERIAL = 999_999
_PLATFORM = re.compile(r"(\d{8})(\d{6})")
# "L-" cannot start a platform number (all digits), so the two never collide.
_PROVISIONAL = re.compile(r"L-([A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?)-([1-9]\d*)")
_SEAT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?")


def _check_serial(serial: int) -> None:
    if isinstance(serial, bool) or not isinstance(serial, int):
        raise ValueError(f"serial must be an int, got {type(serial).__name__}")
    if not 1 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial must be 1..{MAX_SERIAL}, got {serial}")


def format_order_number(day: date, serial: int) -> str:
    """"20261125000042": the acceptance day, then the day's serial in six digits."""
    _check_serial(serial)
    return f"{day:%Y%m%d}{serial:06d}"


def parse_order_number(s: str) -> tuple[date, int]:
    match = _PLATFORM.fullmatch(s) if isinstance(s, str) else None
    if not match:
        raise ValueError(f"work-order number must be 14 digits (YYYYMMDD + serial), got {s!r}")
    try:
        day = datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        raise ValueError(f"work-order number has an invalid date: {s!r}") from None
    serial = int(match.group(2))
    if serial == 0:
        raise ValueError(f"work-order number has serial 000000: {s!r}")
    return day, serial


def provisional_number(seat: str, seq: int) -> str:
    """"L-A012-7": made on seat A012 while offline; replaced on upload."""
    if not isinstance(seat, str) or not _SEAT.fullmatch(seat):
        raise ValueError(f"seat must be letters, digits, '_', '.', '-', got {seat!r}")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise ValueError(f"seq must be a positive int, got {seq!r}")
    return f"L-{seat}-{seq}"


def is_provisional_number(s: str) -> bool:
    return isinstance(s, str) and _PROVISIONAL.fullmatch(s) is not None


def parse_provisional_number(s: str) -> tuple[str, int]:
    """(seat, seq) of a provisional number."""
    match = _PROVISIONAL.fullmatch(s) if isinstance(s, str) else None
    if not match:
        raise ValueError(f"not a provisional work-order number: {s!r}")
    return match.group(1), int(match.group(2))
