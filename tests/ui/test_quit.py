"""Quitting (Ctrl+Q, the window's close button) asks first when something is pending: a call, a
work order not recorded, changes not uploaded; Enter stays, Alt+Q quits anyway, and the draft is
kept. With nothing pending it quits at once. The real platform on loopback, the real window."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from tests.ui.conftest import run_async
from tests.ui.test_call_bar import _signed_in
from tests.ui.test_start_offline import _order, own_platform  # noqa: F401 - a fixture
from ui.main_window import CURRENT_DRAFT, MainWindow
from workstation.demo import DemoPlatform
from workstation.platform_client import PlatformClient

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


class CloseButton(QCloseEvent):
    """The window's close button. Offscreen there is no window manager to press it, so the event
    says itself that it came from the window system, as a real press does (`spontaneous`)."""

    def spontaneous(self) -> bool:
        return True


def _question(qtbot: Any) -> QDialog:
    """The quit question, shown over the window with the keyboard in it."""
    qtbot.waitUntil(lambda: any(w.objectName() == "quitPending" and w.isVisible() for w in QApplication.topLevelWidgets()))
    dialog = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "quitPending" and w.isVisible())
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog or dialog.isActiveWindow())
    return dialog


def _text(dialog: QDialog) -> str:
    return dialog.findChild(QLabel, "quitPendingText").text()


def _stays(qtbot: Any, window: MainWindow, dialog: QDialog, key: Qt.Key = Qt.Key.Key_Return) -> None:
    qtbot.keyClick(dialog, key)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert window.isVisible() and window.seat_session is not None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def _quit_key(qtbot: Any, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Q, CTRL)


def test_with_nothing_pending_ctrl_q_quits_at_once(qtbot: Any, client: PlatformClient, settings_path: Path) -> None:
    window = _signed_in(qtbot, client, "agent", "Q-01", online=True)
    qtbot.waitUntil(lambda: window.seat_session.sync.outbox_size() == 0, timeout=20_000)
    with qtbot.waitSignal(window.closed, timeout=5_000):
        _quit_key(qtbot, window)
    assert not window.isVisible()
    assert not any(w.objectName() == "quitPending" for w in QApplication.topLevelWidgets())
    run_async(qtbot, window.shutdown())


def test_a_call_and_an_unrecorded_order_ask_first_and_the_draft_is_kept(
        qtbot: Any, client: PlatformClient, settings_path: Path, platform_api) -> None:
    window = _signed_in(qtbot, client, "agent2", "Q-02", online=True)
    state = window.findChild(QLabel, "agentStateValue")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: state.text() == "示闲", timeout=10_000)
    platform_api("lead").post("/api/v1/calls", json={"caller_phone": "13500001357"}).raise_for_status()
    qtbot.waitUntil(lambda: state.text() == "振铃", timeout=10_000)
    QApplication.sendEvent(window, CloseButton())  # the window's close button, during the ring
    dialog = _question(qtbot)
    assert "有电话正在进行" in _text(dialog) and "工单尚未登记" not in _text(dialog)
    _stays(qtbot, window, dialog, Qt.Key.Key_Escape)  # Esc stays as well

    qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: state.text() == "通话中", timeout=10_000)
    qtbot.keyClicks(window.form.title_edit, "wifi")  # the order begun, not recorded
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: state.text().startswith("话后处理"), timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_F12)  # wrap-up over: the call no longer holds the agent
    qtbot.waitUntil(lambda: state.text() == "示闲", timeout=10_000)
    qtbot.waitUntil(lambda: window.seat_session.sync.outbox_size() == 0, timeout=20_000)
    _quit_key(qtbot, window)
    dialog = _question(qtbot)
    assert "表单上的工单尚未登记（草稿会保留）" in _text(dialog) and "有电话正在进行" not in _text(dialog)
    _stays(qtbot, window, dialog)  # Enter stays: the safe answer

    _quit_key(qtbot, window)
    dialog = _question(qtbot)
    with qtbot.waitSignal(window.closed, timeout=5_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Q, ALT)  # quit anyway
    seat = window.seat_session
    run_async(qtbot, window._flush_draft())  # what shutting down does first
    assert seat.store.load_draft(CURRENT_DRAFT) is not None  # the order begun comes back at the next start
    run_async(qtbot, window.shutdown())


def test_changes_not_uploaded_ask_first(qtbot: Any, qloop: Any, own_platform: DemoPlatform,  # noqa: F811
                                        settings_path: Path) -> None:
    client = PlatformClient(own_platform.url)
    window = _signed_in(qtbot, client, "agent", "Q-03", online=True)
    own_platform.stop()
    run_async(qtbot, window.seat_session.orders.create(_order(1)))
    _quit_key(qtbot, window)
    dialog = _question(qtbot)
    assert "条更改尚未上传到平台" in _text(dialog) and "有电话正在进行" not in _text(dialog)
    assert "Alt+Q" in _text(dialog)
    _stays(qtbot, window, dialog)
    assert window.seat_session.sync.outbox_size() >= 1

    _quit_key(qtbot, window)
    dialog = _question(qtbot)
    with qtbot.waitSignal(window.closed, timeout=5_000):
        qtbot.keyClick(dialog, Qt.Key.Key_Q, ALT)
    run_async(qtbot, window.shutdown())
    run_async(qtbot, client.close())
