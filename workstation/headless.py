"""A workstation without a screen: sign in, sync, optionally record orders, and exit when the
cache has caught up. For diagnosing a seat's link from a terminal, and for the crash tests.

    HOTLINE_PASSWORD=... python -m workstation.headless --platform URL --cache FILE --user NAME
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from offline_cache.store import CacheStore
from workstation.orders import OrderService
from workstation.platform_client import PlatformClient
from workstation.sync import Backoff, SyncService


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m workstation.headless")
    p.add_argument("--platform", required=True, help="the platform's base URL")
    p.add_argument("--cache", required=True, type=Path, help="the cache file")
    p.add_argument("--user", required=True)
    p.add_argument("--seat", default="H-01")
    p.add_argument("--page-size", type=int, default=1000)
    p.add_argument("--record", type=int, default=0, metavar="N",
                   help="record N consultation orders closed at intake (once per cache file)")
    p.add_argument("--phone", default="13800138000", help="caller of the recorded orders")
    return p


async def run(args: argparse.Namespace) -> int:
    store = CacheStore(args.cache)
    client = PlatformClient(args.platform)
    await client.sign_in(args.user, os.environ["HOTLINE_PASSWORD"], args.seat)
    sync = SyncService(store, client, page_size=args.page_size, backoff=Backoff(base_s=0.05, cap_s=1.0))
    sync.progress.connect(lambda what, done, total: print(f"progress {what} {done} {total}", flush=True))
    orders = OrderService(sync, args.seat)
    recorded = int(store.get_state("headless_recorded", "0") or 0)
    for i in range(recorded, args.record):
        await orders.create({"request_type": "consultation", "category_id": "010101", "title": f"离线工单 {i}",
                             "content": "来电咨询", "caller_phone": args.phone},
                            then=("close_at_intake", {"answer": "已答复"}))
        await sync.write(_mark_recorded, store, i + 1)
    print(f"recorded {args.record}", flush=True)
    await sync.upload_all()
    print("uploaded", flush=True)
    cursor = await sync.download_all()
    print(f"synced {cursor}", flush=True)
    await sync.stop()
    await client.close()
    store.close()
    return 0


def _mark_recorded(store: CacheStore, count: int) -> None:
    with store.transaction() as conn:
        store.set_state(conn, "headless_recorded", str(count))


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    return asyncio.run(run(_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
