"""The category type-ahead's ranking (workstation.catalog.CategorySearch.rank) over the demo
catalog and lexicon: what an agent types for the caller's words finds the category the knowledge
search would, every-word matches first and partial ones after, marked."""
from __future__ import annotations

import json
from importlib import resources

import pytest

from workstation.catalog import CategoryDocuments, CategorySearch


def _paths() -> list[list[str]]:
    tree = json.loads(resources.files("resources.demo").joinpath("categories.json").read_text("utf-8"))
    out: list[list[str]] = []

    def walk(node: dict | list, prefix: list[str]) -> None:
        if isinstance(node, dict):
            for name, child in node.items():
                walk(child, [*prefix, name])
        else:
            out.extend([*prefix, leaf] for leaf in node)
    walk(tree, [])
    return out


PATHS = _paths()
DOCS = CategoryDocuments(PATHS)
LEXICON = {term: set(expansions) for term, expansions in
           json.loads(resources.files("resources.demo").joinpath("synonyms.json").read_text("utf-8")).items()}


def _offered(query: str, search: CategorySearch | None = None) -> list[tuple[str, bool]]:
    ranked = (search or CategorySearch(LEXICON)).rank(DOCS, query)
    return [("/".join(PATHS[i]), partial) for i, partial in ranked]


@pytest.mark.parametrize(("typed", "wanted"), [
    ("公积金提取", "住房公积金/提取"),  # two words run together: not a substring of the path
    ("公基金提取", "住房公积金/提取"),  # 基 typed for 积 (the same sound)
    ("房东不退押金", "房屋交易与租赁/房屋租赁"),  # the caller's sentence, through the lexicon
    ("老板不发工资", "劳动权益/拖欠工资"),
    ("身份证丢了", "户籍管理/身份证办理"),
    ("网约车司机绕路", "出租车与网约车/网约车服务"),
])
def test_what_the_caller_says_finds_the_category_first(typed: str, wanted: str) -> None:
    offered = _offered(typed)
    assert offered and offered[0][0].endswith(wanted), offered[:3]
    assert offered[0][1] is True  # not every word is in the path: marked partial


def test_every_word_matches_come_first_in_tree_order_then_partial_ones() -> None:
    offered = _offered("欠薪")  # in the path of one, and the lexicon's word for the other
    assert offered[:2] == [("劳动保障/劳动权益/拖欠工资", False), ("劳动保障/劳动权益/农民工欠薪", False)]
    offered = _offered("公积金 提取")
    assert offered[0] == ("住房与物业/住房公积金/提取", False)
    assert len(offered) > 1 and all(partial and "住房公积金" in p for p, partial in offered[1:])


def test_pinyin_initials_and_synonyms_still_find_every_word_matches() -> None:
    assert {p for p, partial in _offered("gjj") if not partial} == {"/".join(p) for p in PATHS if "住房公积金" in p}
    noise = [p for p, partial in _offered("噪音") if not partial]  # 噪音 is 噪声 in the lexicon
    assert noise and all("噪声" in p for p in noise)
    assert _offered("噪音", CategorySearch()) == []  # without the lexicon, nothing says 噪音


def test_an_empty_query_offers_everything_in_tree_order_and_nonsense_nothing() -> None:
    assert _offered("") == [("/".join(p), False) for p in PATHS]
    assert _offered("量子纠缠") == []  # partial, not arbitrary: a share of the words must be held
