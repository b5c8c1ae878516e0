"""Passwords, access tokens and refresh tokens.

Access tokens are short-lived JWTs (HS256, PyJWT) signed with a key named in their header (`kid`).
The keys live outside the database (a key file or the environment, see `TokenKeys`): a copy of a
backup cannot forge a token. Rotation adds a new current key and keeps the old ones for checking
until every token they signed has expired. Each access token names its session (`sid`), which the
platform checks on every request, so that ending a session (sign-out, a disabled user, a reused
refresh token) ends its access tokens at once.

Refresh tokens are random, stored only as a SHA-256 hash, rotated on every use, and revocable.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Checked when the user name is unknown, so that an unknown user costs the same work as a known one.
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_urlsafe(16))
ALGORITHM = "HS256"
KEYS_ENV = "HOTLINE_TOKEN_KEYS"  # the key set itself, as JSON (for a container's secret store)
KEYS_FILE_ENV = "HOTLINE_TOKEN_KEYS_FILE"  # or the path of the key file


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Slow on purpose (argon2): call it off the event loop. `None` (no such user) does the same
    work and answers False."""
    try:
        return _hasher.verify(password_hash or _UNKNOWN_USER_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class InvalidToken(Exception):
    """The token is malformed, forged or expired; the message says which."""


class BadKeys(Exception):
    """The token key file or variable cannot be used; the message says why."""


@dataclass(frozen=True)
class Claims:
    user_id: int
    username: str
    role: str
    seat: str
    expires: int
    unit_id: str | None = None  # the handling unit of a `unit` user
    session_id: str = ""  # the sign-in this token belongs to ("" for the platform's own simulators)


@dataclass(frozen=True)
class TokenKeys:
    """HMAC keys by key id; `current` signs, every key checks."""

    current: str
    keys: dict[str, bytes] = field(repr=False)

    @classmethod
    def generate(cls) -> TokenKeys:
        kid = _new_kid()
        return cls(kid, {kid: secrets.token_bytes(32)})

    def rotated(self) -> TokenKeys:
        """A new current key; the old ones still check the tokens they signed."""
        kid = _new_kid()
        return TokenKeys(kid, {**self.keys, kid: secrets.token_bytes(32)})

    def retired(self) -> TokenKeys:
        """Only the current key (once the old keys' tokens have expired: the access TTL after a rotation)."""
        return TokenKeys(self.current, {self.current: self.keys[self.current]})

    def to_json(self) -> str:
        return json.dumps({"current": self.current, "keys": {k: v.hex() for k, v in self.keys.items()}}, indent=1)

    @classmethod
    def from_json(cls, text: str, where: str) -> TokenKeys:
        try:
            data = json.loads(text)
            keys = {str(k): bytes.fromhex(v) for k, v in data["keys"].items()}
            current = str(data["current"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BadKeys(f"{where}: not a token key set (JSON with 'current' and 'keys')") from None
        if current not in keys or any(len(k) < 32 for k in keys.values()):
            raise BadKeys(f"{where}: the current key is missing, or a key is shorter than 32 bytes")
        return cls(current, keys)

    @classmethod
    def load(cls, path: Path) -> TokenKeys:
        """From a key file that only its owner may read."""
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise BadKeys(f"{path}: {exc.strerror}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise BadKeys(f"{path}: readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it")
        return cls.from_json(text, str(path))

    def save(self, path: Path) -> None:
        """Written whole (a new file renamed over the old), mode 0600."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(self.to_json())
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)

    @classmethod
    def from_environment(cls, path: Path | None = None) -> TokenKeys | None:
        """The key set from `path`, else $HOTLINE_TOKEN_KEYS (JSON), else $HOTLINE_TOKEN_KEYS_FILE;
        None when none is given."""
        if path is not None:
            return cls.load(path)
        if os.environ.get(KEYS_ENV):
            return cls.from_json(os.environ[KEYS_ENV], f"${KEYS_ENV}")
        if os.environ.get(KEYS_FILE_ENV):
            return cls.load(Path(os.environ[KEYS_FILE_ENV]))
        return None


def _new_kid() -> str:
    return time.strftime("%Y%m%d", time.gmtime()) + "-" + secrets.token_hex(4)


def issue_access_token(keys: TokenKeys, claims: Claims) -> str:
    body = {"sub": str(claims.user_id), "name": claims.username, "role": claims.role, "seat": claims.seat,
            "exp": claims.expires, "iat": int(time.time()), "unit": claims.unit_id, "sid": claims.session_id}
    return jwt.encode(body, keys.keys[keys.current], algorithm=ALGORITHM, headers={"kid": keys.current})


def read_access_token(keys: TokenKeys, token: str, now: float | None = None) -> Claims:
    if len(token) > 4096:
        raise InvalidToken("malformed token")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.InvalidTokenError:
        raise InvalidToken("malformed token") from None
    key = keys.keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise InvalidToken("bad token signature")  # an unknown or retired key
    try:
        data = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "sid"],
                                                                       "verify_exp": False})
    except jwt.InvalidSignatureError:
        raise InvalidToken("bad token signature") from None
    except jwt.InvalidTokenError:
        raise InvalidToken("malformed token") from None
    try:
        unit = data.get("unit")
        claims = Claims(int(data["sub"]), str(data["name"]), str(data["role"]), str(data["seat"]), int(data["exp"]),
                        None if unit is None else str(unit), str(data["sid"]))
    except (ValueError, KeyError, TypeError):
        raise InvalidToken("malformed token") from None
    if claims.expires <= (now if now is not None else time.time()):
        raise InvalidToken("token expired")
    return claims


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def new_session_id() -> str:
    return secrets.token_hex(16)


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
