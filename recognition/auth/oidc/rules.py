"""Pure decisions of institutional sign-in: which roster column a university identity is
looked up by, and how long a sign-in begun here may take. No Flask, no database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

MATCH_CLAIMS = ("email", "institutional_id")


class ClaimProblem(ValueError):
    """The provider's claims cannot name anyone on the roster; ``rule`` says why, for the person."""

    def __init__(self, rule: str):
        super().__init__(rule)
        self.rule = rule


@dataclass(frozen=True)
class RosterKey:
    """What to look for on the roster: the column and the value."""

    column: str  # "email" or "institutional_id"
    value: str

    @property
    def described(self) -> str:
        """For the page that says no one was found."""
        if self.column == "email":
            return f"the email address {self.value}"
        return f"the institutional id {self.value}"


def is_verified(value: object) -> bool:
    """``email_verified`` is a JSON boolean; some providers send the string "true"."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def roster_key(claims: Mapping[str, object], match_claim: str, id_claim: str) -> RosterKey:
    """The roster column and value the claims name, or ``ClaimProblem``. An email must be
    verified by the provider: an unverified one proves nothing about who signed in."""
    if match_claim == "email":
        email = claims.get("email")
        if not isinstance(email, str) or not email.strip():
            raise ClaimProblem("the university did not send an email address for this account")
        if not is_verified(claims.get("email_verified")):
            raise ClaimProblem(f"the university has not verified the email address {email.strip()}")
        return RosterKey("email", email.strip().lower())
    if match_claim == "institutional_id":
        value = claims.get(id_claim)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise ClaimProblem("the university did not send an institutional id for this account")
        return RosterKey("institutional_id", value.strip())
    raise ValueError(f"OIDC_MATCH_CLAIM must be one of {', '.join(MATCH_CLAIMS)}, not {match_claim!r}")


def has_expired(started_at: datetime, now: datetime, minutes: int) -> bool:
    """A sign-in begun more than ``minutes`` ago (or, with a clock set back, in the future)
    may not be finished: a stale state is refused, as a used one is."""
    return not (started_at - timedelta(minutes=1) <= now <= started_at + timedelta(minutes=minutes))
