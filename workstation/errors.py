"""The known failures the core reports to the UI, in one place: the platform could not be reached,
the platform refused (its code and reason), the seat's cache failed. The UI shows them; it need not
know the cache is SQLite."""
from __future__ import annotations

import sqlite3

from workstation.platform_client import PlatformError, PlatformUnreachable

CacheError = sqlite3.Error

__all__ = ["CacheError", "PlatformError", "PlatformUnreachable"]
