"""The knowledge base in the local cache: entries, their full-text index, synonyms, and search.

Tables: `kb_entries` (the entries as the platform sends them, lists as JSON), two contentless FTS5
tables keyed by the entry's rowid, and `synonyms`. Text is tokenized by `textsearch` (one token per
character, pinyin of title and keywords as syllable/initial pairs):

- `kb_head(title, keywords, pinyin, initials)`: small, so that even a single common character
  (市, 的) can be ranked quickly; title and keyword matches rank first anyway.
- `kb_body(title, keywords, answer, pinyin, initials)`: everything, for entries whose words are
  found only in the answer, or spread over title and answer.

Result order, for `search`: valid entries with every word in title/keywords (FTS5 BM25 on
kb_head), valid entries matching elsewhere (BM25 over their text), then the expired ones in the
same two groups. To stay fast when a word matches most of the KB (FTS5's BM25 visits every match),
BM25 ranks at most the newest `HEAD_CAP` title/keyword matches (the rest follow, newest first), and
matches outside title/keywords are ranked only when there are at most `BODY_RANK_MAX` of them
(otherwise newest first): see `_Body`.

The store owns the connection and its transactions: nothing here commits.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from domain import clock
from domain.knowledge import usage_key
from offline_cache import kb_terms
from offline_cache import textsearch as ts

#: Bump when the tokens change: create_schema then rebuilds the index from kb_entries (the FTS
#: tables are contentless, so a delete must repeat the tokens that were inserted).
INDEX_VERSION = "2"
HEAD_CAP = 1000
HEAD_WEIGHTS = "10.0, 6.0, 4.0, 3.0"  # title, keywords, pinyin, initials
BODY_WEIGHTS = "10.0, 6.0, 1.0, 4.0, 3.0"  # title, keywords, answer, pinyin, initials
_CHUNK = 400  # ids per IN (...) list, below SQLite's variable limit

_FIELDS = ("id", "title", "answer", "category_path", "source_department", "policy_basis", "keywords",
           "valid_from", "valid_to", "version", "status", "updated_at")
_JSON_FIELDS = ("category_path", "keywords")


@dataclass(frozen=True)
class KbHit:
    id: str
    title: str
    snippet: str  # matches wrapped in \x02 ... \x03
    expired: bool
    score: float  # BM25 within its group (higher is better); 0.0 when listed unranked, newest first
    category_path: list[str]
    partial: bool = False  # holds part of what was asked (kb_terms), listed after the entries holding all of it
    title_marked: str = ""  # the title with the parts that matched wrapped in MARK_START ... MARK_END


# --- schema -------------------------------------------------------------------------------------

def create_schema(conn: sqlite3.Connection) -> None:
    """Create the tables if missing; rebuild the index when its tokens changed since it was built."""
    tokenize = ts.TOKENIZE.replace("'", "''")
    conn.execute("""CREATE TABLE IF NOT EXISTS kb_entries (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, answer TEXT NOT NULL, category_path TEXT NOT NULL,
        source_department TEXT, policy_basis TEXT, keywords TEXT NOT NULL, valid_from TEXT, valid_to TEXT,
        version INTEGER, status TEXT, updated_at TEXT)""")
    conn.execute(f"""CREATE VIRTUAL TABLE IF NOT EXISTS kb_head USING fts5(
        title, keywords, pinyin, initials, tokenize='{tokenize}', content='')""")
    conn.execute(f"""CREATE VIRTUAL TABLE IF NOT EXISTS kb_body USING fts5(
        title, keywords, answer, pinyin, initials, tokenize='{tokenize}', content='')""")
    conn.execute(f"""CREATE VIRTUAL TABLE IF NOT EXISTS kb_terms USING fts5(
        title, keywords, answer, pinyin, initials, tokenize='{tokenize}', content='')""")
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS kb_terms_vocab USING fts5vocab(kb_terms, 'row')")
    # what partial matching reads of each candidate: its folded text, the pinyin of title and keywords
    conn.execute("CREATE TABLE IF NOT EXISTS kb_cover (rowid INTEGER PRIMARY KEY, text TEXT NOT NULL, "
                 "sounds TEXT NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS synonyms (term TEXT PRIMARY KEY, expansions TEXT NOT NULL, "
                 "version INTEGER)")
    if "version" not in {row[1] for row in conn.execute("PRAGMA table_info(synonyms)")}:
        conn.execute("ALTER TABLE synonyms ADD COLUMN version INTEGER")  # a cache from before the editors' page
    # what agents used after a query (the platform's learnt pairs, domain/knowledge.py)
    conn.execute("CREATE TABLE IF NOT EXISTS kb_boosts (key TEXT PRIMARY KEY, query_key TEXT NOT NULL, "
                 "entry_id TEXT NOT NULL, weight INTEGER NOT NULL, version INTEGER)")
    conn.execute("CREATE INDEX IF NOT EXISTS ix_kb_boosts_query ON kb_boosts(query_key)")
    # answers published or changed (答复口径), announced by the platform to every seat
    conn.execute("CREATE TABLE IF NOT EXISTS kb_notices (id TEXT PRIMARY KEY, entry_id TEXT NOT NULL, "
                 "entry_version INTEGER, title TEXT NOT NULL, department TEXT, change TEXT, valid_from TEXT, "
                 "at TEXT NOT NULL, version INTEGER)")
    conn.execute("CREATE INDEX IF NOT EXISTS ix_kb_notices_at ON kb_notices(at)")
    conn.execute("CREATE TABLE IF NOT EXISTS kb_index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    built = conn.execute("SELECT value FROM kb_index_meta WHERE key = 'version'").fetchone()
    if built is None or built[0] != _index_version():
        _rebuild(conn)
        conn.execute("INSERT OR REPLACE INTO kb_index_meta(key, value) VALUES ('version', ?)", (_index_version(),))


def _index_version() -> str:
    # the source named in the shipped pinyin table, not pypinyin's package metadata (a frozen app has none)
    return f"{INDEX_VERSION}/{ts.pinyin_source()}"


def _rebuild(conn: sqlite3.Connection) -> None:
    for table in _FTS_TABLES:
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('delete-all')")
    conn.execute("DELETE FROM kb_cover")
    cursor = conn.execute("SELECT rowid, title, keywords, answer FROM kb_entries ORDER BY rowid")
    while rows := cursor.fetchmany(1000):
        _index(conn, [(rowid, title, json.loads(keywords), answer) for rowid, title, keywords, answer in rows])


# --- writing ------------------------------------------------------------------------------------

_FTS_TABLES = ("kb_head", "kb_body", "kb_terms")


def _tokens(rowid: int, title: str, keywords: list[str], answer: str) -> tuple:
    pinyin, initials = ts.pinyin_tokens(title, keywords)
    sounds, sound_initials = kb_terms.sound_terms(title, keywords)
    folded_title, folded_answer = ts.fold(title), ts.fold(answer)  # once each: the longest work here
    return (rowid, " ".join(folded_title), ts.index_list(keywords), " ".join(folded_answer), pinyin, initials,
            kb_terms.folded_terms(folded_title), kb_terms.keyword_terms(keywords),
            kb_terms.folded_terms(folded_answer), sounds, sound_initials,
            kb_terms.cover_text(folded_title, keywords, folded_answer))


def _index(conn: sqlite3.Connection, rows: list[tuple[int, str, list[str], str]], command: str = "") -> None:
    """Insert (or with command='delete', remove) the FTS rows of (rowid, title, keywords, answer)."""
    tokens = [_tokens(*row) for row in rows]
    tokens.sort()  # ascending rowids let FTS5 keep one pending segment per transaction
    head = [(r, t, k, p, i) for r, t, k, _, p, i, *_ in tokens]
    body = [(r, t, k, a, p, i) for r, t, k, a, p, i, *_ in tokens]
    terms = [(r, tt, kt, at, sp, si) for r, _, _, _, _, _, tt, kt, at, sp, si, _ in tokens]
    delete = ("'delete', ", "kb_head, ", "kb_body, ", "kb_terms, ") if command else ("", "", "", "")
    conn.executemany(f"INSERT INTO kb_head({delete[1]}rowid, title, keywords, pinyin, initials) "
                     f"VALUES ({delete[0]}?, ?, ?, ?, ?)", head)
    conn.executemany(f"INSERT INTO kb_body({delete[2]}rowid, title, keywords, answer, pinyin, initials) "
                     f"VALUES ({delete[0]}?, ?, ?, ?, ?, ?)", body)
    conn.executemany(f"INSERT INTO kb_terms({delete[3]}rowid, title, keywords, answer, pinyin, initials) "
                     f"VALUES ({delete[0]}?, ?, ?, ?, ?, ?)", terms)
    if command:
        conn.executemany("DELETE FROM kb_cover WHERE rowid = ?", [(r,) for r, *_ in tokens])
    else:
        conn.executemany("INSERT OR REPLACE INTO kb_cover(rowid, text, sounds) VALUES (?, ?, ?)",
                         [(r, cover, f"{sp} {si}") for r, *_, sp, si, cover in tokens])


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _existing(conn: sqlite3.Connection, ids: list[str]) -> dict[str, tuple[int, str, list[str], str]]:
    found = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        for rowid, key, title, keywords, answer in conn.execute(
                f"SELECT rowid, id, title, keywords, answer FROM kb_entries WHERE id IN ({marks})", chunk):
            found[key] = (rowid, title, json.loads(keywords), answer)
    return found


def upsert_entries(conn: sqlite3.Connection, entries: Iterable[dict]) -> None:
    """Insert or replace entries (platform KB dicts) and keep the index in step."""
    latest: dict[str, dict] = {}
    for entry in entries:
        latest[str(entry["id"])] = entry  # the last version of an id in one call wins
    if not latest:
        return
    old = _existing(conn, list(latest))
    if old:
        _index(conn, list(old.values()), command="delete")
    next_rowid = (conn.execute("SELECT max(rowid) FROM kb_entries").fetchone()[0] or 0) + 1
    rows, fts = [], []
    for key, entry in latest.items():
        if key in old:
            rowid = old[key][0]
        else:
            rowid, next_rowid = next_rowid, next_rowid + 1
        values = _row(key, entry)
        rows.append((rowid, *values))
        fts.append((rowid, values[1], list(entry.get("keywords") or []), values[2]))
    conn.executemany(f"INSERT OR REPLACE INTO kb_entries(rowid, {', '.join(_FIELDS)}) "
                     f"VALUES (?{', ?' * len(_FIELDS)})", rows)
    _index(conn, fts)


def _row(key: str, entry: dict) -> tuple:
    def text(name: str) -> str | None:
        value = entry.get(name)
        return None if value is None else str(value)

    return (key, entry.get("title") or "", entry.get("answer") or "",
            json.dumps(list(entry.get("category_path") or []), ensure_ascii=False),
            text("source_department"), text("policy_basis"),
            json.dumps(list(entry.get("keywords") or []), ensure_ascii=False),
            text("valid_from"), text("valid_to"), entry.get("version"), text("status"), text("updated_at"))


def delete_entries(conn: sqlite3.Connection, ids: Iterable[str]) -> None:
    old = _existing(conn, list(dict.fromkeys(str(i) for i in ids)))
    if not old:
        return
    _index(conn, list(old.values()), command="delete")
    conn.executemany("DELETE FROM kb_entries WHERE rowid = ?", [(v[0],) for v in old.values()])


def clear(conn: sqlite3.Connection) -> None:
    """Remove every entry (a full resync follows); synonyms stay."""
    conn.execute("DELETE FROM kb_entries")
    conn.execute("DELETE FROM kb_cover")
    for table in _FTS_TABLES:
        conn.execute(f"INSERT INTO {table}({table}) VALUES ('delete-all')")


NOTICE_COLUMNS = ("id", "entry_id", "entry_version", "title", "department", "change", "valid_from", "at", "version")


def notices(conn: sqlite3.Connection, since: str, today: date, limit: int = 50) -> list[dict]:
    """Answers announced at or after `since` (a clock stamp), newest first, one per entry (its
    latest announcement), of entries this seat holds published and not expired, with the entry's
    title as it is now; `pending` when the entry applies only from a later day."""
    rows = conn.execute(
        "SELECT n.entry_id, e.title, n.department, n.change, e.valid_from, n.at, e.category_path "
        "FROM kb_notices AS n JOIN kb_entries AS e ON e.id = n.entry_id "
        "WHERE n.at >= ? AND e.status = 'published' AND (e.valid_to IS NULL OR e.valid_to >= ?) "
        "ORDER BY n.at DESC LIMIT ?", (since, today.isoformat(), limit * 4)).fetchall()
    out: dict[str, dict] = {}
    for entry_id, title, department, change, valid_from, at, path in rows:
        if entry_id not in out and len(out) < limit:
            out[entry_id] = {"entry_id": entry_id, "title": title, "department": department or "", "change": change,
                             "valid_from": valid_from, "at": at, "category_path": json.loads(path),
                             "pending": bool(valid_from and valid_from > today.isoformat())}
    return list(out.values())


def get_entry(conn: sqlite3.Connection, id: str) -> dict | None:  # noqa: A002 - the API's name
    row = conn.execute(f"SELECT {', '.join(_FIELDS)} FROM kb_entries WHERE id = ?", (id,)).fetchone()
    if row is None:
        return None
    entry = dict(zip(_FIELDS, row))
    for name in _JSON_FIELDS:
        entry[name] = json.loads(entry[name])
    return entry


# --- synonyms -----------------------------------------------------------------------------------

_synonym_cache: dict[int, tuple[int, dict[str, set[str]]]] = {}  # id(conn) -> (generation, table)
_synonym_generation = [0]


def _synonyms_changed() -> None:
    _synonym_generation[0] += 1


def set_synonyms(conn: sqlite3.Connection, mapping: dict[str, list[str]]) -> None:
    conn.execute("DELETE FROM synonyms")
    for term, expansions in mapping.items():
        upsert_synonym(conn, term, expansions)


def upsert_synonym(conn: sqlite3.Connection, term: str, expansions: list[str], version: int | None = None) -> None:
    """Keep a lexicon line: the platform's (with its version: an older one than kept is ignored) or
    this seat's own change (no version: it keeps the one it had until the platform answers)."""
    conn.execute("INSERT INTO synonyms(term, expansions, version) VALUES (?, ?, ?) ON CONFLICT(term) DO UPDATE "
                 "SET expansions = excluded.expansions, version = coalesce(excluded.version, synonyms.version) "
                 "WHERE excluded.version IS NULL OR excluded.version >= coalesce(synonyms.version, 0)",
                 (term, json.dumps(list(expansions), ensure_ascii=False), version))
    _synonyms_changed()


