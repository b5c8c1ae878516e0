"""The department simulator: plays the handling units and the dispatcher who reviews their
applications, for the demo (`hotline-central serve --departments`) and for simulations.

It works like any outside system would: it follows the change feed, and acts through the work-order
operations (`central.orders`, as the mutations endpoint calls them, each in one transaction) as the
system user "simulator" (a dispatcher, who may act for any unit). Units sign for what is dispatched to them within hours, reply within days, and
sometimes ask to return an order or to extend its deadline; the reviewer approves or refuses those
applications and the unreasonable-repeat ones, dispatches a returned order again elsewhere, and
flags some orders as law enforcement or mediation (their satisfaction is reported apart, R15).
Every rate and delay is in OfficeRates; delays are lognormal around a median. It takes on the orders
that change after it starts.
"""
from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

from sqlalchemy import select

from central import catalog, db, dispatch_rules, feed, orders
from central.errors import ApiError
from central.permissions import Role, allowed
from central.security import Claims
from domain import clock
from domain.catalog import UnitKind, suggest_dispatch
from domain.workorder import HANDLING_STATUSES, PARTNER_KINDS

log = logging.getLogger(__name__)

SIMULATOR = "simulator"
MAX_REFUSALS = 3  # an order whose actions keep being refused is left alone


@dataclass(frozen=True)
class OfficeRates:
    poll_s: float = 60.0  # how often the change feed is read
    spread: float = 0.8  # sigma of every lognormal delay
    sign_median_s: float = 2 * 3600.0
    reply_median_s: float = 18 * 3600.0
    return_rate: float = 0.04  # the lead unit asks to return the order instead of signing for it
    extension_rate: float = 0.06  # the lead unit asks for more time before it replies
    extension_days: tuple[int, int] = (3, 10)
    review_median_s: float = 1.5 * 3600.0
    return_approve_rate: float = 0.5
    extension_approve_rate: float = 0.8
    unreasonable_approve_rate: float = 0.6
    law_enforcement_rate: float = 0.08  # of the dispatched orders, flagged by the reviewer
    mediation_rate: float = 0.05
    partner_progress_median_s: float = 4 * 3600.0  # a partner platform (12315, another city's 12345)
    partner_reply_median_s: float = 30 * 3600.0
    partner_return_rate: float = 0.05  # of the orders transferred to a partner, sent back as not its matter
    callback_median_s: float = 4 * 3600.0  # the callback simulator (central/simulate.py)
    callback_retry_s: float = 2 * 3600.0
    unreached_rate: float = 0.15
    never_reached_rate: float = 0.03  # requesters never reached: closed as unreachable by the rule
    satisfaction_weights: tuple[int, int, int, int, int] = (45, 30, 12, 9, 4)  # very satisfied .. very dissatisfied
    resolved_if_satisfied: float = 0.93
    resolved_if_dissatisfied: float = 0.35

    def faster(self, factor: float) -> OfficeRates:
        """Every delay divided by factor: a demo shows a day's handling in minutes."""
        delays = {f.name: getattr(self, f.name) / factor for f in fields(self) if f.name.endswith("_s")}
        return replace(self, **delays)


def lognormal(rng: random.Random, median_s: float, spread: float) -> float:
    return rng.lognormvariate(math.log(max(median_s, 1e-3)), spread)


async def system_user(platform, username: str, display_name: str, role: Role,  # noqa: ANN001
                      unit_id: str | None = None) -> Claims:
    """The user a simulator acts as, made when the database lacks it. A user made here cannot sign
    in: its password hash is not a hash."""
    u = db.users
    async with platform.db.write() as conn:
        row = (await conn.execute(select(u.c.id, u.c.role, u.c.unit_id).where(u.c.username == username))).first()
        if row is None:
            await conn.execute(u.insert().values(username=username, display_name=display_name, role=str(role),
                                                 password_hash="!", active=True, created_at=clock.stamp(),
                                                 unit_id=unit_id))
            row = (await conn.execute(select(u.c.id, u.c.role, u.c.unit_id).where(u.c.username == username))).first()
    return Claims(user_id=row.id, username=username, role=row.role, seat="SIM",
                  expires=int(time.time()) + 10 * 365 * 86400, unit_id=row.unit_id)


