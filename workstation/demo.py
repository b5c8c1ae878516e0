"""The reference platform run as a separate process on a loopback port, for the demo and for tests.

The platform is another program: it is started with `python -m central.cli`, never imported, so
the workstation keeps no dependency on the server's code.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import platformdirs

from workstation.platform_client import PlatformClient

log = logging.getLogger(__name__)

# The users and password `central.cli seed` creates (central/seed.py DEMO_USERS, DEMO_PASSWORD).
DEMO_USERNAME = "agent"
DEMO_PASSWORD = "hotline-demo"


class DemoPlatformError(RuntimeError):
    """The platform process could not be seeded or did not come up; the message ends with its output."""


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("hotline-workstation", appauthor=False)) / "demo" / "central.db"


def _free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DemoPlatform:
    """`db_path=None` means the demo database in the user data folder. A missing database is seeded
    first: with the demo data (`demo_data=True`), or with reference data and the demo accounts only,
    which is faster. The access tokens' key file lies beside the database."""

    def __init__(self, db_path: Path | None = None, *, demo_data: bool = True, calls_per_hour: float = 120.0,
                 seed: int = 1, start_timeout: float = 60.0, departments: bool = False,
                 ring_timeout_s: float = 20.0) -> None:
        """`departments`: the platform plays the handling units too (sign, reply, returns, extensions),
        so dispatched orders move on by themselves in the demo. `ring_timeout_s`: how long a call
        rings at a seat before the platform holds the seat not ready (no answer) and offers it again."""
        self.db_path = Path(db_path) if db_path is not None else default_db_path()
        self.departments = departments
        self.demo_data, self.calls_per_hour, self.seed = demo_data, calls_per_hour, seed
        self.start_timeout = start_timeout
        self.ring_timeout_s = ring_timeout_s
        self.log_path = self.db_path.with_suffix(".log")
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _db_url(self, path: Path) -> str:
        return f"sqlite:///{path}"

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        # Output goes to a file, not a pipe: nobody reads a pipe while the server runs, and a full
        # pipe would stall it. The file's tail explains a failed start.
        with open(self.log_path, "ab") as out:
            return subprocess.Popen([sys.executable, "-m", "central.cli", *args], stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def _tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"

    async def _wait_exit(self, process: subprocess.Popen[bytes], deadline: float) -> int | None:
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return process.poll()

    async def _seed(self, deadline: float) -> None:
        # Seed into a side file and rename it on success, so an interrupted seed is redone next time.
        partial = self.db_path.with_name(self.db_path.name + ".partial")
        partial.unlink(missing_ok=True)
        process = self._spawn("seed", "--demo" if self.demo_data else "--demo-users", "--db", self._db_url(partial))
        code = await self._wait_exit(process, deadline)
        if code is None:
            process.kill()
            process.wait()
            raise DemoPlatformError(f"seeding the demo database timed out:\n{self._tail()}")
        if code != 0:
            raise DemoPlatformError(f"seeding the demo database failed (exit code {code}):\n{self._tail()}")
        partial.replace(self.db_path)

    async def start(self) -> None:
        """Seed if needed, start the server and wait until its health check answers."""
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.write_bytes(b"")
        deadline = time.monotonic() + self.start_timeout
        if not self.db_path.exists():
            log.info("seeding the demo database")
            await self._seed(deadline)
        self.port = self.port or _free_loopback_port()  # a restart keeps its address, as a real platform does
        self._process = self._spawn("serve", "--db", self._db_url(self.db_path), "--port", str(self.port),
                                    "--token-keys", str(self.db_path.with_name("token-keys.json")),
                                    "--calls-per-hour", str(self.calls_per_hour), "--seed", str(self.seed),
                                    "--ring-timeout", str(self.ring_timeout_s),
                                    *(["--departments"] if self.departments else []))
        try:
            await self._wait_healthy(deadline)
        except BaseException:
            self.stop()  # no half-started process survives a failed or cancelled start
            raise
        log.info("demo platform up on %s (pid %s)", self.url, self._process.pid)

    async def _wait_healthy(self, deadline: float) -> None:
        assert self._process is not None
        client = PlatformClient(self.url, timeout=2.0)
        try:
            while True:
                code = self._process.poll()
                if code is not None:
                    raise DemoPlatformError(f"the platform exited with code {code}:\n{self._tail()}")
                if await client.health():
                    return
                if time.monotonic() > deadline:
                    raise DemoPlatformError(f"the platform did not answer on {self.url} within "
                                            f"{self.start_timeout:.0f} s:\n{self._tail()}")
                await asyncio.sleep(0.1)
        finally:
            await client.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the server; kill it if it does not end within `timeout`. Safe to call twice."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("the demo platform did not stop in %.0f s; killing it", timeout)
            process.kill()
            process.wait()
