"""Accounts and sessions, as the API and the command line both use them.

A session is one sign-in: the refresh tokens rotated from it carry its id (`family`), its access
tokens carry it as `sid`, and its event streams are tagged with it. Ending a session (sign-out, a
refresh token presented twice, the user disabled or given a new password) revokes its refresh
tokens, makes its access tokens fail on their next request, and closes its streams at once.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db, passwords
from central.errors import ApiError, invalid
from central.permissions import Role
from central.security import hash_password, new_session_id
from domain import clock
from domain.roles import UNIT_ROLES
from domain.workorder import PARTNER_KINDS

log = logging.getLogger(__name__)


class EndedWhy(StrEnum):
    signed_out = "signed_out"
    everywhere = "signed_out_everywhere"  # the user ended all of their sessions
    token_reused = "token_reused"  # a spent refresh token came back: it may have been stolen
    user_disabled = "user_disabled"
    password_changed = "password_changed"


def public(row: Any) -> dict:
    """What the API shows of a user (never the hash)."""
    locked = row["locked_until"] if row["locked_until"] and row["locked_until"] > clock.stamp() else None
    return {"id": row["id"], "username": row["username"], "display_name": row["display_name"], "role": row["role"],
            "unit_id": row["unit_id"], "active": bool(row["active"]), "locked_until": locked}


async def hashed(password: str, username: str, display_name: str = "") -> str:
    """The argon2 hash of a password that passes the policy (422 naming `password` otherwise),
    made on a worker thread: hashing takes a tenth of a second of CPU."""
    try:
        passwords.check(password, username, display_name)
    except passwords.WeakPassword as exc:
        raise invalid("password", str(exc)) from None
    return await asyncio.to_thread(hash_password, password)


async def user_by_name(conn: AsyncConnection, username: str) -> Any:
    return (await conn.execute(select(db.users).where(db.users.c.username == username))).mappings().first()


async def _existing(conn: AsyncConnection, username: str) -> Any:
    row = await user_by_name(conn, username)
    if row is None:
        raise ApiError(404, "not_found", f"user {username!r} does not exist")
    return row


async def create_user(conn: AsyncConnection, username: str, display_name: str, role: Role, password_hash: str,
                      unit_id: str | None = None) -> dict:
    """`password_hash` from `hashed` (or a seed's own)."""
    if (role in UNIT_ROLES) != (unit_id is not None):
        raise invalid("unit_id", f"required for a {role} user" if unit_id is None
                      else "only a unit or partner user has a unit")
    if unit_id is not None:
        kind = (await conn.execute(select(db.handling_units.c.kind).where(db.handling_units.c.id == unit_id))).scalar()
        if kind is None:
            raise invalid("unit_id", f"no handling unit {unit_id!r}")
        if role == Role.partner and kind not in PARTNER_KINDS:
            raise invalid("unit_id", f"{unit_id} is a {kind}: a partner user belongs to a partner platform "
                          f"({', '.join(sorted(PARTNER_KINDS))})")
    try:
        await conn.execute(db.users.insert().values(
            username=username, display_name=display_name, role=str(role), password_hash=password_hash,
            active=True, created_at=clock.stamp(), unit_id=unit_id, failed_sign_ins=0,
            password_changed_at=clock.stamp()))
    except IntegrityError:  # the transaction is spoilt: the caller's raise rolls it back
        raise ApiError(409, "conflict", f"user {username!r} already exists", field="username") from None
    return public(await user_by_name(conn, username))


async def set_password(conn: AsyncConnection, username: str, password_hash: str) -> tuple[dict, list[str]]:
    """A new password: the account is unlocked and every session of the user ends (returned, for
    the caller to close their streams)."""
    row = await _existing(conn, username)
    await conn.execute(db.users.update().where(db.users.c.id == row["id"]).values(
        password_hash=password_hash, password_changed_at=clock.stamp(), failed_sign_ins=0, locked_until=None))
    ended = await end_sessions_of(conn, row["id"], EndedWhy.password_changed)
    return public(await user_by_name(conn, username)), ended


async def set_active(conn: AsyncConnection, username: str, active: bool) -> tuple[dict, list[str]]:
    """Disabling a user ends every session of theirs at once; the account stays, with its history."""
    row = await _existing(conn, username)
    await conn.execute(db.users.update().where(db.users.c.id == row["id"]).values(active=active))
    ended = [] if active else await end_sessions_of(conn, row["id"], EndedWhy.user_disabled)
    return public(await user_by_name(conn, username)), ended


async def unlock(conn: AsyncConnection, username: str) -> dict:
    row = await _existing(conn, username)
    await conn.execute(db.users.update().where(db.users.c.id == row["id"]).values(failed_sign_ins=0, locked_until=None))
    return public(await user_by_name(conn, username))


# --- wrong passwords --------------------------------------------------------------------------------

def locked_for(row: Any, now: datetime) -> float | None:
    """Seconds the account stays locked, or None."""
    if row["locked_until"] and row["locked_until"] > clock.stamp(now):
        return max(1.0, (clock.parse(row["locked_until"]) - now).total_seconds())
    return None


async def record_failure(conn: AsyncConnection, user_id: int, failures: int, lock_s: float) -> bool:
    """One more wrong password; True when it locks the account (the count starts again after)."""
    row = (await conn.execute(select(db.users.c.failed_sign_ins).where(db.users.c.id == user_id)
                              .with_for_update())).first()
    count = (row.failed_sign_ins if row else 0) + 1
    locks = count >= failures
    values: dict[str, Any] = {"failed_sign_ins": 0 if locks else count}
    if locks:
        values["locked_until"] = clock.stamp(clock.now() + timedelta(seconds=lock_s))
    await conn.execute(db.users.update().where(db.users.c.id == user_id).values(**values))
    return locks


async def record_success(conn: AsyncConnection, user_id: int) -> None:
    await conn.execute(db.users.update().where(db.users.c.id == user_id, db.users.c.failed_sign_ins != 0)
                       .values(failed_sign_ins=0))


# --- sessions ---------------------------------------------------------------------------------------

async def start_session(conn: AsyncConnection, user_id: int, seat: str) -> str:
    session_id = new_session_id()
    await conn.execute(db.sessions.insert().values(id=session_id, user_id=user_id, seat=seat,
                                                   started_at=clock.stamp()))
    return session_id


async def end_session(conn: AsyncConnection, session_id: str, why: EndedWhy) -> bool:
    """Ends the session and revokes its refresh tokens; False when it had ended already."""
    s = db.sessions
    result = await conn.execute(s.update().where(s.c.id == session_id, s.c.ended_at.is_(None))
                                .values(ended_at=clock.stamp(), ended_why=str(why)))
    await conn.execute(db.refresh_tokens.update().where(db.refresh_tokens.c.family == session_id,
                                                        ~db.refresh_tokens.c.revoked).values(revoked=True))
    return result.rowcount > 0


async def end_sessions_of(conn: AsyncConnection, user_id: int, why: EndedWhy) -> list[str]:
    s = db.sessions
    ids = list((await conn.execute(select(s.c.id).where(s.c.user_id == user_id, s.c.ended_at.is_(None)))).scalars())
    for session_id in ids:
        await end_session(conn, session_id, why)
    return ids


async def session_alive(conn: AsyncConnection, session_id: str) -> bool:
    """The session has not ended and its user is still active."""
    s, u = db.sessions, db.users
    row = (await conn.execute(select(s.c.ended_at, u.c.active).select_from(s.join(u, u.c.id == s.c.user_id))
                              .where(s.c.id == session_id))).first()
    return row is not None and row.ended_at is None and bool(row.active)
