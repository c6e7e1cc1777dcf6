"""Record, confirm, withdraw and correct milestones; who may see and do what.

Every milestone first appends a ledger entry of kind ``milestone`` (0 minutes, dated
the milestone's day, the note its fingerprint), so the chain covers it. What happens to
it later is ledger entries on that entry: a confirmation, or a reversal with a reason.
A correction is a reversal plus a new milestone naming the one it replaces.

Who: administrators for anyone; a division director for people in their division; the
person themself only reports their own (pending until someone else confirms it) and may
withdraw or correct a report of theirs while it is pending. Committee members of an open
case about the person, who are not recused, read the standing ones. Nobody else sees them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import aliased

from ..auth.service import Actor
from ..cases import access
from ..cases.models import Case, CaseMember
from ..clock import local_date
from ..database import lock_for_append
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.models import LedgerEntry
from ..people.forms import RANK_LABELS
from ..people.models import RANKS, Person
from . import rules
from .models import Milestone, Status

LEDGER_KIND = "milestone"
NOT_YOURS = "must be someone in a division you direct (or yourself, as a self-report)"


# Who ---------------------------------------------------------------------------------


def manages(actor: Actor, person: Person) -> bool:
    """Records, confirms, withdraws and corrects this person's milestones."""
    return actor.is_admin or actor.directs(person.division_id)


def may_see(actor: Actor, person: Person) -> bool:
    """Sees every milestone of this person, with its history."""
    return actor.person_id == person.id or manages(actor, person)


def sits_on_case(actor: Actor, person: Person) -> bool:
    """Sees this person's standing milestones as a member of an open case about them."""
    return access.committee_case(actor.person_id, person.id) is not None


def _person(person_id, field: str = "person_id") -> Person:
    person = db.session.get(Person, person_id) if isinstance(person_id, int) else None
    if person is None:
        raise DomainError.field(field, "must name an existing person")
    return person


# Recording -----------------------------------------------------------------------------


def record(data: dict, actor: Actor, now: datetime, source: str = "entered") -> Milestone:
    """An administrator's or director's record of someone's milestone (``entered``, or
    ``imported`` from a roster file): it stands at once. About yourself, report it
    (``self_report``)."""
    person = _person(data.get("person_id"))
    if person.id == actor.person_id:
        raise Forbidden(
            "Your own milestones are self-reports: someone else confirms them.",
            {"person_id": ["must not be yourself: report your own milestone as a self-report"]},
        )
    if not manages(actor, person):
        raise Forbidden(
            "Only an administrator, or the director of their division, records someone's milestones.",
            {"person_id": [NOT_YOURS]},
        )
    return _store(person, _checked(data, now), source, actor, now)


def self_report(data: dict, actor: Actor, now: datetime) -> Milestone:
    """The person's own report: pending until an administrator or their director confirms it."""
    if actor.person_id is None:
        raise Forbidden("Only a person reports their own milestones.")
    person = _person(actor.person_id)
    if data.get("person_id") not in (None, person.id):
        raise Forbidden("You report only your own milestones.", {"person_id": ["must be yourself"]})
    return _store(person, _checked(data, now), "self_reported", actor, now)


def _checked(data: dict, now: datetime) -> dict:
    fields = rules.cleaned(data)
    found = rules.problems(fields, local_date(now), RANKS)
    if found:
        raise DomainError("The milestone breaks a rule: " + "; ".join(f"{k} {v[0]}" for k, v in found.items()), found)
    return rules.completed(fields, local_date(now))


def _store(
    person: Person, fields: dict, source: str, actor: Actor, now: datetime, corrects: Milestone | None = None
) -> Milestone:
    lock_for_append(db.session, ledger.LEDGER_LOCK)  # so two identical requests cannot both pass the check
    _refuse_duplicate(person, fields)
    values = {
        **fields,
        "person_id": person.id,
        "source": source,
        "recorded_by_id": actor.person_id,
        "corrects_id": corrects.id if corrects else None,
    }
    # The ledger needs a person behind every entry: the command line's is the person's own.
    entry = ledger.append(
        LedgerEntry(
            entry_type="contribution",
            kind=LEDGER_KIND,
            person_id=person.id,
            occurred_on=values["occurred_on"],
            minutes=0,
            note=rules.fingerprint(values),
            recorded_by_id=actor.person_id or person.id,
        ),
        now,
    )
    milestone = Milestone(**values, ledger_entry_id=entry.id, recorded_at=now)
    db.session.add(milestone)
    db.session.flush()
    return milestone


