"""The window's pages follow the signed-in role, and Ctrl+1, Ctrl+2 ... move between the visible ones."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from tests.ui.test_workstation_flows import close_window, open_window
from workstation.demo import DemoPlatform


def visible_titles(window: Any) -> list[str]:
    return [window.pages.tabText(i) for i in range(window.pages.count()) if window.pages.isTabVisible(i)]


def test_each_role_sees_its_pages(qtbot: Any, qloop: Any, demo_platform: DemoPlatform) -> None:
    agent = open_window(qtbot, demo_platform.url, "agent", "P-01")
    seen = visible_titles(agent)
    assert seen[0] == "接听台" and agent.my_orders.page_title() in seen and agent.callback_queue.page_title() in seen
    assert agent.wallboard.page_title() not in seen and agent.reviews.page_title() not in seen
    assert agent.escalation_inbox.page_title() not in seen
    qtbot.keyClick(agent, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert agent.pages.currentWidget() is agent.pages.widget(
        [i for i in range(agent.pages.count()) if agent.pages.isTabVisible(i)][2])
    qtbot.keyClick(agent, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert agent.pages.currentWidget() is agent.splitter
    qtbot.keyClick(agent, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: any(isinstance(w, QDialog) and w.isVisible() for w in agent.findChildren(QDialog)))
    close_window(qtbot, agent)

    lead = open_window(qtbot, demo_platform.url, "lead", "L-01")
    seen = visible_titles(lead)
    for page in (lead.wallboard, lead.reviews, lead.supervision, lead.callback_queue):
        assert page.page_title() in seen
    assert lead.escalation_inbox.page_title() not in seen
    close_window(qtbot, lead)
