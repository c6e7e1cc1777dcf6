"""Dossiers: who may see one, the record of every look, issuing and verifying.

A person's dossier is theirs, their open case committees' (members not recused, for the
case's period) and the administrators'. To anyone else it does not exist (404). Every
view and download writes a ``DossierAccess`` row, which the person can read.

Issuing works like a credit statement: the document is signed with the department key,
stored as issued with its PDF, numbered and versioned (a re-issue for the same person and
period supersedes the one before), and carries a verification code from the same space
as statements and awards. A re-issue that would say exactly what the current one says is
refused. Services flush; the caller commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from .. import links
from ..auth.service import Actor
from ..awards.announcement import service as announce
from ..cases import access as case_access
from ..cases.models import Case, CaseMember
from ..clock import local_date
from ..credits import canonical, signing
from ..credits import service as credits
from ..credits.verification import find_by_code as find_statement
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..ledger import service as ledger
from ..people.models import Person
from . import build, rules
from .models import Dossier, DossierAccess

NO_DOSSIER = "No such dossier that you can see."
# What an issue adds to the built content; "has anything changed?" compares the rest.
ISSUE_KEYS = ("number", "version", "supersedes", "issuer", "ledger_head", "issued_at", "verification", "case")


@dataclass(frozen=True)
class Access:
    """Whose dossier, for which period, and in what capacity the actor reads it."""

    person: Person
    capacity: str  # self, committee, admin
    case: Case | None
    start: date
    end: date


# Access ----------------------------------------------------------------------------------


def _person(person_id: int | None) -> Person:
    person = db.session.get(Person, person_id) if person_id else None
    if person is None:
        raise NotFound(NO_DOSSIER, {"person_id": ["no dossier of this person that you can see"]})
    return person


def checked_period(start: date | None, end: date | None, today: date) -> None:
    problems = rules.period_problems(start, end, today)
    if problems:
        raise DomainError(
            "The period is not one a dossier can cover: "
            + "; ".join(f"{field} {rule[0]}" for field, rule in problems.items())
            + ".",
            problems,
        )


def sits_on(case: Case, person_id: int | None) -> bool:
    """Whether ``person_id`` is a member of the open ``case`` now and not recused."""
    if person_id is None or not case.is_open:
        return False
    member = db.session.scalar(
        select(
            exists().where(
                CaseMember.case_id == case.id, CaseMember.person_id == person_id, CaseMember.removed_at.is_(None)
            )
        )
    )
    return bool(member) and not case_access.recused(case, person_id)


def resolve(actor: Actor, person_id: int | None, start: date | None, end: date | None, today: date) -> Access:
    """The access ``actor`` has to ``person_id``'s dossier for [start, end] (each None:
    the default). The person: any period. A committee member of an open case about them:
    the case's period. An administrator: any period. Anyone else: NotFound."""
    person = _person(person_id or actor.person_id)
    checked_period(start, end, today)
    if actor.person_id == person.id:
        return _access(person, "self", None, start, end, today)
    case = case_access.committee_case(actor.person_id, person.id)
    if case is not None and start in (None, case.period_start) and end in (None, case.period_end):
        return Access(person, "committee", case, case.period_start, case.period_end)
    if actor.is_admin:
        return _access(person, "admin", None, start, end, today)
    if case is not None:
        period = f"{case.period_start.isoformat()} to {case.period_end.isoformat()}"
        raise DomainError(
            f"As a member of the committee you may read this dossier for the case's period, {period}.",
            {
                "start": [f"must be {case.period_start.isoformat()}, the case's start"],
                "end": [f"must be {case.period_end.isoformat()}, the case's end"],
            },
        )
    raise NotFound(NO_DOSSIER, {"person_id": ["no dossier of this person that you can see"]})


def resolve_case(actor: Actor, case_id: int) -> Access:
    """A case's candidate's dossier for the case's period: for the case's members who
    are not recused while it is open, and for administrators."""
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound("No such case that you can see.")
    if sits_on(case, actor.person_id):
        return Access(case.candidate, "committee", case, case.period_start, case.period_end)
    if actor.is_admin:
        return Access(case.candidate, "admin", case, case.period_start, case.period_end)
    raise NotFound("No such case that you can see.")


def _access(
    person: Person, capacity: str, case: Case | None, start: date | None, end: date | None, today: date
) -> Access:
    if start is None or end is None:
        first, last = build.default_period(person, today)
        start, end = start or first, end or last
        checked_period(start, end, today)
    return Access(person, capacity, case, start, end)


