"""The escalation from the agent's window: Ctrl+Shift+E sends the form's question with the form
itself, and the expert's written answer lands in the reply of the form the agent is still on."""
from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QPlainTextEdit

from tests.ui.test_order_form import _phone, _type, _w
from tests.ui.test_workstation_flows import CTRL_SHIFT, close_window, open_window
from workstation.demo import DemoPlatform


def _dialog() -> QDialog | None:
    return next((w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QDialog) and w.objectName() == "escalateDialog" and w.isVisible()), None)


def test_the_experts_answer_lands_in_the_agents_reply(qtbot: Any, qloop: Any, demo_platform: DemoPlatform,
                                                       platform_api) -> None:
    phone, question = _phone(), f"异地医保备案后能否在本市药店刷卡？{uuid.uuid4().hex[:6]}"
    window = open_window(qtbot, demo_platform.url, "agent", "T-31")
    seat, form = window.seat_session, window.form
    form.set_caller(phone, "王先生")
    _type(_w(form, QPlainTextEdit, "formContent"), question)
    qtbot.keyClick(window, Qt.Key.Key_E, CTRL_SHIFT)
    qtbot.waitUntil(lambda: _dialog() is not None, timeout=5_000)
    dialog = _dialog()
    assert dialog.question_edit.toPlainText() == question  # what the caller asks, from the form
    qtbot.keyClick(dialog.question_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _dialog() is None and seat.store.outbox_size() == 0, timeout=10_000)
    assert seat.store.rejections() == []

    expert = platform_api("expert")
    (item,) = [i for i in expert.get("/api/v1/escalations").json()["items"] if i["question"] == question]
    assert item["agent_username"] == "agent" and item["draft"]["content"] == question
    answer = "可以。备案后在本市定点药店持社保卡直接结算。"
    r = expert.post("/api/v1/mutations", json={"id": str(uuid.uuid4()), "entity": "escalation", "op": "answer",
                                               "entity_id": item["id"], "payload": {"answer": answer}})
    assert r.status_code == 200, r.text
    reply = _w(form, QPlainTextEdit, "formReply")
    qtbot.waitUntil(lambda: reply.toPlainText() == answer, timeout=10_000)
    assert window.link_state.text() == "专家已答复：答复已填入答复栏"
    close_window(qtbot, window)
