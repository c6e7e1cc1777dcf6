"""Awards, their yearly cycles, nominations, the committee's work and what winners receive.

What must never change once written is append-only (triggers refuse UPDATE and DELETE):
phase transitions, date changes, recusals, score revisions, decisions and their winners,
grants and their revocations. A cycle's ``phase`` and dates are the current state; the
transitions and date changes are the record of how they came to be. A transition is
unique per cycle and phase, so no phase can be entered twice, whoever tries.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..people.models import Division, Person

LEVELS = ("department", "division")
# The order a cycle moves through; "scheduled" is a cycle created before it opens.
PHASES = ("scheduled", "open", "closed", "review", "decided", "announced")
TRANSITION_SOURCES = ("schedule", "admin")
RECUSAL_SOURCES = ("detected", "declared")
AWARD_TABLES = (
    "cycle_transitions",
    "cycle_date_changes",
    "recusals",
    "score_revisions",
    "decisions",
    "decision_winners",
    "award_grants",
    "award_revocations",
)
# Kept apart from AWARD_TABLES (a cycle's record of how it was run): also append-only.
WITHDRAWAL_TABLES = ("nomination_withdrawals",)


class Award(Model):
    """An award and its rules. ``eligibility`` and ``rubric`` are JSON (see ``rules``), and
    the schedule is five month-days ("MM-DD") each year's cycle takes its dates from."""

    __tablename__ = "awards"
    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS!r}", name="level_known"),
        CheckConstraint("(level = 'division') = (division_id IS NOT NULL)", name="division_award_names_division"),
        CheckConstraint("winners >= 1", name="at_least_one_winner"),
        CheckConstraint("min_reviews >= 1", name="min_reviews_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(20))
    division_id: Mapped[int | None] = mapped_column(ForeignKey("divisions.id"))
    eligibility: Mapped[str] = mapped_column(Text)
    rubric: Mapped[str] = mapped_column(Text)
    winners: Mapped[int] = mapped_column(default=1)
    # Reviews a nominee needs before the ranking gives them a place (fewer: "not yet ranked").
    min_reviews: Mapped[int] = mapped_column(default=1, server_default="1")
    opens: Mapped[str] = mapped_column(String(5))
    closes: Mapped[str] = mapped_column(String(5))
    review_ends: Mapped[str] = mapped_column(String(5))
    decision: Mapped[str] = mapped_column(String(5))
    announcement: Mapped[str] = mapped_column(String(5))
    # Same-division membership counts as a conflict of interest for this award's committee.
    division_conflicts: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    division: Mapped[Division | None] = relationship(lazy="joined")


class Cycle(Model):
    __tablename__ = "award_cycles"
    __table_args__ = (
        UniqueConstraint("award_id", "year", name="uq_award_cycles_one_a_year"),
        CheckConstraint(f"phase IN {PHASES!r}", name="phase_known"),
        CheckConstraint(
            "opens_on <= closes_on AND closes_on < review_ends_on AND review_ends_on <= decision_on "
            "AND decision_on <= announce_on",
            name="dates_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"), index=True)
    year: Mapped[int]
    phase: Mapped[str] = mapped_column(String(20), default="scheduled")
    opens_on: Mapped[date]  # nominations are taken from this day
    closes_on: Mapped[date]  # ... through this day
    review_ends_on: Mapped[date]  # the last day scores can change
    decision_on: Mapped[date]
    announce_on: Mapped[date]
    # The award's rubric (JSON) this cycle is scored on: copied when the cycle is made and
    # followed until its review starts, then fixed, so a later change to the award never
    # re-scores a cycle already reviewed.
    rubric: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    award: Mapped[Award] = relationship(lazy="joined")


class CycleTransition(Model):
    """A cycle entering a phase: once per phase, by the schedule or by an admin with a reason."""

    __tablename__ = "cycle_transitions"
    __table_args__ = (
        UniqueConstraint("cycle_id", "phase", name="uq_cycle_transitions_once"),
        CheckConstraint(f"source IN {TRANSITION_SOURCES!r}", name="source_known"),
        CheckConstraint("source = 'schedule' OR length(trim(reason)) > 0", name="admin_gives_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"), index=True)
    from_phase: Mapped[str] = mapped_column(String(20))
    phase: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date]
    at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(20))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    by: Mapped[Person | None] = relationship(lazy="joined")


