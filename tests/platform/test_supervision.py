"""Supervision (督办) and reminders (催办): the sweep supervises overdue orders and reminds those near
their deadline, once each; a team lead supervises by hand; all close when the order is replied."""
from __future__ import annotations

from central import supervision
from tests.platform.test_lifecycle import desk, sim_clock  # noqa: F401 (fixtures)
from tests.platform.test_work_orders import new_order


def sweep(platform) -> dict:  # noqa: ANN001
    return platform.run_coroutine(supervision.sweep(platform.platform))


def open_supervisions(api) -> list[tuple[str, str, str, str]]:  # noqa: ANN001
    r = api.get("/api/v1/supervisions", params={"open": "true"})
    assert r.status_code == 200, r.text
    return [(s["number"], s["kind"], s["reason"], s["created_by"]) for s in r.json()["items"]]


def test_the_sweep_reminds_then_supervises_once_and_both_close_on_reply(platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher, lead, team_lead = desk("agent"), desk("dispatcher"), desk("unit_b02"), desk("lead")
    number = agent.ok("create", None, **new_order())["number"]
    # Mon 28 Sep 2026 + 2 working days: due at the end of Wed 30 Sep
    dispatcher.ok("dispatch", number, handling_unit_id="B02", working_days=2)
    quiet = agent.ok("create", None, **new_order("13900139000"))["number"]
    dispatcher.ok("dispatch", quiet, handling_unit_id="B04")  # 15 working days: far off

    assert sweep(platform) == {"overdue": 0, "near_deadline": 0, "callback_overdue": 0}
    sim_clock.set(2026, 9, 29, 9)  # due by the end of the next working day: remind
    assert sweep(platform) == {"overdue": 0, "near_deadline": 1, "callback_overdue": 0}
    assert sweep(platform) == {"overdue": 0, "near_deadline": 0, "callback_overdue": 0}
    assert open_supervisions(team_lead) == [(number, "remind", "near_deadline", "system")]
    assert agent.order(number)["supervised"] is True and agent.order(quiet)["supervised"] is False

    sim_clock.set(2026, 10, 1, 0, 5)  # the deadline has passed
    assert sweep(platform) == {"overdue": 1, "near_deadline": 0, "callback_overdue": 0}
    assert sweep(platform) == {"overdue": 0, "near_deadline": 0, "callback_overdue": 0}
    assert open_supervisions(dispatcher) == [(number, "supervise", "overdue", "system"),
                                             (number, "remind", "near_deadline", "system")]
    order = agent.order(number)
    steps = [(t["action"], t["actor"], t["detail"]["reason"]) for t in order["timeline"] if t["action"] == "supervise"]
    assert steps == [("supervise", "system", "near_deadline"), ("supervise", "system", "overdue")]

    lead.ok("sign", number, unit_id="B02")
    order = lead.ok("reply", number, unit_id="B02", reply="已办理")
    assert order["supervised"] is False
    assert open_supervisions(team_lead) == []
    every = team_lead.get("/api/v1/supervisions", params={"open": "false"}).json()["items"]
    assert len(every) == 2 and all(s["closed_at"] for s in every)
    assert sweep(platform) == {"overdue": 0, "near_deadline": 0, "callback_overdue": 0}  # replied: no longer watched


def test_an_urgent_order_is_reminded_two_hours_before_its_deadline(platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher = desk("agent"), desk("dispatcher")
    number = agent.ok("create", None, **new_order(urgency="urgent"))["number"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02")  # due Tue 29 Sep 10:00
    sim_clock.set(2026, 9, 29, 7, 59)
    assert sweep(platform) == {"overdue": 0, "near_deadline": 0, "callback_overdue": 0}
    sim_clock.set(2026, 9, 29, 8, 0)
    assert sweep(platform) == {"overdue": 0, "near_deadline": 1, "callback_overdue": 0}
    sim_clock.set(2026, 9, 29, 10, 1)
    assert sweep(platform) == {"overdue": 1, "near_deadline": 0, "callback_overdue": 0}


def test_a_team_lead_supervises_by_hand_and_an_assisting_units_deadline_counts(platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher, team_lead = desk("agent"), desk("dispatcher"), desk("lead")
    number = agent.ok("create", None, **new_order())["number"]
    order = team_lead.ok("supervise", number, kind="supervise", note="市领导关注")
    assert order["supervised"] is True
    assert open_supervisions(team_lead) == [(number, "supervise", "flagged", "lead")]
    assert agent.op("supervise", number, kind="remind").status_code == 403
    assert agent.order(number)["timeline"][-1]["detail"]["note"] == "市领导关注"

    # the lead unit's deadline was extended; the assisting unit's was not, and it is late
    dispatcher.ok("dispatch", number, handling_unit_id="B02", assisting_unit_ids=["D01"], working_days=1)
    desk("unit_b02").ok("sign", number, unit_id="B02")
    desk("unit_b02").ok("apply_extension", number, unit_id="B02", working_days=10, reason="需协调")
    dispatcher.ok("review_extension", number, decision="approve")
    sim_clock.set(2026, 9, 30, 9)
    assert sweep(platform) == {"overdue": 1, "near_deadline": 0, "callback_overdue": 0}

    closed = agent.ok("create", None, **new_order())["number"]
    agent.ok("close_at_intake", closed, answer="已答复")
    r = team_lead.op("supervise", closed, kind="remind")
    assert r.status_code == 409 and r.json()["error"] == "order_closed"
