"""Recorded milestones. Append-only (triggers refuse UPDATE and DELETE), like the ledger.

Each milestone appends a ledger entry of kind ``milestone`` for its person whose note is
the SHA-256 of the milestone's canonical fields (``rules.fingerprint``), so the hash chain
covers it: ``ledger verify`` checks every milestone row against its entry. What happens to
a milestone later is ledger entries on that entry: an admin's or director's confirmation
of a self-reported one is a ``confirmation``; a withdrawal is a ``reversal`` with a reason;
a correction is a reversal of the old entry plus a new milestone naming the one it
corrects (``corrects_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..ledger.models import LedgerEntry
from ..people.models import RANKS, Person

KINDS = ("appointment", "cfar", "promotion", "grant", "external_award", "leadership", "check_in")
CFAR_OUTCOMES = ("passed", "extended")
SOURCES = ("entered", "imported", "self_reported")
MILESTONE_TABLES = ("milestones",)


class Milestone(Model):
    __tablename__ = "milestones"
    if TYPE_CHECKING:  # not a column: ``service.annotate`` sets it on the milestones it reads
        status: Status
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind_known"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source_known"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {CFAR_OUTCOMES!r}", name="outcome_known"),
        CheckConstraint("(kind = 'cfar') = (outcome IS NOT NULL)", name="cfar_has_outcome"),
        CheckConstraint(f"rank IS NULL OR rank IN {RANKS!r}", name="rank_known"),
        CheckConstraint("(kind IN ('promotion', 'appointment')) OR rank IS NULL", name="rank_only_for_rank_changes"),
        CheckConstraint("kind <> 'promotion' OR rank IS NOT NULL", name="promotion_names_rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date]
    # CFAR: passed or extended.
    outcome: Mapped[str | None] = mapped_column(String(20))
    # Promotion: the rank reached. Appointment: the rank appointed at (optional).
    rank: Mapped[str | None] = mapped_column(String(20))
    # Grant: its title; external award: its name; leadership: the position.
    title: Mapped[str | None] = mapped_column(String(300))
    # Grant: the agency; external award: the awarding body; leadership: the organisation.
    agency: Mapped[str | None] = mapped_column(String(200))
    # Grant: the person's role on it (principal investigator, co-investigator, ...).
    role: Mapped[str | None] = mapped_column(String(100))
    # Grant: the year it was awarded.
    year: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))
    # A correction names the milestone it replaces (whose entry it reverses).
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"), unique=True)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime]

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")
    recorded_by: Mapped[Person | None] = relationship(foreign_keys=[recorded_by_id])
    corrects: Mapped[Milestone | None] = relationship(remote_side=[id], foreign_keys=[corrects_id])


@dataclass(frozen=True)
class Status:
    """Where a milestone stands, read from the ledger (``service.annotate``)."""

    state: str  # standing, pending, withdrawn, corrected
    confirmation: LedgerEntry | None = None
    reversal: LedgerEntry | None = None
    corrected_by: Milestone | None = None

    @property
    def reason(self) -> str | None:
        return self.reversal.reason if self.reversal is not None else None

    @property
    def corrected_by_id(self) -> int | None:
        return self.corrected_by.id if self.corrected_by is not None else None

    @property
    def confirmed_at(self) -> datetime | None:
        return self.confirmation.recorded_at if self.confirmation is not None else None

    @property
    def confirmed_by(self) -> Person | None:
        return self.confirmation.recorded_by if self.confirmation is not None else None

    @property
    def changed_at(self) -> datetime | None:
        return self.reversal.recorded_at if self.reversal is not None else None

    @property
    def changed_by(self) -> Person | None:
        return self.reversal.recorded_by if self.reversal is not None else None
