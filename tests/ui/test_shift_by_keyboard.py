"""A whole shift driven by the keyboard alone, against the real platform (its own process, its
call router, its database): signing in, going ready, three calls answered, each with a search and
the selected answer inserted, one order closed at intake, one dispatched with an assisting unit, a
second request in the same call recorded without retyping the caller, one request not accepted
with its reason alone, a not-ready chosen during a call that holds after wrap-up, a ring nobody
answered shown as the platform's no-answer state, and F1 listing the keys.

No mouse and no method of the window is called: every step is a key event (Chinese arrives as an
input method's committed text, which is how the keyboard delivers it). The platform posts the calls
as a caller would dial them."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit, QWidget

from tests.ui.conftest import DEMO_PASSWORD, run_async
from tests.ui.test_order_form import _phone, _pick_category, _type
from ui.main_window import MainWindow
from workstation.credentials import Credentials
from workstation.demo import DemoPlatform

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
KEY = uuid.uuid4().hex[:6]
# Three answers to what callers ask about the housing fund: the agent picks one of them.
ENTRIES = [
    ("withdraw", f"租房提取住房公积金{KEY}", f"租房提取公积金：身份证、租房合同和完税证明，{KEY}窗口受理。"),
    ("loan", f"公积金贷款额度{KEY}", f"公积金贷款额度按缴存余额的15倍计算，最高80万元（{KEY}）。"),
    ("move", f"公积金异地转移{KEY}", f"公积金异地转移在转入地申请，全国小程序可办（{KEY}）。"),
]
RING_TIMEOUT_S = 8.0  # the platform's setting: a ring nobody answers for this long holds the seat not ready


@pytest.fixture(scope="module")
def shift_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoPlatform]:
    """A platform of its own: its ring timeout is short, so that a missed ring comes soon."""
    import asyncio
    platform = DemoPlatform(tmp_path_factory.mktemp("shift") / "central.db", demo_data=False, calls_per_hour=0,
                            ring_timeout_s=RING_TIMEOUT_S)
    asyncio.run(platform.start())
    try:
        yield platform
    finally:
        platform.stop()


def _api(url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=20.0)
    r = client.post("/api/v1/auth/sign-in", json={"username": username, "password": DEMO_PASSWORD})
    r.raise_for_status()
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


def _import_entries(admin: httpx.Client) -> None:
    lines = [{"id": f"shift-{key}-{KEY}", "title": title, "answer": answer,
              "category_path": ["住房与物业", "住房公积金", "提取"], "source_department": "市住房公积金管理中心",
              "policy_basis": "《住房公积金管理条例》", "keywords": [], "valid_from": "2024-01-01", "valid_to": None,
              "version": 1, "status": "published"} for key, title, answer in ENTRIES]
    r = admin.post("/api/v1/kb/import", content="".join(json.dumps(e, ensure_ascii=False) + "\n" for e in lines)
                   .encode())
    r.raise_for_status()


def _focus() -> QWidget | None:
    return QApplication.focusWidget()


def _key(qtbot: Any, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed where the keyboard is now, as the agent presses it."""
    target = _focus()
    assert target is not None, "no widget has the keyboard"
    qtbot.keyClick(target, key, modifiers)


