"""What the scheduler has sent, so each reminder goes out once however often its job runs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class ScheduledNotice(Model):
    """One reminder sent: of a kind, about a subject (``mentorship:12``, ``person:7``), for
    the date it is about. A second one for the same three is refused by the database."""

    __tablename__ = "scheduled_notices"
    __table_args__ = (UniqueConstraint("kind", "subject_key", "due_on", name="uq_scheduled_notices_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_key: Mapped[str] = mapped_column(String(80))
    due_on: Mapped[date]
    sent_at: Mapped[datetime]


DUTY_OUTCOMES = ("running", "done", "incomplete", "handed_back")


class DutyRun(Model):
    """A dated duty's work for one period (the year-end statements of "2026"): started,
    how far it got, and whether it is done. A duty is done when its work is, not when its
    trigger fired: a run that was killed, failed part-way or was stopped leaves its row
    not done, and the scheduler finishes it when it next starts (and every day)."""

    __tablename__ = "duty_runs"
    __table_args__ = (
        UniqueConstraint("job_id", "period", name="uq_duty_runs_once"),
        CheckConstraint(f"outcome IN {DUTY_OUTCOMES!r}", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    # running: under way, or its process died (no scheduler holds the job's lock);
    # incomplete: it ended with work left (failures); handed_back: stopped on purpose.
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
