"""Fixtures for widget tests: the qasync loop under pytest-qt, settings in a temp folder, the
Chinese translation, and the real platform as a separate process on loopback."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import qasync
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from ui.app import APP_NAME, ORGANIZATION, install_translators
from workstation.demo import DemoPlatform
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession

DEMO_PASSWORD = "hotline-demo"  # central.seed.DEMO_PASSWORD

_closed_loops: list[qasync.QEventLoop] = []


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """qasync as the running asyncio loop, so async slots advance during qtbot waits
    (see testing-qt.md for why not already_running=True)."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    asyncio._set_running_loop(loop)
    try:
        yield loop
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        qapp.processEvents()
        asyncio._set_running_loop(None)
        loop.close()
        asyncio.set_event_loop(None)
        # qasync's close() only flags its timer object as stopped: Qt timers still pending (an
        # httpx timeout, say) fire later, and the object must still exist to kill them then. Freed,
        # it took the whole test run down with a segfault a few tests later.
        _closed_loops.append(loop)


def run_async(qtbot: Any, coro: Coroutine[Any, Any, Any], timeout_ms: int = 20_000) -> Any:
    """Run a coroutine on the qasync loop from a sync test, waiting the Qt way."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout_ms)
    return task.result()


@pytest.fixture(scope="session", autouse=True)
def zh_cn(qapp: QApplication) -> Iterator[None]:
    """The interface language the agents use."""
    translators = install_translators(qapp, "zh_CN")
    yield
    for translator in translators:
        qapp.removeTranslator(translator)


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Caches of signed-in users go to a temp folder, never the user's data folder."""
    folder = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    return folder


@pytest.fixture(autouse=True)
def settings_path(qapp: QApplication, tmp_path: Path) -> Path:
    """QSettings() of every test here reads and writes a temp folder, never the user's configuration."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APP_NAME)
    folder = tmp_path / "settings"
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture(scope="session")
def demo_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoPlatform]:
    """The real platform over a temp SQLite file with reference data (the demo users, password
    "hotline-demo"), as a subprocess. Session-wide: starting it costs seconds, and the tests
    only sign in."""
    platform = DemoPlatform(tmp_path_factory.mktemp("platform") / "central.db", demo_data=False,
                            calls_per_hour=0)
    asyncio.run(platform.start())  # start() stops the process itself if it fails
    try:
        yield platform
    finally:
        platform.stop()


@pytest.fixture
def client(qloop: qasync.QEventLoop, qtbot: Any, demo_platform: DemoPlatform) -> Iterator[PlatformClient]:
    client = PlatformClient(demo_platform.url)
    yield client
    run_async(qtbot, client.close())


@pytest.fixture
def seat(qtbot: Any, client: PlatformClient, data_home: Path) -> Iterator[SeatSession]:
    """The demo agent signed in, with an open seat session whose cache has synced once."""
    run_async(qtbot, client.sign_in("agent", DEMO_PASSWORD, "T-01"))
    session = run_async(qtbot, SeatSession.open(client, "T-01", data_home))
    qtbot.waitUntil(lambda: session.store.get_state("cursor") is not None, timeout=20_000)
    yield session
    run_async(qtbot, session.close())


@pytest.fixture(scope="session")
def platform_api(demo_platform: DemoPlatform) -> Callable[..., httpx.Client]:
    """Signed-in synchronous HTTP clients of the demo platform, by user name (admin, agent2 ...),
    for arranging what a test needs on the platform side."""
    clients: dict[str, httpx.Client] = {}

    def get(username: str, password: str = DEMO_PASSWORD) -> httpx.Client:
        if username not in clients:
            c = httpx.Client(base_url=demo_platform.url, timeout=20.0)
            r = c.post("/api/v1/auth/sign-in", json={"username": username, "password": password})
            r.raise_for_status()
            c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
            clients[username] = c
        return clients[username]

    yield get
    for c in clients.values():
        c.close()
