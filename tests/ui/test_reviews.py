"""The dispatcher's review page against the real platform: a unit's return, extension or an
unreasonable repeat request appears by itself, is decided from the keyboard (A / R, a note,
Ctrl+Enter) through the outbox, and the platform moves the order; refusals show the platform's
reason; offline the last list stays, says so, and decisions wait in the outbox."""
from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from domain import clock
from offline_cache import lists
from offline_cache.store import CacheStore
from tests.ui.conftest import DEMO_PASSWORD, run_async
from tests.workstation.faults import FaultyTransport
from ui.reviews import ReviewsModel, ReviewsPage
from workstation.demo import DemoPlatform
from workstation.desk_lists import ReviewService
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession

CATEGORY = "010101"  # 社会保障 / 医疗保险 / 参保缴费 in the reference catalogue
UNIT = "B02"         # 市医疗保障局
CTRL = Qt.KeyboardModifier.ControlModifier


def _mobile() -> str:
    return f"138{random.randint(0, 99_999_999):08d}"  # noqa: S311 - a test number


def _type(widget: QWidget, text: str) -> None:
    """Type like a Chinese input method: each character committed by its own input-method event."""
    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
            continue
        event = QInputMethodEvent()
        event.setCommitString(char)
        QApplication.sendEvent(widget, event)


@contextmanager
def seat_service(seat: SeatSession, name: str, service: Any) -> Iterator[Any]:
    """The seat's service `name` replaced by the test's own for a while (the pages take the seat's)."""
    missing = object()
    old = getattr(seat, name, missing)
    setattr(seat, name, service)
    try:
        yield service
    finally:
        service.close()
        if old is missing:
            delattr(seat, name)
        else:
            setattr(seat, name, old)


def _mutate(api: httpx.Client, number: str | None, op: str, payload: dict) -> dict:
    body = {"id": str(uuid.uuid4()), "entity": "work_order", "op": op, "payload": payload}
    if number is not None:
        body["entity_id"] = number
    r = api.post("/api/v1/mutations", json=body)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _order(api: httpx.Client, title: str, phone: str = "") -> str:
    data = _mutate(api, None, "create", {
        "request_type": "complaint", "category_id": CATEGORY, "title": title,
        "content": "来电人反映医保报销迟迟未到账，要求尽快处理。", "caller_phone": phone or _mobile()})
    return data["number"]


def _dispatched(agent: httpx.Client, title: str, phone: str = "") -> str:
    number = _order(agent, title, phone)
    _mutate(agent, number, "dispatch", {"handling_unit_id": UNIT})
    return number


def _platform_order(api: httpx.Client, number: str) -> dict:
    r = api.get(f"/api/v1/work-orders/{number}")
    assert r.status_code == 200, r.text
    return r.json()


def _pending_review(api: httpx.Client, number: str) -> dict | None:
    r = api.get("/api/v1/reviews", params={"state": "pending"})
    assert r.status_code == 200, r.text
    return next((i for i in r.json()["items"] if i["number"] == number), None)


@pytest.fixture
def apis(platform_api: Callable[[str], httpx.Client]) -> tuple[httpx.Client, httpx.Client]:
    """(agent, dispatcher): the agent takes orders, the dispatcher acts for the units."""
    return platform_api("agent"), platform_api("dispatcher")


def _desk_session(qtbot: Any, demo_platform: DemoPlatform, data_home: Path, username: str,
                  seat: str) -> SeatSession:
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    client.transport = transport  # for the tests that cut the link
    run_async(qtbot, client.sign_in(username, DEMO_PASSWORD, seat))
    session = run_async(qtbot, SeatSession.open(client, seat, data_home))
    qtbot.waitUntil(lambda: session.store.get_state("cursor") is not None, timeout=20_000)
    return session


@pytest.fixture
def desk(qtbot: Any, qloop: Any, demo_platform: DemoPlatform, data_home: Path) -> Iterator[SeatSession]:
    """The dispatcher signed in at a seat, over a transport the test can cut."""
    session = _desk_session(qtbot, demo_platform, data_home, "dispatcher", "D-01")
    yield session
    run_async(qtbot, session.close())
    run_async(qtbot, session.client.close())


