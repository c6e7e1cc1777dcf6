"""What a password link says and when it is refused: pure, so table-tested.

A link's claim names the person, the purpose ("invitation" or "reset"), the fingerprint
of the account's password state when the link was made, and when it was made. It is
refused when it is older than its purpose's lifetime, or when the password state has
changed since (the link, or a newer one, was used; the password was changed).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PURPOSES = ("invitation", "reset")
NO_ACCOUNT = "no account"

# Why a link is refused, as the refusal page words it.
EXPIRED = "expired"
USED = "used"
DISABLED = "disabled"
INVALID = "invalid"


@dataclass(frozen=True)
class Claim:
    person_id: int
    purpose: str
    fingerprint: str
    issued_at: datetime

    def payload(self) -> dict:
        return {"p": self.person_id, "u": self.purpose, "f": self.fingerprint, "t": epoch(self.issued_at)}

    @classmethod
    def from_payload(cls, payload: object) -> Claim | None:
        """The claim a signed payload makes; None if it is not one this app makes."""
        if not isinstance(payload, dict):
            return None
        person_id, purpose, fingerprint, issued = (payload.get(key) for key in ("p", "u", "f", "t"))
        if not (
            isinstance(person_id, int)
            and purpose in PURPOSES
            and isinstance(fingerprint, str)
            and isinstance(issued, int)
            and not isinstance(issued, bool)
        ):
            return None
        return cls(person_id, str(purpose), fingerprint, datetime.fromtimestamp(issued, UTC).replace(tzinfo=None))


def epoch(moment: datetime) -> int:
    """Whole seconds since 1970 of a naive UTC time."""
    return int(moment.replace(tzinfo=UTC).timestamp())


def fingerprint(password_hash: str | None) -> str:
    """The account's password state: a hash of its password hash, or of "no account".
    It reveals nothing of the password (the hash it hashes is a salted argon2 hash)."""
    return hashlib.sha256((password_hash or NO_ACCOUNT).encode("utf-8")).hexdigest()[:32]


def refusal(claim: Claim, current_fingerprint: str, disabled: bool, now: datetime, lifetime: timedelta) -> str | None:
    """Why the link is refused now, or None if it may set a password."""
    if now - claim.issued_at > lifetime:
        return EXPIRED
    if claim.fingerprint != current_fingerprint:
        return USED
    if disabled:
        return DISABLED
    return None


# What the roster says of each person's account, in the order its filter offers them.
ACCOUNT_STATES = {
    "none": "No account",
    "invited": "Invited",
    "active": "Active",
    "disabled": "Disabled",
}