async def run_ops(platform, who: Claims, number: str | None, ops: list[tuple[str, dict]]) -> dict | None:  # noqa: ANN001
    """Apply work-order operations in one transaction, as the mutations endpoint would (without its
    idempotency log: a simulator does not retry): "create" first when number is None. Returns the
    order as it ends, or None when an operation is refused (then nothing is applied)."""
    try:
        parsed = [(op, orders.parse_payload(op, payload)) for op, payload in ops]
        for op, _ in parsed:
            if not allowed(who.role, orders.permission(op)):
                raise ApiError(403, "forbidden", f"role {who.role!r} may not {orders.permission(op)}")
        async with platform.db.write() as conn:
            row = None
            for op, data in parsed:
                if op == "create":
                    row = await orders.create(conn, who, data)
                else:
                    row = await orders.transition(conn, who, row["number"] if row else number, op, data,
                                                  platform.calendar)
    except ApiError as exc:
        log.debug("simulated %s refused: %s", "+".join(op for op, _ in ops), exc.code)
        return None
    platform.changed()
    return row


class FeedActor:
    """Something that follows the work orders through the change feed and acts on them later, one
    planned action per (order, part) at a time."""

    def __init__(self, platform, who: Claims, rates: OfficeRates, rng: random.Random) -> None:  # noqa: ANN001
        self.platform = platform
        self.who = who
        self.rates = rates
        self.rng = rng
        self.cursor = 0
        self.applied = 0
        self.refused = 0
        self._planned: dict[tuple[str, str], str] = {}  # (number, part) -> the state the action is for
        self._refusals: dict[str, int] = {}
        self._poll = None
        self._on = False

    async def start(self) -> None:
        async with self.platform.db.read() as conn:
            self.cursor = await feed.head(conn)
        self._on = True
        self._poll = self.platform.scheduler.call_later(self.rates.poll_s, self._tick)

    def stop(self) -> None:
        self._on = False
        if self._poll is not None:
            self._poll.cancel()

    def _tick(self) -> None:
        if not self._on:
            return
        self._poll = self.platform.scheduler.call_later(self.rates.poll_s, self._tick)
        self.platform.spawn(self._read(), f"{type(self).__name__} feed read")

    async def _read(self) -> None:
        """Each order changed since the last read, as it is now (its newest row in the feed)."""
        newest: dict[str, dict] = {}
        more = True
        while more:
            async with self.platform.db.read() as conn:
                items, more = await feed.page(conn, self.cursor, 1000)
            for item in items:
                self.cursor = item["seq"]
                if item["entity"] == "work_order" and item["data"]:
                    newest.pop(item["id"], None)  # keep the order of the last changes
                    newest[item["id"]] = item["data"]
        for row in newest.values():
            self.see(row)

    def see(self, row: dict) -> None:
        raise NotImplementedError

    def plan(self, number: str, part: str, state: str, delay: float,
             act: Callable[[], tuple[str, dict] | None]) -> None:
        """Once per (order, part, state): after `delay`, `act()` gives the operation to apply (or None)."""
        if self._planned.get((number, part)) == state or self._refusals.get(number, 0) >= MAX_REFUSALS:
            return
        self._planned[(number, part)] = state
        self.platform.scheduler.call_later(delay, self._fire, number, part, act)

    def _fire(self, number: str, part: str, act: Callable[[], tuple[str, dict] | None]) -> None:
        if not self._on:
            return
        self._planned.pop((number, part), None)
        if (operation := act()) is not None:
            self.platform.spawn(self.apply(number, *operation), "simulated handling")

    def acting(self, number: str) -> Claims:
        """The user an action on the order is taken as."""
        return self.who

    async def apply(self, number: str, op: str, payload: dict) -> dict | None:
        row = await run_ops(self.platform, self.acting(number), number, [(op, payload)])
        if row is not None:
            self.applied += 1
            return row
        self.refused += 1
        self._refusals[number] = self._refusals.get(number, 0) + 1
        # nothing changed, so the feed will not bring the order again: look at it as it is now
        async with self.platform.db.read() as conn:
            current = await orders.find(conn, number)
        if current is not None:
            self.see(current)
        return None