class CycleDateChange(Model):
    """An admin moving one of a cycle's dates (extending a phase), with a reason."""

    __tablename__ = "cycle_date_changes"
    __table_args__ = (CheckConstraint("length(trim(reason)) > 0", name="date_change_has_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"), index=True)
    field: Mapped[str] = mapped_column(String(20))
    old: Mapped[date]
    new: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    by: Mapped[Person | None] = relationship(lazy="joined")


class Nomination(Model):
    """One nominee in one cycle. Every nominator adds a ``NominationStatement`` to it, so
    the committee scores each nominee once however many colleagues nominated them.
    ``evidence`` is the ledger table, live until nominations close and then frozen here
    (canonical JSON and its SHA-256)."""

    __tablename__ = "nominations"
    __table_args__ = (UniqueConstraint("cycle_id", "nominee_id", name="uq_nominations_one_per_nominee"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"), index=True)
    nominee_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime]
    # From the suggestions, turned into a nomination by an admin.
    suggested: Mapped[bool] = mapped_column(default=False)
    philosophy: Mapped[str | None] = mapped_column(Text)
    philosophy_at: Mapped[datetime | None]
    evidence: Mapped[str | None] = mapped_column(Text, deferred=True)
    evidence_hash: Mapped[str | None] = mapped_column(String(64))
    evidence_frozen_at: Mapped[datetime | None]

    cycle: Mapped[Cycle] = relationship(lazy="joined")
    nominee: Mapped[Person] = relationship(lazy="joined")
    statements: Mapped[list[NominationStatement]] = relationship(
        order_by="NominationStatement.id", back_populates="nomination"
    )


class NominationStatement(Model):
    __tablename__ = "nomination_statements"
    __table_args__ = (
        UniqueConstraint("nomination_id", "nominator_id", name="uq_nomination_statements_one_per_nominator"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    nominator_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    nomination: Mapped[Nomination] = relationship(back_populates="statements")
    nominator: Mapped[Person] = relationship(lazy="joined")


class Letter(Model):
    """A supporting letter: a PDF, re-written on upload into a plain copy of its pages."""

    __tablename__ = "nomination_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    author: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    pages: Mapped[int]
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))  # of ``pdf``, the letter as stored
    # The upload's own SHA-256: letters are re-written on upload (``letters.normalise``).
    original_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime]

    uploaded_by: Mapped[Person] = relationship(lazy="joined")


class Withdrawal(Model):
    """A nominator withdrawing their statement: kept, with what went with it. The
    nomination itself goes when no statement is left, so this names it by id only."""

    __tablename__ = "nomination_withdrawals"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"), index=True)
    nomination_id: Mapped[int]
    nominee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    nominator_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    letters_removed: Mapped[int] = mapped_column(default=0)
    nomination_removed: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime]

    nominee: Mapped[Person] = relationship(foreign_keys=[nominee_id], lazy="joined")
    nominator: Mapped[Person] = relationship(foreign_keys=[nominator_id], lazy="joined")


class CommitteeMember(Model):
    __tablename__ = "committee_members"

    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True, index=True)
    chair: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")


