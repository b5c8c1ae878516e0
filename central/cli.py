"""`hotline-central`: serve the reference platform and manage its database."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
from datetime import date
from pathlib import Path

import platformdirs
from sqlalchemy import select

from central import db, feed, kb, seed
from central.permissions import Role
from central.store import Database

log = logging.getLogger("central")


def default_db_url() -> str:
    folder = Path(platformdirs.user_data_dir("hotline-central", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'central.db'}"


def default_keys_file() -> Path:
    """Beside the platform's configuration, never in the database (nor next to its file)."""
    return Path(platformdirs.user_config_dir("hotline-central", appauthor=False)) / "token-keys.json"


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
    s.add_argument("--certfile", type=Path, default=None, metavar="PEM",
                   help="serve HTTPS with this certificate (chain); needs --keyfile")
    s.add_argument("--keyfile", type=Path, default=None, metavar="PEM", help="the certificate's private key")
    s.add_argument("--token-keys", type=Path, default=None, metavar="FILE",
                   help="the access tokens' signing keys, shared by every worker (default: "
                        "$HOTLINE_TOKEN_KEYS, else $HOTLINE_TOKEN_KEYS_FILE, else the file "
                        "`hotline-central keys new` makes; a missing file is made on first start)")
    s.add_argument("--calls-per-hour", type=float, default=0.0, help="simulated inbound calls (Poisson); 0 = none")
    s.add_argument("--seed", type=int, default=None, help="random seed of the call simulator")
    s.add_argument("--ring-timeout", type=float, default=20.0, help="seconds a call rings before it is re-offered")
    s.add_argument("--departments", action="store_true",
                   help="simulated handling units sign, reply, ask for returns and extensions; a simulated "
                        "reviewer decides (acting as the system user 'simulator')")
    s.add_argument("--departments-speed", type=float, default=60.0, metavar="FACTOR",
                   help="how much faster than real life the simulated units work (default 60: an hour in a minute)")
    s.add_argument("--workers", type=int, default=1, metavar="N",
                   help="N processes sharing the port (PostgreSQL only): the call router, the wallboard, "
                        "the sweeps and the simulators run in one of them at a time, taken over when it dies")
    s.add_argument("--cluster", action="store_true",
                   help="run as one worker of a centre of several (on this machine or others; PostgreSQL "
                        "only): events, presence and the call router are shared through the database")
    s.add_argument("--internal-host", default="127.0.0.1", metavar="ADDRESS",
                   help="with --cluster: where the other workers reach this one (its own port, chosen at "
                        "start); give this machine's address on the centre's network for several machines")
    s.add_argument("--forwarded-allow-ips", default=None, metavar="ADDRESSES",
                   help="the reverse proxies in front (comma-separated addresses) whose X-Forwarded-For "
                        "gives the seat's address; by default no proxy is believed")
    s.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)  # the workers of --workers

    sm = sub.add_parser("simulate", parents=[common], help="run the centre on a simulated clock and print a summary")
    sm.add_argument("--days", type=float, default=1.0)
    sm.add_argument("--calls-per-hour", type=float, default=300.0)
    sm.add_argument("--seed", type=int, default=7)
    sm.add_argument("--agents", type=int, default=None, help="simulated agents (default: max(4, calls per hour / 20))")
    sm.add_argument("--start", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                    help="the first simulated day (default: today)")

    sub.add_parser("migrate", parents=[common], help="create or upgrade the schema")

    sd = sub.add_parser("seed", parents=[common], help="load reference data (and with --demo, demo data)")
    demo = sd.add_mutually_exclusive_group()
    demo.add_argument("--demo", action="store_true",
                      help="also the demo accounts (a published password), knowledge base, callers and work orders")
    demo.add_argument("--demo-users", action="store_true",
                      help="also the demo accounts (a published password), nothing else: for tests")

    k = sub.add_parser("kb", help="knowledge base import and export (JSON Lines)")
    ksub = k.add_subparsers(dest="kb_command", required=True)
    ki = ksub.add_parser("import", parents=[common], help="import FILE.jsonl; any malformed line applies nothing")
    ki.add_argument("file", type=Path)
    ke = ksub.add_parser("export", parents=[common], help="export to FILE.jsonl ('-' for standard output)")
    ke.add_argument("file")

    u = sub.add_parser("user", help="manage accounts (the platform need not be running)")
    usub = u.add_subparsers(dest="user_command", required=True)
    ua = usub.add_parser("add", parents=[common], help="add a user; the password is asked on the terminal")
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=[r.value for r in Role])
    ua.add_argument("--display-name", default=None)
    ua.add_argument("--unit", default=None, metavar="UNIT_ID", help="the handling unit of a unit user (role unit)")
    up = usub.add_parser("passwd", parents=[common], help="set a user's password (asked on the terminal); "
                                                          "unlocks the account and ends the user's sessions")
    up.add_argument("username")
    for parser in (ua, up):
        given = parser.add_mutually_exclusive_group()
        given.add_argument("--password-file", type=Path, metavar="FILE",
                           help="read the password from the first line of FILE instead of asking")
        given.add_argument("--password-stdin", action="store_true",
                           help="read the password from the first line of standard input instead of asking")
    for name, text in (("disable", "stop a user from signing in and end their sessions at once"),
                       ("enable", "let a disabled user sign in again"),
                       ("unlock", "lift the lock left by wrong passwords")):
        usub.add_parser(name, parents=[common], help=text).add_argument("username")
    usub.add_parser("list", parents=[common], help="list the accounts (user name, role, unit, active, locked)")

    st = sub.add_parser("seat", help="the centre's seats by network address (once one is registered, a "
                                     "sign-in works at the seat of its address)")
    stsub = st.add_subparsers(dest="seat_command", required=True)
    sa = stsub.add_parser("add", parents=[common], help="register a seat at an IP address")
    sa.add_argument("seat_id")
    sa.add_argument("--address", required=True, help="the seat computer's IP address as the platform sees it")
    sa.add_argument("--name", default="", help="where the seat is, for people (e.g. 二楼 12 号)")
    stsub.add_parser("remove", parents=[common], help="forget a seat").add_argument("seat_id")
    stsub.add_parser("list", parents=[common], help="list the seats (id, address, name)")

    cs = sub.add_parser("settings", help="the centre's settings (shown, or one set)")
    cssub = cs.add_subparsers(dest="settings_command", required=True)
    cssub.add_parser("show", parents=[common], help="every setting with its value")
    cset = cssub.add_parser("set", parents=[common], help="set one setting")
    cset.add_argument("name")
    cset.add_argument("value")

    dr = sub.add_parser("dispatch-rules", help="the dispatch rule table: who takes a category in a district")
    drsub = dr.add_subparsers(dest="rules_command", required=True)
    drsub.add_parser("show", parents=[common], help="the rules, one a line (district, category, lead, assisting)")
    dri = drsub.add_parser("import", parents=[common], help="make the table FILE's rules (JSON: {\"rules\": [...]}); "
                                                          "any wrong rule applies nothing")
    dri.add_argument("file", type=Path)

    keys = sub.add_parser("keys", help="the access tokens' signing keys (a file outside the database)")
    ksub2 = keys.add_subparsers(dest="keys_command", required=True)
    for name, text in (("new", "make a key file (refuses to overwrite one)"),
                       ("rotate", "add a new signing key; the old ones still check the tokens they signed"),
                       ("retire", "drop every key but the current one (once the access TTL has passed "
                                  "since the last rotation)")):
        kp = ksub2.add_parser(name, help=text)
        kp.add_argument("--file", type=Path, default=None, metavar="PATH",
                        help=f"the key file (default: {default_keys_file()})")

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
    from central.security import BadKeys, TokenKeys
    from central.server import PlatformServer

    if (args.certfile is None) != (args.keyfile is None):
        print("--certfile and --keyfile go together", file=sys.stderr)
        return 2
    if args.certfile is None and args.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving plain HTTP on %s: passwords and citizens' data cross the network unencrypted; "
                    "give --certfile and --keyfile (or put a TLS proxy in front)", args.host)
    try:
        if args.token_keys is not None and not args.token_keys.exists():
            TokenKeys.generate().save(args.token_keys)
            log.info("made the token key file %s", args.token_keys)
        keys = TokenKeys.from_environment(args.token_keys)
        if keys is None:
            path = default_keys_file()
            if not path.exists():
                TokenKeys.generate().save(path)
                log.info("made the token key file %s", path)
            keys = TokenKeys.load(path)
    except BadKeys as exc:
        print(f"token keys: {exc}", file=sys.stderr)
        return 2
    if args.workers > 1 or args.cluster:
        if not url.startswith("postgresql"):
            print("several workers need a PostgreSQL database (--db postgresql://...)", file=sys.stderr)
            return 2
    if args.workers > 1:
        return _serve_workers(args)
    departments = None
    if args.departments:
        from central.departments import OfficeRates
        departments = OfficeRates().faster(args.departments_speed)
    sockets, address = None, None
    if args.cluster:
        from central.server import bind_address
        public = bind_address(args.host, args.port, reuse_port=args.reuse_port)
        internal = bind_address(args.internal_host, 0)
        scheme = "https" if args.certfile else "http"
        host = f"[{args.internal_host}]" if ":" in args.internal_host else args.internal_host
        address = f"{scheme}://{host}:{internal.getsockname()[1]}"
        sockets = [public, internal]
    platform = Platform(url, calls_per_hour=args.calls_per_hour, seed=args.seed, ring_timeout_s=args.ring_timeout,
                        departments=departments, token_keys=keys, cluster_address=address)
    server = PlatformServer(platform, host=args.host, port=args.port, log_level="info",
                            certfile=str(args.certfile) if args.certfile else None,
                            keyfile=str(args.keyfile) if args.keyfile else None,
                            forwarded_allow_ips=args.forwarded_allow_ips)
    server.run(sockets=sockets)  # uvicorn's run: its event loop (uvloop when installed)
    return 0


