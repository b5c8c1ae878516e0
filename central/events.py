"""In-process fan-out of server-sent events: to one user, or to everyone signed in.

Each subscriber has a bounded queue; a subscriber too slow to drain it is dropped (its stream
ends, the client reconnects and catches up through the change feed). Several API workers would
need a shared bus (PostgreSQL LISTEN/NOTIFY); the reference platform runs one worker.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

_CLOSED = object()


@dataclass(eq=False)
class Subscription:
    user_id: int
    session_id: str = ""  # the sign-in whose access token opened the stream: its end closes it
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    closed: bool = False

    async def next(self) -> tuple[str, dict] | None:
        item = await self.queue.get()
        return None if item is _CLOSED else item


class EventBroker:
    def __init__(self) -> None:
        self._subs: dict[int, set[Subscription]] = {}
        self.on_presence: list[Callable[[int, bool], None]] = []

    def subscribe(self, user_id: int, session_id: str = "") -> Subscription:
        sub = Subscription(user_id, session_id)
        first = not self._subs.get(user_id)
        self._subs.setdefault(user_id, set()).add(sub)
        if first:
            for hook in self.on_presence:
                hook(user_id, True)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.user_id)
        if not subs or sub not in subs:
            return
        subs.discard(sub)
        if not subs:
            del self._subs[sub.user_id]
            for hook in self.on_presence:
                hook(sub.user_id, False)

    def is_connected(self, user_id: int) -> bool:
        return bool(self._subs.get(user_id))

    def publish(self, user_id: int, event: str, data: dict) -> None:
        for sub in list(self._subs.get(user_id, ())):
            self._offer(sub, (event, data))

    def broadcast(self, event: str, data: dict) -> None:
        for subs in list(self._subs.values()):
            for sub in list(subs):
                self._offer(sub, (event, data))

    def _offer(self, sub: Subscription, item: object) -> None:
        try:
            sub.queue.put_nowait(item)
        except asyncio.QueueFull:
            log.warning("event subscriber of user %d is too slow; dropping its stream", sub.user_id)
            self._end(sub)

    def _end(self, sub: Subscription) -> None:
        sub.closed = True
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(_CLOSED)
        self.unsubscribe(sub)

    def end_sessions(self, session_ids: set[str]) -> int:
        """Close the streams of these sessions (ended: signed out, disabled, a token reused);
        returns how many were closed."""
        ending = [sub for subs in self._subs.values() for sub in subs if sub.session_id in session_ids]
        for sub in ending:
            self._end(sub)
        return len(ending)

    def close(self) -> None:
        """End every stream, so that the server can shut down without waiting on them."""
        for subs in list(self._subs.values()):
            for sub in list(subs):
                self._end(sub)


def sse_frame(event: str, data: dict) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()
