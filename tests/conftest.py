"""Shared fixtures: a PostgreSQL server the test run starts itself, and the real platform on a
loopback port over a fresh database (SQLite file or PostgreSQL), seeded with reference data."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import asyncio
import gc
import shutil
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

from benchmarks import pg
from central.platform import Platform
from central.seed import DEMO_PASSWORD, seed_demo_users, seed_reference
from central.server import ThreadedPlatform
from central.store import Database


def pytest_collection_finish(session: pytest.Session) -> None:
    """What the imports and the collection made lives for the whole run: frozen out of the
    collector's reach, so that each test's collection below walks only what the tests made (it cost
    0.1-0.17 s a test). What a test leaves open is made after this, and is still found."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _garbage_collected_at_teardown() -> Iterator[None]:
    """Collect the test's garbage at its own teardown: a connection, socket or file it left open
    warns (an error here) now, failing this test rather than whichever test the collector runs in.
    Autouse, so set up before and torn down after the test's other function fixtures; pytest
    checks for unraisable exceptions at the end of the teardown."""
    yield
    gc.collect()


def unavailable(reason: str) -> NoReturn:
    """A tool or service the test needs is missing: skip on a developer's machine, fail on CI
    (CI set), where a skipped test would pass unseen."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server() -> str:
    """A throwaway PostgreSQL cluster in a temporary folder, on a loopback port (benchmarks/pg.py)."""
    programs = pg.bindir()
    if programs is None:
        unavailable("PostgreSQL server binaries (initdb) not found; install the postgresql package")
    folder = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    try:
        with pg.cluster(folder, programs) as url:
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _seed(url: str) -> None:
    database = Database(url)
    try:
        await database.start()
        async with database.write() as conn:
            await seed_reference(conn)
            await seed_demo_users(conn)  # the demo accounts the tests sign in as
    finally:
        await database.close()


async def _pg_admin(server: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """Migrated and seeded once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "central.db"
    asyncio.run(_seed(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    asyncio.run(_pg_admin(pg_server, "CREATE DATABASE hotline_template"))
    asyncio.run(_seed(f"{pg_server}/hotline_template"))
    return "hotline_template"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, seeded database for one test, on each backend the platform supports."""
    if request.param == "sqlite":
        target = tmp_path / "central.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template")
    name = f"t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(server, f"CREATE DATABASE {name} TEMPLATE {template}"))
    return f"{server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request, tmp_path) -> str:
    """A database with nothing in it, not even the schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    server = request.getfixturevalue("pg_server")
    name = f"e_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(server, f"CREATE DATABASE {name}"))
    return f"{server}/{name}"


# -- the platform under test, served for real over HTTP on a loopback port ----------------------

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


@pytest.fixture
def softphone(tmp_path):
    """A real baresip softphone on loopback (see tests/sip_lab.py); when baresip or sipp is not
    installed, skipped with the reason (failed on CI)."""
    from tests.sip_lab import Softphone, missing_tools
    if why := missing_tools():
        unavailable(why)
    phone = Softphone(tmp_path / "baresip").start()
    yield phone
    phone.stop()


@pytest.fixture
def sip_calls(tmp_path):
    """place_calls (tests/sip_lab.py) whose sipp processes are stopped at the end of the test."""
    from tests.sip_lab import place_calls
    started = []

    def place(*args, **kwargs):  # noqa: ANN002, ANN003
        process = place_calls(*args, **kwargs)
        started.append(process)
        return process
    yield place
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
