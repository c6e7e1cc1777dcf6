"""Credit profiles and issued statements.

A statement is written once and never changed: the row holds the signed document, its
content hash and the PDF exactly as issued. What happens to a statement later is a new
row elsewhere: a newer version names the one it supersedes (``supersedes_id``), and a
revocation is a row in ``statement_revocations``. Both tables are append-only, like the
ledger (triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..people.models import Person

STATEMENT_TABLES = ("statements", "statement_revocations")


class CreditProfile(Model):
    """The framework a person reports to and when their current cycle started."""

    __tablename__ = "credit_profiles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(60))
    cycle_start: Mapped[date | None]
    updated_at: Mapped[datetime]


class Statement(Model):
    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("person_id", "framework_id", "year", "version", name="uq_statements_one_per_version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("(version = 1) = (supersedes_id IS NULL)", name="later_versions_supersede"),
        # The statements list's order (newest issued first): a page of it is a range of this index.
        Index("ix_statements_issued_at_id", "issued_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    framework_id: Mapped[str] = mapped_column(String(60))
    year: Mapped[int]
    version: Mapped[int]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id"), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    # What the statement counts, without when or how it was issued: two issues with the
    # same basis say the same thing, so a re-issue with nothing changed is refused.
    basis_hash: Mapped[str] = mapped_column(String(64))
    total: Mapped[str] = mapped_column(String(20))
    # The signed document: canonical JSON, its SHA-256, and the Ed25519 signature over it.
    document: Mapped[str] = mapped_column(Text, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signature: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str] = mapped_column(String(32))
    ledger_seq: Mapped[int]
    ledger_hash: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")
    supersedes: Mapped[Statement | None] = relationship(remote_side=[id], foreign_keys=[supersedes_id])


class StatementRevocation(Model):
    __tablename__ = "statement_revocations"
    __table_args__ = (CheckConstraint("length(trim(reason)) > 0", name="revocation_has_reason"),)

    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
