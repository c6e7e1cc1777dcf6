"""Nominations: who may nominate whom, statements, letters, the nominee's philosophy, the
ledger evidence table (frozen when nominations close) and the suggestions.

A nomination is one nominee in one cycle; each nominator adds one statement to it (a second
statement from the same nominator is refused by the database). Letters are PDFs checked on
upload: the right size, a real PDF that opens, and not too many pages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...auth.service import Actor
from ...errors import Conflict, DomainError, Forbidden, NotFound
from ...extensions import db
from ...mentorships.models import Mentorship
from ...people.models import Person
from ..committee.recusal import is_member, recusal_map, recused
from ..cycles import phases
from ..definitions import service as definitions
from ..managers import conflicts_of, is_manager
from ..models import Cycle, Grant, GrantRevocation, Letter, Nomination, NominationStatement, Withdrawal
from ..rules import SELF_NOMINATION, Candidate, eligibility_problems
from . import notices

MAX_STATEMENT = 8000
MAX_PHILOSOPHY = 8000


# Eligibility -------------------------------------------------------------------------


def wins(award_id: int, person_ids: list[int] | None = None) -> dict[int, list[date]]:
    """The days each person won this award (revoked awards do not count)."""
    query = (
        select(Grant.person_id, Grant.awarded_on)
        .join(Cycle, Cycle.id == Grant.cycle_id)
        .outerjoin(GrantRevocation, GrantRevocation.grant_id == Grant.id)
        .where(Cycle.award_id == award_id, GrantRevocation.grant_id.is_(None))
    )
    if person_ids is not None:
        query = query.where(Grant.person_id.in_(person_ids))
    found: dict[int, list[date]] = defaultdict(list)
    for person_id, awarded_on in db.session.execute(query):
        found[person_id].append(awarded_on)
    return found


def candidates(award_id: int, people: Sequence[Person], day: date) -> dict[int, Candidate]:
    """The rules' view of each person on ``day``: mentoring since, mentees, past wins."""
    ids = [p.id for p in people]
    first: dict[int, date] = {}
    mentees: dict[int, int] = {}
    for first_id in range(0, len(ids), 500):
        chunk = ids[first_id : first_id + 500]
        rows = db.session.execute(
            select(
                Mentorship.mentor_id, func.min(Mentorship.started_on), func.count(func.distinct(Mentorship.mentee_id))
            )
            .where(Mentorship.mentor_id.in_(chunk), Mentorship.started_on <= day)
            .group_by(Mentorship.mentor_id)
        )
        for mentor_id, started, count in rows:
            first[mentor_id], mentees[mentor_id] = started, count
    won = wins(award_id, ids)
    return {
        p.id: Candidate(p.id, p.rank, p.appointed_on, first.get(p.id), mentees.get(p.id, 0), tuple(won.get(p.id, ())))
        for p in people
    }


def problems_for(cycle: Cycle, nominee: Person, nominator_id: int | None, day: date) -> list[str]:
    problems = []
    award = cycle.award
    if award.level == "division" and nominee.division_id != award.division_id:
        assert award.division is not None  # a division award names its division (a check constraint)
        problems.append(f"open only to members of {award.division.name}")
    candidate = candidates(award.id, [nominee], day)[nominee.id]
    return problems + eligibility_problems(definitions.eligibility(award), candidate, nominator_id, day)


# Who sees what -----------------------------------------------------------------------


def nominator_ids(nomination_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(NominationStatement.nominator_id).where(NominationStatement.nomination_id == nomination_id)
        )
    )


def role_in(actor: Actor, nomination: Nomination) -> set[str]:
    """The actor's relations to a nomination: manager, member, nominator, nominee. A member
    recused from it is not a member of it, and a manager with a conflict with it is not its
    manager (``managers``)."""
    roles = _relations(actor, nomination)
    if "member" in roles and recused(nomination, actor.person_id):
        roles.discard("member")
    if "manager" in roles and conflicts_of(nomination.cycle, actor.person_id, [nomination]):
        roles.discard("manager")
    return roles


def _relations(actor: Actor, nomination: Nomination, nominated: set[int] | None = None) -> set[str]:
    """``nominated``: the ids of the nominations the actor made, when the caller read them
    all at once; otherwise this nomination's nominators are read."""
    roles = set()
    if is_manager(actor, nomination.cycle):
        roles.add("manager")
    if actor.person_id is not None:
        if nomination.nominee_id == actor.person_id:
            roles.add("nominee")
        made = nomination.id in nominated if nominated is not None else actor.person_id in nominator_ids(nomination.id)
        if made:
            roles.add("nominator")
        if is_member(nomination.cycle_id, actor.person_id) and nomination.cycle.phase not in ("scheduled", "open"):
            roles.add("member")
    return roles


