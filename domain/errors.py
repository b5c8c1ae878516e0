"""The platform's error answer: the one rule both sides share of what a refusal by the platform is.

Every error the platform produces is a JSON object with a stable `error` code, a `message` for
people and the marker field `MARKER` set to `PLATFORM`; the platform builds it with `error_body`
and the client recognises it with `is_platform_error`. The marker is in the body, not in a header:
a proxy that answers with its own page (an HTML 404 or 502, or JSON of its own) has no way to
carry it, and a proxy that strips or adds headers cannot make one answer pass for the other.
"""
from __future__ import annotations

MARKER = "platform"
PLATFORM = "hotline12345"

# 4xx statuses that say "not now" rather than "no": the same request may succeed later.
TRANSIENT_4XX = frozenset({408, 425, 429})


def error_body(code: str, message: str, **extra: object) -> dict:
    """The platform's error answer; `extra` fields (e.g. `field`, `current`) come along."""
    return {"error": code, "message": message, **extra, MARKER: PLATFORM}


def is_platform_error(body: object) -> bool:
    """The body of an answer is the platform's own error: its code, its message, its marker."""
    return (isinstance(body, dict) and body.get(MARKER) == PLATFORM and isinstance(body.get("error"), str)
            and isinstance(body.get("message"), str))


def is_platform_rejection(status: int, body: object) -> bool:
    """A final "no" from the platform, to show the agent rather than retry: a 4xx carrying the
    platform's error body. Not a 401 (who we are, settled by signing in again, not by the change),
    nor a "not now" (408, 425, 429); anything not from the platform is never a rejection."""
    return 400 <= status < 500 and status != 401 and status not in TRANSIENT_4XX and is_platform_error(body)
