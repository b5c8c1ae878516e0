"""The agent texts on the seat (domain/texts.py), read from its cache, offline too: quick phrases
(常用语) filtered as the agent types, the call scripts to read (the callback script filled with the
order's number and the unit's reply), and the form template of a category.

`phrases()` raises `CacheError` when the cache cannot be read (the picker shows it); the scripts and
templates only help, so a cache that cannot be read gives none (logged)."""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence

from domain.texts import AgentText, TextKind, fill_callback, template_for
from offline_cache import texts as cached
from offline_cache import textsearch
from workstation.catalog import category_path
from workstation.sync import SyncService

log = logging.getLogger(__name__)

__all__ = ["AgentText", "TextKind", "TextService"]


def _words(text: AgentText) -> str:
    """What a phrase is matched against: its title and words, folded, and their pinyin (full and
    initials), as the knowledge search matches."""
    joined = f"{text.title} {text.body}"
    full, initials = textsearch.pinyin_words(joined)
    return f"{textsearch.fold(joined)} {full} {initials}"


class TextService:
    def __init__(self, sync: SyncService) -> None:
        self.sync = sync
        self._phrases: tuple[tuple, list[tuple[AgentText, str]]] | None = None

    @property
    def _conn(self) -> sqlite3.Connection:
        return self.sync.store.conn

    def _read(self, *kinds: TextKind) -> list[AgentText]:
        out = []
        for row in cached.rows(self._conn, *kinds):
            try:
                out.append(AgentText.from_row(row))
            except ValueError:  # a kind this version does not know: left out
                log.warning("agent text %s has an unknown kind", row.get("id"))
        return out

    def version(self) -> tuple:
        """A fingerprint of the texts kept: compare to reload only when it moved."""
        return cached.version(self._conn)

    def phrases(self, query: str = "") -> list[AgentText]:
        """The quick phrases in the administrator's order; with `query`, those holding every word
        typed (characters, pinyin or its initials: "shaodeng", "sd")."""
        version = self.version()
        if self._phrases is None or self._phrases[0] != version:
            self._phrases = (version, [(t, _words(t)) for t in self._read(TextKind.phrase)])
        words = [textsearch.fold(w) for w in query.split()]
        return [t for t, haystack in self._phrases[1] if all(w in haystack for w in words)]

    def script(self, kind: TextKind) -> AgentText | None:
        """The first script of this kind (None when the platform has none, or the cache fails)."""
        try:
            found = self._read(kind)
        except sqlite3.Error as exc:
            log.warning("scripts not read from the cache (%s)", type(exc).__name__)
            return None
        return found[0] if found else None

    def callback_script(self, number: str, reply: str) -> str:
        """The callback script to read to the requester, with the order's number and the handling
        unit's reply in it ("" when there is none)."""
        script = self.script(TextKind.script_callback)
        return fill_callback(script.body, number, reply) if script is not None else ""

    def template_for(self, path: str | Sequence[str]) -> str:
        """The form template for a category path (names from the root, a list or joined by "/"):
        that of the most specific prefix; "" when none fits."""
        try:
            found = template_for(self._read(TextKind.form_template), path)
        except sqlite3.Error as exc:
            log.warning("form templates not read from the cache (%s)", type(exc).__name__)
            return ""
        return found.body if found is not None else ""

    def template_for_category(self, category_id: str | None) -> str:
        """The form template for a category of the seat's catalog, by its id ("" when none fits)."""
        if not category_id:
            return ""
        try:
            names = category_path(self._conn, category_id)
        except sqlite3.Error as exc:
            log.warning("category not read from the cache (%s)", type(exc).__name__)
            return ""
        return self.template_for(names) if names else ""
