from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.knowledge import KnowledgeEntry


def _payload(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "kb-1",
        "title": "异地就医备案怎么办理？",
        "answer": "可通过国家医保服务平台APP办理备案。",
        "category_path": ["社会保障", "医疗保险", "异地就医"],
        "source_department": "市医疗保障局",
        "policy_basis": "医保发〔2022〕22号",
        "keywords": ["异地就医", "备案"],
        "valid_from": "2025-01-01",
        "valid_to": "2026-12-31",
        "version": 3,
        "status": "published",
    }
    data.update(changes)
    return data


def test_from_dict_and_back() -> None:
    entry = KnowledgeEntry.from_dict(_payload())
    assert entry.valid_from == date(2025, 1, 1)
    assert entry.valid_to == date(2026, 12, 31)
    assert entry.to_dict() == _payload()
    assert KnowledgeEntry.from_dict(entry.to_dict()) == entry


def test_minimal_payload_gets_defaults() -> None:
    entry = KnowledgeEntry.from_dict(
        {"id": "k", "title": "t", "answer": "a", "category_path": ["税务"]}
    )
    assert (entry.keywords, entry.valid_from, entry.valid_to) == ([], None, None)
    assert (entry.version, entry.status) == (1, "published")
    assert entry.to_dict()["valid_from"] is None


def test_entry_does_not_share_the_callers_lists() -> None:
    payload = _payload()
    entry = KnowledgeEntry.from_dict(payload)
    payload["keywords"].append("x")
    assert entry.keywords == ["异地就医", "备案"]
    entry.to_dict()["category_path"].append("x")
    assert len(entry.category_path) == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "title: must not be empty"),
        ({"title": "   "}, "title: must not be empty"),
        ({"title": None}, "title: must be a string"),
        ({"id": ""}, "id: must not be empty"),
        ({"answer": 42}, "answer: must be a string"),
        ({"category_path": []}, "category_path: must not be empty"),
        ({"category_path": "社会保障"}, "category_path: must be a list of strings"),
        ({"category_path": ["社会保障", ""]}, "category_path: must not contain empty strings"),
        ({"keywords": "备案"}, "keywords: must be a list of strings"),
        ({"keywords": ["备案", 1]}, "keywords: must be a list of strings"),
        ({"source_department": None}, "source_department: must be a string"),
        ({"policy_basis": 1}, "policy_basis: must be a string"),
        ({"valid_from": "2025-13-01"}, "valid_from: must be a date"),
        ({"valid_to": "tomorrow"}, "valid_to: must be a date"),
        ({"valid_to": 20251231}, "valid_to: must be a date"),
        ({"valid_from": "2026-01-01", "valid_to": "2025-12-31"},
         "valid_to: must not be before valid_from"),
        ({"version": 0}, "version: must be at least 1"),
        ({"version": "3"}, "version: must be an integer"),
        ({"version": True}, "version: must be an integer"),
        ({"status": "archived"}, "status: must be one of draft, published, retired"),
        ({"foo": 1}, "unknown field: foo"),
    ],
)
def test_validation_names_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        KnowledgeEntry.from_dict(_payload(**changes))
    assert str(info.value) == message or str(info.value).startswith(message)


@pytest.mark.parametrize("field", ["id", "title", "answer", "category_path"])
def test_required_fields(field: str) -> None:
    payload = _payload()
    del payload[field]
    with pytest.raises(ValueError, match=f"^{field}: is required$"):
        KnowledgeEntry.from_dict(payload)


def test_not_a_dict() -> None:
    with pytest.raises(ValueError):
        KnowledgeEntry.from_dict(["id"])  # type: ignore[arg-type]


def test_same_day_validity_is_fine() -> None:
    entry = KnowledgeEntry.from_dict(_payload(valid_from="2025-06-01", valid_to="2025-06-01"))
    assert not entry.is_expired(date(2025, 6, 1))
    assert entry.is_expired(date(2025, 6, 2))


def test_is_expired() -> None:
    entry = KnowledgeEntry.from_dict(_payload())
    assert not entry.is_expired(date(2026, 12, 31))
    assert entry.is_expired(date(2027, 1, 1))
    assert not KnowledgeEntry.from_dict(_payload(valid_to=None)).is_expired(date(2100, 1, 1))


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValueError, match="^status: "):
        KnowledgeEntry("k", "t", "a", ["税务"], status="gone")
    entry = KnowledgeEntry("k", "t", "a", ["税务"], valid_to=date(2025, 1, 1))
    assert entry.valid_to == date(2025, 1, 1)