def _refuse_duplicate(person: Person, fields: dict) -> None:
    """409 when the person already has this milestone (same kind, day, rank, outcome and
    title) and it was not withdrawn: recorded twice, it would count twice as evidence."""
    same = db.session.scalars(
        select(Milestone).where(
            Milestone.person_id == person.id,
            Milestone.kind == fields["kind"],
            Milestone.occurred_on == fields["occurred_on"],
            ~_REVERSED,
        )
    ).all()
    for other in same:
        if (other.rank, other.outcome, (other.title or "").casefold()) == (
            fields.get("rank"),
            fields.get("outcome"),
            (fields.get("title") or "").casefold(),
        ):
            what = rules.describe(
                other.kind,
                {
                    "rank": other.rank,
                    "outcome": other.outcome,
                    "title": other.title,
                    "agency": other.agency,
                    "role": other.role,
                },
                RANK_LABELS,
            )
            raise Conflict(
                f"{person.name} already has this milestone: {what} on {other.occurred_on.isoformat()} "
                f"(milestone {other.id}). Correct that one instead of recording it again.",
                {"kind": [f"duplicates milestone {other.id} ({what}, {other.occurred_on.isoformat()})"]},
            )


# What happens to one later -----------------------------------------------------------------


def confirm(milestone: Milestone, actor: Actor, now: datetime) -> LedgerEntry:
    """An administrator or the person's director vouches for a self-report."""
    if actor.person_id == milestone.person_id:
        raise Forbidden(
            "Someone else confirms your own milestones: an administrator or your division director.",
            {"milestone": ["may not be confirmed by the person it is about"]},
        )
    if not manages(actor, milestone.person) or actor.person_id is None:
        raise Forbidden(
            "Only an administrator, or the director of their division, confirms someone's milestones.",
            {"milestone": ["may be confirmed only by an administrator or the person's division director"]},
        )
    if milestone.source != "self_reported":
        raise Conflict(
            "Only a self-reported milestone needs confirming; this one was recorded by an administrator "
            "or director and stands already.",
            {"milestone": ["is not a self-report"]},
        )
    lock_for_append(db.session, ledger.LEDGER_LOCK)
    _refuse_if_reversed(milestone)
    if ledger.confirmation_of(milestone.ledger_entry_id) is not None:
        raise Conflict("This milestone is already confirmed.", {"milestone": ["already confirmed"]})
    return ledger.append(
        LedgerEntry(
            entry_type="confirmation",
            person_id=milestone.person_id,
            occurred_on=milestone.occurred_on,
            minutes=0,
            note="",
            recorded_by_id=actor.person_id,
            target_id=milestone.ledger_entry_id,
        ),
        now,
    )


def withdraw(milestone: Milestone, reason: str, actor: Actor, now: datetime) -> LedgerEntry:
    """Take a milestone back, with the reason: a reversal of its ledger entry."""
    _refuse_reason(reason)
    _may_change(milestone, actor, "withdraw")
    return _reverse(milestone, reason.strip(), actor, now)


def correct(milestone: Milestone, data: dict, reason: str, actor: Actor, now: datetime) -> Milestone:
    """Replace a milestone: its entry is reversed with the reason and a new milestone names
    it (``corrects_id``). Fields not given keep their values; the person stays the same
    (a milestone recorded for the wrong person is withdrawn and recorded again)."""
    _refuse_reason(reason)
    _may_change(milestone, actor, "correct")
    if data.get("person_id") not in (None, milestone.person_id):
        raise DomainError.field(
            "person_id", "must stay the same: withdraw the milestone and record it for the right person"
        )
    merged = {name: getattr(milestone, name) for name in ("kind", "occurred_on", "note", *rules.OPTIONAL_FIELDS)}
    merged.update({key: value for key, value in data.items() if key in merged})
    if milestone.kind == "grant" and "year" in data and "occurred_on" not in data:
        merged["occurred_on"] = None  # a new year re-dates a grant known by its year
    fields = _checked(merged, now)
    source = (
        "entered" if manages(actor, milestone.person) and actor.person_id != milestone.person_id else "self_reported"
    )
    _reverse(milestone, reason.strip(), actor, now)
    return _store(milestone.person, fields, source, actor, now, corrects=milestone)


