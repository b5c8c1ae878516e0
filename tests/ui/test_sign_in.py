"""Signing in from the window: address, user, password; the refresh token only in the OS keyring."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring.backends.fail
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from central import seats
from tests.conftest import unavailable
from tests.ui.conftest import DEMO_PASSWORD, run_async
from ui.main_window import MainWindow
from workstation.credentials import Credentials
from workstation.demo import DemoPlatform


def _window(qtbot: Any, credentials: Credentials) -> MainWindow:
    window = MainWindow(seat="S-21", credentials=credentials)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def _tr(source: str) -> str:
    return QCoreApplication.translate("SignInOverlay", source)


def test_without_a_keyring_the_password_is_asked_and_nothing_is_stored(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, settings_path: Path, data_home: Path) -> None:
    window = _window(qtbot, Credentials(keyring.backends.fail.Keyring()))
    window.show_sign_in(demo_platform.url, "")
    overlay = window.sign_in_overlay
    assert overlay.isVisible()
    assert window.findChild(QLabel, "signInKeyring").text().startswith("此电脑没有系统钥匙串")
    qtbot.keyClicks(window.findChild(QLineEdit, "signInUser"), "agent")
    qtbot.keyClicks(window.findChild(QLineEdit, "signInPassword"), "wrong-password")
    qtbot.keyClick(window.findChild(QLineEdit, "signInPassword"), Qt.Key.Key_Return)
    error = window.findChild(QLabel, "signInError")
    qtbot.waitUntil(lambda: error.isVisible() and overlay.isEnabled(), timeout=15_000)
    assert error.text() == "登录失败：用户名或密码错误"
    password = window.findChild(QLineEdit, "signInPassword")
    password.clear()
    qtbot.keyClicks(password, DEMO_PASSWORD)
    qtbot.keyClick(password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.seat_session is not None and not overlay.isVisible(), timeout=20_000)
    token = window.client.session.refresh_token
    stored = [p for folder in (settings_path, data_home) for p in folder.rglob("*") if p.is_file()]
    assert stored and not any(token.encode() in p.read_bytes() for p in stored)
    run_async(qtbot, window.shutdown())
    run_async(qtbot, window.client.close())


def test_the_panel_opens_before_the_keyring_is_found_and_then_says_whether_the_sign_in_is_kept(
        qtbot: Any, qloop: Any, settings_path: Path) -> None:
    credentials = Credentials()  # the OS keyring, looked for on first use
    window = _window(qtbot, credentials)
    window.show_sign_in("http://127.0.0.1:1", "agent")
    note = window.findChild(QLabel, "signInKeyring")
    assert window.sign_in_overlay.isVisible() and not credentials.found and note.text() == ""
    qtbot.waitUntil(lambda: note.text() != "", timeout=10_000)
    kept = note.text().startswith("登录状态保存在系统钥匙串中")
    assert credentials.found and kept == credentials.available


def test_empty_fields_are_named_before_anything_is_sent(qtbot: Any, qloop: Any, settings_path: Path) -> None:
    window = _window(qtbot, Credentials(keyring.backends.fail.Keyring()))
    window.show_sign_in("http://127.0.0.1:1", "")
    qtbot.mouseClick(window.sign_in_overlay.button, Qt.MouseButton.LeftButton)
    error = window.findChild(QLabel, "signInError")
    assert error.isVisible() and "用户名" in error.text() and "密码" in error.text()
    assert window.client is None  # nothing was sent anywhere


def test_a_plain_http_address_to_another_machine_is_refused_before_the_password_leaves(
        qtbot: Any, qloop: Any, settings_path: Path) -> None:
    window = _window(qtbot, Credentials(keyring.backends.fail.Keyring()))
    window.show_sign_in("http://10.20.30.40:8345", "agent")
    password = window.findChild(QLineEdit, "signInPassword")
    qtbot.keyClicks(password, "some-password")
    qtbot.keyClick(password, Qt.Key.Key_Return)
    error = window.findChild(QLabel, "signInError")
    qtbot.waitUntil(error.isVisible)
    assert "https://" in error.text() and "明文" in error.text()
    assert window.client is None  # no client was made: nothing was sent


def test_with_a_keyring_the_seat_signs_in_again_without_the_password(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, settings_path: Path) -> None:
    credentials = Credentials()
    if not credentials.available:
        unavailable("this machine has no OS keyring backend (Secret Service); `./dev test` starts one")
    window = _window(qtbot, credentials)
    window.show_sign_in(demo_platform.url, "agent")
    qtbot.keyClicks(window.findChild(QLineEdit, "signInPassword"), DEMO_PASSWORD)
    qtbot.keyClick(window.findChild(QLineEdit, "signInPassword"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: credentials.load(demo_platform.url, "agent") is not None, timeout=20_000)
    assert credentials.load(demo_platform.url, "agent") == window.client.session.refresh_token
    run_async(qtbot, window.shutdown())
    again = _window(qtbot, credentials)
    assert run_async(qtbot, again.resume(demo_platform.url, "agent"))
    assert again.seat_session is not None
    # the platform rotated the token on the refresh: the keyring holds the new one
    assert credentials.load(demo_platform.url, "agent") == again.client.session.refresh_token
    run_async(qtbot, again.shutdown())
    credentials.forget(demo_platform.url, "agent")


def test_a_computer_that_is_not_a_registered_seat_is_told_so(
        platform: Any, qtbot: Any, qloop: Any, settings_path: Path) -> None:
    async def register(conn: Any) -> None:
        await seats.add(conn, "A-01", "127.0.0.2")  # seats are registered, but none at this address

    async def write() -> None:
        async with platform.platform.db.write() as conn:
            await register(conn)
    platform.run_coroutine(write())
    window = _window(qtbot, Credentials(keyring.backends.fail.Keyring()))
    window.show_sign_in(platform.url, "agent")
    password = window.findChild(QLineEdit, "signInPassword")
    qtbot.keyClicks(password, DEMO_PASSWORD)
    qtbot.keyClick(password, Qt.Key.Key_Return)
    error = window.findChild(QLabel, "signInError")
    qtbot.waitUntil(lambda: error.isVisible() and window.sign_in_overlay.isEnabled(), timeout=15_000)
    assert error.text() == "此电脑不是已登记的席位：请管理员登记它的地址"
    assert window.seat_session is None
    run_async(qtbot, window.client.close())
