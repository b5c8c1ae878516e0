"""Sync tests: the real platform (SQLite) on loopback, a real cache file, the client on the test's
asyncio loop."""
from __future__ import annotations

import shutil

import httpx
import pytest
import pytest_asyncio

from central.seed import DEMO_PASSWORD
from offline_cache.store import CacheStore
from tests.workstation.faults import FaultyTransport
from workstation.platform_client import PlatformClient
from workstation.sync import Backoff, SyncService


@pytest.fixture
def db_url(request, tmp_path) -> str:
    """The sync tests run over SQLite only; the platform's own tests cover PostgreSQL."""
    target = tmp_path / "central.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), target)
    return f"sqlite:///{target}"


@pytest.fixture
def cache(tmp_path):
    store = CacheStore(tmp_path / "cache.db")
    yield store
    store.close()


@pytest.fixture
def faults() -> FaultyTransport:
    return FaultyTransport(httpx.AsyncHTTPTransport())


@pytest_asyncio.fixture
async def client(platform, faults):
    c = PlatformClient(platform.url, transport=faults, timeout=5.0)
    await c.sign_in("agent", DEMO_PASSWORD, "A-01")
    yield c
    await c.close()


@pytest_asyncio.fixture
async def sync(cache, client):
    service = SyncService(cache, client, page_size=50, poll_interval_s=0.5,
                          backoff=Backoff(base_s=0.01, cap_s=0.2))
    yield service
    await service.stop()
