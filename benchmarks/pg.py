"""A throwaway PostgreSQL cluster on a loopback port, for the tests and the fault driver."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"


def bindir() -> str | None:
    """Where the server's programs (initdb, pg_ctl) are, or None."""
    candidates = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    return next((c for c in candidates if c and os.path.exists(os.path.join(c, "initdb"))), None)


def as_server_user() -> list[str]:
    """initdb refuses to run as root: as root the cluster belongs to the postgres user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@contextmanager
def cluster(folder: Path, programs: str) -> Iterator[str]:
    """Make and start a cluster in `folder` (which the server's user must be able to reach) with
    the durability off; yield its address, `postgresql://hotline@127.0.0.1:PORT`; stop it at once."""
    as_user = as_server_user()
    if as_user:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    subprocess.run([*as_user, f"{programs}/initdb", "-D", str(data), "-A", "trust", "-U", "hotline", "-E", "UTF8",
                    "--locale=C"], check=True, capture_output=True)
    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    options = (f"-p {port} -k {folder} -c listen_addresses={HOST} -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_connections=200")
    subprocess.run([*as_user, f"{programs}/pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-w", "-o", options,
                    "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://hotline@{HOST}:{port}"
    finally:
        subprocess.run([*as_user, f"{programs}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)


@contextmanager
def throwaway(prefix: str) -> Iterator[str]:
    """A cluster in a new folder under /tmp, not under $TMPDIR: the server's user must reach it,
    and a private temp folder (the tests give the benchmarks one) it cannot. Removed at the end."""
    programs = bindir()
    if programs is None:
        raise SystemExit("PostgreSQL's server programs (initdb) are not installed; install the postgresql package")
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp" if os.path.isdir("/tmp") else None))
    try:
        with cluster(folder, programs) as url:
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)
