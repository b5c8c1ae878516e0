"""The platform under test, served for real over HTTP on a loopback port."""
from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from central.platform import Platform
from central.seed import DEMO_PASSWORD
from central.server import ThreadedPlatform


class Api:
    """A signed-in HTTP client of the platform."""

    def __init__(self, base_url: str, username: str, seat: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=20.0)
        r = self.client.post("/api/v1/auth/sign-in",
                             json={"username": username, "password": DEMO_PASSWORD, "seat": seat})
        assert r.status_code == 200, r.text
        self.session = r.json()
        self.client.headers["Authorization"] = f"Bearer {self.session['access_token']}"

    def __getattr__(self, name: str):  # get, post, stream ... of the client
        return getattr(self.client, name)


@pytest.fixture
def platform_options() -> dict:
    return {}


@pytest.fixture
def platform(db_url, platform_options) -> Iterator[ThreadedPlatform]:
    server = ThreadedPlatform(Platform(db_url, **platform_options)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sign_in(platform):
    clients: list[Api] = []

    def make(username: str, seat: str = "S-01") -> Api:
        api = Api(platform.url, username, seat)
        clients.append(api)
        return api

    yield make
    for api in clients:
        api.client.close()