def get_nomination(nomination_id: int, actor: Actor) -> Nomination:
    """The nomination, if the actor may see it at all. A committee member recused from it
    gets a 404 like anyone else: they may not know what it holds."""
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None:
        raise NotFound("No nomination with that id that you may see.", {"nomination_id": ["no such nomination"]})
    if not role_in(actor, nomination):
        raise NotFound("No nomination with that id that you may see.", {"nomination_id": ["no such nomination"]})
    return nomination


def visible_nominations(actor: Actor, cycle: Cycle | None = None) -> list[Nomination]:
    """Nominations the actor may open: all for a manager (except those they have a conflict
    with), unrecused ones of their cycles for a committee member (once nominations close),
    and their own as nominator or nominee."""
    query = select(Nomination).join(Cycle, Cycle.id == Nomination.cycle_id)
    if cycle is not None:
        query = query.where(Nomination.cycle_id == cycle.id)
    found = []
    recusals: dict[int, dict] = {}
    conflicted: dict[int, dict] = {}
    nominated = set(
        db.session.scalars(
            select(NominationStatement.nomination_id).where(NominationStatement.nominator_id == actor.person_id)
        )
    )
    for nomination in db.session.scalars(query.order_by(Nomination.cycle_id.desc(), Nomination.id)).all():
        # role_in, with the actor's nominations and each cycle's recusals read once
        roles = _relations(actor, nomination, nominated)
        if "member" in roles:
            if nomination.cycle_id not in recusals:
                recusals[nomination.cycle_id] = recusal_map(nomination.cycle)
            if recusals[nomination.cycle_id].get((nomination.id, actor.person_id)):
                roles.discard("member")
        if "manager" in roles:
            if nomination.cycle_id not in conflicted:
                conflicted[nomination.cycle_id] = conflicts_of(nomination.cycle, actor.person_id)
            if conflicted[nomination.cycle_id].get(nomination.id):
                roles.discard("manager")
        if roles:
            found.append(nomination)
    return found


# Nominating --------------------------------------------------------------------------


