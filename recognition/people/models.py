"""Divisions and the people in them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model

RANKS = ("lecturer", "assistant", "associate", "full")
POSITIONS = (
    "clinician_scientist",
    "clinician_investigator",
    "clinician_teacher",
    "clinician_educator",
    "clinician_quality_innovation",
    "other",
)


class Division(Model):
    __tablename__ = "divisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)

    directors: Mapped[list[Person]] = relationship(
        secondary="division_directors", viewonly=True, order_by="Person.name"
    )

    def __repr__(self) -> str:
        return f"<Division {self.code}>"


class DivisionDirector(Model):
    """Who directs a division. A division may have co-directors."""

    __tablename__ = "division_directors"

    division_id: Mapped[int] = mapped_column(ForeignKey("divisions.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)


class Person(Model):
    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint(f"rank IN {RANKS!r}", name="rank_known"),
        CheckConstraint(f"position IN {POSITIONS!r}", name="position_known"),
        CheckConstraint("supervisor_id IS NULL OR supervisor_id <> id", name="not_own_supervisor"),
        # The roster's order: a page of it, however deep, is a range of this index.
        Index("ix_people_name_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # The university's id for them (employee or student number), for institutional sign-in
    # when it matches on OIDC_ID_CLAIM rather than email. Unique when given.
    institutional_id: Mapped[str | None] = mapped_column(String(100), unique=True, index=True)
    division_id: Mapped[int | None] = mapped_column(ForeignKey("divisions.id"), index=True)
    rank: Mapped[str] = mapped_column(String(20))
    position: Mapped[str] = mapped_column(String(40))
    appointed_on: Mapped[date | None]
    trained_here: Mapped[bool] = mapped_column(default=False)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    # Self-identified, optional, shown only in aggregate.
    gender: Mapped[str | None] = mapped_column(String(60))
    race: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    division: Mapped[Division | None] = relationship(lazy="joined")
    supervisor: Mapped[Person | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.email}>"


class Profile(Model):
    """What a person says about themself for dossiers and nominations: whether they may be
    named in other people's dossiers (as a mentee), and their mentoring philosophy. Each
    person controls their own; a person without a row is named and has no philosophy."""

    __tablename__ = "person_profiles"
    __table_args__ = (CheckConstraint("length(philosophy) <= 4000", name="philosophy_length"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    named_in_dossiers: Mapped[bool] = mapped_column(default=True)
    philosophy: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]
