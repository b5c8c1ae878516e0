"""What the benchmarks share: where generated data is cached, timing summaries, output."""
from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "hotline-bench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def summary_ms(samples_s: list[float]) -> dict:
    ms = [s * 1000 for s in samples_s]
    return {"p50_ms": round(statistics.median(ms), 3), "p95_ms": round(percentile(ms, 95), 3),
            "p99_ms": round(percentile(ms, 99), 3), "max_ms": round(max(ms), 3)}


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine(),
            "sqlite": __import__("sqlite3").sqlite_version}


def emit(result: dict) -> None:
    """The last line of stdout: one JSON object."""
    print(json.dumps({**result, "machine": machine()}, ensure_ascii=False), flush=True)
