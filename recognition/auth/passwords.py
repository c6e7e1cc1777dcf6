"""The rules a new password must follow, wherever it is chosen: an invitation or reset
link, the change-password page, ``recognition people set-password``.

Following NIST SP 800-63B and OWASP: long enough, not absurdly long (hashing a megabyte
is a denial of service), not one of the passwords attackers try first, and not the
person's own name or email. No composition rules (a digit, a capital): they make
passwords harder to remember, not to guess.

The list of common passwords is Django's (see ``data/README``), shipped with the app and
read once, on first use.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

from ..errors import DomainError

MIN_LENGTH = 12
MAX_LENGTH = 1024
# A name or email part shorter than this is too common inside long passwords to refuse.
MIN_PERSONAL_PART = 4

TOO_SHORT = f"must be at least {MIN_LENGTH} characters"
TOO_LONG = f"must be at most {MAX_LENGTH} characters"
COMMON = "is on a list of common or breached passwords: choose one that is harder to guess"
PERSONAL = "must not contain your name or email address"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-case."""
    data = resources.files(__package__).joinpath("data", "common-passwords.txt.gz").read_bytes()
    return frozenset(line.strip() for line in gzip.decompress(data).decode("utf-8").splitlines() if line.strip())


def is_common(password: str) -> bool:
    return password.strip().casefold() in common_passwords()


def _letters_and_digits(text: str) -> str:
    return "".join(character for character in text.casefold() if character.isalnum())


def personal_parts(name: str | None, email: str | None) -> list[str]:
    """What a password may not contain: the name (whole and each word) and the email's
    local part, compared on letters and digits only."""
    parts = []
    if name:
        parts.append(_letters_and_digits(name))
        parts.extend(_letters_and_digits(word) for word in name.split())
    if email:
        parts.append(_letters_and_digits(email.partition("@")[0]))
    return [part for part in parts if len(part) >= MIN_PERSONAL_PART]


def broken_rules(password: str, name: str | None = None, email: str | None = None) -> list[str]:
    """The rules ``password`` breaks, in the order a person should fix them; empty if none."""
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT]
    if len(password) > MAX_LENGTH:
        return [TOO_LONG]
    broken = []
    if is_common(password):
        broken.append(COMMON)
    flat = _letters_and_digits(password)
    if any(part in flat for part in personal_parts(name, email)):
        broken.append(PERSONAL)
    return broken


def check_password_rules(password: str, name: str | None = None, email: str | None = None, field="password") -> None:
    """Refuse ``password`` with every rule it breaks, named under ``field``."""
    broken = broken_rules(password, name, email)
    if broken:
        raise DomainError(f"The password {broken[0]}.", {field: broken})
