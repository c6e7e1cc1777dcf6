"""Credits from the ledger, and statements: issue, supersede, revoke, look up.

The rules (``rules.py``) are pure; this module feeds them the ledger. An activity is an
unreversed contribution of the person's own work. A statement for a person, framework
and year is built in two steps so the year-end batch can render in parallel:
``prepare`` reads and renders (no writes), ``store`` writes the row in one short
transaction and refuses it if another version got there first. ``issue`` does both.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from base64 import b32encode
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import links, ratelimit
from ..auth.service import Actor
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.models import LedgerEntry
from ..ledger.rules import LABELS
from ..mentorships.models import Mentorship
from ..people.models import Person
from ..reflections.models import Reflection
from . import rules, signing
from .frameworks import Framework, load_frameworks
from .models import CreditProfile, Statement, StatementRevocation

CODE_BYTES = 15  # 120 bits, 24 base32 characters
FORMAT = 1
PERSONAL_KINDS = frozenset({"mentor_training", "mentoring_preparation", "other", "feedback_reflection"})


# Frameworks and profiles ---------------------------------------------------------------


def frameworks() -> dict[str, Framework]:
    """Every framework, the instance's overriding the package's, loaded once per app."""
    found = current_app.extensions.get("recognition.frameworks")
    if found is None:
        found = load_frameworks(current_app.instance_path)
        current_app.extensions["recognition.frameworks"] = found
    return found


def framework(framework_id: str, field: str = "framework") -> Framework:
    found = frameworks().get(framework_id)
    if found is None:
        raise DomainError.field(
            field,
            f"must be one of {', '.join(sorted(frameworks()))}",
            f"There is no credit framework {framework_id!r}.",
        )
    return found


@dataclass(frozen=True)
class Profile:
    framework_id: str
    cycle_start: date | None
    chosen: bool  # False: the department default, never set by the person


def profile_of(person_id: int) -> Profile:
    row = db.session.get(CreditProfile, person_id)
    if row is None:
        return Profile(current_app.config["CREDIT_FRAMEWORK"], None, False)
    return Profile(row.framework_id, row.cycle_start, True)


def set_profile(person_id: int, framework_id: str, cycle_start: date | None, actor: Actor, now: datetime) -> Profile:
    """A person sets their own framework and cycle start (an admin may set anyone's)."""
    if person_id != actor.person_id and not actor.is_admin:
        raise Forbidden("You can set only your own credit framework.", {"person_id": ["must be yourself"]})
    chosen = framework(framework_id, "framework_id")
    if cycle_start is not None:
        version = chosen.version_on(cycle_start)
        if version is None and any(v.cycle for v in chosen.versions):
            first = chosen.versions[0].effective_from
            raise DomainError.field(
                "cycle_start", f"must be on or after {first.isoformat()}, when {chosen.name} begins"
            )
        if version is None or version.cycle is None:
            raise DomainError.field("cycle_start", f"{chosen.name} has no cycles; leave the cycle start empty")
        first_day = rules.year_span(version, rules.year_of(version, cycle_start))[0]
        if cycle_start != first_day:
            # Cycles run on the framework's years (MOC: calendar years; Mainpro+: July-June).
            raise DomainError.field(
                "cycle_start",
                f"must be {rules.day_month(first_day)}, the first day of a {chosen.name} year",
                f"{chosen.name} cycles start on {rules.day_month(first_day)}: your cycle starting in "
                f"{cycle_start:%B %Y} began on {first_day.isoformat()}. Enter that date.",
            )
        if cycle_start > rules.add_years(now.date(), 1):
            raise DomainError.field("cycle_start", "must not be more than a year ahead")
    row = db.session.get(CreditProfile, person_id)
    if row is None:
        row = CreditProfile(person_id=person_id)
        db.session.add(row)
    row.framework_id, row.cycle_start, row.updated_at = framework_id, cycle_start, now
    db.session.flush()
    return profile_of(person_id)


# Activities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A ledger entry as the credit pages and statements show it."""

    entry_id: int
    entry_hash: str
    kind: str
    on: date
    minutes: int
    title: str
    summary: str  # the reflection's own words, for its author's MAINPORT export only


def activities_of(person_ids: list[int] | None = None) -> dict[int, list[tuple[Source, rules.Activity]]]:
    """Each person's unreversed contributions of their own work, in date order.

    ``None`` means everyone with any contribution. Three queries in all.
    """
    reversal = aliased(LedgerEntry)
    confirmation = aliased(LedgerEntry)
    statement = (
        select(
            LedgerEntry,
            Mentorship.mentee_id,
            exists().where(confirmation.target_id == LedgerEntry.id, confirmation.entry_type == "confirmation"),
        )
        .outerjoin(Mentorship, Mentorship.id == LedgerEntry.mentorship_id)
        .where(
            LedgerEntry.entry_type == "contribution",
            # A career milestone is in the ledger for its tamper-evidence, not as work: it
            # earns nothing and is not listed among the activities.
            LedgerEntry.kind != "milestone",
            ~exists().where(reversal.target_id == LedgerEntry.id, reversal.entry_type == "reversal"),
        )
        .order_by(LedgerEntry.person_id, LedgerEntry.occurred_on, LedgerEntry.seq)
    )
    if person_ids is not None:
        statement = statement.where(LedgerEntry.person_id.in_(person_ids))
    rows = db.session.execute(statement).all()
    reflection_ids = [entry.id for entry, _, _ in rows if entry.kind == "feedback_reflection"]
    reflections = (
        {
            r.ledger_entry_id: r
            for r in db.session.scalars(select(Reflection).where(Reflection.ledger_entry_id.in_(reflection_ids)))
        }
        if reflection_ids
        else {}
    )
    found: dict[int, list[tuple[Source, rules.Activity]]] = defaultdict(list)
    for entry, mentee_id, confirmed in rows:
        reflection = reflections.get(entry.id)
        activity = rules.Activity(
            ref=entry.id,
            kind=entry.kind,
            on=entry.occurred_on,
            minutes=entry.minutes,
            confirmed=bool(confirmed),
            accredited=bool(entry.accreditation),
            report_met_k=reflection is not None and reflection.source == "report",
            external_source=reflection.source_name
            if reflection is not None and reflection.source == "external"
            else None,
            mentee_id=mentee_id,
        )
        found[entry.person_id].append((_source(entry, reflection), activity))
    return found


def _source(entry: LedgerEntry, reflection: Reflection | None) -> Source:
    label = LABELS.get(entry.kind, entry.kind)
    if reflection is not None:
        about = f"feedback report ({reflection.period})" if reflection.source == "report" else reflection.source_name
        title = f"Reflection on feedback received: {about}"
        summary = f"{reflection.area.strip()} Next steps: {reflection.next_steps.strip()}"
    elif entry.kind in PERSONAL_KINDS and entry.mentorship_id is None:
        detail = entry.accreditation or _clip(entry.note, 120)
        title = f"{label}: {detail}" if detail else label
        summary = ""
    else:  # work with or for a mentee: no names or notes on a certificate
        title = f"{label} with a mentee" if entry.kind not in PERSONAL_KINDS else f"{label} (for a mentee)"
        summary = ""
    return Source(entry.id, entry.entry_hash, entry.kind, entry.occurred_on, entry.minutes, title, summary)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


@dataclass(frozen=True)
class Credited:
    source: Source
    credit: rules.Credit


def credits_for(
    framework_: Framework, sourced: list[tuple[Source, rules.Activity]], cycle_start: date | None
) -> list[Credited]:
    computed = rules.compute_credits(framework_, [activity for _, activity in sourced], cycle_start)
    return [Credited(source, credit) for (source, _), credit in zip(sourced, computed)]


# Summaries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    person_id: int
    framework: Framework
    profile: Profile
    credited: list[Credited]
    years: list[dict]  # newest first: {year, label, total, sections: [(label, credits)]}
    progress: rules.Progress | None
    cycle_note: str  # why there is no progress, when there is none


def summary(person_id: int, today: date, framework_id: str | None = None) -> Summary:
    """A person's credits under one framework (theirs by default), by year and section,
    and their current cycle's progress with plain-language warnings."""
    profile = profile_of(person_id)
    chosen = framework(framework_id or profile.framework_id)
    cycle_start = profile.cycle_start if chosen.id == profile.framework_id else None
    credited = credits_for(chosen, activities_of([person_id]).get(person_id, []), cycle_start)
    sums = rules.totals([c.credit for c in credited])
    years = []
    for year in sorted(sums.by_year, reverse=True):
        version = _version_for_year(chosen, year)
        sections = [
            (label, sums.by_year_section.get((year, key), rules.ZERO)) for key, label in version.sections.items()
        ]
        years.append(
            {"year": year, "label": rules.year_label(version, year), "total": sums.by_year[year], "sections": sections}
        )
    progress, note = None, ""
    current = chosen.version_on(today)
    if current is None or current.cycle is None:
        note = f"{chosen.name} has no multi-year cycle: each year stands alone."
    else:
        # The same series of cycles the caps were counted in (rules.cycle_anchor).
        anchor = cycle_start or rules.cycle_anchor(chosen, [c.credit.activity for c in credited])
        start = rules.cycle_holding(chosen, anchor, today)
        progress = rules.cycle_progress(chosen, [c.credit for c in credited], start, today)
        saved = chosen.version_on(cycle_start) if cycle_start else None
        if saved is not None and cycle_start != rules.year_span(saved, rules.year_of(saved, cycle_start))[0]:
            # Saved before cycle starts were checked: counted as saved, and said so.
            first_day = rules.year_span(saved, rules.year_of(saved, cycle_start))[0]
            note = (
                f"Your cycle start {cycle_start.isoformat()} is not {rules.day_month(first_day)}, the first day of "
                f"a {chosen.name} year: your cycle most likely began on {first_day.isoformat()}. "
                "Set it again below."
            )
        if cycle_start is None:
            since = "your earliest credited activity" if anchor else "this year, as nothing is credited yet"
            note = (
                f"Your cycle start is not set, so this assumes cycles counted from {since}: the current one "
                f"starts {start.isoformat()}, and per-cycle limits count from the same date. "
                "Set it below to match your MAINPORT record."
            )
    return Summary(person_id, chosen, profile, credited, years, progress, note)


def _version_for_year(framework_: Framework, year: int):
    """The version in force when ``year`` begins (the oldest one for years before it)."""
    for version in reversed(framework_.versions):
        if version.effective_from <= rules.year_span(version, year)[0]:
            return version
    return framework_.versions[0]


def period_of(framework_: Framework, year: int) -> tuple[date, date, str]:
    version = _version_for_year(framework_, year)
    start, end = rules.year_span(version, year)
    return start, end, rules.year_label(version, year)


# Statements: building -------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_code() -> str:
    return b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def number_prefix(framework_id: str) -> str:
    """The framework's initials (RCM for royal_college_moc), or, when another framework
    has the same initials, its id in capitals: numbers never collide across frameworks."""

    def initials(name: str) -> str:
        return "".join(part[0] for part in name.split("_") if part).upper()

    mine = initials(framework_id)
    if any(initials(other) == mine for other in frameworks() if other != framework_id):
        return framework_id.upper().replace("_", "")[:20]
    return mine


def number_for(framework_id: str, year: int, person_id: int, version: int) -> str:
    return f"{number_prefix(framework_id)}-{year}-{person_id:05d}-{version}"


def verify_url(code: str) -> str:
    return links.url(f"/verify/{code}")


def basis(person: Person, framework_: Framework, year: int, credited: list[Credited]) -> dict:
    """What a statement counts: the credited activities of ``year`` and their totals."""
    start, end, label = period_of(framework_, year)
    version = _version_for_year(framework_, year)
    counted = [c for c in credited if c.credit.year == year and c.credit.credits > 0]
    by_section = defaultdict(Decimal)
    for c in counted:
        by_section[c.credit.section] += c.credit.credits
    return {
        "person": {"id": person.id, "name": person.name},
        "framework": {
            "id": framework_.id,
            "name": framework_.name,
            "unit": framework_.unit,
            "version": version.effective_from.isoformat(),
        },
        "period": {"year": year, "label": label, "start": start.isoformat(), "end": end.isoformat()},
        "sections": [
            {"id": key, "label": name, "credits": _money(by_section.get(key, rules.ZERO))}
            for key, name in version.sections.items()
        ],
        "total": _money(sum(by_section.values(), rules.ZERO)),
        "activities": [
            {
                "entry_id": c.source.entry_id,
                "entry_hash": c.source.entry_hash,
                "date": c.source.on.isoformat(),
                "kind": c.source.kind,
                "title": c.source.title,
                "minutes": c.source.minutes,
                "hours": _money(Decimal(c.source.minutes) / 60),
                "section": c.credit.section,
                "credits": _money(c.credit.credits),
                "note": c.credit.reason,
            }
            for c in counted
        ],
    }


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
    return db.session.scalar(
        select(Statement)
        .where(Statement.person_id == person_id, Statement.framework_id == framework_id, Statement.year == year)
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
    from .certificate import render  # reportlab is imported only when a PDF is made

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
    same statement was stored since it was prepared. One flush: all or nothing."""
    previous = latest(prepared.person_id, prepared.framework_id, prepared.year)
    if (previous.id if previous else None) != prepared.supersedes_id:
        raise Conflict(
            "Another version of this statement was issued meanwhile; try again.", {"year": ["was issued meanwhile"]}
        )
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
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict(
            "Another version of this statement was issued meanwhile; try again.", {"year": ["was issued meanwhile"]}
        ) from None
    return row


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


PDF_MAGIC = b"%PDF-"


def count_verification(remote_addr: str | None, now: datetime, field: str = "code") -> None:
    """One more verification request from this address (page or API); 429 beyond the
    configured limit. The caller commits, so failed lookups count too."""
    config = current_app.config
    ratelimit.hit(
        "verify",
        remote_addr or "unknown",
        config["VERIFY_RATE_LIMIT"],
        config["VERIFY_RATE_WINDOW_SECONDS"],
        now,
        field=field,
    )


def same_pdf(data: bytes, pdf_sha256: str) -> bool | None:
    """Whether ``data`` is byte for byte the issued PDF; None when it is not a PDF at all."""
    if not data.startswith(PDF_MAGIC):
        return None
    return hashlib.sha256(data).hexdigest() == pdf_sha256


def find_by_code(code: str) -> Statement | None:
    code = normalise_code(code)
    if not code or len(code) > 40:
        return None
    return db.session.scalar(select(Statement).where(Statement.code == code))


def signed_json(statement: Statement) -> dict:
    """The statement as issued, with what checks it offline."""
    return {
        "document": json.loads(statement.document),
        "content_hash": statement.content_hash,
        "signature": statement.signature,
        "algorithm": signing.ALGORITHM,
        "key_id": statement.key_id,
    }


def unsigned(payload: dict) -> str | None:
    """Why ``payload`` is not shaped as a signed statement at all, or None."""
    try:
        canonical(payload["document"])
        signature = payload["signature"]
    except (KeyError, TypeError, ValueError):
        return "not a signed statement: it needs document and signature"
    if not isinstance(signature, str):
        return "not a signed statement: the signature must be a string"
    return None


def check_signed(payload: dict, public) -> tuple[bool, str]:
    """Whether a signed statement (as from ``signed_json``) is intact and signed by
    ``public``. Works offline: nothing here reads the database."""
    problem = unsigned(payload)
    if problem:
        return False, problem
    content, signature = canonical(payload["document"]), payload["signature"]
    if sha256(content) != payload.get("content_hash"):
        return False, "the document does not match its content hash (it was changed)"
    if not signing.verify(public, content, signature):
        return False, "the signature does not match this key (changed, or signed by another key)"
    return True, "genuine: the document is intact and signed by this key"


def verification(code: str) -> dict | None:
    """What the public verification page says for ``code``: the minimum facts."""
    statement = find_by_code(code)
    if statement is None:
        return None
    revocation = revocation_of(statement.id)
    newest = current_version(statement)
    replaced = newest.id != statement.id
    state = "revoked" if revocation else "superseded" if replaced else "current"
    document = json.loads(statement.document)
    return {
        "genuine": True,
        "status": state,
        "kind": "credit_statement",
        "number": statement.number,
        "name": document["person"]["name"],
        "framework": document["framework"]["name"],
        "period": document["period"]["label"],
        "credits": document["total"],
        "unit": document["framework"]["unit"],
        "sections": [s for s in document["sections"] if Decimal(s["credits"]) > 0],
        "issued_on": statement.issued_at.date(),
        "revoked_on": revocation.revoked_at.date() if revocation else None,
        "current_number": newest.number if replaced else None,
        "current_code": newest.code if replaced and not is_revoked(newest.id) else None,
        "content_hash": statement.content_hash,
        "pdf_sha256": statement.pdf_sha256,
        "key_id": statement.key_id,
    }


# The year-end batch ---------------------------------------------------------------------------


def eligible(year: int, framework_id: str | None = None) -> list[tuple[int, str]]:
    """(person, framework) pairs with credits in ``year`` and no statement yet: each
    person's own framework, or ``framework_id`` for everyone."""
    everyone = activities_of(None)
    profiles = {row.person_id: row for row in db.session.scalars(select(CreditProfile))}
    default = current_app.config["CREDIT_FRAMEWORK"]
    issued = set(
        db.session.execute(
            select(Statement.person_id, Statement.framework_id).where(Statement.year == year).distinct()
        ).all()
    )
    pairs = []
    for person_id, sourced in everyone.items():
        profile = profiles.get(person_id)
        own = profile.framework_id if profile and profile.framework_id in frameworks() else default
        chosen = framework(framework_id or own)
        if (person_id, chosen.id) in issued:
            continue
        cycle_start = profile.cycle_start if profile and profile.framework_id == chosen.id else None
        credited = credits_for(chosen, sourced, cycle_start)
        if any(c.credit.year == year and c.credit.credits > 0 for c in credited):
            pairs.append((person_id, chosen.id))
    return sorted(pairs)
