"""The contribution ledger: append-only, hash-chained.

One table holds every entry in chain order (``seq``). An entry is a contribution, a
reversal of one (with a reason), or the counterpart's confirmation of one. Triggers
installed by the migrations refuse UPDATE, DELETE and TRUNCATE; nothing in the code
updates a row.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..mentorships.models import Mentorship
from ..people.models import Person

ENTRY_TYPES = ("contribution", "reversal", "confirmation")
LEDGER_TABLES = ("ledger_entries", "reflections")


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(f"entry_type IN {ENTRY_TYPES!r}", name="entry_type_known"),
        CheckConstraint(
            "(entry_type = 'contribution') = (kind IS NOT NULL AND target_id IS NULL)",
            name="contribution_shape",
        ),
        CheckConstraint(
            "entry_type <> 'reversal' OR length(trim(reason)) > 0", name="reversal_has_reason"
        ),
        CheckConstraint("minutes >= 0 AND minutes <= 1440", name="minutes_in_day"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        # A contribution is reversed at most once and confirmed at most once.
        Index(
            "uq_ledger_entries_one_per_target",
            "target_id",
            "entry_type",
            unique=True,
        ),
        Index("ix_ledger_entries_person_date", "person_id", "occurred_on"),
        Index("ix_ledger_entries_mentorship_date", "mentorship_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    entry_type: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(40))
    mentorship_id: Mapped[int | None] = mapped_column(ForeignKey("mentorships.id"))
    # Whose mentoring work this is: the mentor of the mentorship, or the person who
    # trained or prepared.
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    occurred_on: Mapped[date]
    minutes: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime]
    target_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    # For mentor training: the accrediting body and activity (Section 1 / Category 1 credit).
    accreditation: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)

    mentorship: Mapped[Mentorship | None] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    recorded_by: Mapped[Person] = relationship(foreign_keys=[recorded_by_id])
    target: Mapped["LedgerEntry | None"] = relationship(remote_side=[id])

    def hashed_fields(self) -> dict:
        fields = {
            "seq": self.seq,
            "entry_type": self.entry_type,
            "kind": self.kind,
            "mentorship_id": self.mentorship_id,
            "person_id": self.person_id,
            "occurred_on": self.occurred_on,
            "minutes": self.minutes,
            "note": self.note,
            "recorded_by_id": self.recorded_by_id,
            "recorded_at": self.recorded_at,
            "target_id": self.target_id,
            "reason": self.reason,
            "prev_hash": self.prev_hash,
        }
        # Added after the first entries were chained: hashed only when present, so the
        # hashes of earlier entries stay as they were.
        if self.accreditation is not None:
            fields["accreditation"] = self.accreditation
        return fields