def delete_synonym(conn: sqlite3.Connection, term: str) -> None:
    conn.execute("DELETE FROM synonyms WHERE term = ?", (term,))
    _synonyms_changed()


def lexicon_lines(conn: sqlite3.Connection) -> list[tuple[str, list[str]]]:
    """The lexicon as kept, by term: (term, its expansions)."""
    return [(term, json.loads(expansions))
            for term, expansions in conn.execute("SELECT term, expansions FROM synonyms ORDER BY term")]


def synonym_table(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """Folded word -> folded words it also stands for, both directions; read again only after this
    process changed the table (the seat's only writer)."""
    cached = _synonym_cache.get(id(conn))
    if cached is not None and cached[0] == _synonym_generation[0]:
        return cached[1]
    table = _read_synonyms(conn)
    _synonym_cache[id(conn)] = (_synonym_generation[0], table)
    return table


def _read_synonyms(conn: sqlite3.Connection) -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for term, expansions in conn.execute("SELECT term, expansions FROM synonyms"):
        key = ts.fold(term).strip(ts.SEP)
        for expansion in json.loads(expansions):
            other = ts.fold(str(expansion)).strip(ts.SEP)
            if key and other and other != key:
                table.setdefault(key, set()).add(other)
                table.setdefault(other, set()).add(key)
    return table


# --- search -------------------------------------------------------------------------------------

_EXPIRED = "(e.valid_to IS NOT NULL AND e.valid_to < :today)"
# a department's entry published ahead of its day: listed from `valid_from` on
_CURRENT = "(e.valid_from IS NULL OR e.valid_from <= :today)"


def search(conn: sqlite3.Connection, query: str, *, limit: int = 20, offset: int = 0,
           today: date | None = None) -> list[KbHit]:
    """Entries matching every word of `query` (see the module doc for the order).

    A query that finds nothing is tried once more with its long Chinese words cut into two-character
    pieces (护照丢了 -> 护照 丢了), so a caller's phrasing still finds the entry that words it
    differently."""
    if limit <= 0:
        return []
    synonyms = synonym_table(conn)
    today_text = (today or clock.now().date()).isoformat()
    need = max(0, offset) + limit
    compiled = ts.compile_query(query, synonyms)
    if compiled is None:
        return []
    ranked = _ranked(conn, compiled, today_text, need)
    needles = [text for texts in compiled.word_texts for text in texts]
    learnt = _learnt(conn, query, today_text)
    if len(ranked) < need:
        # fewer exact matches than asked for: the entries holding most of what was said follow
        partial = kb_terms.compile_partial(query, synonyms)
        if partial is not None:
            found = {r for r, *_ in ranked}
            more = _partial(conn, partial, today_text, found)
            partial_rows = {r for r, *_ in more}
            valid = [r for r in ranked if not r[2]] + [r for r in more if not r[2]]
            expired = [r for r in ranked if r[2]] + [r for r in more if r[2]]
            ranked = _first(learnt, valid + expired)
            needles += [t for c in partial.concepts for t in c.texts]
            sounds = [tokens for c in partial.concepts for tokens in c.sounds]
            return _hits(conn, [(r, s) for r, s, *_ in ranked[max(0, offset):need]], needles, today_text,
                         partial_rows - {r for r, *_ in learnt}, sounds)
    ranked = _first(learnt, ranked)
    return _hits(conn, [(r, s) for r, s, *_ in ranked[max(0, offset):need]], needles, today_text)


def _learnt(conn: sqlite3.Connection, query: str, today: str) -> list:
    """(rowid, score, expired) of the valid entries agents used after this query, the most used
    first (the platform's learnt pairs, domain/knowledge.py)."""
    key = usage_key(query)
    if key is None:
        return []
    return conn.execute(f"""
        SELECT e.rowid, 0.0, 0 FROM kb_boosts AS b JOIN kb_entries AS e ON e.id = b.entry_id
        WHERE b.query_key = ? AND NOT {_EXPIRED.replace(":today", "?")} AND {_CURRENT.replace(":today", "?")}
        ORDER BY b.weight DESC, e.rowid DESC LIMIT 3""", (key, today, today)).fetchall()


def _first(learnt: list, ranked: list) -> list:
    """The learnt entries first, then the rest without them."""
    if not learnt:
        return ranked
    rows = {r for r, *_ in learnt}
    return list(learnt) + [r for r in ranked if r[0] not in rows]


def _ranked(conn: sqlite3.Connection, compiled: ts.CompiledQuery, today: str, need: int) -> list:
    """The first `need` (rowid, score) pairs in result order."""
    params = {"q": compiled.expression, "today": today}
    valid_head, expired_head = _head(conn, params, need)
    ranked = [(r, s, False) for r, s in valid_head[:need]]
    body = None
    if len(ranked) < need:
        body = _Body(conn, compiled, params)
        ranked += [(r, s, False) for r, s in body.take(need - len(ranked), expired=False)]
    if len(ranked) < need:
        ranked += [(r, s, True) for r, s in expired_head[:need - len(ranked)]]
    if len(ranked) < need and body is not None:
        ranked += [(r, s, True) for r, s in body.take(need - len(ranked), expired=True)]
    return ranked


def _partial(conn: sqlite3.Connection, query: kb_terms.PartialQuery, today: str, exclude: set[int]) -> list:
    """(rowid, score, expired) of the entries covering enough of the query, best first (see
    kb_terms): BM25 over the query's rarer terms picks candidates, coverage orders them."""
    total = conn.execute("SELECT count(*) FROM kb_entries").fetchone()[0] or 1
    common = max(kb_terms.COMMON_FLOOR, total * kb_terms.COMMON_SHARE)
    tokens = list(query.terms)
    counts: dict[str, int] = {}
    for chunk in _chunks(tokens):
        marks = ",".join("?" * len(chunk))
        counts.update(conn.execute(f"SELECT term, doc FROM kb_terms_vocab WHERE term IN ({marks})", chunk))
    # the rarer terms first, up to a budget of postings: BM25 visits every entry a term is in
    keep, postings = [], 0
    for token in sorted((t for t in tokens if 0 < counts.get(t, 0) <= common), key=counts.__getitem__):
        if keep and postings + counts[token] > kb_terms.POSTINGS_BUDGET:
            break
        keep.append(token)
        postings += counts[token]
    kb_terms.weigh(query, counts, total)
    expression = query.expression(keep)
    if expression is None:
        return []
    rows = conn.execute(f"""
        SELECT c.rowid, c.score, v.text, v.sounds, {_EXPIRED} FROM (
            SELECT rowid, bm25(kb_terms, {kb_terms.WEIGHTS}) AS score FROM kb_terms
            WHERE kb_terms MATCH :q ORDER BY score LIMIT {kb_terms.CANDIDATES + len(exclude)}) AS c
        JOIN kb_entries AS e ON e.rowid = c.rowid JOIN kb_cover AS v ON v.rowid = c.rowid WHERE {_CURRENT}""",
                        {"q": expression, "today": today}).fetchall()
    scored = []
    for rowid, score, text, sounds, old in rows:
        if rowid in exclude:
            continue
        share = kb_terms.coverage(query, text, sounds)
        if share < kb_terms.MIN_SHARE or share <= 0:
            continue
        scored.append((score * (0.1 + share) ** 2, rowid, bool(old)))  # FTS5's sign: lower is better
    scored.sort()
    return [(rowid, score, old) for score, rowid, old in scored]


def _head(conn: sqlite3.Connection, params: dict, need: int) -> tuple[list, list]:
    """(valid, expired) title/keyword matches, each best first: BM25 over the newest HEAD_CAP
    matches, then any older ones newest first (fetched only for pages beyond those)."""
    rows = conn.execute(f"""
        SELECT h.rowid, h.score, {_EXPIRED} FROM (
            SELECT rowid, bm25(kb_head, {HEAD_WEIGHTS}) AS score FROM kb_head
            WHERE kb_head MATCH :q ORDER BY rowid DESC LIMIT {HEAD_CAP}) AS h
        JOIN kb_entries AS e ON e.rowid = h.rowid WHERE {_CURRENT} ORDER BY h.score, h.rowid DESC""", params).fetchall()
    valid = [(r, s) for r, s, old in rows if not old]
    expired = [(r, s) for r, s, old in rows if old]
    if len(rows) == HEAD_CAP and len(valid) < need:
        last = min(r for r, _, _ in rows)
        for rowid, old in conn.execute(f"""
                SELECT h.rowid, {_EXPIRED} FROM kb_head AS h JOIN kb_entries AS e ON e.rowid = h.rowid
                WHERE kb_head MATCH :q AND h.rowid < :last AND {_CURRENT} ORDER BY h.rowid DESC""",
                {**params, "last": last}):
            (expired if old else valid).append((rowid, 0.0))
    return valid, expired


class _Body:
    """Matches outside title/keywords (all words somewhere, not all in title/keywords).

    BM25 in FTS5 visits every match (and every match of each word, for its idf): 150 ms for a word
    found in most answers. So up to BODY_RANK_MAX + 1 matches are fetched first, unranked (cheap: FTS5
    stops early); a set that small is complete and ranked here with BM25 over the entries' text; a
    larger one is listed newest first."""

    def __init__(self, conn: sqlite3.Connection, compiled: ts.CompiledQuery, params: dict) -> None:
        self._conn, self._compiled, self._params = conn, compiled, params
        self._ranked: tuple[list, list] | None = None
        rowids = [r for (r,) in conn.execute(f"""
            SELECT b.rowid FROM kb_body AS b WHERE kb_body MATCH :q AND {_OUTSIDE_HEAD}
            LIMIT {BODY_RANK_MAX + 1}""", params)]
        if len(rowids) <= BODY_RANK_MAX:
            self._ranked = _rank(conn, rowids, compiled, params["today"])

    def take(self, count: int, *, expired: bool) -> list:
        if self._ranked is not None:
            return self._ranked[expired][:count]
        condition = _EXPIRED if expired else f"NOT {_EXPIRED}"
        return self._conn.execute(f"""
            SELECT b.rowid, 0.0 FROM kb_body AS b JOIN kb_entries AS e ON e.rowid = b.rowid
            WHERE kb_body MATCH :q AND {_OUTSIDE_HEAD} AND {condition} AND {_CURRENT}
            ORDER BY b.rowid DESC LIMIT :n""", {**self._params, "n": count}).fetchall()


_OUTSIDE_HEAD = "b.rowid NOT IN (SELECT rowid FROM kb_head WHERE kb_head MATCH :q)"
BODY_RANK_MAX = 200
_K1, _B = 1.2, 0.75


def _rank(conn: sqlite3.Connection, rowids: list[int], compiled: ts.CompiledQuery, today: str) -> tuple[list, list]:
    """(valid, expired) entries, best first by BM25 over title, keywords and answer (weights as
    BODY_WEIGHTS; idf left out: every candidate matches every word)."""
    if not rowids:
        return [], []
    marks = ",".join("?" * len(rowids))
    rows = conn.execute(f"SELECT rowid, title, keywords, answer, valid_to FROM kb_entries AS e "
                        f"WHERE rowid IN ({marks}) AND {_CURRENT.replace(':today', '?')}", [*rowids, today]).fetchall()
    docs = []
    for rowid, title, keywords, answer, valid_to in rows:
        fields = (ts.fold(title), ts.fold(ts.SEP.join(json.loads(keywords))), ts.fold(answer))
        docs.append((rowid, fields, sum(len(f) for f in fields), valid_to is not None and valid_to < today))
    average = sum(d[2] for d in docs) / len(docs) or 1.0
    scored = []
    for rowid, fields, length, old in docs:
        score = 0.0
        for texts in compiled.word_texts:
            tf = sum(weight * field.count(text) for weight, field in zip((10.0, 6.0, 1.0), fields) for text in texts)
            score += tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / average))
        scored.append((-score, -rowid, old))
    scored.sort()
    # (rowid, score) with FTS5's sign: lower is better
    valid = [(-r, s) for s, r, old in scored if not old]
    expired = [(-r, s) for s, r, old in scored if old]
    return valid, expired


