"""Start-up of the workstation: process start to a usable main window, and its memory then.

    python -m benchmarks.startup [--runs 5]

Each run starts `python -m ui.app --ready-probe` offscreen as a new process (so the interpreter
start and every import count), waits for the line it prints once the main window is shown and
painted, and takes the resident memory the app reported at that moment. The first run warms the
operating system's file cache and is not counted.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks.common import emit, log


def one_run(env: dict) -> tuple[float, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ui.app", "--ready-probe"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    proc.communicate(timeout=30)
    report = json.loads(line)
    return elapsed * 1000, report["rss_mb"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="hotline-startup-")
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
           "XDG_CONFIG_HOME": f"{home}/config", "XDG_DATA_HOME": f"{home}/data", "XDG_STATE_HOME": f"{home}/state",
           "XDG_CACHE_HOME": f"{home}/cache"}
    one_run(env)
    runs = []
    for i in range(args.runs):
        runs.append(one_run(env))
        log(f"run {i + 1}: {runs[-1][0]:.0f} ms, {runs[-1][1]} MB")
    starts = [r[0] for r in runs]
    emit({"benchmark": "startup", "runs": len(runs), "start_ms": round(statistics.median(starts)),
          "start_ms_max": round(max(starts)), "rss_mb": max(r[1] for r in runs),
          "platform_plugin": env["QT_QPA_PLATFORM"]})


if __name__ == "__main__":
    main()
