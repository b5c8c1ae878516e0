"""The team lead's wallboard: one object with the queue, the agents and what each is doing, today's
calls, and the work orders near or over their deadline.

The live half comes from the router (central/routing.py); the orders come from the database,
queried again when an order changed or when half a minute has passed (a deadline passes without any
change). The object is served by GET /api/v1/wallboard and pushed as the SSE event "wallboard" to the
connected users whose role may watch the queue: at most every 500 ms while things change, and once a
second otherwise (the time in state keeps moving).

The pushes are timers on the platform's scheduler, like the router's: real time in a server, the
simulated clock in a simulation, a clock the test drives in a test. No timer runs while no one
connected may watch (a simulation's seats are agents), and stopping is cancelling a timer.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import db
from central.permissions import allowed
from central.routing import DayTally
from domain import clock
from domain.calendar import WorkCalendar
from domain.workorder import ACTIVE_UNIT_STATES, HANDLING_STATUSES

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 0.5
MAX_INTERVAL_S = 1.0
ORDERS_MAX_AGE_S = 30.0
URGENT_NEAR = timedelta(hours=2)


def near_threshold(calendar: WorkCalendar | None, now: datetime) -> datetime:
    """An order is near its deadline within one working day of it (the end of the next working day)."""
    if calendar is None:
        return now + timedelta(days=1)
    return calendar.add_working_days(now, 1).due


async def deadline_counts(conn: AsyncConnection, now: datetime, calendar: WorkCalendar | None) -> tuple[int, int]:
    """(near, overdue) orders, as the supervision sweep sees them: an order in handling by the
    earliest deadline of its units still working on it; near within one working day (two hours when
    urgent). Stamps share one offset, so they compare as text."""
    o, u = db.work_orders, db.order_units
    due = (select(u.c.number, func.min(u.c.deadline).label("deadline"))
           .where(u.c.state.in_([str(s) for s in ACTIVE_UNIT_STATES]))
           .group_by(u.c.number).subquery())
    at = clock.stamp(now)
    near_normal = and_(o.c.urgency != "urgent", due.c.deadline <= clock.stamp(near_threshold(calendar, now)))
    near_urgent = and_(o.c.urgency == "urgent", due.c.deadline <= clock.stamp(now + URGENT_NEAR))
    row = (await conn.execute(
        select(func.coalesce(func.sum(case((and_(due.c.deadline >= at, or_(near_normal, near_urgent)), 1), else_=0)), 0),
               func.coalesce(func.sum(case((due.c.deadline < at, 1), else_=0)), 0))
        .select_from(due.join(o, o.c.number == due.c.number))
        .where(o.c.status.in_([str(s) for s in HANDLING_STATUSES])))).one()
    return int(row[0]), int(row[1])


async def day_tally(conn: AsyncConnection, day: date) -> DayTally:
    """Today's calls as the database has them, for a platform that starts in the middle of a day."""
    tally = DayTally(day)
    start = datetime.combine(day, time(), tzinfo=clock.CENTRE_TZ)
    c = db.calls
    rows = await conn.execute(select(c.c.arrived_at, c.c.answered_at, c.c.state).where(
        c.c.arrived_at >= clock.stamp(start), c.c.arrived_at < clock.stamp(start + timedelta(days=1))))
    for arrived_at, answered_at, state in rows:
        arrived = clock.parse(arrived_at)
        tally.arrive(arrived)
        if answered_at is not None:
            tally.answer(arrived, clock.parse(answered_at))
        elif state == "ended":
            tally.abandon(arrived)
    return tally


class Wallboard:
    def __init__(self, platform) -> None:  # noqa: ANN001
        self.platform = platform
        self.scheduler = platform.scheduler
        self._users: dict[int, tuple[str, str]] = {}  # user id -> (display name, role)
        self._connected: set[int] = set()
        self._orders = (0, 0)
        self._orders_at: float | None = None  # scheduler time of the last query; None: query again
        self._on = False
        self._dirty = False  # changed since the last push
        self._recheck = False  # someone connected: find out at the next push whether they may watch
        self._watching = False  # the last push had someone to push to
        self._pushing = False
        self._last = float("-inf")  # scheduler time of the last push
        self._timer = None  # the next push (a scheduler handle), due at self._due
        self._due = 0.0
        platform.broker.on_presence.append(self._presence)
        platform.router.on_change.append(self.changed)

    async def start(self) -> None:
        async with self.platform.db.read() as conn:
            self.platform.router.today = await day_tally(conn, clock.now().date())
        self._on = True
        self._recheck = bool(self._connected)
        self.changed()

    async def stop(self) -> None:
        """No push starts after this; one under way is a platform task (Platform.stop drains it)."""
        self._on = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def changed(self) -> None:
        self._dirty = True
        self._arm()

    def orders_changed(self) -> None:
        self._orders_at = None
        self.changed()

    def _presence(self, user_id: int, connected: bool) -> None:
        if connected:
            self._connected.add(user_id)
            self._recheck = True
        else:
            self._connected.discard(user_id)
        self.changed()

    def _arm(self) -> None:
        """Set the timer of the next push: 500 ms after the last one when something changed, a second
        after it otherwise; none while no one may watch."""
        if not self._on or self._pushing:
            return  # the push under way arms the next when it ends
        if self._dirty and (self._watching or self._recheck):
            gap = MIN_INTERVAL_S
        elif self._watching:
            gap = MAX_INTERVAL_S
        else:
            return
        now = self.scheduler.now()
        due = max(now, self._last + gap)
        if self._timer is not None:
            if self._due <= due:
                return
            self._timer.cancel()
        self._due, self._timer = due, self.scheduler.call_later(due - now, self._fire)

    def _fire(self) -> None:
        self._timer = None
        if not self._on:
            return
        self._last = self.scheduler.now()
        self._dirty = self._recheck = False
        self._pushing = True
        self.platform.spawn(self._push(), "wallboard push")

    async def _push(self) -> None:
        try:
            watchers = await self._watchers()
            self._watching = bool(watchers)
            if watchers:
                board = await self.snapshot()
                for user_id in watchers:
                    self.platform.broker.publish(user_id, "wallboard", board)
        except Exception:  # a failed query must not end the pushes for good
            log.exception("wallboard push failed")
        finally:
            self._pushing = False
            self._arm()

    async def _learn_users(self, ids: set[int]) -> None:
        missing = ids - self._users.keys()
        if not missing:
            return
        u = db.users
        async with self.platform.db.read() as conn:
            rows = await conn.execute(select(u.c.id, u.c.display_name, u.c.role).where(u.c.id.in_(missing)))
            self._users.update({r.id: (r.display_name, r.role) for r in rows})

    async def snapshot(self) -> dict:
        router = self.platform.router
        now = self.scheduler.now()
        if self._orders_at is None or now - self._orders_at > ORDERS_MAX_AGE_S:
            self._orders_at = now  # before the query: a change during it asks for another
            async with self.platform.db.read() as conn:
                self._orders = await deadline_counts(conn, clock.now(), self.platform.calendar)
        for _ in range(2):  # a seat may sign in while the names are read
            await self._learn_users(set(router.seats))
        board = router.board({u: name for u, (name, _) in self._users.items()})
        near, overdue = self._orders
        return {"at": clock.stamp(), **board, "orders_near_deadline": near, "orders_overdue": overdue}

    async def _watchers(self) -> list[int]:
        await self._learn_users(set(self._connected))
        return [u for u in self._connected if u in self._users and allowed(self._users[u][1], "queue.watch")]
