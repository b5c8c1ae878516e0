"""An offline-tolerant seat opens while the platform is down, signs in again by itself when it is
back, and asks for the password in the window (keeping the work) only when the platform itself
refuses the seat's sign-in."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton

from offline_cache import cipher
from tests.conftest import unavailable
from tests.ui.conftest import DEMO_PASSWORD, run_async
from ui.main_window import MainWindow
from workstation.credentials import Credentials
from workstation.demo import DemoPlatform
from workstation.platform_client import PlatformClient


def _order(i: int) -> dict:
    return {"request_type": "consultation", "category_id": "010101", "title": f"离线工单 {i}",
            "content": "来电咨询社保卡补办", "caller_phone": "13800138000"}


@pytest.fixture
def credentials() -> Iterator[Credentials]:
    kept = Credentials()
    if not kept.available:
        unavailable("this machine has no OS keyring backend (Secret Service); `./dev test` starts one")
    yield kept


@pytest.fixture
def own_platform(qloop: Any, qtbot: Any, tmp_path: Path) -> Iterator[DemoPlatform]:
    """A platform of this test's own, which the test stops and starts again on the same address."""
    platform = DemoPlatform(tmp_path / "central.db", demo_data=False, calls_per_hour=0)
    run_async(qtbot, platform.start(), timeout_ms=60_000)
    yield platform
    platform.stop()


def _window(qtbot: Any, credentials: Credentials, client: PlatformClient | None = None) -> MainWindow:
    window = MainWindow(client, seat="S-31", credentials=credentials)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def _close(qtbot: Any, window: MainWindow) -> None:
    """What quitting does: the seat closed, then the window's connection to the platform."""
    run_async(qtbot, window.shutdown())
    if window.client is not None:
        run_async(qtbot, window.client.close())


def _sign_in_by_keys(qtbot: Any, window: MainWindow, url: str) -> None:
    window.show_sign_in(url, "agent")
    password = window.findChild(QLineEdit, "signInPassword")
    qtbot.keyClicks(password, DEMO_PASSWORD)
    qtbot.keyClick(password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.seat_session is not None and not window.sign_in_overlay.isVisible(),
                    timeout=20_000)
    qtbot.waitUntil(lambda: window.seat_session.store.get_state("cursor") is not None, timeout=20_000)


def _orders_on_platform(url: str) -> list[dict]:
    with httpx.Client(base_url=url, timeout=20.0) as api:
        token = api.post("/api/v1/auth/sign-in", json={"username": "lead", "password": DEMO_PASSWORD}).json()
        api.headers["Authorization"] = f"Bearer {token['access_token']}"
        return api.get("/api/v1/work-orders", params={"phone": "13800138000"}).json()["items"]


def test_the_seat_opens_offline_with_its_outbox_and_signs_in_by_itself_when_the_platform_is_back(
        qtbot: Any, qloop: Any, own_platform: DemoPlatform, credentials: Credentials, settings_path: Path) -> None:
    url = own_platform.url
    first = _window(qtbot, credentials)
    _sign_in_by_keys(qtbot, first, url)
    own_platform.stop()  # the platform goes down; the agent goes on recording
    for i in range(3):
        run_async(qtbot, first.seat_session.orders.create(_order(i)))
    assert first.seat_session.store.outbox_size() == 3
    _close(qtbot, first)

    again = _window(qtbot, credentials)
    assert run_async(qtbot, again.resume(url, "agent", wait_s=2.0))
    seat = again.seat_session
    assert seat is not None and seat.store.outbox_size() == 3  # the outbox is in an open cache
    assert again.client.session.display_name and again.client.session.user["role"] == "agent"
    assert "离线" in again.link_state.text()
    assert credentials.load(url, "agent") is not None  # "unreachable" is no reason to forget the sign-in
    assert again.pages.isTabVisible(0)  # the agent's pages, from the role the cache remembered

    run_async(qtbot, own_platform.start(), timeout_ms=60_000)  # the same address, as a real platform
    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=30_000)
    qtbot.waitUntil(lambda: "已登录" in again.link_state.text(), timeout=30_000)
    titles = sorted(o["title"] for o in _orders_on_platform(url) if o["title"].startswith("离线工单"))
    assert titles == ["离线工单 0", "离线工单 1", "离线工单 2"]
    # the platform rotated the token when the seat signed in again: the keyring follows
    assert credentials.load(url, "agent") == again.client.session.refresh_token
    _close(qtbot, again)
    credentials.forget(url, "agent")


