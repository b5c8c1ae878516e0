"""Hot topics on the platform (issue 15): a surge of requests in one category and district, injected
into a simulated morning over a week of ordinary mornings, is found with the orders behind it; an
ordinary morning finds none. Orders are recorded through the API at simulated times."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from tests.platform.test_lifecycle import desk, sim_clock  # noqa: F401 (fixtures)
from tests.platform.test_work_orders import new_order


def _category(api, parent: str, leaf: str) -> str:  # noqa: ANN001
    rows = api.get("/api/v1/snapshot/category", params={"limit": 5000}).json()["items"]
    parents = {r["id"] for r in rows if r["name"] == parent}
    return next(r["id"] for r in rows if r["name"] == leaf and r["parent_id"] in parents)


def _record(agent, clock, day: int, hour: int, minute: int, category: str, district: str, n: int) -> None:  # noqa: ANN001
    for i in range(n):
        clock.set(2026, 9, day, hour, minute + i)
        agent.ok("create", None, **new_order(f"1390013{day:02d}{i:02d}", category_id=category,
                                              address_district=district, title="夜间施工扰民"))


def test_a_surge_injected_into_a_morning_is_found_and_an_ordinary_morning_finds_none(
        platform, desk, sim_clock):  # noqa: F811
    agent, lead = desk("agent"), desk("lead")
    noise, fund = _category(agent, "噪声污染", "施工噪声"), _category(agent, "住房公积金", "提取")
    for day in range(14, 21):  # a week of ordinary mornings: 2 noise and 3 housing-fund requests each
        _record(agent, sim_clock, day, 8, 10, noise, "城东区", 2)
        _record(agent, sim_clock, day, 9, 10, fund, "城西区", 3)
    _record(agent, sim_clock, 21, 8, 10, noise, "城东区", 2)  # Mon 21 Sep: an ordinary morning
    _record(agent, sim_clock, 21, 9, 10, fund, "城西区", 3)
    sim_clock.set(2026, 9, 21, 10, 30)
    r = lead.get("/api/v1/metrics/hot-topics", params={"hours": 3})
    assert r.status_code == 200 and r.json()["items"] == [], r.text

    _record(agent, sim_clock, 22, 8, 10, noise, "城东区", 12)  # Tue 22 Sep: twelve noise calls from one district
    _record(agent, sim_clock, 22, 9, 10, fund, "城西区", 3)
    sim_clock.set(2026, 9, 22, 10, 30)
    body = lead.get("/api/v1/metrics/hot-topics", params={"hours": 3}).json()
    assert [(i["category_id"], i["district"], i["observed"]) for i in body["items"]] == [(noise, "城东区", 12)]
    item = body["items"][0]
    assert item["category"].endswith("施工噪声") and item["expected"] == 2 and item["ratio"] == 6
    assert len(item["orders"]) == 12 and all(o["address_district"] == "城东区" for o in item["orders"])
    assert "Poisson" in body["method"]
    assert desk("agent").get("/api/v1/metrics/hot-topics").status_code == 403  # leads and dispatchers
    assert lead.get("/api/v1/metrics/hot-topics", params={"hours": 0}).status_code == 422

    sim_clock.moment += timedelta(hours=6)  # the surge is past: the last hours are quiet again
    assert lead.get("/api/v1/metrics/hot-topics", params={"hours": 3}).json()["items"] == []


def test_the_metrics_command_has_the_hot_topics_key(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    run = subprocess.run([sys.executable, "-m", "central.cli", "metrics", "--db", url, "--from", "2026-09-22",
                          "--json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.splitlines()[-1])
    assert figures["hot_topics"]["items"] == [] and figures["hot_topics"]["hours"] == 3
