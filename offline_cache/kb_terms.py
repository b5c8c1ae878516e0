"""Partial matching for the knowledge base: what a caller says, found when not every word of it is
in the entry (kb_index's exact search finds only entries holding every word).

An agent types what the caller is saying: 隔壁半夜唱歌吵得睡不着, 房东不退押金, 公基金提取 (a
homophone from the pinyin input method), 公积金tiqu. Here the query becomes weighted terms, each
tied to one of the query's *concepts* (its words, as the segmenter cuts them):

- the words' character bigrams (and words of three or more characters whole), looked up in
  `kb_terms`, an FTS5 table of the entries' bigrams and words (title, keywords, answer);
- the lexicon's expansions of any term the query contains (colloquial -> official: 不给退 -> 退费,
  掉了 -> 遗失/补办; the `synonyms` table, which KB editors keep on the platform);
- the pinyin of the words (syllable pairs), against the pinyin of titles and keywords: a character
  typed for another of the same sound still finds the entry; Latin words typed as pinyin or
  initials likewise.

Candidates come from one FTS5 OR query ranked by its BM25 (title and keywords weigh most); the
best of them are ranked again by how many of the query's concepts each covers, and an entry that
covers too small a share is dropped (`MIN_SHARE`): partial, not arbitrary.

The segmenter is jieba's dictionary through rjieba (jieba-rs: 3 us a sentence, 0.2 s to load;
jieba itself takes 100 us and 1.6 s); only queries are segmented, and entries are indexed by
bigrams and the words of their keywords, so a segmentation the dictionary gets wrong still
shares the bigrams. Terms that most entries hold (怎么, 办理) are left out of the query: they rank
nothing and would make BM25 visit most of the index.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from offline_cache import textsearch as ts

#: Share of a query's weight (its concepts by idf) an entry must cover to be listed.
MIN_SHARE = 0.3
CANDIDATES = 50  # ranked again by coverage
COMMON_SHARE = 0.25  # a term in more than this share of the entries (and more than COMMON_FLOOR) is dropped
COMMON_FLOOR = 40
POSTINGS_BUDGET = 6000  # entries BM25 may visit for one query (a KB of 200,000 entries stays within ms)
LEXICON_WEIGHT = 0.9  # an expansion counts nearly as the word itself
PINYIN_WEIGHT = 0.6  # the same sound: probably, not certainly, the same word
SINGLE_WEIGHT = 1.0  # the weight of a one-character word (an idf is 2 to 6)
WEIGHTS = "10.0, 6.0, 1.5, 3.0, 2.0"  # title, keywords, answer, pinyin, initials

# Words that say nothing about what the caller needs (the segmenter's cut of a spoken sentence).
_STOP = frozenset("""
我 你 他 她 它 我们 你们 他们 的 了 吗 呢 啊 吧 呀 哦 嗯 么 是 不是 有 没有 在 和 与 及 或 就 都 还 也 又 再 很 太 更
这 那 这个 那个 这样 那样 这里 那里 哪里 哪儿 哪个 什么 怎么 怎么办 怎么样 咋 咋办 咋整 咋弄 为什么 为啥 啥 多少 几 谁
请问 请 问 问问 问一下 一下 想 想问 想要 要 能 能不能 可以 可不可以 会 需要 应该 得 给 把 被 让 对 跟 从 到 去 来 说
现在 今天 昨天 明天 已经 一直 还是 但是 可是 因为 所以 如果 然后 就是 一个 一些 个 些 点 一点 下 上 里 中 办
""".split())
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z]+")
_DIGITS = re.compile(r"[0-9]+")


@lru_cache(maxsize=1)
def _segmenter():  # noqa: ANN202 - rjieba's module
    import rjieba  # loads jieba's dictionary (~0.2 s): on first use, not at import
    return rjieba


def warm_up() -> None:
    _segmenter()


# --- the entries' side --------------------------------------------------------------------------

def bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


_HAN_BIGRAM = re.compile(r"(?=([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2}))")  # overlapping, found in C
_LATIN_OR_DIGITS = re.compile(r"[a-z]+|[0-9]+")


def text_terms(text: str) -> str:
    """The term tokens of a text for `kb_terms`: the bigrams of each Han run, Latin words and
    numbers whole (folded); in no particular order (BM25 counts them, no phrase is asked)."""
    return folded_terms(ts.fold(text))


def folded_terms(folded: str) -> str:
    """`text_terms` of a text folded already."""
    return " ".join(_HAN_BIGRAM.findall(folded) + _LATIN_OR_DIGITS.findall(folded))


def sound_terms(title: str, keywords: Iterable[str]) -> tuple[str, str]:
    """(syllable pairs, initial pairs) of the title's and keywords' words, each word apart: a pair
    across two words (看门诊的钱医保: qian'yi) would answer a query it has nothing to do with."""
    full, initials = _sounds(title)
    for keyword in keywords:  # keywords repeat across entries: each is read once
        cached = _KEYWORD_SOUNDS.get(keyword)
        if cached is None:
            if len(_KEYWORD_SOUNDS) >= 50_000:
                _KEYWORD_SOUNDS.clear()
            cached = _KEYWORD_SOUNDS[keyword] = _sounds(keyword)
        full += cached[0]
        initials += cached[1]
    return " ".join(full), " ".join(initials)


_KEYWORD_SOUNDS: dict[str, tuple[list[str], list[str]]] = {}


def _sounds(text: str) -> tuple[list[str], list[str]]:
    full: list[str] = []
    initials: list[str] = []
    reading, cut = ts._pinyin().syllables, _segmenter().cut
    for run in _HAN.findall(ts.fold(text)):
        syllables, at = reading(run), 0
        for word in cut(run):
            own = [s for s in syllables[at:at + len(word)] if s]
            at += len(word)
            full += ["'".join(p) for p in zip(own, own[1:])]
            initials += [a[0] + b[0] for a, b in zip(own, own[1:])]
    return full, initials


def keyword_terms(keywords: Iterable[str]) -> str:
    """Keywords as bigrams and, from three characters on, whole."""
    out: list[str] = []
    for keyword in keywords:
        terms = text_terms(keyword)
        folded = ts.fold(keyword).strip(ts.SEP)
        out.append(terms)
        if len(folded) >= 3 and _HAN.fullmatch(folded):
            out.append(folded)
    return " ".join(t for t in out if t)


# --- the query's side ---------------------------------------------------------------------------

@dataclass
class Concept:
    """One word of the query and the strings that stand for it in an entry's text."""
    word: str
    texts: set[str] = field(default_factory=set)  # folded substrings: the word, its bigrams, expansions
    sounds: list[list[str]] = field(default_factory=list)  # pinyin token lists, any of which stands for it
    terms: set[str] = field(default_factory=set)  # its index tokens (for its weight)
    weight: float = 0.0  # idf of its rarest token the index holds; 0: the KB never says it


@dataclass
class PartialQuery:
    concepts: list[Concept]
    terms: dict[str, float]  # FTS5 token (or pinyin token) -> weight

    def expression(self, keep: Iterable[str]) -> str | None:
        tokens = [t for t in keep if t in self.terms]
        return " OR ".join(ts._string(t) for t in tokens) if tokens else None


def _syllables(word: str) -> list[str]:  # noqa: D103
    return [s for s in ts._pinyin().syllables(word) if s]


def compile_partial(query: str, synonyms: Mapping[str, Iterable[str]]) -> PartialQuery | None:
    """The concepts and weighted terms of a query (None when it has no word worth looking up)."""
    folded = ts.fold(query).replace(ts.SEP, " ")
    concepts: list[Concept] = []
    terms: dict[str, float] = {}

    def add(concept: Concept, token: str, weight: float) -> None:
        concept.terms.add(token)
        if token and terms.get(token, 0.0) < weight:
            terms[token] = weight

    for match in re.finditer(f"{_HAN.pattern}|{_LATIN.pattern}|{_DIGITS.pattern}", folded):
        run = match.group()
        if _HAN.fullmatch(run):
            for word in _segmenter().cut(run):
                if word in _STOP:
                    continue
                concept = Concept(word, {word})
                for gram in bigrams(word):
                    concept.texts.add(gram)
                    add(concept, gram, 1.0)
                if len(word) >= 3:
                    add(concept, word, 1.0)
                syllables = _syllables(word)
                if len(syllables) >= 2:
                    concept.sounds.append(["'".join(p) for p in zip(syllables, syllables[1:])])
                    for pair in concept.sounds[-1]:
                        add(concept, pair, PINYIN_WEIGHT)
                concepts.append(concept)
        elif _LATIN.fullmatch(run) and len(run) >= 2:
            concept = Concept(run, {run})
            add(concept, run, 1.0)
            for tokens in _pinyin_readings(run):
                concept.sounds.append(tokens)
                for token in tokens:
                    add(concept, token, 1.0)
            concepts.append(concept)
        elif _DIGITS.fullmatch(run):
            concept = Concept(run, {run})
            add(concept, run, 1.0)
            concepts.append(concept)
    # the lexicon: a term anywhere in the query (not only a whole word) brings its expansions
    compact = folded.replace(" ", "")
    for term, expansions in synonyms.items():
        if len(term) >= 2 and term in compact:
            owner = next((c for c in concepts if term in c.word or c.word in term), None)
            if owner is None:
                owner = Concept(term, {term})
                concepts.append(owner)
            if len(term) > len(owner.word):  # 丢 of 丢了: the lexicon's term is the word meant
                owner.word = term
                owner.texts.add(term)
                for gram in bigrams(term):
                    owner.texts.add(gram)
                    add(owner, gram, 1.0)
            for expansion in expansions:
                owner.texts.add(expansion)
                for gram in (bigrams(expansion) if _HAN.fullmatch(expansion) else [expansion]):
                    add(owner, gram, LEXICON_WEIGHT)
                if len(expansion) >= 3:
                    add(owner, expansion, LEXICON_WEIGHT)
    if not terms:
        return None
    return PartialQuery(concepts, terms)


def _pinyin_readings(word: str) -> list[list[str]]:
    """Pinyin tokens a Latin word may stand for: syllable pairs of its readings, initial pairs."""
    out = []
    readings = [parts for parts in ts.segmentations(word) if all(p in ts._SYLLABLES for p in parts)]
    fewest = min((len(parts) for parts in readings), default=0)
    for parts in readings:
        if len(parts) == fewest >= 2:  # the likeliest readings only: more syllables are mostly noise
            out.append([f"{a}'{b}" for a, b in zip(parts, parts[1:])])
    if ts.initials_expr(word) is not None and len(word) >= 2:
        out.append([a + b for a, b in zip(word, word[1:])])
    return out


def weigh(query: PartialQuery, doc_counts: Mapping[str, int], total: int) -> None:
    """Each concept's weight: the idf of its rarest token the index holds (0 when it holds none:
    a word the knowledge base never uses is no evidence either way)."""
    for concept in query.concepts:
        counts = [doc_counts[t] for t in concept.terms if doc_counts.get(t, 0) > 0]
        concept.weight = max((math.log(1 + (total - df + 0.5) / (df + 0.5)) for df in counts), default=0.0)
        if not concept.weight and len(concept.word) == 1 and _HAN.fullmatch(concept.word):
            concept.weight = SINGLE_WEIGHT  # one character (丢, 退): not indexed alone, still said


def cover_text(title: str, keywords: list[str], answer: str) -> str:
    """An entry's folded text, as coverage reads it (kept beside the index: `kb_cover`); the
    parts may be folded already (folding twice changes nothing)."""
    return ts.fold(title + ts.SEP + ts.SEP.join(keywords) + ts.SEP + answer)


def coverage(query: PartialQuery, text: str, sounds_text: str) -> float:
    """Share of the query's weight an entry holds: for each concept the word or an expansion
    (whole), its bigrams (in proportion, from half of them), or its sound in the title or keywords."""
    total = sum(c.weight for c in query.concepts)
    if total <= 0:
        return 0.0
    sounds = set(sounds_text.split())
    covered = 0.0
    for concept in query.concepts:
        if not concept.weight:
            continue
        grams = bigrams(concept.word) if _HAN.fullmatch(concept.word) else []
        found = sum(g in text for g in grams)
        if concept.word in text:
            share = 1.0
        elif any(t in text for t in concept.texts if t not in grams):
            share = LEXICON_WEIGHT
        elif grams and found * 2 >= len(grams):
            share = found / len(grams)
        elif any(tokens and all(t in sounds for t in tokens) for tokens in concept.sounds):
            # typed in pinyin, the sound is what was meant; typed in characters, it may be a homophone
            share = 1.0 if _LATIN.fullmatch(concept.word) else PINYIN_WEIGHT
        elif _LATIN.fullmatch(concept.word) and concept.sounds:
            # pinyin or initials running over several words (gjjtq: gj jj tq held, jt spans two)
            share = max(sum(t in sounds for t in tokens) / len(tokens) for tokens in concept.sounds if tokens)
            share = share if share >= 0.5 else 0.0
        else:
            share = 0.0
        covered += share * concept.weight
    return covered / total


def sound_spans(text: str, sounds: Iterable[list[str]]) -> list[tuple[int, int]]:
    """Spans of `text` whose characters read as one of the syllable-pair runs (a homophone or the
    pinyin typed): for highlighting what matched by sound."""
    wanted = [tokens for tokens in sounds if tokens and "'" in tokens[0]]
    if not wanted:
        return []
    spans = []
    for match in _HAN.finditer(text):
        syllables = ts._pinyin().syllables(match.group())
        for tokens in wanted:
            size = len(tokens) + 1
            for i in range(len(syllables) - size + 1):
                if all(f"{syllables[i + k]}'{syllables[i + k + 1]}" == tokens[k] for k in range(size - 1)):
                    spans.append((match.start() + i, match.start() + i + size))
    return spans
