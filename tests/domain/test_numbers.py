from __future__ import annotations

from datetime import date

import pytest

from domain.numbers import (
    format_order_number,
    is_provisional_number,
    parse_order_number,
    parse_provisional_number,
    provisional_number,
)


def test_format() -> None:
    assert format_order_number(date(2026, 11, 25), 42) == "20261125000042"
    assert format_order_number(date(2026, 1, 5), 1) == "20260105000001"
    assert format_order_number(date(2026, 1, 5), 999_999) == "20260105999999"


@pytest.mark.parametrize("serial", [0, -1, 1_000_000])
def test_format_rejects_serial_out_of_range(serial: int) -> None:
    with pytest.raises(ValueError, match="serial must be 1..999999"):
        format_order_number(date(2026, 1, 5), serial)


@pytest.mark.parametrize("serial", [True, 1.0, "1"])
def test_format_rejects_non_int_serial(serial: object) -> None:
    with pytest.raises(ValueError, match="serial must be an int"):
        format_order_number(date(2026, 1, 5), serial)  # type: ignore[arg-type]


def test_parse_round_trip() -> None:
    assert parse_order_number("20261125000042") == (date(2026, 11, 25), 42)
    day, serial = date(2024, 2, 29), 123_456
    assert parse_order_number(format_order_number(day, serial)) == (day, serial)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "14 digits"),
        ("2026112500004", "14 digits"),
        ("202611250000420", "14 digits"),
        ("2026112500004a", "14 digits"),
        (" 20261125000042", "14 digits"),
        ("L-A012-7", "14 digits"),
        ("20261325000042", "invalid date"),
        ("20250229000001", "invalid date"),
        ("20261125000000", "serial 000000"),
    ],
)
def test_parse_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_order_number(text)


def test_parse_rejects_non_string() -> None:
    with pytest.raises(ValueError):
        parse_order_number(20261125000042)  # type: ignore[arg-type]


def test_provisional() -> None:
    number = provisional_number("A012", 7)
    assert number == "L-A012-7"
    assert is_provisional_number(number)
    assert parse_provisional_number(number) == ("A012", 7)


def test_provisional_seat_with_dash() -> None:
    number = provisional_number("F3-012", 15)
    assert parse_provisional_number(number) == ("F3-012", 15)


def test_platform_and_provisional_numbers_are_distinct() -> None:
    assert not is_provisional_number("20261125000042")
    with pytest.raises(ValueError):
        parse_order_number(provisional_number("A012", 20261125))


@pytest.mark.parametrize("text", ["", "L-", "L-A012", "L-A012-0", "L--7", "l-A012-7", "X-A012-7"])
def test_not_provisional(text: str) -> None:
    assert not is_provisional_number(text)
    with pytest.raises(ValueError):
        parse_provisional_number(text)


@pytest.mark.parametrize(("seat", "seq"), [("", 1), ("A 12", 1), ("座席1", 1), ("A012", 0), ("A012", True)])
def test_provisional_rejects(seat: str, seq: int) -> None:
    with pytest.raises(ValueError):
        provisional_number(seat, seq)
