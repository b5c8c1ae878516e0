"""Chinese-aware text for SQLite FTS5: index tokens, pinyin tokens, and safe MATCH expressions.

SQLite's own tokenizers do not split Chinese (unicode61 keeps a run of Han characters as one token,
trigram finds nothing under three characters), so the text is tokenized here and stored in FTS5 as
space-separated tokens, with a tokenizer that keeps every non-space character (`TOKENIZE`).

- `fold(text)`: NFKC + casefold, one character at a time, so that folding a substring gives a
  substring of the folded text (a search for any piece of an entry finds the entry); whitespace
  becomes `SEP`.
- `index_text(text)` / `index_list(items)`: one token per character; `SEP` tokens stand for
  whitespace and for the gaps between list items, so that a phrase never matches across them.
- `pinyin_tokens(text, items)`: two token strings for the Han characters of a text (and a list):
  full pinyin as syllable pairs (`gong'ji ji'jin`), initials as letter pairs (`gj jj`).
- `compile_query(query, synonyms)` / `match_expression(...)`: a user query as an FTS5 MATCH
  expression: AND over its words; each word is the phrase of its characters OR its synonyms' OR,
  for a word of Latin letters, its pinyin readings. Only double-quoted strings: no user text is ever
  read as FTS5 syntax, and `"`, `*`, `AND`, `(`, `-` are searched as characters.

A query word matches every row whose folded text contains it as a substring, whatever its length.

Another table (the work-order cache's titles) uses it like this:

    CREATE VIRTUAL TABLE wo_fts USING fts5(title, pinyin, initials, tokenize="<TOKENIZE>", content='')
    INSERT INTO wo_fts(rowid, title, pinyin, initials) VALUES (?, index_text(title), *pinyin_tokens(title))
    SELECT rowid FROM wo_fts WHERE wo_fts MATCH match_expression(query) ORDER BY rank LIMIT 20

(contentless: to delete a row, insert the same tokens with the 'delete' command).
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Stands for whitespace and for boundaries between list items and Han runs. A private-use
#: character: queries never contain it (they are split on whitespace and it is removed).
SEP = "\ue000"

#: FTS5 tokenizer for the pre-tokenized columns: every character class except separators (Z*) is
#: a token character, so a space-separated character is one token, punctuation included.
TOKENIZE = "unicode61 remove_diacritics 0 categories 'L* N* M* P* S* C*'"


class _FoldTable(dict):
    """str.translate table filled on first sight of each character (NFKC + casefold)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char.isspace() or code == 0:  # NUL would end FTS5's query string early
            out = SEP
        elif 0xD800 <= code <= 0xDFFF:
            out = ""  # a lone surrogate cannot be stored as UTF-8
        else:
            out = "".join(SEP if c.isspace() else c for c in unicodedata.normalize("NFKC", char).casefold())
        self[code] = out
        return out


_FOLD = _FoldTable()


_SPACE = re.compile(r"\s")
_SLOW = re.compile("[\x00\ud800-\udfff]")  # characters the fast path would get wrong


def fold(text: str) -> str:
    """Width- and case-insensitive form of `text`; whitespace becomes SEP."""
    if unicodedata.is_normalized("NFKC", text) and not _SLOW.search(text):
        # Every character of an NFKC-normal text is its own NFKC form: casefold suffices (5x faster).
        folded = text.casefold()
        return _SPACE.sub(SEP, folded) if _SPACE.search(folded) else folded
    return text.translate(_FOLD)


def fold_char(char: str) -> str:
    return _FOLD[ord(char)]


def has_surrogates(text: str) -> bool:
    """True when `text` has characters that fold to nothing (lone surrogates) or to SEP (NUL)."""
    return _SLOW.search(text) is not None


def index_text(text: str) -> str:
    """Tokens of one text for an FTS5 column: each folded character, space-separated."""
    return " ".join(fold(text))


def index_list(items: list[str]) -> str:
    """Tokens of a list (keywords): the items' tokens with SEP between items."""
    return " ".join(fold(SEP.join(items)))


# --- pinyin -------------------------------------------------------------------------------------

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_SYLLABLES = frozenset("""
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu ca cai can cang cao
ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun
chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den deng di dia dian diao die din ding diu
dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge gei
gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai
huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke
kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei len leng li lia lian liang
liao lie lin ling liu lo long lou lu luan lun luo lv lve ma mai man mang mao me mei men meng mi mian miao mie
min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nia nian niang niao nie nin ning niu nong nou nu
nuan nun nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian
qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo
sa sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan
shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te tei teng ti tian tiao tie ting
tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wong wu xi xia xian xiang xiao xie xin xing xiong
xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen
zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi
zong zou zu zuan zui zun zuo""".split())
_SYLLABLE_PREFIXES = frozenset(s[:i] for s in _SYLLABLES for i in range(1, len(s) + 1))
_PINYIN_WORD = re.compile(r"[a-z]{2,24}")
_MAX_SEGMENTATIONS = 6


