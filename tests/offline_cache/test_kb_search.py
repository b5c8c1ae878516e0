"""Knowledge-base search on a real SQLite file: exact substring recall against a brute-force scan of
the demo KB (the entries holding every word, listed before any partial match), ranking tiers,
pinyin, synonyms, query safety, snippets and index maintenance. Partial matching (what a caller
says, homophones, the lexicon) is tested in test_kb_partial.py."""
from __future__ import annotations

import json
import random
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from offline_cache import kb_index
from offline_cache import textsearch as ts

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
TODAY = date(2026, 6, 1)
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def demo_entries() -> list[dict]:
    return [json.loads(line) for path in sorted(DEMO.glob("kb_part*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


ENTRIES = demo_entries()


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    kb_index.create_schema(conn)
    conn.execute("COMMIT")
    return conn


def write(conn: sqlite3.Connection, action, *args) -> None:
    conn.execute("BEGIN")
    action(conn, *args)
    conn.execute("COMMIT")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> sqlite3.Connection:
    conn = connect(tmp_path_factory.mktemp("kb") / "cache.sqlite")
    conn.execute("BEGIN")
    for start in range(0, len(ENTRIES), 100):
        kb_index.upsert_entries(conn, ENTRIES[start:start + 100])
    conn.execute("COMMIT")
    yield conn
    conn.close()


@pytest.fixture
def small(tmp_path) -> sqlite3.Connection:
    conn = connect(tmp_path / "small.sqlite")
    yield conn
    conn.close()


def entry(key: str, title: str, answer: str = "内容", keywords: list[str] | None = None,
          valid_to: str | None = None) -> dict:
    return {"id": key, "title": title, "answer": answer, "category_path": ["测试"], "source_department": "",
            "policy_basis": "", "keywords": keywords or [], "valid_from": None, "valid_to": valid_to,
            "version": 1, "status": "published"}


def ids(conn: sqlite3.Connection, query: str) -> list[str]:
    """The entries holding every word of the query; any partial match comes after all of them."""
    hits = kb_index.search(conn, query, limit=1000, today=TODAY)
    found = [h.id for h in hits]
    assert len(found) == len(set(found))
    exact = [h for h in hits if not h.partial]
    valid_exact = [i for i, h in enumerate(hits) if not h.partial and not h.expired]
    valid_partial = [i for i, h in enumerate(hits) if h.partial and not h.expired]
    assert not valid_exact or not valid_partial or max(valid_exact) < min(valid_partial), query
    return [h.id for h in exact]


def in_head(e: dict, word: str) -> bool:
    return word in ts.fold(e["title"]) or any(word in ts.fold(k) for k in e["keywords"])


def contains(e: dict, word: str) -> bool:
    return in_head(e, word) or word in ts.fold(e["answer"])


def current(e: dict) -> bool:
    """Listed today: an entry published ahead of its `valid_from` is not yet."""
    return not e.get("valid_from") or e["valid_from"] <= TODAY.isoformat()


def brute(query: str) -> set[str]:
    words = ts.query_words(query)
    return {e["id"] for e in ENTRIES if current(e) and all(contains(e, w) for w in words)}


def pieces(size: int, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        e = rng.choice(ENTRIES)
        text = rng.choice([e["title"], e["answer"], *e["keywords"]])
        if len(text) >= size:
            start = rng.randrange(len(text) - size + 1)
            piece = text[start:start + size]
            if piece.strip():
                out.append(piece)
    return out


# --- recall -------------------------------------------------------------------------------------

def test_every_entry_containing_a_single_character_is_found(demo):
    chars = sorted({c for e in ENTRIES for c in e["title"] + e["answer"] + "".join(e["keywords"]) if not c.isspace()})
    sample = random.Random(1).sample(chars, 150) + ["的", "市", "，", "1", "A", "？", "（"]
    for char in sample:
        assert set(ids(demo, char)) == brute(char), char


@pytest.mark.parametrize("size", [2, 3, 4])
def test_every_entry_containing_a_longer_piece_is_found(demo, size):
    for piece in pieces(size, 60, seed=size):
        assert set(ids(demo, piece)) == brute(piece), piece


def test_words_separated_by_spaces_must_all_match(demo):
    for query in ["公积金 提取", "医保 报销", "江州 12345", "身份证 补办 派出所", "停车 收费"]:
        assert set(ids(demo, query)) == brute(query), query
    assert brute("公积金 提取") < brute("公积金")


def test_words_may_match_in_different_fields(small):
    write(small, kb_index.upsert_entries, [entry("x", "公积金怎么办", answer="可以网上提取", keywords=["住房"])])
    assert ids(small, "公积金 提取") == ["x"]
    assert ids(small, "住房 网上") == ["x"]
    assert ids(small, "公积金 离婚") == []


def test_a_phrase_no_entry_holds_whole_finds_the_entries_holding_most_of_it(small):
    write(small, kb_index.upsert_entries, [entry("lost", "护照快过期了或者丢了怎么办"), entry("other", "护照办理"),
                                           entry("far", "身份证丢了")])
    hits = kb_index.search(small, "护照丢了", today=TODAY)
    assert [h.id for h in hits][:1] == ["lost"] and all(h.partial for h in hits)
    assert set(ids(small, "护照")) == {"lost", "other"}


def test_the_capped_and_unranked_paths_find_the_same_entries(demo, monkeypatch):
    monkeypatch.setattr(kb_index, "HEAD_CAP", 5)
    monkeypatch.setattr(kb_index, "BODY_RANK_MAX", 0)
    for query in ["的", "公积金", "办理 江州", "您好", "gjj"]:
        assert set(ids(demo, query)) >= brute(query), query
        if query != "gjj":
            assert set(ids(demo, query)) == brute(query), query
        check_order(demo, query)


# --- ranking ------------------------------------------------------------------------------------

def check_order(conn: sqlite3.Connection, query: str) -> list:
    """Valid before expired; within each, title/keyword matches before answer-only ones."""
    by_id = {e["id"]: e for e in ENTRIES}
    hits = [h for h in kb_index.search(conn, query, limit=1000, today=TODAY) if not h.partial]
    words = ts.query_words(query)
    classes = []
    for hit in hits:
        e = by_id[hit.id]
        expired = e["valid_to"] is not None and e["valid_to"] < TODAY.isoformat()
        assert hit.expired == expired
        classes.append((expired, not all(in_head(e, w) for w in words)))
    assert classes == sorted(classes), query
    return hits


def test_title_and_keyword_matches_rank_first_and_expired_entries_last(demo):
    for query in ["公积金", "医保", "补缴", "停车", "的", "江州", "报销 比例"]:
        check_order(demo, query)
    hits = check_order(demo, "医保")
    assert any(h.expired for h in hits) and not hits[0].expired


def test_bm25_puts_the_closest_title_first(small):
    write(small, kb_index.upsert_entries, [
        entry("long", "关于本市居民办理各类证件时需要注意的若干事项以及补办流程说明"),
        entry("short", "补办身份证"),
        entry("answer", "其他问题", answer="补办的话请到派出所"),
        entry("old", "补办", valid_to="2020-01-01"),
    ])
    hits = [h for h in kb_index.search(small, "补办", today=TODAY) if not h.partial]
    assert [h.id for h in hits] == ["short", "long", "answer", "old"]
    assert [h.expired for h in hits] == [False, False, False, True]
    assert hits[0].score > hits[1].score


def test_paging_is_consistent(demo):
    whole = [h.id for h in kb_index.search(demo, "的", limit=200, today=TODAY)]
    paged = [h.id for offset in range(0, 200, 20) for h in kb_index.search(demo, "的", limit=20, offset=offset,
                                                                              today=TODAY)]
    assert paged == whole


# --- pinyin, synonyms, normalization ------------------------------------------------------------

@pytest.mark.parametrize("query", ["gjj", "gongjijin", "gongji", "GongJiJin", "ｇｊｊ"])
def test_pinyin_finds_the_housing_fund_entries(demo, query):
    wanted = {e["id"] for e in ENTRIES if in_head(e, "公积金")}
    assert len(wanted) > 5
    assert wanted <= set(ids(demo, query))


def test_pinyin_uses_phrase_readings_and_ascii_is_also_literal(small):
    write(small, kb_index.upsert_entries, [entry("bank", "银行卡挂失"), entry("app", "江州APP怎么下载"),
                                           entry("hotline", "拨打12345热线")])
    assert ids(small, "yinhang") == ["bank"]
    assert ids(small, "yhk") == ["bank"]
    assert ids(small, "app") == ["app"]
    assert ids(small, "123") == ["hotline"]
    assert ids(small, "rexian") == ["hotline"]


def test_synonyms_expand_queries_both_ways(small):
    write(small, kb_index.upsert_entries, [entry("formal", "医疗保险报销比例"), entry("casual", "医保卡丢了"),
                                           entry("fund", "住房公积金提取")])
    assert ids(small, "医保") == ["casual"]
    write(small, kb_index.set_synonyms, {"医保": ["医疗保险"], "公积金": ["住房公积金"]})
    assert set(ids(small, "医保")) == {"formal", "casual"}
    assert set(ids(small, "医疗保险")) == {"formal", "casual"}
    hit = next(h for h in kb_index.search(small, "医保", today=TODAY) if h.id == "formal")
    assert hit.title == "医疗保险报销比例"
    write(small, kb_index.delete_synonym, "医保")
    assert ids(small, "医保") == ["casual"]
    write(small, kb_index.upsert_synonym, "报销", ["医疗保险"])
    assert set(ids(small, "报销")) == {"formal"}


def test_the_demo_synonym_list_is_well_formed():
    mapping = json.loads((DEMO / "synonyms.json").read_text(encoding="utf-8"))
    assert len(mapping) >= 50
    assert all(isinstance(v, list) and v and all(isinstance(x, str) and x for x in v) for v in mapping.values())
    assert mapping["医保"][0] == "医疗保险" and mapping["公积金"] == ["住房公积金"]


def test_width_and_case_do_not_matter(small):
    write(small, kb_index.upsert_entries, [entry("a", "下载江州APP"), entry("b", "ＷＩＦＩ密码")])
    assert ids(small, "ＡＰＰ") == ["a"]
    assert ids(small, "app") == ["a"]
    assert ids(small, "wifi") == ["b"]


# --- query safety -------------------------------------------------------------------------------

def test_operators_and_punctuation_are_searched_as_text(small):
    write(small, kb_index.upsert_entries, [
        entry("ops", 'C++ (AND) "quoted" *star* -minus NOT x OR y', answer="a:b {c} ^d NEAR(e f)"),
        entry("plain", "andor not"),
    ])
    for query in ['"quoted"', "(AND)", "*star*", "-minus", "NOT x", "OR y", "C++", "a:b", "{c}", "^d", "NEAR(e"]:
        assert ids(small, query) == ["ops"], query
    assert ids(small, '"') == ["ops"]
    assert set(ids(small, "and")) == {"ops", "plain"}
    for query in ["AND", "OR", "NOT", "*", "-", "(", ")", '"', "NEAR", "a OR", "NOT NOT", "^", ":", "'", "\\", "\x00"]:
        kb_index.search(small, query)


@pytest.mark.parametrize("query", ["", " ", "\u3000\t\n", ts.SEP])
def test_an_empty_query_finds_nothing(demo, query):
    assert kb_index.search(demo, query) == []


@SETTINGS
@given(st.text(max_size=30))
def test_any_text_is_a_valid_query(demo, query):
    kb_index.search(demo, query, limit=5)


@SETTINGS
@given(st.data())
def test_any_piece_of_a_demo_entry_finds_it(demo, data):
    e = data.draw(st.sampled_from([e for e in ENTRIES if current(e)]))
    text = data.draw(st.sampled_from([e["title"], e["answer"], *e["keywords"]]))
    start = data.draw(st.integers(0, len(text) - 1))
    piece = text[start:start + data.draw(st.integers(1, 8))]
    assume(piece.strip())
    assert e["id"] in ids(demo, piece)


# Characters SQLite's tokenizer treats as separators although Python does not (older Unicode); NUL
# is folded to a separator (FTS5 would end the query string there).
_SQLITE_SPACES = "\u180e\u200b"
_CHARS = st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp"), blacklist_characters=_SQLITE_SPACES + "\x00" + ts.SEP)


@SETTINGS
@given(title=st.text(_CHARS, min_size=1, max_size=12), data=st.data())
def test_any_piece_of_any_text_finds_it(tmp_path, title, data):
    conn = sqlite3.connect(":memory:", isolation_level=None)
    kb_index.create_schema(conn)
    kb_index.upsert_entries(conn, [entry("t", title), entry("other", "别的")])
    start = data.draw(st.integers(0, len(title) - 1))
    piece = title[start:start + data.draw(st.integers(1, 6))]
    assume(piece.strip())  # a query of whitespace only (str.isspace, e.g. \x1f) is empty
    assert "t" in ids(conn, piece)
    conn.close()


def test_the_helpers_serve_another_table():
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(title, pinyin, initials, tokenize=\"{ts.TOKENIZE}\", content='')")
    for rowid, title in enumerate(["公积金提取咨询", "噪声扰民 (夜间)", "APP无法登录"], 1):
        conn.execute("INSERT INTO t(rowid, title, pinyin, initials) VALUES (?, ?, ?, ?)",
                     (rowid, ts.index_text(title), *ts.pinyin_tokens(title)))

    def found(query: str) -> list[int]:
        expression = ts.match_expression(query, {"扰民": ["噪声"]})
        return [r for (r,) in conn.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank", (expression,))]

    assert found("gjj") == [1] and found("tiqu") == [1] and found("(夜间)") == [2] and found("app") == [3]
    assert found("扰民 夜") == [2] and found("公积金 噪声") == [] and ts.match_expression(" \t") is None


# --- snippets -----------------------------------------------------------------------------------

def test_snippets_mark_the_matches(demo):
    hits = kb_index.search(demo, "公积金", limit=50, today=TODAY)
    by_id = {e["id"]: e for e in ENTRIES}
    assert hits
    for hit in hits:
        answer = by_id[hit.id]["answer"]
        if "公积金" in answer:
            assert "\x02公积金\x03" in hit.snippet
            assert hit.snippet.replace("\x02", "").replace("\x03", "").strip("…") in answer
        else:
            assert "\x02" not in hit.snippet and hit.snippet.rstrip("…") == answer[:60]


def test_snippet_maps_folded_matches_back_to_the_original_text():
    assert kb_index.snippet("下载ＡＰＰ就行", ["app"]) == "下载\x02ＡＰＰ\x03就行"
    assert kb_index.snippet("Straße und ß", ["ss"]) == "Stra\x02ß\x03e und \x02ß\x03"
    long = "甲" * 100 + "公积金" + "乙" * 100
    cut = kb_index.snippet(long, ["公积金"])
    assert cut.startswith("…") and cut.endswith("…") and "\x02公积金\x03" in cut and len(cut) < 90


# --- maintenance --------------------------------------------------------------------------------

def test_upsert_replaces_and_delete_removes(small):
    write(small, kb_index.upsert_entries, [entry("a", "公积金提取", keywords=["提取"]), entry("b", "公积金贷款")])
    write(small, kb_index.upsert_entries, [entry("a", "社保转移", keywords=["转移"])])
    assert ids(small, "提取") == []
    assert ids(small, "gjj") == ["b"]
    assert ids(small, "社保") == ["a"]
    assert kb_index.get_entry(small, "a")["keywords"] == ["转移"]
    write(small, kb_index.delete_entries, ["a", "missing"])
    assert ids(small, "社保") == [] and kb_index.get_entry(small, "a") is None
    write(small, kb_index.upsert_entries, [entry("c", "社保卡")])
    assert ids(small, "社保") == ["c"]
    small.execute("INSERT INTO kb_body(kb_body, rank) VALUES ('integrity-check', 0)")
    small.execute("INSERT INTO kb_head(kb_head, rank) VALUES ('integrity-check', 0)")
    write(small, kb_index.clear)
    assert ids(small, "公积金") == [] and ids(small, "社保") == []


def test_get_entry_returns_the_whole_entry(demo):
    original = ENTRIES[0]
    stored = kb_index.get_entry(demo, original["id"])
    assert {k: stored[k] for k in original} == original
    assert kb_index.get_entry(demo, "nope") is None


def test_schema_is_idempotent_and_rebuilds_an_outdated_index(small):
    write(small, kb_index.upsert_entries, [entry("a", "公积金提取")])
    write(small, kb_index.create_schema)
    assert ids(small, "提取") == ["a"]
    small.execute("UPDATE kb_index_meta SET value = 'old' WHERE key = 'version'")
    small.execute("INSERT INTO kb_head(kb_head) VALUES ('delete-all')")
    assert ids(small, "提取") == ["a"]  # still found through kb_body
    write(small, kb_index.create_schema)
    assert kb_index.search(small, "提取")[0].snippet == "内容"
    assert ids(small, "gjj") == ["a"]
