"""What the platform tests share beyond tests/conftest.py: the centre's clock moved by a test, a
plain (signed-out) HTTP client of the platform, and a database a whole module shares."""
from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from domain import clock
from domain.clock import CENTRE_TZ
from tests.conftest import _pg_admin


class SimClock:
    """The centre's clock, moved by the test: the platform stamps and checks everything with it."""

    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment or datetime(2026, 3, 2, 10, 0, tzinfo=CENTRE_TZ)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    def set(self, y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
        self.moment = datetime(y, m, d, hh, mm, tzinfo=CENTRE_TZ)
        return self.moment


@pytest.fixture
def sim_clock() -> Iterator[SimClock]:
    """Mon 2 Mar 2026 10:00, China time, until the test moves it."""
    source = SimClock()
    with clock.use(source):
        yield source


@pytest.fixture
def http(platform) -> Iterator[httpx.Client]:  # noqa: ANN001
    with httpx.Client(base_url=platform.url, timeout=20.0) as client:
        yield client


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db_url(request, tmp_path_factory) -> str:
    """A fresh, seeded database for one module, on each backend (as `db_url` is for one test): for
    a platform the module's tests share, where what they do leaves no trace another test sees."""
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("module-db") / "central.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template")
    name = f"m_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(server, f"CREATE DATABASE {name} TEMPLATE {template}"))
    return f"{server}/{name}"
