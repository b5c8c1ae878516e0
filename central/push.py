"""The `changes` event with the changed rows in it: each stream gets the rows of the change feed
since the last announcement as its reader may see them (central/views.py), so that a seat applies
them as they come and does not read the feed for each announcement (750 seats reading it once a
second was most of the platform's work at a busy hour).

The rows are worked out once per kind of reader (a role, and a unit's or partner's own unit), and
again only for a reader who took one of the orders (who sees its personal fields); each distinct
event is encoded once. Every caller and order a reader is sent is audited, as when it reads the feed.

A seat applies the rows when its cursor is at or past `after` (else it has missed some and reads
the feed); an announcement with more rows than `MAX_ROWS`, or to a stream that does not say who
reads it, carries only the feed's head (`seq`) and the seat reads the feed as before.
"""
from __future__ import annotations

from collections.abc import Iterable

from central.events import Event, Subscription
from central.security import Claims
from central.views import FeedView
from domain.roles import Role

MAX_ROWS = 200  # changes in one announcement; with more, the seats read the feed


def _kind(who: Claims) -> tuple[str, str | None]:
    """Readers of one kind see the same rows (but for the orders they took themselves)."""
    return who.role, who.unit_id if who.role in (Role.unit, Role.partner) else None


def announce(subs: Iterable[Subscription], head: int, after: int | None, items: list[dict] | None,
             key: str) -> list[tuple[Claims, list[tuple[str, str]]]]:
    """Offer every stream its `changes` event: the rows after `after` up to `head` as its reader may
    see them (`items`, the feed's page; None when there were too many to send); returns each reader
    and the personal records it was sent, for the audit."""
    bare = Event("changes", {"seq": head})
    if items is None or after is None:
        for sub in subs:
            sub.offer(bare)
        return []
    takers = {row["data"].get("created_by") for row in items
              if row["entity"] == "work_order" and isinstance(row["data"], dict)}
    by_kind: dict[tuple[str, str | None], tuple[Event, list[tuple[str, str]]]] = {}
    reads: list[tuple[Claims, list[tuple[str, str]]]] = []
    for sub in subs:
        who = sub.who
        if who is None:
            sub.offer(bare)
            continue
        if who.user_id in takers and who.role not in (Role.unit, Role.partner):
            made = _event(FeedView(who, key), head, after, items)  # the orders this reader took, in full
        else:
            kind = _kind(who)
            made = by_kind.get(kind)
            if made is None:
                stranger = Claims(0, "", who.role, "", 0, who.unit_id)
                made = by_kind[kind] = _event(FeedView(stranger, key), head, after, items)
        sub.offer(made[0])
        if made[1]:
            reads.append((who, made[1]))
    return reads


def _event(view: FeedView, head: int, after: int, items: list[dict]) -> tuple[Event, list[tuple[str, str]]]:
    seen, read = view.page(items)
    return Event("changes", {"seq": head, "after": after, "changes": seen}), read