def may_confirm(milestone: Milestone, actor: Actor) -> bool:
    """Whether a page offers ``actor`` the confirm button (``annotate`` first)."""
    return (
        milestone.status.state == "pending"
        and actor.person_id not in (None, milestone.person_id)
        and manages(actor, milestone.person)
    )


def may_change(milestone: Milestone, actor: Actor) -> bool:
    """Whether a page offers ``actor`` to withdraw or correct it (``annotate`` first)."""
    if milestone.status.state not in ("standing", "pending"):
        return False
    if manages(actor, milestone.person) and actor.person_id != milestone.person_id:
        return True
    return actor.person_id == milestone.person_id and milestone.status.state == "pending"


def _may_change(milestone: Milestone, actor: Actor, verb: str) -> None:
    if manages(actor, milestone.person) and actor.person_id != milestone.person_id:
        return
    own_pending = (
        actor.person_id == milestone.person_id
        and milestone.source == "self_reported"
        and ledger.confirmation_of(milestone.ledger_entry_id) is None
    )
    if actor.person_id == milestone.person_id and actor.is_admin and not own_pending:
        raise Forbidden(
            f"Another administrator or your director must {verb} your own recorded milestones.",
            {"milestone": [f"may not be {verb}ed by the person it is about once it stands"]},
        )
    if not own_pending:
        raise Forbidden(
            f"Only an administrator or the person's division director can {verb} this milestone "
            "(the person can, for a self-report not yet confirmed).",
            {"milestone": [f"may be {verb}ed only by an administrator or the person's division director"]},
        )


def _refuse_reason(reason: str | None) -> None:
    found = rules.reason_problems(reason)
    if found:
        raise DomainError("Say why: " + found["reason"][0], found)


def _refuse_if_reversed(milestone: Milestone) -> None:
    if ledger.reversal_of(milestone.ledger_entry_id) is not None:
        successor = db.session.scalar(select(Milestone.id).where(Milestone.corrects_id == milestone.id))
        what = f"corrected by milestone {successor}" if successor else "withdrawn"
        raise Conflict(f"This milestone was {what}; nothing more can be done to it.", {"milestone": [what]})


def _reverse(milestone: Milestone, reason: str, actor: Actor, now: datetime) -> LedgerEntry:
    lock_for_append(db.session, ledger.LEDGER_LOCK)
    _refuse_if_reversed(milestone)
    return ledger.append(
        LedgerEntry(
            entry_type="reversal",
            person_id=milestone.person_id,
            occurred_on=milestone.occurred_on,
            minutes=0,
            note="",
            recorded_by_id=actor.person_id or milestone.person_id,
            target_id=milestone.ledger_entry_id,
            reason=reason,
        ),
        now,
    )


# Reading -----------------------------------------------------------------------------------


def annotate(milestones: list[Milestone]) -> list[Milestone]:
    """Attach ``status`` (a ``Status``) to each, in two queries."""
    followers = ledger.followers([m.ledger_entry_id for m in milestones])
    ids = [m.id for m in milestones]
    successors = (
        {m.corrects_id: m for m in db.session.scalars(select(Milestone).where(Milestone.corrects_id.in_(ids)))}
        if ids
        else {}
    )
    for milestone in milestones:
        mine = followers.get(milestone.ledger_entry_id, {})
        successor = successors.get(milestone.id)
        state = rules.status_of(
            source=milestone.source,
            reversed_=("reversal" in mine),
            confirmed=("confirmation" in mine),
            corrected=successor is not None,
        )
        milestone.status = Status(state, mine.get("confirmation"), mine.get("reversal"), successor)
    return milestones


_reversal = aliased(LedgerEntry)
_confirmation = aliased(LedgerEntry)
_successor = aliased(Milestone)
_REVERSED = exists().where(_reversal.target_id == Milestone.ledger_entry_id, _reversal.entry_type == "reversal")
_CONFIRMED = exists().where(
    _confirmation.target_id == Milestone.ledger_entry_id, _confirmation.entry_type == "confirmation"
)
_CORRECTED = exists().where(_successor.corrects_id == Milestone.id)
WHERE_STATUS = {
    "standing": and_(~_REVERSED, or_(Milestone.source != "self_reported", _CONFIRMED)),
    "pending": and_(~_REVERSED, Milestone.source == "self_reported", ~_CONFIRMED),
    "withdrawn": and_(_REVERSED, ~_CORRECTED),
    "corrected": _CORRECTED,
}


