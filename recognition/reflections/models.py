"""Reflections on feedback received: the evidence for MOC Section 3 credit.

Each reflection is a ledger entry of kind ``feedback_reflection`` (date, minutes, who,
hash-chained) plus this row with the text, which only its author sees. The ledger entry's
note carries a salted HMAC of the text (``digest``; the salt is kept here), so the chain
covers it without revealing it. The table is append-only, like the ledger.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..feedback.models import Release
from ..ledger.models import LedgerEntry

SOURCES = ("report", "external")
STEPS = ("area", "question", "standards", "comparison", "discussion", "next_steps")


class Reflection(Model):
    __tablename__ = "reflections"
    __table_args__ = (
        CheckConstraint(f"source IN {SOURCES!r}", name="source_known"),
        CheckConstraint("(source = 'report') = (release_id IS NOT NULL)", name="report_has_release"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_releases.id"))
    # The period of the report reflected on, or the name of the external source.
    period: Mapped[str | None] = mapped_column(String(10))
    source_name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    standards: Mapped[str] = mapped_column(Text)
    comparison: Mapped[str] = mapped_column(Text)
    discussion: Mapped[str] = mapped_column(Text)
    next_steps: Mapped[str] = mapped_column(Text)
    # The random key of the note's HMAC (``digest``); None for reflections recorded before
    # salts, whose note is a bare SHA-256.
    salt: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    entry: Mapped[LedgerEntry] = relationship(lazy="joined")
    release: Mapped[Release | None] = relationship()
