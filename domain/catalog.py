"""The request category tree (诉求分类) and handling units (承办单位)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Category:
    id: str
    parent_id: str | None
    name: str


class CategoryTree:
    """An immutable tree of categories; ids are unique, parents must exist."""

    def __init__(self, categories: Iterable[Category]) -> None:
        self._by_id: dict[str, Category] = {}
        self._children: dict[str | None, list[Category]] = {None: []}
        for cat in categories:
            if cat.id in self._by_id:
                raise ValueError(f"duplicate category id {cat.id!r}")
            self._by_id[cat.id] = cat
            self._children.setdefault(cat.id, [])
        for cat in self._by_id.values():
            if cat.parent_id is not None and cat.parent_id not in self._by_id:
                raise ValueError(f"category {cat.id!r} has unknown parent {cat.parent_id!r}")
            self._children[cat.parent_id].append(cat)
        self._paths = {cat_id: self._walk_up(cat_id) for cat_id in self._by_id}

    def _walk_up(self, cat_id: str) -> tuple[str, ...]:
        names: list[str] = []
        seen: set[str] = set()
        current: str | None = cat_id
        while current is not None:
            if current in seen:
                raise ValueError(f"category {cat_id!r} is in a parent cycle")
            seen.add(current)
            cat = self._by_id[current]
            names.append(cat.name)
            current = cat.parent_id
        return tuple(reversed(names))

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, cat_id: object) -> bool:
        return cat_id in self._by_id

    def get(self, cat_id: str) -> Category:
        """KeyError for an unknown id."""
        return self._by_id[cat_id]

    def path(self, cat_id: str) -> list[str]:
        """Names from the root down to the category."""
        return list(self._paths[cat_id])

    def children(self, cat_id: str | None = None) -> list[Category]:
        """Direct children; None gives the roots."""
        if cat_id is not None and cat_id not in self._by_id:
            raise KeyError(cat_id)
        return list(self._children[cat_id])

    def is_leaf(self, cat_id: str) -> bool:
        return not self.children(cat_id)

    def leaves(self) -> list[Category]:
        return [cat for cat in self._by_id.values() if not self._children[cat.id]]

    def find_by_path(self, names: list[str]) -> Category:
        parent: str | None = None
        found: Category | None = None
        for name in names:
            found = next((c for c in self._children[parent] if c.name == name), None)
            if found is None:
                break
            parent = found.id
        if found is None:
            raise KeyError("/".join(names))
        return found

    def search(self, text: str) -> list[Category]:
        """Leaves whose slash-joined path contains text (case-insensitive)."""
        needle = text.strip().casefold()
        return [c for c in self.leaves() if needle in "/".join(self._paths[c.id]).casefold()]


class UnitKind(StrEnum):
    district = "district"
    street = "street"
    bureau = "bureau"
    enterprise = "enterprise"  # public utilities: water, power, gas, heating
    sub_centre = "sub_centre"  # 12315, 12333, 12366 ... (R5)
    emergency = "emergency"  # 110, 119, 120, 122 (R4)
    region = "region"  # other cities' 12345 hotlines


@dataclass(frozen=True)
class HandlingUnit:
    id: str
    name: str
    kind: UnitKind
    parent_id: str | None = None
    phone: str = ""
    category_prefixes: tuple[str, ...] = ()  # "社会保障/医疗保险", "税务"

    def __post_init__(self) -> None:
        # Accept lists from JSON but keep the unit hashable.
        object.__setattr__(self, "kind", UnitKind(self.kind))
        object.__setattr__(self, "category_prefixes", tuple(self.category_prefixes))


# Units chosen by subject; districts and streets are chosen by address instead.
_SUBJECT_KINDS = frozenset({UnitKind.bureau, UnitKind.enterprise, UnitKind.sub_centre})


def suggest_units(units: Iterable[HandlingUnit], category_path: list[str]) -> list[HandlingUnit]:
    """Units whose category prefixes cover the path, the most specific match first."""
    scored: list[tuple[int, int, HandlingUnit]] = []
    for order, unit in enumerate(units):
        if unit.kind not in _SUBJECT_KINDS:
            continue
        best = max((_match_depth(p, category_path) for p in unit.category_prefixes), default=0)
        if best:
            scored.append((-best, order, unit))
    return [unit for _, _, unit in sorted(scored, key=lambda t: t[:2])]


def handles_category(unit: HandlingUnit, category_path: list[str]) -> bool:
    """Whether `unit` handles requests of the category: a unit chosen by subject when one of its
    prefixes covers the path; a district, street or region handles whatever lies in its area."""
    if unit.kind not in _SUBJECT_KINDS:
        return True
    return any(_match_depth(p, category_path) for p in unit.category_prefixes)


def _match_depth(prefix: str, path: list[str]) -> int:
    """Segments of prefix when it is a whole-segment prefix of path, else 0."""
    parts = [p for p in prefix.split("/") if p]
    return len(parts) if parts and path[: len(parts)] == parts else 0


# -- the dispatch rule table (派单规则): who takes a category in a district ------------------------

ANY_DISTRICT = "*"
ADDRESS_DISTRICT = "district"  # a rule's lead (or assisting unit): the district of the order's address
ADDRESS_STREET = "street"  # the street (town) of the address, or its district when the street is not known
MAX_RULE_UNITS = 10


@dataclass(frozen=True)
class DispatchRule:
    """One line of the centre's table: requests of `category` (a path prefix such as
    "城市管理与环境/市容环卫") from `district` (a district unit's id, or "*" for any) go to `lead`
    with `assisting`; each a unit id, or "district" / "street" for the unit of the order's address."""
    district: str
    category: str
    lead: str
    assisting: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "assisting", tuple(self.assisting))

    @property
    def key(self) -> str:
        return f"{self.district}|{self.category}"


