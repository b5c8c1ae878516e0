"""Sign-in, token refresh, sign-out, and user administration."""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from central import db
from central.deps import PlatformDep, who
from central.errors import ApiError, invalid
from central.permissions import Role
from central.platform import Platform
from central.security import (
    Claims,
    hash_password,
    issue_access_token,
    new_refresh_token,
    refresh_token_hash,
    verify_password,
)
from central.validation import text
from domain import clock

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["auth"])

Name = text(1, 64)
Secret = text(1, 256, strip=False)


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Name
    password: Secret
    seat: Name = "unknown"


class Refresh(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: Secret


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Name
    display_name: Name
    role: Role
    password: text(8, 256, strip=False)
    unit_id: text(1, 32) | None = None  # required for role unit, refused for the others


def _user_public(row) -> dict:  # noqa: ANN001
    return {"id": row["id"], "username": row["username"], "display_name": row["display_name"], "role": row["role"],
            "unit_id": row["unit_id"]}


async def _issue(platform: Platform, conn, user, seat: str, parent: str | None = None) -> dict:  # noqa: ANN001
    claims = Claims(user["id"], user["username"], user["role"], seat, int(time.time()) + platform.access_ttl_s,
                    user["unit_id"])
    refresh = new_refresh_token()
    await conn.execute(db.refresh_tokens.insert().values(
        token_hash=refresh_token_hash(refresh), user_id=user["id"], seat=seat, revoked=False, parent=parent,
        expires_at=clock.stamp(clock.now() + timedelta(seconds=platform.refresh_ttl_s))))
    return {"access_token": issue_access_token(platform.secret, claims), "token_type": "bearer",
            "expires_in": platform.access_ttl_s, "refresh_token": refresh, "user": _user_public(user)}


@router.post("/auth/sign-in")
async def sign_in(body: SignIn, platform: PlatformDep) -> dict:
    async with platform.db.write() as conn:
        user = (await conn.execute(select(db.users).where(db.users.c.username == body.username))).mappings().first()
        if user is None or not user["active"] or not verify_password(user["password_hash"], body.password):
            raise ApiError(401, "bad_credentials", "wrong user name or password")
        return await _issue(platform, conn, user, body.seat)


def _bad_refresh_token(message: str = "the refresh token is unknown, spent or expired; sign in again") -> ApiError:
    return ApiError(401, "bad_refresh_token", message)


async def _successor_used(conn, key: str) -> bool:  # noqa: ANN001
    """One of the tokens issued for `key` has been presented itself: the seat has its new pair."""
    t = db.refresh_tokens
    used = await conn.execute(select(t.c.token_hash).where(t.c.parent == key, t.c.used_at.is_not(None)).limit(1))
    return used.first() is not None


@router.post("/auth/refresh")
async def refresh(body: Refresh, platform: PlatformDep) -> dict:
    """Rotate: the presented refresh token is spent and a new pair comes back.

    The answer can be lost on its way (or the request delivered twice, and either answer be the one
    that arrives), and the seat then holds the spent token or one of several new ones. So a spent
    token stays good for `platform.refresh_grace_s` after it was first presented, until one of the
    tokens issued for it is used, whichever comes first; presenting it again within the grace
    issues another new pair beside the first. The first of those siblings to be used wins: the
    others are revoked then, and the parent's grace ends. `parent`, `replaced_by` (the newest
    sibling) and `used_at` keep the history of the rotations.

    Rows are locked ancestor first (the parent of the presented token, then the token), as sign-out
    revokes them.
    """
    t = db.refresh_tokens
    async with platform.db.write() as conn:
        key = refresh_token_hash(body.refresh_token)
        parent = (await conn.execute(select(t.c.parent).where(t.c.token_hash == key))).scalar()  # never changes
        if parent is not None:  # FOR UPDATE (PostgreSQL; SQLite serializes writers anyway)
            await conn.execute(select(t.c.token_hash).where(t.c.token_hash == parent).with_for_update())
        row = (await conn.execute(select(t).where(t.c.token_hash == key).with_for_update())).mappings().first()
        now = clock.now()
        if row is None or row["revoked"] or row["expires_at"] <= clock.stamp(now):
            raise _bad_refresh_token()
        if row["used_at"] is not None:
            in_grace = clock.parse(row["used_at"]) + timedelta(seconds=platform.refresh_grace_s) > now
            if not in_grace or await _successor_used(conn, key):
                raise _bad_refresh_token()
            log.info("a refresh token of user id %s was presented again within its grace", row["user_id"])
        elif parent is not None:  # this sibling wins: the others issued for the same parent are spent
            await conn.execute(t.update().where(t.c.parent == parent, t.c.token_hash != key, t.c.used_at.is_(None),
                                                ~t.c.revoked).values(revoked=True))
        user = (await conn.execute(select(db.users).where(db.users.c.id == row["user_id"]))).mappings().first()
        if user is None or not user["active"]:
            raise _bad_refresh_token("the user is no longer active")
        pair = await _issue(platform, conn, user, row["seat"], parent=key)
        await conn.execute(t.update().where(t.c.token_hash == key).values(
            replaced_by=refresh_token_hash(pair["refresh_token"]), used_at=row["used_at"] or clock.stamp(now)))
        return pair


@router.post("/auth/sign-out")
async def sign_out(body: Refresh, platform: PlatformDep) -> dict:
    """Revoke the token, and the rotation next to it: its predecessor (which may still be in its
    grace) and the tokens issued for it (in answers the seat may have lost). Rows are revoked
    ancestor first, the order a refresh locks them in."""
    t = db.refresh_tokens
    async with platform.db.write() as conn:
        key = refresh_token_hash(body.refresh_token)
        row = (await conn.execute(select(t.c.parent).where(t.c.token_hash == key))).first()  # parent never changes
        if row is not None:
            if row.parent is not None:
                await conn.execute(t.update().where(t.c.token_hash == row.parent).values(revoked=True))
            await conn.execute(t.update().where(t.c.token_hash == key).values(revoked=True))
            await conn.execute(t.update().where(t.c.parent == key).values(revoked=True))
    return {"signed_out": True}


@router.get("/me")
async def me(claims: who("events.subscribe")) -> dict:
    return {"id": claims.user_id, "username": claims.username, "role": claims.role, "seat": claims.seat,
            "unit_id": claims.unit_id}


async def create_user(conn, username: str, display_name: str, role: Role, password: str,  # noqa: ANN001
                      unit_id: str | None = None) -> dict:
    if (role == Role.unit) != (unit_id is not None):
        raise invalid("unit_id", "required for a unit user" if unit_id is None else "only a unit user has a unit")
    if unit_id is not None:
        found = (await conn.execute(select(db.handling_units.c.id).where(db.handling_units.c.id == unit_id))).first()
        if found is None:
            raise invalid("unit_id", f"no handling unit {unit_id!r}")
    try:
        result = await conn.execute(db.users.insert().values(
            username=username, display_name=display_name, role=str(role), password_hash=hash_password(password),
            active=True, created_at=clock.stamp(), unit_id=unit_id).returning(db.users.c.id))
    except IntegrityError:
        raise ApiError(409, "conflict", f"user {username!r} already exists", field="username") from None
    return {"id": result.scalar_one(), "username": username, "display_name": display_name, "role": str(role),
            "unit_id": unit_id}


@router.post("/users", status_code=201)
async def add_user(body: NewUser, platform: PlatformDep, _: who("users.manage")) -> dict:
    async with platform.db.write() as conn:
        return await create_user(conn, body.username, body.display_name, body.role, body.password, body.unit_id)


@router.get("/users")
async def list_users(platform: PlatformDep, _: who("users.manage")) -> list[dict]:
    async with platform.db.read() as conn:
        rows = (await conn.execute(select(db.users).order_by(db.users.c.id))).mappings().all()
    return [_user_public(r) for r in rows]
