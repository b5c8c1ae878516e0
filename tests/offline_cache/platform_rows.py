"""Rows as the platform sends them to a seat (central/views.py): an order with the caller's number
masked and its keyed hash, a caller keyed by the hash. The tests' cache holds the same key."""
from __future__ import annotations

from domain.phone import mask_phone
from domain.privacy import lookup_hash
from offline_cache.store import CacheStore

LOOKUP_KEY = "5eed" * 16


def keyed(store: CacheStore) -> CacheStore:
    store.set_lookup_key(LOOKUP_KEY)
    return store


def with_lookup(row: dict, mine: bool = False) -> dict:
    """An order row with the number's hash; masked unless the seat's user took it (`mine`)."""
    phone = row["caller_phone"]
    return {**row, "caller_phone": phone if mine else mask_phone(phone), "caller_lookup": lookup_hash(LOOKUP_KEY, phone)}


def caller(phone: str, name: str, confidential: bool = False, version: int = 1,
           updated_at: str = "2026-11-25T10:00:00+08:00") -> dict:
    return {"lookup": lookup_hash(LOOKUP_KEY, phone), "phone": mask_phone(phone), "name": name,
            "confidential": confidential, "version": version, "updated_at": updated_at}
