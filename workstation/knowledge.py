"""The knowledge base on the seat: search the local index (offline too), read an entry, report an
error in one (纠错) through the outbox.

Search and reads run on the caller's connection: an indexed search takes milliseconds. A cache
that cannot be read raises `CacheError` (the UI shows it; it need not know the cache is SQLite).
"""
from __future__ import annotations

import logging
from datetime import timedelta

from domain import clock
from domain.knowledge import USAGE_ACTIONS, lexicon_line, lexicon_term, usage_key
from offline_cache import kb_index
from offline_cache.kb_index import MARK_END, MARK_START, KbHit
from workstation.sync import SyncService

log = logging.getLogger(__name__)

COMMENT_MAX = 2000  # the platform's limit for a correction's comment
SEARCH_LIMIT = 20
NOTICE_DAYS = 14  # announcements older than this are no longer news
NOTICES_SEEN_KEY = "kb_notices_seen"  # sync_state: the stamp of the newest announcement the agent has seen

__all__ = ["COMMENT_MAX", "MARK_END", "MARK_START", "KbHit", "KnowledgeService"]


class KnowledgeService:
    def __init__(self, sync: SyncService) -> None:
        self.sync = sync

    def search(self, query: str, limit: int = SEARCH_LIMIT) -> list[KbHit]:
        """Entries matching words or pinyin (initials too), best first, expired ones last; each
        hit's snippet has its matches between MARK_START and MARK_END."""
        return kb_index.search(self.sync.store.conn, query, limit=limit)

    def notices(self) -> list[dict]:
        """Answers published or changed in the last NOTICE_DAYS (答复口径 announced by the
        platform), newest first, one per entry; each with `unseen` (announced after the agent last
        looked at the list) and `pending` (applies from a later day)."""
        now = clock.now()
        store = self.sync.store
        items = kb_index.notices(store.conn, clock.stamp(now - timedelta(days=NOTICE_DAYS)), now.date())
        seen = store.get_state(NOTICES_SEEN_KEY) or ""
        return [{**item, "unseen": item["at"] > seen} for item in items]

    async def mark_notices_seen(self, notices: list[dict]) -> None:
        """The agent has seen these announcements: later ones only count as new."""
        newest = max((n["at"] for n in notices), default="")
        store = self.sync.store
        if not newest or newest <= (store.get_state(NOTICES_SEEN_KEY) or ""):
            return

        def write() -> None:
            with store.transaction() as conn:
                store.set_state(conn, NOTICES_SEEN_KEY, newest)
        await self.sync.write(write)

    def entry(self, entry_id: str) -> dict | None:
        """The whole entry (None when the cache does not have it)."""
        return kb_index.get_entry(self.sync.store.conn, entry_id)

    async def record_use(self, query: str, entry_id: str, action: str) -> bool:
        """The agent inserted ("insert") or opened ("open") an entry after a query: sent through the
        outbox, for the platform to learn which entry answers what agents search (every seat then
        lists it first for that query). Nothing is sent for a query with nothing to learn (numbers
        only: a phone or ID number is never sent); returns whether it was sent."""
        key = usage_key(query)
        if action not in USAGE_ACTIONS or key is None:
            return False
        await self.sync.record("kb_usage", "use", {"query": key, "entry_id": entry_id, "action": action})
        return True

    # --- the lexicon (knowledge editors) ---------------------------------------------------------
    def lexicon(self) -> list[tuple[str, list[str]]]:
        """What callers say and the words the entries use, as this seat holds it, by term."""
        return kb_index.lexicon_lines(self.sync.store.conn)

    async def put_lexicon_line(self, term: str, expansions: list[str]) -> str:
        """Add or change a lexicon line through the outbox; this seat's search uses it at once,
        every other seat after the platform has it. ValueError ("term: ...", "expansions: ...")
        when the platform would refuse it. Returns the mutation id."""
        term, words = lexicon_line(term, expansions)
        return await self.sync.record("synonym", "put", {"expansions": words}, entity_id=term,
                                      local_change=lambda conn: kb_index.upsert_synonym(conn, term, words))

    async def delete_lexicon_line(self, term: str) -> str:
        term = lexicon_term(term)
        return await self.sync.record("synonym", "delete", {}, entity_id=term,
                                      local_change=lambda conn: kb_index.delete_synonym(conn, term))

    async def previous_version(self, entry: dict) -> dict | None:
        """The version before the one shown ({version, changed_by, changed_at, why, entry}), read
        from the platform (the seat keeps the current one only); None for a first version.
        PlatformUnreachable offline."""
        versions = await self.sync.client.kb_versions(entry["id"])
        return next((v for v in versions if v["version"] < int(entry.get("version") or 0)), None)

    async def report_error(self, entry: dict, comment: str) -> str:
        """Report an error in an entry (纠错) through the outbox; returns the mutation id.
        ValueError when the platform would refuse it (empty, too long)."""
        comment = comment.strip()
        if not comment:
            raise ValueError("the comment is empty")
        if len(comment) > COMMENT_MAX:
            raise ValueError(f"the comment has more than {COMMENT_MAX} characters")
        mutation_id = await self.sync.record("kb_correction", "create", {
            "entry_id": entry["id"], "entry_version": entry.get("version"), "comment": comment})
        log.info("correction reported for entry %s", entry["id"])
        return mutation_id
