"""The history of every account's enabled state: append-only, like the ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import Model
from ...people.models import Person

ACTIONS = ("disabled", "enabled")
MAX_REASON = 500


class AccountEvent(Model):
    """One change to an account: who (``actor_id``; None for the command line) did what,
    why and when. Rows are never changed or deleted (database triggers refuse it)."""

    __tablename__ = "account_events"
    __table_args__ = (
        CheckConstraint(f"action IN {ACTIONS!r}", name="action_known"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(MAX_REASON))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime]

    actor: Mapped[Person | None] = relationship(foreign_keys=[actor_id], lazy="joined")
