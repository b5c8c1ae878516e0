"""Moving windows of events per key, and how wrong passwords are slowed down: per account (in the database, so every worker agrees) and
per network address (in this worker's memory).

- An account takes `account_failures` wrong passwords in a row; the next one locks it for
  `account_lock_s`. While locked, sign-in answers 429 with Retry-After, even for the right password.
  The lock ends by itself, or when an administrator unlocks the account or sets its password; a
  right password before the lock resets the count.
- An address (the client's IP) takes `address_failures` wrong passwords within `address_window_s`,
  whatever the accounts; then 429 until the oldest of them leaves the window.

Time comes from `domain.clock`, so tests move it instead of waiting. (The `limits` library keeps
windows on the wall clock it reads itself, which would leave the unlock rule testable only by
waiting; the window below is a deque of instants per address.)
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import clock

MAX_KEYS = 100_000  # keys (addresses, users) remembered at once; the oldest are forgotten first


@dataclass(frozen=True)
class SignInLimits:
    account_failures: int = 5
    account_lock_s: float = 15 * 60.0
    address_failures: int = 30
    address_window_s: float = 15 * 60.0


class MovingWindow:
    """At most `limit` events per key within `window_s` seconds (wrong passwords from an address,
    a unit's searches by phone number)."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._events: dict[str, deque[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> deque[datetime] | None:
        seen = self._events.get(key)
        if seen is None:
            return None
        since = now - timedelta(seconds=self.window_s)
        while seen and seen[0] <= since:
            seen.popleft()
        if not seen:
            del self._events[key]
            return None
        return seen

    def retry_after(self, key: str) -> float | None:
        """Seconds until the key may act again, or None when it may now."""
        now = clock.now()
        seen = self._recent(key, now)
        if seen is None or len(seen) < self.limit:
            return None
        return max(1.0, (seen[0] + timedelta(seconds=self.window_s) - now).total_seconds())

    def hit(self, key: str) -> None:
        now = clock.now()
        seen = self._recent(key, now)
        if seen is None:
            if len(self._events) >= MAX_KEYS:
                self._events.pop(next(iter(self._events)))
            seen = self._events[key] = deque(maxlen=self.limit)
        seen.append(now)


class SignInGuard(MovingWindow):
    """Wrong passwords per address."""

    def __init__(self, limits: SignInLimits) -> None:
        super().__init__(limits.address_failures, limits.address_window_s)
        self.limits = limits

    def failed(self, address: str) -> None:
        self.hit(address)
