"""Expert escalations end to end: an agent's seat and an expert's seat, two signed-in clients of one
real platform (the demo platform on loopback), each with its own cache; the expert's inbox driven
from the keyboard."""
from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from domain.phone import mask_phone
from offline_cache import kb_index
from tests.ui.conftest import DEMO_PASSWORD, run_async
from tests.workstation.faults import FaultyTransport
from ui.escalations import EscalateDialog, EscalationInbox, EscalationTexts, KbProposalDialog, MyEscalations, escalate
from workstation.calls import Call, CallState
from workstation.demo import DemoPlatform
from workstation.escalations import EscalationService
from workstation.platform_client import PlatformClient
from workstation.session import SeatSession
from workstation.sync import Backoff

SUFFIX = uuid.uuid4().hex[:8]  # the platform is shared by the whole test session
EXPERT2 = f"expert2-{SUFFIX}"
CALLER = "13812345678"
KB_ENTRY = {"id": f"kb-esc-{SUFFIX}", "title": "燃气表更换收费标准是什么？", "answer": "您好，燃气表到期更换免费。",
            "category_path": ["城市管理", "燃气", "收费"], "source_department": "市城市管理委员会",
            "policy_basis": "", "keywords": ["燃气表"], "valid_from": "2024-01-01", "valid_to": None,
            "version": 2, "status": "published"}


def _tr(context: str, source: str) -> str:
    """What a widget shows for `source`, whether or not the zh_CN translation has it yet."""
    return QCoreApplication.translate(context, source)


def _type(widget: QWidget, text: str) -> None:
    """Type like a Chinese input method: each character committed by its own input-method event."""
    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
            continue
        event = QInputMethodEvent()
        event.setCommitString(char)
        QApplication.sendEvent(widget, event)


def _ctrl_enter(qtbot: Any, widget: QWidget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def _dialog(name: str) -> QDialog | None:
    return next((w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QDialog) and w.objectName() == name and w.isVisible()), None)


def _open_seat(qtbot: Any, client: PlatformClient, username: str, seat_id: str, folder: Path,
               **options: Any) -> SeatSession:
    run_async(qtbot, client.sign_in(username, DEMO_PASSWORD, seat_id))
    session = run_async(qtbot, SeatSession.open(client, seat_id, folder, **options))
    qtbot.waitUntil(lambda: session.store.get_state("cursor") is not None, timeout=20_000)
    return session


def _close_seat(qtbot: Any, session: SeatSession) -> None:
    run_async(qtbot, session.close())
    run_async(qtbot, session.client.close())


@pytest.fixture
def agent(seat: SeatSession) -> EscalationService:
    return seat.escalations  # the one SeatSession made


@pytest.fixture
def expert(qtbot: Any, qloop: Any, demo_platform: DemoPlatform, data_home: Path) -> Iterator[SeatSession]:
    """The demo expert signed in on a second seat, with its own data folder."""
    session = _open_seat(qtbot, PlatformClient(demo_platform.url), "expert", "E-01", data_home / "expert")
    yield session
    _close_seat(qtbot, session)


@pytest.fixture
def inbox(qtbot: Any, expert: SeatSession) -> Iterator[EscalationInbox]:
    widget = _show(qtbot, EscalationInbox())
    widget.set_session(expert)
    qtbot.waitUntil(lambda: expert.escalations.fetched_at is not None, timeout=10_000)
    yield widget
    widget.set_session(None)


def _show(qtbot: Any, widget: QWidget) -> Any:
    qtbot.addWidget(widget)
    widget.resize(1100, 800)
    widget.show()
    with qtbot.waitActive(widget):
        widget.activateWindow()  # shortcuts need an active window
    return widget


@pytest.fixture(scope="module")
def second_expert(platform_api: Callable[..., httpx.Client]) -> httpx.Client:
    password = "quiet-Orchard-41-lantern"  # a new account passes the password policy
    r = platform_api("admin").post("/api/v1/users", json={"username": EXPERT2, "display_name": "专家座席 二号",
                                                          "role": "expert", "password": password})
    assert r.status_code == 201, r.text
    return platform_api(EXPERT2, password)


def _mutation(client: httpx.Client, op: str, esc_id: str, payload: dict | None = None) -> httpx.Response:
    return client.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "escalation", "op": op,
                                                  "entity_id": esc_id, "payload": payload or {}})


def _raise_on_platform(platform_api: Callable[[str], httpx.Client], question: str) -> str:
    esc_id = str(uuid.uuid4())
    r = _mutation(platform_api("agent"), "create", esc_id, {"question": question, "group": "policy"})
    assert r.status_code == 200, r.text
    return esc_id


