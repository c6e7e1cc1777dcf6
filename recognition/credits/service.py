"""Statements: issue, supersede, revoke, look up.

A statement for a person, framework and year is built in two steps so the year-end batch
can render in parallel: ``prepare`` reads, signs the canonical document (``canonical``)
and renders the PDF (``certificate``) without writing; ``store`` writes the row in one
short transaction and refuses it if another version got there first. ``issue`` does both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import links
from ..auth.service import Actor
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..ledger import service as ledger
from ..people.models import Person
from . import signing
from .activities import Credited, activities_of, credits_for
from .canonical import FORMAT, basis, canonical, format_code, new_code, number_for, sha256, verify_url
from .models import Statement, StatementRevocation
from .profiles import framework, profile_of


@dataclass
class Prepared:
    """A statement ready to store: everything computed and rendered, nothing written."""

    person_id: int
    framework_id: str
    year: int
    version: int
    supersedes_id: int | None
    code: str
    basis_hash: str
    document: dict
    content: bytes
    signature: str
    key_id: str
    pdf: bytes
    issued_by_id: int | None
    issued_at: datetime


def latest(person_id: int, framework_id: str, year: int) -> Statement | None:
    return db.session.scalar(_newest(select(Statement), person_id, framework_id, year))


def _newest(statement: Select, person_id: int, framework_id: str, year: int) -> Select:
    """``statement`` over the newest version of a person's statement for a framework and year."""
    return (
        statement.where(
            Statement.person_id == person_id, Statement.framework_id == framework_id, Statement.year == year
        )
        .order_by(Statement.version.desc())
        .limit(1)
    )


def prepare(
    person: Person,
    framework_id: str,
    year: int,
    actor: Actor,
    now: datetime,
    reissue: bool = False,
    credited: list[Credited] | None = None,
) -> Prepared:
    """Compute, sign and render a statement without writing anything.

    Refuses a year with no credits, a second statement unless ``reissue``, and a
    re-issue that would say exactly what the current one says.
    """
    chosen = framework(framework_id)
    if year < 1950 or year > now.year:
        raise DomainError.field("year", f"must be a finished or current year, between 1950 and {now.year}")
    if credited is None:
        profile = profile_of(person.id)
        cycle_start = profile.cycle_start if profile.framework_id == chosen.id else None
        credited = credits_for(chosen, activities_of([person.id]).get(person.id, []), cycle_start)
    counted = basis(person, chosen, year, credited)
    if not counted["activities"]:
        raise DomainError.field(
            "year",
            f"has no {chosen.unit} under {chosen.name} to put on a statement",
            f"{person.name} has no {chosen.unit} under {chosen.name} in {counted['period']['label']}.",
        )
    basis_hash = sha256(canonical(counted))
    previous = latest(person.id, chosen.id, year)
    if previous is not None:
        if not reissue:
            raise Conflict(
                f"Statement {previous.number} already covers this year; re-issue it to replace it.",
                {"year": [f"already has statement {previous.number}"]},
            )
        if previous.basis_hash == basis_hash and not is_revoked(previous.id):
            raise Conflict(
                f"Nothing has changed since statement {previous.number}: it is still current.",
                {"year": [f"statement {previous.number} already says this"]},
            )
    version = previous.version + 1 if previous else 1
    code = new_code()
    head = ledger.head()
    key = signing.app_key(current_app)
    document = {
        "type": "recognition-credit-statement",
        "format": FORMAT,
        "number": number_for(chosen.id, year, person.id, version),
        "version": version,
        "supersedes": previous.number if previous else None,
        "issuer": {
            "department": current_app.config["DEPARTMENT_NAME"],
            "base_url": links.base_url(),
            "key_id": key.key_id,
        },
        **counted,
        "ledger_head": {"seq": head["seq"], "hash": head["hash"]},
        "issued_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verification": {"code": format_code(code), "url": verify_url(code)},
    }
    content = canonical(document)
    from .statement_pdf import render  # noqa: PLC0415 - reportlab loads only when a PDF is made, off the start-up path

    pdf = render(document, certificate_settings())
    return Prepared(
        person.id,
        chosen.id,
        year,
        version,
        previous.id if previous else None,
        code,
        basis_hash,
        document,
        content,
        key.sign(content),
        key.key_id,
        pdf,
        actor.person_id,
        now,
    )


def certificate_settings() -> dict:
    config = current_app.config
    return {
        "department": config["DEPARTMENT_NAME"],
        "logo": config.get("CERTIFICATE_LOGO"),
        "signatory": config.get("CERTIFICATE_SIGNATORY"),
        "instance_path": current_app.instance_path,
    }