def committee_candidates(actor: Actor) -> list[int]:
    """The people whose standing milestones ``actor`` reads as a member (not recused) of an
    open case about them."""
    if actor.person_id is None:
        return []
    candidates = db.session.scalars(
        select(Case.candidate_id)
        .join(CaseMember, CaseMember.case_id == Case.id)
        .where(Case.closed_at.is_(None), CaseMember.person_id == actor.person_id, CaseMember.removed_at.is_(None))
        .distinct()
    ).all()
    return [c for c in candidates if access.committee_case(actor.person_id, c) is not None]


def visible(actor: Actor):
    """The milestones ``actor`` may read, as a query."""
    statement = select(Milestone).join(Person, Person.id == Milestone.person_id)
    if actor.is_admin:
        return statement
    committee = committee_candidates(actor)
    return statement.where(
        or_(
            Milestone.person_id == actor.person_id,
            Person.division_id.in_(actor.directed_division_ids) if actor.directed_division_ids else false(),
            and_(Milestone.person_id.in_(committee), WHERE_STATUS["standing"]) if committee else false(),
        )
    )


# The order of every list of milestones, the last key unique (a list pages by it: ``keyset``).
NEWEST_FIRST = (Milestone.occurred_on.desc(), Milestone.id.desc())


def filtered(statement, args: dict):
    if args.get("person_id") is not None:
        statement = statement.where(Milestone.person_id == args["person_id"])
    if args.get("kind"):
        statement = statement.where(Milestone.kind == args["kind"])
    if args.get("status"):
        statement = statement.where(WHERE_STATUS[args["status"]])
    return statement.order_by(*NEWEST_FIRST)


def get(milestone_id: int, actor: Actor) -> Milestone:
    milestone = db.session.scalar(visible(actor).where(Milestone.id == milestone_id))
    if milestone is None:
        raise NotFound(f"No milestone {milestone_id} that you can see.", {"milestone_id": ["no such milestone"]})
    return annotate([milestone])[0]


def person_for(person_id: int, actor: Actor) -> tuple[Person, bool]:
    """The person whose milestones ``actor`` asks for, and whether ``actor`` sees all of
    them (else only the standing ones, as a committee member). 404 for anyone else."""
    person = db.session.get(Person, person_id)
    if person is not None and may_see(actor, person):
        return person, True
    if person is not None and sits_on_case(actor, person):
        return person, False
    raise NotFound(f"No person {person_id} whose milestones you can see.", {"person_id": ["no such person"]})


def for_person(person_id: int, actor: Actor) -> list[Milestone]:
    """Every milestone of the person the actor may read, newest first, with its status."""
    person, everything = person_for(person_id, actor)
    statement = select(Milestone).where(Milestone.person_id == person.id)
    if not everything:
        statement = statement.where(WHERE_STATUS["standing"])
    return annotate(list(db.session.scalars(statement.order_by(Milestone.occurred_on.desc(), Milestone.id.desc()))))


def pending(actor: Actor) -> list[Milestone]:
    """Self-reports awaiting this administrator's or director's confirmation (not their own)."""
    if not actor.is_admin and not actor.directed_division_ids:
        return []
    statement = (
        select(Milestone)
        .join(Person, Person.id == Milestone.person_id)
        .where(WHERE_STATUS["pending"])
        .order_by(Milestone.recorded_at, Milestone.id)
    )
    if actor.person_id is not None:
        statement = statement.where(Milestone.person_id != actor.person_id)
    if not actor.is_admin:
        statement = statement.where(Person.division_id.in_(actor.directed_division_ids))
    return annotate(list(db.session.scalars(statement)))


def history(milestone: Milestone) -> list[Milestone]:
    """The chain of corrections a milestone belongs to, oldest first, each annotated."""
    first = milestone
    while first.corrects is not None:
        first = first.corrects
    chain = [first]
    while True:
        following = db.session.scalar(select(Milestone).where(Milestone.corrects_id == chain[-1].id))
        if following is None:
            break
        chain.append(following)
    return annotate(chain)
