"""A day (or N) of the centre on a simulated clock, as fast as the machine allows.

Callers arrive at a Poisson rate and wait in the router's queue (a few give up); simulated agents
go ready, answer after a ring, talk, hang up (or transfer), record a work order through the
work-order operations the mutations endpoint runs (create, then close at intake, dispatch, transfer,
reject, or merge a repeat request), do after-call work and take breaks. The department simulator plays the units
and the reviewer (central/departments.py), a callback desk calls the requesters back, and the
supervision sweep runs every simulated minute. Everything the platform stamps reads simulated time.

`hotline-central simulate --db URL --days 1 --calls-per-hour 300 --seed 7` prints one JSON line.
"""
from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time

from sqlalchemy import func, select

from central import db, metrics, seed
from central.departments import (
    SIMULATOR,
    DepartmentSimulator,
    FeedActor,
    OfficeRates,
    lognormal,
    run_ops,
    start_partners,
    system_user,
)
from central.permissions import Role
from central.platform import Platform
from central.routing import RoutingError
from central.security import Claims
from central.simclock import VirtualScheduler
from domain import clock
from domain.calendar import WorkCalendar
from domain.catalog import UnitKind
from domain.intake import NotAcceptedReason
from domain.workorder import CALLBACK_WORKING_DAYS, HANDLING_STATUSES, TERMINAL_STATUSES, Satisfaction, WorkOrderStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeatRates:
    """How the simulated agents and callers behave."""

    ring_median_s: float = 4.0
    no_answer_rate: float = 0.01  # the agent lets it ring out
    talk_median_s: float = 75.0
    talk_spread: float = 0.6
    acw_s: tuple[float, float] = (10.0, 40.0)
    break_rate: float = 0.03
    break_s: tuple[float, float] = (300.0, 900.0)
    patience_mean_s: float = 90.0
    repeat_caller_rate: float = 0.05  # a caller with an open order calls again
    close_at_intake: float = 0.62  # the rest: dispatch, then transfer and reject (below)
    dispatch: float = 0.30
    transfer: float = 0.03
    urgent_rate: float = 0.03
    assisting_rate: float = 0.1
    unreasonable_rate: float = 0.2  # of the repeat requests; the others are merged


_TYPES = [("consultation", 40), ("help", 14), ("complaint", 28), ("report", 8), ("suggestion", 6), ("praise", 4)]


class SimAgent:
    """One agent at a seat, reacting to the calls the router offers on its event stream."""

    def __init__(self, sim: Simulation, who: Claims) -> None:
        self.sim, self.who = sim, who
        self.sub = sim.platform.broker.subscribe(who.user_id)
        self.rng = random.Random(sim.rng.getrandbits(64))

    def pump(self) -> None:
        """Take what the platform told this seat since the last step."""
        if self.sub.closed:
            self.sub = self.sim.platform.broker.subscribe(self.who.user_id)
        for event in self.sub.take():
            if event.name == "call":
                self._call_event(event.data)

    def _call_event(self, event: dict) -> None:
        r, later = self.sim.seat_rates, self.sim.scheduler.call_later
        if event["type"] == "ringing":
            delay = 30.0 if self.rng.random() < r.no_answer_rate else lognormal(self.rng, r.ring_median_s, 0.5)
            later(delay, self.answer, event["call_id"], event["caller_number"])
        elif event["type"] == "ended" and event.get("reason") == "ring_timeout":
            later(10.0, self.ready)

    def ready(self) -> None:
        try:
            self.sim.platform.router.set_state(self.who, "ready")
        except RoutingError:
            pass  # a call came first; the agent goes ready after it

    def answer(self, call_id: str, phone: str) -> None:
        try:
            self.sim.platform.router.answer(self.who, call_id)
        except RoutingError:
            return  # the caller gave up, or the ring timed out
        talk = lognormal(self.rng, self.sim.seat_rates.talk_median_s, self.sim.seat_rates.talk_spread)
        self.sim.scheduler.call_later(talk, self.finish, call_id, phone)

    def finish(self, call_id: str, phone: str) -> None:
        r, router = self.sim.seat_rates, self.sim.platform.router
        plan = self.sim.intake_plan(self.rng, phone)
        try:
            if plan[0] == "transfer":
                router.transfer(self.who, call_id, plan[2], three_way=False)
            else:
                router.hang_up(self.who, call_id)
        except RoutingError:
            log.warning("a simulated call could not be ended")
        self.sim.platform.spawn(self.sim.record(self.who, self.rng, phone, call_id, plan), "simulated intake")
        self.sim.scheduler.call_later(self.rng.uniform(*r.acw_s), self.after_call_work)

    def after_call_work(self) -> None:
        r = self.sim.seat_rates
        if self.rng.random() < r.break_rate:
            self.sim.platform.router.set_state(self.who, "break", "rest")
            self.sim.scheduler.call_later(self.rng.uniform(*r.break_s), self.ready)
        else:
            self.ready()


