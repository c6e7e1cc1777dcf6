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
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ... import links
from ...auth.service import Actor
from ...clock import local_date
from ...credits import canonical
from ...credits import service as credits
from ...credits.signing import app_key, published
from ...errors import Conflict, DomainError, Forbidden, NotFound
from ...extensions import db
from ...ledger.models import LedgerEntry
from ...ledger.service import append
from ...people.models import Person
from ..cycles.phases import latest_decision
from ..definitions.service import rubric_text
from ..models import Award, BadgeReissue, BadgeStatus, Cycle, Grant, GrantRevocation
from . import badges, certificate, status

LEDGER_KIND = "award_received"


def _base() -> str:
    return links.base_url()


def issuer_id() -> str:
    """The issuer profile's URL: what new credentials name as ``issuer.id``."""
    return f"{_base()}/issuer"


def issuer() -> dict:
    return {"id": issuer_id(), "type": ["Profile"], "name": current_app.config["DEPARTMENT_NAME"]}


def status_list_url(number: int) -> str:
    return f"{_base()}/badges/status/{number}"


def emblem_url(award: Award) -> str:
    return f"{_base()}/recognition/{award.slug}/emblem.png"


def next_status_index() -> int:
    """The next index in the status list: after the highest ever given. Grants are never
    deleted, so an index is never reused; two announcements racing for one index collide
    on its unique constraint and the later one is refused."""
    highest = db.session.scalar(select(func.max(BadgeStatus.status_index)))
    return 0 if highest is None else highest + 1


def status_index_of(grant_id: int) -> int | None:
    return db.session.scalar(select(BadgeStatus.status_index).where(BadgeStatus.grant_id == grant_id))


def signed_credential(
    *, code: str, index: int, award: Award, year: int, person: Person, awarded_on: date, now: datetime
) -> dict:
    """A grant's credential, signed now with eddsa-rdfc-2022, with its status entry."""
    number, _ = status.place(index)
    document = badges.credential(
        url=f"{_base()}/verify/{code}",
        issuer_url=issuer_id(),
        issuer_name=current_app.config["DEPARTMENT_NAME"],
        achievement_url=f"{_base()}/recognition/{award.slug}",
        award_name=award.name,
        description=award.description,
        criteria=criteria_text(award),
        year=year,
        recipient_name=person.name,
        recipient_email=person.email,
        awarded_on=awarded_on,
        issued_at=now,
        image_url=emblem_url(award),
        status=status.entry(status_list_url(number), index),
    )
    return badges.sign_rdfc(document, app_key(current_app), now, issuer_id())


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
        index = next_status_index()
        signed = signed_credential(
            code=code, index=index, award=award, year=cycle.year, person=person, awarded_on=day, now=now
        )
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
        db.session.add(BadgeStatus(grant_id=grant.id, status_index=index))
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
        "revoked_on": local_date(revocation.revoked_at).isoformat() if revocation else None,
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


def current_credential(grant: Grant) -> str:
    """The grant's newest credential as issued (JSON text): the last re-issue, else the one
    issued at the announcement."""
    reissued = db.session.scalar(
        select(BadgeReissue.credential).where(BadgeReissue.grant_id == grant.id).order_by(BadgeReissue.id.desc())
    )
    return reissued if reissued is not None else grant.credential


def reissue(grant: Grant, actor: Actor, now: datetime) -> BadgeReissue:
    """A fresh eddsa-rdfc-2022 credential for a grant, on the winner's or an admin's
    request. The earlier one stays valid (same award, same status index); a grant announced
    before status lists existed gets its index now. A revoked award gets none."""
    if not (actor.is_admin or grant.person_id == actor.person_id):
        raise NotFound("No award with that id that you may see.", {"grant_id": ["no such award"]})
    if revocation_of(grant.id) is not None:
        raise Conflict("This award was revoked: no new credential is issued for it.", {"grant_id": ["revoked"]})
    index = status_index_of(grant.id)
    if index is None:
        index = next_status_index()
        db.session.add(BadgeStatus(grant_id=grant.id, status_index=index))
        db.session.flush()
    cycle = grant.cycle
    signed = signed_credential(
        code=grant.code,
        index=index,
        award=cycle.award,
        year=cycle.year,
        person=grant.person,
        awarded_on=grant.awarded_on,
        now=now,
    )
    body = badges.jcs(signed)
    fresh = BadgeReissue(
        grant_id=grant.id,
        credential=body.decode("utf-8"),
        content_hash=hashlib.sha256(body).hexdigest(),
        key_id=app_key(current_app).key_id,
        issued_at=now,
        issued_by_id=actor.person_id,
    )
    db.session.add(fresh)
    db.session.flush()
    return fresh


def newer_than(grant: Grant, content_hash: str) -> datetime | None:
    """When a credential newer than the one with ``content_hash`` was issued for the grant."""
    issued = list(
        db.session.execute(
            select(BadgeReissue.content_hash, BadgeReissue.issued_at)
            .where(BadgeReissue.grant_id == grant.id)
            .order_by(BadgeReissue.id)
        )
    )
    hashes = [grant.content_hash] + [h for h, _ in issued]
    if content_hash not in hashes or hashes[-1] == content_hash:
        return None
    return issued[-1][1]


def revoked_indexes(number: int) -> list[int]:
    """The indexes within status list ``number`` whose grants are revoked."""
    low = (number - 1) * status.SIZE
    found = db.session.scalars(
        select(BadgeStatus.status_index)
        .join(GrantRevocation, GrantRevocation.grant_id == BadgeStatus.grant_id)
        .where(BadgeStatus.status_index >= low, BadgeStatus.status_index < low + status.SIZE)
    )
    return [index - low for index in found]


def status_lists() -> int:
    """How many status lists are published (at least one, so the first URL always answers)."""
    highest = db.session.scalar(select(func.max(BadgeStatus.status_index)))
    return 1 if highest is None else status.place(highest)[0]


def status_list_credential(number: int, now: datetime) -> dict:
    """Status list ``number``, signed now."""
    if not 1 <= number <= status_lists():
        raise NotFound("No status list has that number.", {"number": [f"must be between 1 and {status_lists()}"]})
    url = status_list_url(number)
    document = status.credential(url, issuer(), revoked_indexes(number), now)
    return badges.sign_rdfc(document, app_key(current_app), now, issuer_id())


def issuer_profile() -> dict:
    """The issuer: the department, its address, and every key it has signed badges with
    (retired ones too, so what they signed still verifies), as Multikeys whose ids are what
    the proofs name."""
    methods = [
        {
            "id": badges.issuer_method(issuer_id(), entry.key_id),
            "type": "Multikey",
            "controller": issuer_id(),
            "publicKeyMultibase": badges.multikey(entry.public),
        }
        for entry in published(current_app)
    ]
    return {
        "@context": [*badges.CONTEXTS, "https://w3id.org/security/multikey/v1", badges.KEY_TERMS],
        "id": issuer_id(),
        "type": ["Profile"],
        "name": current_app.config["DEPARTMENT_NAME"],
        "url": _base(),
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
