"""Sync between the local cache and the platform, on the asyncio loop.

Three tasks: the uploader drains the outbox in order (retrying with exponential backoff and
jitter network errors, 5xx, and any answer the platform did not make, such as a proxy's HTML 404;
only a 4xx with the platform's own error body is a rejection: the mutation is kept with the reason,
later mutations of the same subject are held behind it until the agent resends or discards it,
and the queue moves on with the others); the downloader pages the change feed, each page applied
with its cursor in one transaction (a full, resumable resync from snapshots when the cache is new
or the cursor too old); the listener keeps the event stream open and wakes the downloader, while
polling covers a dead stream. SQLite work runs on one writer thread so that the loop (the GUI's)
never waits on it.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

from domain import phone
from domain.roles import allowed as allowed_role
from offline_cache import kb_terms, textsearch, workorders
from offline_cache.store import CacheStore, Mutation, Rejection
from workstation.observable import Signal
from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable

log = logging.getLogger(__name__)
T = TypeVar("T")
PUSHED_KEPT = 20  # `changes` events waiting for the downloader; with more, the oldest go (the feed is read)

# Snapshot order of a full resync: reference data first, so the agent can search soonest.
# (appended at the end: a resync under way keeps its place in the list across an upgrade)
ENTITIES = ("category", "handling_unit", "synonym", "agent_text", "kb_entry", "caller", "work_order", "kb_boost",
            "kb_notice", "dispatch_rule")


class LinkState(StrEnum):
    online = "online"
    reconnecting = "reconnecting"
    offline = "offline"


@dataclass
class Backoff:
    """Exponential backoff with full jitter: a random wait up to base * 2^attempt, capped."""

    base_s: float = 0.5
    cap_s: float = 30.0
    rng: random.Random = random.Random()

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.cap_s, self.base_s * 2 ** min(attempt, 30)))


class SyncService:
    def __init__(self, store: CacheStore, client: PlatformClient, *, page_size: int = 1000,
                 poll_interval_s: float = 30.0, backoff: Backoff | None = None, offline_after: int = 3) -> None:
        self.store, self.client = store, client
        self.page_size = page_size
        self.poll_interval_s = poll_interval_s
        self.backoff = backoff or Backoff()
        self.offline_after = offline_after
        self.link = LinkState.reconnecting
        self._failures = 0
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-writer")
        self._upload_wanted = asyncio.Event()
        self._download_wanted = asyncio.Event()
        self._recovered = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._pushed: list[dict] = []  # `changes` events with rows, for the downloader to apply
        # What the UI listens to.
        self.link_changed = Signal("link_changed")            # (LinkState)
        self.outbox_changed = Signal("outbox_changed")        # (pending count)
        self.rejections_changed = Signal("rejections_changed")  # (count of unresolved rejections)
        self.progress = Signal("progress")                    # (what, done, total or None)
        self.synced = Signal("synced")                        # (cursor)
        self.event = Signal("event")                          # (event name, data): calls, queue stats
        self.damaged = Signal("damaged")  # (): SQLite found the cache file damaged; a restart repairs it
        self._damage_told = False
        # signed in again (the password typed after a refusal, or the first refresh of an offline
        # start): what waits out a backoff goes now
        client.on_session.append(self._on_session)

    def _on_session(self, session: object) -> None:
        if session is not None:
            self._recovered.set()
            self._upload_wanted.set()
            self._download_wanted.set()

    # -- running --------------------------------------------------------------------------------

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._run(self._upload_loop), name="sync-upload"),
                       loop.create_task(self._run(self._download_loop), name="sync-download"),
                       loop.create_task(self._run(self._listen_loop), name="sync-events")]

    async def stop(self) -> None:
        if self._on_session in self.client.on_session:
            self.client.on_session.remove(self._on_session)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        # a page being applied finishes first; then the writer's connection is closed on its thread
        loop = asyncio.get_running_loop()
        with contextlib.suppress(RuntimeError):  # stopped before: the writer is gone already
            await loop.run_in_executor(self._writer, self.store.release_thread)
        await loop.run_in_executor(None, self._writer.shutdown, True)

    async def _run(self, loop_fn: Callable[[], Any]) -> None:
        """Keep a sync loop alive: a bug or a full disk is logged and retried, never the end of sync."""
        attempt = 0
        while True:
            try:
                await loop_fn()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sync task %s failed; restarting it", loop_fn.__name__)
                await asyncio.sleep(self.backoff.delay(attempt))
                attempt += 1

    async def warm_up(self) -> None:
        """Load what indexing needs, then freeze the objects alive now out of the collector's way.

        Full garbage collections traverse every tracked object, and the pinyin tables alone are
        hundreds of thousands of them: during a big sync that stalled the loop ~60 ms every few
        seconds. Frozen objects are never traversed again. Loading itself stalls the loop once
        (~0.1 s), so this runs at sign-in, before calls arrive; the number-location table too, so
        the first screen pop does not pay for reading it."""
        await self.write(textsearch.warm_up)
        await self.write(kb_terms.warm_up)  # the query segmenter's dictionary (~0.2 s)
        await self.write(phone.warm_up)
        gc.freeze()

    @staticmethod
    def _spawn(coro) -> asyncio.Task:  # noqa: ANN001
        return asyncio.get_running_loop().create_task(coro)

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store write on the writer thread."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self._writer, fn, *args)
        except Exception:
            self._tell_damage()
            raise

    def _tell_damage(self) -> None:
        if self.store.damage_seen and not self._damage_told:  # told once; a restart repairs it
            self._damage_told = True
            self.damaged.emit()

    @property
    def cache_damaged(self) -> bool:
        """SQLite found the cache file damaged while the seat ran."""
        return self.store.damage_seen

    # -- local changes --------------------------------------------------------------------------

    async def record(self, entity: str, op: str, payload: dict, *, entity_id: str | None = None,
                     base_version: int | None = None, local_change: Callable | None = None) -> str:
        """Record a change locally (with its outbox mutation, atomically) and wake the uploader."""
        def work() -> str:
            return self.store.record(entity, op, payload, entity_id=entity_id, base_version=base_version,
                                     local_change=local_change)
        mutation_id = await self.write(work)
        try:
            self.outbox_changed.emit(self.store.outbox_size())
        except Exception:
            self._tell_damage()
            raise
        self._upload_wanted.set()
        return mutation_id

    def outbox_size(self) -> int:
        """Changes recorded here and not yet accepted or refused by the platform (those held
        behind a refused change included)."""
        return self.store.outbox_size()

    def rejections(self) -> list[Rejection]:
        """Changes the platform refused that the agent has neither resent nor discarded, oldest first."""
        return self.store.rejections()

    def held_behind(self, mutation_id: str) -> list[Mutation]:
        """The changes waiting behind an unresolved rejection (KeyError: no such rejection)."""
        return self.store.held_behind(mutation_id)

    async def resend_rejection(self, mutation_id: str, payload: dict | None = None) -> str:
        """Send a refused change again, as it was or with an edited payload, before the changes held
        behind it; returns its new mutation id (KeyError: no such unresolved rejection)."""
        new_id = await self.write(self.store.resend_rejection, mutation_id, payload)
        log.info("rejection %s resent as %s", mutation_id, new_id)
        self._after_resolving()
        return new_id

    async def discard_rejection(self, mutation_id: str) -> None:
        """Drop a refused change and the changes held behind it; the cache goes back to the
        platform's state (an order the platform never took leaves it; one it has is read again)."""
        dropped = await self.write(self.store.discard_rejection, mutation_id)
        log.info("rejection %s discarded with %d held change(s)", mutation_id, len(dropped))
        self._after_resolving()
        try:
            await self.refetch()
        except (PlatformUnreachable, PlatformError) as exc:
            log.info("discarded changes: orders not read again yet (%s)", type(exc).__name__)

    def _after_resolving(self) -> None:
        self.rejections_changed.emit(len(self.store.rejections()))
        self.outbox_changed.emit(self.store.outbox_size())
        self._upload_wanted.set()

    async def refetch(self) -> None:
        """Read again from the platform the orders whose cached rows show discarded changes; what
        cannot be read now is read after a later download."""
        for number in self.store.refetch_wanted():
            try:
                data: dict | None = await self.client.work_order(number)
            except PlatformError as exc:
                if exc.transient or not exc.from_platform or exc.status == 401:
                    raise
                if exc.status != 404:
                    log.warning("order not read again (%s %s); it stays marked unconfirmed", exc.status, exc.code)
                    await self.write(partial(self.store.refetched, number, None, apply=False))
                    continue
                data = None  # the platform has no such order
            await self.write(self.store.refetched, number, data)

    # -- link state -----------------------------------------------------------------------------

    def _succeeded(self) -> None:
        self._failures = 0
        self._set_link(LinkState.online)

    def _failed(self, why: str) -> None:
        self._failures += 1
        log.info("platform request failed (%s); %d in a row", why, self._failures)
        self._set_link(LinkState.offline if self._failures >= self.offline_after else LinkState.reconnecting)

    def _set_link(self, state: LinkState) -> None:
        if state != self.link:
            was, self.link = self.link, state
            self.link_changed.emit(state)
            if state == LinkState.online and was != LinkState.online:
                self._recovered.set()  # what waited out a backoff goes now
                self._upload_wanted.set()
                self._download_wanted.set()

    # -- upload ---------------------------------------------------------------------------------

    async def _upload_loop(self) -> None:
        while True:
            await self.upload_all()
            await self._upload_wanted.wait()
            self._upload_wanted.clear()

    async def upload_all(self) -> None:
        """Send pending mutations in order until none is left but those held behind rejections."""
        attempt = 0
        while (mutation := self.store.next_to_send()) is not None:
            if await self._upload_one(mutation):
                attempt = 0
                continue
            self._recovered.clear()
            await self._sleep_or_wake(self.backoff.delay(attempt), self._recovered)
            attempt += 1

    async def _upload_one(self, mutation: Mutation) -> bool:
        """True when the platform decided (applied or rejected); False to retry later."""
        try:
            status, answer = await self.client.post_mutation(mutation.body())
        except (PlatformUnreachable, PlatformError) as exc:
            if isinstance(exc, PlatformError) and not exc.from_platform:
                log.warning("upload: HTTP %s not from the platform (a proxy?); retrying", exc.status)
            elif isinstance(exc, PlatformError) and not exc.transient:
                log.warning("upload stopped: %s", exc.code)  # 401 after a refresh: signed out
            self._failed(type(exc).__name__)
            await self.write(self.store.note_attempt, mutation.id, str(exc))
            return False
        self._succeeded()
        if status < 300:
            await self.write(self.store.delivered, mutation, answer)
        else:
            log.warning("mutation %s (%s %s) rejected: %s", mutation.id, mutation.entity, mutation.op,
                        answer.get("error"))
            await self.write(self.store.rejected, mutation, status, str(answer.get("error", "rejected")),
                             str(answer.get("message", "")))
            self.rejections_changed.emit(len(self.store.rejections()))
        self.outbox_changed.emit(self.store.outbox_size())
        return True

    # -- download -------------------------------------------------------------------------------

    async def _download_loop(self) -> None:
        attempt = 0
        while True:
            try:
                await self.download_all()
                attempt = 0
                wait = self.poll_interval_s
            except (PlatformUnreachable, PlatformError) as exc:
                self._failed(type(exc).__name__)
                wait = self.backoff.delay(attempt)
                attempt += 1
            await self._sleep_or_wake(wait, self._download_wanted)

    async def download_all(self) -> int:
        """Bring the cache up to the platform's head; return the cursor."""
        self._download_wanted.clear()
        await self._ensure_lookup_key()
        if await self._take_pushed():
            return self.store.cursor
        resynced = False
        if self.store.get_state("cursor") is None or self.store.get_state("resync") is not None:
            await self.resync()
            resynced = True
        ahead: asyncio.Task | None = None
        try:
            while True:
                try:
                    raw = await (ahead or self.client.changes_raw(self.store.cursor, self.page_size))
                except PlatformError as exc:
                    ahead = None
                    if exc.status != 410 or resynced:  # a resync that does not reach the feed would loop
                        raise
                    log.info("the change feed no longer reaches our cursor; full resync")
                    await self.resync()
                    resynced = True
                    continue
                self._succeeded()
                page = await self.write(json.loads, raw)
                # fetch the next page while this one is applied on the writer thread
                ahead = self._spawn(self.client.changes_raw(page["cursor"], self.page_size)) \
                    if page["has_more"] else None
                cursor = await self.write(self.store.apply_changes, page["changes"], page["cursor"])
                if page["changes"]:
                    self.progress.emit("changes", cursor, None)
                if not page["has_more"]:
                    if self.store.refetch_wanted():
                        await self.refetch()
                    self.synced.emit(cursor)
                    return cursor
        finally:
            _discard(ahead)

    async def _ensure_lookup_key(self) -> None:
        """The platform's key of the callers' hashes, once, for the roles that take calls: without
        it the screen pop finds no history in the cache (domain/privacy.py)."""
        session = self.client.session
        role = str(session.user.get("role", "")) if session is not None else ""
        if not allowed_role(role, "callers.read") or self.store.get_state(workorders.LOOKUP_KEY) is not None:
            return
        answer = await self.client.lookup_key()
        await self.write(self.store.set_lookup_key, str(answer["key"]))

    async def resync(self) -> None:
        """Rebuild the cache from snapshots, resumable page by page; drafts, the outbox and orders
        made here and not yet confirmed are kept."""
        progress = json.loads(self.store.get_state("resync") or "null")
        if progress is None:
            first = await self.client.snapshot(ENTITIES[0], "", 1)
            self._succeeded()
            await self.write(self.store.begin_resync, first["as_of"])
            progress = {"as_of": first["as_of"], "entity": 0, "after": "", "done": 0}
        for index in range(progress["entity"], len(ENTITIES)):
            entity = ENTITIES[index]
            after = progress["after"] if index == progress["entity"] else ""
            done = progress.get("done", 0) if index == progress["entity"] else 0
            total = None
            ahead: asyncio.Task | None = self._spawn(self.client.snapshot_raw(entity, after, self.page_size))
            try:
                while ahead is not None:
                    page = await self.write(json.loads, await ahead)
                    self._succeeded()
                    more = page["next"] is not None
                    ahead = self._spawn(self.client.snapshot_raw(entity, page["next"], self.page_size)) \
                        if more else None
                    total = page["total"] if page.get("total") is not None else total
                    done += len(page["items"])
                    progress = {"as_of": progress["as_of"], "entity": index if more else index + 1,
                                "after": page["next"] or "", "done": done if more else 0}
                    await self.write(self.store.apply_snapshot_page, entity, page["items"], progress)
                    self.progress.emit(entity, done, total)
            finally:
                _discard(ahead)
        await self.write(self.store.finish_resync, progress["as_of"])

    # -- the event stream ---------------------------------------------------------------------------

    async def _listen_loop(self) -> None:
        attempt = 0
        while True:
            try:
                # closed here whatever ends the loop: a cancellation at an await of the body below
                # would otherwise leave the stream to the garbage collector, outside the loop
                async with contextlib.aclosing(self.client.events()) as events:
                    async for name, data in events:
                        attempt = 0
                        self._succeeded()
                        behind = name in ("hello", "changes") and int(data.get("seq", 0)) > self.store.cursor
                        if behind and name == "changes" and "changes" in data:  # applied by the downloader
                            self._pushed = [*self._pushed[-(PUSHED_KEPT - 1):], data]
                        if behind or name == "resync":  # resync: the platform dropped events this seat was slow to take
                            self._download_wanted.set()
                        if name in ("hello", "resync"):  # (re)connected, or events were lost: catch up
                            self._upload_wanted.set()
                        self.event.emit(name, data)
            except (PlatformUnreachable, PlatformError) as exc:
                self._failed(f"event stream: {type(exc).__name__}")
            self._recovered.clear()
            await self._sleep_or_wake(self.backoff.delay(attempt), self._recovered)
            attempt += 1

    async def _take_pushed(self) -> bool:
        """Apply the rows the `changes` events carried since the last download, in order; False when
        there were none or the cache missed changes before them (the feed is read instead)."""
        pending, self._pushed = self._pushed, []
        if not pending:
            return False
        for data in pending:
            if not await self._apply_pushed(data):
                return False
        return True

    async def _apply_pushed(self, data: dict) -> bool:
        """Apply the changed rows a `changes` event carried; False when the cache has missed some
        before them (or is resyncing) and must read the feed."""
        try:
            rows, after, seq = list(data["changes"]), int(data["after"]), int(data["seq"])
        except (KeyError, TypeError, ValueError):
            return False
        cursor = await self.write(self.store.apply_pushed, rows, after, seq)
        if cursor is None:
            return False
        if rows:
            self.progress.emit("changes", cursor, None)
        if self.store.refetch_wanted():
            return False  # the feed read fetches what the rows asked for
        self.synced.emit(cursor)
        return True

    @staticmethod
    async def _sleep_or_wake(seconds: float, wake: asyncio.Event) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancellation that arrives as
        # the event is set, and stop() then waited forever for the loop that went on.
        try:
            async with asyncio.timeout(seconds):
                await wake.wait()
        except TimeoutError:
            pass


def _discard(task: asyncio.Task | None) -> None:
    """Cancel a prefetch nobody will wait for, and retrieve its outcome so that none is reported."""
    if task is not None:
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
