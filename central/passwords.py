"""The password policy of platform accounts: long enough, not guessable (zxcvbn's estimate, told
about the user and the centre), and not the demo's published password."""
from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable: moderate protection from offline slow-hash scenario"
# Words an attacker tries first against a 12345 centre.
CENTRE_WORDS = ["hotline", "12345", "demo", "zhengwu", "rexian", "admin", "agent", "password", "mima"]


class WeakPassword(ValueError):
    """The message says what is wrong, for the person choosing the password."""


def check(password: str, username: str, display_name: str = "") -> None:
    """Raises WeakPassword when the password may not be used for this user."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password must have at most {MAX_LENGTH} characters")
    if password.strip() != password or not password.isprintable():
        raise WeakPassword("the password may not begin or end with spaces or hold control characters")
    if username and username.casefold() in password.casefold():
        raise WeakPassword("the password may not contain the user name")
    # zxcvbn's cost grows with the length; the first 100 characters decide a password's strength
    estimate = zxcvbn(password[:100], user_inputs=[username, display_name, *CENTRE_WORDS])
    if estimate["score"] < MIN_SCORE:
        hint = estimate["feedback"].get("warning") or "add more words or characters that are hard to guess"
        raise WeakPassword(f"the password is too easy to guess ({hint})")
