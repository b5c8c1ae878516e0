"""`hotline-central` as a user runs it: serve on a chosen port, migrate, seed the demo data."""
from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from central import db
from central.migrations import latest_version
from central.routes import feed as routes_feed
from central.security import Claims, InvalidToken, TokenKeys, issue_access_token, read_access_token
from central.seed import DEMO_PASSWORD
from central.store import Database
from tests.platform.test_accounts import stream_ends
from tests.platform.test_events import events


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "central.cli", *args], capture_output=True, text=True,
                          timeout=180, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(db_url: str, tmp_path: Path, *extra: str, scheme: str = "http", verify=True) -> Iterator[dict]:  # noqa: ANN001
    """`hotline-central serve` in its own process, with a key file of its own; yields its OpenAPI."""
    keys = tmp_path / "token-keys.json"
    if not keys.exists():
        assert cli("keys", "new", "--file", str(keys)).returncode == 0
    for _ in range(3):  # another process may take the free port before the server binds it
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "central.cli", "serve", "--db", db_url, "--host", "127.0.0.1",
                                 "--port", str(port), "--token-keys", str(keys), *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        spec = _spec(proc, f"{scheme}://127.0.0.1:{port}", verify)
        if spec is not None:
            break
    else:
        raise AssertionError("the port was taken three times")
    try:
        yield {"spec": spec, "port": port, "proc": proc}
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=20)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so that the exit status tells why it ended
    assert proc.returncode in (0, -15)
    assert "Application shutdown complete" in output


def _spec(proc: subprocess.Popen, url: str, verify) -> dict | None:  # noqa: ANN001
    """The OpenAPI of the server once it answers; None when its port was taken."""
    give_up = time.monotonic() + 30
    while True:  # the server is another process: poll its port until it answers
        try:
            return httpx.get(f"{url}/openapi.json", timeout=2, verify=verify).json()
        except httpx.TransportError:
            if proc.poll() is not None:
                output = proc.stdout.read()
                if "address already in use" in output:
                    return None
                raise AssertionError(output) from None
            assert time.monotonic() < give_up, "the platform did not start"
            time.sleep(0.1)


def test_serve_listens_on_the_given_port_and_serves_openapi(db_url, tmp_path):
    with served(db_url, tmp_path) as server:
        for path in ("/api/v1/auth/sign-in", "/api/v1/mutations", "/api/v1/changes", "/api/v1/events",
                     "/api/v1/kb/import", "/api/v1/work-orders"):
            assert path in server["spec"]["paths"]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return certfile, keyfile


def test_serve_speaks_tls_with_a_certificate_and_a_client_that_trusts_it_signs_in(db_url, tmp_path):
    certfile, keyfile = _self_signed(tmp_path)
    assert cli("serve", "--db", db_url, "--certfile", str(certfile)).returncode == 2  # both or neither
    context = ssl.create_default_context(cafile=str(certfile))
    with served(db_url, tmp_path, "--certfile", str(certfile), "--keyfile", str(keyfile), scheme="https",
                verify=context) as server:
        url = f"https://127.0.0.1:{server['port']}"
        r = httpx.post(f"{url}/api/v1/auth/sign-in", verify=context,
                       json={"username": "agent", "password": DEMO_PASSWORD, "seat": "S-01"})
        assert r.status_code == 200
        with pytest.raises(httpx.TransportError):  # plain HTTP is not answered on the TLS port
            httpx.get(f"http://127.0.0.1:{server['port']}/api/v1/health", timeout=5)
        with pytest.raises(httpx.ConnectError):  # nor is a certificate the client was not told to trust
            httpx.get(f"{url}/api/v1/health", timeout=5)


async def _counts(url: str) -> dict:
    database = Database(url)
    try:
        async with database.read() as conn:
            async def count(table, *where) -> int:  # noqa: ANN001
                return (await conn.execute(select(func.count()).select_from(table).where(*where))).scalar_one()
            leaves = (await conn.execute(select(func.count()).select_from(db.categories).where(
                db.categories.c.id.not_in(select(db.categories.c.parent_id).where(
                    db.categories.c.parent_id.is_not(None)))))).scalar_one()
            return {
                "version": (await conn.execute(select(func.max(db.schema_migrations.c.version)))).scalar_one(),
                "top": await count(db.categories, db.categories.c.parent_id.is_(None)),
                "leaves": leaves,
                "units": await count(db.handling_units),
                "kb": await count(db.kb_entries),
                "short_answers": await count(db.kb_entries, func.length(db.kb_entries.c.answer) < 100),
                "callers": await count(db.callers),
                "orders": await count(db.work_orders),
                "roles": set((await conn.execute(select(db.users.c.role))).scalars()),
            }
    finally:
        await database.close()


def test_seed_demo_makes_the_promised_demo_data_once(empty_db_url):
    assert cli("migrate", "--db", empty_db_url).returncode == 0
    first = cli("seed", "--demo", "--db", empty_db_url)
    assert first.returncode == 0, first.stderr
    counts = asyncio.run(_counts(empty_db_url))
    assert counts["version"] == latest_version()
    assert counts["top"] >= 9 and counts["leaves"] >= 100 and counts["units"] >= 40
    assert counts["kb"] >= 300 and counts["short_answers"] == 0
    assert counts["callers"] >= 1000 and counts["orders"] >= 5000
    assert counts["roles"] == {"agent", "expert", "team_lead", "dispatcher", "admin", "unit", "kb_editor", "partner"}
    again = cli("seed", "--demo", "--db", empty_db_url)
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert asyncio.run(_counts(empty_db_url))["orders"] == counts["orders"]