class CallbackDesk(FeedActor):
    """Calls back the requesters of replied orders: some are not reached (up to three tries), the
    rest give their satisfaction and say whether the matter is resolved. A few are never reached:
    the desk tries once a day until the centre's rule closes the order as unreachable."""

    MAX_TRIES = 3

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self._never: dict[str, bool] = {}  # order -> its requester never answers

    def see(self, row: dict) -> None:
        if row["status"] != "replied":
            return
        tries, r, number = row.get("callback_attempts") or 0, self.rates, row["number"]
        never = self._never.setdefault(number, self.rng.random() < r.never_reached_rate)
        if never and tries:
            delay = 86400.0  # the next day: the attempts count on different days
        else:
            delay = lognormal(self.rng, r.callback_median_s, r.spread) if tries == 0 else r.callback_retry_s
        self.plan(number, "callback", f"replied-{tries}", delay, lambda: self._outcome(tries, never))

    def _outcome(self, tries: int, never: bool = False) -> tuple[str, dict]:
        r = self.rates
        if never or (tries < self.MAX_TRIES - 1 and self.rng.random() < r.unreached_rate):
            return "callback", {"reached": False, "note": "无人接听"}
        level = self.rng.choices(list(Satisfaction), r.satisfaction_weights)[0]
        resolved = self.rng.random() < (r.resolved_if_satisfied if level.is_satisfied else r.resolved_if_dissatisfied)
        return "callback", {"reached": True, "satisfaction": str(level), "resolved": resolved, "note": ""}


