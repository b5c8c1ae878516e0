# ruff: noqa: F811 (the lifecycle tests' fixtures, imported)
"""Flow-back (R5-R6): an order transferred to a partner platform (a sub-centre such as 12315, or
another city's 12345) waits for it; the partner, a client of the platform with the `partner` role,
gets only the orders sent to it through its own feed, reports progress and its result through the
mutations endpoint, or sends an order back; the callback follows and the order closes in the loop.
A transfer to an emergency line still ends the order. Real platform, real database, HTTP."""
from __future__ import annotations

import random

import pytest

from central import accounts, db
from central.departments import OfficeRates, PartnerSimulator, start_partners
from central.simclock import VirtualScheduler
from central.supervision import sweep
from domain import clock
from tests.platform.test_lifecycle import db_run, desk, end_of, sim_clock  # noqa: F401 (fixtures)
from tests.platform.test_work_orders import new_order

REPORT = "经核查，商家已退款，消费者无异议。"


def _feed_orders(api) -> dict[str, dict]:  # noqa: ANN001
    """The newest row of each order in the reader's feed."""
    seen: dict[str, dict] = {}
    after = 0
    while True:
        page = api.get("/api/v1/changes", params={"after": after, "limit": 1000}).json()
        for change in page["changes"]:
            if change["entity"] == "work_order":
                seen[change["id"]] = change["data"]
        after = page["cursor"]
        if not page["has_more"]:
            return seen


def test_a_transfer_to_12315_comes_back_with_the_partners_result_and_closes_after_the_callback(
        platform, desk, sim_clock):
    agent, partner, other = desk("agent"), desk("partner_12315"), desk("partner_12333")
    lead = desk("lead")
    period = {"from": "2026-09-28", "to": "2026-10-09"}

    def partner_figures() -> dict:
        r = lead.get("/api/v1/metrics", params=period)
        assert r.status_code == 200, r.text
        return r.json()["by_partner"].get("SC12315") or dict.fromkeys(("received", "replied", "replied_on_time"), 0)

    before = partner_figures()
    number = agent.ok("create", None, **new_order("13900001111"))["number"]
    sent = agent.ok("transfer", number, target_unit_id="SC12315", note="网购退款纠纷，请12315处理")
    # Mon 28 Sep 2026 10:00: 15 working days (29-30 Sep, 8-10 Oct with the Saturday made up, two weeks) end Fri 23 Oct
    assert (sent["status"], sent["transfer_target"], sent["deadline"]) == ("partner_handling", "SC12315",
                                                                           end_of(2026, 10, 23))
    # the partner's feed carries it, the other partner's does not; neither sees the agent's other orders
    unrelated = agent.ok("create", None, **new_order("13900002222"))["number"]
    assert number in _feed_orders(partner) and unrelated not in _feed_orders(partner)
    assert _feed_orders(other) == {}
    assert other.get(f"/api/v1/work-orders/{number}").status_code == 403
    assert partner.get(f"/api/v1/work-orders/{unrelated}").status_code == 403
    listed = partner.get("/api/v1/work-orders").json()["items"]
    assert [o["number"] for o in listed] == [number]
    # the partner reads the agent's note to it on the timeline
    transfer = next(s for s in partner.order(number)["timeline"] if s["action"] == "transfer")
    assert transfer["detail"]["note"] == "网购退款纠纷，请12315处理" and transfer["actor"] == ""

    # only the partner it was sent to may report on it
    refused = other.op("partner_progress", number, note="已受理")
    assert refused.status_code == 403 and "data" not in refused.json()
    assert desk("unit_b02").op("partner_reply", number, reply=REPORT).status_code == 403
    sim_clock.set(2026, 9, 29, 9)
    progress = partner.ok("partner_progress", number, note="已受理，正在联系商家", partner_ref="SC-2026-0042")
    assert progress["status"] == "partner_handling"
    sim_clock.set(2026, 10, 9, 15)
    replied = partner.ok("partner_reply", number, reply=REPORT, partner_ref="SC-2026-0042")
    assert (replied["status"], replied["reply"]) == ("replied", REPORT)

    # the centre sees the partner's steps on the timeline, and the order in its callback queue
    steps = agent.order(number)["timeline"]
    assert [s["action"] for s in steps] == ["create", "transfer", "partner_progress", "partner_reply"]
    assert steps[2]["detail"] == {"unit_id": "SC12315", "partner_ref": "SC-2026-0042", "note": "已受理，正在联系商家"}
    queue = agent.get("/api/v1/callbacks", params={"limit": 500}).json()["items"]
    assert number in [o["number"] for o in queue]
    closed = agent.ok("callback", number, reached=True, satisfaction="satisfied", resolved=True)
    assert closed["status"] == "closed"
    after = partner_figures()  # the centre's figures count the partner's part
    assert [after[k] - before[k] for k in ("received", "replied", "replied_on_time")] == [1, 1, 1]
    assert after["name"] == "12315市场监管投诉举报分中心"
    # a closed order takes no more reports
    assert partner.op("partner_progress", number, note="补充").status_code == 409