def test_a_plain_seed_makes_no_account_and_says_how_to_add_the_first(empty_db_url, tmp_path):
    seeded = cli("seed", "--db", empty_db_url)
    assert seeded.returncode == 0, seeded.stderr
    assert "no account" in seeded.stdout and "user add" in seeded.stdout
    assert asyncio.run(_counts(empty_db_url))["roles"] == set()
    weak = cli("user", "add", "boss", "--role", "admin", "--password-stdin", "--db", empty_db_url,
               input="hotline-demo\n")
    assert weak.returncode == 1 and "too easy to guess" in weak.stderr
    secret = tmp_path / "password"
    secret.write_text("violet-Harbour-93-kite\n")
    added = cli("user", "add", "boss", "--role", "admin", "--password-file", str(secret), "--db", empty_db_url)
    assert added.returncode == 0, added.stderr
    assert "violet" not in added.stdout + added.stderr
    listed = cli("user", "list", "--db", empty_db_url)
    assert listed.stdout.split("\n")[0].split("\t") == ["boss", "admin", "-", "active"]


def test_the_demo_seed_says_loudly_that_its_accounts_have_a_published_password(empty_db_url):
    seeded = cli("seed", "--demo", "--db", empty_db_url)
    assert seeded.returncode == 0, seeded.stderr
    assert "DEMO ACCOUNTS" in seeded.stderr and repr(DEMO_PASSWORD) in seeded.stderr
    assert "simulator" not in seeded.stdout  # the simulators' system users cannot sign in


def test_user_commands_never_take_the_password_as_an_argument_and_check_units(db_url):
    given = {"input": "violet-Harbour-93-kite\n"}
    added = cli("user", "add", "zhao", "--role", "dispatcher", "--password-stdin", "--db", db_url, **given)
    assert added.returncode == 0, added.stderr
    duplicate = cli("user", "add", "zhao", "--role", "dispatcher", "--password-stdin", "--db", db_url, **given)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    no_unit = cli("user", "add", "qian", "--role", "unit", "--password-stdin", "--db", db_url, **given)
    assert no_unit.returncode == 1 and "unit" in no_unit.stderr
    unit = cli("user", "add", "qian", "--role", "unit", "--unit", "E110", "--password-stdin", "--db", db_url, **given)
    assert unit.returncode == 0, unit.stderr
    asked = cli("user", "add", "sun", "--role", "agent", "--db", db_url, input="")  # no terminal, no password
    assert asked.returncode == 2 and "no password" in asked.stderr
    assert cli("user", "add", "sun", "--role", "agent", "--password", "x", "--db", db_url).returncode == 2


def test_disable_and_passwd_from_the_command_line_end_the_sessions_of_a_running_platform(
        platform, sign_in, monkeypatch):
    # the CLI is another process: the stream learns of it at its next keep-alive (made short here)
    monkeypatch.setattr(routes_feed, "KEEPALIVE_S", 0.05)
    agent = sign_in("agent")
    with events(agent) as stream:
        disabled = cli("user", "disable", "agent", "--db", platform.platform.db.url)
        assert disabled.returncode == 0 and "1 session(s) ended" in disabled.stdout
        assert stream_ends(stream)
    assert agent.get("/api/v1/me").status_code == 401
    assert cli("user", "enable", "agent", "--db", platform.platform.db.url).returncode == 0
    again = sign_in("agent")
    changed = cli("user", "passwd", "agent", "--password-stdin", "--db", platform.platform.db.url,
                  input="amber-Lantern-57-river\n")
    assert changed.returncode == 0, changed.stderr
    assert again.get("/api/v1/me").status_code == 401
    r = httpx.post(f"{platform.url}/api/v1/auth/sign-in",
                   json={"username": "agent", "password": "amber-Lantern-57-river", "seat": "S-01"})
    assert r.status_code == 200


def test_seats_are_registered_listed_and_removed_from_the_command_line(platform):
    url = platform.platform.db.url
    added = cli("seat", "add", "A-01", "--address", "127.0.0.1", "--name", "一楼 1 号", "--db", url)
    assert added.returncode == 0 and "registered at 127.0.0.1" in added.stdout
    twice = cli("seat", "add", "A-02", "--address", "127.0.0.1", "--db", url)
    assert twice.returncode == 1 and "A-01" in twice.stderr
    assert cli("seat", "list", "--db", url).stdout.splitlines() == ["A-01\t127.0.0.1\t一楼 1 号"]
    r = httpx.post(f"{platform.url}/api/v1/auth/sign-in", json={"username": "agent", "password": DEMO_PASSWORD,
                                                                "seat": "Z-99"})
    assert r.status_code == 200 and r.json()["seat"] == "A-01"  # the running platform reads the registry
    assert cli("seat", "remove", "A-01", "--db", url).returncode == 0
    assert cli("seat", "remove", "A-01", "--db", url).returncode == 1


def test_the_token_key_file_is_made_private_rotated_and_retired(tmp_path):
    path = tmp_path / "keys" / "token-keys.json"
    assert cli("keys", "new", "--file", str(path)).returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = TokenKeys.load(path)
    assert cli("keys", "new", "--file", str(path)).returncode == 1  # never overwritten
    token = issue_access_token(first, Claims(7, "agent", "agent", "S-01", int(time.time()) + 60, session_id="s"))
    assert cli("keys", "rotate", "--file", str(path)).returncode == 0
    rotated = TokenKeys.load(path)
    assert rotated.current != first.current and read_access_token(rotated, token).user_id == 7
    assert cli("keys", "retire", "--file", str(path)).returncode == 0
    with pytest.raises(InvalidToken):
        read_access_token(TokenKeys.load(path), token)
    path.chmod(0o644)
    refused = cli("keys", "rotate", "--file", str(path))
    assert refused.returncode == 1 and "chmod 600" in refused.stderr
