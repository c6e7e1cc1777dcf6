"""The facts a verification shows for a code, whichever kind of certificate it belongs to:
a credit statement's, else an award's, else an issued dossier's (the kinds share one space
of codes). Only the minimum a certificate already shows, never an email or a person id."""

from __future__ import annotations

from datetime import date

from ..awards.announcement import service as announce
from ..credits import canonical, verification
from ..dossiers import service as dossiers


def award_facts(code: str) -> dict | None:
    """What /verify says about an award, its days as dates like a statement's."""
    facts = announce.verification(code)
    if facts is None:
        return None

    def day(value) -> date | None:
        return date.fromisoformat(value) if isinstance(value, str) else value

    return {**facts, "awarded_on": day(facts["awarded_on"]), "revoked_on": day(facts["revoked_on"])}


def dossier_facts(code: str) -> dict | None:
    """What /verify says about an issued dossier, with where to check its current version."""
    facts = dossiers.verification(code)
    if facts is None:
        return None
    current_code = facts.pop("current_code")
    return {**facts, "current_verify_url": canonical.verify_url(current_code) if current_code else None}


def facts_for(code: str) -> dict | None:
    """A statement's facts, or else an award's, or else a dossier's: the kinds share one
    space of codes."""
    found = verification.verification(code)
    if found is None:
        return award_facts(code) or dossier_facts(code)
    current_code = found.pop("current_code")
    found["current_verify_url"] = canonical.verify_url(current_code) if current_code else None
    return found