class Recusal(Model):
    """A member stepping aside from one nomination: detected from the mentoring graph, or
    declared by the member with a reason. Recorded once per source."""

    __tablename__ = "recusals"
    __table_args__ = (
        UniqueConstraint("nomination_id", "member_id", "source", name="uq_recusals_once_per_source"),
        CheckConstraint(f"source IN {RECUSAL_SOURCES!r}", name="source_known"),
        CheckConstraint("length(trim(reason)) > 0", name="recusal_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    # A detected conflict: the mentorship that made it (the latest recorded of those that
    # do), and the phase the cycle was in when it was found ("review": found during it).
    mentorship_id: Mapped[int | None]
    found_in: Mapped[str | None] = mapped_column(String(20))

    member: Mapped[Person] = relationship(lazy="joined")


class ScoreSet(Model):
    """A member's current scores for one nomination; every save is also a ``ScoreRevision``."""

    __tablename__ = "score_sets"
    __table_args__ = (UniqueConstraint("nomination_id", "member_id", name="uq_score_sets_one_per_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    scores: Mapped[str] = mapped_column(Text)  # JSON {criterion id: score}
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    revision: Mapped[int] = mapped_column(default=1)

    member: Mapped[Person] = relationship(lazy="joined")


class ScoreRevision(Model):
    __tablename__ = "score_revisions"
    __table_args__ = (UniqueConstraint("score_set_id", "revision", name="uq_score_revisions_numbered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    score_set_id: Mapped[int] = mapped_column(ForeignKey("score_sets.id"), index=True)
    revision: Mapped[int]
    scores: Mapped[str] = mapped_column(Text)
    comment: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class Decision(Model):
    """The winners chosen for a cycle. A later version replaces an earlier one until the
    cycle is announced; every version is kept. The ranking it was made from is snapshotted."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("cycle_id", "version", name="uq_decisions_numbered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"), index=True)
    version: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    ranking: Mapped[str] = mapped_column(Text)  # JSON rows as ranked when decided
    decided_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    decided_by: Mapped[Person | None] = relationship(lazy="joined")
    winners: Mapped[list[DecisionWinner]] = relationship(order_by="DecisionWinner.position", lazy="selectin")


class DecisionWinner(Model):
    __tablename__ = "decision_winners"
    __table_args__ = (
        UniqueConstraint("decision_id", "nomination_id", name="uq_decision_winners_once"),
        CheckConstraint("ranked_position >= 1", name="ranked_position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"))
    position: Mapped[int]  # order among the winners
    ranked_position: Mapped[int | None]  # where the committee's ranking put them; None: not ranked
    reason: Mapped[str | None] = mapped_column(Text)  # required when not in the top places

    nomination: Mapped[Nomination] = relationship(lazy="joined")


class Grant(Model):
    """What a winner receives at the announcement: a signed Open Badges 3.0 credential, a
    certificate PDF, a ledger entry, a verification code."""

    __tablename__ = "award_grants"
    __table_args__ = (UniqueConstraint("cycle_id", "nomination_id", name="uq_award_grants_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    credential: Mapped[str] = mapped_column(Text, deferred=True)  # the signed credential, JSON
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(32))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    awarded_on: Mapped[date]
    issued_at: Mapped[datetime]

    cycle: Mapped[Cycle] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(lazy="joined")


class GrantRevocation(Model):
    __tablename__ = "award_revocations"
    __table_args__ = (CheckConstraint("length(trim(reason)) > 0", name="award_revocation_has_reason"),)

    grant_id: Mapped[int] = mapped_column(ForeignKey("award_grants.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class BadgeStatus(Model):
    """A grant's place in the published Bitstring Status List: allocated once, never reused
    (grants are never deleted), its bit set while the grant stands revoked."""

    __tablename__ = "award_badge_statuses"
    __table_args__ = (CheckConstraint("status_index >= 0", name="award_badge_status_index_natural"),)

    grant_id: Mapped[int] = mapped_column(ForeignKey("award_grants.id"), primary_key=True)
    status_index: Mapped[int] = mapped_column(unique=True)


class BadgeReissue(Model):
    """A fresh credential for a grant, issued on request (the winner's or an admin's). The
    credential issued before stays valid: the award and its status are the same."""

    __tablename__ = "award_badge_reissues"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("award_grants.id"), index=True)
    credential: Mapped[str] = mapped_column(Text, deferred=True)  # the signed credential, JSON
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
