"""One run of a headless seat for benchmarks.faults: the real client core (PlatformClient,
SeatSession, OrderService) over a cache folder that outlives the run.

    HOTLINE_PASSWORD=... python -m benchmarks.fault_client --platform URL --folder DIR --seat S-1 --orders 2

It signs in (or resumes with the refresh token the last run of this seat kept in DIR, as the
keyring would), opens the seat, records `--orders` consultations (those named by `--close` closed at
intake, as agents do for a question answered from the knowledge base), and prints one line per order
right after its local record returns, so that a line on stdout means the order was intended:

    intended <client_ref> <title token> closed|open

Then it waits until nothing in the outbox can still be sent and a full pass of the change feed has
started after that, and exits with a last line `done outbox=N rejected=N cursor=N` (`timeout ...`
at its deadline). On the way it says `offline_start` (opened from its cache, the platform not
answering), `open_wait attempts=N` (waited for the platform before it could open) and
`resume_refused CODE` (the kept token was refused: the password again). The driver forks runs
(`forked`) and kills some of them at any moment, on purpose. Not a benchmark itself: no `main()`.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from pathlib import Path

from workstation.platform_client import PlatformClient, PlatformError, PlatformUnreachable, Session
from workstation.session import SeatSession
from workstation.sync import Backoff

TOKEN_FILE = "refresh-token"  # the seat's stand-in for the OS keyring, in the benchmark's throwaway folder
PHONES = ("13800138000", "13900139000", "13700137000")  # made-up callers


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.fault_client")
    p.add_argument("--platform", required=True, help="base URL (the driver's fault proxy)")
    p.add_argument("--folder", required=True, type=Path, help="the seat's data folder (cache, kept token)")
    p.add_argument("--seat", required=True)
    p.add_argument("--user", default="agent")
    p.add_argument("--run", required=True, help="this run's id, in the orders' titles")
    p.add_argument("--orders", type=int, default=0)
    p.add_argument("--close", default="", help="comma-separated indexes of the orders closed at intake")
    p.add_argument("--resume", action="store_true", help="start from the kept refresh token when there is one")
    p.add_argument("--deadline", type=float, default=30.0, help="seconds before giving up (and exiting)")
    return p


def say(line: str) -> None:
    print(line, flush=True)


def _keep_token(folder: Path, session: Session | None) -> None:
    if session is None or not session.refresh_token:
        return
    temporary = folder / (TOKEN_FILE + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(session.refresh_token)
    os.replace(temporary, folder / TOKEN_FILE)


async def _connect(client: PlatformClient, args: argparse.Namespace, password: str, until: float) -> bool:
    """Signed in (or, where the core allows it, resumed offline) before the deadline? Retries what a
    person would retry: no answer, or not the platform's answer. A refused kept token falls back to
    the password, as the UI asks for it."""
    kept = args.folder / TOKEN_FILE
    resume = args.resume and kept.exists()
    offline_ok = resume and any(args.folder.glob("cache/*/*.db"))
    attempts = 0
    while time.monotonic() < until:
        attempts += 1
        try:
            if resume:
                token = kept.read_text(encoding="ascii").strip()
                client.adopt_refresh_token(token, {"username": args.user})
                await client.me()
            else:
                await client.sign_in(args.user, password, args.seat)
            break
        except PlatformError as exc:
            if resume and exc.status == 401:
                say(f"resume_refused {exc.code}")
                resume = offline_ok = False
                continue
            if exc.code == "bad_credentials":
                raise
        except PlatformUnreachable:
            pass
        if offline_ok:
            say("offline_start")
            return True
        await asyncio.sleep(min(0.5, 0.05 * attempts))
    else:
        return False
    if attempts > 1:
        say(f"open_wait attempts={attempts}")
    return True


def _unsent(seat: SeatSession) -> int:
    """Outbox mutations the uploader will still send: those held behind a rejection wait for the agent."""
    pending = seat.sync.outbox_size()
    if pending:
        pending -= sum(len(seat.sync.held_behind(r.mutation_id)) for r in seat.sync.rejections())
    return pending


async def _settle(seat: SeatSession, until: float) -> bool:
    """Outbox empty, then two feed passes completed: the second began after the outbox emptied."""
    changed = asyncio.Event()
    passes = [0]

    def outbox(_count: int) -> None:
        changed.set()

    def synced(_cursor: int) -> None:
        passes[0] += 1
        changed.set()

    seat.sync.outbox_changed.connect(outbox)
    seat.sync.synced.connect(synced)
    try:
        while _unsent(seat):
            if not await _wait(changed, until):
                return False
        passes[0] = 0
        while passes[0] < 2:
            if not await _wait(changed, until):
                return False
        return True
    finally:
        seat.sync.outbox_changed.disconnect(outbox)
        seat.sync.synced.disconnect(synced)


async def _wait(event: asyncio.Event, until: float) -> bool:
    """Wait for the event (or half a second, to look again); False past the deadline."""
    left = until - time.monotonic()
    if left <= 0:
        return False
    try:
        async with asyncio.timeout(min(0.5, left)):
            await event.wait()
    except TimeoutError:
        pass
    event.clear()
    return True


async def _sign_in_again(client: PlatformClient, args: argparse.Namespace, password: str) -> None:
    """The platform refused the kept token after an offline start: the agent types the password."""
    say("resume_refused later")
    for attempt in range(1, 1000):
        try:
            await client.sign_in(args.user, password, args.seat)
            return
        except (PlatformUnreachable, PlatformError) as exc:
            if isinstance(exc, PlatformError) and exc.code == "bad_credentials":
                raise
        await asyncio.sleep(min(0.5, 0.05 * attempt))


async def run(args: argparse.Namespace, password: str) -> int:
    until = time.monotonic() + args.deadline
    args.folder.mkdir(parents=True, exist_ok=True)
    client = PlatformClient(args.platform, timeout=5.0)
    client.on_session.append(lambda session: _keep_token(args.folder, session))
    again: list[asyncio.Task] = []

    def refused(_error: PlatformError) -> None:
        if not again:
            again.append(asyncio.get_running_loop().create_task(_sign_in_again(client, args, password)))

    seat: SeatSession | None = None
    try:
        if not await _connect(client, args, password, until):
            say("timeout unopened")
            return 3
        client.on_refused.append(refused)  # the seat stays open; the password is typed again
        seat = await SeatSession.open(client, args.seat, args.folder, backoff=Backoff(base_s=0.05, cap_s=0.5),
                                      poll_interval_s=0.25)
        say("open")
        closing = {int(i) for i in args.close.split(",") if i}
        for i in range(args.orders):
            token = f"{args.run}.{i}"
            then = ("close_at_intake", {"answer": "已按知识库答复"}) if i in closing else None
            number = await seat.orders.create(
                {"request_type": "consultation", "category_id": "010101", "title": f"故障演练 {token}",
                 "content": "来电咨询政策", "caller_phone": PHONES[i % len(PHONES)]}, then=then)
            say(f"intended {number} {token} {'closed' if then else 'open'}")
        settled = await _settle(seat, until)
        state = (f"outbox={seat.sync.outbox_size()} rejected={len(seat.sync.rejections())} "
                 f"cursor={seat.store.cursor}")
        say(("done " if settled else "timeout ") + state)
        return 0 if settled else 3
    finally:
        for task in again:
            task.cancel()
        if seat is not None:
            await seat.close()
        await client.close()


def forked(argv: list[str], out: str, errors: str, password: str) -> None:
    """A run in a process forked from the driver's fork server, which has imported this module
    once: a run then costs its own work, not the interpreter's start. Its stdout goes to `out`,
    written as each line is printed, so that the lines of a killed run are all there."""
    for fd, path in ((1, out), (2, errors)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(target, fd)
        os.close(target)
    _logging()
    sys.exit(asyncio.run(run(_parser().parse_args(argv), password)))


def _logging() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")


if __name__ == "__main__":
    _logging()
    sys.exit(asyncio.run(run(_parser().parse_args(), os.environ["HOTLINE_PASSWORD"])))
