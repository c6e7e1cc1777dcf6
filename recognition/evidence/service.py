"""The evidence of a person's mentoring over a period, from the ledger and the recorded
milestones. Award nominations (``evidence_for``, frozen when nominations close) and
promotion dossiers (recognition.dossiers) both read it.

Counting rules, the same everywhere:
- a mentorship counts when it ran during the period (began on or before its end, and had
  not ended before its start);
- its work counts when the entry is a contribution, not reversed, dated in the period;
  meetings are ``rules.MEETING_KINDS``, confirmed when the counterpart confirmed them;
  contact time is the minutes of those meetings (preparing for a mentee is the mentor's
  own time, not contact);
- a mentee's milestones count when they were recorded and stand (``milestones.queries``),
  are achievements (``rules.ACHIEVEMENT_KINDS``) and came during or after the mentorship,
  up to the period's end; "became a mentor" is derived from the mentee's own first
  mentorship as a mentor, counted the same way;
- feedback counts only as released blocks (each pooled from at least k responses).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ..awards.models import Award, Cycle, Grant, GrantRevocation
from ..database import broad
from ..extensions import db
from ..feedback.models import Answer, Release, Response
from ..feedback.service import k as feedback_k
from ..ledger.models import LedgerEntry
from ..mentorships.models import Mentorship
from ..milestones import queries as milestone_queries
from ..people.profiles import profile_of
from .rules import ACHIEVEMENT_KINDS, MEETING_KINDS, describe, reached_in


@dataclass(frozen=True)
class CountedEntry:
    """A ledger entry behind a number: enough to find it and check it against the chain."""

    id: int
    seq: int
    entry_hash: str
    kind: str
    occurred_on: date
    minutes: int
    confirmed: bool


@dataclass(frozen=True)
class MenteeMilestone:
    kind: str  # a milestone kind, or "became_mentor" (derived)
    occurred_on: date
    text: str
    milestone_id: int | None = None  # None when derived


@dataclass
class MentorshipEvidence:
    mentorship: Mentorship
    entries: list[CountedEntry] = field(default_factory=list)
    milestones: list[MenteeMilestone] = field(default_factory=list)

    @property
    def meetings(self) -> int:
        return sum(1 for e in self.entries if e.kind in MEETING_KINDS)

    @property
    def confirmed(self) -> int:
        return sum(1 for e in self.entries if e.kind in MEETING_KINDS and e.confirmed)

    @property
    def minutes(self) -> int:
        """Contact time: the minutes of the meetings."""
        return sum(e.minutes for e in self.entries if e.kind in MEETING_KINDS)

    @property
    def last_meeting(self) -> date | None:
        return max((e.occurred_on for e in self.entries if e.kind in MEETING_KINDS), default=None)


def _followers():
    return aliased(LedgerEntry), aliased(LedgerEntry)


def mentorships_as_mentor(person_id: int, until: date, since: date | None = None) -> list[MentorshipEvidence]:
    """Each mentorship in which ``person_id`` mentored during [since, until] (since None:
    from the beginning), with the work counted in it and the mentee's milestones."""
    query = select(Mentorship).where(Mentorship.mentor_id == person_id, Mentorship.started_on <= until)
    if since is not None:
        query = query.where(or_(Mentorship.ended_on.is_(None), Mentorship.ended_on >= since))
    mentorships = db.session.scalars(query.order_by(Mentorship.started_on, Mentorship.id)).all()
    found = {m.id: MentorshipEvidence(m) for m in mentorships}
    if not found:
        return []
    reversal, confirmation = _followers()
    entries = (
        select(
            LedgerEntry.mentorship_id,
            LedgerEntry.id,
            LedgerEntry.seq,
            LedgerEntry.entry_hash,
            LedgerEntry.kind,
            LedgerEntry.occurred_on,
            LedgerEntry.minutes,
            confirmation.id.is_not(None),
        )
        # A reversed entry, or one the other person disputed, is no evidence (joined rows of either are left out).
        .outerjoin(
            reversal,
            and_(reversal.target_id == LedgerEntry.id, reversal.entry_type.in_(("reversal", "dispute"))),
        )
        .outerjoin(
            confirmation, and_(confirmation.target_id == LedgerEntry.id, confirmation.entry_type == "confirmation")
        )
        .where(
            LedgerEntry.mentorship_id.in_(list(found)),
            LedgerEntry.entry_type == "contribution",
            reversal.id.is_(None),
            LedgerEntry.occurred_on <= until,
        )
        .order_by(LedgerEntry.seq)
    )
    if since is not None:
        entries = entries.where(LedgerEntry.occurred_on >= since)
    for mentorship_id, entry_id, seq, entry_hash, kind, occurred_on, minutes, confirmed in db.session.execute(entries):
        found[mentorship_id].entries.append(
            CountedEntry(entry_id, seq, entry_hash, kind, occurred_on, minutes, bool(confirmed))
        )
    mentee_ids = {m.mentee_id for m in mentorships}
    recorded = milestone_queries.standing(mentee_ids, until)
    began = milestone_queries.became_mentor_on(mentee_ids)
    for item in found.values():
        m = item.mentorship
        for milestone in recorded.get(m.mentee_id, ()):
            if milestone.kind in ACHIEVEMENT_KINDS and reached_in(m.started_on, milestone.occurred_on, until):
                item.milestones.append(
                    MenteeMilestone(
                        milestone.kind,
                        milestone.occurred_on,
                        describe(
                            milestone.kind,
                            milestone.occurred_on,
                            milestone.outcome,
                            milestone.rank,
                            milestone.title,
                            milestone.agency,
                            milestone.year,
                        ),
                        milestone.id,
                    )
                )
        first = began.get(m.mentee_id)
        if first is not None and reached_in(m.started_on, first, until):
            item.milestones.append(MenteeMilestone("became_mentor", first, describe("became_mentor", first)))
        item.milestones.sort(key=lambda x: (x.occurred_on, x.kind))
    return list(found.values())