def may_read_issued(actor: Actor, person_id: int) -> tuple[str, Case | None] | None:
    """(capacity, case) in which ``actor`` may read ``person_id``'s issued dossiers, or None."""
    if actor.person_id == person_id:
        return "self", None
    case = case_access.committee_case(actor.person_id, person_id)
    if case is not None:
        return "committee", case
    if actor.is_admin:
        return "admin", None
    return None


def record(access: Access, actor: Actor, action: str, fmt: str, now: datetime, dossier: Dossier | None = None) -> None:
    """One look at a dossier, kept for the person to read."""
    db.session.add(
        DossierAccess(
            person_id=access.person.id,
            viewer_id=actor.person_id,
            capacity=access.capacity,
            case_id=access.case.id if access.case else None,
            dossier_id=dossier.id if dossier else None,
            action=action,
            format=fmt,
            period_start=access.start,
            period_end=access.end,
            at=now,
        )
    )
    db.session.flush()


# Newest first, the last key unique (the API pages by it: ``keyset``).
ACCESS_ORDER = (DossierAccess.at.desc(), DossierAccess.id.desc())


def access_log(actor: Actor, person_id: int | None = None):
    """The select of who looked at a dossier: your own; an administrator anyone's."""
    person_id = person_id or actor.person_id
    if person_id != actor.person_id and not actor.is_admin:
        raise NotFound(
            "No access log of this person that you can see.",
            {"person_id": ["must be yourself (administrators: anyone)"]},
        )
    _person(person_id)
    return select(DossierAccess).where(DossierAccess.person_id == person_id).order_by(*ACCESS_ORDER)


# Drafts ----------------------------------------------------------------------------------


def draft(access: Access) -> dict:
    """The dossier as it stands now, with the ledger head it was built on."""
    head = ledger.head()
    return {
        **build.content(access.person, access.start, access.end),
        "ledger_head": {"seq": head["seq"], "hash": head["hash"]},
    }


# Issuing -----------------------------------------------------------------------------------


def latest(person_id: int, start: date, end: date) -> Dossier | None:
    return db.session.scalar(
        select(Dossier)
        .where(Dossier.person_id == person_id, Dossier.period_start == start, Dossier.period_end == end)
        .order_by(Dossier.version.desc())
        .limit(1)
    )


def built_content(document: dict) -> dict:
    return {key: value for key, value in document.items() if key not in ISSUE_KEYS}


def new_code() -> str:
    """A verification code no statement, award or dossier has: /verify looks codes up in
    all three, so each must name one thing (120 random bits all but never repeat; this
    makes sure)."""
    while True:
        code = canonical.new_code()
        if find_statement(code) is None and announce.find_by_code(code) is None and find_by_code(code) is None:
            return code


