"""Running the platform under uvicorn: from the CLI, in a test, or inside the demo."""
from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn

from central.app import create_app
from central.platform import Platform

KEEP_ALIVE_S = 30


class PlatformServer(uvicorn.Server):
    """A uvicorn server that ends the open event streams first when asked to stop, so that
    shutdown does not wait on them."""

    def __init__(self, platform: Platform, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning",
                 certfile: str | None = None, keyfile: str | None = None,
                 forwarded_allow_ips: str | None = None) -> None:
        """certfile, keyfile: PEM files to serve HTTPS (both or neither); forwarded_allow_ips: the
        reverse proxies (addresses, comma-separated) whose X-Forwarded-For names the client (the
        seat's address, for seats bound to addresses); None: no proxy is believed."""
        self.platform = platform
        # No access log: request paths and queries carry phone numbers (/callers/{phone}, ?phone=).
        config = uvicorn.Config(create_app(platform), host=host, port=port, log_level=log_level,
                                timeout_graceful_shutdown=3, lifespan="on", access_log=False,
                                # longer than a client's idle connections live (httpx: 5 s), so that
                                # the client closes them, never the server under a request on its way
                                timeout_keep_alive=KEEP_ALIVE_S,
                                ssl_certfile=certfile, ssl_keyfile=keyfile,
                                proxy_headers=forwarded_allow_ips is not None,
                                forwarded_allow_ips=forwarded_allow_ips or "")
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame) -> None:  # noqa: ANN001
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.platform.broker.close)
        super().handle_exit(sig, frame)

    def request_stop(self) -> None:
        """Stop from another thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.platform.broker.close)
        self.should_exit = True


def bind_loopback(port: int = 0, host: str = "127.0.0.1") -> socket.socket:
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted sockets only then (else Nagle and
    # delayed ACKs add 40 ms to every response).
    return bind_address(host, port)


def bind_address(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket on any address (IPv4 or IPv6); reuse_port: several processes share
    the port (SO_REUSEPORT), the kernel spreading the connections among them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


class ThreadedPlatform:
    """The real platform on a loopback port, served from a background thread: for tests and the demo."""

    def __init__(self, platform: Platform, port: int = 0) -> None:
        self.platform = platform
        self.sock = bind_loopback(port)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = PlatformServer(platform)
        self._thread = threading.Thread(target=self._run, name="platform", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve(sockets=[self.sock]))
        except BaseException as exc:  # reported to the starting thread
            self._error = exc

    def start(self, timeout: float = 30.0) -> ThreadedPlatform:
        self._thread.start()
        give_up = time.monotonic() + timeout
        while not self.server.started and self._thread.is_alive() and time.monotonic() < give_up:
            time.sleep(0.01)  # a plain thread handshake; no Qt loop is involved here
        if not self.server.started:
            raise RuntimeError(f"the platform did not start: {self._error!r}")
        return self

    def stop(self, timeout: float = 15.0) -> None:
        if not self._thread.is_alive():
            self.sock.close()
            return
        self.server.request_stop()
        self._thread.join(timeout)
        self.sock.close()
        if self._thread.is_alive():
            raise RuntimeError("the platform did not stop")

    def run_coroutine(self, coro, timeout: float = 30.0):  # noqa: ANN001, ANN201
        """Run a coroutine on the server's loop (tests use it to reach the platform's services)."""
        assert self.server._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.server._loop).result(timeout)
