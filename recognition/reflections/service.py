"""Record and read reflections on feedback received (Royal College "feedback on
teaching" steps). A reflection is a ledger entry plus private text only its author reads.

A report is reflected on, for credit, once per person: a second reflection on the same
report is refused (the first can be reversed and recorded again). A reflection on a
report is dated no earlier than the report could exist: the day its feedback was first
requested from the mentor's mentees for the period reflected on."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..auth.service import Actor
from ..clock import local_date
from ..database import lock_for_append
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..feedback.models import Release, Request
from ..ledger import service as ledger
from ..ledger.models import LedgerEntry
from . import digest
from .models import STEPS, Reflection

MAX_STEP = 4000


def text_digest(fields: dict, salt: str | None = None) -> str:
    """The ledger note for a reflection's text (``digest.commitment``)."""
    return digest.commitment(fields, salt)


def text_matches(reflection: Reflection) -> bool:
    """Whether the stored text still matches the note its ledger entry committed to."""
    fields = {key: getattr(reflection, key) for key in digest.TEXT_FIELDS}
    return digest.matches(reflection.entry.note, fields, reflection.salt)


def unbound(batch: int = 2000):
    """``(reflection id, ledger entry id, seq)`` of every reflection whose text, or whose
    link to its ledger entry, no longer matches the note that entry committed to (or
    whose person is not the entry's), in chain order, streamed. Nothing refers to a
    reflection by its own id; it refers to its entry, and the entry's note binds it."""
    columns = (
        Reflection.id,
        Reflection.salt,
        Reflection.person_id,
        *(getattr(Reflection, k) for k in digest.TEXT_FIELDS),
        LedgerEntry.id.label("entry_id"),
        LedgerEntry.seq,
        LedgerEntry.note,
        LedgerEntry.person_id.label("entry_person_id"),
    )
    result = db.session.execute(
        select(*columns)
        # The reflections lead, each finding its entry by id: ``+ 0`` keeps SQLite from
        # walking the whole ledger's index instead (in chain order, to spare the sort),
        # looking each entry's reflection up: 0.3 s against 0.02 s at 2M entries.
        .join(LedgerEntry, LedgerEntry.id == Reflection.ledger_entry_id + 0)
        .order_by(LedgerEntry.seq, Reflection.id)
        .execution_options(yield_per=batch)
    )
    with result:
        for row in result:
            fields = {key: getattr(row, key) for key in digest.TEXT_FIELDS}
            if row.person_id != row.entry_person_id or not digest.matches(row.note, fields, row.salt):
                yield row.id, row.entry_id, row.seq


def record(data: dict, actor: Actor, now: datetime) -> Reflection:
    """``data``: source ("report" with release_ids, or "external" with source_name),
    occurred_on, minutes, and the six steps (area, question, standards, comparison,
    discussion, next_steps)."""
    fields = {key: (data.get(key) or "").strip() for key in ("source_name", *STEPS)}
    problems: dict[str, list[str]] = {}
    for key in ("area", "question", "next_steps"):
        if not fields[key]:
            problems[key] = ["is required"]
    for key in STEPS:
        if len(fields[key]) > MAX_STEP:
            problems.setdefault(key, []).append(f"must be at most {MAX_STEP} characters")
    release, period = None, None
    if data.get("source") == "report":
        release = _own_release(data.get("release_id"), actor)
        covered = release.periods.split(",")
        period = data.get("period") or covered[-1]
        if period not in covered:
            problems["period"] = [f"must be a period the report covers ({', '.join(covered)})"]
        fields["source_name"] = fields["source_name"] or f"Mentee feedback report, {release.periods.replace(',', '–')}"
    elif data.get("source") == "external":
        if not fields["source_name"]:
            problems["source_name"] = [
                "is required: name the feedback you received (e.g. a 360 or teaching evaluation)"
            ]
    else:
        problems["source"] = ["must be report or external"]
    if len(fields["source_name"]) > 200:
        problems.setdefault("source_name", []).append("must be at most 200 characters")
    if release is not None and period is not None and "period" not in problems:
        floor = report_exists_from(release, period)
        if floor is not None and data["occurred_on"] < floor:
            problems["occurred_on"] = [
                f"must not be before the report existed: its feedback was first requested on {floor.isoformat()}"
            ]
    if problems:
        raise DomainError("The reflection is incomplete: " + ", ".join(sorted(problems)), problems)
    # Under the append lock, so two reflections on one report sent at once cannot both pass.
    lock_for_append(db.session, ledger.LEDGER_LOCK)
    if release is not None:
        refuse_second_reflection(release, actor)
    salt = digest.new_salt()
    entry = ledger.record(
        {
            "kind": "feedback_reflection",
            "occurred_on": data["occurred_on"],
            "minutes": data.get("minutes") or 0,
            "note": text_digest(fields, salt),
            "confirm_duplicate": data.get("confirm_duplicate", False),
        },
        actor,
        now,
        own_operation=True,
    )
    reflection = Reflection(
        ledger_entry_id=entry.id,
        person_id=actor.person_id,
        source=data["source"],
        release_id=release.id if release else None,
        period=period,
        salt=salt,
        created_at=now,
        **fields,
    )
    db.session.add(reflection)
    db.session.flush()
    return reflection


def report_exists_from(release: Release, period: str) -> date | None:
    """The first day the report could exist: its responses for ``period`` answer requests
    sent to the mentor's mentees, so it is no older than the first of those requests."""
    first = db.session.scalar(
        select(func.min(Request.created_at)).where(Request.mentor_id == release.mentor_id, Request.period == period)
    )
    return local_date(first) if first is not None else None  # the department's day, as occurred_on is


def refuse_second_reflection(release: Release, actor: Actor) -> None:
    """One credited reflection per report per person: 409 naming the first, unless it
    was reversed."""
    Reversal = aliased(LedgerEntry)
    earlier = db.session.scalar(
        select(Reflection)
        .join(LedgerEntry, LedgerEntry.id == Reflection.ledger_entry_id)
        .outerjoin(Reversal, and_(Reversal.target_id == LedgerEntry.id, Reversal.entry_type == "reversal"))
        .where(Reflection.release_id == release.id, Reflection.person_id == actor.person_id, Reversal.id.is_(None))
        .limit(1)
    )
    if earlier is not None:
        raise Conflict(
            f"You already reflected on this report (reflection {earlier.id}, ledger entry #{earlier.entry.seq}, "
            f"{earlier.entry.occurred_on.isoformat()}). A report earns Section 3 credit once; to correct that "
            "reflection, reverse its entry and record it again.",
            {"release_id": [f"already reflected on in reflection {earlier.id}: one reflection per report"]},
        )


def _own_release(release_id, actor: Actor) -> Release:
    release = db.session.get(Release, release_id) if isinstance(release_id, int) else None
    if release is None or release.mentor_id != actor.person_id:
        raise DomainError.field(
            "release_id", "must name a feedback report of yours that was shown (at least k responses)"
        )
    return release


def reflections_of(actor: Actor) -> list[Reflection]:
    return list(
        db.session.scalars(
            select(Reflection).where(Reflection.person_id == actor.person_id).order_by(Reflection.id.desc())
        )
    )


def get(reflection_id: int, actor: Actor) -> Reflection:
    """Only the author ever reads a reflection; to anyone else it does not exist."""
    reflection = db.session.get(Reflection, reflection_id)
    if reflection is None or reflection.person_id != actor.person_id:
        raise NotFound(f"No reflection {reflection_id} of yours.")
    return reflection
