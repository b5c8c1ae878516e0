"""The progress lookup against the real platform: by order number or caller phone, the status in
Chinese, the next step and the steps a caller may be told (no staff names); offline, the seat's
cache answers and the page says so."""
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
from PySide6.QtWidgets import QApplication

from domain import clock
from offline_cache.store import CacheStore
from tests.ui.conftest import DEMO_PASSWORD, run_async
from tests.workstation.faults import FaultyTransport
from ui.page import moment
from ui.progress import ProgressDialog, ProgressLookup, ProgressModel
from workstation.demo import DemoPlatform
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession
from workstation.sync import Backoff, SyncService

CATEGORY = "010101"
UNIT, UNIT_USER, UNIT_NAME = "B04", "unit_b04", "市住房和城乡建设局"
P = ProgressModel


def _mobile() -> str:
    return f"139{random.randint(0, 99_999_999):08d}"  # noqa: S311 - a test number, not a secret


def _mutation(api: httpx.Client, op: str, payload: dict, number: str | None = None) -> dict:
    body = {"id": str(uuid.uuid4()), "entity": "work_order", "op": op, "payload": payload}
    if number:
        body["entity_id"] = number
    r = api.post("/api/v1/mutations", json=body)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _orders_of_a_caller(platform_api: Callable[[str], httpx.Client], phone: str) -> tuple[str, str]:
    """One order the unit has replied to, and a newer one only accepted."""
    agent, unit = platform_api("agent"), platform_api(UNIT_USER)
    new = {"request_type": "complaint", "category_id": CATEGORY, "content": "来电人反映问题。", "caller_phone": phone}
    replied = _mutation(agent, "create", {**new, "title": "楼道堆物影响通行"})["number"]
    _mutation(agent, "dispatch", {"handling_unit_id": UNIT}, replied)
    _mutation(unit, "sign", {"unit_id": UNIT}, replied)
    _mutation(unit, "reply", {"unit_id": UNIT, "reply": "已联系物业清理楼道。"}, replied)
    accepted = _mutation(agent, "create", {**new, "title": "小区路灯不亮"})["number"]
    return replied, accepted


def _open(qtbot: Any, seat: Any) -> ProgressLookup:
    page = ProgressLookup()
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    with qtbot.waitActive(page):
        page.activateWindow()
    page.set_session(seat)
    return page


@pytest.fixture
def page(qtbot: Any, seat: SeatSession) -> Iterator[ProgressLookup]:
    widget = _open(qtbot, seat)
    yield widget
    widget.set_session(None)


def _ask(qtbot: Any, page: ProgressLookup, text: str) -> None:
    page.query_edit.clear()
    QTest.keyClicks(page.query_edit, text)
    with qtbot.waitSignal(page.answered, timeout=10_000):
        qtbot.keyClick(page.query_edit, Qt.Key.Key_Return)


def _cell(page: ProgressLookup, number: str, column: int) -> str:
    return page.model.index(page.model.row_of(number), column).data()


def test_by_number_the_status_the_next_step_and_what_the_caller_may_be_told(
        qtbot: Any, page: ProgressLookup, platform_api, qtmodeltester: Any) -> None:
    replied, _ = _orders_of_a_caller(platform_api, _mobile())
    assert page.query_edit.hasFocus()  # the agent types at once
    _ask(qtbot, page, replied)
    assert [page.model.item(r)["number"] for r in range(page.model.rowCount())] == [replied]
    assert _cell(page, replied, P.STATUS) == "已答复"
    assert _cell(page, replied, P.UNIT) == UNIT_NAME
    assert _cell(page, replied, P.NEXT) == page.model.tr("{unit} has replied; the centre will call the caller "
                                                         "back").format(unit=UNIT_NAME)
    steps = page.steps_text.toPlainText()
    for word in ("受理", "派单", "签收", "答复", UNIT_NAME, "已联系物业清理楼道。"):
        assert word in steps
    assert "agent" not in steps and "unit_b04" not in steps  # no staff names for a caller
    assert page.offline_label.text() == "" and page.error_label.text() == ""
    qtmodeltester.check(page.model)


