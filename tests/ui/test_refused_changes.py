"""The call bar's refused changes: each one offers Resend and Discard (in Chinese), and a choice
reaches the seat's sync, against the real platform."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMenu

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

    resend, discard = (a.text() for a in _choices(bar).actions())
    assert (resend, discard) == ("重新提交", "放弃（连同其后等待的 1 项修改）")
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
