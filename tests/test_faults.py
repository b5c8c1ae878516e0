"""The fault driver (benchmarks/faults.py) at a small size: real seats, a real platform killed and
restarted, a proxy that loses, cuts, doubles and fakes answers. No work order may be lost or made
twice, and every seat's cache must end up agreeing with the platform."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_order_is_lost_doubled_or_left_out_of_a_cache_under_faults(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path), "HOME": str(tmp_path / "home"),
           **{f"XDG_{kind}_HOME": str(tmp_path / kind.lower()) for kind in ("CONFIG", "DATA", "CACHE", "STATE")}}
    env.pop("QT_QPA_PLATFORM", None)
    run = subprocess.run([sys.executable, "-m", "benchmarks.faults", "--rounds", "20", "--seed", "1",
                          "--damage-cache"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=600)  # a hang guard only
    assert run.returncode == 0, run.stderr[-3000:]
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    # the faults did happen: orders were recorded through them, the platform was killed (the seeded
    # plan kills it twice in 20 rounds) and the proxy hit the uploads
    assert figures["intended"] > 0 and figures["platform_restarts"] >= 1, figures
    assert sum(figures["faults_on_mutations"].values()) > 0, figures
    outcome = {key: figures[key] for key in ("lost", "duplicated", "cache_mismatches", "lost_closes", "rejected",
                                             "stranded")}
    assert outcome == dict.fromkeys(outcome, 0), (outcome, figures["examples"])
