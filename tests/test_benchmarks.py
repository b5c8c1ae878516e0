"""Every benchmark runs at a small size, as `python -m benchmarks.NAME`, and ends with its JSON line,
so that a change that breaks one fails here. A new benchmark (a `benchmarks/*.py` with a `main`) needs
an entry in SMOKE."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import unavailable

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

# name -> (small-size arguments, keys its JSON line must have)
SMOKE: dict[str, tuple[list[str], set[str]]] = {
    "caller_lookup": (["--orders", "2000", "--lookups", "50"], {"benchmark", "found", "p50_ms", "p99_ms"}),
    "faults": (["--rounds", "3"], {"intended", "created", "lost", "duplicated", "cache_mismatches"}),
    "kb_search": (["--entries", "2000", "--per-kind", "2"], {"entries", "queries", "p50_ms", "p95_ms"}),
    "screen_pop": (["--orders", "2000", "--rings", "50"], {"benchmark", "rings", "p99_ms"}),
    "sign_in": (["--attempts", "4", "--concurrency", "2", "--health", "10"],
                {"health_during_p50_ms", "wrong_known_ms", "wrong_unknown_ms"}),
    "simulate_day": (["--days", "0.005", "--calls-per-hour", "60"], {"wall_s", "summary", "agrees"}),
    "sip_pop": (["--orders", "2000", "--calls", "2"], {"benchmark", "calls", "p99_ms"}),
    "startup": (["--runs", "1"], {"start_ms", "rss_mb", "rss_ready_mb"}),
    "platform_load": (["--seats", "20", "--calls-per-hour", "3600", "--duration-s", "6", "--ramp-s", "1",
                       "--ready-s", "1", "--follow-feed"],
                      {"seats_connected", "streams_dropped", "ring_p50_ms", "ring_p99_ms", "completed_per_h",
                       "mutations_per_s", "server_cpu_pct", "errors"}),
    "write_scaling": (["--workers", "1", "2", "--writers", "4", "--duration-s", "2"],
                      {"benchmark", "by_workers", "ratio"}),
    "unit_push": (["--orders", "4"], {"benchmark", "orders", "leaked", "p95_ms"}),
    "sync": (["--orders", "300", "--entries", "300", "--uploads", "5"],
             {"initial_sync_s", "rows", "upload_per_s", "max_stall_ms"}),
}


def _with_main() -> list[str]:
    """The benchmark modules: those that define a top-level main()."""
    return sorted(path.stem for path in BENCHMARKS.glob("*.py")
                  if any(isinstance(node, ast.FunctionDef) and node.name == "main"
                         for node in ast.parse(path.read_text(encoding="utf-8")).body))


@pytest.fixture(scope="module")
def bench_home(tmp_path_factory) -> Path:
    """TMPDIR (where benchmarks/common.py caches generated data), HOME and the XDG folders of the
    runs: shared by this file's runs, none of the developer's."""
    return tmp_path_factory.mktemp("bench")


def test_every_benchmark_has_a_smoke_run():
    assert _with_main() == sorted(SMOKE)


@pytest.mark.parametrize("name", _with_main())
def test_the_benchmark_runs_at_a_small_size_and_prints_its_figures(name, bench_home):
    assert name in SMOKE, f"benchmarks/{name}.py has no smoke run: add it to SMOKE"
    if name == "sip_pop":
        from tests.sip_lab import missing_tools
        if why := missing_tools():
            unavailable(why)
    args, keys = SMOKE[name]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(bench_home), "HOME": str(bench_home / "home"),
           **{f"XDG_{kind}_HOME": str(bench_home / kind.lower()) for kind in ("CONFIG", "DATA", "CACHE", "STATE")}}
    run = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *args], cwd=BENCHMARKS.parent, env=env,
                         capture_output=True, text=True, timeout=110)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.strip().splitlines()
    assert lines, run.stderr[-3000:]
    figures = json.loads(lines[-1])
    assert isinstance(figures, dict) and keys <= set(figures), (sorted(keys - set(figures)), lines[-1])