class _AnswersWith(httpx.AsyncBaseTransport):
    """A fault the real platform does not produce: something in between (a proxy, a load balancer)
    answers every request with its own error page."""

    def __init__(self, status: int, body: bytes, content_type: str) -> None:
        self.status, self.body, self.content_type = status, body, content_type
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return httpx.Response(self.status, content=self.body, headers={"content-type": self.content_type})


@pytest.mark.parametrize("status, body, content_type", [
    (503, b'{"error": "unavailable", "message": "overloaded"}', "application/json"),
    (404, b"<html><body><h1>404 Not Found</h1>nginx</body></html>", "text/html"),
    (401, b"<html><body>401 Authorization Required</body></html>", "text/html"),
])
def test_an_answer_that_is_not_a_refusal_of_the_sign_in_opens_the_seat_offline(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, credentials: Credentials, settings_path: Path,
        status: int, body: bytes, content_type: str) -> None:
    first = _window(qtbot, credentials)
    _sign_in_by_keys(qtbot, first, demo_platform.url)
    _close(qtbot, first)

    proxy = _AnswersWith(status, body, content_type)
    again = _window(qtbot, credentials, PlatformClient(demo_platform.url, transport=proxy))
    assert run_async(qtbot, again.resume(demo_platform.url, "agent", wait_s=2.0))
    assert proxy.requests >= 1
    assert again.seat_session is not None and "离线" in again.link_state.text()
    assert credentials.load(demo_platform.url, "agent") is not None
    _close(qtbot, again)
    credentials.forget(demo_platform.url, "agent")


def test_a_sign_in_the_platform_refuses_is_forgotten_and_the_password_asked(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, credentials: Credentials, settings_path: Path) -> None:
    first = _window(qtbot, credentials)
    _sign_in_by_keys(qtbot, first, demo_platform.url)
    token = credentials.load(demo_platform.url, "agent")
    _close(qtbot, first)
    with httpx.Client(base_url=demo_platform.url) as api:  # revoked elsewhere (an admin, another seat)
        assert api.post("/api/v1/auth/sign-out", json={"refresh_token": token}).status_code == 200

    again = _window(qtbot, credentials)
    assert not run_async(qtbot, again.resume(demo_platform.url, "agent", wait_s=5.0))
    assert again.seat_session is None
    assert credentials.load(demo_platform.url, "agent") is None
    _close(qtbot, again)


def test_no_cache_to_work_from_offline_keeps_the_sign_in_and_says_so(
        qtbot: Any, qloop: Any, credentials: Credentials, settings_path: Path, data_home: Path) -> None:
    url = "http://127.0.0.1:9"  # nothing listens there
    credentials.save(url, "agent", "a-token-kept-from-a-cache-since-deleted")
    window = _window(qtbot, credentials)
    assert not run_async(qtbot, window.resume(url, "agent", wait_s=2.0))
    assert window.seat_session is None
    assert not any(data_home.rglob("*.db"))  # never a blank cache without a word
    assert "离线" in window.link_state.text() or "无法连接" in window.link_state.text()
    assert credentials.load(url, "agent") is not None
    credentials.forget(url, "agent")
    _close(qtbot, window)