class _Pinyin:
    """Plain (toneless) pinyin of Han characters, fast enough for bulk indexing.

    pypinyin's own converter costs ~200 us per title; this one maps each character to its usual
    reading with one dictionary lookup and consults a phrase list only around characters with
    several readings (银行 yin-hang, 重庆 chong-qing). The tables are pypinyin's, cut down by
    scripts/build_tables.py to what this needs (PINYIN_TABLE): importing pypinyin would cost ~55 MB."""

    def __init__(self, table: dict) -> None:
        self._syllable = _Readings()  # '' for a character without a reading
        for reading, chars in table["readings"].items():
            self._syllable.update(dict.fromkeys(chars, reading))
        self._several = frozenset(table["several"])
        self._phrases = {word: readings.split(" ") for word, readings in table["words"].items()}

    def syllables(self, run: str) -> list[str]:
        """One syllable per character of a Han run ('' for a character without a reading)."""
        out = list(map(self._syllable.__getitem__, run))
        if self._several.isdisjoint(run):
            return out
        phrases, size = self._phrases, len(run)
        for i, char in enumerate(run):
            if char in self._several:
                # The shortest dictionary word around the character decides its reading.
                for start, end in ((i, i + 2), (i - 1, i + 1), (i, i + 3), (i - 2, i + 1)):
                    if start >= 0 and end <= size and run[start:end] in phrases:
                        reading = phrases[run[start:end]]
                        if len(reading) == end - start:
                            out[i] = reading[i - start]
                        break
        return out


class _Readings(dict):
    def __missing__(self, char: str) -> str:
        return ""


PINYIN_TABLE = Path(__file__).resolve().parent.parent / "resources" / "pinyin" / "readings.json"


