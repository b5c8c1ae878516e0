"""Seats registered on the platform (issue 12): once any seat is registered, a sign-in works at the
seat registered at its address, whatever seat the client names, and the audit names that seat; an
address with no seat is refused. With none registered, the named seat is taken. The real platform
over loopback; the second address is 127.0.0.2, which Linux routes to the same loopback interface.
"""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from central import db, seats
from central.seed import DEMO_PASSWORD
from tests.platform.test_lifecycle import db_run


def sign_in(platform, seat: str, source: str = "127.0.0.1") -> httpx.Response:  # noqa: ANN001
    with httpx.Client(base_url=platform.url, transport=httpx.HTTPTransport(local_address=source)) as client:
        return client.post("/api/v1/auth/sign-in", json={"username": "agent", "password": DEMO_PASSWORD, "seat": seat})


def audited_seats(platform, action: str) -> list[str]:  # noqa: ANN001
    async def rows(conn):  # noqa: ANN001, ANN202
        t = db.audit_log
        return list((await conn.execute(select(t.c.seat).where(t.c.action == action).order_by(t.c.id))).scalars())
    return db_run(platform, rows)


def read_a_caller(platform, token: str) -> None:  # noqa: ANN001
    r = httpx.get(f"{platform.url}/api/v1/callers/13800138000", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text


def test_with_no_seat_registered_the_seat_named_is_taken(platform):
    r = sign_in(platform, "LAB-7")
    assert r.status_code == 200 and r.json()["seat"] == "LAB-7"
    read_a_caller(platform, r.json()["access_token"])
    assert audited_seats(platform, "read") == ["LAB-7"]


def test_a_registered_seat_is_the_one_at_the_address_whatever_the_client_says(platform):
    db_run(platform, lambda conn: seats.add(conn, "A-01", "127.0.0.1", "一楼 1 号席"))
    r = sign_in(platform, "B-99")  # a seat another desk has: not believed
    assert r.status_code == 200 and r.json()["seat"] == "A-01"
    read_a_caller(platform, r.json()["access_token"])
    assert audited_seats(platform, "read") == ["A-01"]
    refreshed = httpx.post(f"{platform.url}/api/v1/auth/refresh", json={"refresh_token": r.json()["refresh_token"]})
    assert refreshed.status_code == 200 and refreshed.json()["seat"] == "A-01"

    stranger = sign_in(platform, "A-01", source="127.0.0.2")  # no seat there, whatever it claims
    assert stranger.status_code == 403 and stranger.json()["error"] == "seat_not_registered"
    assert "access_token" not in stranger.json()
    assert audited_seats(platform, "sign_in_unregistered_seat") == ["127.0.0.2"]


def test_a_seat_is_registered_once_at_one_address(platform):
    db_run(platform, lambda conn: seats.add(conn, "A-01", "127.0.0.1"))
    for seat_id, address in (("A-01", "127.0.0.9"), ("A-02", "127.0.0.1"), ("A 03", "127.0.0.3"),
                             ("A-04", "not-an-address")):
        with pytest.raises(seats.SeatError):
            db_run(platform, lambda conn, s=seat_id, a=address: seats.add(conn, s, a))
    assert db_run(platform, lambda conn: seats.add(conn, "A-02", "::ffff:127.0.0.2"))["address"] == "127.0.0.2"