def _hits(conn: sqlite3.Connection, ranked: list, needles: list[str], today: str,
          partial: set[int] = frozenset(), sounds: list[list[str]] = ()) -> list[KbHit]:  # type: ignore[assignment]
    if not ranked:
        return []
    marks = ",".join("?" * len(ranked))
    rows = {r[0]: r for r in conn.execute(
        f"SELECT rowid, id, title, answer, category_path, valid_to FROM kb_entries WHERE rowid IN ({marks})",
        [r for r, _ in ranked])}
    hits = []
    for rowid, score in ranked:
        _, key, title, answer, path, valid_to = rows[rowid]
        hits.append(KbHit(id=key, title=title, snippet=snippet(answer, needles),
                          expired=valid_to is not None and valid_to < today,
                          score=-float(score or 0.0), category_path=json.loads(path), partial=rowid in partial,
                          title_marked=marked(title, needles, sounds)))
    return hits


# --- snippets -----------------------------------------------------------------------------------

MARK_START, MARK_END = "\x02", "\x03"
SNIPPET_CHARS = 80
_LEAD = 20


def snippet(text: str, needles: list[str]) -> str:
    """An excerpt of `text` around its first match of any needle (folded text), every match in
    the excerpt wrapped in MARK_START/MARK_END; the first ~60 characters when nothing matches."""
    text = text.replace(MARK_START, "").replace(MARK_END, "")
    spans = _match_spans(text, needles)
    if not spans:
        return text[:60] + ("…" if len(text) > 60 else "")
    start = max(0, spans[0][0] - _LEAD)
    end = min(len(text), start + SNIPPET_CHARS)
    out, at = [], start
    for a, b in spans:
        if a >= end:
            break
        a, b = max(a, at), min(b, end)
        if a >= b:
            continue
        out += [text[at:a], MARK_START, text[a:b], MARK_END]
        at = b
    out.append(text[at:end])
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")


