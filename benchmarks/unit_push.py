"""A handling unit's desk is pushed its new orders (R12): from the dispatcher's dispatch answered
by the platform to the order in the unit's seat cache, over the real event stream and change feed.

    python -m benchmarks.unit_push --orders 50

Starts the reference platform (`hotline-central serve`, a fresh SQLite file with the demo's
reference data and accounts) on loopback, opens the seat of the demo unit user unit_b04 (a real
SeatSession: its event stream, its feed reads, its cache), and dispatches `--orders` new orders to
市住房和城乡建设局 one after another as the demo dispatcher; each is timed until the seat's cache
holds it. Half the orders go to another unit: the seat must not get those (counted as `leaked`).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.common import emit, log, summary_ms


async def measure(orders: int) -> dict:
    import httpx

    from workstation.demo import DEMO_PASSWORD, DemoPlatform
    from workstation.platform_client import PlatformClient
    from workstation.session import SeatSession

    folder = Path(tempfile.mkdtemp(prefix="hotline-push-"))
    demo = DemoPlatform(folder / "central.db", demo_data=False, calls_per_hour=0)
    await demo.start()
    seat = None
    try:
        apis = {}
        for user in ("agent2", "dispatcher"):
            api = httpx.AsyncClient(base_url=demo.url, timeout=20.0)
            r = await api.post("/api/v1/auth/sign-in", json={"username": user, "password": DEMO_PASSWORD,
                                                             "seat": "BENCH"})
            r.raise_for_status()
            api.headers["Authorization"] = "Bearer " + r.json()["access_token"]
            apis[user] = api
        client = PlatformClient(demo.url, timeout=10.0)
        await client.sign_in("unit_b04", DEMO_PASSWORD, "U-BENCH")
        seat = await SeatSession.open(client, "U-BENCH", folder / "seat")
        await _until(seat, lambda: seat.store.get_state("cursor") is not None, 60.0)

        async def op(user: str, op: str, number: str | None, **payload: object) -> dict:
            body = {"id": str(uuid.uuid4()), "entity": "work_order", "op": op, "payload": payload,
                    **({"entity_id": number} if number else {})}
            r = await apis[user].post("/api/v1/mutations", json=body)
            r.raise_for_status()
            return r.json()["data"]

        def held(number: str) -> bool:
            return seat.store.conn.execute("SELECT 1 FROM work_orders WHERE number = ?", (number,)).fetchone() \
                is not None

        timings, others = [], []
        for i in range(orders):
            number = (await op("agent2", "create", None, request_type="complaint", category_id="020201",
                               title=f"物业服务问题 {i}", content="来电反映物业不作为", caller_phone=f"1390000{i:04d}"))["number"]
            unit = "B04" if i % 2 == 0 else "B02"
            t0 = time.perf_counter()
            await op("dispatcher", "dispatch", number, handling_unit_id=unit)
            if unit == "B04":
                await _until(seat, lambda n=number: held(n), 10.0)
                timings.append(time.perf_counter() - t0)
            else:
                others.append(number)
        await asyncio.sleep(0)
        leaked = sum(held(n) for n in others)
        for api in apis.values():
            await api.aclose()
        return {"benchmark": "unit_push", "orders": len(timings), "leaked": leaked, **summary_ms(timings)}
    finally:
        if seat is not None:
            client = seat.client
            await seat.close()
            await client.close()
        demo.stop()


async def _until(seat, predicate, timeout: float) -> None:  # noqa: ANN001
    """Wait until predicate() holds, checked whenever the seat's sync has applied what came."""
    if predicate():
        return
    done = asyncio.get_running_loop().create_future()

    def check(*_args: object) -> None:
        if predicate() and not done.done():
            done.set_result(None)
    seat.sync.synced.connect(check)
    try:
        await asyncio.wait_for(done, timeout)
    finally:
        seat.sync.synced.disconnect(check)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50, help="orders dispatched (half of them to the unit)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    log(f"dispatching {args.orders} orders, half to the unit whose seat is measured")
    emit(asyncio.run(measure(args.orders)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
