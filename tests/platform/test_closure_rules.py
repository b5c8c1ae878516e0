"""Closure rules (issue 15, domain/workorder.py): a requester never reached closes the order as
unreachable after attempts on the centre's number of different days; law-enforcement and mediation
orders close when resolved, whatever the satisfaction; a replied order's callback has its own
deadline, which the supervision sweep watches. The real platform, on a simulated clock."""
from __future__ import annotations

import subprocess
import sys

from central import settings, supervision
from tests.platform.test_lifecycle import desk, sim_clock  # noqa: F401 (fixtures)
from tests.platform.test_supervision import open_supervisions
from tests.platform.test_work_orders import new_order


def _replied(agent, dispatcher, unit, case_kind: str = "normal") -> str:  # noqa: ANN001
    number = agent.ok("create", None, **new_order())["number"]
    if case_kind != "normal":
        dispatcher.ok("flag", number, case_kind=case_kind)
    dispatcher.ok("dispatch", number, handling_unit_id="B02")
    unit.ok("sign", number, unit_id="B02")
    unit.ok("reply", number, unit_id="B02", reply="已处理")
    return number


def test_a_requester_never_reached_closes_the_order_after_attempts_on_three_different_days(
        platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher, unit = desk("agent"), desk("dispatcher"), desk("unit_b02")
    number = _replied(agent, dispatcher, unit)
    for hour in (10, 15):  # two attempts the same day count as one day
        sim_clock.set(2026, 9, 28, hour)
        assert agent.ok("callback", number, reached=False, note="无人接听")["status"] == "replied"
    sim_clock.set(2026, 9, 29)
    assert agent.ok("callback", number, reached=False, note="关机")["status"] == "replied"
    sim_clock.set(2026, 10, 8)
    order = agent.ok("callback", number, reached=False, note="空号")
    assert (order["status"], order["callback_attempts"], order["satisfaction"]) == ("closed", 4, None)
    close = agent.order(number)["timeline"][-1]
    assert (close["action"], close["detail"]["reason"], close["detail"]["days"]) == ("close", "unreachable", 3)
    assert agent.op("callback", number, reached=False).status_code == 409  # closed: nothing more to call


def test_the_centre_sets_how_many_days_and_a_bad_value_is_refused(platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher, unit = desk("agent"), desk("dispatcher"), desk("unit_b02")

    async def put(value: object) -> int:
        async with platform.platform.db.write() as conn:
            return await settings.put(conn, "callback_unreached_days", value)
    assert platform.run_coroutine(put("1")) == 1
    number = _replied(agent, dispatcher, unit)
    assert agent.ok("callback", number, reached=False)["status"] == "closed"
    for bad in ("0", "11", "three"):
        try:
            platform.run_coroutine(put(bad))
        except ValueError as exc:
            assert "from 1 to 10" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was taken")
    assert platform.run_coroutine(put(3)) == 3


def test_law_enforcement_and_mediation_close_when_resolved_whatever_the_satisfaction(
        platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher, unit = desk("agent"), desk("dispatcher"), desk("unit_b02")
    for kind in ("law_enforcement", "mediation"):
        number = _replied(agent, dispatcher, unit, kind)
        order = agent.ok("callback", number, satisfaction="very_dissatisfied", resolved=True, note="对处罚结果不服")
        assert (order["status"], order["satisfaction"], order["reopen_count"]) == ("closed", "very_dissatisfied", 0)
        number = _replied(agent, dispatcher, unit, kind)
        assert agent.ok("callback", number, satisfaction="satisfied", resolved=False)["status"] == "reopened"
    number = _replied(agent, dispatcher, unit)  # an ordinary order: dissatisfaction reopens it
    assert agent.ok("callback", number, satisfaction="very_dissatisfied", resolved=True)["status"] == "reopened"


def test_a_late_callback_is_supervised_once_and_the_supervision_ends_with_the_callback(
        platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher, unit, lead = desk("agent"), desk("dispatcher"), desk("unit_b02"), desk("lead")

    def sweep() -> dict:
        return platform.run_coroutine(supervision.sweep(platform.platform))
    number = _replied(agent, dispatcher, unit)  # replied Mon 28 Sep 2026 10:00: callback due in 3 working days
    sim_clock.set(2026, 9, 30, 23, 59)
    assert sweep()["callback_overdue"] == 0
    sim_clock.set(2026, 10, 8, 23, 59)  # 29, 30 Sep and 8 Oct: the National Day holiday (1-7 Oct) does not count
    assert sweep()["callback_overdue"] == 0
    sim_clock.set(2026, 10, 9, 9)
    assert sweep()["callback_overdue"] == 1
    assert sweep()["callback_overdue"] == 0  # once
    assert (number, "supervise", "callback_overdue", "system") in open_supervisions(lead)
    assert agent.order(number)["supervised"] is True
    order = agent.ok("callback", number, satisfaction="dissatisfied", resolved=False)
    assert order["status"] == "reopened" and order["supervised"] is False
    assert (number, "supervise", "callback_overdue", "system") not in open_supervisions(lead)


def test_the_settings_command_shows_and_sets(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "central.cli", *args, "--db", url], capture_output=True,
                              text=True, timeout=120)
    assert cli("migrate").returncode == 0
    shown = cli("settings", "show")
    assert shown.returncode == 0 and shown.stdout.startswith("callback_unreached_days\t3\t"), shown.stderr
    assert cli("settings", "set", "callback_unreached_days", "2").stdout.strip() == "callback_unreached_days = 2"
    assert cli("settings", "show").stdout.startswith("callback_unreached_days\t2\t")
    refused = cli("settings", "set", "callback_unreached_days", "99")
    assert refused.returncode == 2 and "from 1 to 10" in refused.stderr
    assert cli("settings", "set", "nope", "1").returncode == 2


def test_a_reopened_order_replied_again_counts_its_unreached_days_afresh(platform, desk, sim_clock):  # noqa: F811
    agent, dispatcher, unit = desk("agent"), desk("dispatcher"), desk("unit_b02")
    number = _replied(agent, dispatcher, unit)
    for day in (28, 29):
        sim_clock.set(2026, 9, day)
        agent.ok("callback", number, reached=False)
    sim_clock.set(2026, 9, 30)
    assert agent.ok("callback", number, satisfaction="dissatisfied", resolved=False)["status"] == "reopened"
    unit.ok("reply", number, unit_id="B02", reply="已重新处理")
    sim_clock.set(2026, 10, 8)
    assert agent.ok("callback", number, reached=False)["status"] == "replied"  # one day since the new reply
    sim_clock.set(2026, 10, 9)
    assert agent.ok("callback", number, reached=False)["status"] == "replied"
    sim_clock.set(2026, 10, 10)
    assert agent.ok("callback", number, reached=False)["status"] == "closed"
