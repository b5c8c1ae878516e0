"""The main window driven like an agent would, against the real platform on loopback."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QSplitter, QWidget

from central.seed import DEMO_PASSWORD, DEMO_USERS
from tests.ui.conftest import run_async
from tests.ui.test_order_form import _type
from ui.main_window import MainWindow
from workstation.demo import DemoPlatform
from workstation.platform_client import PlatformClient

AGENT_NAME = next(display for username, display, _ in DEMO_USERS if username == "agent")


def _open(qtbot: Any, client: PlatformClient | None = None) -> MainWindow:
    window = MainWindow(client, seat="TEST-01")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _link(window: MainWindow) -> str:
    return window.findChild(QLabel, "linkState").text()


@pytest.fixture
def window(qtbot: Any, qloop: Any, settings_path: Path) -> MainWindow:
    return _open(qtbot)


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


@pytest.fixture
def connected_window(qtbot: Any, client: PlatformClient, settings_path: Path) -> MainWindow:
    return _open(qtbot, client)


def test_three_panes_and_not_connected(window: MainWindow) -> None:
    splitter = window.findChild(QSplitter, "panes")
    names = [splitter.widget(i).objectName() for i in range(splitter.count())]
    assert names == ["callerCard", "workOrderForm", "knowledgeBase"]
    titles = [window.findChild(QLabel, f"{name}Title").text() for name in names]
    assert titles == ["来电人", "工单", "知识库"]
    assert all(splitter.widget(i).isVisible() and splitter.widget(i).width() > 0 for i in range(3))
    assert window.findChild(QLabel, "agentState").isVisible()
    assert _link(window) == "未连接"


def test_sign_in_shows_connected_and_agent_name(qtbot: Any, connected_window: MainWindow,
                                                demo_platform: DemoPlatform) -> None:
    connected_window.sign_in("agent", DEMO_PASSWORD)
    qtbot.waitUntil(lambda: _link(connected_window).startswith("已连接"), timeout=15_000)
    assert _link(connected_window) == f"已连接 127.0.0.1:{demo_platform.port}，已登录：{AGENT_NAME}"
    assert AGENT_NAME in connected_window.findChild(QLabel, "agentState").text()


def test_wrong_password_shows_chinese_error(qtbot: Any, connected_window: MainWindow) -> None:
    connected_window.sign_in("agent", "not-the-password")
    qtbot.waitUntil(lambda: _link(connected_window) not in ("未连接", "正在连接…"), timeout=15_000)
    assert _link(connected_window) == "登录失败：用户名或密码错误"
    assert connected_window.findChild(QLabel, "agentState").text() == "座席：未登录"


def test_unreachable_platform_shows_chinese_error(qtbot: Any, qloop: Any, settings_path: Path,
                                                  unused_port: int) -> None:
    client = PlatformClient(f"http://127.0.0.1:{unused_port}", timeout=5.0)
    window = _open(qtbot, client)
    try:
        window.sign_in("agent", DEMO_PASSWORD)
        qtbot.waitUntil(lambda: _link(window).startswith("无法连接平台"), timeout=15_000)
        assert _link(window) == f"无法连接平台 127.0.0.1:{unused_port}"
    finally:
        run_async(qtbot, client.close())


def test_pane_sizes_and_geometry_survive_reopening(qtbot: Any, qloop: Any, settings_path: Path) -> None:
    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(760, 600)  # inside the offscreen screen (800x800): restoreGeometry fits to the screen
    first.show()
    qtbot.waitExposed(first)
    first.splitter.setSizes([300, 200, 250])
    wanted, size = first.splitter.sizes(), first.size()
    first.close()
    assert any(settings_path.rglob("*.conf")), "settings were not written to the temp folder"

    second = _open(qtbot)
    assert second.size() == size
    assert second.splitter.sizes() == wanted


def test_f1_opens_the_help_overlay(qtbot: Any, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    overlay = window.findChild(QWidget, "helpOverlay")
    qtbot.waitUntil(overlay.isVisible)
    help_overlay = window.help_overlay
    rows = help_overlay.shown_rows()
    assert ("窗口", "F1", "显示快捷键") in rows and ("窗口", "Ctrl+Q", "退出") in rows
    groups = [group for group, _, _ in rows]
    assert groups.index("通话栏") > groups.index("窗口") and "知识库" in groups  # by where the keys work
    assert len(rows) == len(set(rows))  # each key once in its group
    assert help_overlay.filter_edit.hasFocus()
    qtbot.keyClicks(help_overlay.filter_edit, "F9")  # typing narrows the list
    assert [(g, k) for g, k, _ in help_overlay.shown_rows()] == [("通话栏", "F9")]
    help_overlay.filter_edit.clear()
    _type(help_overlay.filter_edit, "知识库")
    assert {k for _, k, _ in help_overlay.shown_rows()} >= {"Ctrl+K"}
    assert help_overlay.panel.height() <= window.height()  # it scrolls inside the window
    qtbot.keyClick(help_overlay.filter_edit, Qt.Key.Key_Escape)
    assert not overlay.isVisible()


def _run_app(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # User folders in tmp: the run must not touch the real settings, logs or demo database.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state")}
    return subprocess.run([sys.executable, "-m", "ui.app", *args], env=env, capture_output=True, text=True,
                          timeout=90)


def _assert_png(path: Path) -> None:
    assert path.stat().st_size > 0
    image = QImage(str(path))
    assert not image.isNull() and image.width() > 0 and image.height() > 0


def test_screenshot_with_platform(tmp_path: Path, demo_platform: DemoPlatform) -> None:
    png = tmp_path / "x.png"
    result = _run_app(tmp_path, "--platform", demo_platform.url, "--screenshot", str(png))
    assert result.returncode == 0, result.stderr
    _assert_png(png)


def test_screenshot_of_the_demo(tmp_path: Path) -> None:
    """The README's demo path end to end: seed the demo database, start the platform, sign in."""
    png = tmp_path / "demo.png"
    result = _run_app(tmp_path, "--demo", "--screenshot", str(png))
    assert result.returncode == 0, result.stderr
    _assert_png(png)
    log = (tmp_path / "state" / "hotline-workstation" / "log" / "workstation.log").read_text(encoding="utf-8")
    assert "signed in as user id" in log
    assert DEMO_PASSWORD not in log and AGENT_NAME not in log


def test_signed_in_the_seat_syncs_and_shows_link_and_outbox(qtbot: Any, connected_window: MainWindow,
                                                            demo_platform: DemoPlatform, data_home: Path) -> None:
    connected_window.sign_in("agent", DEMO_PASSWORD)
    sync_state = connected_window.findChild(QLabel, "syncState")
    qtbot.waitUntil(lambda: sync_state.text() == "在线 · 待上传 0 条", timeout=15_000)
    seat = connected_window.seat_session
    assert seat is not None and seat.store.path.is_relative_to(data_home)
    qtbot.waitUntil(lambda: seat.store.get_state("cursor") is not None, timeout=15_000)
    assert seat.store.conn.execute("SELECT count(*) FROM categories").fetchone()[0] > 100
    run_async(qtbot, connected_window.shutdown())
    assert connected_window.seat_session is None
