"""The key of a person's feed URL, so its owner can replace a URL that leaked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ...extensions import Model


class CalendarFeedKey(Model):
    """A random nonce mixed into the feed token's HMAC. A person without a row keeps the
    token they always had; rotating writes a new nonce, and every earlier URL stops."""

    __tablename__ = "calendar_feed_keys"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    rotated_at: Mapped[datetime]
