"""The async client of the central platform: one shared `httpx.AsyncClient` per platform.

Known conditions come back as two exceptions the UI can word for a person: `PlatformError` (an
HTTP error answer: the platform's own JSON error body, `from_platform`, or a page some proxy made)
and `PlatformUnreachable` (no answer at all).
Tokens, passwords and personal data never reach a log line.
"""
from __future__ import annotations

import asyncio
import ipaddress
import json as json_module
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from domain.errors import is_platform_error, is_platform_rejection

log = logging.getLogger(__name__)

API = "/api/v1"


class PlatformError(Exception):
    """An HTTP error answer; `code` is the platform's stable error code (e.g. "bad_credentials"),
    `body` the whole JSON answer. `from_platform` is False for an answer the platform did not make
    (a proxy's HTML 404 or 502, JSON without the platform's marker): code "http_error" then."""

    def __init__(self, status: int, code: str, message: str, body: dict | None = None,
                 from_platform: bool = True) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.body = body or {}
        self.from_platform = from_platform

    @property
    def transient(self) -> bool:
        """Worth retrying later: the platform failed, or asked us to slow down."""
        return self.status >= 500 or self.status in (408, 429)


class InsecureAddress(ValueError):
    """The platform's address would send passwords and citizens' data in clear, or is not an address."""