class DepartmentSimulator(FeedActor):
    """The handling units, and the dispatcher who reviews their applications."""

    def __init__(self, platform, who: Claims, rates: OfficeRates | None = None,  # noqa: ANN001
                 rng: random.Random | None = None) -> None:
        super().__init__(platform, who, rates or OfficeRates(), rng or random.Random())
        self._to_dispatch: set[str] = set()  # returns approved, repeats found reasonable: to dispatch (again)
        self._asked_return: set[str] = set()
        self._asked_extension: set[str] = set()
        self._flagged: set[str] = set()
        self.units: list = []
        self.districts: list = []
        self.rules: list = []
        self.tree = None

    async def start(self) -> None:
        async with self.platform.db.read() as conn:
            self.tree = await catalog.load_tree(conn)
            ids = (await conn.execute(select(db.handling_units.c.id).order_by(db.handling_units.c.id))).scalars().all()
            self.units = [await catalog.load_unit(conn, i) for i in ids]
            self.rules = await dispatch_rules.load(conn)
        self.districts = [u for u in self.units if u.kind == UnitKind.district]
        await super().start()

    def _delay(self, median_s: float) -> float:
        return lognormal(self.rng, median_s, self.rates.spread)

    def see(self, row: dict) -> None:
        number, status, r = row["number"], row["status"], self.rates
        # back at the centre: a return approved, a repeat found reasonable, or sent back by a partner
        if status == "accepted" and (number in self._to_dispatch or row.get("transfer_target")):
            self._to_dispatch.add(number)
            self.plan(number, "dispatcher", status, self._delay(r.review_median_s), lambda: self._dispatch_again(row))
        elif status in ("return_review", "extension_review", "repeat_review"):
            self.plan(number, "dispatcher", status, self._delay(r.review_median_s), lambda: self._review(row))
        if status not in HANDLING_STATUSES:
            return
        if number not in self._flagged:
            self._flagged.add(number)
            roll = self.rng.random()
            kind = "law_enforcement" if roll < r.law_enforcement_rate else \
                "mediation" if roll < r.law_enforcement_rate + r.mediation_rate else None
            if kind:
                self.plan(number, "flag", kind, self._delay(r.review_median_s / 4), lambda: ("flag", {"case_kind": kind}))
        for unit in row.get("units") or ():
            self._unit_step(number, unit)

    def _unit_step(self, number: str, unit: dict) -> None:
        r, unit_id, state, lead = self.rates, unit["unit_id"], unit["state"], unit.get("role") == "lead"
        if state == "dispatched":
            if lead and number not in self._asked_return and self.rng.random() < r.return_rate:
                self._asked_return.add(number)
                self.plan(number, unit_id, state, self._delay(r.sign_median_s), lambda: (
                    "apply_return", {"unit_id": unit_id, "reason": "经核实，该诉求不属于本单位职责范围，申请退回。"}))
            else:
                self.plan(number, unit_id, state, self._delay(r.sign_median_s), lambda: ("sign", {"unit_id": unit_id}))
        elif state == "in_progress":
            if lead and number not in self._asked_extension and self.rng.random() < r.extension_rate:
                self._asked_extension.add(number)
                days = self.rng.randint(*r.extension_days)
                self.plan(number, unit_id, state, self._delay(r.reply_median_s / 3), lambda: (
                    "apply_extension", {"unit_id": unit_id, "working_days": days,
                                        "reason": "涉及多个部门协调，需延期办理。"}))
            else:
                self.plan(number, unit_id, state, self._delay(r.reply_median_s), lambda: (
                    "reply", {"unit_id": unit_id, "reply": "经核查，已按相关规定处理，并已与来电人沟通说明情况。"}))

    def _review(self, row: dict) -> tuple[str, dict]:
        status, r = row["status"], self.rates
        op, rate = {"return_review": ("review_return", r.return_approve_rate),
                    "extension_review": ("review_extension", r.extension_approve_rate),
                    "repeat_review": ("review_unreasonable", r.unreasonable_approve_rate)}[status]
        approve = self.rng.random() < rate
        if (op, approve) in (("review_return", True), ("review_unreasonable", False)):
            self._to_dispatch.add(row["number"])  # back at the centre: it goes to a unit
        return op, {"decision": "approve" if approve else "refuse", "note": "同意" if approve else "请继续办理"}

    def _dispatch_again(self, row: dict) -> tuple[str, dict]:
        self._to_dispatch.discard(row["number"])
        self._asked_return.add(row["number"])  # a second unit does not return it again
        lead, assisting = self.suggestion(row["category_id"], row.get("address_district") or "",
                                          row.get("address_street") or "", exclude=row.get("handling_unit_id"))
        return "dispatch", {"handling_unit_id": lead, "assisting_unit_ids": assisting}

    def suggestion(self, category_id: str, district: str = "", street: str = "",
                   exclude: str | None = None) -> tuple[str, list[str]]:
        """(lead, assisting) as the centre's dispatch rule table gives them (domain `suggest_dispatch`),
        never `exclude` (the unit that returned it); else a district at random."""
        path = self.tree.path(category_id) if self.tree and category_id in self.tree else []
        found = suggest_dispatch(self.rules, [u for u in self.units if u.id != exclude], path, district, street)
        if found is not None:
            return found.lead.id, [u.id for u in found.assisting]
        return self.rng.choice([u for u in self.districts if u.id != exclude]).id, []

    def unit_for(self, category_id: str, exclude: str | None = None) -> str:
        return self.suggestion(category_id, exclude=exclude)[0]


