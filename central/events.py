"""In-process fan-out of server-sent events: to one user, to everyone signed in, or to the roles
that show an event.

An event is made once and encoded once (`Event.frame`), however many streams carry it. Each
subscription keeps what waits for its stream in the order it was published: of each state event
(`LATEST`: the agent's state, the queue, the wallboard, the feed's head) only the newest, which
takes the older one's place at the end, and a bounded number of the events that each matter (a
call, an escalation, a missed call). A stream too slow to drain that queue
loses what it held and gets `resync` instead (the client reads its lists and the feed again); it
is never ended for being slow, and nothing one stream does reaches another. Streams end only when
their session ends or the platform stops.

Several workers share their events and presence through central/cluster.py.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from central.security import Claims

log = logging.getLogger(__name__)

# State events: only the newest matters, so a subscription holds one of each.
LATEST = frozenset({"agent", "queue", "wallboard", "changes", "resync"})
MAX_PENDING = 1000  # queued events of one subscription before it is told to resync


@dataclass(frozen=True, eq=False)
class Event:
    name: str
    data: dict

    @cached_property
    def frame(self) -> bytes:
        """The event as a server-sent event frame, encoded on first use and shared by every stream."""
        return sse_frame(self.name, self.data)


RESYNC = Event("resync", {"why": "events were lost: read the lists and the change feed again"})


@dataclass(eq=False)
class Subscription:
    user_id: int
    session_id: str = ""  # the sign-in whose access token opened the stream: its end closes it
    role: str = ""
    who: Claims | None = None  # the reader, for the changed rows it may see (None: told only the feed's head)
    closed: bool = False
    overflows: int = 0  # times the queue overflowed (the stream was told to resync)
    # what waits, in the order it was published: a state event under its name (a newer one of the
    # same kind takes the old one's place at the end: it follows everything published before it),
    # any other under a number of its own
    waiting: OrderedDict = field(default_factory=OrderedDict)
    queued: int = 0  # of `waiting`, the events that are not state
    _count: int = 0
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, event: Event) -> None:
        if self.closed:
            return
        if event.name in LATEST:
            self.waiting.pop(event.name, None)
            self.waiting[event.name] = event
        elif self.queued >= MAX_PENDING:  # too slow: what it missed is read again instead
            for key in [k for k in self.waiting if not isinstance(k, str)]:
                del self.waiting[key]
            self.queued = 0
            self.overflows += 1
            self.waiting.pop(RESYNC.name, None)
            self.waiting[RESYNC.name] = RESYNC
        else:
            self._count += 1
            self.waiting[self._count] = event
            self.queued += 1
        self._wake.set()

    def take(self) -> list[Event]:
        """Everything waiting, in the order it was published (each state as it is now)."""
        events = list(self.waiting.values())
        self.waiting.clear()
        self.queued = 0
        self._wake.clear()
        return events

    async def wait(self, timeout: float) -> list[Event] | None:
        """What is waiting, after up to `timeout` seconds for something (TimeoutError when
        nothing came); None once the subscription is closed."""
        if not self.closed and not self.waiting:
            async with asyncio.timeout(timeout):  # not wait_for: no task per wait
                await self._wake.wait()
        return None if self.closed else self.take()

    def close(self) -> None:
        self.closed = True
        self.waiting.clear()
        self.queued = 0
        self._wake.set()


class EventBroker:
    """The streams of this process, and (with a cluster: central/cluster.py) the other workers':
    what is published here also goes to them through `relay`, and what they publish comes in
    through `deliver`, `deliver_all` and `end_local`. Presence (which users hold a stream) covers
    every worker; its hooks hear when a user's first stream anywhere comes or last one goes."""

    def __init__(self) -> None:
        self._subs: dict[int, set[Subscription]] = {}
        self._remote: dict[str, set[int]] = {}  # other workers' users with a stream
        self.on_presence: list[Callable[[int, bool], None]] = []
        self.relay = None  # the cluster (send, presence), when there is one

    def subscribe(self, user_id: int, session_id: str = "", role: str = "",
                  who: Claims | None = None) -> Subscription:
        sub = Subscription(user_id, session_id, role, who)
        first = not self._subs.get(user_id)
        was = self.is_connected(user_id)
        self._subs.setdefault(user_id, set()).add(sub)
        if first and self.relay is not None:
            self.relay.presence(user_id, True)
        if not was:
            self._presence(user_id, True)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.user_id)
        if not subs or sub not in subs:
            return
        subs.discard(sub)
        if not subs:
            del self._subs[sub.user_id]
            if self.relay is not None:
                self.relay.presence(sub.user_id, False)
            if not self.is_connected(sub.user_id):
                self._presence(sub.user_id, False)

    def _presence(self, user_id: int, connected: bool) -> None:
        for hook in self.on_presence:
            try:
                hook(user_id, connected)
            except Exception:  # a hook's failure must not fail the stream that came or went
                log.exception("presence hook failed")

    def is_connected(self, user_id: int) -> bool:
        return bool(self._subs.get(user_id)) or any(user_id in users for users in self._remote.values())

    def local_users(self) -> list[int]:
        return list(self._subs)

    # -- other workers' presence ---------------------------------------------------------------------

    def remote_present(self, worker: str, user_id: int, connected: bool) -> None:
        was = self.is_connected(user_id)
        users = self._remote.setdefault(worker, set())
        if connected:
            users.add(user_id)
        else:
            users.discard(user_id)
        if self.is_connected(user_id) != was:
            self._presence(user_id, not was)

    def remote_set(self, worker: str, user_ids: Iterable[int]) -> None:
        """A worker's whole list (it repeats it now and then): what differs is a presence change."""
        old, new = self._remote.get(worker, set()), set(user_ids)
        for user_id in old - new:
            self.remote_present(worker, user_id, False)
        for user_id in new - old:
            self.remote_present(worker, user_id, True)

    def remote_gone(self, worker: str) -> None:
        self.remote_set(worker, ())
        self._remote.pop(worker, None)

    def connected(self) -> int:
        """How many streams are open (in this process)."""
        return sum(len(subs) for subs in self._subs.values())

    def subscriptions(self) -> Iterator[Subscription]:
        for subs in self._subs.values():
            yield from subs

    # -- events ----------------------------------------------------------------------------------

    def publish(self, user_id: int, event: str, data: dict) -> None:
        self.deliver(user_id, event, data)
        if self.relay is not None and any(user_id in users for users in self._remote.values()):
            self.relay.send({"k": "pub", "u": user_id, "e": event, "d": data})

    def deliver(self, user_id: int, event: str, data: dict) -> None:
        """To this process's streams of the user."""
        made = Event(event, data)
        for sub in self._subs.get(user_id, ()):
            sub.offer(made)

    def broadcast(self, event: str, data: dict, roles: Iterable[str] | None = None) -> int:
        """To every stream (of the given roles only, when given); returns how many here got it."""
        wanted = None if roles is None else sorted(roles)
        if self.relay is not None:
            self.relay.send({"k": "cast", "e": event, "d": data, "r": wanted})
        return self.deliver_all(event, data, wanted)

    def deliver_all(self, event: str, data: dict, roles: Iterable[str] | None = None) -> int:
        made, wanted = Event(event, data), None if roles is None else frozenset(roles)
        sent = 0
        for subs in self._subs.values():
            for sub in subs:
                if wanted is None or sub.role in wanted:
                    sub.offer(made)
                    sent += 1
        return sent

    def end_sessions(self, session_ids: set[str]) -> int:
        """Close the streams of these sessions (ended: signed out, disabled, a token reused), in
        every worker; returns how many were closed here."""
        if self.relay is not None and session_ids:
            self.relay.send({"k": "end", "s": sorted(session_ids)})
        return self.end_local(session_ids)

    def end_local(self, session_ids: set[str]) -> int:
        ending = [sub for subs in self._subs.values() for sub in subs if sub.session_id in session_ids]
        for sub in ending:
            self._end(sub)
        return len(ending)

    def _end(self, sub: Subscription) -> None:
        sub.close()
        self.unsubscribe(sub)

    def close(self) -> None:
        """End every stream, so that the server can shut down without waiting on them."""
        for subs in list(self._subs.values()):
            for sub in list(subs):
                self._end(sub)


def sse_frame(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()
