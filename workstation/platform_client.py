"""The async client of the central platform: one shared `httpx.AsyncClient` per platform.

Known conditions come back as two exceptions the UI can word for a person: `PlatformError` (the
platform answered with its JSON error body) and `PlatformUnreachable` (no answer at all).
Tokens, passwords and personal data never reach a log line.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger(__name__)

API = "/api/v1"


class PlatformError(Exception):
    """The platform refused a request; `code` is its stable error code (e.g. "bad_credentials")."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class PlatformUnreachable(Exception):
    """No HTTP answer: connection refused, timeout, DNS or TLS failure."""


@dataclass(frozen=True)
class Session:
    """A signed-in user. Tokens are left out of repr so that logging a session cannot leak them."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    user: dict[str, Any]

    @property
    def display_name(self) -> str:
        return str(self.user.get("display_name") or self.user.get("username", ""))


class PlatformClient:
    def __init__(self, base_url: str, *, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)
        self._session: Session | None = None

    @property
    def base_url(self) -> str:
        return str(self._http.base_url).rstrip("/")

    @property
    def address(self) -> str:
        """host:port, what the status bar shows."""
        url = self._http.base_url
        return f"{url.host}:{url.port}" if url.port else url.host

    @property
    def session(self) -> Session | None:
        return self._session

    async def _request(self, method: str, path: str, *, json: dict | None = None, auth: bool = False) -> Any:
        headers = {}
        if auth:
            if self._session is None:
                raise PlatformError(401, "unauthenticated", "not signed in")
            headers["Authorization"] = f"Bearer {self._session.access_token}"
        try:
            response = await self._http.request(method, API + path, json=json, headers=headers)
        except httpx.TransportError as exc:
            # Debug only: callers decide whether it matters (the demo polls health until it answers).
            log.debug("%s %s: platform unreachable (%s)", method, path, type(exc).__name__)
            raise PlatformUnreachable(str(exc) or type(exc).__name__) from exc
        if response.is_success:
            return response.json()
        raise _error_from(response)

    async def health(self) -> bool:
        """True when the platform answers its health check; never raises for known conditions."""
        try:
            body = await self._request("GET", "/health")
        except (PlatformError, PlatformUnreachable):
            return False
        return isinstance(body, dict) and body.get("status") == "ok"

    async def sign_in(self, username: str, password: str, seat: str) -> Session:
        body = await self._request("POST", "/auth/sign-in",
                                   json={"username": username, "password": password, "seat": seat})
        self._session = Session(access_token=body["access_token"], refresh_token=body["refresh_token"],
                                expires_in=int(body.get("expires_in", 0)), user=dict(body["user"]))
        log.info("signed in as user id %s (role %s)", self._session.user.get("id"), self._session.user.get("role"))
        return self._session

    async def me(self) -> dict[str, Any]:
        return await self._request("GET", "/me", auth=True)

    async def close(self) -> None:
        self._session = None
        await self._http.aclose()


def _error_from(response: httpx.Response) -> PlatformError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return PlatformError(response.status_code, body["error"], str(body.get("message", "")))
    return PlatformError(response.status_code, "http_error", response.reason_phrase)
