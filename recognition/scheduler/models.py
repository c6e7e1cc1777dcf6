"""What the scheduler has sent, so each reminder goes out once however often its job runs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ScheduledNotice(db.Model):
    """One reminder sent: of a kind, about a subject (``mentorship:12``, ``person:7``), for
    the date it is about. A second one for the same three is refused by the database."""

    __tablename__ = "scheduled_notices"
    __table_args__ = (UniqueConstraint("kind", "subject_key", "due_on", name="uq_scheduled_notices_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_key: Mapped[str] = mapped_column(String(80))
    due_on: Mapped[date]
    sent_at: Mapped[datetime]