class InvalidDispatchRule(ValueError):
    pass


def dispatch_rule(data: dict, units: Iterable[HandlingUnit], category_paths: Iterable[str]) -> DispatchRule:
    """A rule read from data (the platform's table, a file an administrator imports), checked against
    the catalogue; InvalidDispatchRule names what is wrong."""
    ids = {u.id: u for u in units}
    district = str(data.get("district") or "").strip()
    category = "/".join(p for p in str(data.get("category") or "").split("/") if p)
    lead = str(data.get("lead") or "").strip()
    assisting = [str(a).strip() for a in data.get("assisting") or []]
    if district != ANY_DISTRICT and (district not in ids or ids[district].kind != UnitKind.district):
        raise InvalidDispatchRule(f"district {district!r}: expected a district's id or {ANY_DISTRICT!r}")
    if not category or not any(p == category or p.startswith(category + "/") for p in category_paths):
        raise InvalidDispatchRule(f"category {category!r}: no category has this path")
    for who in [lead, *assisting]:
        if who not in (ADDRESS_DISTRICT, ADDRESS_STREET) and who not in ids:
            raise InvalidDispatchRule(f"unit {who!r}: expected a unit's id, {ADDRESS_DISTRICT!r} or {ADDRESS_STREET!r}")
    if len(assisting) > MAX_RULE_UNITS or lead in assisting or len(set(assisting)) != len(assisting):
        raise InvalidDispatchRule(f"assisting {assisting}: at most {MAX_RULE_UNITS}, each once, not the lead")
    return DispatchRule(district, category, lead, tuple(assisting), str(data.get("note") or "")[:200])


@dataclass(frozen=True)
class DispatchSuggestion:
    lead: HandlingUnit
    assisting: tuple[HandlingUnit, ...]
    rule: DispatchRule | None  # None: suggested from the units' categories or the address alone


def address_units(units: Iterable[HandlingUnit], district: str, street: str = "") -> tuple[HandlingUnit | None,
                                                                                          HandlingUnit | None]:
    """The district and street units of an address given by name (as the form records it)."""
    units = list(units)
    d = next((u for u in units if u.kind == UnitKind.district and u.name == district), None) if district else None
    s = next((u for u in units if u.kind == UnitKind.street and u.name == street
              and (d is None or u.parent_id == d.id)), None) if street else None
    return d, s


def suggest_dispatch(rules: Iterable[DispatchRule], units: Iterable[HandlingUnit], category_path: list[str],
                     district: str = "", street: str = "") -> DispatchSuggestion | None:
    """The units an order should go to: the most specific rule of the table for its category and
    district (a district's own rule before one for any district); without one, the unit whose
    categories cover it; else the district of its address. None when nothing fits."""
    units = list(units)
    ids = {u.id: u for u in units}
    d, s = address_units(units, district, street)

    def unit(who: str) -> HandlingUnit | None:
        if who == ADDRESS_DISTRICT:
            return d
        if who == ADDRESS_STREET:
            return s or d
        return ids.get(who)

    ranked = sorted(((_match_depth(r.category, category_path), r.district != ANY_DISTRICT, i, r)
                     for i, r in enumerate(rules)
                     if r.district == ANY_DISTRICT or (d is not None and r.district == d.id)),
                    key=lambda t: (-t[0], not t[1], t[2]))
    for depth, _own, _i, rule in ranked:
        if not depth:
            break
        lead = unit(rule.lead)
        if lead is None:  # the rule needs an address the order does not have
            continue
        helpers = [u for u in (unit(a) for a in rule.assisting) if u is not None and u.id != lead.id]
        return DispatchSuggestion(lead, tuple(dict.fromkeys(helpers)), rule)
    by_subject = suggest_units(units, category_path)
    if by_subject:
        return DispatchSuggestion(by_subject[0], (), None)
    return DispatchSuggestion(d, (), None) if d is not None else None
