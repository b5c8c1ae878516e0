"""Screen pop: from the ringing event to the caller card painted with the caller's history, in the
real widget, over a cache of `--orders` work orders.

    python -m benchmarks.screen_pop --orders 1000000

The cache is the one benchmarks.caller_lookup builds (deterministic, reused). Each ring goes
through the seat's call service (the event the platform's stream delivers), whose ringing signal
fills the CallerCard; the card is then painted synchronously (QWidget.repaint) offscreen, in Chinese
with the CJK font the workstation sets. The
platform refinement that follows is not part of the figure (it points at a closed port here).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks import caller_lookup  # noqa: E402
from benchmarks.common import emit, log, summary_ms  # noqa: E402
from offline_cache.store import CacheStore  # noqa: E402
from ui.app import install_translators, use_cjk_font  # noqa: E402
from ui.caller_card import CallerCard  # noqa: E402
from workstation.platform_client import PlatformClient  # noqa: E402
from workstation.session import SeatSession  # noqa: E402


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def measure(path, callers: list[str], rings: int) -> list[float]:  # noqa: ANN001
    store = CacheStore(path)
    client = PlatformClient(f"http://127.0.0.1:{closed_port()}", timeout=0.5)
    seat = SeatSession(client, store, "BENCH")
    card = CallerCard()
    card.resize(360, 720)
    card.show()
    card.set_session(seat)
    seat.calls.ringing.connect(lambda call: (card.show_caller(call.caller_number), card.repaint()))
    rng = random.Random(5)
    timings = []
    for i in range(rings + 50):
        phone = callers[min(int(rng.paretovariate(1.1)) - 1, len(callers) - 1)] if rng.random() < 0.5 \
            else rng.choice(callers)
        event = {"type": "ringing", "call_id": f"bench-{i}", "caller_number": phone, "caller_name": "",
                 "queue": "12345", "at": ""}
        t0 = time.perf_counter()
        seat.calls.apply(event)
        elapsed = time.perf_counter() - t0
        if i >= 50:  # the first rings warm the page cache, as a running seat has it
            timings.append(elapsed)
        await asyncio.sleep(0)  # let the cancelled refinement of the previous ring unwind
        seat.calls.apply({"type": "ended", "call_id": f"bench-{i}", "reason": "agent_hangup"})
    card.close()
    await seat.close()
    await client.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.screen_pop")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--rings", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    path = caller_lookup.cache_file(args.orders, args.seed)
    callers = caller_lookup.ensure_cache(path, args.orders, args.seed)
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # closing the card must not stop the loop
    install_translators(app, "zh_CN")  # the card as the workstation shows it: Chinese, its CJK font
    use_cjk_font(app)
    log(f"cache {path.name}; {args.rings} rings")
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        timings = runner.run(measure(path, callers, args.rings))
    emit({"benchmark": "screen_pop", "orders": args.orders, "rings": len(timings), **summary_ms(timings)})


if __name__ == "__main__":
    main()
