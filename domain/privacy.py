"""What a seat may hold of a citizen (R14), the rules the platform and the workstation share.

A seat's cache never holds the city's phone numbers. The platform sends each caller and order
with a keyed hash of the number (`lookup_hash`) and the number masked; the seat hashes the number
of a ringing call with the same key and finds the caller's history offline by the hash. The key
comes from the platform to the seats that take calls and lives in the encrypted cache only.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

LOOKUP_KEY_BYTES = 32
LOOKUP_HEX = 32  # 128 bits of HMAC-SHA256: collisions among a city's numbers are out of reach


def new_lookup_key() -> str:
    return secrets.token_hex(LOOKUP_KEY_BYTES)


def lookup_hash(key: str, number: str) -> str:
    """The keyed hash of a normalized phone number (hex key). Without the key, trying the few
    billion possible numbers against a hash gives nothing; with it, a seat can only confirm a
    number it already has."""
    return hmac.new(bytes.fromhex(key), number.encode(), hashlib.sha256).hexdigest()[:LOOKUP_HEX]


def lookup_key_id(key: str) -> str:
    """A short name of a key, so that a seat can tell when the platform's key is not the one its
    cache was filled with."""
    return hashlib.sha256(bytes.fromhex(key)).hexdigest()[:8]


def mask_name(name: str) -> str:
    """The family name and a star per other character: 张三丰 → 张**; an empty name stays empty."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""
