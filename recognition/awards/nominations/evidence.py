"""The evidence a nomination carries: the nominee's record read from mentorships, feedback
and the ledger, frozen (with a digest) when nominations close so the committee scores
what was there, and who may read it."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from sqlalchemy import select

from ...auth.service import Actor
from ...evidence.service import evidence_for
from ...extensions import db
from ...people.profiles import profile_of
from ..models import Cycle, Nomination
from .service import role_in


def may_read_evidence(actor: Actor, nomination: Nomination) -> bool:
    """The evidence (feedback means, response counts, mentees' names) is for the committee,
    the award's managers and the nominee: nominating a colleague does not open their record."""
    roles = role_in(actor, nomination)
    return bool(roles & {"manager", "member", "nominee"})


def canonical(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def evidence(nomination: Nomination, day: date) -> tuple[dict, str | None]:
    """The evidence table and its hash: frozen once nominations closed, live until then."""
    if nomination.evidence_frozen_at is not None:
        return json.loads(_frozen(nomination)), nomination.evidence_hash
    return evidence_for(nomination.nominee_id, min(day, nomination.cycle.closes_on)), None


def freeze_evidence(cycle: Cycle, day: date, now: datetime) -> int:
    """Snapshot every nomination's evidence as of the closing date, with its SHA-256."""
    frozen = 0
    for nomination in db.session.scalars(
        select(Nomination).where(Nomination.cycle_id == cycle.id, Nomination.evidence_frozen_at.is_(None))
    ).all():
        data = evidence_for(nomination.nominee_id, cycle.closes_on)
        body = canonical(data)
        nomination.evidence = body.decode()
        nomination.evidence_hash = hashlib.sha256(body).hexdigest()
        nomination.evidence_frozen_at = now
        frozen += 1
    db.session.flush()
    return frozen


def profile_philosophy(nomination: Nomination) -> str:
    """The mentoring philosophy of the nominee's profile, as those who may read the
    evidence see it: live until the evidence is frozen, then as frozen with it (a table
    frozen before profiles existed holds none)."""
    if nomination.evidence_frozen_at is not None:
        return json.loads(_frozen(nomination)).get("philosophy") or ""
    return profile_of(nomination.nominee_id)[1]


def evidence_intact(nomination: Nomination) -> bool:
    """Whether the frozen evidence still hashes to what was recorded at close."""
    if nomination.evidence_frozen_at is None:
        return True
    return hashlib.sha256(_frozen(nomination).encode()).hexdigest() == nomination.evidence_hash


def _frozen(nomination: Nomination) -> str:
    """The frozen table: written in the same flush as the moment it was frozen."""
    assert nomination.evidence is not None
    return nomination.evidence