class Simulation:
    def __init__(self, url: str, *, days: float, calls_per_hour: float, seed: int, agents: int | None = None,
                 start: datetime | None = None, seat_rates: SeatRates | None = None,
                 office_rates: OfficeRates | None = None) -> None:
        self.url, self.days, self.calls_per_hour = url, days, calls_per_hour
        self.agent_count = agents or max(4, round(calls_per_hour / 20))
        self.rng = random.Random(seed)
        self.seed = seed
        self.start = start or datetime.combine(clock.now().date(), day_time(), tzinfo=clock.CENTRE_TZ)
        self.seat_rates = seat_rates or SeatRates()
        self.office_rates = office_rates or OfficeRates()
        self.scheduler = VirtualScheduler(self.start)
        # the simulated seats do not follow the change feed: no announcements to make
        self.platform = Platform(url, scheduler=self.scheduler, announce_changes=False)
        self.agents: list[SimAgent] = []
        self.open_orders: dict[str, tuple[str, str]] = {}  # phone -> (open order, its category)
        self.calls = 0
        self.intake: dict[str, int] = {}
        self._end = 0.0
        self._leaves: list = []

    # -- the run ---------------------------------------------------------------------------------

    async def run(self) -> dict:
        began = time.monotonic()
        with clock.use(self.scheduler.moment):
            try:
                await self._set_up()
                self._end = self.days * 86400.0
                self.scheduler.call_later(self.rng.expovariate(self.calls_per_hour / 3600.0), self._arrive)
                await self.scheduler.run_until(self._end, self._settle)
                self.office.stop()
                self.desk.stop()
                if self.partners is not None:
                    self.partners.stop()
                await self.platform.drain()
                summary = await self._summary()
            finally:  # also after a failure: no database connection left for the collector
                await self.platform.stop()
        summary["wall_s"] = round(time.monotonic() - began, 1)
        return summary

    async def _settle(self) -> None:
        await self.platform.drain()
        for agent in self.agents:
            agent.pump()

    async def _set_up(self) -> None:
        await self.platform.db.start()
        async with self.platform.db.write() as conn:
            if not await seed.is_seeded(conn):
                await seed.seed_reference(conn)
        await self.platform.start()
        who = await system_user(self.platform, SIMULATOR, "部门模拟器", Role.dispatcher)
        self.office = DepartmentSimulator(self.platform, who, self.office_rates, random.Random(self.rng.getrandbits(64)))
        await self.office.start()
        desk_user = await system_user(self.platform, "sim_callback", "模拟回访员", Role.agent)
        self.desk = CallbackDesk(self.platform, desk_user, self.office_rates, random.Random(self.rng.getrandbits(64)))
        await self.desk.start()
        self.partners = await start_partners(self.platform, self.office_rates, random.Random(self.rng.getrandbits(64)))
        self._leaves = self.office.tree.leaves()
        self.targets = [u for u in self.office.units if u.kind in (UnitKind.emergency, UnitKind.sub_centre) and u.phone]
        for i in range(self.agent_count):
            who = await system_user(self.platform, f"sim_agent_{i + 1:03d}", f"模拟话务员 {i + 1:03d}", Role.agent)
            self.agents.append(SimAgent(self, who))
        for agent in self.agents:
            agent.ready()
        await self._settle()

    def _arrive(self) -> None:
        r = self.seat_rates
        if self.scheduler.now() >= self._end:
            return
        self.scheduler.call_later(self.rng.expovariate(self.calls_per_hour / 3600.0), self._arrive)
        if self.open_orders and self.rng.random() < r.repeat_caller_rate:
            phone = self.rng.choice(sorted(self.open_orders))
        else:
            phone = f"1{self.rng.choice('3578')}{self.rng.randrange(10 ** 9):09d}"
        self.calls += 1
        self.platform.router.inject(phone, "", patience_s=self.rng.expovariate(1.0 / r.patience_mean_s))

    # -- intake ------------------------------------------------------------------------------------

    def intake_plan(self, rng: random.Random, phone: str) -> tuple:
        """What the agent does with the call: (op, category, the number a transfer goes to, the unit a
        transfer goes to or the open order a repeat request is about)."""
        r = self.seat_rates
        if phone in self.open_orders:
            number, category = self.open_orders[phone]
            op = "apply_unreasonable" if rng.random() < r.unreasonable_rate else "merge"
            return op, category, None, number
        category = rng.choice(self._leaves).id
        roll = rng.random()
        if roll < r.close_at_intake:
            return "close_at_intake", category, None, None
        if roll < r.close_at_intake + r.dispatch:
            return "dispatch", category, None, None
        if roll < r.close_at_intake + r.dispatch + r.transfer and self.targets:
            unit = rng.choice(self.targets)
            return "transfer", category, unit.phone, unit.id
        return "reject_at_intake", category, None, None

    def _new_order(self, rng: random.Random, phone: str, category: str, op: str) -> dict:
        kinds, weights = zip(*_TYPES, strict=True)
        kind = "complaint" if op == "dispatch" and rng.random() < 0.5 else rng.choices(kinds, weights)[0]
        name = self.office.tree.get(category).name
        district = rng.choice(self.office.districts)
        streets = [u.name for u in self.office.units if u.kind == UnitKind.street and u.parent_id == district.id]
        return {"address_district": district.name, "address_street": rng.choice(streets) if streets else "",
                "request_type": kind, "category_id": category, "caller_phone": phone,
                "urgency": "urgent" if op == "dispatch" and rng.random() < self.seat_rates.urgent_rate else "normal",
                "title": f"关于{name}的诉求", "content": f"来电人反映{name}方面的问题，希望有关部门处理并答复。"}

    def _payload(self, rng: random.Random, op: str, plan: tuple, call_id: str, new: dict) -> dict:
        if op == "close_at_intake":
            return {"answer": "已按知识库答复口径向来电人解答，来电人表示清楚。"}
        if op == "dispatch":
            lead, assisting = self.office.suggestion(plan[1], new["address_district"], new["address_street"])
            others = [u.id for u in self.office.districts if u.id != lead and u.id not in assisting]
            if not assisting and others and rng.random() < self.seat_rates.assisting_rate:
                assisting = [rng.choice(others)]
            return {"handling_unit_id": lead, "assisting_unit_ids": assisting}
        if op == "transfer":
            return {"target_unit_id": plan[3], "call_id": call_id}
        if op == "reject_at_intake":
            return {"reason": str(rng.choice(list(NotAcceptedReason)))}
        if op == "merge":
            return {"into": plan[3]}
        return {"reason": "同一诉求已多次反映并已答复，来电人仍反复来电。"}

    async def record(self, who: Claims, rng: random.Random, phone: str, call_id: str, plan: tuple) -> None:
        """The order the agent records once the call ends: created and taken on in one go."""
        op, category = plan[0], plan[1]
        new = self._new_order(rng, phone, category, op)
        row = await run_ops(self.platform, who, None, [("create", new), (op, self._payload(rng, op, plan, call_id, new))])
        if row is None and op in ("merge", "apply_unreasonable"):
            # the earlier order is closed by now: this is a new matter after all
            self.open_orders.pop(phone, None)
            op = "close_at_intake"
            row = await run_ops(self.platform, who, None, [("create", new), (op, self._payload(rng, op, plan, call_id, new))])
        if row is not None:
            self.intake[op] = self.intake.get(op, 0) + 1
            if op == "dispatch":
                self.open_orders[phone] = (row["number"], category)

    # -- the result ------------------------------------------------------------------------------

    def period(self) -> tuple[date, date]:
        end = self.scheduler.moment() - timedelta(microseconds=1)
        return self.start.date(), max(self.start.date(), end.date())

    async def _summary(self) -> dict:
        first, last = self.period()
        async with self.platform.db.read() as conn:
            figures = await metrics.compute(conn, first, last)
            o = db.work_orders
            statuses = dict((await conn.execute(select(o.c.status, func.count()).group_by(o.c.status))).all())
            first_day = await self._first_day(conn, first)
        return {
            "from": first.isoformat(), "to": last.isoformat(), "days": self.days,
            "calls_per_hour": self.calls_per_hour, "seed": self.seed, "agents": self.agent_count,
            "calls": figures["calls_arrived"], "answered": figures["calls_answered"],
            "abandoned": figures["calls_abandoned"], "orders": figures["orders_total"],
            "closed": figures["orders_closed"], "answer_rate": figures["answer_rate"],
            "answered_15s_rate": figures["answered_15s_rate"], "satisfaction_rate": figures["satisfaction_rate"],
            "statuses": dict(sorted(statuses.items())), "intake": dict(sorted(self.intake.items())),
            "office_actions": self.office.applied, "office_refused": self.office.refused,
            "callbacks": self.desk.applied, "partner_actions": self.partners.applied if self.partners else 0,
            "first_day": first_day, "steps": self.scheduler.steps,
        }

    async def _first_day(self, conn, first: date) -> dict:  # noqa: ANN001
        """Where each order of the first day stands at the end, and the rule that explains it."""
        o = db.work_orders
        rows = (await conn.execute(select(o.c.number, o.c.status, o.c.created_at, o.c.updated_at, o.c.deadline,
                                          o.c.replied_at, o.c.supervised, o.c.transfer_target))).mappings().all()
        now = self.scheduler.moment()
        reasons: dict[str, int] = {}
        unexplained: list[str] = []
        for row in rows:
            if clock.parse(row["created_at"]).date() != first:
                continue
            reason = explain(dict(row), now, self.platform.calendar)
            reasons[reason] = reasons.get(reason, 0) + 1
            if reason == UNEXPLAINED:
                unexplained.append(row["number"])
        return {"orders": sum(reasons.values()), "by_rule": dict(sorted(reasons.items())),
                "unexplained": len(unexplained), "unexplained_orders": unexplained[:20]}