def test_a_refusal_during_the_session_asks_for_the_password_and_keeps_the_work(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, credentials: Credentials, settings_path: Path) -> None:
    window = _window(qtbot, credentials)
    _sign_in_by_keys(qtbot, window, demo_platform.url)
    seat = window.seat_session
    title = window.form.findChild(QLineEdit, "formTitle")
    title.setFocus()
    typed = QInputMethodEvent("", [])  # Chinese as an input method commits it (QTest's keys are ASCII)
    typed.setCommitString("楼上漏水")
    QApplication.sendEvent(title, typed)
    # The platform revokes the seat's sign-in (e.g. an admin): sign out its refresh token there, and
    # let the access token be spent (adopting the revoked token makes the next request refresh it).
    revoked = window.client.session.refresh_token
    with httpx.Client(base_url=demo_platform.url) as api:
        assert api.post("/api/v1/auth/sign-out", json={"refresh_token": revoked}).status_code == 200
    window.client.adopt_refresh_token(revoked, window.client.session.user)
    run_async(qtbot, seat.orders.create(_order(7)))  # recorded while refused: waits in the outbox
    overlay = window.sign_in_overlay
    qtbot.waitUntil(overlay.isVisible, timeout=20_000)
    assert window.findChild(QLineEdit, "signInUser").isReadOnly()
    assert window.findChild(QLabel, "signInError").isVisible()
    assert seat.store.outbox_size() == 1

    qtbot.keyClick(overlay.password, Qt.Key.Key_Escape)  # later: keep working offline
    assert not overlay.isVisible() and window.seat_session is seat
    assert "Ctrl+Shift+L" in window.link_state.text()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(overlay.isVisible, timeout=5_000)
    assert window.findChild(QPushButton, "signInLater").isVisible()
    qtbot.keyClicks(overlay.password, DEMO_PASSWORD)
    qtbot.keyClick(overlay.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=20_000)
    assert window.seat_session is seat  # the same seat: nothing was reopened
    assert title.text() == "楼上漏水"
    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=20_000)
    assert credentials.load(demo_platform.url, "agent") == window.client.session.refresh_token
    assert window.client.session.refresh_token != revoked
    _close(qtbot, window)
    credentials.forget(demo_platform.url, "agent")


def test_a_damaged_cache_is_rebuilt_with_its_pending_changes_and_the_agent_is_told(
        qtbot: Any, qloop: Any, own_platform: DemoPlatform, credentials: Credentials, settings_path: Path,
        data_home: Path) -> None:
    url = own_platform.url
    first = _window(qtbot, credentials)
    _sign_in_by_keys(qtbot, first, url)
    own_platform.stop()
    for i in range(2):
        run_async(qtbot, first.seat_session.orders.create(_order(10 + i)))
    cache = first.seat_session.store.path
    _close(qtbot, first)
    # the WAL written back into the file, as SQLite does (the cache is encrypted: with its key)
    with closing(cipher.connect(cache, credentials.load_cache_key(cache))) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with cache.open("r+b") as damaged:  # then a disk fault: half of the file is gone
        damaged.truncate(cache.stat().st_size // 2)

    run_async(qtbot, own_platform.start(), timeout_ms=60_000)
    again = _window(qtbot, credentials)
    assert run_async(qtbot, again.resume(url, "agent", wait_s=10.0))
    notice = again.recovery_notice
    assert notice is not None and notice.isVisible()
    assert "2 项" in notice.text() or "2 change" in notice.text()
    assert any(p.name.startswith(cache.name + ".damaged-") for p in cache.parent.iterdir())
    seat = again.seat_session
    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=30_000)
    titles = sorted(o["title"] for o in _orders_on_platform(url) if o["title"].startswith("离线工单 1"))
    assert titles == ["离线工单 10", "离线工单 11"]
    qtbot.waitUntil(lambda: seat.store.get_state("cursor") is not None, timeout=30_000)  # resynced by itself
    _close(qtbot, again)
    credentials.forget(url, "agent")
