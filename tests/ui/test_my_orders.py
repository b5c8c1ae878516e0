"""The my-orders page against the real platform: the agent's orders arrive through the cache by
themselves, filter and search from the keyboard, show their timeline, and stay offline."""
from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from domain import clock
from domain.workorder import WorkOrderStatus
from offline_cache.store import CacheStore
from tests.ui.conftest import DEMO_PASSWORD, run_async
from tests.workstation.faults import FaultyTransport
from ui.my_orders import MyOrdersModel, MyOrdersPage
from ui.rows_model import OVERDUE
from workstation.demo import DemoPlatform
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession
from workstation.sync import Backoff, LinkState, SyncService

CATEGORY = "010101"
M = MyOrdersModel


def _mobile() -> str:
    return f"139{random.randint(0, 99_999_999):08d}"  # noqa: S311 - a test number, not a secret


def _tag() -> str:
    """A word no other test's orders have (the demo platform is shared by the whole run)."""
    return "".join(random.choice("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥") for _ in range(4))  # noqa: S311


def _mutation(api: httpx.Client, op: str, payload: dict, number: str | None = None) -> dict:
    body = {"id": str(uuid.uuid4()), "entity": "work_order", "op": op, "payload": payload}
    if number:
        body["entity_id"] = number
    r = api.post("/api/v1/mutations", json=body)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _create(api: httpx.Client, title: str) -> str:
    return _mutation(api, "create", {"request_type": "complaint", "category_id": CATEGORY, "title": title,
                                     "content": "来电人反映小区夜间施工噪音。", "caller_phone": _mobile()})["number"]


def _type(widget: QWidget, text: str) -> None:
    """Type like a Chinese input method: each character committed by its own input-method event."""
    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
            continue
        event = QInputMethodEvent()
        event.setCommitString(char)
        QApplication.sendEvent(widget, event)


def _numbers(page: MyOrdersPage) -> list[str]:
    return [page.model.item(r)["number"] for r in range(page.model.rowCount())]


def _cell(page: MyOrdersPage, number: str, column: int) -> str:
    return page.model.index(page.model.row_of(number), column).data()


def _open_page(qtbot: Any, seat: Any) -> MyOrdersPage:
    page = MyOrdersPage()
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    with qtbot.waitActive(page):
        page.activateWindow()  # shortcuts need an active window
    page.set_session(seat)
    return page


@pytest.fixture
def page(qtbot: Any, seat: SeatSession) -> Iterator[MyOrdersPage]:
    widget = _open_page(qtbot, seat)
    yield widget
    widget.set_session(None)


@pytest.fixture
def agent(platform_api: Callable[[str], httpx.Client]) -> httpx.Client:
    return platform_api("agent")


def test_my_orders_arrive_by_themselves_newest_first_and_filter_by_key(qtbot: Any, page: MyOrdersPage,
                                                                       agent: httpx.Client, platform_api,
                                                                       qtmodeltester: Any) -> None:
    tag = _tag()
    older = _create(agent, f"{tag}施工噪音")
    closed = _create(agent, f"{tag}咨询已答")
    _mutation(agent, "close_at_intake", {"answer": "已告知办理渠道。"}, closed)
    newer = _create(agent, f"{tag}路灯不亮")
    theirs = _create(platform_api("agent2"), f"{tag}别人的工单")
    # no refresh asked for: the feed brings them into the cache, and the page follows the cache
    qtbot.waitUntil(lambda: page.model.row_of(newer) >= 0 and page.model.row_of(older) >= 0, timeout=10_000)
    assert page.model.row_of(newer) < page.model.row_of(older)  # newest first
    assert page.model.row_of(closed) == -1 and page.model.row_of(theirs) == -1
    assert _cell(page, newer, M.STATUS) == WorkOrderStatus.accepted.label_zh == "已受理"
    assert _cell(page, newer, M.TITLE) == f"{tag}路灯不亮"
    assert page.count_label.text() == page.tr("My open orders: {count}").format(count=page.model.rowCount())
    assert page.offline_label.text() == ""
    assert page.search_edit.hasFocus()  # the agent types to search
    qtmodeltester.check(page.model)

    qtbot.keyClick(page.search_edit, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.model.row_of(closed) >= 0, timeout=5_000)
    assert page.model.row_of(newer) == -1 and page.group_buttons["closed"].isChecked()
    assert _cell(page, closed, M.STATUS) == "直接办结"
    qtbot.keyClick(page.search_edit, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: {newer, closed, older} <= set(_numbers(page)), timeout=5_000)
    assert theirs not in _numbers(page)
    qtbot.keyClick(page.search_edit, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: page.model.row_of(closed) == -1 and page.model.row_of(newer) >= 0, timeout=5_000)