def released_feedback(person_id: int) -> dict:
    """Released feedback about ``person_id`` as a mentor: whole blocks only, each pooled
    from at least k responses; never a single answer."""
    responses, mean = db.session.execute(
        select(func.count(func.distinct(Response.id)), func.avg(Answer.value))
        .join(Answer, Answer.response_id == Response.id)
        .join(Release, Release.id == Response.release_id)
        .where(Response.mentor_id == person_id, Answer.value.is_not(None))
    ).one()
    releases = db.session.scalar(select(func.count()).select_from(Release).where(Release.mentor_id == person_id)) or 0
    return {
        "k": feedback_k(),
        "releases": releases,
        "responses": responses or 0,
        "mean": round(float(mean), 2) if responses else None,
    }


def training(person_id: int, until: date, since: date | None = None) -> tuple[list[CountedEntry], int]:
    """The person's mentor-training entries in the period (not reversed) and their minutes."""
    reversal, _ = _followers()
    query = (
        select(
            LedgerEntry.id,
            LedgerEntry.seq,
            LedgerEntry.entry_hash,
            LedgerEntry.kind,
            LedgerEntry.occurred_on,
            LedgerEntry.minutes,
        )
        .outerjoin(reversal, and_(reversal.target_id == LedgerEntry.id, reversal.entry_type == "reversal"))
        .where(
            LedgerEntry.person_id == person_id,
            broad(LedgerEntry.kind == "mentor_training"),
            LedgerEntry.entry_type == "contribution",
            reversal.id.is_(None),
            LedgerEntry.occurred_on <= until,
        )
        .order_by(LedgerEntry.seq)
    )
    if since is not None:
        query = query.where(LedgerEntry.occurred_on >= since)
    found = [
        CountedEntry(entry_id, seq, entry_hash, kind or "mentor_training", on, minutes, confirmed=False)
        for entry_id, seq, entry_hash, kind, on, minutes in db.session.execute(query)
    ]  # kind is "mentor_training": the query asks for no other
    return found, sum(e.minutes for e in found)


