"""The contribution ledger: append-only, hash-chained.

One table holds every entry in chain order (``seq``). An entry is a contribution, a
reversal of one (with a reason), or the counterpart's confirmation of one, or the
counterpart's dispute of one ("this did not happen", with a reason). Triggers
installed by the migrations refuse UPDATE, DELETE and TRUNCATE; nothing in the code
updates a row.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..mentorships.models import Mentorship
from ..people.models import Person
from . import chain

ENTRY_TYPES = ("contribution", "reversal", "confirmation", "dispute")
LEDGER_TABLES = ("ledger_entries", "reflections", "ledger_checkpoints")


class LedgerEntry(Model):
    __tablename__ = "ledger_entries"
    if TYPE_CHECKING:  # not columns: ``service.annotate`` sets them on the entries it shows
        confirmed_by_entry_id: int | None
        reversed_by_entry_id: int | None
        disputed_by: LedgerEntry | None
        confirmation_state: str | None
        counterpart_ids: set[int]  # ``service.record`` sets it on the entry it appends
    __table_args__ = (
        CheckConstraint(f"entry_type IN {ENTRY_TYPES!r}", name="entry_type_known"),
        CheckConstraint(
            "(entry_type = 'contribution') = (kind IS NOT NULL AND target_id IS NULL)",
            name="contribution_shape",
        ),
        CheckConstraint("entry_type <> 'reversal' OR length(trim(reason)) > 0", name="reversal_has_reason"),
        CheckConstraint("entry_type <> 'dispute' OR length(trim(reason)) > 0", name="dispute_has_reason"),
        CheckConstraint("minutes >= 0 AND minutes <= 1440", name="minutes_in_day"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        # A contribution is reversed, confirmed and disputed at most once each.
        Index(
            "uq_ledger_entries_one_per_target",
            "target_id",
            "entry_type",
            unique=True,
        ),
        # Each list reads an index in its own order (newest first: occurred_on, then seq),
        # so a page costs what its rows cost, however long the ledger grows.
        Index("ix_ledger_entries_occurred_on_seq", "occurred_on", "seq"),
        Index("ix_ledger_entries_person_order", "person_id", "occurred_on", "seq"),
        Index("ix_ledger_entries_mentorship_order", "mentorship_id", "occurred_on", "seq"),
        Index("ix_ledger_entries_recorded_by_order", "recorded_by_id", "occurred_on", "seq"),
        # One kind of work over a stretch of days (the program metrics: mentor training).
        Index("ix_ledger_entries_kind_occurred_on", "kind", "occurred_on"),
        # A person's work of some kinds over a stretch of days (year-end batch planning:
        # who has credit-bearing work in the year, and each one's until one earns).
        Index("ix_ledger_entries_person_kind", "person_id", "kind", "occurred_on"),
        # ... and who did it, read from the index alone (the program metrics: who trained).
        Index("ix_ledger_entries_kind_occurred_on_person", "kind", "occurred_on", "person_id", "id"),
        # Chain order within a mentorship or a person's ledger: histories and "most recent".
        Index("ix_ledger_entries_mentorship_seq", "mentorship_id", "seq"),
        Index("ix_ledger_entries_person_seq", "person_id", "seq"),
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
    # ``chain.CHAIN_VERSION`` for entries whose hash covers their id; None for entries
    # chained before (a checkpoint binds those to their ids).
    chain_version: Mapped[int | None] = mapped_column(SmallInteger)

    mentorship: Mapped[Mentorship | None] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    recorded_by: Mapped[Person] = relationship(foreign_keys=[recorded_by_id])
    target: Mapped[LedgerEntry | None] = relationship(remote_side=[id])

    def hashed_fields(self) -> dict:
        return chain.hashed({column: getattr(self, column) for column in HASHED_COLUMNS})


HASHED_COLUMNS = (*chain.LEGACY_FIELDS, "accreditation", "chain_version", "id")


class LedgerCheckpoint(Model):
    """A signed record of the chain head (seq, hash, time), chained to the checkpoint
    before it, listing the id and hash of every entry since that one. Published at
    ``/ledger/checkpoints.json`` so people outside the system can keep copies; a rewrite
    of history cannot reach those. Append-only."""

    __tablename__ = "ledger_checkpoints"
    __table_args__ = (CheckConstraint("seq >= 0", name="seq_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    # The digest of the previous checkpoint (``chain.GENESIS`` for the first).
    prev_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # One line per entry since the previous checkpoint, in chain order: "seq id hash".
    entries: Mapped[str] = mapped_column(Text, deferred=True)
    entries_digest: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the signed body: what the next checkpoint links to.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