def test_typing_searches_by_title_or_number_and_enter_shows_the_timeline(qtbot: Any, page: MyOrdersPage,
                                                                         agent: httpx.Client) -> None:
    tag = _tag()
    lamp = _create(agent, f"{tag}路灯不亮")
    noise = _create(agent, f"{tag}施工噪音")
    qtbot.waitUntil(lambda: page.model.row_of(noise) >= 0, timeout=10_000)
    qtbot.keyClick(page.search_edit, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # all of them
    _type(page.search_edit, f"{tag}路灯")
    qtbot.waitUntil(lambda: _numbers(page) == [lamp], timeout=5_000)
    page.search_edit.clear()
    QTest.keyClicks(page.search_edit, noise)
    with qtbot.waitSignal(page.timeline_shown, timeout=10_000) as shown:
        qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)  # at once: the search catches up first
    assert _numbers(page) == [noise]
    assert shown.args == [noise]
    assert page.panel.isVisible() and page.panel_note.text() == ""
    text = page.timeline_text.toPlainText()
    assert page.action_name("create") in text and "agent" in text
    assert f"{tag}施工噪音" in page.panel_title.text()
    qtbot.keyClick(page.search_edit, Qt.Key.Key_Escape)
    assert not page.panel.isVisible() and page.search_edit.hasFocus()

    # in the list, typing goes to the search box
    page.search_edit.clear()
    qtbot.waitUntil(lambda: page.model.row_of(lamp) >= 0, timeout=5_000)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_2)
    assert page.search_edit.hasFocus() and page.search_edit.text() == "2"


def test_offline_the_page_keeps_the_cached_orders_and_says_since_when(qtbot: Any, qloop: Any, tmp_path: Path,
                                                                      demo_platform: DemoPlatform,
                                                                      agent: httpx.Client) -> None:
    tag = _tag()
    number = _create(agent, f"{tag}井盖缺失")
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    run_async(qtbot, client.sign_in("agent", DEMO_PASSWORD, "T-21"))
    store = CacheStore(tmp_path / "seat.db")
    sync = SyncService(store, client, poll_interval_s=0.2, offline_after=1, backoff=Backoff(0.01, 0.2))
    seat = SimpleNamespace(client=client, sync=sync, store=store)
    page = _open_page(qtbot, seat)
    sync.start()
    try:
        qtbot.waitUntil(lambda: page.model.row_of(number) >= 0, timeout=20_000)
        synced = page.service.data_at()
        assert synced is not None and page.offline_label.text() == ""

        transport.down = True  # the cable pulled
        qtbot.waitUntil(lambda: sync.link == LinkState.offline and page.offline_label.isVisible(), timeout=10_000)
        assert page.offline_label.text() == page.offline_text(page.service.data_at())
        assert page.model.row_of(number) >= 0  # the list stays
        _type(page.search_edit, f"{tag}井盖")  # the cache still searches
        qtbot.waitUntil(lambda: _numbers(page) == [number], timeout=5_000)
        with qtbot.waitSignal(page.timeline_shown, timeout=10_000):
            qtbot.keyClick(page.search_edit, Qt.Key.Key_Return)
        assert page.panel_note.text().startswith(page.tr("Offline: the cached summary as of {time}; the timeline "
                                                         "needs the platform").split("{time}")[0])
        assert "已受理" in page.timeline_text.toPlainText()

        transport.down = False
        qtbot.waitUntil(lambda: sync.link == LinkState.online and not page.offline_label.isVisible(), timeout=10_000)
    finally:
        page.set_session(None)
        run_async(qtbot, sync.stop())
        store.close()
        run_async(qtbot, client.close())


def test_an_overdue_deadline_is_red_and_a_replied_one_is_not(qtbot: Any, qtmodeltester: Any) -> None:
    model = MyOrdersModel()
    past = clock.stamp(clock.now().replace(year=clock.now().year - 1))
    rows = [{"number": "20250101000001", "status": "in_progress", "title": "a", "deadline": past},
            {"number": "20250101000002", "status": "replied", "title": "b", "deadline": past},
            {"number": "20250101000003", "status": "in_progress", "title": "c", "deadline": None}]
    model.set_items(rows)
    qtmodeltester.check(model)
    red = [model.index(r, M.DEADLINE).data(Qt.ItemDataRole.ForegroundRole) for r in range(3)]
    assert red == [OVERDUE, None, None]
    assert model.index(0, M.DEADLINE).data(Qt.ItemDataRole.ToolTipRole) == model.tr("Overdue")


def test_signed_out_page(qtbot: Any) -> None:
    page = MyOrdersPage()
    qtbot.addWidget(page)
    assert page.page_title() == page.tr("My work orders")
    assert page.model.rowCount() == 0 and not page.panel.isVisible()
    assert not page.search_edit.isEnabled() and not page.timeline_action.isEnabled()
    help_keys = {a.shortcut().toString() for a in page.actions_for_help}
    assert {"Alt+1", "Alt+2", "Alt+3", "Ctrl+F", "Return", "Esc"} <= help_keys
