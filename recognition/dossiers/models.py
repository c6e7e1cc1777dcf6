"""Issued dossiers and the record of who looked at one.

An issued dossier is written once and never changed, like a credit statement: the row
holds the signed document (canonical JSON), its hash, the PDF as issued and the ledger
head it was built on. A later issue for the same person and period names the one it
supersedes. Every view and download of a person's dossier, drafted or issued, is a row
in ``dossier_access``; the person sees who looked and when. Both tables are append-only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..people.models import Person

ACCESS_ACTIONS = ("view", "download", "issue")
FORMATS = ("html", "pdf", "csv", "json")
DOSSIER_TABLES = ("dossiers", "dossier_access")


class Dossier(Model):
    __tablename__ = "dossiers"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("(version = 1) = (supersedes_id IS NULL)", name="later_versions_supersede"),
        CheckConstraint("period_start <= period_end", name="period_ordered"),
        Index("ix_dossiers_person_period", "person_id", "period_start", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    version: Mapped[int]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    # The case it was issued for, if any.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
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
    supersedes: Mapped[Dossier | None] = relationship(remote_side=[id], foreign_keys=[supersedes_id])


class DossierAccess(Model):
    """One view or download of a person's dossier (a draft or an issued one)."""

    __tablename__ = "dossier_access"
    __table_args__ = (
        CheckConstraint(f"action IN {ACCESS_ACTIONS!r}", name="action_known"),
        CheckConstraint(f"format IN {FORMATS!r}", name="format_known"),
        Index("ix_dossier_access_person_at", "person_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose dossier.
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # Who looked (None: the command line).
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # In what capacity: "self", "committee", "admin".
    capacity: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    action: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date]
    period_end: Mapped[date]
    at: Mapped[datetime]

    viewer: Mapped[Person | None] = relationship(foreign_keys=[viewer_id])