def issue(
    person_id: int | None, start: date | None, end: date | None, actor: Actor, now: datetime, case_id: int | None = None
) -> Dossier:
    """Issue a signed dossier: the person their own, an administrator anyone's. Committee
    members read, they do not issue: what the candidate put forward is theirs to sign off."""
    access = resolve(actor, person_id, start, end, local_date(now))
    if access.capacity == "committee" and actor.is_admin:
        access = Access(access.person, "admin", None, access.start, access.end)
    if access.capacity == "committee":
        raise Forbidden(
            "Committee members read a candidate's dossier; the candidate or an administrator issues it.",
            {"person_id": ["must be yourself (administrators: anyone)"]},
        )
    case = None
    if case_id is not None:
        case = db.session.get(Case, case_id)
        if case is None or case.candidate_id != access.person.id:
            raise DomainError.field("case_id", "must name a case about this person")
    person = access.person
    content = build.content(person, access.start, access.end)
    previous = latest(person.id, access.start, access.end)
    if previous is not None and canonical.canonical(
        built_content(json.loads(previous.document))
    ) == canonical.canonical(content):
        raise Conflict(
            f"Nothing has changed since dossier {previous.number}: it is still current.",
            {"period": [f"dossier {previous.number} already says this"]},
        )
    version = previous.version + 1 if previous else 1
    code = new_code()
    head = ledger.head()
    key = signing.app_key(current_app)
    document = {
        **content,
        "number": rules.number_for(person.id, access.start, access.end, version),
        "version": version,
        "supersedes": previous.number if previous else None,
        "case": {"id": case.id, "kind": case.kind} if case else None,
        "issuer": {
            "department": current_app.config["DEPARTMENT_NAME"],
            "base_url": links.base_url(),
            "key_id": key.key_id,
        },
        "ledger_head": {"seq": head["seq"], "hash": head["hash"]},
        "issued_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verification": {"code": canonical.format_code(code), "url": canonical.verify_url(code)},
    }
    signed = canonical.canonical(document)
    from .pdf import render  # noqa: PLC0415 - reportlab loads only when a PDF is made, off the start-up path

    pdf = render(document, credits.certificate_settings())
    row = Dossier(
        number=document["number"],
        person_id=person.id,
        period_start=access.start,
        period_end=access.end,
        version=version,
        supersedes_id=previous.id if previous else None,
        case_id=case.id if case else None,
        code=code,
        document=signed.decode("utf-8"),
        content_hash=canonical.sha256(signed),
        signature=key.sign(signed),
        key_id=key.key_id,
        ledger_seq=head["seq"],
        ledger_hash=head["hash"],
        pdf=pdf,
        pdf_sha256=canonical.sha256(pdf),
        issued_at=now,
        issued_by_id=actor.person_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(
            "Another version of this dossier was issued meanwhile; try again.", {"period": ["was issued meanwhile"]}
        ) from None
    record(Access(person, access.capacity, case, access.start, access.end), actor, "issue", "pdf", now, row)
    return row


# Issued dossiers -------------------------------------------------------------------------------


def issued(actor: Actor, person_id: int | None = None) -> list[Dossier]:
    person = _person(person_id or actor.person_id)
    if may_read_issued(actor, person.id) is None:
        raise NotFound(NO_DOSSIER, {"person_id": ["no dossier of this person that you can see"]})
    return list(
        db.session.scalars(
            select(Dossier).where(Dossier.person_id == person.id).order_by(Dossier.issued_at.desc(), Dossier.id.desc())
        )
    )


def get_issued(dossier_id: int, actor: Actor) -> tuple[Dossier, Access]:
    dossier = db.session.get(Dossier, dossier_id)
    allowed = may_read_issued(actor, dossier.person_id) if dossier else None
    if allowed is None:
        raise NotFound(NO_DOSSIER)
    capacity, case = allowed
    assert dossier is not None  # allowed is None when there is no dossier
    return dossier, Access(dossier.person, capacity, case, dossier.period_start, dossier.period_end)


def successor_of(dossier_id: int) -> Dossier | None:
    return db.session.scalar(select(Dossier).where(Dossier.supersedes_id == dossier_id))


def status_of(dossier: Dossier) -> str:
    return "superseded" if successor_of(dossier.id) is not None else "current"


def statuses(dossier_ids: list[int]) -> dict[int, str]:
    superseded = (
        set(db.session.scalars(select(Dossier.supersedes_id).where(Dossier.supersedes_id.in_(dossier_ids))))
        if dossier_ids
        else set()
    )
    return {i: "superseded" if i in superseded else "current" for i in dossier_ids}


def signed_json(dossier: Dossier) -> dict:
    return {
        "document": json.loads(dossier.document),
        "content_hash": dossier.content_hash,
        "signature": dossier.signature,
        "algorithm": signing.ALGORITHM,
        "key_id": dossier.key_id,
    }


# Verification (public) -----------------------------------------------------------------------------


def find_by_code(code: str) -> Dossier | None:
    code = canonical.normalise_code(code)
    if not code or len(code) > 40:
        return None
    return db.session.scalar(select(Dossier).where(Dossier.code == code))


def verification(code: str) -> dict | None:
    """What /verify says about a dossier: genuine, current or superseded (with the current
    one's code), the period and the name. Nothing else goes to the public."""
    dossier = find_by_code(code)
    if dossier is None:
        return None
    newest = latest(dossier.person_id, dossier.period_start, dossier.period_end) or dossier
    replaced = newest.id != dossier.id
    name = json.loads(dossier.document)["person"]["name"]
    return {
        "genuine": True,
        "status": "superseded" if replaced else "current",
        "kind": "dossier",
        "number": dossier.number,
        "name": name,
        "period": f"{dossier.period_start.isoformat()} to {dossier.period_end.isoformat()}",
        "period_start": dossier.period_start,
        "period_end": dossier.period_end,
        "issued_on": dossier.issued_at.date(),
        "revoked_on": None,
        "current_number": newest.number if replaced else None,
        "current_code": newest.code if replaced else None,
        "content_hash": dossier.content_hash,
        "pdf_sha256": dossier.pdf_sha256,
        "key_id": dossier.key_id,
    }
