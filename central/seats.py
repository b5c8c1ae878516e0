"""The seats of the centre, registered on the platform by their network address (R14: the audit
names the seat the platform knows, not the one a client says).

A centre's seats are fixed desks on fixed addresses. Once any seat is registered
(`hotline-central seat add A-01 --address 10.1.2.31`), a sign-in takes the seat registered at the
address it comes from, whatever seat the client names, and one from an address with no seat is
refused (403 `seat_not_registered`). With no seat registered (the demo, a one-machine lab) the
seat a client names is taken as it is, and the platform says so at start-up.

Behind a reverse proxy every request comes from the proxy's address: register the seats only
where the platform sees the seats' own addresses.
"""
from __future__ import annotations

import ipaddress

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db
from domain import clock


class SeatError(ValueError):
    """A seat that cannot be registered as asked (the message says why)."""


def normalize_address(raw: str) -> str:
    """An IPv4 or IPv6 address in its canonical form, an IPv4-mapped IPv6 address as IPv4 (a
    dual-stack listener reports them so); raises SeatError."""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        raise SeatError(f"not an IP address: {raw!r}") from None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


async def add(conn: AsyncConnection, seat_id: str, address: str, name: str = "") -> dict:
    t = db.seats
    address = normalize_address(address)
    if not seat_id or len(seat_id) > 64 or not all(c.isalnum() or c in "-_." for c in seat_id):
        raise SeatError("a seat id has 1-64 letters, digits, '.', '_' or '-'")
    taken = (await conn.execute(select(t.c.id, t.c.address).where((t.c.id == seat_id) | (t.c.address == address))
                                )).first()
    if taken is not None:
        raise SeatError(f"seat {taken.id} is registered at {taken.address} already")
    row = {"id": seat_id, "address": address, "name": name[:128], "created_at": clock.stamp()}
    await conn.execute(t.insert().values(**row))
    return row


async def remove(conn: AsyncConnection, seat_id: str) -> bool:
    result = await conn.execute(db.seats.delete().where(db.seats.c.id == seat_id))
    return result.rowcount > 0


async def all_seats(conn: AsyncConnection) -> list[dict]:
    return [dict(r) for r in (await conn.execute(select(db.seats).order_by(db.seats.c.id))).mappings()]


async def any_registered(conn: AsyncConnection) -> bool:
    return (await conn.execute(select(db.seats.c.id).limit(1))).first() is not None


async def seat_at(conn: AsyncConnection, address: str, named: str) -> str | None:
    """The seat a sign-in from `address` works at: the one registered there; `named` (the client's
    word) when no seat is registered at all; None when seats are registered but none there."""
    if not await any_registered(conn):
        return named
    try:
        address = normalize_address(address)
    except SeatError:
        return None
    return (await conn.execute(select(db.seats.c.id).where(db.seats.c.address == address))).scalar()
