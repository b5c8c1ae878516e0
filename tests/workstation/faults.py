"""Faults the real platform cannot produce on demand, injected between the client and it.

Each fault is armed for the next N matching requests: refuse to connect, answer 503 without
forwarding, forward and then lose the answer (the platform applied it; the client never hears),
forward twice (a duplicated delivery), or answer a feed request with an earlier feed answer
(a late, reordered delivery)."""
from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass
class Fault:
    kind: str  # connect | server_error | lost_answer | duplicate | stale_page
    path: str
    remaining: int
    page: int = 0  # stale_page: which earlier feed answer to send again


class FaultyTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.faults: list[Fault] = []
        self.down = False  # every request fails to connect, as with the cable pulled
        self.seen: list[str] = []
        self.pages: list[tuple[int, bytes, dict]] = []

    def arm(self, kind: str, path: str = "/api/v1/mutations", times: int = 1, page: int = 0) -> None:
        self.faults.append(Fault(kind, path, times, page))

    def page_with(self, text: str) -> int:
        """Index of the first feed answer that mentions text."""
        return next(i for i, (_, content, _) in enumerate(self.pages) if text.encode() in content)

    def _take(self, request: httpx.Request) -> Fault | None:
        for fault in self.faults:
            if fault.remaining > 0 and request.url.path.startswith(fault.path):
                fault.remaining -= 1
                return fault
        return None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        fault = self._take(request)
        kind = fault.kind if fault else None
        if self.down or kind == "connect":
            raise httpx.ConnectError("injected: connection refused", request=request)
        if kind == "server_error":
            return httpx.Response(503, json={"error": "unavailable", "message": "injected"}, request=request)
        if kind == "stale_page" and self.pages:
            status, content, headers = self.pages[fault.page]
            return httpx.Response(status, content=content, headers=headers, request=request)
        response = await self.inner.handle_async_request(request)
        if kind == "duplicate":
            await response.aread()
            await response.aclose()
            response = await self.inner.handle_async_request(request)
        if kind == "lost_answer":
            await response.aread()
            await response.aclose()
            raise httpx.ReadTimeout("injected: the answer was lost", request=request)
        if request.url.path == "/api/v1/changes" and response.status_code == 200:
            content = await response.aread()
            await response.aclose()
            self.pages.append((response.status_code, content, dict(response.headers)))
            return httpx.Response(response.status_code, content=content, headers=response.headers, request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
