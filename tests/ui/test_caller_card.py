"""The caller card: the screen pop fills it from the cache at once, the platform refines it."""
from __future__ import annotations

import random
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableView

from domain import clock
from domain.workorder import WorkOrderStatus
from tests.ui.conftest import run_async
from ui.caller_card import CallerCard, CallerOrdersModel
from ui.rows_model import OVERDUE
from workstation.callers import CallerService
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession

CATEGORY = "010101"  # 社会保障 / 医疗保险 / 参保缴费 in the reference catalogue
CATEGORY_NAME = "参保缴费"


def _random_mobile() -> str:
    return f"138{random.randint(0, 99_999_999):08d}"  # noqa: S311 - a test number, not a secret


def _create(api: httpx.Client, phone: str, title: str, name: str = "张三", confidential: bool = False) -> str:
    r = api.post("/api/v1/mutations", json={
        "id": str(uuid.uuid4()), "entity": "work_order", "op": "create",
        "payload": {"request_type": "consultation", "category_id": CATEGORY, "title": title,
                    "content": f"{title}，来电人询问办理流程。", "caller_phone": phone,
                    "requester_name": name, "confidential": confidential}})
    assert r.status_code == 200, r.text
    return r.json()["data"]["number"]


def _close_at_intake(api: httpx.Client, number: str) -> None:
    r = api.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "work_order",
                                            "op": "close_at_intake", "entity_id": number,
                                            "payload": {"answer": "已按知识库答复来电人。"}})
    assert r.status_code == 200, r.text


def _label(card: CallerCard, name: str) -> QLabel:
    return card.findChild(QLabel, name)


def _orders(card: CallerCard) -> list[tuple[str, str]]:
    model = card.findChild(QTableView, "callerOrders").model()
    return [(model.index(r, CallerOrdersModel.NUMBER).data(), model.index(r, CallerOrdersModel.STATUS).data())
            for r in range(model.rowCount())]


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


@pytest.fixture
def api(platform_api: Callable[[str], httpx.Client]) -> httpx.Client:
    return platform_api("agent2")


@pytest.fixture
def history(api: httpx.Client) -> tuple[str, str, str]:
    """A caller with one order closed at intake and a newer one still open: (phone, closed, open)."""
    phone = _random_mobile()
    closed = _create(api, phone, "医保参保缴费基数咨询")
    _close_at_intake(api, closed)
    still_open = _create(api, phone, "灵活就业人员医保断缴")
    return phone, closed, still_open


def _card(qtbot: Any, seat: Any) -> CallerCard:
    card = CallerCard()
    qtbot.addWidget(card)
    card.set_session(cast(SeatSession, seat))
    card.resize(420, 600)
    card.show()
    qtbot.waitExposed(card)
    return card


@pytest.fixture
def card(qtbot: Any, seat: SeatSession) -> Iterator[CallerCard]:
    card = _card(qtbot, seat)
    yield card
    card.clear()  # cancels a refinement still running before the seat closes


def test_screen_pop_fills_at_once_from_the_cache(qtbot: Any, seat: SeatSession, card: CallerCard,
                                                 history: tuple[str, str, str]) -> None:
    phone, closed, still_open = history
    run_async(qtbot, seat.sync.download_all())
    with qtbot.waitSignal(card.refined, timeout=10_000):
        card.show_caller(phone)
        # no waiting: all of this comes from the local cache, found by the number's keyed hash; the
        # cache holds the name of a caller whose orders another agent took masked (R14)
        assert _label(card, "callerNumber").text() == _masked(phone)
        assert _label(card, "callerName").text() == "张*"
        assert not _label(card, "callerConfidential").isVisible()
        assert _orders(card) == [(still_open, WorkOrderStatus.accepted.label_zh),
                                 (closed, WorkOrderStatus.closed_at_intake.label_zh)]
        repeat = _label(card, "callerRepeat")
        assert repeat.isVisible()
        assert still_open in repeat.text() and CATEGORY_NAME in repeat.text()
    assert card.repeat_for(CATEGORY) == still_open
    assert card.repeat_for("020101") == still_open  # an open order repeats whatever the category
    assert [number for number, _ in _orders(card)] == [still_open, closed]
    assert not _label(card, "callerSourceNote").isVisible()
    assert _label(card, "callerName").text() == "张三"  # the platform's record, read for this call (audited)


