"""Who invited whom, and when: shown on the person page ("invited on …, by …")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import Model
from ...people.models import Person


class Invitation(Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # None: sent from the command line (``recognition people invite``).
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # When a link of this invitation set the person's first password.
    accepted_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    invited_by: Mapped[Person | None] = relationship(foreign_keys=[invited_by_id])
