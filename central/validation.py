"""Text the platform accepts: no control characters (but tab and newlines) and no lone surrogates.
PostgreSQL cannot store NUL or unpaired surrogates, and neither belongs in a work order anyway."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def first_bad_char(value: str) -> str | None:
    for c in value:
        code = ord(c)
        if (code < 32 and c not in "\t\n\r") or code == 0x7F or 0xD800 <= code <= 0xDFFF:
            return c
    return None


def clean(value: str) -> str:
    bad = first_bad_char(value)
    if bad is not None:
        raise ValueError(f"contains a forbidden character U+{ord(bad):04X}")
    return value


def text(min_length: int = 0, max_length: int = 64, strip: bool = True) -> type[str]:
    """A string type with length bounds that refuses control characters."""
    return Annotated[str, StringConstraints(strip_whitespace=strip, min_length=min_length, max_length=max_length),
                     AfterValidator(clean)]  # type: ignore[return-value]