def _serve_workers(args: argparse.Namespace) -> int:
    """`serve --workers N`: N worker processes on one port (SO_REUSEPORT: the kernel spreads the
    connections); one that dies is started again. Ends them all on SIGTERM or Ctrl+C."""
    import signal
    import subprocess
    import time

    argv, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
        elif arg == "--workers":
            skip = True
        elif not arg.startswith("--workers="):
            argv.append(arg)
    command = [sys.executable, "-m", "central.cli", *argv, "--cluster", "--reuse-port"]
    workers: list[subprocess.Popen] = [subprocess.Popen(command) for _ in range(args.workers)]
    stopping = False

    def stop(_sig: int, _frame) -> None:  # noqa: ANN001
        nonlocal stopping
        stopping = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("serving with %d workers on %s:%d", args.workers, args.host, args.port)
    while not stopping:
        for i, worker in enumerate(workers):
            if worker.poll() is not None and not stopping:
                log.warning("worker %d (pid %d) ended with %s; starting another", i, worker.pid, worker.returncode)
                workers[i] = subprocess.Popen(command)
        time.sleep(0.5)  # supervising child processes: no event loop here
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
    return 0


DEMO_WARNING = """\
*** DEMO ACCOUNTS: every one of them has the published password {password!r}. ***
*** Anyone who reads the project's README can sign in as admin. Never use this database for a real centre. ***"""