PLAIN_HTTP_ENV = "HOTLINE_ALLOW_PLAIN_HTTP"  # "1": a test lab's platform on another machine, without TLS


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_address(base_url: str, allow_plain_http: bool | None = None) -> None:
    """https:// anywhere; http:// only to this machine (the demo, a platform beside the seat), or
    anywhere when allowed (`allow_plain_http`, by default the environment variable
    HOTLINE_ALLOW_PLAIN_HTTP=1: for a test lab, never a real centre)."""
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError):
        raise InsecureAddress(f"not an address: {base_url!r}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InsecureAddress(f"the platform's address must start with https:// (not {base_url!r})")
    if allow_plain_http is None:
        allow_plain_http = os.environ.get(PLAIN_HTTP_ENV) == "1"
    if url.scheme == "http" and not _loopback(url.host) and not allow_plain_http:
        raise InsecureAddress(f"plain http:// to {url.host} would send passwords and citizens' data unencrypted: "
                              "use https://")


class PlatformUnreachable(Exception):
    """No HTTP answer: connection refused, timeout, DNS or TLS failure."""


@dataclass(frozen=True)
class Session:
    """A signed-in user. Tokens are left out of repr so that logging a session cannot leak them."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    user: dict[str, Any]
    seat: str = ""  # the seat the platform says this sign-in works at (a registered seat: central/seats.py)

    @property
    def display_name(self) -> str:
        return str(self.user.get("display_name") or self.user.get("username", ""))


class PlatformClient:
    def __init__(self, base_url: str, *, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None, allow_plain_http: bool | None = None) -> None:
        """Raises InsecureAddress for plain http:// to another machine (see `check_address`)."""
        check_address(base_url, allow_plain_http)
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)
        self._session: Session | None = None
        self._refreshing = asyncio.Lock()
        # called with the new session whenever the tokens change (sign-in, rotation on refresh),
        # so that the refresh token kept in the keyring is always the live one
        self.on_session: list = []
        # called with the platform's PlatformError when it refuses the refresh token (revoked,
        # expired, user disabled): the seat keeps its work and asks for the password again
        self.on_refused: list = []
        self._refused: PlatformError | None = None

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

    async def _send(self, method: str, path: str, *, json: dict | None = None, params: dict | None = None,
                    auth: bool = False) -> httpx.Response:
        """One request; with `auth`, an expired access token is refreshed once and the request sent again."""
        for attempt in (1, 2):
            headers = {}
            if auth:
                if self._session is None:
                    raise PlatformError(401, "unauthenticated", "not signed in")
                if self._refused is not None:  # nothing is sent until the agent signs in again
                    raise self._refused
                if not self._session.access_token:  # adopted from the keyring: refresh it first
                    await self._refresh_after(self._session)
                headers["Authorization"] = f"Bearer {self._session.access_token}"
            used = self._session
            try:
                response = await self._http.request(method, API + path, json=json, params=params, headers=headers)
            except httpx.TransportError as exc:
                # Debug only: callers decide whether it matters (the demo polls health until it answers).
                log.debug("%s %s: platform unreachable (%s)", method, path, type(exc).__name__)
                raise PlatformUnreachable(str(exc) or type(exc).__name__) from exc
            if response.status_code == 401 and auth and attempt == 1 and used is not None:
                await self._refresh_after(used)
                continue
            return response
        return response

    async def _request(self, method: str, path: str, *, json: dict | None = None, params: dict | None = None,
                       auth: bool = False) -> Any:
        response = await self._send(method, path, json=json, params=params, auth=auth)
        if response.is_success:
            return response.json()
        raise _error_from(response)

    async def _refresh_after(self, expired: Session) -> None:
        """Swap the refresh token for a new pair, once, however many requests found the token expired."""
        async with self._refreshing:
            if self._session is not expired:
                return  # another request refreshed it meanwhile
            if self._refused is not None:  # refused already: not again until the password is typed
                raise self._refused
            try:
                response = await self._http.post(API + "/auth/refresh", json={"refresh_token": expired.refresh_token})
            except httpx.TransportError as exc:
                raise PlatformUnreachable(str(exc) or type(exc).__name__) from exc
            if not response.is_success:
                error = _error_from(response)
                if is_credentials_refusal(error):
                    self._refuse(error)
                raise error
            self._session = _session_from(response.json())
            log.info("access token refreshed for user id %s", self._session.user.get("id"))
            self._announce()

    def _announce(self) -> None:
        for listener in list(self.on_session):
            listener(self._session)

    def _refuse(self, error: PlatformError) -> None:
        if self._refused is None:
            log.warning("the platform refused the stored sign-in (%s); the password is needed", error.code)
        self._refused = error
        for listener in list(self.on_refused):
            listener(error)

    @property
    def refused(self) -> bool:
        """The platform refused our refresh token: requests wait until the agent signs in again."""
        return self._refused is not None

    def adopt_refresh_token(self, refresh_token: str, user: dict[str, Any] | None = None) -> None:
        """Start from a refresh token kept in the OS keyring: the first request refreshes it.
        `user` is who the seat last knew it to be (at least its username), for working offline."""
        self._session = Session(access_token="", refresh_token=refresh_token, expires_in=0, user=dict(user or {}))

    def know_user(self, user: dict[str, Any]) -> None:
        """Before the first refresh: the profile the cache kept from the last sign-in (offline)."""
        if self._session is not None and not self._session.access_token:
            self._session = Session(access_token="", refresh_token=self._session.refresh_token, expires_in=0,
                                    user={**user, **self._session.user})

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
        self._session = _session_from(body)
        self._refused = None
        self._announce()
        log.info("signed in as user id %s (role %s)", self._session.user.get("id"), self._session.user.get("role"))
        return self._session

    async def me(self) -> dict[str, Any]:
        return await self._request("GET", "/me", auth=True)

    async def changes(self, after: int, limit: int = 1000) -> dict[str, Any]:
        """A page of the change feed; PlatformError 410 (code "resync") when `after` is too old."""
        return json_module.loads(await self.changes_raw(after, limit))

    async def snapshot(self, entity: str, after: str = "", limit: int = 1000) -> dict[str, Any]:
        return json_module.loads(await self.snapshot_raw(entity, after, limit))

    async def changes_raw(self, after: int, limit: int = 1000) -> bytes:
        """The page's JSON undecoded, so that a big page is parsed off the event loop."""
        return await self._raw("/changes", {"after": after, "limit": limit})

    async def snapshot_raw(self, entity: str, after: str = "", limit: int = 1000) -> bytes:
        return await self._raw(f"/snapshot/{entity}", {"after": after, "limit": limit})

    async def _raw(self, path: str, params: dict) -> bytes:
        response = await self._send("GET", path, params=params, auth=True)
        if response.is_success:
            return response.content
        raise _error_from(response)

    async def post_mutation(self, body: dict) -> tuple[int, dict[str, Any]]:
        """Send one mutation. Returns (status, answer) when the platform decided: applied, or
        rejected with a 4xx carrying its own error body (`domain.errors.is_platform_rejection`).
        Raises PlatformUnreachable, or PlatformError for everything to retry: 5xx, 408, 429, 401
        (who we are), and any answer the platform did not make (a proxy's HTML 404 or 502)."""
        response = await self._send("POST", "/mutations", json=body, auth=True)
        if response.is_success:
            answer = _json_or_none(response)
            if isinstance(answer, dict) and answer.get("status") == "applied":
                return response.status_code, answer
            # a captive portal or a proxy's page with a 2xx: the platform has not answered
            raise PlatformError(response.status_code, "http_error", "not the platform's answer", from_platform=False)
        error = _error_from(response)
        if not is_platform_rejection(response.status_code, error.body if error.from_platform else None):
            raise error
        return response.status_code, error.body

    async def events(self) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """Server-sent events of this user, as (event, data), until the stream ends."""
        if self._session is None:
            raise PlatformError(401, "unauthenticated", "not signed in")
        if not self._session.access_token:
            await self.me()  # refreshes a token adopted from the keyring
        headers = {"Authorization": f"Bearer {self._session.access_token}", "Accept": "text/event-stream"}
        timeout = httpx.Timeout(self._http.timeout.connect, read=60.0)  # the platform pings every 15 s
        try:
            async with self._http.stream("GET", API + "/events", headers=headers, timeout=timeout) as response:
                if response.status_code == 401:
                    await self._refresh_after(self._session)
                    raise PlatformError(401, "unauthenticated", "token refreshed; reconnect")
                if not response.is_success:
                    await response.aread()
                    raise _error_from(response)
                event, data = "", ""
                async for line in response.aiter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        data = line[6:]
                    elif not line and event:
                        yield event, json_module.loads(data) if data else {}
                        event, data = "", ""
        except httpx.TransportError as exc:
            raise PlatformUnreachable(str(exc) or type(exc).__name__) from exc

    async def set_agent_state(self, state: str, reason: str = "") -> dict[str, Any]:
        return await self._request("POST", "/agent/state", json={"state": state, "reason": reason}, auth=True)

    async def answer_call(self, call_id: str) -> dict[str, Any]:
        return await self._request("POST", f"/calls/{call_id}/answer", auth=True)

    async def hang_up_call(self, call_id: str) -> dict[str, Any]:
        return await self._request("POST", f"/calls/{call_id}/hangup", auth=True)

    async def transfer_call(self, call_id: str, target: str, three_way: bool = False) -> dict[str, Any]:
        return await self._request("POST", f"/calls/{call_id}/transfer",
                                   json={"target": target, "three_way": three_way}, auth=True)

    async def missed_calls(self, state: str = "open", limit: int = 100) -> dict[str, Any]:
        """Missed calls and their callbacks (`{"items": [...], "total": n}`), audited on the platform."""
        return await self._request("GET", "/missed-calls", params={"state": state, "limit": limit}, auth=True)

    async def escalations(self, state: str = "active") -> list[dict[str, Any]]:
        body = await self._request("GET", "/escalations", params={"state": state}, auth=True)
        return body["items"]

    async def callbacks(self, limit: int = 200) -> list[dict[str, Any]]:
        """Orders awaiting a callback (回访), oldest reply first."""
        return _items(await self._request("GET", "/callbacks", params={"limit": limit}, auth=True))

    async def progress(self, *, number: str | None = None, phone: str | None = None) -> list[dict[str, Any]]:
        """What a caller may be told about their orders (R10), by number or by phone."""
        params = {"number": number} if number else {"phone": phone}
        return _items(await self._request("GET", "/progress", params=params, auth=True))

    async def work_order(self, number: str) -> dict[str, Any]:
        """One order with its whole timeline (audited on the platform)."""
        return dict(await self._request("GET", f"/work-orders/{number}", auth=True))

    async def orders_in(self, *statuses: str, limit: int = 200) -> Any:
        """The orders in these statuses, newest first: `{"items": [...]}` (at most 200)."""
        return await self._request("GET", "/work-orders", params={"status": list(statuses), "limit": limit},
                                   auth=True)

    async def reviews(self, state: str = "pending") -> Any:
        """Reviews (returns, extensions, unreasonable repeats): `{"items": [...]}`."""
        return await self._request("GET", "/reviews", params={"state": state}, auth=True)

    async def my_kb_corrections(self) -> Any:
        """The signed-in user's own correction reports with their outcome: `{"items": [...]}`."""
        return await self._request("GET", "/kb/corrections/mine", auth=True)

    async def kb_corrections(self) -> Any:
        """Correction reports and proposed answers waiting for a decision: `{"items": [...]}`."""
        return await self._request("GET", "/kb/corrections", params={"status": "open"}, auth=True)

    async def hot_topics(self, hours: int = 3) -> Any:
        """The categories whose requests rise above their usual level: `{"items": [...], ...}`."""
        return await self._request("GET", "/metrics/hot-topics", params={"hours": hours}, auth=True)

    async def metrics(self, start: str, end: str) -> Any:
        """The centre's figures of the days start..end (China dates, both included)."""
        return await self._request("GET", "/metrics", params={"from": start, "to": end}, auth=True)

    async def supervisions(self, open_only: bool = True) -> Any:
        """Supervisions and reminders (督办 / 催办): `{"items": [...]}`."""
        return await self._request("GET", "/supervisions", params={"open": "true" if open_only else "false"}, auth=True)

    async def audit(self, *, user: str | None = None, caller: str | None = None, since: str | None = None,
                    limit: int = 500) -> Any:
        """The audit log newest first (administrators): by user name, caller's number, since a time."""
        params: dict[str, Any] = {"before": 2**62, "limit": limit}
        params.update({k: v for k, v in (("user", user), ("caller", caller), ("since", since)) if v})
        return await self._request("GET", "/audit", params=params, auth=True)

    async def wallboard(self) -> Any:
        """The team lead's figures."""
        return await self._request("GET", "/wallboard", auth=True)

    async def lookup_key(self) -> dict[str, Any]:
        """The key of the callers' hashes, for the screen pop offline (roles that read callers)."""
        return await self._request("GET", "/lookup-key", auth=True)

    async def kb_versions(self, entry_id: str) -> list[dict[str, Any]]:
        """Every version of a knowledge entry, newest first, with who changed it and when."""
        return (await self._request("GET", f"/kb/entries/{entry_id}/versions", auth=True))["items"]

    async def caller(self, phone: str) -> dict[str, Any]:
        """The platform's caller record (audited on the platform)."""
        return await self._request("GET", f"/callers/{phone}", auth=True)

    async def orders_of(self, phone: str, limit: int = 20) -> list[dict[str, Any]]:
        """The caller's newest work orders, from the platform (audited there)."""
        return _items(await self._request("GET", "/work-orders", params={"phone": phone, "limit": limit}, auth=True))

    async def sign_out(self) -> None:
        """Revoke the refresh token on the platform (best effort: offline, it expires by itself)."""
        if self._session is None:
            return
        try:
            await self._http.post(API + "/auth/sign-out", json={"refresh_token": self._session.refresh_token})
        except httpx.TransportError:
            log.info("sign-out not confirmed by the platform (unreachable)")
        self._session = None

    async def close(self) -> None:
        self._session = None
        await self._http.aclose()


def _items(body: Any) -> list[dict[str, Any]]:
    """A list answer: `{"items": [...]}` (or a bare list)."""
    if isinstance(body, dict):
        body = body.get("items", [])
    return [dict(i) for i in body or [] if isinstance(i, dict)]


def _session_from(body: dict) -> Session:
    return Session(access_token=body["access_token"], refresh_token=body["refresh_token"],
                   expires_in=int(body.get("expires_in", 0)), user=dict(body["user"]), seat=str(body.get("seat") or ""))


def is_credentials_refusal(error: PlatformError) -> bool:
    """The platform itself refused who we are (not a proxy's 401, not a network failure)."""
    return error.status == 401 and error.code in ("bad_refresh_token", "bad_credentials", "account_disabled")


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # not JSON (an HTML page), or not UTF-8
        return None


def _error_from(response: httpx.Response) -> PlatformError:
    body = _json_or_none(response)
    if is_platform_error(body):
        return PlatformError(response.status_code, body["error"], body["message"], body)
    # Not the platform's answer (a proxy's page, or JSON of its own): its code is never trusted.
    return PlatformError(response.status_code, "http_error", response.reason_phrase,
                         body if isinstance(body, dict) else None, from_platform=False)