def _mine_row(mine: MyEscalations, esc_id: str) -> int:
    return next((n for n in range(mine.list.count())
                 if mine.list.item(n).data(Qt.ItemDataRole.UserRole) == esc_id), -1)


def _select(qtbot: Any, inbox: EscalationInbox, esc_id: str) -> None:
    """Move to the escalation with the arrow keys, then Enter: the focus goes to the answer box."""
    qtbot.waitUntil(lambda: inbox.model.row_of(esc_id) >= 0, timeout=10_000)
    if not inbox.isActiveWindow():  # a dialog had the focus
        inbox.activateWindow()
        qtbot.waitUntil(inbox.isActiveWindow, timeout=5_000)
    inbox.view.setFocus()
    for _ in range(inbox.model.rowCount() + 1):
        target, current = inbox.model.row_of(esc_id), inbox.view.currentIndex().row()
        if current == target:
            break
        qtbot.keyClick(inbox.view, Qt.Key.Key_Down if current < target else Qt.Key.Key_Up)
    assert inbox.current_item()["id"] == esc_id
    qtbot.keyClick(inbox.view, Qt.Key.Key_Return)
    assert inbox.answer_edit.hasFocus()


def test_round_trip_from_the_agents_form_to_the_expert_and_back(
        qtbot: Any, qtmodeltester: Any, seat: SeatSession, agent: EscalationService, expert: SeatSession, inbox: EscalationInbox) -> None:
    answered: list[dict] = []
    joined: list[dict] = []
    agent.answered.connect(answered.append)
    agent.joined.connect(joined.append)
    mine = _show(qtbot, MyEscalations())
    mine.set_session(seat)

    # A first escalation proves the expert's event stream is up (it may come by event or by the
    # read after the stream's hello); the second one must then come by event alone.
    first = run_async(qtbot, agent.raise_(f"预热问题 {SUFFIX}"))
    qtbot.waitUntil(lambda: inbox.model.row_of(first) >= 0, timeout=10_000)
    read_at = expert.escalations.fetched_at
    heard: list[str] = []
    expert.sync.event.connect(lambda name, data: name == "escalation" and heard.append(data["id"]))

    # The agent asks from the keyboard: policy group, the call attached, the form as it stands.
    call = Call(f"call-{SUFFIX}", CALLER, "", "12345", CallState.answered)
    draft = {"request_type": "consultation", "title": "异地医保报销需要什么手续", "content": "来电人咨询异地就医备案。",
             "reply": "", "category_id": ""}
    task = asyncio.ensure_future(escalate(None, seat, "异地就医备案后报销比例是多少？", call, draft))
    qtbot.waitUntil(lambda: _dialog("escalateDialog") is not None, timeout=5_000)
    dialog: EscalateDialog = _dialog("escalateDialog")
    assert dialog.question_edit.hasFocus() and dialog.attach_box.isChecked()
    assert dialog.attach_box.text() == _tr("EscalateDialog", "Attach the current call ({number})").format(
        number="138****5678")
    qtbot.keyClick(dialog.group_combo, Qt.Key.Key_Down)  # general -> policy
    assert dialog.group_combo.currentData() == "policy"
    _ctrl_enter(qtbot, dialog.question_edit)
    qtbot.waitUntil(task.done, timeout=10_000)
    esc_id = task.result()
    assert esc_id in agent.mine and agent.mine[esc_id]["state"] == "open"
    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0, timeout=10_000)

    # It arrives in the expert's inbox live, newest first, with no read of the list.
    qtbot.waitUntil(lambda: inbox.model.row_of(esc_id) == 0, timeout=10_000)
    assert esc_id in heard and expert.escalations.fetched_at == read_at
    assert inbox.model.row_of(first) > 0
    texts = EscalationTexts()
    row = inbox.model.row_of(esc_id)
    assert inbox.model.index(row, 0).data() == texts.state({"state": "open"})
    assert inbox.model.index(row, 1).data() == texts.group("policy")
    assert inbox.model.index(row, 2).data() == "agent"
    assert inbox.model.index(row, 4).data() == "异地就医备案后报销比例是多少？"
    qtmodeltester.check(inbox.model)
    _select(qtbot, inbox, esc_id)
    assert inbox.caller_card.number_label.text() == mask_phone(CALLER)
    assert "异地医保报销需要什么手续" in inbox.draft_view.toPlainText()
    assert "来电人咨询异地就医备案。" in inbox.draft_view.toPlainText()
    assert inbox.question_label.text() == "异地就医备案后报销比例是多少？"

    # The expert joins the call: the agent hears it.
    qtbot.keyClick(inbox.answer_edit, Qt.Key.Key_J,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: [i["id"] for i in joined] == [esc_id], timeout=10_000)
    assert joined[0]["expert_username"] == "expert" and joined[0]["state"] == "claimed"

    # The expert answers with Ctrl+Enter; the agent's service hands the answer to the form.
    answer = "备案后按本地标准报销，比例为百分之七十。"
    _type(inbox.answer_edit, answer)
    _ctrl_enter(qtbot, inbox.answer_edit)
    qtbot.waitUntil(lambda: [i["id"] for i in answered] == [esc_id], timeout=10_000)
    assert answered[0]["answer"] == answer and answered[0]["expert_username"] == "expert"
    assert inbox.answer_edit.toPlainText() == ""
    assert expert.escalations.items[esc_id]["state"] == "answered"
    assert answer in inbox.draft_view.toPlainText()  # shown under the draft
    # Kept in the inbox, greyed, for a knowledge change that may follow.
    qtbot.waitUntil(lambda: inbox.model.index(inbox.model.row_of(esc_id), 0).data() == texts.state(
        {"state": "answered"}), timeout=5_000)
    # The agent's own list shows the answer.
    qtbot.waitUntil(lambda: any(answer in mine.list.item(n).text() for n in range(mine.list.count())),
                    timeout=5_000)
    assert expert.store.rejections() == [] and seat.store.rejections() == []
    mine.set_session(None)