def test_a_dissatisfied_callback_sends_the_order_back_to_the_partner_who_answers_again(platform, desk, sim_clock):
    agent, partner = desk("agent"), desk("partner_12315")
    number = agent.ok("create", None, **new_order("13900003333"))["number"]
    agent.ok("transfer", number, target_unit_id="SC12315")
    partner.ok("partner_reply", number, reply="已转商家处理。")
    reopened = agent.ok("callback", number, reached=True, satisfaction="dissatisfied", resolved=False)
    assert reopened["status"] == "reopened" and reopened["reopen_count"] == 1
    reopen = [s for s in agent.order(number)["timeline"] if s["action"] == "reopen"][-1]
    assert reopen["detail"]["unit_id"] == "SC12315"
    assert number in _feed_orders(partner)
    again = partner.ok("partner_reply", number, reply=REPORT)
    assert again["status"] == "replied" and again["reply"] == REPORT


def test_a_partner_sends_back_what_is_not_its_matter_and_the_dispatcher_sends_it_on(platform, desk, sim_clock):
    agent, partner, dispatcher = desk("agent"), desk("partner_12333"), desk("dispatcher")
    number = agent.ok("create", None, **new_order("13900004444"))["number"]
    agent.ok("transfer", number, target_unit_id="SC12333")
    back = partner.ok("partner_return", number, reason="该诉求属医保范围，不属于人社受理范围。")
    assert (back["status"], back["deadline"]) == ("accepted", None)
    # no second return, and no result for an order no longer with the partner
    assert partner.op("partner_return", number, reason="再次退回").status_code == 409
    assert partner.op("partner_reply", number, reply="已处理").status_code == 409
    queue = dispatcher.get("/api/v1/work-orders", params={"status": "accepted"}).json()["items"]
    assert number in [o["number"] for o in queue]
    assert dispatcher.ok("dispatch", number, handling_unit_id="B02")["status"] == "dispatched"
    step = [s for s in agent.order(number)["timeline"] if s["action"] == "partner_return"][0]
    assert step["detail"]["reason"].startswith("该诉求属医保范围")


def test_a_transfer_to_an_emergency_line_still_ends_the_order(platform, desk, sim_clock):
    agent = desk("agent")
    number = agent.ok("create", None, **new_order("13900005555"))["number"]
    assert agent.ok("transfer", number, target_unit_id="E110")["status"] == "transferred"
    assert desk("partner_12315").op("partner_reply", number, reply=REPORT).status_code == 403


def test_a_partner_late_with_its_result_is_supervised(platform, desk, sim_clock):
    agent = desk("agent")
    number = agent.ok("create", None, **new_order("13900006666"))["number"]
    agent.ok("transfer", number, target_unit_id="SC12315")
    sim_clock.set(2026, 10, 26, 9)  # the working day after its deadline
    made = platform.run_coroutine(sweep(platform.platform))
    assert made["overdue"] >= 1
    order = agent.order(number)
    assert order["supervised"] and order["timeline"][-1]["detail"]["reason"] == "overdue"


def test_a_partner_user_belongs_to_a_partner_platform(platform):
    async def make(conn, unit_id: str) -> dict:  # noqa: ANN001
        return await accounts.create_user(conn, f"p_{unit_id.lower()}", "对接员", accounts.Role.partner, "!", unit_id)

    from central.errors import ApiError
    with pytest.raises(ApiError) as refused:
        db_run(platform, lambda conn: make(conn, "B02"))
    assert refused.value.status == 422 and "partner platform" in refused.value.message
    with pytest.raises(ApiError):
        db_run(platform, lambda conn: accounts.create_user(conn, "p_none", "对接员", accounts.Role.partner, "!"))
    assert db_run(platform, lambda conn: make(conn, "R025"))["unit_id"] == "R025"


def test_the_partner_simulator_answers_as_each_partner_through_the_same_operations(platform, desk, sim_clock):
    """The simulator runs on a virtual clock inside the test's platform; its partners are real
    partner users, so the platform checks each action as it checks a real partner's."""
    agent = desk("agent")
    numbers = [agent.ok("create", None, **new_order(f"139000077{i:02d}"))["number"] for i in range(6)]
    for i, number in enumerate(numbers):
        agent.ok("transfer", number, target_unit_id="SC12315" if i % 2 else "SC12366")
    p = platform.platform
    scheduler = VirtualScheduler(sim_clock.moment)
    real = p.scheduler
    p.scheduler = scheduler
    try:
        async def run() -> PartnerSimulator:
            with clock.use(scheduler.moment):
                rates = OfficeRates(poll_s=60.0, partner_return_rate=0.0)
                sim = await start_partners(p, rates, random.Random(3))
                sim.cursor = 0  # take on the orders made before it started
                await scheduler.run_until(7 * 86400.0, p.drain)
                sim.stop()
                await p.drain()
                return sim

        sim = platform.run_coroutine(run())
    finally:
        p.scheduler = real
    assert sim.refused == 0 and sim.applied == 12
    for number in numbers:
        order = agent.order(number)
        assert order["status"] == "replied"
        actors = {s["actor"] for s in order["timeline"] if s["action"].startswith("partner_")}
        assert actors == {f"sim_partner_{order['transfer_target']}"}
    users = db_run(platform, lambda conn: _partner_users(conn))
    assert {"sim_partner_SC12315", "sim_partner_SC12366"} <= users


async def _partner_users(conn) -> set[str]:  # noqa: ANN001
    from sqlalchemy import select
    rows = await conn.execute(select(db.users.c.username).where(db.users.c.role == "partner"))
    return set(rows.scalars())