async def _seed(database: Database, demo: bool, demo_users: bool = False) -> int:
    async with database.write() as conn:
        if await seed.is_seeded(conn):
            print("the database already holds reference data; nothing to do")
            return 0
        if demo_users:
            await seed.seed_reference(conn)
            await seed.seed_demo_users(conn)
            print("reference data and the demo accounts loaded")
            print(DEMO_WARNING.format(password=seed.DEMO_PASSWORD), file=sys.stderr)
        elif demo:
            counts = await seed.seed_demo(conn)
            print(f"demo data loaded: {counts['kb_entries']} knowledge entries; "
                  f"users {', '.join(u for u, _, _ in seed.DEMO_USERS)}, "
                  f"{', '.join(u for u, _, _ in seed.DEMO_UNIT_USERS)}")
            print(DEMO_WARNING.format(password=seed.DEMO_PASSWORD), file=sys.stderr)
        else:
            await seed.seed_reference(conn)
            print("reference data loaded (categories, handling units); there is no account yet: add the first "
                  "administrator with `hotline-central user add NAME --role admin` (it asks for a password)")
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


def _password(args: argparse.Namespace) -> str:
    """From --password-file, --password-stdin, or asked twice on the terminal; never an argument."""
    if args.password_file is not None:
        return args.password_file.read_text(encoding="utf-8").splitlines()[0] if \
            args.password_file.stat().st_size else ""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"password for {args.username}: ")
    if getpass.getpass("the same password again: ") != first:
        raise ValueError("the two passwords differ")
    return first


async def _user(database: Database, args: argparse.Namespace) -> int:
    from central import accounts
    from central.errors import ApiError

    command = args.user_command
    try:
        if command == "list":
            async with database.read() as conn:
                rows = (await conn.execute(select(db.users).order_by(db.users.c.id))).mappings().all()
            for row in rows:
                user = accounts.public(row)
                print(f"{user['username']}\t{user['role']}\t{user['unit_id'] or '-'}\t"
                      f"{'active' if user['active'] else 'disabled'}"
                      f"{chr(9) + 'locked until ' + user['locked_until'] if user['locked_until'] else ''}")
            return 0
        if command in ("add", "passwd"):
            try:
                password = _password(args)
            except (OSError, ValueError, IndexError, EOFError) as exc:
                print(f"no password: {exc}", file=sys.stderr)
                return 2
            display = getattr(args, "display_name", None) or args.username
            password_hash = await accounts.hashed(password, args.username, display)
            async with database.write() as conn:
                if command == "add":
                    await accounts.create_user(conn, args.username, display, Role(args.role), password_hash,
                                               unit_id=args.unit)
                    print(f"user {args.username} ({args.role}) added")
                else:
                    _, ended = await accounts.set_password(conn, args.username, password_hash)
                    print(f"password of {args.username} set; {len(ended)} session(s) ended")
            return 0
        async with database.write() as conn:
            if command == "unlock":
                await accounts.unlock(conn, args.username)
                print(f"{args.username} unlocked")
            else:
                _, ended = await accounts.set_active(conn, args.username, command == "enable")
                print(f"{args.username} {command}d" + ("" if command == "enable" else
                                                       f"; {len(ended)} session(s) ended"))
    except ApiError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    return 0