def test_the_agent_cancels_from_the_keyboard(qtbot: Any, seat: SeatSession, agent: EscalationService,
                                            platform_api: Callable[[str], httpx.Client]) -> None:
    # Esc closes the dialog and nothing is recorded; an empty question is not sent.
    qtbot.waitUntil(lambda: agent.fetched_at is not None, timeout=10_000)  # the session's first read
    earlier = set(agent.mine)  # this agent's escalations from earlier tests
    task = asyncio.ensure_future(escalate(None, seat, "", None, {}))
    qtbot.waitUntil(lambda: _dialog("escalateDialog") is not None, timeout=5_000)
    dialog: EscalateDialog = _dialog("escalateDialog")
    assert not dialog.attach_box.isEnabled()  # no call to attach
    _ctrl_enter(qtbot, dialog.question_edit)
    assert dialog.error_label.text() == _tr("EscalateDialog", "Write the question first.")
    qtbot.keyClick(dialog.question_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(task.done, timeout=5_000)
    assert task.result() is None and seat.store.outbox_size() == 0 and set(agent.mine) == earlier

    mine = _show(qtbot, MyEscalations())
    assert mine.page_title() == _tr("MyEscalations", "My escalations")
    assert {a.shortcut().toString() for a in mine.actions_for_help} == {"Ctrl+Shift+X"}
    mine.set_session(seat)
    esc_id = run_async(qtbot, agent.raise_(f"不用了 {SUFFIX}", "legal"))
    qtbot.waitUntil(lambda: _mine_row(mine, esc_id) >= 0, timeout=5_000)
    title = _tr("MyEscalations", "My escalations: {count} waiting")

    def waiting() -> str:  # the list may grow meanwhile: the agent's escalations of earlier tests
        return title.format(count=sum(1 for i in agent.mine.values() if i["state"] in ("open", "claimed")))

    assert mine.title.text() == waiting()
    assert mine.list.item(_mine_row(mine, esc_id)).text().startswith(
        f"[{EscalationTexts().state({'state': 'open'})}] {EscalationTexts().group('legal')} · 不用了")
    mine.list.setFocus()
    mine.list.setCurrentRow(_mine_row(mine, esc_id))
    qtbot.keyClick(mine.list, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: seat.store.outbox_size() == 0 and agent.mine[esc_id]["state"] == "cancelled",
                    timeout=10_000)
    assert platform_api("agent").get(f"/api/v1/escalations/{esc_id}").json()["state"] == "cancelled"
    assert mine.title.text() == waiting()
    mine.set_session(None)


def test_a_claim_taken_by_another_expert_is_refused_and_shown(
        qtbot: Any, expert: SeatSession, inbox: EscalationInbox, platform_api: Callable[[str], httpx.Client],
        second_expert: httpx.Client) -> None:
    esc_id = _raise_on_platform(platform_api, f"谁来认领 {SUFFIX}")
    _select(qtbot, inbox, esc_id)
    assert inbox.claim_action.isEnabled()

    # The second expert claims it a moment before us: the event has not reached this seat when
    # Alt+C is pressed (the synchronous request holds the loop), so our claim goes to the platform.
    assert _mutation(second_expert, "claim", esc_id).status_code == 200
    qtbot.keyClick(inbox.answer_edit, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: any(r.entity_id == esc_id for r in expert.store.rejections()), timeout=10_000)
    [refused] = [r for r in expert.store.rejections() if r.entity_id == esc_id]
    assert (refused.entity, refused.op, refused.status, refused.code) == ("escalation", "claim", 409,
                                                                          "escalation_taken")
    assert EXPERT2 in refused.message
    shown = EscalationTexts().refusal(refused)
    qtbot.waitUntil(lambda: inbox.notice.text() == shown, timeout=5_000)
    # The platform's state replaces what this seat assumed.
    claimed_by_them = EscalationTexts().state({"state": "claimed", "expert_username": EXPERT2}, "expert")
    qtbot.waitUntil(lambda: inbox.model.index(inbox.model.row_of(esc_id), 0).data() == claimed_by_them,
                    timeout=10_000)
    assert not inbox.claim_action.isEnabled()

    # Now that this seat knows, an answer is not even sent.
    _type(inbox.answer_edit, "我来回答")
    _ctrl_enter(qtbot, inbox.answer_edit)
    assert inbox.notice.text() == _tr("EscalationInbox", "{expert} has claimed this escalation.").format(
        expert=EXPERT2)
    assert expert.store.outbox_size() == 0
    assert _mutation(second_expert, "answer", esc_id, {"answer": "已答复"}).status_code == 200
    qtbot.waitUntil(lambda: inbox.model.row_of(esc_id) < 0, timeout=10_000)  # answered by them: gone


def test_an_agent_cannot_answer_the_platform_refuses(
        qtbot: Any, seat: SeatSession, agent: EscalationService) -> None:
    mine = _show(qtbot, MyEscalations())
    mine.set_session(seat)
    esc_id = run_async(qtbot, agent.raise_(f"我自己回答 {SUFFIX}"))
    at_refusal: list[str] = []
    agent.rejected.connect(lambda _r: at_refusal.append(agent.items[esc_id]["state"]))
    run_async(qtbot, agent.answer(esc_id, "坐席不能自己答复"))
    qtbot.waitUntil(lambda: any(r.op == "answer" for r in seat.store.rejections()), timeout=10_000)
    [refused] = [r for r in seat.store.rejections() if r.op == "answer"]
    assert (refused.entity, refused.entity_id, refused.status) == ("escalation", esc_id, 403)
    qtbot.waitUntil(lambda: mine.notice.text() == EscalationTexts().refusal(refused), timeout=5_000)
    assert at_refusal == ["answered"]  # applied here at once, whatever the platform said meanwhile ...
    qtbot.waitUntil(lambda: agent.items[esc_id]["state"] == "open", timeout=10_000)  # ... until refused
    mine.set_session(None)


def test_a_knowledge_change_proposed_from_an_escalation_reaches_the_review_list(
        qtbot: Any, expert: SeatSession, inbox: EscalationInbox,
        platform_api: Callable[[str], httpx.Client]) -> None:
    r = platform_api("admin").post("/api/v1/kb/import", content=json.dumps(KB_ENTRY, ensure_ascii=False).encode())
    assert r.status_code == 200, r.text
    run_async(qtbot, expert.sync.download_all())
    entry = kb_index.get_entry(expert.store.conn, KB_ENTRY["id"])
    assert entry is not None
    esc_id = str(uuid.uuid4())
    draft = {"request_type": "consultation", "title": KB_ENTRY["title"], "content": "", "reply": ""}
    assert _mutation(platform_api("agent"), "create", esc_id,
                     {"question": f"燃气表更换要收费吗 {SUFFIX}", "draft": draft}).status_code == 200
    _select(qtbot, inbox, esc_id)
    answer = "您好，燃气表到期由燃气公司免费更换，用户无需付费。"
    _type(inbox.answer_edit, answer)
    _ctrl_enter(qtbot, inbox.answer_edit)
    qtbot.waitUntil(lambda: expert.escalations.items[esc_id]["state"] == "answered", timeout=10_000)

    inbox.view.setFocus()
    qtbot.keyClick(inbox.view, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: _dialog("kbProposalDialog") is not None, timeout=5_000)
    dialog: KbProposalDialog = _dialog("kbProposalDialog")
    assert dialog.search_edit.hasFocus() and dialog.search_edit.text() == KB_ENTRY["title"]  # the draft's title
    for _ in range(dialog.results.count()):
        if dialog.entry is not None and dialog.entry["id"] == KB_ENTRY["id"]:
            break
        qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Down)
    assert dialog.entry["id"] == KB_ENTRY["id"]
    assert KB_ENTRY["answer"] in dialog.current_view.toPlainText()
    qtbot.keyClick(dialog.search_edit, Qt.Key.Key_Return)
    assert dialog.answer_edit.hasFocus() and dialog.answer_edit.toPlainText() == answer  # the answer given
    _ctrl_enter(qtbot, dialog.answer_edit)
    assert dialog.error_label.text() == _tr("KbProposalDialog", "Write why it should change (at most {limit} "
                                                                "characters).").format(limit=2000)
    assert dialog.comment_edit.hasFocus()
    _type(dialog.comment_edit, "到期更换不收费，条目未写明")
    with qtbot.waitSignal(inbox.proposal_sent, timeout=10_000):
        _ctrl_enter(qtbot, dialog.comment_edit)
    qtbot.waitUntil(lambda: expert.store.outbox_size() == 0, timeout=10_000)
    assert expert.store.rejections() == []

    r = platform_api("lead").get("/api/v1/kb/corrections")
    assert r.status_code == 200, r.text
    [proposal] = [c for c in r.json()["items"] if c.get("escalation_id") == esc_id]
    assert proposal["entry_id"] == KB_ENTRY["id"] and proposal["entry_version"] == entry["version"]
    assert proposal["proposed_answer"] == answer and proposal["comment"] == "到期更换不收费，条目未写明"
    assert proposal["reported_by"] == "expert" and proposal["status"] == "open"
    assert inbox.notice.text() == _tr("EscalationInbox", "Knowledge change proposed: a team lead reviews it.")


