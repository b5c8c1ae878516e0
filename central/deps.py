"""Request dependencies: the platform, and the signed-in caller with a permission check."""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from central.accounts import session_alive
from central.errors import ApiError
from central.permissions import allowed
from central.platform import Platform
from central.security import Claims, InvalidToken, read_access_token

_bearer = HTTPBearer(auto_error=False, description="the access token from /api/v1/auth/sign-in")


def get_platform(request: Request) -> Platform:
    return request.app.state.platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def require(permission: str) -> Callable:
    """A dependency that authenticates the request and checks `permission` for the caller's role."""

    async def check(request: Request, platform: PlatformDep,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Claims:
        if credentials is None:
            raise ApiError(401, "unauthenticated", "sign in first: no bearer token")
        try:
            claims = read_access_token(platform.keys, credentials.credentials)
        except InvalidToken as exc:
            raise ApiError(401, "unauthenticated", str(exc)) from None
        async with platform.db.read() as conn:
            alive = await session_alive(conn, claims.session_id)
        if not alive:
            raise ApiError(401, "unauthenticated", "the session has ended (signed out, or the user disabled)")
        request.state.claims = claims  # for the audit of a refusal
        if not allowed(claims.role, permission):
            raise ApiError(403, "forbidden", f"role {claims.role!r} may not {permission}")
        return claims

    return check


def who(permission: str) -> type[Claims]:
    return Annotated[Claims, Depends(require(permission))]  # type: ignore[return-value]
