"""Signing out with the keys (Ctrl+Shift+Q, Enter): the refresh token revoked on the platform and
forgotten in the keyring, the seat closed, the sign-in panel shown, and the next start asks for the
password; on a shared computer the cache and its key are deleted too, but changes that did not
reach the platform only when the agent says so."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog

from tests.ui import test_start_offline
from tests.ui.conftest import run_async
from tests.ui.test_start_offline import _close, _order, _sign_in_by_keys, _window
from ui.main_window import MainWindow
from ui.sign_out import SHARED_SEAT_KEY
from workstation.credentials import Credentials
from workstation.demo import DemoPlatform

credentials = test_start_offline.credentials  # the OS keyring (skipped where there is none)
own_platform = test_start_offline.own_platform  # a platform this test stops and starts


def _dialog(qtbot: Any, name: str) -> QDialog:
    qtbot.waitUntil(lambda: any(w.objectName() == name and w.isVisible() for w in QApplication.topLevelWidgets()))
    dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == name and w.isVisible())
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog or dialog.isActiveWindow())
    return dialog


def _press_sign_out(qtbot: Any, window: MainWindow) -> QDialog:
    window.activateWindow()  # back from a dialog
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    return _dialog(qtbot, "signOut")


def _refresh(url: str, token: str) -> int:
    with httpx.Client(base_url=url, timeout=20.0) as api:
        return api.post("/api/v1/auth/refresh", json={"refresh_token": token}).status_code


def test_signing_out_revokes_and_forgets_the_sign_in_keeps_the_cache_and_asks_for_the_password_next_time(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, credentials: Credentials, settings_path: Path) -> None:
    url = demo_platform.url
    window = _window(qtbot, credentials)
    _sign_in_by_keys(qtbot, window, url)
    seat = window.seat_session
    token, cache = credentials.load(url, "agent"), seat.store.path
    assert token is not None and credentials.load_cache_key(cache) is not None
    assert window.sign_out_action in window.help_actions()  # listed by F1
    dialog = _press_sign_out(qtbot, window)
    assert not dialog.findChild(QCheckBox, "signOutShared").isChecked()  # not a shared computer by default
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.seat_session is None and window.sign_in_overlay.isVisible(), timeout=20_000)
    assert credentials.load(url, "agent") is None
    assert _refresh(url, token) == 401  # revoked on the platform
    assert cache.exists() and credentials.load_cache_key(cache) is not None  # this agent's own computer
    assert window.sign_in_overlay.username.text() == "agent" and window.sign_in_overlay.password.text() == ""
    _close(qtbot, window)

    again = _window(qtbot, credentials)
    assert not run_async(qtbot, again.resume(url, "agent", wait_s=2.0))  # the next start asks for the password
    _sign_in_by_keys(qtbot, again, url)
    assert again.seat_session.store.path == cache and again.seat_session.store.recovery is None
    _close(qtbot, again)
    credentials.forget(url, "agent")


def test_on_a_shared_computer_signing_out_deletes_the_cache_and_its_key(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, credentials: Credentials, settings_path: Path) -> None:
    url = demo_platform.url
    window = _window(qtbot, credentials)
    _sign_in_by_keys(qtbot, window, url)
    cache = window.seat_session.store.path
    dialog = _press_sign_out(qtbot, window)
    shared = dialog.findChild(QCheckBox, "signOutShared")
    shared.setFocus()
    qtbot.keyClick(shared, Qt.Key.Key_Space)
    assert shared.isChecked()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.seat_session is None and window.sign_in_overlay.isVisible(), timeout=20_000)
    assert not cache.exists() and list(cache.parent.iterdir()) == []
    assert credentials.load_cache_key(cache) is None and credentials.load(url, "agent") is None
    assert QSettings().value(SHARED_SEAT_KEY) == "true"  # kept: the box is ticked next time
    _close(qtbot, window)


def test_a_shared_computer_keeps_changes_not_uploaded_unless_the_agent_says_to_delete_them(
        qtbot: Any, qloop: Any, own_platform: DemoPlatform, credentials: Credentials, settings_path: Path) -> None:
    url = own_platform.url
    QSettings().setValue(SHARED_SEAT_KEY, "true")
    window = _window(qtbot, credentials)
    window.sign_out_upload_s = 0.5
    _sign_in_by_keys(qtbot, window, url)
    seat = window.seat_session
    cache = seat.store.path
    own_platform.stop()
    run_async(qtbot, seat.orders.create(_order(1)))

    dialog = _press_sign_out(qtbot, window)
    assert dialog.findChild(QCheckBox, "signOutShared").isChecked()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    pending = _dialog(qtbot, "signOutPending")
    qtbot.keyClick(pending, Qt.Key.Key_Escape)  # stay signed in: they are sent when the platform answers
    qtbot.waitUntil(lambda: not pending.isVisible())
    assert window.seat_session is seat and seat.store.outbox_size() == 1 and cache.exists()

    dialog = _press_sign_out(qtbot, window)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    pending = _dialog(qtbot, "signOutPending")
    qtbot.keyClick(pending, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)  # keep them on this computer
    qtbot.waitUntil(lambda: window.seat_session is None and window.sign_in_overlay.isVisible(), timeout=20_000)
    assert cache.exists() and credentials.load_cache_key(cache) is not None

    run_async(qtbot, own_platform.start(), timeout_ms=60_000)
    _sign_in_by_keys(qtbot, window, url)  # the next sign-in sends them
    seat = window.seat_session
    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=30_000)
    own_platform.stop()
    run_async(qtbot, seat.orders.create(_order(2)))
    dialog = _press_sign_out(qtbot, window)
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    pending = _dialog(qtbot, "signOutPending")
    qtbot.keyClick(pending, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # the agent agrees to lose it
    qtbot.waitUntil(lambda: window.seat_session is None and window.sign_in_overlay.isVisible(), timeout=20_000)
    assert not cache.exists() and credentials.load_cache_key(cache) is None
    _close(qtbot, window)
