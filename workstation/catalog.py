"""The reference data a seat keeps in its cache: the category tree and the handling units (with the
districts and streets the form offers), read for the UI so that it never touches the cache.

`version()` is a cheap fingerprint: a page reloads the catalog only when it moved (after a sync).
A cache that cannot be read raises `CacheError` from `catalog()`; the small look-ups (a category's
path, a unit's name) fall back to the id, since they only label what is shown.
"""
from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.catalog import (
    Category,
    CategoryTree,
    DispatchRule,
    DispatchSuggestion,
    HandlingUnit,
    UnitKind,
    suggest_dispatch,
)
from offline_cache import kb_index, kb_terms, textsearch
from workstation.sync import SyncService

log = logging.getLogger(__name__)

PATH_SEPARATOR = " › "


@dataclass(frozen=True)
class Catalog:
    tree: CategoryTree = field(default_factory=lambda: CategoryTree([]))
    units: tuple[HandlingUnit, ...] = ()
    rules: tuple[DispatchRule, ...] = ()  # the centre's dispatch rule table

    def suggest(self, category_id: str | None, district: str = "", street: str = "") -> DispatchSuggestion | None:
        """The units an order of the category from the address should go to (domain `suggest_dispatch`)."""
        path = self.tree.path(category_id) if category_id and category_id in self.tree else []
        return suggest_dispatch(self.rules, self.units, path, district, street) if path else None

    def leaf_paths(self) -> list[tuple[str, list[str]]]:
        """Leaves in tree order (parents by position), each with its path from the root."""
        out: list[tuple[str, list[str]]] = []

        def walk(parent: str | None) -> None:
            for cat in self.tree.children(parent):
                if self.tree.is_leaf(cat.id):
                    out.append((cat.id, self.tree.path(cat.id)))
                else:
                    walk(cat.id)
        walk(None)
        return out

    def unit(self, unit_id: str) -> HandlingUnit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def of_kind(self, *kinds: UnitKind) -> list[HandlingUnit]:
        return [u for kind in kinds for u in self.units if u.kind == kind]


def catalog_version(conn: sqlite3.Connection) -> tuple:
    """Cheap fingerprint of the cached reference data: reload only when it moved."""
    return tuple(conn.execute(f"SELECT count(*), max(version) FROM {table}").fetchone()  # noqa: S608
                 for table in ("categories", "handling_units")) \
        + (conn.execute("SELECT count(*), max(updated_at) FROM dispatch_rules").fetchone(),)  # a rule replaced moves it


def load_catalog(conn: sqlite3.Connection) -> Catalog:
    cats = [Category(r["id"], r["parent_id"], r["name"]) for r in
            conn.execute("SELECT id, parent_id, name FROM categories ORDER BY position, id")]
    units: list[HandlingUnit] = []
    for r in conn.execute("SELECT id, name, kind, parent_id, phone, category_prefixes FROM handling_units "
                          "ORDER BY id"):
        try:
            units.append(HandlingUnit(r["id"], r["name"], r["kind"], r["parent_id"], r["phone"] or "",
                                      tuple(json.loads(r["category_prefixes"] or "[]"))))
        except ValueError:  # a kind this version does not know: leave the unit out, keep the rest
            log.warning("handling unit %s has an unknown kind %r", r["id"], r["kind"])
    try:
        tree = CategoryTree(cats)
    except ValueError:  # a resync half way (a child before its parent): the next sync completes it
        log.warning("category tree incomplete in the cache; waiting for the next sync")
        tree = CategoryTree([])
    rules = []
    for r in conn.execute("SELECT district, category, lead, assisting, note FROM dispatch_rules ORDER BY key"):
        try:
            rules.append(DispatchRule(r["district"], r["category"], r["lead"], tuple(json.loads(r["assisting"] or "[]")),
                                      r["note"] or ""))
        except (ValueError, TypeError):
            log.warning("dispatch rule %s|%s is not readable", r["district"], r["category"])
    return Catalog(tree, tuple(units), tuple(rules))


def category_path(conn: sqlite3.Connection, category_id: str) -> list[str]:
    """The names from the root down to the category ([] when the cache does not know it)."""
    names, current, seen = [], category_id, set()
    while current and current not in seen:
        seen.add(current)
        row = conn.execute("SELECT name, parent_id FROM categories WHERE id = ?", (current,)).fetchone()
        if row is None:
            break
        names.append(row[0])
        current = row[1]
    return names[::-1]


