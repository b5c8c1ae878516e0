"""Screenshots of the main window for the README: idle, during a screen pop, on the call (an answer
inserted, the category's template, the merge offered, a not-ready waiting for the end of wrap-up),
the F1 keys, the platform's no-answer state, the missed-call list, the expert's escalation inbox,
the team lead's wallboard, and offline.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [docs]

Starts the reference platform with the demo data in a temporary folder, signs in as the demo
agent, and drives the real window: a call from the demo caller with the most work orders, the
knowledge base searched for 公积金, then the platform stopped and an order recorded offline.
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import qasync  # noqa: E402
from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui.app import install_translators, use_cjk_font  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from workstation.calls import AgentState  # noqa: E402
from workstation.demo import DEMO_PASSWORD, DemoPlatform  # noqa: E402
from workstation.platform_client import PlatformClient  # noqa: E402
from workstation.sync import LinkState  # noqa: E402

SIZE = QSize(1440, 860)


async def until(predicate, timeout: float = 30.0) -> None:  # noqa: ANN001
    """Wait for the window to reach a state; a screenshot tool, so a plain poll of the loop."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while not predicate():
        if loop.time() > give_up:
            raise TimeoutError("the window did not reach the state to photograph")
        await asyncio.sleep(0.05)


def busiest_caller(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT caller_phone FROM work_orders GROUP BY caller_phone "
                            "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]


async def shoot(out: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="hotline-shots-"))
    os.environ["XDG_DATA_HOME"] = str(folder / "data")
    demo = DemoPlatform(folder / "central.db", calls_per_hour=0, ring_timeout_s=6.0)
    await demo.start()
    window = MainWindow(PlatformClient(demo.url), seat="A-07")
    window.resize(SIZE)
    window.show()
    try:
        await window.sign_in("agent", DEMO_PASSWORD)
        await until(lambda: window.seat_session is not None and window.seat_session.sync.link == LinkState.online
                    and window.seat_session.store.get_state("cursor") is not None, 120)
        window.call_bar.show_link()
        await asyncio.sleep(0.3)
        window.grab().save(str(out / "screenshot-idle.png"))

        await window.call_bar.change_state(AgentState.ready)
        with httpx.Client(base_url=demo.url) as lead:
            token = lead.post("/api/v1/auth/sign-in", json={"username": "lead", "password": DEMO_PASSWORD}).json()
            lead.post("/api/v1/calls", json={"caller_phone": busiest_caller(folder / "central.db")},
                      headers={"Authorization": f"Bearer {token['access_token']}"}).raise_for_status()
        await until(lambda: window.seat_session.calls.current is not None)
        window.knowledge.search_edit.setText("公积金")
        await asyncio.sleep(1.0)  # the platform's refinement and the search debounce
        window.grab().save(str(out / "screenshot-pop.png"))

        # on the call: the first answer inserted, the request of a category the caller has open
        # (its template, the merge offered), not ready chosen for after wrap-up
        seat = window.seat_session
        call = seat.calls.current
        await seat.calls.answer(call.id)
        await until(lambda: call.state.value == "answered")
        await window.call_bar.change_state(AgentState.not_ready, "meeting")
        window.knowledge.results.setCurrentIndex(window.knowledge.model.index(0))
        window.knowledge.insert_action.trigger()
        history = window.caller_card.history
        category = (history.open_orders or history.orders)[0]["category_id"]
        window.form.load_draft({**window.form.to_draft(), "request_type": "complaint", "category_id": category,
                                "title": "再次反映：问题仍未解决", "address_detail": "幸福里小区3号楼2单元",
                                "assisting_units": "城东区 / 东门街道、"})
        window.form.check_repeat()
        await asyncio.sleep(0.5)
        window.grab().save(str(out / "screenshot-talking.png"))
        window.show_help()
        await asyncio.sleep(0.3)
        window.grab().save(str(out / "screenshot-help.png"))
        window.help_overlay.hide()

        # callers who gave up while the agent was busy, and a question for the experts
        with httpx.Client(base_url=demo.url) as lead:
            token = lead.post("/api/v1/auth/sign-in", json={"username": "lead", "password": DEMO_PASSWORD}).json()
            for phone in ("13912345678", "13587654321", "02584561234"):
                lead.post("/api/v1/calls", json={"caller_phone": phone, "patience_s": 0.3},
                          headers={"Authorization": f"Bearer {token['access_token']}"}).raise_for_status()
        seat = window.seat_session
        await seat.escalations.raise_("租房提取公积金，配偶名下有房还能提取吗？", "policy",
                                      call_id=seat.calls.current.platform_id,
                                      caller_phone=seat.calls.current.caller_number, draft=window.form.to_draft())
        await asyncio.sleep(1.0)
        await seat.missed_calls.refresh()
        window.pages.setCurrentWidget(window.missed_calls)
        await until(lambda: window.missed_calls.model.rowCount() >= 3)
        await asyncio.sleep(0.3)
        window.grab().save(str(out / "screenshot-missed.png"))
        window.show_page(0)

        # a ring nobody answers: the platform holds the seat not ready, and the bar says what to press
        await seat.calls.hang_up(call.id)
        await until(lambda: seat.calls.current is None)
        await window.call_bar.end_wrap_up()
        await window.call_bar.change_state(AgentState.ready)
        with httpx.Client(base_url=demo.url) as lead:
            token = lead.post("/api/v1/auth/sign-in", json={"username": "lead", "password": DEMO_PASSWORD}).json()
            lead.post("/api/v1/calls", json={"caller_phone": "13611112222"},
                      headers={"Authorization": f"Bearer {token['access_token']}"}).raise_for_status()
        await until(lambda: seat.agent.status().reason == "no_answer", 60)
        await asyncio.sleep(0.3)
        window.grab().save(str(out / "screenshot-no-answer.png"))

        expert = MainWindow(PlatformClient(demo.url), seat="E-01")
        expert.resize(SIZE)
        expert.show()
        try:
            await expert.sign_in("expert", DEMO_PASSWORD)
            await until(lambda: expert.seat_session is not None
                        and expert.seat_session.store.get_state("cursor") is not None, 120)
            await expert.seat_session.escalations.refresh()
            expert.pages.setCurrentWidget(expert.escalation_inbox)
            await until(lambda: expert.escalation_inbox.model.rowCount() >= 1)
            expert.escalation_inbox.view.selectRow(0)
            await asyncio.sleep(1.0)
            expert.grab().save(str(out / "screenshot-escalation.png"))
        finally:
            await expert.shutdown()
            expert.close()

        lead = MainWindow(PlatformClient(demo.url), seat="L-01")
        lead.resize(SIZE)
        lead.show()
        try:
            await lead.sign_in("lead", DEMO_PASSWORD)
            await until(lambda: lead.seat_session is not None
                        and lead.seat_session.store.get_state("cursor") is not None, 120)
            lead.pages.setCurrentWidget(lead.wallboard)
            await asyncio.sleep(2.0)  # the first wallboard object and a tick of the agents' times
            lead.grab().save(str(out / "screenshot-wallboard.png"))
        finally:
            await lead.shutdown()
            lead.close()

        demo.stop()
        await until(lambda: window.seat_session.sync.link == LinkState.offline, 60)
        await window.seat_session.orders.create({
            "request_type": "consultation", "category_id": "020102", "title": "咨询公积金提取", "content": "离线记录",
            "caller_phone": "13800138000", "requester_name": "", "confidential": False,
            "address_district": "", "address_street": ""}, then=("close_at_intake", {"answer": "已答复"}))
        window.call_bar.show_link()
        await asyncio.sleep(0.3)
        window.grab().save(str(out / "screenshot-offline.png"))
    finally:
        await window.shutdown()
        window.close()
        demo.stop()


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    install_translators(app, "zh_CN")
    use_cjk_font(app)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        runner.run(shoot(out))
    print(f"screenshots written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
