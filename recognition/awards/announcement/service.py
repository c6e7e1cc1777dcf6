"""The announcement: each winner gets a ledger entry, a signed Open Badges 3.0 credential,
an award certificate PDF and a verification code; the public recognition page lists them.

A grant is written once (append-only) and revoked by a separate row with a reason, like a
credit statement. ``/verify/<code>`` finds a grant by its code when no statement has it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import links
from ...auth.service import Actor
from ...credits import canonical
from ...credits import service as credits
from ...credits.signing import app_key
from ...errors import Conflict, DomainError, Forbidden, NotFound
from ...extensions import db
from ...ledger.models import LedgerEntry
from ...ledger.service import append
from ...people.models import Person
from ..cycles.phases import latest_decision
from ..definitions.service import rubric_text
from ..models import Award, Cycle, Grant, GrantRevocation
from . import badges, certificate

LEDGER_KIND = "award_received"


def _base() -> str:
    return links.base_url()


def criteria_text(award: Award) -> str:
    """What the winner was judged on, in words, for the credential's criteria narrative."""
    text = rubric_text(award)
    parts = [f"{c.name} ({c.weight:g})" for c in text.criteria]
    return (
        f"Nominated by colleagues with ledger evidence and chosen by the {award.name} committee, scoring "
        f"on a {text.low}-{text.high} rubric: " + "; ".join(parts) + "."
    )


def announce(cycle: Cycle, day: date, now: datetime) -> list[Grant]:
    """Grant the award to each winner of the latest decision, once (a grant per winner per
    cycle is unique). Part of the transition's transaction."""
    decision = latest_decision(cycle.id)
    if decision is None:
        return []
    key = app_key(current_app)
    settings = credits.certificate_settings()
    award = cycle.award
    made = []
    for winner in decision.winners:
        nomination = winner.nomination
        person = nomination.nominee
        if (
            db.session.scalar(select(Grant.id).where(Grant.cycle_id == cycle.id, Grant.nomination_id == nomination.id))
            is not None
        ):
            continue
        code = canonical.new_code()
        url = f"{_base()}/verify/{code}"
        document = badges.credential(
            url=url,
            issuer_url=_base(),
            issuer_name=current_app.config["DEPARTMENT_NAME"],
            achievement_url=f"{_base()}/recognition/{award.slug}",
            award_name=award.name,
            description=award.description,
            criteria=criteria_text(award),
            year=cycle.year,
            recipient_name=person.name,
            recipient_email=person.email,
            awarded_on=day,
            issued_at=now,
        )
        signed = badges.sign(document, key, now)
        body = badges.jcs(signed)
        content_hash = hashlib.sha256(body).hexdigest()
        facts = {
            "department": settings["department"],
            "award": award.name,
            "description": award.description,
            "year": cycle.year,
            "name": person.name,
            "division": person.division.name if person.division else None,
            "awarded_on": day.isoformat(),
            "code": code,
            "printed_code": canonical.format_code(code),
            "url": url,
            "key_id": key.key_id,
            "content_hash": content_hash,
            "level": award.level,
        }
        pdf = certificate.render(facts, settings)
        entry = append(
            LedgerEntry(
                entry_type="contribution",
                kind=LEDGER_KIND,
                person_id=person.id,
                occurred_on=day,
                minutes=0,
                note=f"{award.name} {cycle.year}",
                recorded_by_id=decision.decided_by_id or person.id,
            ),
            now,
        )
        grant = Grant(
            cycle_id=cycle.id,
            nomination_id=nomination.id,
            person_id=person.id,
            code=code,
            credential=body.decode("utf-8"),
            content_hash=content_hash,
            key_id=key.key_id,
            pdf=pdf,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            ledger_entry_id=entry.id,
            awarded_on=day,
            issued_at=now,
        )
        db.session.add(grant)
        db.session.flush()
        made.append(grant)
    return made


def revoke(grant: Grant, reason: str, actor: Actor, now: datetime) -> GrantRevocation:
    if not actor.is_admin:
        raise Forbidden("Only an administrator revokes an award.", {"reason": ["admins only"]})
    reason = (reason or "").strip() if isinstance(reason, str) or reason is None else ""
    if not reason:
        raise DomainError.field("reason", "is required: say why the award is revoked (kept on the record)")
    if len(reason) > 2000:
        raise DomainError.field("reason", "must be at most 2000 characters")
    if db.session.get(GrantRevocation, grant.id) is not None:
        raise Conflict("This award was revoked already.", {"grant_id": ["already revoked"]})
    revocation = GrantRevocation(grant_id=grant.id, reason=reason, revoked_at=now, revoked_by_id=actor.person_id)
    try:
        with db.session.begin_nested():
            db.session.add(revocation)
            db.session.flush()
    except IntegrityError:
        raise Conflict("This award was revoked already.", {"grant_id": ["already revoked"]}) from None
    return revocation


def revocation_of(grant_id: int) -> GrantRevocation | None:
    return db.session.get(GrantRevocation, grant_id)


def get_grant(grant_id: int, actor: Actor) -> Grant:
    """A grant, for its winner or an administrator; the public sees it only through /verify."""
    grant = db.session.get(Grant, grant_id)
    if grant is None or not (actor.is_admin or grant.person_id == actor.person_id):
        raise NotFound("No award with that id that you may see.", {"grant_id": ["no such award"]})
    return grant


def grants_of(person_id: int) -> list[Grant]:
    return list(db.session.scalars(select(Grant).where(Grant.person_id == person_id).order_by(Grant.awarded_on.desc())))


def find_by_code(code: str) -> Grant | None:
    code = canonical.normalise_code(code)
    if not code or len(code) > 40:
        return None
    return db.session.scalar(select(Grant).where(Grant.code == code))


def verification(code: str) -> dict | None:
    """What /verify/<code> says about an award: genuine, current or revoked, with only the
    facts printed on the certificate."""
    grant = find_by_code(code)
    if grant is None:
        return None
    revocation = revocation_of(grant.id)
    cycle = grant.cycle
    return {
        "kind": "award",
        "genuine": True,
        "status": "revoked" if revocation else "current",
        "revoked_on": revocation.revoked_at.date().isoformat() if revocation else None,
        "name": grant.person.name,
        "award": cycle.award.name,
        "year": cycle.year,
        "awarded_on": grant.awarded_on.isoformat(),
        "issuer": current_app.config["DEPARTMENT_NAME"],
        "code": canonical.format_code(grant.code),
        "content_hash": grant.content_hash,
        "key_id": grant.key_id,
        "pdf_sha256": grant.pdf_sha256,
    }


def credential_of(grant: Grant) -> dict:
    return json.loads(grant.credential)


def public_winners() -> list[dict]:
    """Every announced, unrevoked award, newest first: the public recognition page."""
    rows = db.session.execute(
        select(Grant, Cycle, Award, Person)
        .join(Cycle, Cycle.id == Grant.cycle_id)
        .join(Award, Award.id == Cycle.award_id)
        .join(Person, Person.id == Grant.person_id)
        .outerjoin(GrantRevocation, GrantRevocation.grant_id == Grant.id)
        .where(GrantRevocation.grant_id.is_(None), Cycle.phase == "announced")
        .order_by(Cycle.year.desc(), Award.name, Person.name)
    ).all()
    return [
        {
            "award": award.name,
            "slug": award.slug,
            "year": cycle.year,
            "name": person.name,
            "division": person.division.name if person.division else None,
            "awarded_on": grant.awarded_on,
            "code": grant.code,
        }
        for grant, cycle, award, person in rows
    ]