def test_by_phone_the_callers_orders_newest_first(qtbot: Any, page: ProgressLookup, platform_api) -> None:
    phone = _mobile()
    replied, accepted = _orders_of_a_caller(platform_api, phone)
    _ask(qtbot, page, f"{phone[:3]}-{phone[3:7]}-{phone[7:]}")  # typed with separators
    assert [page.model.item(r)["number"] for r in range(page.model.rowCount())] == [accepted, replied]
    assert page.notice.text() == page.tr("{count} work order(s) of this caller").format(count=2)
    assert _cell(page, accepted, P.STATUS) == "已受理"
    assert _cell(page, accepted, P.NEXT) == page.model.tr("Accepted; waiting to be dispatched to a handling unit")
    assert "小区路灯不亮" in page.steps_text.toPlainText()  # the first order is shown below
    qtbot.keyClick(page.query_edit, Qt.Key.Key_Down)  # the list follows the arrows from the box
    assert page.current_item()["number"] == replied and "已联系物业清理楼道。" in page.steps_text.toPlainText()


def test_what_is_neither_a_number_nor_a_phone_and_an_unknown_order(qtbot: Any, page: ProgressLookup) -> None:
    page.query_edit.clear()
    for char in "路灯":  # as a Chinese input method commits them
        event = QInputMethodEvent()
        event.setCommitString(char)
        QApplication.sendEvent(page.query_edit, event)
    qtbot.keyClick(page.query_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.error_label.text() != "", timeout=5_000)
    assert page.error_label.text() == page.tr("Not an order number or a phone number: {text}").format(text="路灯")
    _ask(qtbot, page, "20200101999999")
    assert page.model.rowCount() == 0
    assert page.notice.text() == page.tr("No work order found for {text}").format(text="20200101999999")
    assert page.error_label.text() == ""


def test_offline_the_cache_answers_and_the_page_says_so(qtbot: Any, qloop: Any, tmp_path: Path,
                                                        demo_platform: DemoPlatform, platform_api) -> None:
    phone = _mobile()
    replied, accepted = _orders_of_a_caller(platform_api, phone)
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    client = PlatformClient(demo_platform.url, transport=transport)
    run_async(qtbot, client.sign_in("agent", DEMO_PASSWORD, "T-41"))
    store = CacheStore(tmp_path / "seat.db")
    sync = SyncService(store, client, backoff=Backoff(0.01, 0.2))
    page = _open(qtbot, SimpleNamespace(client=client, sync=sync, store=store))
    try:
        run_async(qtbot, sync.download_all())  # the cache as a seat has it after a sync
        transport.down = True
        _ask(qtbot, page, phone)
        assert page.answer.offline and page.answer.data_at is None  # no list page noted a sync here
        assert page.offline_label.isVisible()
        assert page.offline_label.text() == page.tr("Offline: from this seat's cache; the platform may know more")
        assert [page.model.item(r)["number"] for r in range(page.model.rowCount())] == [accepted, replied]
        assert _cell(page, replied, P.STATUS) == "已答复" and _cell(page, replied, P.UNIT) == UNIT_NAME
        page.table.setCurrentIndex(page.model.index(1, 0))
        assert "已联系物业清理楼道。" in page.steps_text.toPlainText()  # the cached reply

        transport.down = False
        _ask(qtbot, page, phone)
        assert not page.answer.offline and not page.offline_label.isVisible()
    finally:
        page.set_session(None)
        run_async(qtbot, sync.stop())
        store.close()
        run_async(qtbot, client.close())


def test_the_dialog_looks_up_at_once_and_esc_closes_it(qtbot: Any, seat: SeatSession, platform_api) -> None:
    replied, _ = _orders_of_a_caller(platform_api, _mobile())
    dialog = ProgressDialog(seat, text=replied)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.lookup.answered, timeout=10_000):
        dialog.show()
    assert dialog.lookup.model.row_of(replied) == 0
    assert dialog.lookup.query_edit.text() == replied
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.keyClick(dialog.lookup.query_edit, Qt.Key.Key_Escape)


def test_signed_out_and_the_offline_note_without_a_known_time(qtbot: Any) -> None:
    page = ProgressLookup()
    qtbot.addWidget(page)
    assert page.page_title() == page.tr("Progress lookup")
    assert not page.query_edit.isEnabled() and not page.lookup_action.isEnabled()
    assert page.notice.text() == page.tr("Signed out: sign in to look up orders.")
    help_keys = {s.toString() for a in page.actions_for_help for s in a.shortcuts()}
    assert {"Return", "Ctrl+L"} <= help_keys
    assert moment(clock.stamp()) != ""