def awards_won(person_id: int, until: date, since: date | None = None) -> list[dict]:
    """Awards the person won in the period that were not revoked, oldest first."""
    query = (
        select(Grant.id, Grant.awarded_on, Cycle.year, Award.name, Grant.code, Grant.ledger_entry_id)
        .join(Cycle, Cycle.id == Grant.cycle_id)
        .join(Award, Award.id == Cycle.award_id)
        .outerjoin(GrantRevocation, GrantRevocation.grant_id == Grant.id)
        .where(Grant.person_id == person_id, GrantRevocation.grant_id.is_(None), Grant.awarded_on <= until)
        .order_by(Grant.awarded_on, Grant.id)
    )
    if since is not None:
        query = query.where(Grant.awarded_on >= since)
    return [
        {
            "grant_id": grant_id,
            "award": name,
            "year": year,
            "awarded_on": awarded_on.isoformat(),
            "code": code,
            "ledger_entry_id": entry_id,
        }
        for grant_id, awarded_on, year, name, code, entry_id in db.session.execute(query)
    ]


def evidence_for(person_id: int, day: date) -> dict:
    """A nominee's evidence table on ``day``: one row per mentorship as mentor, with
    meetings (and how many the mentee confirmed), contact hours and the mentee's recorded
    milestones; released feedback; mentor training; past awards; the mentoring philosophy
    of their profile."""
    rows = mentorships_as_mentor(person_id, day)
    sessions, minutes = training(person_id, day)
    awards = awards_won(person_id, day)
    table: list[dict[str, Any]] = []
    for item in rows:
        m = item.mentorship
        table.append(
            {
                "mentorship_id": m.id,
                "mentee": m.mentee.name,
                "mentee_rank": m.mentee.rank,
                "kind": m.kind,
                "started_on": m.started_on.isoformat(),
                "ended_on": m.ended_on.isoformat() if m.ended_on and m.ended_on <= day else None,
                "meetings": item.meetings,
                "confirmed_meetings": item.confirmed,
                "contact_hours": round(item.minutes / 60, 1),
                "last_meeting": item.last_meeting.isoformat() if item.last_meeting else None,
                "milestones": [milestone.text for milestone in item.milestones],
            }
        )
    first = min((item.mentorship.started_on for item in rows), default=None)
    return {
        "as_of": day.isoformat(),
        "person_id": person_id,
        "mentorships": table,
        "totals": {
            "mentees": len({item.mentorship.mentee_id for item in rows}),
            "mentoring_since": first.isoformat() if first else None,
            "meetings": sum(r["meetings"] for r in table),
            "confirmed_meetings": sum(r["confirmed_meetings"] for r in table),
            "contact_hours": round(sum(item.minutes for item in rows) / 60, 1),
            "mentee_milestones": sum(len(r["milestones"]) for r in table),
        },
        "feedback": released_feedback(person_id),
        "training": {"sessions": len(sessions), "hours": round(minutes / 60, 1)},
        "awards": [{"award": a["award"], "year": a["year"], "awarded_on": a["awarded_on"]} for a in awards],
        # The mentoring philosophy of the nominee's profile, as it stands when the table is
        # read: live until nominations close, then frozen (and hashed) with the rest.
        "philosophy": profile_of(person_id)[1],
    }


def mentee_achievements(mentor_ids: list[int], since: date, until: date) -> dict[int, int]:
    """{mentor_id: how many of their mentees' recorded achievements and first mentorships
    as mentors came during or after the mentorship and within [since, until]} — the
    suggestions' milestone count, by the same rules as the evidence table."""
    counts: dict[int, int] = defaultdict(int)
    pairs = db.session.execute(
        select(Mentorship.mentor_id, Mentorship.mentee_id, Mentorship.started_on).where(
            Mentorship.mentor_id.in_(mentor_ids), Mentorship.started_on <= until
        )
    ).all()
    mentee_ids = {mentee for _, mentee, _ in pairs}
    recorded = milestone_queries.standing(mentee_ids, until)
    began = milestone_queries.became_mentor_on(mentee_ids)
    for mentor_id, mentee_id, started_on in pairs:
        days = [m.occurred_on for m in recorded.get(mentee_id, ()) if m.kind in ACHIEVEMENT_KINDS]
        if mentee_id in began:
            days.append(began[mentee_id])
        counts[mentor_id] += sum(1 for d in days if reached_in(started_on, d, until) and d >= since)
    return dict(counts)
