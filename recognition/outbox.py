"""The outbox: email queued in the transaction that decided to send it, delivered after.

``queue`` adds a message under a key (``award:12:call:345``); the same key is refused by
the database, so a notice is queued once however often the code that decides it runs.
``deliver`` sends what is queued, through SMTP or as ``.eml`` files (``mail.send``), and
marks each message sent in its own commit: a failure part-way leaves the rest queued for
the next delivery, and nothing is sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import smtplib

from sqlalchemy import String, Text, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from .clock import utcnow
from .extensions import db
from .mail import compose, send

log = logging.getLogger(__name__)


class OutboxMessage(db.Model):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class Message:
    key: str
    recipient: str
    subject: str
    body: str


def queue(messages: Iterable[Message], now: datetime | None = None) -> int:
    """Queue the messages whose keys are new; returns how many were queued. Part of the
    caller's transaction: nothing is queued unless it commits."""
    messages = list({m.key: m for m in messages}.values())
    if not messages:
        return 0
    known = set()
    keys = [m.key for m in messages]
    for first in range(0, len(keys), 500):
        known.update(db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys[first:first + 500]))))
    now = now or utcnow()
    fresh = [m for m in messages if m.key not in known]
    if not fresh:
        return 0
    # ON CONFLICT DO NOTHING: a run queuing the same notice at the same moment (a second
    # scheduler) loses quietly instead of failing the whole transaction.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [{"key": m.key, "recipient": m.recipient, "subject": m.subject[:300], "body": m.body, "created_at": now,
             "attempts": 0} for m in fresh]
    queued = 0
    for first in range(0, len(rows), 500):
        result = db.session.execute(insert(OutboxMessage).on_conflict_do_nothing(index_elements=["key"])
                                    .returning(OutboxMessage.id), rows[first:first + 500])
        queued += len(result.all())
    return queued


def pending() -> int:
    return len(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))).all())


def _refused(error: Exception) -> bool:
    """The server refused this one message for good (a bad address, 5xx): try the others."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def deliver(limit: int = 500) -> tuple[int, str | None]:
    """Send up to ``limit`` queued messages, oldest first. Returns (sent, the first error).
    A message the server refuses for good is recorded and passed over, so it never holds
    back the rest; any other failure (the server down, a full disk) stops the run. Either
    way the failed message stays queued with its attempts and error."""
    queued = db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                                .order_by(OutboxMessage.id).limit(limit)).all()
    sent, first_error = 0, None
    for message in queued:
        try:
            send([compose(message.recipient, message.subject, message.body)])
        except Exception as error:  # noqa: BLE001 - SMTP and file errors alike; keep it queued
            db.session.rollback()
            failed = db.session.get(OutboxMessage, message.id)
            failed.attempts += 1
            failed.last_error = f"{type(error).__name__}: {error}"[:2000]
            db.session.commit()
            first_error = first_error or failed.last_error
            if _refused(error):
                log.warning("Outbox message %s refused: %s", message.id, error)
                continue
            log.warning("Outbox delivery stopped at message %s: %s", message.id, error)
            return sent, first_error
        message.sent_at = utcnow()
        message.attempts += 1
        message.last_error = None
        db.session.commit()
        sent += 1
    return sent, first_error
