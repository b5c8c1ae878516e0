"""How wrong passwords are slowed down: per account (in the database, so every worker agrees) and
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

MAX_ADDRESSES = 100_000  # addresses remembered at once; the oldest are forgotten first


@dataclass(frozen=True)
class SignInLimits:
    account_failures: int = 5
    account_lock_s: float = 15 * 60.0
    address_failures: int = 30
    address_window_s: float = 15 * 60.0


class SignInGuard:
    """Wrong passwords per address, in a moving window."""

    def __init__(self, limits: SignInLimits) -> None:
        self.limits = limits
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, address: str, now: datetime) -> deque[datetime] | None:
        seen = self._failures.get(address)
        if seen is None:
            return None
        since = now - timedelta(seconds=self.limits.address_window_s)
        while seen and seen[0] <= since:
            seen.popleft()
        if not seen:
            del self._failures[address]
            return None
        return seen

    def retry_after(self, address: str) -> float | None:
        """Seconds until the address may try again, or None when it may now."""
        now = clock.now()
        seen = self._recent(address, now)
        if seen is None or len(seen) < self.limits.address_failures:
            return None
        return max(1.0, (seen[0] + timedelta(seconds=self.limits.address_window_s) - now).total_seconds())

    def failed(self, address: str) -> None:
        now = clock.now()
        seen = self._recent(address, now)
        if seen is None:
            if len(self._failures) >= MAX_ADDRESSES:
                self._failures.pop(next(iter(self._failures)))
            seen = self._failures[address] = deque(maxlen=self.limits.address_failures)
        seen.append(now)
