"""The knowledge editor's search lexicon page (检索词库), by keyboard against the real platform
(issue 14): a line added, found, changed, removed and put back, each reaching the platform through
the outbox; a line the platform would refuse is not sent and says why."""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.test_order_form import _type
from tests.ui.test_workstation_flows import close_window, open_window
from workstation.demo import DemoPlatform

CTRL = Qt.KeyboardModifier.ControlModifier


def _platform_lexicon(api) -> dict[str, list[str]]:  # noqa: ANN001
    rows = api.get("/api/v1/snapshot/synonym", params={"limit": 5000}).json()["items"]
    return {row["term"]: row["expansions"] for row in rows}


def test_an_editor_adds_changes_removes_and_puts_back_a_lexicon_line_by_keyboard(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, platform_api, settings_path: Path) -> None:
    term = f"押金不退{uuid.uuid4().hex[:4]}"  # the session's platform is shared: a term of this test's own
    agent = platform_api("agent")
    window = open_window(qtbot, demo_platform.url, "editor", "K-10")
    try:
        page = window.lexicon
        assert window.pages.isTabVisible(window.pages.indexOf(page))
        window.show_page([i for i in range(window.pages.count()) if window.pages.isTabVisible(i)]
                         .index(window.pages.indexOf(page)))
        assert window.pages.currentWidget() is page
        page.table.setFocus()

        qtbot.keyClick(page.table, Qt.Key.Key_N, CTRL)
        assert QApplication.focusWidget() is page.term_edit
        qtbot.keyClick(page.term_edit, Qt.Key.Key_Return, CTRL)  # nothing typed: not sent, and why
        assert page.error_label.text() and window.seat_session.sync.outbox_size() == 0
        _type(page.term_edit, term)
        qtbot.keyClick(page.term_edit, Qt.Key.Key_Tab)
        _type(page.words_edit, "退押金、押金退还")
        qtbot.keyClick(page.words_edit, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: not page.editor.isVisible(), timeout=10_000)
        assert page.current_item() == {"term": term, "expansions": ["退押金", "押金退还"]}
        qtbot.waitUntil(lambda: _platform_lexicon(agent).get(term) == ["退押金", "押金退还"], timeout=20_000)

        qtbot.keyClick(page.table, Qt.Key.Key_N, CTRL)  # the same term again: it is edited, not added
        _type(page.term_edit, term)
        qtbot.keyClick(page.term_edit, Qt.Key.Key_Tab)
        _type(page.words_edit, "押金")
        qtbot.keyClick(page.words_edit, Qt.Key.Key_Return, CTRL)
        assert term in page.error_label.text() and page.editor.isVisible()
        qtbot.keyClick(page.words_edit, Qt.Key.Key_Escape)
        assert not page.editor.isVisible() and QApplication.focusWidget() is page.table

        qtbot.keyClick(page.table, Qt.Key.Key_F, CTRL)
        assert QApplication.focusWidget() is page.filter_edit
        _type(page.filter_edit, term)
        assert page.model.rowCount() == 1
        qtbot.keyClick(page.filter_edit, Qt.Key.Key_Down)
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
        assert QApplication.focusWidget() is page.words_edit and page.term_edit.isReadOnly()
        _type(page.words_edit, "、保证金")
        qtbot.keyClick(page.words_edit, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: _platform_lexicon(agent).get(term) == ["退押金", "押金退还", "保证金"], timeout=20_000)

        qtbot.keyClick(page.table, Qt.Key.Key_Delete)
        qtbot.waitUntil(lambda: page.model.rowCount() == 0)
        qtbot.waitUntil(lambda: window.seat_session.sync.outbox_size() == 0, timeout=20_000)
        qtbot.waitUntil(lambda: term not in _platform_lexicon(agent), timeout=20_000)
        qtbot.keyClick(page.table, Qt.Key.Key_Z, CTRL)
        qtbot.waitUntil(lambda: page.model.rowCount() == 1)
        qtbot.waitUntil(lambda: window.seat_session.sync.outbox_size() == 0, timeout=20_000)
        qtbot.waitUntil(lambda: _platform_lexicon(agent).get(term) == ["退押金", "押金退还", "保证金"], timeout=20_000)
        assert window.seat_session.sync.rejections() == []
    finally:
        close_window(qtbot, window)
