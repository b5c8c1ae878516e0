from __future__ import annotations

import pytest

from domain.catalog import Category, CategoryTree, HandlingUnit, UnitKind, suggest_units

CATEGORIES = [
    Category("1", None, "社会保障"),
    Category("11", "1", "医疗保险"),
    Category("111", "11", "报销结算"),
    Category("112", "11", "异地就医"),
    Category("12", "1", "养老保险"),
    Category("121", "12", "养老金领取"),
    Category("2", None, "税务"),
    Category("21", "2", "个人所得税"),
    Category("3", None, "其他"),
]


@pytest.fixture
def tree() -> CategoryTree:
    return CategoryTree(CATEGORIES)


def test_path(tree: CategoryTree) -> None:
    assert tree.path("111") == ["社会保障", "医疗保险", "报销结算"]
    assert tree.path("1") == ["社会保障"]


def test_children(tree: CategoryTree) -> None:
    assert [c.id for c in tree.children(None)] == ["1", "2", "3"]
    assert [c.id for c in tree.children()] == ["1", "2", "3"]
    assert [c.id for c in tree.children("11")] == ["111", "112"]
    assert tree.children("111") == []
    with pytest.raises(KeyError):
        tree.children("404")


def test_leaves(tree: CategoryTree) -> None:
    assert [c.id for c in tree.leaves()] == ["111", "112", "121", "21", "3"]
    assert tree.is_leaf("3")
    assert not tree.is_leaf("11")


def test_find_by_path(tree: CategoryTree) -> None:
    assert tree.find_by_path(["社会保障", "医疗保险", "异地就医"]).id == "112"
    assert tree.find_by_path(["税务"]).id == "2"
    for names in (["医疗保险"], ["社会保障", "报销结算"], ["税务", "x"], []):
        with pytest.raises(KeyError):
            tree.find_by_path(names)


def test_search(tree: CategoryTree) -> None:
    assert [c.id for c in tree.search("医疗")] == ["111", "112"]
    assert [c.id for c in tree.search("养老金")] == ["121"]
    assert [c.id for c in tree.search("社会保障/养老")] == ["121"]
    assert tree.search("不存在") == []


def test_get_len_contains(tree: CategoryTree) -> None:
    assert len(tree) == len(CATEGORIES)
    assert "21" in tree and "404" not in tree
    assert tree.get("21").name == "个人所得税"


def test_rejects_duplicate_id() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        CategoryTree([Category("1", None, "a"), Category("1", None, "b")])


def test_rejects_unknown_parent() -> None:
    with pytest.raises(ValueError, match="unknown parent"):
        CategoryTree([Category("1", "0", "a")])


def test_rejects_cycle() -> None:
    with pytest.raises(ValueError, match="cycle"):
        CategoryTree([Category("1", "2", "a"), Category("2", "1", "b")])


UNITS = [
    HandlingUnit("d1", "城东区", UnitKind.district, category_prefixes=("社会保障",)),
    HandlingUnit("hr", "市人力资源和社会保障局", UnitKind.bureau,
                 category_prefixes=("社会保障/养老保险", "劳动保障")),
    HandlingUnit("ms", "市医疗保障局", UnitKind.bureau, category_prefixes=("社会保障/医疗保险",)),
    HandlingUnit("sb", "社会保障综合窗口", UnitKind.bureau, category_prefixes=("社会保障",)),
    HandlingUnit("12333", "12333人社服务分中心", UnitKind.sub_centre,
                 category_prefixes=("社会保障/养老保险",)),
    HandlingUnit("tax", "市税务局", UnitKind.bureau, category_prefixes=("税务",)),
    HandlingUnit("taxx", "税务师协会", UnitKind.enterprise, category_prefixes=("税务师",)),
    HandlingUnit("110", "110 公安报警", UnitKind.emergency, category_prefixes=("社会保障",)),
]


def _ids(units: list[HandlingUnit]) -> list[str]:
    return [u.id for u in units]


def test_suggest_longest_prefix_first() -> None:
    assert _ids(suggest_units(UNITS, ["社会保障", "养老保险", "养老金领取"])) == ["hr", "12333", "sb"]
    assert _ids(suggest_units(UNITS, ["社会保障", "医疗保险", "报销结算"])) == ["ms", "sb"]


def test_suggest_matches_whole_segments() -> None:
    assert _ids(suggest_units(UNITS, ["税务", "个人所得税"])) == ["tax"]


def test_suggest_skips_districts_streets_and_emergency() -> None:
    suggested = suggest_units(UNITS, ["社会保障"])
    assert {u.kind for u in suggested} <= {UnitKind.bureau, UnitKind.enterprise, UnitKind.sub_centre}


def test_suggest_nothing() -> None:
    assert suggest_units(UNITS, ["其他"]) == []
    assert suggest_units(UNITS, []) == []


def test_unit_accepts_lists_and_strings() -> None:
    unit = HandlingUnit("w", "市水务集团", "enterprise", category_prefixes=["公用事业/供水"])  # type: ignore[arg-type]
    assert unit.kind is UnitKind.enterprise
    assert unit.category_prefixes == ("公用事业/供水",)
    assert hash(unit)
