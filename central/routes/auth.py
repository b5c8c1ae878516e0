"""Sign-in, token refresh, sign-out, and user administration."""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from central import accounts, audit, db, seats
from central.deps import PlatformDep, who
from central.errors import ApiError
from central.permissions import Role
from central.platform import Platform
from central.security import (
    Claims,
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
    password: Secret  # the policy (central/passwords.py) is checked before the hash is made
    unit_id: text(1, 32) | None = None  # required for roles unit and partner, refused for the others


async def _issue(platform: Platform, conn, user, seat: str, session_id: str,  # noqa: ANN001
                 parent: str | None = None) -> dict:
    claims = Claims(user["id"], user["username"], user["role"], seat, int(time.time()) + platform.access_ttl_s,
                    user["unit_id"], session_id)
    refresh = new_refresh_token()
    await conn.execute(db.refresh_tokens.insert().values(
        token_hash=refresh_token_hash(refresh), user_id=user["id"], seat=seat, revoked=False, parent=parent,
        family=session_id, expires_at=clock.stamp(clock.now() + timedelta(seconds=platform.refresh_ttl_s))))
    return {"access_token": issue_access_token(platform.keys, claims), "token_type": "bearer",
            "expires_in": platform.access_ttl_s, "refresh_token": refresh, "user": _user_public(user), "seat": seat}


def _user_public(row) -> dict:  # noqa: ANN001
    return {"id": row["id"], "username": row["username"], "display_name": row["display_name"], "role": row["role"],
            "unit_id": row["unit_id"]}


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _too_many(code: str, message: str, retry_after: float) -> ApiError:
    seconds = int(retry_after + 0.999)
    return ApiError(429, code, message, retry_after_s=seconds, headers={"Retry-After": str(seconds)})


async def _audit_sign_in(conn, action: str, user, username: str, seat: str) -> None:  # noqa: ANN001
    """Failed and refused sign-ins go to the audit log (the user id 0 for a name that does not exist)."""
    who = Claims(user["id"] if user is not None else 0, username[:64], "", seat, 0)
    await audit.record_reads(conn, who, action, "user", [username[:128]])


@router.post("/auth/sign-in", responses={429: {"description": "too many wrong passwords: wait Retry-After seconds"}})
async def sign_in(body: SignIn, request: Request, platform: PlatformDep) -> dict:
    """The password is checked off the event loop and outside the write lock; an unknown user name
    costs the same work as a known one. Wrong passwords lock the account, and slow the address
    down, as central/sign_in.py says."""
    limits, guard, address = platform.sign_in_limits, platform.sign_in_guard, _address(request)
    wait = guard.retry_after(address)
    if wait is not None:
        raise _too_many("too_many_attempts", "too many wrong passwords from this address; try again later", wait)
    async with platform.db.read() as conn:
        user = await accounts.user_by_name(conn, body.username)
    if user is not None:
        wait = accounts.locked_for(user, clock.now())
        if wait is not None:
            async with platform.db.write() as conn:
                await _audit_sign_in(conn, "sign_in_locked", user, body.username, body.seat)
            raise _too_many("account_locked", "this account is locked after repeated wrong passwords; try again "
                                              "later or ask an administrator to unlock it", wait)
    right = await asyncio.to_thread(verify_password, user["password_hash"] if user is not None else None,
                                    body.password)
    async with platform.db.write() as conn:
        if not right:
            guard.failed(address)
            locked = user is not None and await accounts.record_failure(
                conn, user["id"], limits.account_failures, limits.account_lock_s)
            await _audit_sign_in(conn, "sign_in_failed", user, body.username, body.seat)
            log.info("wrong password for user id %s%s", user["id"] if user is not None else "(unknown name)",
                     "; the account is locked" if locked else "")
        elif not user["active"]:
            await _audit_sign_in(conn, "sign_in_disabled", user, body.username, body.seat)
        elif (seat := await seats.seat_at(conn, address, body.seat)) is None:
            await _audit_sign_in(conn, "sign_in_unregistered_seat", user, body.username, address)
        else:
            await accounts.record_success(conn, user["id"])
            session_id = await accounts.start_session(conn, user["id"], seat)
            return await _issue(platform, conn, user, seat, session_id)
    if right and user["active"]:
        raise ApiError(403, "seat_not_registered", "no seat is registered at this computer's address; ask an "
                                                   "administrator (hotline-central seat add)")
    if right:
        raise ApiError(401, "account_disabled", "this account is disabled; ask an administrator")
    raise ApiError(401, "bad_credentials", "wrong user name or password")


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

    A spent token presented after that is a copy in other hands (or a seat gone wrong): the whole
    session ends, every token of its family with it, and its streams close.

    Rows are locked ancestor first (the parent of the presented token, then the token), as sign-out
    revokes them.
    """
    t = db.refresh_tokens
    reused: str | None = None
    async with platform.db.write() as conn:
        key = refresh_token_hash(body.refresh_token)
        parent = (await conn.execute(select(t.c.parent).where(t.c.token_hash == key))).scalar()  # never changes
        if parent is not None:  # FOR UPDATE (PostgreSQL; SQLite serializes writers anyway)
            await conn.execute(select(t.c.token_hash).where(t.c.token_hash == parent).with_for_update())
        row = (await conn.execute(select(t).where(t.c.token_hash == key).with_for_update())).mappings().first()
        now = clock.now()
        if row is None or row["revoked"] or row["expires_at"] <= clock.stamp(now) or row["family"] is None:
            raise _bad_refresh_token()
        if row["used_at"] is not None:
            in_grace = clock.parse(row["used_at"]) + timedelta(seconds=platform.refresh_grace_s) > now
            if not in_grace or await _successor_used(conn, key):
                log.warning("a spent refresh token of user id %s was presented again: its session ends",
                            row["user_id"])
                await accounts.end_session(conn, row["family"], accounts.EndedWhy.token_reused)
                reused = row["family"]
            else:
                log.info("a refresh token of user id %s was presented again within its grace", row["user_id"])
        elif parent is not None:  # this sibling wins: the others issued for the same parent are spent
            await conn.execute(t.update().where(t.c.parent == parent, t.c.token_hash != key, t.c.used_at.is_(None),
                                                ~t.c.revoked).values(revoked=True))
        if reused is None:
            user = (await conn.execute(select(db.users).where(db.users.c.id == row["user_id"]))).mappings().first()
            if user is None or not user["active"] or not await accounts.session_alive(conn, row["family"]):
                raise _bad_refresh_token("the session has ended or the user is no longer active; sign in again")
            pair = await _issue(platform, conn, user, row["seat"], row["family"], parent=key)
            await conn.execute(t.update().where(t.c.token_hash == key).values(
                replaced_by=refresh_token_hash(pair["refresh_token"]), used_at=row["used_at"] or clock.stamp(now)))
            return pair
    platform.broker.end_sessions({reused})  # committed: now its streams close
    raise _bad_refresh_token("this refresh token was used already; the session has been ended for safety")


@router.post("/auth/sign-out")
async def sign_out(body: Refresh, platform: PlatformDep) -> dict:
    """End the session the token belongs to: every refresh token of it, its access tokens (on their
    next request) and its event streams (at once)."""
    t = db.refresh_tokens
    async with platform.db.write() as conn:
        key = refresh_token_hash(body.refresh_token)
        family = (await conn.execute(select(t.c.family).where(t.c.token_hash == key))).scalar()
        if family is not None:
            await accounts.end_session(conn, family, accounts.EndedWhy.signed_out)
    if family is not None:
        platform.broker.end_sessions({family})
    return {"signed_out": True}


@router.post("/auth/sign-out-everywhere")
async def sign_out_everywhere(platform: PlatformDep, claims: who("account.own")) -> dict:
    """End every session of the signed-in user (a lost laptop, a password seen over a shoulder)."""
    async with platform.db.write() as conn:
        ended = await accounts.end_sessions_of(conn, claims.user_id, accounts.EndedWhy.everywhere)
    platform.broker.end_sessions(set(ended))
    return {"sessions_ended": len(ended)}


@router.get("/me")
async def me(claims: who("account.own")) -> dict:
    return {"id": claims.user_id, "username": claims.username, "role": claims.role, "seat": claims.seat,
            "unit_id": claims.unit_id}


class NewPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: Secret
    new_password: Secret


@router.post("/me/password")
async def change_own_password(body: NewPassword, platform: PlatformDep, claims: who("account.own")) -> dict:
    """Change one's own password (the current one is asked again). Every session of the user ends,
    this one included: the seat signs in again with the new password."""
    async with platform.db.read() as conn:
        user = await accounts.user_by_name(conn, claims.username)
    right = await asyncio.to_thread(verify_password, user["password_hash"] if user else None, body.current_password)
    if not right:
        raise ApiError(403, "wrong_password", "the current password is wrong", field="current_password")
    new_hash = await accounts.hashed(body.new_password, claims.username, user["display_name"])
    async with platform.db.write() as conn:
        _, ended = await accounts.set_password(conn, claims.username, new_hash)
    platform.broker.end_sessions(set(ended))
    return {"changed": True, "sessions_ended": len(ended)}


# --- user administration ------------------------------------------------------------------------

@router.post("/users", status_code=201)
async def add_user(body: NewUser, platform: PlatformDep, _: who("users.manage")) -> dict:
    password_hash = await accounts.hashed(body.password, body.username, body.display_name)
    async with platform.db.write() as conn:
        return await accounts.create_user(conn, body.username, body.display_name, body.role, password_hash,
                                          body.unit_id)


@router.get("/users")
async def list_users(platform: PlatformDep, _: who("users.manage")) -> list[dict]:
    async with platform.db.read() as conn:
        rows = (await conn.execute(select(db.users).order_by(db.users.c.id))).mappings().all()
    return [accounts.public(r) for r in rows]


class SetPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: Secret


@router.post("/users/{username}/password")
async def set_user_password(username: Name, body: SetPassword, platform: PlatformDep,
                            _: who("users.manage")) -> dict:
    """An administrator sets a user's password: the account is unlocked and the user's sessions end."""
    async with platform.db.read() as conn:
        user = await accounts.user_by_name(conn, username)
    password_hash = await accounts.hashed(body.password, username, user["display_name"] if user else "")
    async with platform.db.write() as conn:
        row, ended = await accounts.set_password(conn, username, password_hash)
    platform.broker.end_sessions(set(ended))
    return row


@router.post("/users/{username}/disable")
async def disable_user(username: Name, platform: PlatformDep, claims: who("users.manage")) -> dict:
    """The user can no longer sign in; their sessions, access tokens and streams end at once."""
    if username == claims.username:
        raise ApiError(409, "conflict", "an administrator cannot disable their own account", field="username")
    async with platform.db.write() as conn:
        row, ended = await accounts.set_active(conn, username, False)
    platform.broker.end_sessions(set(ended))
    return row


@router.post("/users/{username}/enable")
async def enable_user(username: Name, platform: PlatformDep, _: who("users.manage")) -> dict:
    async with platform.db.write() as conn:
        row, _ended = await accounts.set_active(conn, username, True)
    return row


@router.post("/users/{username}/unlock")
async def unlock_user(username: Name, platform: PlatformDep, _: who("users.manage")) -> dict:
    """Lift a lock left by wrong passwords before it ends by itself."""
    async with platform.db.write() as conn:
        return await accounts.unlock(conn, username)
