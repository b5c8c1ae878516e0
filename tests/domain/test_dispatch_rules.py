"""The dispatch rule table (派单规则): the most specific rule for the category and district decides the
lead and assisting units; the address's district or street stand in for "district" / "street";
without a rule, the unit whose categories cover the request, else the address's district."""
from __future__ import annotations

import json
from importlib import resources

import pytest

from central.seed import demo_categories, demo_units
from domain.catalog import CategoryTree, DispatchRule, InvalidDispatchRule, dispatch_rule, suggest_dispatch

UNITS = demo_units()
TREE = CategoryTree(demo_categories())
PATHS = ["/".join(TREE.path(c.id)) for c in TREE.leaves()]
RULES = [dispatch_rule(r, UNITS, PATHS) for r in json.loads(
    resources.files("resources.demo").joinpath("dispatch_rules.json").read_text(encoding="utf-8"))["rules"]]


def path_of(leaf_name: str) -> list[str]:
    leaf = next(c for c in TREE.leaves() if c.name == leaf_name)
    return TREE.path(leaf.id)


def suggested(leaf: str, district: str = "", street: str = "") -> tuple[str, list[str], str | None]:
    found = suggest_dispatch(RULES, UNITS, path_of(leaf), district, street)
    assert found is not None
    return found.lead.name, [u.name for u in found.assisting], found.rule.key if found.rule else None


def test_street_litter_goes_to_the_street_with_city_enforcement_assisting() -> None:
    assert suggested("垃圾清运", "城东区", "望江街道") == ("望江街道", ["市城市管理综合行政执法局"],
                                                "*|城市管理与环境/市容环卫")
    # no street given: its district stands in
    assert suggested("垃圾清运", "城东区")[0] == "城东区"


def test_a_districts_own_rule_comes_before_the_rule_for_any_district() -> None:
    assert suggested("私搭乱建", "城西区") == ("城西区", ["市城市管理综合行政执法局"], "*|城市管理与环境/违法建设")
    assert suggested("私搭乱建", "高新区", "科创街道") == ("高新区", [], "D05|城市管理与环境/违法建设")


def test_the_deepest_category_wins_and_a_rule_may_name_a_bureau_with_the_address_assisting() -> None:
    assert suggested("施工噪声", "城南区") == ("市生态环境局", ["城南区"], "*|城市管理与环境/噪声污染/施工噪声")
    assert suggested("社会生活噪声", "城南区", "南湖街道")[:2] == ("南湖街道", [])


def test_without_a_rule_the_units_categories_then_the_address_decide() -> None:
    # water in the city: the water company covers the category (no rule), in 临河县 the county's rule
    assert suggested("停水", "城北区") == ("市水务集团", [], None)
    assert suggested("停水", "临河县") == ("临河县", [], "D08|公用事业/供水")
    # a rule that needs an address the order lacks gives way
    assert suggested("私搭乱建") == ("市城市管理综合行政执法局", [], None)


def test_nothing_fits_without_a_rule_a_unit_or_an_address() -> None:
    districts = [u for u in UNITS if u.kind == "district"]  # no unit takes education by its categories
    assert suggest_dispatch(RULES, districts, path_of("小学入学")) is None
    assert suggest_dispatch(RULES, districts, path_of("小学入学"), "城东区").lead.name == "城东区"


@pytest.mark.parametrize("data, message", [
    ({"district": "B02", "category": "教育", "lead": "B06"}, "district"),
    ({"district": "*", "category": "教育/不存在", "lead": "B06"}, "category"),
    ({"district": "*", "category": "教育", "lead": "X99"}, "unit"),
    ({"district": "*", "category": "教育", "lead": "B06", "assisting": ["B06"]}, "assisting"),
    ({"district": "*", "category": "教育", "lead": "B06", "assisting": ["D01", "D01"]}, "assisting"),
])
def test_a_wrong_rule_is_refused_naming_what_is_wrong(data: dict, message: str) -> None:
    with pytest.raises(InvalidDispatchRule, match=message):
        dispatch_rule(data, UNITS, PATHS)


def test_a_rule_is_keyed_by_district_and_category() -> None:
    rule = dispatch_rule({"district": "D01", "category": "/教育/", "lead": "street"}, UNITS, PATHS)
    assert rule == DispatchRule("D01", "教育", "street") and rule.key == "D01|教育"
