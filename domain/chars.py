"""Characters no text from a client may hold: control characters (but tab and newlines), DEL and
lone surrogates. PostgreSQL cannot store NUL or unpaired surrogates, and none belongs in a work
order or a knowledge entry. The platform refuses them; a seat checks before it sends."""
from __future__ import annotations


def first_bad_char(value: str) -> str | None:
    for c in value:
        code = ord(c)
        if (code < 32 and c not in "\t\n\r") or code == 0x7F or 0xD800 <= code <= 0xDFFF:
            return c
    return None
