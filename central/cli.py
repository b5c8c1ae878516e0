"""`hotline-central`: serve the reference platform and manage its database."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

import platformdirs

from central import feed, kb, seed
from central.permissions import Role
from central.store import Database

log = logging.getLogger("central")


def default_db_url() -> str:
    folder = Path(platformdirs.user_data_dir("hotline-central", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'central.db'}"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=None, metavar="URL",
                        help="database URL: sqlite:///PATH (default: a file in the user data folder) "
                             "or postgresql://USER@HOST:PORT/NAME")
    p = argparse.ArgumentParser(prog="hotline-central", description="The 12345 reference central platform.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", parents=[common], help="run the HTTP API and event stream")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8345)
    s.add_argument("--calls-per-hour", type=float, default=0.0, help="simulated inbound calls (Poisson); 0 = none")
    s.add_argument("--seed", type=int, default=None, help="random seed of the call simulator")
    s.add_argument("--ring-timeout", type=float, default=20.0, help="seconds a call rings before it is re-offered")
    s.add_argument("--departments", action="store_true",
                   help="simulated handling units sign, reply, ask for returns and extensions; a simulated "
                        "reviewer decides (acting as the system user 'simulator')")
    s.add_argument("--departments-speed", type=float, default=60.0, metavar="FACTOR",
                   help="how much faster than real life the simulated units work (default 60: an hour in a minute)")

    sm = sub.add_parser("simulate", parents=[common], help="run the centre on a simulated clock and print a summary")
    sm.add_argument("--days", type=float, default=1.0)
    sm.add_argument("--calls-per-hour", type=float, default=300.0)
    sm.add_argument("--seed", type=int, default=7)
    sm.add_argument("--agents", type=int, default=None, help="simulated agents (default: max(4, calls per hour / 20))")
    sm.add_argument("--start", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                    help="the first simulated day (default: today)")

    sub.add_parser("migrate", parents=[common], help="create or upgrade the schema")

    sd = sub.add_parser("seed", parents=[common], help="load reference data (and with --demo, demo data)")
    sd.add_argument("--demo", action="store_true", help="also the demo knowledge base, callers and work orders")

    k = sub.add_parser("kb", help="knowledge base import and export (JSON Lines)")
    ksub = k.add_subparsers(dest="kb_command", required=True)
    ki = ksub.add_parser("import", parents=[common], help="import FILE.jsonl; any malformed line applies nothing")
    ki.add_argument("file", type=Path)
    ke = ksub.add_parser("export", parents=[common], help="export to FILE.jsonl ('-' for standard output)")
    ke.add_argument("file")

    u = sub.add_parser("user", help="manage users")
    usub = u.add_subparsers(dest="user_command", required=True)
    ua = usub.add_parser("add", parents=[common], help="add a user; the password is read from the terminal "
                                                       "or from the HOTLINE_PASSWORD environment variable")
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=[r.value for r in Role])
    ua.add_argument("--display-name", default=None)
    ua.add_argument("--unit", default=None, metavar="UNIT_ID", help="the handling unit of a unit user (role unit)")

    m = sub.add_parser("metrics", parents=[common], help="the centre's figures over a period of China dates")
    m.add_argument("--from", dest="start", required=True, type=date.fromisoformat, metavar="YYYY-MM-DD")
    m.add_argument("--to", dest="end", default=None, type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="the last day, included (default: the first)")
    m.add_argument("--json", action="store_true", help="one JSON object on one line")

    f = sub.add_parser("feed", help="change feed maintenance")
    fsub = f.add_subparsers(dest="feed_command", required=True)
    fc = fsub.add_parser("compact", parents=[common], help="drop changes up to a sequence number")
    fc.add_argument("--keep-after", type=int, required=True, metavar="SEQ",
                    help="drop changes with seq <= SEQ; older cursors must then resync")
    return p


async def _with_db(url: str, work):  # noqa: ANN001, ANN202
    database = Database(url)
    try:
        await database.start()
        return await work(database)
    finally:
        await database.close()


def _serve(args: argparse.Namespace, url: str) -> int:
    from central.platform import Platform
    from central.server import PlatformServer

    departments = None
    if args.departments:
        from central.departments import OfficeRates
        departments = OfficeRates().faster(args.departments_speed)
    platform = Platform(url, calls_per_hour=args.calls_per_hour, seed=args.seed, ring_timeout_s=args.ring_timeout,
                        departments=departments)
    server = PlatformServer(platform, host=args.host, port=args.port, log_level="info")
    server.run()
    return 0


async def _seed(database: Database, demo: bool) -> int:
    async with database.write() as conn:
        if await seed.is_seeded(conn):
            print("the database already holds reference data; nothing to do")
            return 0
        if demo:
            counts = await seed.seed_demo(conn)
            print(f"demo data loaded: {counts['kb_entries']} knowledge entries; "
                  f"users {', '.join(u for u, _, _ in seed.DEMO_USERS)} (password {seed.DEMO_PASSWORD!r})")
        else:
            await seed.seed_reference(conn)
            print("reference data loaded")
    return 0


async def _kb_import(database: Database, path: Path) -> int:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {path}: {exc}", file=sys.stderr)
        return 2
    try:
        entries = kb.parse_lines(lines)
    except kb.ImportRefused as exc:
        for problem in exc.problems:
            print(f"{path}:{problem.line}: {problem.message}", file=sys.stderr)
        print(f"{exc}", file=sys.stderr)
        return 1
    async with database.write() as conn:
        result = await kb.apply(conn, entries)
    print(f"imported {path}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")
    return 0


async def _kb_export(database: Database, target: str) -> int:
    async with database.read() as conn:
        lines = list(await kb.export_lines(conn))
    text = "".join(line + "\n" for line in lines)
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).write_text(text, encoding="utf-8")
        print(f"exported {len(lines)} entries to {target}", file=sys.stderr)
    return 0


async def _user_add(database: Database, args: argparse.Namespace) -> int:
    from central.errors import ApiError
    from central.routes.auth import create_user

    password = os.environ.get("HOTLINE_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
    if len(password) < 8:
        print("the password must have at least 8 characters", file=sys.stderr)
        return 2
    try:
        async with database.write() as conn:
            await create_user(conn, args.username, args.display_name or args.username, Role(args.role), password,
                              unit_id=args.unit)
    except ApiError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"user {args.username} ({args.role}) added")
    return 0


async def _compact(database: Database, keep_after: int) -> int:
    async with database.write() as conn:
        dropped = await feed.compact(conn, keep_after)
    print(f"dropped {dropped} changes; cursors below {keep_after} must resync")
    return 0


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


async def _metrics(database: Database, args: argparse.Namespace) -> int:
    from central import metrics

    end = args.end or args.start
    if end < args.start:
        print("--to is before --from", file=sys.stderr)
        return 2
    async with database.read() as conn:
        figures = await metrics.compute(conn, args.start, end)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, separators=(",", ":")))
        return 0
    print(f"{figures['from']} .. {figures['to']}")
    print(f"calls {figures['calls_arrived']}: answered {_percent(figures['answer_rate'])}, within 15 s "
          f"{_percent(figures['answered_15s_rate'])}, abandoned {_percent(figures['abandon_rate'])}, "
          f"average handling {figures['avg_handle_s'] if figures['avg_handle_s'] is not None else '-'} s")
    print(f"orders {figures['orders_total']} created, {figures['orders_closed']} closed; on time "
          f"{_percent(figures['on_time_close_rate'])}; resolved {_percent(figures['resolution_rate'])}; satisfied "
          f"{_percent(figures['satisfaction_rate'])} (law enforcement "
          f"{_percent(figures['satisfaction_rate_law_enforcement'])}, mediation "
          f"{_percent(figures['satisfaction_rate_mediation'])})")
    for unit_id, unit in figures["by_unit"].items():
        print(f"  {unit_id} {unit['name']}: {unit['orders_closed']} closed, on time "
              f"{_percent(unit['on_time_close_rate'])}, satisfied {_percent(unit['satisfaction_rate'])}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    url = args.db or default_db_url()
    if args.command == "serve":
        return _serve(args, url)
    if args.command == "migrate":
        return asyncio.run(_with_db(url, lambda d: asyncio.sleep(0, 0)))
    if args.command == "seed":
        return asyncio.run(_with_db(url, lambda d: _seed(d, args.demo)))
    if args.command == "kb":
        work = (lambda d: _kb_import(d, args.file)) if args.kb_command == "import" else (lambda d: _kb_export(d, args.file))
        return asyncio.run(_with_db(url, work))
    if args.command == "user":
        return asyncio.run(_with_db(url, lambda d: _user_add(d, args)))
    if args.command == "simulate":
        from central.simulate import simulate
        logging.getLogger().setLevel(logging.WARNING)
        summary = asyncio.run(simulate(url, args.days, args.calls_per_hour, args.seed, args.agents, args.start))
        print(json.dumps(summary, ensure_ascii=False, separators=(",", ":")))
        return 0
    if args.command == "metrics":
        return asyncio.run(_with_db(url, lambda d: _metrics(d, args)))
    if args.command == "feed":
        return asyncio.run(_with_db(url, lambda d: _compact(d, args.keep_after)))
    return 2


if __name__ == "__main__":
    sys.exit(main())
