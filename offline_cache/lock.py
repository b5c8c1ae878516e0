"""One store per cache file: an OS lock on `<cache>.lock`, held while the store is open.

The OS drops the lock when the process dies, so a crash never leaves the cache locked. flock
locks belong to the open file, so a second store in the same process is refused too. The lock
file itself stays after close: deleting it then would let two openers lock two different files.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path


class CacheInUse(Exception):
    """Another store (this process or another) has the cache file open."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"the cache {path.name} is open in another window or process")
        self.path = path


def lock_path(cache: Path) -> Path:
    return Path(f"{cache}.lock")


class InstanceLock:
    def __init__(self, cache: Path) -> None:
        """Take the lock or raise CacheInUse at once (never waits)."""
        self.path = lock_path(cache)
        for _ in range(3):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            if not _try_lock(fd):
                os.close(fd)
                raise CacheInUse(cache)
            if _same_file(self.path, fd):
                self._fd: int | None = fd
                return
            os.close(fd)  # a wipe removed the file between our open and our lock: lock the new one
        raise CacheInUse(cache)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None


def _same_file(path: Path, fd: int) -> bool:
    try:
        return os.path.samefile(path, fd)
    except FileNotFoundError:
        return False


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
