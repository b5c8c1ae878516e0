"""Progress lookup (R10): an agent answering "where is my case" finds the caller's orders by number
or by phone, with the steps a caller may be told: no staff names, no internal reviews."""
from __future__ import annotations

import json

from central.seed import DEMO_UNIT_USERS, DEMO_USERS
from tests.platform.test_lifecycle import desk, sim_clock  # noqa: F401 (fixtures)
from tests.platform.test_work_orders import new_order

STAFF = [u for u, _, _ in DEMO_USERS] + [d for _, d, _ in DEMO_USERS] + [u for u, _, _ in DEMO_UNIT_USERS] \
    + [d for _, d, _ in DEMO_UNIT_USERS]


def test_progress_by_number_tells_the_steps_units_and_reply_without_staff_names(platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher, lead, helper = desk("agent"), desk("dispatcher"), desk("unit_b02"), desk("unit_d01")
    number = agent.ok("create", None, **new_order())["number"]
    dispatcher.ok("dispatch", number, handling_unit_id="B02", assisting_unit_ids=["D01"])
    sim_clock.set(2026, 9, 28, 14)
    lead.ok("sign", number, unit_id="B02")
    lead.ok("apply_return", number, unit_id="B02", reason="内部原因")
    dispatcher.ok("review_return", number, decision="refuse", note="内部意见")
    helper.ok("sign", number, unit_id="D01")
    helper.ok("reply", number, unit_id="D01", reply="协办意见")
    sim_clock.set(2026, 9, 29, 9)
    lead.ok("reply", number, unit_id="B02", reply="已为您办理备案")

    r = agent.get("/api/v1/progress", params={"number": number})
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    assert (item["number"], item["status"], item["status_zh"], item["unit"]) == (
        number, "replied", "已答复", "市医疗保障局")
    assert item["reply"] == "已为您办理备案" and item["deadline"] and item["title"] == new_order()["title"]
    steps = [(s["step_zh"], s["unit"]) for s in item["timeline"]]
    assert steps == [("受理", ""), ("派单", "市医疗保障局"), ("签收", "市医疗保障局"), ("签收", "城东区"),
                     ("协办答复", "城东区"), ("答复", "市医疗保障局")]
    assert item["timeline"][-1]["at"].startswith("2026-09-29T09:00")
    text = json.dumps(r.json(), ensure_ascii=False)
    assert not [name for name in STAFF if name in text]
    assert "内部" not in text  # return reasons and review notes stay inside


def test_progress_by_phone_lists_the_callers_orders_newest_first(platform, desk, sim_clock):  # noqa: F811
    agent, expert, team_lead = desk("agent"), desk("expert"), desk("lead")
    older = agent.ok("create", None, **new_order("13700001111"))["number"]
    agent.ok("close_at_intake", older, answer="按口径答复：可网上办理")
    sim_clock.set(2026, 9, 28, 11)
    newer = agent.ok("create", None, **new_order("13700001111"))["number"]
    agent.ok("create", None, **new_order("13900139000"))

    r = expert.get("/api/v1/progress", params={"phone": "+86 137-0000-1111"})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["number"] for i in items] == [newer, older]
    assert (items[0]["status_zh"], items[0]["reply"]) == ("已受理", None)
    assert (items[1]["status_zh"], items[1]["reply"]) == ("直接办结", "按口径答复：可网上办理")
    assert [s["step_zh"] for s in items[1]["timeline"]] == ["受理", "直接办结"]

    assert team_lead.get("/api/v1/progress", params={"number": "20990101000001"}).json()["items"] == []
    for params in ({}, {"number": older, "phone": "13700001111"}, {"phone": "hello"}):
        assert agent.get("/api/v1/progress", params=params).status_code == 422, params
    audit = desk("admin").get("/api/v1/audit").json()["items"]
    assert [(a["username"], a["entity_id"]) for a in audit if a["action"] == "progress"] == [
        ("expert", newer), ("expert", older)]