def marked(text: str, needles: list[str], sounds: list[list[str]] = ()) -> str:  # type: ignore[assignment]
    """The whole `text` with every match of a needle, and every word that sounds like one typed
    (a homophone, pinyin), wrapped in MARK_START/MARK_END."""
    text = text.replace(MARK_START, "").replace(MARK_END, "")
    spans = _match_spans(text, needles) + kb_terms.sound_spans(text, sounds)
    out, at = [], 0
    for a, b in _merge(spans):
        out += [text[at:a], MARK_START, text[a:b], MARK_END]
        at = b
    out.append(text[at:])
    return "".join(out)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _match_spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) spans of `text` whose folded form contains a needle."""
    folded = ts.fold(text)
    if len(folded) == len(text) and not ts.has_surrogates(text):
        origin = None  # each character folded to exactly one character
    else:
        origin, pos = [], 0
        for index, char in enumerate(text):
            size = len(ts.fold_char(char))
            origin += [index] * size
            pos += size
        origin.append(len(text))
    spans = []
    for needle in needles:
        at = folded.find(needle)
        while at >= 0:
            end = at + len(needle)
            if origin is None:
                spans.append((at, end))
            else:
                spans.append((origin[at], origin[end - 1] + 1))
            at = folded.find(needle, end)
    return _merge(spans)