def test_platform_answer_refines_the_card(qtbot: Any, seat: SeatSession, card: CallerCard, api: httpx.Client,
                                          history: tuple[str, str, str]) -> None:
    phone, closed, still_open = history
    run_async(qtbot, seat.sync.download_all())
    run_async(qtbot, seat.sync.stop())  # the cache stays as it is: only the refinement can show what follows
    newest = _create(api, phone, "医保转移接续进度", name="张三丰", confidential=True)
    with qtbot.waitSignal(card.refined, timeout=10_000) as refined:
        card.show_caller(phone)
        assert _label(card, "callerName").text() == "张*"
        assert len(_orders(card)) == 2
    assert refined.args == [phone]
    assert _label(card, "callerName").text() == "张三丰"
    assert _label(card, "callerConfidential").isVisible()
    assert [number for number, _ in _orders(card)] == [newest, still_open, closed]
    assert newest in _label(card, "callerRepeat").text()


def test_a_new_call_cancels_the_previous_refinement(qtbot: Any, seat: SeatSession, card: CallerCard) -> None:
    first, second = _random_mobile(), _random_mobile()
    seen: list[str] = []
    card.refined.connect(seen.append)
    card.show_caller(first)
    with qtbot.waitSignal(card.refined, timeout=10_000):
        card.show_caller(second)
    assert seen == [second]
    assert _label(card, "callerNumber").text() == _masked(second)