def _open(qtbot: Any, seat: SeatSession | None) -> ReviewsPage:
    page = ReviewsPage()
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    with qtbot.waitActive(page):
        page.activateWindow()  # shortcuts need an active window
    page.set_session(seat)
    return page


def _row(page: ReviewsPage, number: str) -> int:
    return next((r for r in range(page.model.rowCount()) if page.model.item(r)["number"] == number), -1)


def _select(qtbot: Any, page: ReviewsPage, number: str) -> None:
    """Up/Down to the review's row, as the dispatcher does."""
    page.table.setFocus()
    while (row := _row(page, number)) != page.table.currentIndex().row():
        qtbot.keyClick(page.table, Qt.Key.Key_Down if row > page.table.currentIndex().row() else Qt.Key.Key_Up)
    assert page.current_item()["number"] == number


def test_a_return_appears_by_itself_and_is_refused_from_the_keyboard(qtbot: Any, desk: SeatSession, apis) -> None:
    agent, dispatcher = apis
    phone = _mobile()
    number = _dispatched(agent, "医保报销未到账", phone)
    page = _open(qtbot, desk)
    qtbot.waitUntil(lambda: page.service.fetched_at is not None, timeout=10_000)
    _mutate(dispatcher, number, "apply_return", {"unit_id": UNIT, "reason": "不属于本单位职责，应由社保中心办理"})
    qtbot.waitUntil(lambda: _row(page, number) >= 0, timeout=10_000)  # the change feed's event reads it again

    _select(qtbot, page, number)
    row = _row(page, number)
    assert page.model.index(row, ReviewsModel.KIND).data() == page.texts.review_kind("return")
    assert page.model.index(row, ReviewsModel.TITLE).data() == "医保报销未到账"
    assert "不属于本单位职责" in page.reason_label.text()
    facts = page.facts.toPlainText()
    assert phone[:3] + "****" + phone[-4:] in facts and phone not in facts  # masked
    assert "医保报销未到账" in facts

    qtbot.keyClick(page.table, Qt.Key.Key_R)
    assert page.decision == "refuse" and page.note_edit.hasFocus()  # the focus goes where one types next
    qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
    assert page.error_label.isVisible() and _row(page, number) >= 0  # a refusal needs its reason
    _type(page.note_edit, "属于医保局职责，请继续办理")
    assert page.decision == "refuse"  # typing R or A in the note does not change the decision
    with qtbot.waitSignal(page.service.changed, timeout=2_000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
    assert _row(page, number) < 0  # off the list at once
    qtbot.waitUntil(page.notice.isVisible, timeout=2_000)
    assert not page.error_label.isVisible()
    assert page.table.hasFocus()

    qtbot.waitUntil(lambda: desk.store.outbox_size() == 0, timeout=10_000)
    assert desk.store.rejections() == []
    order = _platform_order(dispatcher, number)
    assert order["status"] == "in_progress"  # refused: back to the unit
    assert _pending_review(dispatcher, number) is None
    page.set_session(None)


def test_an_extension_is_approved_and_moves_the_deadline(qtbot: Any, desk: SeatSession, apis) -> None:
    agent, dispatcher = apis
    number = _dispatched(agent, "小区医保定点药店咨询")
    _mutate(dispatcher, number, "sign", {"unit_id": UNIT})
    before = _platform_order(dispatcher, number)["deadline"]
    _mutate(dispatcher, number, "apply_extension", {"unit_id": UNIT, "working_days": 3, "reason": "需协调多部门"})
    page = _open(qtbot, desk)
    qtbot.waitUntil(lambda: _row(page, number) >= 0, timeout=10_000)
    _select(qtbot, page, number)
    assert page.model.index(_row(page, number), ReviewsModel.ASKED).data() == page.model.asked(page.current_item())
    assert page.model.asked(page.current_item()) != ""

    qtbot.keyClick(page.table, Qt.Key.Key_A)
    assert page.decision == "approve" and page.note_edit.hasFocus()
    with qtbot.waitSignal(page.service.changed, timeout=2_000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)  # a note is optional to approve
    assert _row(page, number) < 0
    qtbot.waitUntil(lambda: desk.store.outbox_size() == 0, timeout=10_000)
    assert desk.store.rejections() == []
    order = _platform_order(dispatcher, number)
    assert order["status"] == "in_progress"
    assert clock.parse(order["deadline"]) > clock.parse(before)
    page.set_session(None)


def test_an_unreasonable_repeat_is_confirmed_and_closes_the_order(qtbot: Any, desk: SeatSession, apis) -> None:
    agent, dispatcher = apis
    number = _order(agent, "同一事项第十次来电")
    _mutate(agent, number, "apply_unreasonable", {"reason": "同一诉求已答复九次，无新情况"})
    page = _open(qtbot, desk)
    qtbot.waitUntil(lambda: _row(page, number) >= 0, timeout=10_000)
    _select(qtbot, page, number)
    assert page.model.index(_row(page, number), ReviewsModel.KIND).data() == \
        page.texts.review_kind("unreasonable_repeat")
    qtbot.keyClick(page.table, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    _type(page.note_edit, "同意")
    with qtbot.waitSignal(page.service.changed, timeout=2_000):
        qtbot.keyClick(page.note_edit, Qt.Key.Key_Enter, CTRL)
    qtbot.waitUntil(lambda: desk.store.outbox_size() == 0, timeout=10_000)
    order = _platform_order(dispatcher, number)
    assert order["status"] == "closed" and order["unreasonable_repeat"] is True
    page.set_session(None)


def test_a_decision_the_platform_refuses_shows_its_reason(qtbot: Any, desk: SeatSession, apis,
                                                          platform_api: Callable[[str], httpx.Client]) -> None:
    agent, dispatcher = apis
    number = _dispatched(agent, "另一位班长已审核")
    _mutate(dispatcher, number, "apply_return", {"unit_id": UNIT, "reason": "非本单位职责"})
    # a service that reads again only when asked, so that the list is older than the platform
    with seat_service(desk, "reviews", ReviewService(desk.client, desk.sync, changes_delay_s=3600)):
        page = _open(qtbot, desk)
        qtbot.waitUntil(lambda: _row(page, number) >= 0, timeout=10_000)
        _mutate(platform_api("lead"), number, "review_return", {"decision": "approve", "note": "同意退回"})
        _select(qtbot, page, number)
        qtbot.keyClick(page.table, Qt.Key.Key_R)
        _type(page.note_edit, "请继续办理")
        with qtbot.waitSignal(desk.reviews.rejected, timeout=10_000) as refused:
            qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
        rejection = refused.args[0]
        assert rejection.entity_id == number and rejection.op == "review_return"
        assert rejection.message or rejection.code
        assert page.error_label.isVisible()
        assert page.error_label.text() == page.texts.refusal(rejection)
        assert (rejection.message or rejection.code) in page.error_label.text()
        qtbot.waitUntil(lambda: page.service.fetched_at is not None and _row(page, number) < 0, timeout=10_000)
        assert _platform_order(dispatcher, number)["status"] == "accepted"  # the lead's decision stands
        page.set_session(None)


def test_offline_the_list_stays_and_decisions_wait_in_the_outbox(qtbot: Any, qloop: Any, tmp_path: Path,
                                                                  demo_platform: DemoPlatform, apis) -> None:
    agent, dispatcher = apis
    kept, decided = _dispatched(agent, "离线仍可见的退单"), _dispatched(agent, "离线审核的退单")
    for number in (kept, decided):
        _mutate(dispatcher, number, "apply_return", {"unit_id": UNIT, "reason": "非本单位职责"})
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    run_async(qtbot, client.sign_in("dispatcher", DEMO_PASSWORD, "D-02"))
    store = CacheStore(tmp_path / "desk.db")
    seat = SeatSession(client, store, "D-02")  # not started: its uploader runs when the test says
    page = _open(qtbot, seat)
    try:
        qtbot.waitUntil(lambda: _row(page, kept) >= 0 and _row(page, decided) >= 0, timeout=10_000)
        qtbot.waitUntil(lambda: lists.load(store, "reviews") is not None, timeout=5_000)
        fetched = page.service.fetched_at
        assert page.offline_label.text() == ""

        transport.down = True
        _select(qtbot, page, decided)
        qtbot.keyClick(page.table, Qt.Key.Key_A)
        _type(page.note_edit, "同意退回，重新派单")
        with qtbot.waitSignal(page.service.changed, timeout=2_000):
            qtbot.keyClick(page.note_edit, Qt.Key.Key_Return, CTRL)
        assert store.outbox_size() == 1
        assert _row(page, decided) < 0 and _row(page, kept) >= 0  # at once, offline too
        qtbot.waitUntil(page.notice.isVisible, timeout=2_000)
        assert page.notice.text().endswith(page.texts.tr("(kept here until the platform can be reached)"))

        with qtbot.waitSignal(page.service.changed, timeout=5_000):
            qtbot.keyClick(page.table, Qt.Key.Key_R, CTRL)
        assert page.service.offline and page.offline_label.isVisible()
        assert page.offline_label.text() == page.offline_text(fetched)
        assert _row(page, kept) >= 0 and _row(page, decided) < 0

        # the page opened again offline: the kept list, without what was decided here
        with seat_service(seat, "reviews", ReviewService(client, seat.sync)) as cold:
            second = _open(qtbot, seat)
            qtbot.waitUntil(lambda: cold.offline and _row(second, kept) >= 0, timeout=5_000)
            assert _row(second, decided) < 0
            assert second.offline_label.text() == second.offline_text(fetched)
            second.set_session(None)

        transport.down = False
        run_async(qtbot, seat.sync.upload_all())
        assert store.outbox_size() == 0 and store.rejections() == []
        assert _platform_order(dispatcher, decided)["status"] == "accepted"  # approved: back to dispatch
        with qtbot.waitSignal(page.service.changed, timeout=5_000):
            qtbot.keyClick(page.table, Qt.Key.Key_R, CTRL)
        assert not page.service.offline and page.offline_label.text() == ""
        assert _row(page, kept) >= 0 and _row(page, decided) < 0
    finally:
        page.set_session(None)
        seat.escalations.close()
        seat.missed_calls.close()
        run_async(qtbot, seat.sync.stop())
        store.close()
        run_async(qtbot, client.close())


def test_an_agent_is_refused_the_reviews_with_the_platforms_reason(qtbot: Any, seat: SeatSession) -> None:
    page = _open(qtbot, seat)
    qtbot.waitUntil(lambda: page.error_label.isVisible(), timeout=10_000)
    assert not page.service.allowed and page.service.error
    assert page.error_label.text() == page.list_refused_text(page.service.error)
    page.set_session(None)


def test_signed_out_page_keys_and_model(qtbot: Any, qtmodeltester: Any) -> None:
    page = _open(qtbot, None)
    assert page.page_title() == page.tr("Reviews")
    assert page.status_label.text() == page.signed_out_text()
    names = [a.objectName() for a in page.actions_for_help]
    assert names == ["approveReviewAction", "refuseReviewAction", "sendReviewAction", "backToReviewsAction",
                     "refreshReviewsAction"]
    assert all(not a.shortcut().isEmpty() and not a.isEnabled() for a in page.actions_for_help)
    page.model.set_items([{"id": "1", "number": "A1", "kind": "extension", "days_asked": 5, "reason": "需要协调",
                           "applicant": "unit_b02", "created_at": clock.stamp(), "_unit": "市医疗保障局",
                           "_facts": {"title": "标题"}},
                          {"id": "2", "number": "A2", "kind": "return", "reason": "非本单位", "applicant": "x",
                           "created_at": clock.stamp()}])
    qtmodeltester.check(page.model)
    assert page.model.index(0, ReviewsModel.ASKED).data() == page.model.tr("+{days} working days").format(days=5)
    assert page.model.index(1, ReviewsModel.ASKED).data() == ""
