"""Benchmark of knowledge-base search on the local cache.

    python -m benchmarks.kb_search --entries 200000
    python -m benchmarks.kb_search --corpus kb.jsonl [more.jsonl ...] --queries queries.jsonl
    python -m benchmarks.kb_search --corpus kb.jsonl --stdin < queries.txt

With --queries (judged JSON lines {q, relevant, kind}): `recall_at_10` (a query counts when any
relevant id is in its top 10), `mrr`, and both per kind. With --stdin: one query a line in, one
line out per query, the ranked ids of its top 10 separated by spaces (empty for none), so that any
judged set can be scored from outside.

The generated corpus (benchmarks.corpus) is indexed once into a SQLite file cached under
tempfile.gettempdir()/hotline-bench/, keyed by size, seed and index version. A fixed query mix
(1-4 Chinese characters, pinyin initials, full and partial pinyin, two words, synonym terms) runs
once to warm up and then timed, ranked top 20 (`kb_index.search`). The floor is the same queries'
character phrases on a bare per-character FTS5 table over the same rows, unranked, LIMIT 20.
Progress goes to stderr; the last stdout line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from benchmarks import corpus
from offline_cache import kb_index
from offline_cache import textsearch as ts

CORPUS_VERSION = "1"
SYNONYMS = Path(__file__).resolve().parent.parent / "resources" / "demo" / "synonyms.json"
FLOOR_KIND = "fts5 contentless table, one token per character of title+keywords+answer; AND of the words' " \
             "character phrases, unranked MATCH LIMIT 20 (no pinyin, no synonyms)"
KINDS = ("chars1", "chars2", "chars3", "chars4", "initials", "pinyin", "pinyin_partial", "two_words", "synonym")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-131072")  # 128 MB, what the workstation's store is expected to use
    return conn


def build(path: Path, entries: Iterable[dict], total: int | None = None) -> float:
    """Index entries into a fresh file in batches of 1,000; returns the seconds spent indexing."""
    conn = connect(path)
    conn.execute("BEGIN")
    kb_index.create_schema(conn)
    kb_index.set_synonyms(conn, json.loads(SYNONYMS.read_text(encoding="utf-8")))
    conn.execute("COMMIT")
    spent, done, batch = 0.0, 0, []

    def flush() -> None:
        nonlocal spent, done
        started = time.perf_counter()
        conn.execute("BEGIN")
        kb_index.upsert_entries(conn, batch)
        conn.execute("COMMIT")
        spent += time.perf_counter() - started
        done += len(batch)
        batch.clear()
        if done % 20000 == 0:
            log(f"indexed {done}{f'/{total}' if total else ''} ({done / spent:.0f} entries/s)")

    for entry in entries:
        batch.append(entry)
        if len(batch) == 1000:
            flush()
    if batch:
        flush()
    log("building the floor table")
    conn.execute(f"CREATE VIRTUAL TABLE floor USING fts5(text, tokenize=\"{ts.TOKENIZE}\", content='')")
    conn.execute("BEGIN")
    cursor = conn.execute("SELECT rowid, title, keywords, answer FROM kb_entries")
    rows = [(r, ts.index_text(t) + f" {ts.SEP} " + ts.index_list(json.loads(k)) + f" {ts.SEP} " + ts.index_text(a))
            for r, t, k, a in cursor]
    conn.executemany("INSERT INTO floor(rowid, text) VALUES (?, ?)", rows)
    conn.execute("CREATE TABLE bench_meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO bench_meta VALUES ('index_s', ?), ('entries', ?)", (str(spent), str(done)))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return spent


def query_mix(conn: sqlite3.Connection, per_kind: int, seed: int) -> list[tuple[str, str]]:
    """(kind, query) pairs drawn deterministically from the indexed entries."""
    rng = random.Random(seed)
    count = conn.execute("SELECT count(*) FROM kb_entries").fetchone()[0]

    def entry() -> tuple[str, list[str], str]:
        title, keywords, answer = conn.execute(
            "SELECT title, keywords, answer FROM kb_entries WHERE rowid = ?", (rng.randint(1, count),)).fetchone()
        return title, json.loads(keywords), answer

    def han_piece(size: int) -> str:
        while True:
            title, _, answer = entry()
            text = title if rng.random() < 0.5 else answer
            runs = [m.group() for m in ts._HAN_RUN.finditer(text) if len(m.group()) >= size]
            if runs:
                run = rng.choice(runs)
                start = rng.randrange(len(run) - size + 1)
                return run[start:start + size]

    def keyword_pinyin() -> list[str]:
        while True:
            _, keywords, _ = entry()
            words = [k for k in keywords if ts._HAN_RUN.fullmatch(k) and 2 <= len(k) <= 4]
            if words:
                return ts._pinyin().syllables(rng.choice(words))

    synonyms = sorted(json.loads(SYNONYMS.read_text(encoding="utf-8")))
    mix: list[tuple[str, str]] = []
    for _ in range(per_kind):
        mix += [("chars1", han_piece(1)), ("chars2", han_piece(2)), ("chars3", han_piece(3)),
                ("chars4", han_piece(4))]
        mix.append(("initials", "".join(s[0] for s in keyword_pinyin())))
        mix.append(("pinyin", "".join(keyword_pinyin())))
        syllables = keyword_pinyin()
        mix.append(("pinyin_partial", "".join(syllables[:-1]) + syllables[-1][:max(1, len(syllables[-1]) // 2)]))
        mix.append(("two_words", f"{han_piece(rng.randint(2, 3))} {han_piece(2)}"))
        mix.append(("synonym", rng.choice(synonyms)))
    return mix


def floor_expression(query: str) -> str | None:
    words = ts.query_words(query)
    return " AND ".join(ts.text_phrase(w) for w in words) if words else None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(fn, *args) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - started) * 1000, result


def run_queries(conn: sqlite3.Connection, queries: list[str]) -> tuple[list[float], list[float], list]:
    def ours(q: str) -> list:
        return kb_index.search(conn, q, limit=20)

    def floor(q: str) -> list:
        expression = floor_expression(q)
        return conn.execute("SELECT rowid FROM floor WHERE floor MATCH ? LIMIT 20", (expression,)).fetchall() \
            if expression else []

    log(f"warming up with {len(queries)} queries")
    for q in queries:
        ours(q)
        floor(q)
    times, floor_times, results = [], [], []
    for q in queries:
        spent, hits = timed(ours, q)
        times.append(spent)
        results.append(hits)
        floor_times.append(timed(floor, q)[0])
    return times, floor_times, results


def summary(times: list[float], floor_times: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 0.95), 2),
            "max_ms": round(max(times), 2), "floor_p50_ms": round(statistics.median(floor_times), 3),
            "floor_p95_ms": round(percentile(floor_times, 0.95), 3)}


def generated(args: argparse.Namespace) -> dict:
    folder = Path(tempfile.gettempdir()) / "hotline-bench"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"kb_search-{args.entries}-seed{args.seed}-c{CORPUS_VERSION}-i{kb_index._index_version()}"
    path = folder / (name.replace("/", "_").replace(" ", "_") + ".sqlite")
    cached = path.exists() and not args.rebuild
    if not cached:
        for leftover in folder.glob(path.name + "*"):
            leftover.unlink()
        log(f"building {path}")
        partial = path.with_suffix(".partial")
        for leftover in folder.glob(partial.name + "*"):
            leftover.unlink()
        build(partial, corpus.generate(args.entries, args.seed), args.entries)
        partial.rename(path)
    conn = connect(path)
    conn.execute("BEGIN")
    kb_index.create_schema(conn)  # tables added since the index was built (cheap when it is current)
    conn.execute("COMMIT")
    index_s = float(conn.execute("SELECT value FROM bench_meta WHERE key = 'index_s'").fetchone()[0])
    mix = query_mix(conn, args.per_kind, args.seed)
    times, floor_times, _ = run_queries(conn, [q for _, q in mix])
    by_kind = {}
    for kind in KINDS:
        mine = [t for (k, _), t in zip(mix, times) if k == kind]
        by_kind[f"p95_ms_{kind}"] = round(percentile(mine, 0.95), 2)
    slowest = sorted(zip(times, (q for _, q in mix)), reverse=True)[:5]
    log("slowest: " + ", ".join(f"{q!r} {t:.1f} ms" for t, q in slowest))
    return {**summary(times, floor_times), "floor_kind": FLOOR_KIND, "entries": args.entries, "queries": len(mix),
            "index_s": round(index_s, 1), "index_entries_per_s": round(args.entries / index_s),
            "index_cached": cached, **by_kind, "db_mb": round(path.stat().st_size / 1e6)}


def read_corpus(files: list[str]) -> list[dict]:
    entries = []
    for name in files:
        with open(name, encoding="utf-8") as handle:
            entries += [json.loads(line) for line in handle if line.strip()]
    return entries


def scores(judged: list[dict], ranked_ids: list[list[str]]) -> dict:
    """recall_at_10 (any relevant id in the top 10) and mrr, overall and per kind."""
    found: dict[str, list[float]] = {}
    reciprocal: dict[str, list[float]] = {}
    for judgement, ids in zip(judged, ranked_ids):
        relevant = set(judgement.get("relevant") or [])
        if not relevant:
            continue
        rank = next((i for i, key in enumerate(ids, 1) if key in relevant), None)
        for kind in ("", judgement.get("kind") or ""):
            found.setdefault(kind, []).append(1.0 if rank is not None and rank <= 10 else 0.0)
            reciprocal.setdefault(kind, []).append(1 / rank if rank else 0.0)
        if rank is None or rank > 10:
            log(f"missed ({judgement.get('kind')}): {judgement['q']!r} -> {ids[:5]}")
    out = {"recall_at_10": round(statistics.mean(found[""]), 4) if found else None,
           "mrr": round(statistics.mean(reciprocal[""]), 4) if found else None}
    for kind in sorted(k for k in found if k):
        out[f"recall_at_10_{kind}"] = round(statistics.mean(found[kind]), 4)
        out[f"mrr_{kind}"] = round(statistics.mean(reciprocal[kind]), 4)
    return out


def evaluated(args: argparse.Namespace) -> dict:
    """Index a KB export and score the search against judged queries."""
    with open(args.queries, encoding="utf-8") as handle:
        judged = [json.loads(line) for line in handle if line.strip()]
    entries = read_corpus(args.corpus)
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as folder:
        path = Path(folder) / "kb.sqlite"
        index_s = build(path, entries, len(entries))
        conn = connect(path)
        times, floor_times, results = run_queries(conn, [j["q"] for j in judged])
        conn.close()
    return {**summary(times, floor_times), "floor_kind": FLOOR_KIND, "entries": len(entries), "queries": len(judged),
            "index_s": round(index_s, 2), **scores(judged, [[h.id for h in hits] for hits in results])}


def answer_stdin(args: argparse.Namespace) -> None:
    """Index the corpus, then one line of ranked ids (top 10) per query line on stdin."""
    entries = read_corpus(args.corpus)
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as folder:
        path = Path(folder) / "kb.sqlite"
        build(path, entries, len(entries))
        conn = connect(path)
        for line in sys.stdin:
            query = line.rstrip("\n")
            print(" ".join(h.id for h in kb_index.search(conn, query, limit=10)), flush=True)
        conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--per-kind", type=int, default=40, help="queries of each kind in the mix")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached index")
    parser.add_argument("--corpus", nargs="+", help="KB export(s) (JSON lines) to index instead of the generated corpus")
    parser.add_argument("--queries", help="judged queries (JSON lines {q, relevant, kind}); with --corpus")
    parser.add_argument("--stdin", action="store_true", help="with --corpus: answer the queries read from stdin")
    args = parser.parse_args(argv)
    if args.corpus and not (args.queries or args.stdin) or not args.corpus and (args.queries or args.stdin):
        parser.error("--corpus goes with --queries or --stdin")
    if args.stdin:
        answer_stdin(args)
        return
    result = evaluated(args) if args.corpus else generated(args)
    result.update(machine=f"{platform.machine()} {os.cpu_count()} cpu, {platform.system()}",
                  sqlite=sqlite3.sqlite_version, python=platform.python_version())
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
