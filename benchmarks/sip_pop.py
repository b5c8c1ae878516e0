"""SIP screen pop: from the INVITE sent by a real SIP caller to the caller card painted.

    python -m benchmarks.sip_pop --calls 60 --orders 100000

sipp places `--calls` calls one after another (caller IDs drawn from the cache's callers) to a real
baresip softphone on loopback; the workstation's baresip adapter receives each over ctrl_tcp, the
seat's call service fills the CallerCard from a cache of `--orders` work orders, and the card is
painted synchronously (offscreen). The agent then answers and hangs up through ctrl_tcp, so each
call goes the whole way. The INVITE's send time comes from sipp's message trace (wall clock, same
machine); the paint time from time.time() right after the repaint.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks import caller_lookup  # noqa: E402
from benchmarks.common import emit, log, summary_ms  # noqa: E402
from benchmarks.screen_pop import closed_port  # noqa: E402
from offline_cache.store import CacheStore  # noqa: E402
from tests.sip_lab import Softphone, missing_tools, place_calls  # noqa: E402
from ui.caller_card import CallerCard  # noqa: E402
from workstation.calls import Call, CallState  # noqa: E402
from workstation.platform_client import PlatformClient  # noqa: E402
from workstation.session import SeatSession  # noqa: E402
from workstation.telephony.settings import TelephonySettings  # noqa: E402

_ENTRY = re.compile(r"^-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\n(?:UDP|TCP) message sent.*?\n\n(.*?)(?=^-{20,} |\Z)",
                    re.S | re.M)


def invites_sent(trace: Path) -> dict[str, float]:
    """Call-ID -> when sipp first sent its INVITE (epoch seconds)."""
    sent: dict[str, float] = {}
    for stamp, message in _ENTRY.findall(trace.read_text(encoding="utf-8", errors="replace")):
        if not message.startswith("INVITE "):
            continue
        call_id = re.search(r"^Call-ID:\s*(\S+)", message, re.M | re.I)
        if call_id and call_id.group(1) not in sent:
            sent[call_id.group(1)] = datetime.fromisoformat(stamp).timestamp()
    return sent


async def measure(cache: Path, callers: list[tuple[str, str]], folder: Path) -> tuple[list[float], int]:
    phone = Softphone(folder / "baresip").start()
    store = CacheStore(cache)
    client = PlatformClient(f"http://127.0.0.1:{closed_port()}", timeout=0.5)  # no platform: the cache answers
    seat = SeatSession(client, store, "BENCH", telephony=TelephonySettings.parse("baresip", phone.control_address))
    # No platform here: the reports that follow each pop would only pile up in the shared benchmark
    # cache's outbox (they are written after the paint, off the measured path).
    seat.calls.source.platform_native = True
    card = CallerCard()
    card.resize(360, 720)
    card.show()
    card.set_session(seat)
    painted: dict[str, float] = {}
    finished = asyncio.Event()

    def pop(call: Call) -> None:
        card.show_caller(call.caller_number)
        card.repaint()
        painted[call.id] = time.time()
        asyncio.ensure_future(seat.calls.answer(call.id))

    def answered(call: Call) -> None:
        asyncio.ensure_future(seat.calls.hang_up(call.id))

    def ended(_call: Call) -> None:
        if sum(c.state == CallState.ended for c in seat.calls.calls.values()) == len(callers):
            finished.set()

    seat.calls.ringing.connect(pop)
    seat.calls.answered.connect(answered)
    seat.calls.ended.connect(ended)
    await seat.calls.start()
    sipp = None
    try:
        async with asyncio.timeout(10):
            while not seat.calls.source.up:
                await asyncio.sleep(0.01)
        sipp = place_calls(phone, "caller_waits_for_agent.xml", folder / "sipp", callers, rate_per_s=5,
                           trace=True, timeout_s=30 + len(callers))
        async with asyncio.timeout(30 + len(callers)):
            await finished.wait()
        rc = await asyncio.to_thread(sipp.wait, 30)
    finally:
        if sipp is not None and sipp.poll() is None:
            sipp.kill()
        card.close()
        await seat.close()
        await client.close()
        phone.stop()
    sent = invites_sent(folder / "sipp" / "sipp_messages.log")
    return [painted[cid] - sent[cid] for cid in painted if cid in sent], rc


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sip_pop")
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if why := missing_tools():
        raise SystemExit(f"sip_pop: {why}")
    path = caller_lookup.cache_file(args.orders, args.seed)
    numbers = caller_lookup.ensure_cache(path, args.orders, args.seed)
    rng = random.Random(args.seed)
    callers = [(f"来电人{i}", rng.choice(numbers)) for i in range(args.calls)]
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    log(f"cache {path.name}; {args.calls} SIP calls")
    with tempfile.TemporaryDirectory(prefix="sip-pop-") as folder, \
            asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        timings, rc = runner.run(measure(path, callers, Path(folder)))
    if rc != 0 or len(timings) < args.calls:
        raise SystemExit(f"sip_pop: sipp exit {rc}, {len(timings)} of {args.calls} calls measured")
    emit({"benchmark": "sip_pop", "orders": args.orders, "calls": len(timings), **summary_ms(timings)})


if __name__ == "__main__":
    main()