UNEXPLAINED = "unexplained"


def explain(order: dict, now: datetime, calendar: WorkCalendar) -> str:
    """The rule that explains where an order stands at `now`, or UNEXPLAINED: ended (closed,
    merged, at intake, transferred to an emergency line); with a unit or a partner platform within
    its deadline, or past it and supervised; replied with its callback due within
    CALLBACK_WORKING_DAYS working days, or late and supervised; waiting for a review or for the
    dispatcher since less than a working day."""
    status = WorkOrderStatus(order["status"])
    if status in TERMINAL_STATUSES:
        return str(status)
    due = None
    if status in HANDLING_STATUSES or status == WorkOrderStatus.partner_handling:
        due = clock.parse(order["deadline"]) if order.get("deadline") else None
        late = "handling_overdue_supervised"
        within = "partner_within_deadline" if status == WorkOrderStatus.partner_handling else "handling_within_deadline"
    elif status == WorkOrderStatus.replied and order.get("replied_at"):
        due = calendar.add_working_days(clock.parse(order["replied_at"]), CALLBACK_WORKING_DAYS).due
        late, within = "callback_overdue_supervised", "awaiting_callback"
    elif status in (WorkOrderStatus.accepted, WorkOrderStatus.repeat_review):
        due = calendar.add_working_days(clock.parse(order["updated_at"]), 1).due
        late, within = UNEXPLAINED, "awaiting_dispatch_or_review"
    else:
        return UNEXPLAINED
    if due is None:
        return UNEXPLAINED
    if now <= due:
        return within
    return late if order.get("supervised") else UNEXPLAINED


async def simulate(url: str, days: float, calls_per_hour: float, seed: int, agents: int | None = None,
                   start: date | None = None, **rates) -> dict:  # noqa: ANN003
    moment = datetime.combine(start, day_time(), tzinfo=clock.CENTRE_TZ) if start else None
    sim = Simulation(url, days=days, calls_per_hour=calls_per_hour, seed=seed, agents=agents, start=moment, **rates)
    return await sim.run()