async def _seat(database: Database, args: argparse.Namespace) -> int:
    from central import seats

    command = args.seat_command
    async with database.write() as conn:
        if command == "list":
            for row in await seats.all_seats(conn):
                print(f"{row['id']}\t{row['address']}\t{row['name']}")
            return 0
        if command == "remove":
            if not await seats.remove(conn, args.seat_id):
                print(f"no seat {args.seat_id}", file=sys.stderr)
                return 1
            print(f"seat {args.seat_id} removed")
            return 0
        try:
            row = await seats.add(conn, args.seat_id, args.address, args.name)
        except seats.SeatError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(f"seat {row['id']} registered at {row['address']}; sign-ins from other addresses are refused "
          "once any seat is registered")
    return 0


async def _settings(database: Database, args: argparse.Namespace) -> int:
    from central import settings

    async with database.write() as conn:
        if args.settings_command == "set":
            try:
                value = await settings.put(conn, args.name, args.value)
            except ValueError as exc:
                print(str(exc), file=sys.stderr)
                return 2
            print(f"{args.name} = {value}")
            return 0
        for name, value in (await settings.all_settings(conn)).items():
            print(f"{name}\t{value}\t{settings.SETTINGS[name].help}")
    return 0


async def _dispatch_rules(database: Database, args: argparse.Namespace) -> int:
    from central import dispatch_rules
    from central.errors import ApiError

    async with database.write() as conn:
        if args.rules_command == "import":
            try:
                made = await dispatch_rules.replace(conn, dispatch_rules.read_file(args.file))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                print(f"cannot read {args.file}: {exc}", file=sys.stderr)
                return 2
            except ApiError as exc:
                print(f"{args.file}: {exc.field}: {exc.message}; nothing applied", file=sys.stderr)
                return 1
            print(f"imported {args.file}: {made['added']} added, {made['changed']} changed, "
                  f"{made['removed']} removed, {made['unchanged']} unchanged")
            return 0
        for rule in await dispatch_rules.load(conn):
            print(f"{rule.district}\t{rule.category}\t{rule.lead}\t{','.join(rule.assisting) or '-'}\t{rule.note}")
    return 0


def _keys(args: argparse.Namespace) -> int:
    from central.security import BadKeys, TokenKeys

    path = args.file or default_keys_file()
    try:
        if args.keys_command == "new":
            if path.exists():
                print(f"{path} exists already; use `keys rotate`", file=sys.stderr)
                return 1
            TokenKeys.generate().save(path)
            print(f"made {path}")
            return 0
        current = TokenKeys.load(path)
        changed = current.rotated() if args.keys_command == "rotate" else current.retired()
        changed.save(path)
    except BadKeys as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"{path}: current key {changed.current}; {len(changed.keys)} key(s); restart the platform's workers "
          "to use it")
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
        figures["hot_topics"] = await metrics.hot_topics_at_end(conn, end)
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
    hot = figures["hot_topics"]
    print(f"hot topics in the {hot['hours']} hours before {hot['at'][:16]}: {len(hot['items']) or 'none'}")
    for item in hot["items"]:
        print(f"  {item['category']} {item['district'] or '(whole city)'}: {item['observed']} requests, usually "
              f"{item['expected']:g}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "keys":
        return _keys(args)
    url = args.db or default_db_url()
    if args.command == "serve":
        return _serve(args, url)
    if args.command == "migrate":
        return asyncio.run(_with_db(url, lambda d: asyncio.sleep(0, 0)))
    if args.command == "seed":
        return asyncio.run(_with_db(url, lambda d: _seed(d, args.demo, args.demo_users)))
    if args.command == "kb":
        work = (lambda d: _kb_import(d, args.file)) if args.kb_command == "import" else (lambda d: _kb_export(d, args.file))
        return asyncio.run(_with_db(url, work))
    if args.command == "user":
        return asyncio.run(_with_db(url, lambda d: _user(d, args)))
    if args.command == "seat":
        return asyncio.run(_with_db(url, lambda d: _seat(d, args)))
    if args.command == "settings":
        return asyncio.run(_with_db(url, lambda d: _settings(d, args)))
    if args.command == "dispatch-rules":
        return asyncio.run(_with_db(url, lambda d: _dispatch_rules(d, args)))
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
