"""Start-up of the workstation and its memory: at the main window, and at a seat ready for calls.

    python -m benchmarks.startup [--runs 5]

- `start_ms`, `rss_mb`: each run starts `python -m ui.app --ready-probe` offscreen as a new process
  (so the interpreter start and every import count), waits for the line it prints once the main
  window is shown and painted, and takes the resident memory the app reported at that moment
  (before sign-in). The first run warms the operating system's file cache and is not counted.
  The project's modules are byte-compiled first, as an installed workstation has them (pip and the
  bundle compile at install time): where PYTHONDONTWRITEBYTECODE is set, as in some sandboxes and
  CI images, every start would otherwise compile the whole workstation from source (~0.3 s).
- `rss_ready_mb`: each run starts a new process that builds the same window (language, font), signs
  in as the demo agent to the demo platform (the reference platform seeded with the demo data, on a
  loopback port, as `--demo` runs it), waits until the seat's cache is filled (the knowledge index
  built, the pinyin table loaded), runs one knowledge search, sets the agent ready and reports its
  resident memory. Each run starts with an empty cache, as a seat's first sign-in does.

The seeded demo database is kept under tempfile.gettempdir()/hotline-bench, named by a hash of the
platform's code and the demo data, so a run after the first skips the seeding (~10 s).
"""
from __future__ import annotations

import argparse
import asyncio
import compileall
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import cache_dir, emit, log

ROOT = Path(__file__).resolve().parent.parent
SEARCH = "公积金"
PACKAGES = ("domain", "offline_cache", "workstation", "ui", "resources")


def _env(home: str) -> dict:
    return {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "XDG_CONFIG_HOME": f"{home}/config", "XDG_DATA_HOME": f"{home}/data",
            "XDG_STATE_HOME": f"{home}/state", "XDG_CACHE_HOME": f"{home}/cache"}


def window_run(env: dict) -> tuple[float, float]:
    """(ms from process start to the window shown, resident MB then)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ui.app", "--ready-probe"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    proc.communicate(timeout=30)
    report = json.loads(line)
    return elapsed * 1000, report["rss_mb"]


def seat_run(url: str) -> dict:
    """The report of one signed-in seat (a new process, a new cache)."""
    home = tempfile.mkdtemp(prefix="hotline-seat-")
    try:
        out = subprocess.run([sys.executable, "-m", "benchmarks.startup", "--seat-probe", url], env=_env(home),
                             text=True, capture_output=True, timeout=180)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if out.returncode != 0:
        raise RuntimeError(f"the seat probe failed (exit code {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the demo platform --------------------------------------------------------------------------

def _demo_key() -> str:
    """Changes whenever the seeded database could: the platform's code or the demo data."""
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "central").rglob("*.py"), *(ROOT / "resources" / "demo").iterdir()]):
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def seeded_demo_db() -> Path:
    """The demo database, seeded once per version of the platform and its demo data."""
    path = cache_dir() / f"startup-demo-{_demo_key()}.db"
    if not path.exists():
        log("seeding the demo database (once)")
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        subprocess.run([sys.executable, "-m", "central.cli", "seed", "--demo", "--db", f"sqlite:///{partial}"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        partial.replace(path)
        for old in cache_dir().glob("startup-demo-*.db"):  # seeded by an older platform
            if old != path:
                old.unlink(missing_ok=True)
    return path


async def _ready_rss(url: str) -> dict:
    from ui.app import _rss_mb
    from ui.main_window import MainWindow
    from workstation.calls import AgentState
    from workstation.demo import DEMO_PASSWORD, DEMO_USERNAME
    from workstation.platform_client import PlatformClient

    window = MainWindow(seat="bench")
    window.show()
    window.set_client(PlatformClient(url))
    try:
        await window.sign_in(DEMO_USERNAME, DEMO_PASSWORD)
        seat = window.seat_session
        if seat is None:
            raise RuntimeError(f"sign-in failed: {window.link_state.text()}")
        async with asyncio.timeout(120):  # the first sync: snapshots, then the change feed
            while seat.store.get_state("cursor") is None or seat.store.get_state("resync") is not None:
                await asyncio.sleep(0.05)
        hits = seat.knowledge.search(SEARCH)  # as the knowledge pane does, on the UI thread
        await window.call_bar.change_state(AgentState.ready)
        await asyncio.sleep(0.2)  # the pages fill their lists from the platform
        return {"rss_ready_mb": _rss_mb(), "kb_hits": len(hits)}
    finally:
        window.close()
        await window.shutdown()
        if window.client is not None:
            await window.client.close()


def seat_probe(url: str) -> None:
    """Runs in its own process: prints one JSON line once the seat is ready for calls."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from ui.app import APP_NAME, ORGANIZATION, install_translators, use_cjk_font

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setQuitOnLastWindowClosed(False)
    install_translators(app, "zh_CN")
    use_cjk_font(app)
    with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
        report = runner.run(_ready_rss(url))
    print(json.dumps(report), flush=True)


async def _with_platform(db: Path, runs: int) -> list[dict]:
    from workstation.demo import DemoPlatform

    platform = DemoPlatform(db, calls_per_hour=0.0)
    await platform.start()
    try:
        reports = []
        for i in range(runs):
            reports.append(await asyncio.to_thread(seat_run, platform.url))
            log(f"seat run {i + 1}: {reports[-1]['rss_ready_mb']} MB ready ({reports[-1]['kb_hits']} hits)")
        return reports
    finally:
        platform.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seat-probe", metavar="URL", help=argparse.SUPPRESS)  # one signed-in seat
    args = parser.parse_args()
    if args.seat_probe:
        seat_probe(args.seat_probe)
        return
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
    home = tempfile.mkdtemp(prefix="hotline-startup-")
    env = _env(home)
    window_run(env)
    runs = []
    for i in range(args.runs):
        runs.append(window_run(env))
        log(f"run {i + 1}: {runs[-1][0]:.0f} ms, {runs[-1][1]} MB")
    with tempfile.TemporaryDirectory(prefix="hotline-demo-") as folder:
        db = Path(folder) / "central.db"
        shutil.copyfile(seeded_demo_db(), db)
        seats = asyncio.run(_with_platform(db, args.runs))
    shutil.rmtree(home, ignore_errors=True)
    starts = [r[0] for r in runs]
    emit({"benchmark": "startup", "runs": len(runs), "start_ms": round(statistics.median(starts)),
          "start_ms_max": round(max(starts)), "rss_mb": max(r[1] for r in runs),
          "rss_ready_mb": max(s["rss_ready_mb"] for s in seats), "platform_plugin": env["QT_QPA_PLATFORM"]})


if __name__ == "__main__":
    main()