def test_reveal_shows_the_number_and_is_audited(qtbot: Any, card: CallerCard, history: tuple[str, str, str]) -> None:
    phone = history[0]
    card.show_caller(phone)
    assert "Alt+N" in card.reveal_action.toolTip()
    assert card.reveal_action in card.actions_for_help
    card.activateWindow()
    qtbot.waitActive(card)
    with qtbot.waitSignal(card.number_revealed, timeout=2_000) as revealed:
        qtbot.keyClick(card, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert revealed.args == [phone]
    assert _label(card, "callerNumber").text() == phone
    with qtbot.assertNotEmitted(card.number_revealed):
        qtbot.keyClick(card, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert _label(card, "callerNumber").text() == _masked(phone)
    # a new call starts masked again
    card.reveal_action.trigger()
    card.show_caller(phone)
    assert _label(card, "callerNumber").text() == _masked(phone)
    assert not card.reveal_action.isChecked()


def test_confidential_caller_shows_the_badge(qtbot: Any, seat: SeatSession, card: CallerCard,
                                             api: httpx.Client) -> None:
    phone = _random_mobile()
    _create(api, phone, "举报人要求保密", name="李四", confidential=True)
    run_async(qtbot, seat.sync.download_all())
    card.show_caller(phone)
    badge = _label(card, "callerConfidential")
    assert badge.isVisible()
    assert badge.text() == card.tr("Confidential")
    assert "#b3261e" in badge.styleSheet()


def test_unknown_caller_with_number_location(qtbot: Any, card: CallerCard) -> None:
    phone = _random_mobile()
    with qtbot.waitSignal(card.refined, timeout=10_000):
        card.show_caller(phone)
        assert _label(card, "callerName").text() == card.tr("Unknown caller")
        assert _orders(card) == []
        assert not _label(card, "callerRepeat").isVisible()
        assert not _label(card, "callerConfidential").isVisible()
    assert _label(card, "callerName").text() == card.tr("Unknown caller")
    card.show_caller("13800138000")
    assert _label(card, "callerLocation").text() == "北京市 · 中国移动"
    card.show_caller("051988123456")
    assert _label(card, "callerNumber").text() == "051*****3456"
    assert _label(card, "callerLocation").text() == "江苏省常州市"


def test_clear_shows_the_empty_state(card: CallerCard) -> None:
    assert _label(card, "callerEmpty").isVisible()
    assert not card.reveal_action.isEnabled()
    card.show_caller(_random_mobile())
    assert not _label(card, "callerEmpty").isVisible()
    assert _label(card, "callerNumber").isVisible()
    card.clear()
    assert _label(card, "callerEmpty").isVisible()
    assert card.phone == "" and card.repeat_for(CATEGORY) is None
    assert not card.reveal_action.isEnabled()


def test_orders_model(qtmodeltester: Any, card: CallerCard, history: tuple[str, str, str]) -> None:
    model = card.orders_model
    qtmodeltester.check(model)
    now = clock.now()
    rows = [{"number": "A1", "created_at": clock.stamp(now - timedelta(days=20)), "status": "dispatched",
             "title": "逾期未办", "deadline": clock.stamp(now - timedelta(days=1))},
            {"number": "A2", "created_at": clock.stamp(now - timedelta(days=30)), "status": "closed",
             "title": "已办结", "deadline": clock.stamp(now - timedelta(days=2))},
            {"number": "A3", "created_at": clock.stamp(now), "status": "dispatched", "title": "未到期",
             "deadline": clock.stamp(now + timedelta(days=5))}]
    model.set_rows(rows, now)
    qtmodeltester.check(model)
    red = [model.index(r, CallerOrdersModel.DEADLINE).data(Qt.ItemDataRole.ForegroundRole) for r in range(3)]
    assert red == [OVERDUE, None, None]
    assert model.index(0, CallerOrdersModel.CREATED).data() == rows[0]["created_at"][:10]
    assert model.index(0, CallerOrdersModel.STATUS).data() == WorkOrderStatus.dispatched.label_zh


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_offline_keeps_the_cache_view(qtbot: Any, seat: SeatSession, history: tuple[str, str, str],
                                      unused_port: int) -> None:
    phone, closed, still_open = history
    run_async(qtbot, seat.sync.download_all())
    dead = PlatformClient(f"http://127.0.0.1:{unused_port}", timeout=2.0)
    dead.adopt_refresh_token("unused")  # signed in as far as the client knows: the request is really sent
    offline_seat = SimpleNamespace(client=dead, callers=CallerService(dead, seat.sync), catalog=seat.catalog)
    card = _card(qtbot, offline_seat)
    try:
        with qtbot.waitSignal(card.refinement_failed, timeout=10_000):
            card.show_caller(phone)
            assert not _label(card, "callerSourceNote").isVisible()
        note = _label(card, "callerSourceNote")
        assert note.isVisible()
        assert note.text() == card.tr("History from the local cache: the platform cannot be reached")
        assert [number for number, _ in _orders(card)] == [still_open, closed]
        assert _label(card, "callerName").text() == "张*"  # offline: the cache's masked name
    finally:
        card.clear()
        run_async(qtbot, dead.close())


def test_the_orders_list_keeps_number_dates_status_and_deadline_in_sight(qtbot: Any, card: CallerCard) -> None:
    """The card is narrow (its pane in a 1440-pixel window): the fixed-width columns come first and
    the title takes what is left, whole in its tooltip; the rows are never wrapped into two lines."""
    card.resize(360, 600)
    card.show_caller(_random_mobile())
    qtbot.waitUntil(lambda: card.orders_view.width() < 360)
    now = clock.now()
    title = "小区楼下餐馆夜间油烟噪音扰民，多次反映未解决，要求执法部门到现场处理"
    card.orders_model.set_rows([{"number": "20261201000003", "created_at": clock.stamp(now), "status": "return_review",
                                 "title": title, "deadline": clock.stamp(now + timedelta(days=5))}], now)
    view, model = card.orders_view, card.orders_model
    header = view.horizontalHeader()
    visual = [header.logicalIndex(n) for n in range(header.count())]
    assert visual[-1] == CallerOrdersModel.TITLE
    width = view.viewport().width()
    for column in (CallerOrdersModel.NUMBER, CallerOrdersModel.CREATED, CallerOrdersModel.STATUS,
                   CallerOrdersModel.DEADLINE):
        assert 0 <= header.sectionViewportPosition(column) and \
            header.sectionViewportPosition(column) + header.sectionSize(column) <= width, column
        text = model.index(0, column).data()
        if column != CallerOrdersModel.STATUS:  # the longest statuses are elided, whole in the tooltip
            assert view.fontMetrics().horizontalAdvance(text) <= header.sectionSize(column), column
    assert model.index(0, CallerOrdersModel.TITLE).data(Qt.ItemDataRole.ToolTipRole) == title
    assert model.index(0, CallerOrdersModel.STATUS).data(Qt.ItemDataRole.ToolTipRole) == \
        WorkOrderStatus.return_review.label_zh
    assert not view.wordWrap() and view.rowHeight(0) < 2 * view.fontMetrics().height()