class PartnerSimulator(FeedActor):
    """The partner platforms (flow-back, R5-R6): the sub-centres (12315, 12333, 12366 ...) and other
    cities' 12345 lines. Each acts as its own partner user, so the platform checks it as it checks a
    real partner: on an order transferred to it, it reports its progress, then its result (the
    centre's callback follows); a few it sends back as not their matter. A reopened order it answers
    again."""

    def __init__(self, platform, partners: dict[str, Claims], rates: OfficeRates | None = None,  # noqa: ANN001
                 rng: random.Random | None = None) -> None:
        first = next(iter(partners.values()))
        super().__init__(platform, first, rates or OfficeRates(), rng or random.Random())
        self.partners = partners  # unit id -> the partner user acting for it
        self._targets: dict[str, str] = {}  # order -> the partner it was transferred to
        self._reported: set[str] = set()  # orders whose progress is reported

    def acting(self, number: str) -> Claims:
        return self.partners[self._targets[number]]

    def see(self, row: dict) -> None:
        number, status, target, r = row["number"], row["status"], row.get("transfer_target"), self.rates
        if target not in self.partners or status not in ("partner_handling", "reopened"):
            return
        self._targets[number] = target
        ref = f"{target}-{number[-6:]}"
        reply = ("partner_reply", {"reply": "经核查，已依法处理并答复消费者。", "partner_ref": ref})
        if status == "reopened":
            self.plan(number, "partner", f"{status}-{row.get('reopen_count')}",
                      lognormal(self.rng, r.partner_reply_median_s / 2, r.spread), lambda: reply)
        elif number not in self._reported:
            self._reported.add(number)
            back = self.rng.random() < r.partner_return_rate
            self.plan(number, "partner", "progress", lognormal(self.rng, r.partner_progress_median_s, r.spread),
                      lambda: ("partner_return", {"reason": "经核实，该诉求不属于本平台受理范围。"}) if back
                      else ("partner_progress", {"note": "已受理，正在核查处理。", "partner_ref": ref}))
        else:
            self.plan(number, "partner", "reply", lognormal(self.rng, r.partner_reply_median_s, r.spread),
                      lambda: reply)


async def start_partners(platform, rates: OfficeRates | None = None,  # noqa: ANN001
                         rng: random.Random | None = None) -> PartnerSimulator | None:
    """One partner user per partner platform in the catalogue (made when missing), and the simulator
    acting as them; None when the catalogue has no partner platform."""
    u = db.handling_units
    async with platform.db.read() as conn:
        units = (await conn.execute(select(u.c.id, u.c.name).where(u.c.kind.in_(sorted(PARTNER_KINDS)))
                                    .order_by(u.c.id))).all()
    if not units:
        return None
    partners = {unit_id: await system_user(platform, f"sim_partner_{unit_id}", f"{name}（模拟）", Role.partner, unit_id)
                for unit_id, name in units}
    sim = PartnerSimulator(platform, partners, rates, rng)
    await sim.start()
    return sim


async def start_departments(platform, rates: OfficeRates | None = None,  # noqa: ANN001
                            seed: int | None = None) -> list[FeedActor]:
    """The department simulator and the partner platforms' (the demo's `--departments`)."""
    who = await system_user(platform, SIMULATOR, "部门模拟器", Role.dispatcher)
    sim = DepartmentSimulator(platform, who, rates, random.Random(seed))
    await sim.start()
    partners = await start_partners(platform, rates, random.Random(None if seed is None else seed + 1))
    return [sim] + ([partners] if partners is not None else [])
