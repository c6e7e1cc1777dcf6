"""The yearly program reports, stored as issued; the yearly snapshots of closed years.

A report is written once and never changed: the row holds the numbers (the JSON as
downloaded), the CSV and the PDF exactly as issued, each with its SHA-256. Issuing again
for the same year makes the next version; the earlier ones stay, and stay downloadable.
The table is append-only, like the ledger (triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..people.models import Person

REPORT_TABLES = ("program_reports",)
SCHEDULER, COMMAND_LINE, ADMIN = "scheduler", "command_line", "admin"
ISSUERS = (SCHEDULER, COMMAND_LINE, ADMIN)
FORMATS = ("pdf", "csv", "json")


class ProgramReport(Model):
    __tablename__ = "program_reports"
    __table_args__ = (
        UniqueConstraint("year", "version", name="uq_program_reports_one_per_version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(f"issuer IN {ISSUERS!r}", name="issuer_known"),
        # An administrator who issues is named; the scheduler and the command line are not people.
        CheckConstraint("(issuer = 'admin') = (issued_by_id IS NOT NULL)", name="admin_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    version: Mapped[int]
    issued_at: Mapped[datetime]
    issuer: Mapped[str] = mapped_column(String(20))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # The numbers as the JSON download, byte for byte (UTF-8 text).
    payload: Mapped[str] = mapped_column(Text, deferred=True)
    json_sha256: Mapped[str] = mapped_column(String(64))
    csv: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    csv_sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))

    issued_by: Mapped[Person | None] = relationship(foreign_keys=[issued_by_id], lazy="joined")


class MetricSnapshot(Model):
    """One measure's tallies for one closed year, before any cell is withheld
    (``snapshots``): what the dashboard reads instead of the year's ledger. Not a record
    of anything: a snapshot found stale is replaced, and any can be dropped."""

    __tablename__ = "metric_snapshots"
    __table_args__ = (UniqueConstraint("year", "key", name="uq_metric_snapshots_one_per_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    # What was measured: the measure, its parameters and the settings it reads (``snapshots.key_of``).
    key: Mapped[str] = mapped_column(String(64))
    # For a month of the year still running (``months``), its last day; None: a closed year.
    last_day: Mapped[date | None]
    # The ledger's head (its last seq) the tallies were computed at.
    ledger_seq: Mapped[int]
    # A digest of the other rows the measure read (``snapshots.basis``).
    basis: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime]
    # The series and the tallies per division id, as JSON (``snapshots.encode``).
    tallies: Mapped[str] = mapped_column(Text)


class MetricBasis(Model):
    """How many times ``people`` and ``mentorships`` have been written where the
    snapshotted measures read them: one row, moved on by triggers in the writer's own
    transaction. A snapshot records the count it was computed at (``snapshots.basis``)
    and is stale once it has moved."""

    __tablename__ = "metric_basis"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A row added or removed, a division, appointment date, mentor, mentee, kind or start
    # or end changed (migration 0025).
    changes: Mapped[int] = mapped_column(BigInteger)
    # The writes that can move a mentee's entries to another division: a person's division
    # or a mentorship's mentee changed, either's id, a row removed or replaced (migration
    # 0029; each moves ``changes`` too).
    divisions: Mapped[int] = mapped_column(BigInteger, server_default="0")