def required_text(value, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise DomainError.field(field, "must be text")
    if required and not text:
        raise DomainError.field(field, "is required")
    if len(text) > limit:
        raise DomainError.field(field, f"must be at most {limit} characters")
    return text


def nominate(
    cycle: Cycle, nominee_id: int, statement: str, actor: Actor, day: date, now: datetime, suggested: bool = False
) -> Nomination:
    """Nominate ``nominee_id`` in ``cycle`` with a statement. A colleague already nominated
    gets this statement added to their nomination; a second statement from the same
    nominator is refused."""
    if actor.person_id is None:
        raise Forbidden("A nomination comes from a person: sign in to nominate.", {"nominator": ["must be a person"]})
    if not phases.is_nominating_open(cycle, day):
        raise Conflict(
            f"Nominations for {cycle.award.name} {cycle.year} are {_window(cycle, day)}.",
            {"cycle_id": [f"is not open for nominations (it is {cycle.phase})"]},
        )
    if suggested and not is_manager(actor, cycle):
        raise Forbidden(
            "Only an award's administrators turn suggestions into nominations.", {"suggested": ["admins only"]}
        )
    text = required_text(statement, "statement", MAX_STATEMENT)
    nominee = (
        db.session.get(Person, nominee_id) if isinstance(nominee_id, int) and not isinstance(nominee_id, bool) else None
    )
    if nominee is None:
        raise DomainError.field("nominee_id", "must name a person in the department")
    problems = problems_for(cycle, nominee, actor.person_id, day)
    if problems:
        field = "nominee_id"
        raise DomainError(
            f"{nominee.name} cannot be nominated: " + "; ".join(problems),
            {field: problems if SELF_NOMINATION not in problems else [SELF_NOMINATION]},
        )
    for attempt in (1, 2):  # a colleague nominating the same person at the same moment: join theirs
        nomination = db.session.scalar(
            select(Nomination).where(Nomination.cycle_id == cycle.id, Nomination.nominee_id == nominee.id)
        )
        if nomination is not None and actor.person_id in nominator_ids(nomination.id):
            raise Conflict(
                f"You have already nominated {nominee.name} for {cycle.award.name} {cycle.year}; "
                "edit that statement instead.",
                {"nominee_id": ["already nominated by you in this cycle"]},
            )
        try:
            with db.session.begin_nested():
                if nomination is None:
                    nomination = Nomination(
                        cycle_id=cycle.id, nominee_id=nominee.id, created_at=now, suggested=suggested
                    )
                    db.session.add(nomination)
                    db.session.flush()
                db.session.add(
                    NominationStatement(
                        nomination_id=nomination.id,
                        nominator_id=actor.person_id,
                        text=text,
                        created_at=now,
                        updated_at=now,
                    )
                )
                db.session.flush()
            break
        except IntegrityError:
            if attempt == 2:
                raise Conflict(
                    f"{nominee.name} was nominated by you or a colleague at the same moment; reload and try again.",
                    {"nominee_id": ["nominated meanwhile"]},
                ) from None
    assert nomination is not None  # the loop ends with it saved, or raises
    notices.nominated(nomination, now)
    return nomination


def _window(cycle: Cycle, day: date) -> str:
    if cycle.phase == "scheduled" or day < cycle.opens_on:
        return f"not open yet (they open on {cycle.opens_on.isoformat()})"
    return f"closed (they closed on {cycle.closes_on.isoformat()})"


def _own_statement(nomination: Nomination, actor: Actor) -> NominationStatement:
    found = db.session.scalar(
        select(NominationStatement).where(
            NominationStatement.nomination_id == nomination.id, NominationStatement.nominator_id == actor.person_id
        )
    )
    if found is None:
        raise Forbidden("Only a nominator changes their own statement.", {"statement": ["not your nomination"]})
    return found


def edit_statement(nomination: Nomination, text: str, actor: Actor, day: date, now: datetime) -> NominationStatement:
    statement = _own_statement(nomination, actor)
    require_open(nomination.cycle, day, "statement")
    statement.text = required_text(text, "statement", MAX_STATEMENT)
    statement.updated_at = now
    db.session.flush()
    return statement


def withdraw(nomination: Nomination, actor: Actor, day: date, now: datetime, reason: str | None = None) -> bool:
    """Withdraw the actor's statement while nominations are open; the nomination goes too
    when no statement is left. The withdrawal is kept (who, when, what went with it) for
    the award's managers. Returns whether the nomination was removed."""
    statement = _own_statement(nomination, actor)
    require_open(nomination.cycle, day, "statement")
    reason = required_text(reason, "reason", 2000, required=False) or None
    db.session.delete(statement)
    db.session.flush()
    removed = not nominator_ids(nomination.id)
    dropped = 0
    if removed:
        for letter in db.session.scalars(select(Letter).where(Letter.nomination_id == nomination.id)):
            db.session.delete(letter)
            dropped += 1
    db.session.add(
        Withdrawal(
            cycle_id=nomination.cycle_id,
            nomination_id=nomination.id,
            nominee_id=nomination.nominee_id,
            nominator_id=actor.person_id,
            reason=reason,
            letters_removed=dropped,
            nomination_removed=removed,
            at=now,
        )
    )
    if removed:
        db.session.delete(nomination)
    db.session.flush()
    return removed


def withdrawals(cycle_id: int) -> list[Withdrawal]:
    return list(
        db.session.scalars(
            select(Withdrawal).where(Withdrawal.cycle_id == cycle_id).order_by(Withdrawal.at, Withdrawal.id)
        )
    )


def require_open(cycle: Cycle, day: date, field: str) -> None:
    if not phases.is_nominating_open(cycle, day):
        raise Conflict(
            f"Nominations are {_window(cycle, day)}: nothing can change now.",
            {field: ["cannot change after nominations close"]},
        )


def set_philosophy(nomination: Nomination, text: str, actor: Actor, day: date, now: datetime) -> Nomination:
    """The nominee's mentoring philosophy statement, while nominations are open."""
    if nomination.nominee_id != actor.person_id:
        raise Forbidden("Only the nominee writes their mentoring philosophy.", {"philosophy": ["nominee only"]})
    require_open(nomination.cycle, day, "philosophy")
    nomination.philosophy = required_text(text, "philosophy", MAX_PHILOSOPHY)
    nomination.philosophy_at = now
    db.session.flush()
    return nomination


# Letters -----------------------------------------------------------------------------


# Evidence ----------------------------------------------------------------------------


# Suggestions -------------------------------------------------------------------------

# Points per piece of evidence; the order the suggestions come in. Documented on the page.