def _tab_to(qtbot: Any, name: str, limit: int = 25) -> QWidget:
    """Tab through the form until the field `name` has the keyboard (as an agent would)."""
    for _ in range(limit):
        if _focus() is not None and _focus().objectName() == name:
            return _focus()
        _key(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {name}; it stopped at {_focus().objectName()!r}")


class Shift:
    """What the agent sees and presses."""

    def __init__(self, qtbot: Any, window: MainWindow, lead: httpx.Client) -> None:
        self.qtbot, self.window, self.lead = qtbot, window, lead
        self.state = window.findChild(QLabel, "agentStateValue")
        self.call_state = window.findChild(QLabel, "callState")
        self.status = window.form.status_label

    def wait(self, condition: Any, timeout: int = 15_000) -> None:
        self.qtbot.waitUntil(condition, timeout=timeout)

    def ready(self) -> None:
        _key(self.qtbot, Qt.Key.Key_F5)

    def dial(self, phone: str) -> None:
        """A caller dials 12345."""
        self.lead.post("/api/v1/calls", json={"caller_phone": phone}).raise_for_status()

    def answer(self, phone: str) -> None:
        masked = f"{phone[:3]}****{phone[-4:]}"
        self.wait(lambda: self.call_state.text() == f"来电振铃：{masked}")
        _key(self.qtbot, Qt.Key.Key_F9)
        self.wait(lambda: self.call_state.text() == f"通话中：{masked}")
        # answering puts the keyboard in the form's first empty field
        self.wait(lambda: _focus() is not None and _focus().objectName() == "formType", timeout=5_000)

    def search_and_insert(self, second: bool) -> dict:
        """Ctrl+K, the caller's words, arrows to an entry, Ctrl+Enter: the entry's answer goes into
        the reply and the status line names it. Returns the entry inserted."""
        pane = self.window.knowledge
        _key(self.qtbot, Qt.Key.Key_K, CTRL)
        assert _focus() is pane.search_edit
        _type(pane.search_edit, f"公积金 {KEY}")
        self.wait(lambda: pane.model.rowCount() == 3, timeout=10_000)
        self.wait(lambda: pane.model.rowCount() == 3, timeout=10_000)
        _key(self.qtbot, Qt.Key.Key_Down)
        if second:
            _key(self.qtbot, Qt.Key.Key_Down)
        self.wait(lambda: pane.current_entry is not None)
        chosen = pane.current_entry
        assert pane.model.row_of(chosen["id"]) == (1 if second else 0)  # the detail follows the arrows
        reply = self.window.form.findChild(QPlainTextEdit, "formReply")
        before = reply.toPlainText()
        _key(self.qtbot, Qt.Key.Key_Return, CTRL)
        assert reply.toPlainText() == (before + "\n" if before else "") + chosen["answer"]
        assert chosen["title"] in pane.notice.text()  # named where the agent looks
        return chosen

    def fill_request(self, title: str, content: str, typed: str, path: str) -> None:
        """Ctrl+J always goes to the first field still empty: type, category, title, content."""
        form = self.window.form
        _key(self.qtbot, Qt.Key.Key_J, CTRL)
        assert _focus() is form.type_combo
        _key(self.qtbot, Qt.Key.Key_Down)  # 咨询
        _key(self.qtbot, Qt.Key.Key_J, CTRL)
        assert _focus() is form.category_edit
        _pick_category(self.qtbot, form, typed, path)
        _key(self.qtbot, Qt.Key.Key_J, CTRL)
        assert _focus() is form.title_edit
        _type(form.title_edit, title)
        _key(self.qtbot, Qt.Key.Key_J, CTRL)
        assert _focus() is form.content_edit
        _type(form.content_edit, content)

    def record(self, key: Qt.Key) -> None:
        """Ctrl+Shift+<key>: recorded, and the number to read to the caller comes."""
        with self.qtbot.waitSignal(self.window.form.submitted, timeout=10_000):
            _key(self.qtbot, key, CTRL_SHIFT)
        self.wait(lambda: self.status.text().startswith("工单编号 "), timeout=20_000)

    def hang_up_and_end_wrap_up(self, after: str = "示闲") -> None:
        _key(self.qtbot, Qt.Key.Key_F10)
        self.wait(lambda: self.state.text().startswith("话后处理"))
        _key(self.qtbot, Qt.Key.Key_F12)
        self.wait(lambda: self.state.text() == after)


def test_a_whole_shift_by_keyboard_only(qtbot: Any, qloop: Any, shift_platform: DemoPlatform,
                                        settings_path: Path, data_home: Path) -> None:
    admin, lead, agent = (_api(shift_platform.url, u) for u in ("admin", "lead", "agent"))
    _import_entries(admin)
    window = MainWindow(seat="K-01", credentials=Credentials(keyring.backends.fail.Keyring()))
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    window.show_sign_in(shift_platform.url, "")  # what the application does when it starts
    shift = Shift(qtbot, window, lead)
    try:
        # -- sign in ------------------------------------------------------------------------------
        shift.wait(lambda: _focus() is not None and _focus().objectName() in ("signInUser", "signInAddress"))
        _tab_to(qtbot, "signInUser")
        qtbot.keyClicks(_focus(), "agent")
        _key(qtbot, Qt.Key.Key_Tab)
        assert _focus().objectName() == "signInPassword"
        qtbot.keyClicks(_focus(), DEMO_PASSWORD)
        _key(qtbot, Qt.Key.Key_Return)
        shift.wait(lambda: window.seat_session is not None and not window.sign_in_overlay.isVisible(), 30_000)
        seat = window.seat_session
        shift.wait(lambda: seat.sync.link.value == "online" and window.form.category_model.rowCount() > 100
                   and seat.knowledge.entry(f"shift-move-{KEY}") is not None, 30_000)
        shift.ready()
        shift.wait(lambda: shift.state.text() == "示闲")

        # -- call 1: an answer from the knowledge base, closed at intake; then a second request
        # of the same caller, dispatched with an assisting unit; not ready chosen during the call
        first_caller = _phone()
        shift.dial(first_caller)
        shift.answer(first_caller)
        loan = shift.search_and_insert(second=True)
        shift.fill_request("咨询公积金贷款额度", "来电人询问公积金贷款最高能贷多少。", "贷款", "住房与物业 / 住房公积金 / 贷款")
        shift.record(Qt.Key.Key_C)
        form = window.form
        assert form.caller_phone() == first_caller  # the caller stays for the next request
        shift.fill_request("物业代扣公积金材料被遗失", "来电人交给物业的提取材料丢失，要求查找。", "提取",
                           "住房与物业 / 住房公积金 / 提取")
        assisting = _tab_to(qtbot, "formAssisting")
        _type(assisting, "东门")
        popup = form.assisting_completer.popup()
        shift.wait(popup.isVisible)
        qtbot.keyClick(popup, Qt.Key.Key_Return)  # the list has the keyboard while it is open
        assert assisting.text() == "城东区 / 东门街道、"
        shift.record(Qt.Key.Key_D)
        _key(qtbot, Qt.Key.Key_F6)
        menu = window.call_bar.reasons_menu
        shift.wait(menu.isVisible)
        qtbot.keyClick(menu, Qt.Key.Key_3)  # meeting, once this call and its wrap-up are over
        shift.wait(lambda: shift.state.text() == "通话中，之后示忙（会议）")
        shift.wait(window.isActiveWindow)
        shift.hang_up_and_end_wrap_up(after="示忙（会议）")  # not ready holds: no call rings now

        # -- a ring nobody answers: the platform holds the seat not ready and the bar says so
        missed_caller = _phone()
        shift.ready()
        shift.wait(lambda: shift.state.text() == "示闲")
        shift.dial(missed_caller)
        shift.wait(lambda: shift.state.text() == "振铃")
        shift.wait(lambda: shift.state.text() == "示忙（来电未接，按 F5 示闲）", timeout=int(RING_TIMEOUT_S * 1000) + 20_000)

        # -- call 2: F5, and the caller still waiting rings again; a request not accepted, reason only
        shift.ready()
        shift.answer(missed_caller)
        shift.search_and_insert(second=False)
        _key(qtbot, Qt.Key.Key_J, CTRL)
        _tab_to(qtbot, "formRejectReason")
        _key(qtbot, Qt.Key.Key_Down)
        _key(qtbot, Qt.Key.Key_Down)  # 应通过仲裁解决
        shift.record(Qt.Key.Key_R)
        shift.hang_up_and_end_wrap_up()

        # -- call 3: another search and answer, closed at intake
        third_caller = _phone()
        shift.dial(third_caller)
        shift.answer(third_caller)
        move = shift.search_and_insert(second=True)
        shift.fill_request("公积金转到外地", "来电人工作调动，询问公积金怎么转过去。", "转移接续",
                           "住房与物业 / 住房公积金 / 转移接续")
        shift.record(Qt.Key.Key_C)
        shift.hang_up_and_end_wrap_up()

        # -- F1: the keys, grouped by where they work, narrowed by typing
        _key(qtbot, Qt.Key.Key_F1)
        overlay = window.help_overlay
        shift.wait(overlay.isVisible)
        rows = overlay.shown_rows()
        groups = {group for group, _, _ in rows}
        assert {"窗口", "通话栏", "工单", "知识库"} <= groups, groups
        assert ("通话栏", "F9", "接听") in rows and ("工单", "Ctrl+Shift+D", "派单至承办单位") in rows
        qtbot.keyClicks(_focus(), "F12")
        assert {keys for _, keys, _ in overlay.shown_rows()} == {"F12", "Shift+F12"}
        _key(qtbot, Qt.Key.Key_Escape)
        assert not overlay.isVisible()

        # -- on the platform: every order as recorded, uploaded once
        shift.wait(lambda: seat.store.outbox_size() == 0, 20_000)
        assert seat.store.rejections() == []

        def orders(phone: str) -> list[dict]:
            return sorted(agent.get("/api/v1/work-orders", params={"phone": phone}).json()["items"],
                          key=lambda o: o["number"])
        closed, dispatched = orders(first_caller)
        assert (closed["status"], closed["answer"]) == ("closed_at_intake", loan["answer"])
        assert dispatched["status"] == "dispatched" and dispatched["assisting_unit_ids"] == ["D01S01"]
        [rejected] = orders(missed_caller)
        assert (rejected["status"], rejected["reject_reason"]) == ("rejected_at_intake", "arbitration")
        [third] = orders(third_caller)
        assert (third["status"], third["answer"]) == ("closed_at_intake", move["answer"])
    finally:
        run_async(qtbot, window.shutdown())
        run_async(qtbot, window.client.close())
        for client in (admin, lead, agent):
            client.close()
