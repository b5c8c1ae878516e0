"""Passwords, access tokens and refresh tokens.

Access tokens are short-lived and stateless: an HMAC-SHA256 signature over a small JSON claim set,
so any API worker sharing the database's secret can check them. Refresh tokens are random, stored
only as a SHA-256 hash, rotated on every use, and revocable.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class InvalidToken(Exception):
    """The token is malformed, forged or expired; the message says which."""


@dataclass(frozen=True)
class Claims:
    user_id: int
    username: str
    role: str
    seat: str
    expires: int
    unit_id: str | None = None  # the handling unit of a `unit` user


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_access_token(secret: bytes, claims: Claims) -> str:
    body = json.dumps({"sub": claims.user_id, "name": claims.username, "role": claims.role,
                       "seat": claims.seat, "exp": claims.expires, "unit": claims.unit_id}, separators=(",", ":")).encode()
    payload = _b64(body)
    sig = _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())
    return f"v1.{payload}.{sig}"


def read_access_token(secret: bytes, token: str, now: float | None = None) -> Claims:
    try:
        version, payload, sig = token.split(".")
    except ValueError:
        raise InvalidToken("malformed token") from None
    expected = _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())
    if version != "v1" or not hmac.compare_digest(sig, expected):
        raise InvalidToken("bad token signature")
    try:
        data = json.loads(_unb64(payload))
        unit = data.get("unit")
        claims = Claims(int(data["sub"]), str(data["name"]), str(data["role"]), str(data["seat"]), int(data["exp"]),
                        None if unit is None else str(unit))
    except (ValueError, KeyError, TypeError):
        raise InvalidToken("malformed token") from None
    if claims.expires <= (now if now is not None else time.time()):
        raise InvalidToken("token expired")
    return claims


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