def store(prepared: Prepared) -> Statement:
    """Write a prepared statement, or refuse it (Conflict) when another version of the
    same statement was stored since it was prepared. One savepoint: all or nothing, and
    the transaction it is in goes on whatever happens in it."""
    document = prepared.document
    row = Statement(
        number=document["number"],
        person_id=prepared.person_id,
        framework_id=prepared.framework_id,
        year=prepared.year,
        version=prepared.version,
        supersedes_id=prepared.supersedes_id,
        code=prepared.code,
        basis_hash=prepared.basis_hash,
        total=document["total"],
        document=prepared.content.decode("utf-8"),
        content_hash=sha256(prepared.content),
        signature=prepared.signature,
        key_id=prepared.key_id,
        ledger_seq=document["ledger_head"]["seq"],
        ledger_hash=document["ledger_head"]["hash"],
        pdf=prepared.pdf,
        pdf_sha256=sha256(prepared.pdf),
        issued_at=prepared.issued_at,
        issued_by_id=prepared.issued_by_id,
    )
    meanwhile = Conflict(
        "Another version of this statement was issued meanwhile; try again.", {"year": ["was issued meanwhile"]}
    )
    try:
        with db.session.begin_nested():
            # The newest version's id alone, read as a value (no object): the batch stores
            # with SQLite's write lock held, so every step here is one other workers wait for.
            if _latest_id(prepared.person_id, prepared.framework_id, prepared.year) != prepared.supersedes_id:
                raise meanwhile
            db.session.add(row)
    except IntegrityError:
        raise meanwhile from None
    return row


def _latest_id(person_id: int, framework_id: str, year: int) -> int | None:
    return db.session.connection().scalar(_newest(select(Statement.id), person_id, framework_id, year))


def issue(
    person_id: int, framework_id: str, year: int, actor: Actor, now: datetime, reissue: bool = False
) -> Statement:
    """Issue (or re-issue) a person's statement. The owner issues their own; an admin
    anyone's."""
    person = db.session.get(Person, person_id)
    if person is None or (person_id != actor.person_id and not actor.is_admin):
        raise NotFound("No such person.", {"person_id": ["must name yourself (or, for an admin, a person)"]})
    return store(prepare(person, framework_id, year, actor, now, reissue))


# Statements: state and access ------------------------------------------------------------


def is_revoked(statement_id: int) -> bool:
    return db.session.get(StatementRevocation, statement_id) is not None


def revocation_of(statement_id: int) -> StatementRevocation | None:
    return db.session.get(StatementRevocation, statement_id)


def successor_of(statement_id: int) -> Statement | None:
    return db.session.scalar(select(Statement).where(Statement.supersedes_id == statement_id))


def current_version(statement: Statement) -> Statement:
    """The newest version of the same statement (itself when nothing superseded it)."""
    return latest(statement.person_id, statement.framework_id, statement.year) or statement


def status_of(statement: Statement) -> str:
    """revoked, superseded or current. A revoked statement stays revoked when a newer
    version replaces it."""
    if is_revoked(statement.id):
        return "revoked"
    if successor_of(statement.id) is not None:
        return "superseded"
    return "current"


def statuses(statement_ids: list[int]) -> dict[int, str]:
    """Status for many statements in two queries."""
    if not statement_ids:
        return {}
    revoked = set(
        db.session.scalars(
            select(StatementRevocation.statement_id).where(StatementRevocation.statement_id.in_(statement_ids))
        )
    )
    superseded = set(
        db.session.scalars(select(Statement.supersedes_id).where(Statement.supersedes_id.in_(statement_ids)))
    )
    return {i: "revoked" if i in revoked else "superseded" if i in superseded else "current" for i in statement_ids}


def where_status(query, status: str):
    """``query`` of statements narrowed to one status, in SQL (the rules of ``status_of``)."""
    newer = aliased(Statement)
    revoked = exists().where(StatementRevocation.statement_id == Statement.id)
    superseded = exists().where(newer.supersedes_id == Statement.id)
    return query.where(
        {"revoked": revoked, "superseded": ~revoked & superseded, "current": ~revoked & ~superseded}[status]
    )


def revoke(statement: Statement, reason: str, actor: Actor, now: datetime) -> StatementRevocation:
    if not actor.is_admin:
        raise Forbidden("Only an administrator can revoke a statement.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.field("reason", "must not be blank: say why the statement is revoked")
    if len(reason) > 2000:
        raise DomainError.field("reason", "must be at most 2000 characters")
    if is_revoked(statement.id):
        raise Conflict(f"Statement {statement.number} is already revoked.", {"statement": ["is already revoked"]})
    row = StatementRevocation(statement_id=statement.id, reason=reason, revoked_at=now, revoked_by_id=actor.person_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # revoked by someone else a moment ago
        raise Conflict(
            f"Statement {statement.number} is already revoked.", {"statement": ["is already revoked"]}
        ) from None
    return row


def visible_statements(actor: Actor):
    """A statement is its owner's and the admins'."""
    statement = select(Statement)
    if not actor.is_admin:
        statement = statement.where(Statement.person_id == actor.person_id)
    return statement


def get_statement(statement_id: int, actor: Actor) -> Statement:
    statement = db.session.get(Statement, statement_id)
    if statement is None or (statement.person_id != actor.person_id and not actor.is_admin):
        raise NotFound("No such statement.")
    return statement