def unit_names(conn: sqlite3.Connection, ids: list[str | None]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = conn.execute(f"SELECT id, name FROM handling_units WHERE id IN ({', '.join('?' for _ in wanted)})",
                        wanted)  # noqa: S608 - placeholders only
    return {r[0]: r[1] for r in rows}


def category_names(conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(f"SELECT id, name FROM categories WHERE id IN ({', '.join('?' for _ in wanted)})",
                        wanted)  # noqa: S608 - placeholders only
    return {r[0]: r[1] for r in rows}


class CategoryDocuments:
    """The leaf categories as the type-ahead ranks them: each path's folded text, its sounds (pinyin
    pairs of each name), and how many paths hold each term (for the weight of a word typed)."""

    def __init__(self, paths: Sequence[list[str]]) -> None:
        self.match_texts = [CategorySearch.text(p) for p in paths]
        self.cover_texts = [textsearch.fold("/".join(p)) for p in paths]
        self.sounds: list[str] = []
        counts: Counter[str] = Counter()
        for path, folded in zip(paths, self.cover_texts, strict=True):
            full, initials = kb_terms.sound_terms(path[-1], path[:-1])
            self.sounds.append(f"{full} {initials}")
            words = {w for w in folded.split("/") if len(w) >= 3}
            counts.update(set(kb_terms.folded_terms(folded).split()) | words | set(self.sounds[-1].split()))
        self.doc_counts = dict(counts)

    def __len__(self) -> int:
        return len(self.cover_texts)


class CategorySearch:
    """The category type-ahead's matching, as the knowledge search matches (offline_cache/textsearch
    and kb_terms): width- and case-folded, by the path's pinyin and initials too (gjj, zhufang),
    through the lexicon the platform keeps (噪音 finds 噪声); categories holding every word come
    first in tree order, then those holding enough of what was said (公积金提取, 楼上装修太吵,
    公基金 typed for its sound), best first."""

    def __init__(self, synonyms: dict[str, set[str]] | None = None) -> None:
        self.synonyms = synonyms or {}

    @staticmethod
    def text(path: list[str]) -> str:
        """What a category's words are matched against: its path, and the path's pinyin."""
        joined = "/".join(path)
        full, initials = textsearch.pinyin_words(joined)
        return f"{textsearch.fold(joined)} {full} {initials}"

    def words(self, query: str) -> list[list[str]]:
        """Each word typed with what it also stands for; a category matches when each word or one
        of its alternatives is in its text."""
        out = []
        for word in query.replace("/", " ").split():
            folded = textsearch.fold(word)
            out.append([folded, *sorted(self.synonyms.get(folded, ()))])
        return out

    @staticmethod
    def matches(text: str, words: list[list[str]]) -> bool:
        return all(any(w in text for w in alternatives) for alternatives in words)

    def rank(self, docs: CategoryDocuments, query: str) -> list[tuple[int, bool]]:
        """The categories to offer for `query`, best first, as (position in `docs`, partial): every
        category for an empty query, in tree order."""
        words = self.words(query)
        if not words:
            return [(i, False) for i in range(len(docs))]
        exact = [i for i, text in enumerate(docs.match_texts) if self.matches(text, words)]
        partial = kb_terms.compile_partial(query, self.synonyms)
        if partial is None:
            return [(i, False) for i in exact]
        kb_terms.weigh(partial, docs.doc_counts, len(docs))
        held = set(exact)
        scored = []
        for i, (text, sounds) in enumerate(zip(docs.cover_texts, docs.sounds, strict=True)):
            if i not in held:
                share = kb_terms.coverage(partial, text, sounds)
                if share >= kb_terms.MIN_SHARE:
                    scored.append((-share, i))
        return [(i, False) for i in exact] + [(i, True) for _, i in sorted(scored)]


class CatalogService:
    def __init__(self, sync: SyncService) -> None:
        self.sync = sync

    def category_search(self) -> CategorySearch:
        try:
            return CategorySearch(kb_index.synonym_table(self._conn))
        except sqlite3.Error as exc:
            log.warning("synonyms not read from the cache (%s)", type(exc).__name__)
            return CategorySearch()

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.sync.store.conn

    def version(self) -> tuple:
        """A fingerprint of the categories and units kept: compare to reload only when it moved."""
        return catalog_version(self._conn)

    def catalog(self) -> Catalog:
        """The category tree and the handling units (CacheError when the cache cannot be read)."""
        return load_catalog(self._conn)

    def category_path(self, category_id: str | None) -> str:
        """"市政 › 道路 › 路灯"; the id itself when the cache does not know it (or cannot be read)."""
        if not category_id:
            return category_id or ""
        try:
            names = category_path(self._conn, category_id)
        except sqlite3.Error as exc:
            log.warning("category not read from the cache (%s)", type(exc).__name__)
            names = []
        return PATH_SEPARATOR.join(names) or category_id

    def category_names(self, ids: list[str]) -> list[str]:
        """Each category's own name, in the order given (the id when unknown)."""
        try:
            names = category_names(self._conn, ids)
        except sqlite3.Error as exc:
            log.warning("categories not read from the cache (%s)", type(exc).__name__)
            names = {}
        return [names.get(i, i) for i in ids]

    def unit_name(self, unit_id: str | None) -> str:
        """The handling unit's name; its id when the cache does not know it."""
        if not unit_id:
            return ""
        return self.unit_names([unit_id]).get(unit_id, str(unit_id))

    def unit_names(self, ids: list[str | None]) -> dict[str, str]:
        """Names of the units the cache knows, by id."""
        try:
            return unit_names(self._conn, ids)
        except sqlite3.Error as exc:
            log.warning("unit names not read from the cache (%s)", type(exc).__name__)
            return {}

    def districts(self) -> list[HandlingUnit]:
        return self.catalog().of_kind(UnitKind.district)
