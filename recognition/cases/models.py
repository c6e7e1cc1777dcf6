"""CFAR and promotion cases and their committees.

A case's period, due date and open/closed state are its current state. Conflict flags
are not stored: they are worked out from the mentoring graph whenever they are asked
for (a tie recorded after the case opened still counts). What is stored is the record of
decisions about them: an administrator's override of a flag, with a reason, is
append-only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..people.models import RANKS, Person

CASE_KINDS = ("cfar", "promotion")
CASE_TABLES = ("case_overrides",)


class Case(Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"kind IN {CASE_KINDS!r}", name="kind_known"),
        CheckConstraint(f"target_rank IS NULL OR target_rank IN {RANKS!r}", name="target_rank_known"),
        CheckConstraint("(kind = 'promotion') = (target_rank IS NOT NULL)", name="promotion_has_target_rank"),
        CheckConstraint("period_start <= period_end", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    target_rank: Mapped[str | None] = mapped_column(String(20))
    period_start: Mapped[date]
    period_end: Mapped[date]
    due_on: Mapped[date]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    closing_note: Mapped[str | None] = mapped_column(Text)

    candidate: Mapped[Person] = relationship(foreign_keys=[candidate_id], lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseMember(Model):
    """A member of a case's committee. Removal sets ``removed_at``; the row stays."""

    __tablename__ = "case_members"
    __table_args__ = (UniqueConstraint("case_id", "person_id", name="uq_case_members_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    added_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")


class CaseOverride(Model):
    """An administrator lifting a member's conflict flag on a case, with the reason.
    Append-only: the override stands for the case's life."""

    __tablename__ = "case_overrides"
    __table_args__ = (
        UniqueConstraint("case_id", "member_id", name="uq_case_overrides_once"),
        CheckConstraint("length(trim(reason)) > 0", name="override_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # The flags lifted, as they read when the override was made.
    flags: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]
