"""Agent texts: quick phrases (常用语), the call scripts (opening, closing, and the callback script
the agent reads back with the unit's reply) and per-category form templates. The platform keeps
them as data an administrator edits; the seats cache them and read them offline.

A form template belongs to a category prefix, names from the root joined by "/"
("城市管理与环境/噪声污染"); the template of the most specific prefix of an order's category wins.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class TextKind(StrEnum):
    phrase = "phrase"
    script_opening = "script_opening"
    script_closing = "script_closing"
    script_callback = "script_callback"
    form_template = "form_template"


SCRIPT_KINDS = (TextKind.script_opening, TextKind.script_closing, TextKind.script_callback)
TITLE_MAX = 64
BODY_MAX = 2000
CATEGORY_MAX = 200
CATEGORY_SEPARATOR = "/"
MAX_TEXTS = 2000  # what one platform keeps, and so what a seat caches: bounded
# What the callback script may hold, filled in on the seat (plain replacement: an administrator's
# text may hold any other braces).
NUMBER, REPLY = "{number}", "{reply}"


@dataclass(frozen=True)
class AgentText:
    id: str
    kind: TextKind
    title: str
    body: str
    category: str = ""  # form templates only: the category prefix, "城市管理与环境/噪声污染"
    position: int = 0
    version: int = 1

    @classmethod
    def from_row(cls, row: dict) -> AgentText:
        return cls(str(row["id"]), TextKind(row["kind"]), str(row["title"] or ""), str(row["body"] or ""),
                   str(row.get("category") or ""), int(row.get("position") or 0), int(row.get("version") or 1))


def category_parts(prefix: str | Sequence[str]) -> tuple[str, ...]:
    """A category prefix or path as its names, spaces trimmed and empty names dropped."""
    names = prefix.split(CATEGORY_SEPARATOR) if isinstance(prefix, str) else prefix
    return tuple(n.strip() for n in names if n and n.strip())


def normal_category(prefix: str) -> str:
    """The stored form of a prefix: "城市管理与环境 / 噪声污染" -> "城市管理与环境/噪声污染"."""
    return CATEGORY_SEPARATOR.join(category_parts(prefix))


def template_for(texts: Iterable[AgentText], path: str | Sequence[str]) -> AgentText | None:
    """The form template for a category path: the one whose prefix matches most of the path from
    its root (the first by position among equals); None when no template's prefix matches."""
    wanted = category_parts(path)
    best: tuple[int, int, str] | None = None
    chosen = None
    for text in texts:
        if text.kind != TextKind.form_template:
            continue
        prefix = category_parts(text.category)
        if not prefix or wanted[:len(prefix)] != prefix:
            continue
        rank = (-len(prefix), text.position, text.id)
        if best is None or rank < best:
            best, chosen = rank, text
    return chosen


def fill_callback(script: str, number: str, reply: str) -> str:
    """The callback script with the order's number and the handling unit's reply put in."""
    return script.replace(NUMBER, number).replace(REPLY, reply.strip())
