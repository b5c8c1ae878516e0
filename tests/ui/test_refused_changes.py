"""The call bar's refused changes: each one offers Resend and Discard (in Chinese), and a choice
reaches the seat's sync, against the real platform."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QMenu

from tests.ui.conftest import run_async
from ui.call_bar import CallBar
from workstation.session import SeatSession


def _refused_order(qtbot: Any, seat: SeatSession) -> str:
    """An order with a category the platform refuses, closed at intake at once: the create is
    refused, the close held behind it. Returns the provisional number."""
    order = {"request_type": "consultation", "category_id": "0101", "title": "咨询公积金", "content": "来电咨询",
             "caller_phone": "13800138000"}
    number = run_async(qtbot, seat.orders.create(order, then=("close_at_intake", {"answer": "已按知识库答复"})))
    qtbot.waitUntil(lambda: len(seat.sync.rejections()) == 1, timeout=10_000)
    return number


def _choices(bar: CallBar) -> QMenu:
    """The refused change's submenu, filled as when the agent opens the button's menu."""
    bar.refused.menu().aboutToShow.emit()
    [submenu] = [a.menu() for a in bar.refused.menu().actions() if a.menu() is not None]
    return submenu


def test_a_refused_change_is_discarded_with_what_waits_behind_it(qtbot: Any, seat: SeatSession) -> None:
    bar = CallBar()
    qtbot.addWidget(bar)
    bar.set_session(seat, "agent")
    number = _refused_order(qtbot, seat)
    qtbot.waitUntil(lambda: bar.refused.text() == "平台拒收 1 条", timeout=5_000)

    texts = [a.text() for a in _choices(bar).actions()]
    assert texts == ["重新提交", "放弃（连同其后等待的 1 项修改）", "修改后重新提交…"]
    _choices(bar).actions()[1].trigger()

    qtbot.waitUntil(lambda: seat.sync.rejections() == [] and seat.sync.outbox_size() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: bar.refused.isHidden(), timeout=5_000)
    assert seat.store.conn.execute("SELECT count(*) FROM work_orders WHERE number = ?", (number,)).fetchone()[0] == 0


def test_a_refused_change_is_sent_again(qtbot: Any, seat: SeatSession) -> None:
    bar = CallBar()
    qtbot.addWidget(bar)
    bar.set_session(seat, "agent")
    _refused_order(qtbot, seat)
    [refused] = seat.sync.rejections()

    _choices(bar).actions()[0].trigger()  # as it was: the platform refuses it again, under a new id

    qtbot.waitUntil(lambda: [r.mutation_id for r in seat.sync.rejections()] not in ([], [refused.mutation_id]),
                    timeout=10_000)
    [again] = seat.sync.rejections()
    assert (again.op, again.code, again.payload) == ("create", "invalid", refused.payload)
    assert len(seat.sync.held_behind(again.mutation_id)) == 1  # the close still waits behind it


def test_a_refused_change_is_corrected_and_sent_again_by_keyboard(qtbot: Any, seat: SeatSession) -> None:
    bar = CallBar()
    qtbot.addWidget(bar)
    bar.set_session(seat, "agent")
    number = _refused_order(qtbot, seat)  # the category is not a leaf: the platform refuses it
    _choices(bar).actions()[2].trigger()
    qtbot.waitUntil(lambda: bar.edit_dialog is not None and bar.edit_dialog.isVisible(), timeout=5_000)
    dialog = bar.edit_dialog
    assert dialog.findChild(QLabel, "refusedReason").text().startswith("平台拒收：")
    assert dialog.findChild(QLineEdit, "refused_client_ref") is None  # the seat's own reference is not edited
    category = dialog.findChild(QLineEdit, "refused_category_id")
    category.setFocus()
    category.selectAll()
    qtbot.keyClicks(category, "010101")
    qtbot.keyClick(category, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    # the corrected create goes first, then the close that waited behind it
    qtbot.waitUntil(lambda: seat.sync.rejections() == [] and seat.sync.outbox_size() == 0, timeout=15_000)
    row = seat.store.conn.execute("SELECT status, local FROM work_orders WHERE client_ref = ? OR number = ?",
                                  (number, number)).fetchone()
    assert row is not None and row["status"] == "closed_at_intake"
