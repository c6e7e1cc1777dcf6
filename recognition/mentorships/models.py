"""Mentorships: a mentor and a mentee, of a kind, over a period. Ended, never deleted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..people.models import Person

KINDS = ("formal", "peer_group", "sponsorship", "informal")


class Mentorship(Model):
    __tablename__ = "mentorships"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind_known"),
        CheckConstraint("mentor_id <> mentee_id", name="not_self"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        # One open mentorship of a kind between the same two people.
        Index(
            "uq_mentorships_open_pair",
            "mentor_id",
            "mentee_id",
            "kind",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
        # The mentorships list's order (newest start first): a page of it is a range of this index.
        Index("ix_mentorships_started_on_id", "started_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Peer-group mentorships of one facilitator share a group name.
    group_name: Mapped[str | None] = mapped_column(String(120))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    # Why a mentorship was recorded with a start date well before the day it was recorded
    # (``rules.backdate_problem``); fixed once written (a trigger refuses a change).
    backdate_reason: Mapped[str | None] = mapped_column(Text)

    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id], lazy="select")
    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id], lazy="joined")
    mentee: Mapped[Person] = relationship(foreign_keys=[mentee_id], lazy="joined")

    @property
    def backdated(self) -> bool:
        return self.backdate_reason is not None

    def is_active_on(self, day: date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)

    def counterpart_of(self, person_id: int | None) -> int | None:
        return counterpart(self.mentor_id, self.mentee_id, person_id)


def counterpart(mentor_id: int, mentee_id: int, person_id: int | None) -> int | None:
    """The other person of a mentorship, for one of its two people; None for anyone else."""
    if person_id == mentor_id:
        return mentee_id
    if person_id == mentee_id:
        return mentor_id
    return None
