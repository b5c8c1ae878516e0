"""One contract for the lists the desk shows: my orders, the callback queue, missed calls,
escalations, reviews, supervisions and the wallboard.

Every list service has:
- `items`: what is shown (for escalations a dict by id);
- `fetched_at`: when the platform gave what is shown (a datetime; None before any answer);
- `offline`: the last read found the platform unreachable, or the link went down since;
- `offline_since`: the monotonic time `offline` became true (None while online);
- `error`: the platform's reason when it refused the last read ("" otherwise);
- `allowed`: False once the platform said this role may not read the list (events stop asking);
- signals `changed()` after every read (a failed one too: see `offline`, `error`) and every
  local change, and `rejected(Rejection)` when the platform refused a change made here;
- `start()` (the page opens: read now, and from then on when events say so), `refresh()` (read
  now), `refresh_soon(delay_s)` (read after a short delay: every request before the read starts is
  served by it, a sooner one moves it forward, one made while a read is on its way brings one more
  read after it) and `close()` (stop listening, cancel what is planned; harmless twice).

A list read from the platform may also be kept in the seat's cache (`offline_cache.lists`), so a
page opened offline still shows what there was, with its time: subclasses that set `keep` say
what to keep (`_to_keep`) and how to show it again (`_cached`).
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from domain import clock
from offline_cache import lists
from offline_cache.store import Rejection
from workstation.observable import Signal, Subscriptions
from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable
from workstation.sync import LinkState, SyncService

log = logging.getLogger(__name__)

REFRESH_DELAY_S = 0.3  # requests within this time after the first cost one read

NO_ANSWER = object()  # what `_ask` returns when the platform did not give the list


class ListService:
    name = "list"
    keep = False  # kept in the seat's cache for an offline start

    def __init__(self, client: PlatformClient, sync: SyncService, *,
                 refresh_delay_s: float = REFRESH_DELAY_S, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.client, self.sync = client, sync
        self.monotonic = monotonic  # the clock of `offline_since` (a test drives its own)
        self.store = sync.store
        self.refresh_delay_s = refresh_delay_s
        self.items: Any = []
        self.fetched_at: datetime | None = None
        self.offline = False
        self.offline_since: float | None = None
        self.error = ""
        self.allowed = True
        self.started = False
        self.closed = False
        self.changed = Signal(f"{self.name}_changed")
        self.rejected = Signal(f"{self.name}_rejected")
        self._subs = Subscriptions()
        self._tasks: set[asyncio.Task] = set()
        self._generation = 0   # only the newest read may replace the list
        self._soon: asyncio.Task | None = None
        self._soon_at = 0.0    # when the planned read runs (loop time)
        self._reading = False  # the planned read is on its way
        self._again_at: float | None = None  # asked for meanwhile: one more read then
        self._seen_rejections = {r.mutation_id for r in self.store.rejections(include_dismissed=True)}
        self.listen(sync.link_changed, self._on_link)
        self.listen(sync.rejections_changed, self._on_rejections)

    def listen(self, signal: Signal, slot: Callable[..., Any]) -> None:
        """Connect to another service's signal until `close()`."""
        self._subs.connect(signal, slot)

    def close(self) -> None:
        self.closed, self.started = True, False
        self._subs.close()
        for task in (self._soon, *self._tasks):
            if task is not None:
                task.cancel()
        self._soon = None

    @property
    def username(self) -> str:
        session = self.client.session
        return str(session.user.get("username", "")) if session is not None else ""

    # -- reading ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Show the kept list at once (when nothing fresher is there), then read the platform's."""
        if not self.started:
            self.started = True
            if self.keep:
                self._spawn(self._load_kept())
        await self.refresh()

    async def refresh(self) -> Any:
        raise NotImplementedError

    async def _ask(self, read: Callable[[], Awaitable[Any]], generation: int | None = None) -> Any:
        """The platform's answer to `read`, or `NO_ANSWER` when it did not give one: then `offline`
        (unreachable, or a transient refusal), `error` (its reason) and `allowed` (403) say why.
        With `generation`, only the newest read records its failure."""
        try:
            body = await read()
        except PlatformUnreachable:
            if generation is None or generation == self._generation:
                log.info("%s: platform unreachable, keeping the list of %s", self.name, self.fetched_at or "never")
                self._set_offline(True)
            return NO_ANSWER
        except PlatformError as exc:
            if exc.status == 403:
                self.allowed = False  # events no longer ask for it
            if generation is None or generation == self._generation:
                log.warning("%s refused: %s %s", self.name, exc.status, exc.code)
                self._set_offline(exc.transient)
                self.error = "" if exc.transient else (exc.message or exc.code)
            return NO_ANSWER
        self.allowed = True
        return body

    def _fresh(self) -> None:
        """The platform has just given the list."""
        self.fetched_at, self.error = clock.now(), ""
        self._set_offline(False)

    def _set_offline(self, offline: bool) -> None:
        if offline and not self.offline:
            self.offline_since = self.monotonic()
        elif not offline:
            self.offline_since = None
        self.offline = offline

    def _may_refresh(self) -> bool:
        """Whether events may ask for a read now."""
        return not self.closed

    def refresh_soon(self, delay_s: float | None = None) -> None:
        """Read after a short delay (see the module's doc)."""
        if not self._may_refresh():
            return
        loop = asyncio.get_running_loop()
        at = loop.time() + (self.refresh_delay_s if delay_s is None else delay_s)
        if self._soon is not None and not self._soon.done():
            if self._reading:
                self._again_at = at if self._again_at is None else min(at, self._again_at)
                return
            if at >= self._soon_at:
                return
            self._soon.cancel()  # asked sooner than the read planned
        self._soon_at, self._again_at = at, None
        self._soon = loop.create_task(self._refresh_later(), name=f"{self.name}-refresh")

    async def _refresh_later(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.closed:
            await asyncio.sleep(max(0.0, self._soon_at - loop.time()))
            self._reading = True
            try:
                await self._soon_refresh()
            finally:
                self._reading = False
            if self._again_at is None:
                return
            self._soon_at, self._again_at = self._again_at, None

    async def _soon_refresh(self) -> None:
        """The read `refresh_soon` plans."""
        await self.refresh()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)  # a task nobody holds may be collected before it ends
        task.add_done_callback(self._tasks.discard)

    # -- the list kept for offline ------------------------------------------------------------------

    async def _load_kept(self) -> None:
        def work() -> lists.FetchedList | None:
            lists.ensure_schema(self.store)
            return lists.load(self.store, self.name)
        try:
            kept = await self.sync.write(work)
        except sqlite3.Error as exc:
            log.warning("%s: the kept list could not be read (%s)", self.name, type(exc).__name__)
            return
        except RuntimeError:  # the seat closed meanwhile (its writer is shut down)
            log.debug("%s: the seat closed before the kept list was read", self.name)
            return
        if kept is not None and self.fetched_at is None:  # a read that came first is fresher
            self._cached(kept.data)
            try:
                self.fetched_at = clock.parse(kept.fetched_at)
            except ValueError:
                self.fetched_at = None
            self.changed.emit()

    def _keep(self) -> None:
        """Keep what is shown for the next offline start, on the writer thread."""
        if self.keep and self.fetched_at is not None:
            self._spawn(self._save(self._to_keep(), clock.stamp(self.fetched_at)))

    async def _save(self, data: Any, at: str) -> None:
        try:
            await self.sync.write(lists.save, self.store, self.name, data, at)
        except sqlite3.Error as exc:  # a full disk: the page works on, the next start fetches again
            log.warning("%s not kept in the cache (%s)", self.name, type(exc).__name__)
        except RuntimeError:  # the seat closed meanwhile (its writer is shut down): nothing to keep it in
            log.debug("%s: the seat closed before the list was kept", self.name)

    def _cached(self, data: Any) -> None:
        """Show a kept list again."""

    def _to_keep(self) -> Any:
        return None

    # -- what the sync service says -----------------------------------------------------------------

    def _on_link(self, state: LinkState) -> None:
        if self.closed:
            return
        if state == LinkState.offline and not self.offline:
            self._set_offline(True)
            self.changed.emit()
        elif state == LinkState.online and self.offline:
            if self.allowed and self._may_refresh():
                self.refresh_soon()  # the read says whether the platform is back
            else:
                self._set_offline(False)
                self.changed.emit()

    def _mine(self, rejection: Rejection) -> bool:
        """Whether a refused change is one of this list's."""
        return False

    def _refused(self, rejection: Rejection) -> None:
        """A change of ours the platform refused (before `rejected` is emitted)."""

    def _on_rejections(self, _count: int) -> None:
        refused = []
        for rejection in self.store.rejections(include_dismissed=True):
            if rejection.mutation_id not in self._seen_rejections:
                self._seen_rejections.add(rejection.mutation_id)
                if self._mine(rejection):
                    refused.append(rejection)
        for rejection in refused:
            log.info("%s: change refused: %s %s (%s)", self.name, rejection.entity, rejection.op, rejection.code)
            self._refused(rejection)
            self.rejected.emit(rejection)
        if refused:
            self.changed.emit()
            self.refresh_soon()  # the platform's state replaces what was shown here


def items_of(body: Any) -> list[dict]:
    """A list answer: `{"items": [...]}` (or a bare list)."""
    items = body.get("items", []) if isinstance(body, dict) else body
    return [dict(i) for i in items or [] if isinstance(i, dict)]