def test_offline_the_list_stays_and_the_answer_waits_in_the_outbox(
        qtbot: Any, qloop: Any, demo_platform: DemoPlatform, data_home: Path,
        platform_api: Callable[[str], httpx.Client]) -> None:
    esc_id = _raise_on_platform(platform_api, f"断网时的求助 {SUFFIX}")
    transport = FaultyTransport(httpx.AsyncHTTPTransport())
    expert = _open_seat(qtbot, PlatformClient(demo_platform.url, transport=transport), "expert", "E-02",
                        data_home / "expert-offline", backoff=Backoff(base_s=0.02, cap_s=0.2))
    inbox = _show(qtbot, EscalationInbox())
    try:
        inbox.set_session(expert)
        qtbot.waitUntil(lambda: inbox.model.row_of(esc_id) >= 0, timeout=10_000)
        read_at = expert.escalations.fetched_at
        assert "—" not in inbox.status.text() and inbox.status.styleSheet() == ""

        transport.down = True  # the cable pulled
        inbox.view.setFocus()
        qtbot.keyClick(inbox.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: expert.escalations.offline, timeout=10_000)
        offline_note = _tr("EscalationInbox", "Offline: showing the list of {time}; what you send goes when the "
                                              "link is back").format(time=read_at.strftime("%H:%M"))
        qtbot.waitUntil(lambda: offline_note in inbox.status.text(), timeout=5_000)
        assert inbox.model.row_of(esc_id) >= 0  # the last list stays

        _select(qtbot, inbox, esc_id)
        _type(inbox.answer_edit, "离线时写的答复")
        _ctrl_enter(qtbot, inbox.answer_edit)
        qtbot.waitUntil(lambda: expert.store.outbox_size() == 2, timeout=5_000)  # claim, then answer
        assert [m.op for m in expert.store.pending()] == ["claim", "answer"]

        transport.down = False
        qtbot.waitUntil(lambda: expert.store.outbox_size() == 0, timeout=15_000)
        r = platform_api("agent").get(f"/api/v1/escalations/{esc_id}")
        assert r.status_code == 200 and r.json()["state"] == "answered" and r.json()["answer"] == "离线时写的答复"
        run_async(qtbot, expert.escalations.refresh())
        qtbot.waitUntil(lambda: offline_note not in inbox.status.text(), timeout=5_000)
    finally:
        inbox.set_session(None)
        _close_seat(qtbot, expert)


def test_signed_out_inbox_lists_its_keys(qtbot: Any) -> None:
    inbox = EscalationInbox()
    qtbot.addWidget(inbox)
    assert inbox.page_title() == _tr("EscalationInbox", "Expert escalations")
    assert inbox.model.rowCount() == 0 and not inbox.answer_action.isEnabled()
    keys = {a.shortcut().toString() for a in inbox.actions_for_help}
    assert keys == {"Ctrl+Return", "Alt+C", "Ctrl+Shift+J", "Ctrl+Shift+K", "Ctrl+R", "Alt+N"}
