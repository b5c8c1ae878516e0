"""Quick phrases and call scripts in the window (issue 13), against the real platform: Ctrl+P opens
the picker over the text field that has the cursor, typing narrows it (Chinese as an input method
commits it, and pinyin), Enter or a digit inserts the phrase there, Esc closes; F1 lists the key.
The callback panel shows the callback script with the order's number and the unit's reply."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QWidget

from tests.ui.test_call_bar import _signed_in
from tests.ui.test_callback_queue import _call_back, _mobile, _open_page, _replied
from ui.main_window import MainWindow
from ui.phrases import SHORTCUT, CallbackScriptBox, PhrasePicker
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession


def _type(widget: QWidget, text: str) -> None:
    """Chinese as an input method delivers it: a committed string (QTest's key clicks are ASCII only)."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def _window(qtbot: Any, client: PlatformClient) -> tuple[MainWindow, PhrasePicker]:
    window = _signed_in(qtbot, client, "agent", "T-31")
    qtbot.waitUntil(lambda: bool(window.seat_session.texts.phrases()), timeout=20_000)
    return window, window.phrase_picker


def _field(window: MainWindow, kind: type, name: str) -> Any:
    field = window.findChild(kind, name)
    field.setFocus()
    QTest.qWaitForWindowActive(window)
    return field


def test_ctrl_p_narrows_as_the_agent_types_and_enter_inserts_into_the_field(
        qtbot: Any, client: PlatformClient, settings_path: Path) -> None:
    window, picker = _window(qtbot, client)
    content = _field(window, QPlainTextEdit, "formContent")
    qtbot.waitUntil(content.hasFocus)
    qtbot.keyClicks(content, "abc ")
    qtbot.keyClick(content, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(picker.isVisible)
    assert picker.filter_edit.hasFocus()
    assert len(picker.shown()) >= 10
    opening = window.findChild(QLabel, "openingScript").text()
    assert "12345政务服务便民热线" in opening and window.findChild(QLabel, "closingScript").text()

    _type(picker.filter_edit, "稍等")
    qtbot.waitUntil(lambda: picker.shown() == ["稍等查询"])
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.isVisible())
    assert content.toPlainText() == "abc 请您稍等，我帮您查询一下。"
    assert content.hasFocus()  # the agent types on where they were

    # pinyin narrows too; Down then Enter takes the second; Esc leaves the field as it was
    qtbot.keyClick(content, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(picker.isVisible)
    assert picker.filter_edit.text() == ""
    qtbot.keyClicks(picker.filter_edit, "qing")  # 请 ...
    qtbot.waitUntil(lambda: len(picker.shown()) >= 2)
    second = picker.model.item(1)["body"]
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Down)
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: content.toPlainText().endswith(second))
    before = content.toPlainText()
    qtbot.keyClick(content, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(picker.isVisible)
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not picker.isVisible())
    assert content.toPlainText() == before and content.hasFocus()


def test_a_digit_picks_a_phrase_for_a_line_and_f1_lists_the_key(
        qtbot: Any, client: PlatformClient, settings_path: Path) -> None:
    window, picker = _window(qtbot, client)
    title = _field(window, QLineEdit, "formTitle")
    qtbot.waitUntil(title.hasFocus)
    qtbot.keyClick(title, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(picker.isVisible)
    third = picker.model.item(2)["body"]
    assert picker.model.index(2, 0).data() == "3"
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_3)
    qtbot.waitUntil(lambda: title.text() == third)
    assert picker.filter_edit.text() == ""  # the digit picked, it was not typed

    window.show_help()
    rows = window.help_overlay.shown_rows()
    assert any(keys == "Ctrl+P" and what == picker.action.text() for _group, keys, what in rows), rows
    assert SHORTCUT == "Ctrl+P"
    window.show_help()


def test_with_no_text_field_under_the_cursor_the_picker_says_where_to_put_it(
        qtbot: Any, client: PlatformClient, settings_path: Path) -> None:
    window, picker = _window(qtbot, client)
    window.pages.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(picker.isVisible)
    assert picker.target_line.isVisible()
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Return)
    assert picker.isVisible() and picker.error_line.isVisible()
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not picker.isVisible())


def test_the_callback_panel_shows_the_script_with_the_units_reply(
        qtbot: Any, seat: SeatSession, platform_api) -> None:
    phone = _mobile()
    number = _replied(platform_api, phone)
    page = _open_page(qtbot, seat)
    try:
        qtbot.waitUntil(lambda: page.model.row_of(number) >= 0, timeout=20_000)
        box = page.findChild(CallbackScriptBox, "callbackScript")
        assert not box.isVisible()
        _call_back(qtbot, page, number, phone)
        qtbot.waitUntil(box.isVisible)
        script = box.toPlainText()
        assert f"工单编号{number}" in script and "承办单位答复：已联系物业清理楼道。" in script
        assert "{reply}" not in script and box.isReadOnly()
        assert page.satisfaction_buttons["very_satisfied"].hasFocus()  # the panel's keys are as they were
    finally:
        page.set_session(None)
