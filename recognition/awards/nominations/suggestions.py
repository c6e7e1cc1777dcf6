"""Suggested nominees: the people whose last five years of mentoring (mentees, confirmed
meetings, feedback, mentees' milestones) weigh most, who have not been nominated yet, for
a manager to nominate with one click."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ...auth.service import Actor
from ...clock import add_years
from ...errors import DomainError, Forbidden
from ...evidence.rules import MEETING_KINDS
from ...evidence.service import mentee_achievements
from ...extensions import db
from ...feedback.models import Answer, Response
from ...ledger.models import LedgerEntry
from ...mentorships.models import Mentorship
from ...people.models import Person
from ..definitions import service as definitions
from ..managers import is_manager
from ..models import Cycle, Nomination
from ..rules import eligibility_problems
from .service import candidates, nominate

SUGGESTION_WEIGHTS = {"mentees": 5, "confirmed_meetings": 1, "feedback_responses": 2, "mentee_milestones": 3}


SUGGESTION_YEARS = 5  # the evidence counted: the last five years


@dataclass(frozen=True)
class Suggestion:
    person: Person
    mentees: int
    confirmed_meetings: int
    feedback_responses: int
    feedback_mean: float | None
    mentee_milestones: int
    points: int


def suggestions(cycle: Cycle, day: date, limit: int = 25) -> list[Suggestion]:
    """Eligible mentors not yet nominated, ranked by ledger evidence: points = 5 per mentee
    + 1 per confirmed meeting + 2 per released feedback response + 3 per mentee milestone;
    ties by more mentees, then name. Mentees, meetings and milestones count within the
    last SUGGESTION_YEARS years (mentorships running then; meetings held then). A mentee
    milestone is a mentee's recorded, standing milestone (``evidence.rules.ACHIEVEMENT_KINDS``:
    a CFAR passed or extended, a promotion, a grant, an external award, a leadership role;
    never an appointment, and never a date computed from one) reached on or after the
    mentorship began and inside the window, or the mentee beginning to mentor then
    (derived from the mentorships). Released feedback counts whole, because releases pool responses across
    periods and carry no single date."""
    award = cycle.award
    since = add_years(day, -SUGGESTION_YEARS)
    query = select(Person).where(Person.id.in_(select(Mentorship.mentor_id).where(Mentorship.started_on <= day)))
    if award.level == "division":
        query = query.where(Person.division_id == award.division_id)
    people = db.session.scalars(query).all()
    nominated = set(db.session.scalars(select(Nomination.nominee_id).where(Nomination.cycle_id == cycle.id)))
    rules = definitions.eligibility(award)
    found = candidates(award.id, people, day)
    eligible = [p for p in people if p.id not in nominated and not eligibility_problems(rules, found[p.id], None, day)]
    ids = [p.id for p in eligible]
    if not ids:
        return []
    mentees: dict[int, int] = defaultdict(int)
    confirmed: dict[int, int] = defaultdict(int)
    responses: dict[int, int] = defaultdict(int)
    means: dict[int, float] = {}
    milestones: dict[int, int] = defaultdict(int)
    Confirmation = aliased(LedgerEntry)
    Reversal = aliased(LedgerEntry)
    for first in range(0, len(ids), 500):
        chunk = ids[first : first + 500]
        for mentor_id, count in db.session.execute(
            select(Mentorship.mentor_id, func.count(func.distinct(Mentorship.mentee_id)))
            .where(
                Mentorship.mentor_id.in_(chunk),
                Mentorship.started_on <= day,
                (Mentorship.ended_on.is_(None)) | (Mentorship.ended_on >= since),
            )
            .group_by(Mentorship.mentor_id)
        ):
            mentees[mentor_id] = count
        for mentor_id, count in db.session.execute(
            select(Mentorship.mentor_id, func.count())
            .join(LedgerEntry, LedgerEntry.mentorship_id == Mentorship.id)
            .join(
                Confirmation, and_(Confirmation.target_id == LedgerEntry.id, Confirmation.entry_type == "confirmation")
            )
            .outerjoin(Reversal, and_(Reversal.target_id == LedgerEntry.id, Reversal.entry_type == "reversal"))
            .where(
                Mentorship.mentor_id.in_(chunk),
                LedgerEntry.entry_type == "contribution",
                LedgerEntry.kind.in_(MEETING_KINDS),
                Reversal.id.is_(None),
                LedgerEntry.occurred_on >= since,
                LedgerEntry.occurred_on <= day,
            )
            .group_by(Mentorship.mentor_id)
        ):
            confirmed[mentor_id] = count
        for mentor_id, count, mean in db.session.execute(
            select(Response.mentor_id, func.count(func.distinct(Response.id)), func.avg(Answer.value))
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.mentor_id.in_(chunk), Response.release_id.is_not(None), Answer.value.is_not(None))
            .group_by(Response.mentor_id)
        ):
            responses[mentor_id], means[mentor_id] = count, round(float(mean), 2)
        # Milestones: mentees' recorded achievements and first mentorships as mentors, by the
        # evidence table's rules (recognition.evidence), inside the window.
        for mentor_id, count in mentee_achievements(chunk, since, day).items():
            milestones[mentor_id] += count
    found_rows = []
    for person in eligible:
        pid = person.id
        points = (
            SUGGESTION_WEIGHTS["mentees"] * mentees[pid]
            + SUGGESTION_WEIGHTS["confirmed_meetings"] * confirmed[pid]
            + SUGGESTION_WEIGHTS["feedback_responses"] * responses[pid]
            + SUGGESTION_WEIGHTS["mentee_milestones"] * milestones[pid]
        )
        found_rows.append(
            Suggestion(person, mentees[pid], confirmed[pid], responses[pid], means.get(pid), milestones[pid], points)
        )
    found_rows.sort(key=lambda s: (-s.points, -s.mentees, s.person.name, s.person.id))
    return found_rows[:limit]


def nominate_suggestion(cycle: Cycle, person_id: int, actor: Actor, day: date, now: datetime) -> Nomination:
    """An admin turning a suggestion into a nomination: the statement says where it came from."""
    if not is_manager(actor, cycle):
        raise Forbidden(
            "Only an award's administrators turn suggestions into nominations.", {"person_id": ["admins only"]}
        )
    person = db.session.get(Person, person_id)
    if person is None:
        raise DomainError.field("person_id", "must name a person in the department")
    text = (
        f"Suggested from the mentorship ledger and nominated by {actor.name}, an administrator of "
        f"{cycle.award.name}. The evidence table shows the record this suggestion rests on."
    )
    return nominate(cycle, person_id, text, actor, day, now, suggested=True)