@lru_cache(maxsize=1)
def _pinyin_table() -> dict:
    return json.loads(PINYIN_TABLE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _pinyin() -> _Pinyin:
    return _Pinyin(_pinyin_table())  # loaded on first use (~30 ms), not at import


@lru_cache(maxsize=1)
def pinyin_source() -> str:
    """Where the readings come from ("pypinyin 0.55.0"): an index built with other readings is
    rebuilt. Read from the table's first lines, so that opening a cache does not load the table."""
    with PINYIN_TABLE.open(encoding="utf-8") as table:
        for line in (table.readline(), table.readline()):
            if line.startswith('"source":'):
                return json.loads(line.removeprefix('"source":').rstrip().rstrip(","))
    return _pinyin_table()["source"]


def warm_up() -> None:
    """Load the pinyin table now rather than on the first indexed entry. Loading holds the
    interpreter lock for a few tens of ms whatever thread does it, so a seat does it before calls
    arrive."""
    _pinyin()


def pinyin_tokens(text: str, items: Iterable[str] = ()) -> tuple[str, str]:
    """(full, initials) token strings of the Han characters of `text` and of each of `items`.

    Full pinyin is indexed as pairs of neighbouring syllables (`gong'ji ji'jin`), initials as pairs
    of neighbouring initials (`gj jj`): pairs keep the posting lists short (single letters or
    syllables would each match a large part of the KB). Runs of Han characters are separated by SEP
    tokens. `items` (keywords) repeat across entries, so their pairs are cached."""
    full, initials = _pinyin_pairs(text)
    for item in items:
        cached = _ITEM_PAIRS.get(item)
        if cached is None:
            if len(_ITEM_PAIRS) >= 50_000:
                _ITEM_PAIRS.clear()
            cached = _ITEM_PAIRS[item] = _pinyin_pairs(item)
        if cached[0]:
            if full:
                full.append(SEP)
                initials.append(SEP)
            full += cached[0]
            initials += cached[1]
    return " ".join(full), " ".join(initials)


_ITEM_PAIRS: dict[str, tuple[list[str], list[str]]] = {}


def pinyin_words(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of the Han characters of `text`, each run as one word
    (住房公积金 -> "zhufanggongjijin", "zfgjj"), runs space-separated: for matching what an agent
    types against a short text (a category path), where pairs are not needed."""
    syllables = _pinyin().syllables
    full, initials = [], []
    for run in _HAN_RUN.findall(text):
        chunk = [s for s in syllables(run) if s]
        if chunk:
            full.append("".join(chunk))
            initials.append("".join(s[0] for s in chunk))
    return " ".join(full), " ".join(initials)


def _pinyin_pairs(text: str) -> tuple[list[str], list[str]]:
    syllables = _pinyin().syllables
    full: list[str] = []
    initials: list[str] = []
    for run in _HAN_RUN.findall(text):
        if len(run) < 2:
            continue
        chunk = syllables(run)
        if "" in chunk:  # a character without a reading splits the run
            for part in " ".join(chunk).split("  "):
                _pairs(part.split(), full, initials)
        else:
            _pairs(chunk, full, initials)
    return full, initials


def _pairs(chunk: list[str], full: list[str], initials: list[str]) -> None:
    if len(chunk) < 2:
        return
    if full:
        full.append(SEP)
        initials.append(SEP)
    full.extend(map("'".join, zip(chunk, chunk[1:])))
    firsts = [s[0] for s in chunk]
    initials.extend(map(str.__add__, firsts, firsts[1:]))


# --- queries ------------------------------------------------------------------------------------

def query_words(query: str) -> list[str]:
    """The folded, distinct words of a query, in order; empty for a blank query."""
    words = [w.replace(SEP, "") for w in fold(query).split(SEP)]
    return list(dict.fromkeys(w for w in words if w))


@dataclass(frozen=True)
class CompiledQuery:
    expression: str  # the FTS5 MATCH expression
    word_texts: list[list[str]]  # per query word: the folded texts it stands for (itself, synonyms)


def compile_query(query: str, synonyms: Mapping[str, Iterable[str]] | None = None, *,
                  pinyin: bool = True) -> CompiledQuery | None:
    """The MATCH expression of a user query; None for a query without words. `synonyms` maps a
    folded word to the folded texts it also stands for."""
    expressions, word_texts = [], []
    for word in query_words(query):
        texts = [word, *sorted(set((synonyms or {}).get(word, ())) - {word})]
        alternatives = [text_phrase(t) for t in texts]
        if pinyin:
            alternatives += [e for e in (initials_expr(word), *full_pinyin_exprs(word)) if e]
        expressions.append("(" + " OR ".join(alternatives) + ")")
        word_texts.append(texts)
    if not expressions:
        return None
    return CompiledQuery(" AND ".join(expressions), word_texts)


def match_expression(query: str, synonyms: Mapping[str, Iterable[str]] | None = None, *,
                     pinyin: bool = True) -> str | None:
    compiled = compile_query(query, synonyms, pinyin=pinyin)
    return compiled.expression if compiled else None


def _string(tokens: list[str] | str) -> str:
    """An FTS5 string literal of tokens: inside double quotes nothing is syntax but `"` itself."""
    text = tokens if isinstance(tokens, str) else " ".join(tokens)
    return '"' + text.replace('"', '""') + '"'


def text_phrase(word: str) -> str:
    """The phrase of a folded word's characters: matches where the word occurs as a substring."""
    return _string(list(word))


def is_pinyin_candidate(word: str) -> bool:
    return _PINYIN_WORD.fullmatch(word) is not None


def initials_expr(word: str) -> str | None:
    """Initials (`gjj`) as a phrase of letter pairs, or None for a word that cannot be initials."""
    if not is_pinyin_candidate(word) or not all(c in _SYLLABLE_PREFIXES for c in word):
        return None
    return _string([a + b for a, b in zip(word, word[1:])])


def segmentations(word: str) -> list[list[str]]:
    """Ways to read `word` as full syllables ending in a full or partial syllable (fewest first)."""
    results: list[list[str]] = []

    def walk(rest: str, done: list[str]) -> None:
        if len(results) >= _MAX_SEGMENTATIONS * 4:
            return
        if rest in _SYLLABLE_PREFIXES:
            results.append([*done, rest])
        for cut in range(min(6, len(rest) - 1), 0, -1):
            head = rest[:cut]
            if head in _SYLLABLES:
                walk(rest[cut:], [*done, head])

    walk(word, [])
    results.sort(key=len)
    return results[:_MAX_SEGMENTATIONS]


def full_pinyin_exprs(word: str) -> list[str]:
    """Full or partial pinyin (`gongjijin`, `gongji`) as prefix phrases of syllable pairs, one per
    reading of the word with at least two syllables; the last syllable may be incomplete."""
    if not is_pinyin_candidate(word):
        return []
    exprs = []
    for parts in segmentations(word):
        if len(parts) >= 2:
            exprs.append(_string([f"{a}'{b}" for a, b in zip(parts, parts[1:])]) + " *")
    return exprs
