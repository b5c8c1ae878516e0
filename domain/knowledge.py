"""Knowledge-base entries (知识库, R17) and their validation."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from domain.chars import first_bad_char

STATUSES = ("draft", "published", "retired")
_REQUIRED = ("id", "title", "answer", "category_path")


def _fail(name: str, problem: str) -> ValueError:
    # Messages start with the field name so a form can show them next to the field.
    return ValueError(f"{name}: {problem}")


def _text(name: str, value: Any, *, required: bool) -> None:
    if not isinstance(value, str):
        raise _fail(name, "must be a string")
    if required and not value.strip():
        raise _fail(name, "must not be empty")


def _strings(name: str, value: Any, *, required: bool) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(name, "must be a list of strings")
    if any(not v.strip() for v in value):
        raise _fail(name, "must not contain empty strings")
    if required and not value:
        raise _fail(name, "must not be empty")


def _date(name: str, value: Any) -> date | None:
    if value is None or (type(value) is date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(name, "must be a date (YYYY-MM-DD) or null")


@dataclass
class KnowledgeEntry:
    id: str
    title: str
    answer: str
    category_path: list[str]
    source_department: str = ""
    policy_basis: str = ""
    keywords: list[str] = field(default_factory=list)
    valid_from: date | None = None
    valid_to: date | None = None
    version: int = 1
    status: str = "published"  # draft | published | retired

    def __post_init__(self) -> None:
        for name in ("id", "title", "answer"):
            _text(name, getattr(self, name), required=True)
        _strings("category_path", self.category_path, required=True)
        _text("source_department", self.source_department, required=False)
        _text("policy_basis", self.policy_basis, required=False)
        _strings("keywords", self.keywords, required=False)
        self.valid_from = _date("valid_from", self.valid_from)
        self.valid_to = _date("valid_to", self.valid_to)
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise _fail("valid_to", "must not be before valid_from")
        if isinstance(self.version, bool) or not isinstance(self.version, int):
            raise _fail("version", "must be an integer")
        if self.version < 1:
            raise _fail("version", "must be at least 1")
        if self.status not in STATUSES:
            raise _fail("status", f"must be one of {', '.join(STATUSES)}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> KnowledgeEntry:
        """Validate a payload (dates as ISO strings); ValueError names the field."""
        if not isinstance(d, dict):
            raise ValueError("entry: must be an object")
        unknown = sorted(set(d) - _FIELD_NAMES, key=str)
        if unknown:
            raise ValueError(f"unknown field: {', '.join(map(str, unknown))}")
        for name in _REQUIRED:
            if name not in d:
                raise _fail(name, "is required")
        data = dict(d)
        for name in ("category_path", "keywords"):
            if isinstance(data.get(name), list):
                data[name] = list(data[name])  # the entry must not share the caller's list
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "answer": self.answer,
            "category_path": list(self.category_path),
            "source_department": self.source_department,
            "policy_basis": self.policy_basis,
            "keywords": list(self.keywords),
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "version": self.version,
            "status": self.status,
        }

    def is_expired(self, today: date) -> bool:
        """Past its valid_to date (the last day it applies)."""
        return self.valid_to is not None and today > self.valid_to


_FIELD_NAMES = frozenset(f.name for f in fields(KnowledgeEntry))


# --- learning from agents -------------------------------------------------------------------------
# Which entry an agent inserted or opened after which query goes to the platform; once enough
# different agents did the same, every seat lists that entry first for that query ("agents who
# searched this used that").

BOOST_MIN_USERS = 2  # different agents before a query -> entry pair is served to every seat
USAGE_KEY_MAX = 64
USAGE_ACTIONS = ("insert", "open")
_LONG_NUMBER = re.compile(r"\d{3,}")  # phone, ID card, order numbers: never part of what is learnt


def usage_key(query: str) -> str | None:
    """The form a query is learnt under: width- and case-folded, numbers of three digits or more
    left out (a caller's phone or ID number is no query to learn), spaces collapsed; None when
    nothing of two characters or more is left."""
    folded = unicodedata.normalize("NFKC", query).casefold()
    folded = " ".join(_LONG_NUMBER.sub(" ", folded).split())[:USAGE_KEY_MAX].strip()
    return folded if len(folded) >= 2 else None


def boost_key(query_key: str, entry_id: str) -> str:
    """The feed's key of a learnt pair (fixed length, whatever the query)."""
    return hashlib.sha256(f"{query_key}\x1f{entry_id}".encode()).hexdigest()[:32]


# --- the lexicon ----------------------------------------------------------------------------------
# What callers say and the words the entries use (不给退 -> 退费, 掉了 -> 遗失、补办): one line per
# term, edited by the knowledge editors, carried to every seat, read by the search.

LEXICON_WORD_MAX = 64
LEXICON_EXPANSIONS_MAX = 20
LEXICON_TERMS_MAX = 5000  # what one platform keeps (and so every seat caches)


def lexicon_term(term: object) -> str:
    """A lexicon term as kept (trimmed); ValueError "term: ..." when it is not one word."""
    if not isinstance(term, str) or not term.strip():
        raise _fail("term", "must not be empty")
    term = term.strip()
    if len(term) > LEXICON_WORD_MAX or first_bad_char(term) is not None or any(c.isspace() for c in term):
        raise _fail("term", f"must be one word of at most {LEXICON_WORD_MAX} characters")
    return term


def lexicon_line(term: object, expansions: object) -> tuple[str, list[str]]:
    """A lexicon line as kept: the term and its expansions trimmed, duplicates and the term itself
    dropped. ValueError starting with the field ("term: ...", "expansions: ...")."""
    term = lexicon_term(term)
    if not isinstance(expansions, list) or not all(isinstance(e, str) for e in expansions):
        raise _fail("expansions", "must be a list of words")
    words = list(dict.fromkeys(e.strip() for e in expansions if e.strip() and e.strip() != term))
    if not words:
        raise _fail("expansions", "give at least one word the entries use for it")
    if len(words) > LEXICON_EXPANSIONS_MAX:
        raise _fail("expansions", f"at most {LEXICON_EXPANSIONS_MAX} words")
    if any(len(w) > LEXICON_WORD_MAX or first_bad_char(w) is not None for w in words):
        raise _fail("expansions", f"each word at most {LEXICON_WORD_MAX} characters")
    return term, words
