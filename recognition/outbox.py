"""The outbox: email queued in the transaction that decided to send it, delivered after.

``queue`` adds a message under a key (``award:12:call:345``); the same key is refused by
the database, so a notice is queued once however often the code that decides it runs.
``deliver`` claims what is queued, sends it through SMTP or as ``.eml`` files
(``mail.send``), and marks each message sent in its own commit: a failure part-way leaves
the rest queued for the next delivery, and two deliveries at once never send a message
twice (see ``deliver`` for the one window where a message may go out again).
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Insert, Select, String, Text, and_, bindparam, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from .clock import utcnow
from .extensions import Model, db
from .mail import compose, send

log = logging.getLogger(__name__)


SUBJECT_LENGTH = 300


class OutboxMessage(Model):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The delivery that is sending it: a message is claimed (in a commit of its own) before
    # it is sent, so two deliveries at once never both send it.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Message:
    key: str
    recipient: str
    subject: str
    body: str


def queue(messages: Iterable[Message], now: datetime | None = None, new_keys: bool = False) -> int:
    """Queue the messages whose keys are new; returns how many were queued. Part of the
    caller's transaction: nothing is queued unless it commits. ``new_keys``: the caller
    knows no key was queued before (each names a row it has just made), so the keys are
    not looked up first (the insert still skips a known one)."""
    messages = list({m.key: m for m in messages}.values())
    if not messages:
        return 0
    known: set[str] = set()
    keys = [m.key for m in messages]
    for first in range(0, 0 if new_keys else len(keys), 500):
        known.update(
            db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys[first : first + 500])))
        )
    now = now or utcnow()
    fresh = [m for m in messages if m.key not in known]
    if not fresh:
        return 0
    # ON CONFLICT DO NOTHING: a run queuing the same notice at the same moment (a second
    # scheduler) loses quietly instead of failing the whole transaction.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {
            "key": m.key,
            "recipient": m.recipient,
            "subject": m.subject[:SUBJECT_LENGTH],
            "body": m.body,
            "created_at": now,
            "attempts": 0,
        }
        for m in fresh
    ]
    queued = 0
    for first in range(0, len(rows), 500):
        result = db.session.execute(
            insert(OutboxMessage).on_conflict_do_nothing(index_elements=["key"]).returning(OutboxMessage.id),
            rows[first : first + 500],
        )
        queued += len(result.all())
    return queued


def queue_selected(rows: Select, values: list[dict], now: datetime | None = None) -> int:
    """Queue a message for each dict of ``values``, given to ``rows``: a SELECT built once,
    whose bound parameters the dicts name, with columns labelled key, recipient, subject
    and body (and a WHERE clause: SQLite's upsert needs one after a SELECT). One
    ``INSERT ... SELECT`` for them all: for messages to people whose address and name the
    database writes in where they are stored, without a statement to read them first.
    Returns how many were queued; part of the caller's transaction, and a key queued
    before is skipped, as in ``queue``."""
    if not values:
        return 0
    connection = db.session.connection()
    statement, parameters = selected(rows, values, connection.dialect.name, now)
    return connection.execute(statement, parameters).rowcount


def selected(rows: Select, values: list[dict], dialect: str, now: datetime | None = None) -> tuple[Insert, list[dict]]:
    """``queue_selected``'s statement (for ``dialect``) and parameters, unsent: for a
    caller that sends them along with a statement of its own."""
    created_at = now or utcnow()
    return _inserting(rows, dialect), [{**value, "created_at": created_at} for value in values]


@cache
def _inserting(rows: Select, dialect: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    created = bindparam("created_at", type_=OutboxMessage.__table__.c.created_at.type)
    columns = rows.add_columns(created.label("created_at"), literal(0).label("attempts"))
    return (
        insert(OutboxMessage)
        .from_select(["key", "recipient", "subject", "body", "created_at", "attempts"], columns)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def pending() -> int:
    return len(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))).all())


def _refused(error: Exception) -> bool:
    """The server refused this one message for good (a bad address, 5xx): try the others."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= error.smtp_code < 600


def deliver(limit: int = 500, now: datetime | None = None) -> tuple[int, str | None]:
    """Send up to ``limit`` queued messages, oldest first. Returns (sent, the first error).

    Each message is claimed before it is sent, in a short commit of its own (a conditional
    UPDATE: only an unsent message no one else holds is claimed), so deliveries running at
    once (the 10-minute job, an administrator's ``scheduler run``, a second process) each
    send a message only if they won it: every message is sent once, whoever delivers. A
    claim left by a delivery that died is taken over after OUTBOX_CLAIM_MINUTES; a message
    sent just before such a death, and not yet marked, is sent again then (at least once,
    never silently dropped). A message the server refuses for good is recorded and passed
    over, so it never holds back the rest; any other failure (the server down, a full
    disk) stops the run. Either way the failed message is released, with its attempts and
    error, for the next run. Call it with no transaction of the caller's open."""
    token = uuid.uuid4().hex
    sent = tried = after = 0
    first_error = None
    while tried < limit:
        claimed = _claim(token, min(CLAIM_BATCH, limit - tried), after, now)
        if not claimed:
            break
        after = claimed[-1].id  # one pass, oldest first: a refused message waits for the next run
        for index, message in enumerate(claimed):
            tried += 1
            try:
                send([compose(message.recipient, message.subject, message.body)])
            except Exception as error:  # noqa: BLE001 - SMTP and file errors alike; keep it queued
                db.session.rollback()
                detail = _failed(message.id, token, error)
                first_error = first_error or detail
                if _refused(error):
                    log.warning("Outbox message %s refused: %s", message.id, error)
                    continue
                log.warning("Outbox delivery stopped at message %s: %s", message.id, error)
                _release([m.id for m in claimed[index + 1 :]], token)
                return sent, first_error
            _mark_sent(message.id, token)
            sent += 1
    return sent, first_error


# Messages claimed at once: few, so a delivery that dies holds little for the claim window.
CLAIM_BATCH = 20


def claim_window(now: datetime | None = None) -> datetime:
    """Claims made before this are presumed left by a delivery that died."""
    minutes = float(current_app.config.get("OUTBOX_CLAIM_MINUTES", 15))
    return (now or utcnow()) - timedelta(minutes=minutes)


def _claim(token: str, size: int, after: int, now: datetime | None) -> list:
    """Claim up to ``size`` of the oldest unsent, unclaimed (or abandoned) messages after
    id ``after``, and commit. Only the rows this UPDATE changed are ours: a row another delivery claimed
    or sent meanwhile fails its condition (PostgreSQL re-checks it after the other
    transaction commits; SQLite's writers take turns)."""
    now = now or utcnow()
    free = and_(
        OutboxMessage.sent_at.is_(None),
        or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < claim_window(now)),
    )
    while True:
        ids = list(
            db.session.scalars(
                select(OutboxMessage.id).where(free, OutboxMessage.id > after).order_by(OutboxMessage.id).limit(size)
            )
        )
        if not ids:
            db.session.rollback()
            return []
        rows = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), free)
            .values(claimed_by=token, claimed_at=now)
            .returning(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body)
            .execution_options(synchronize_session=False)
        ).all()
        db.session.commit()
        if rows:
            return sorted(rows, key=lambda row: row.id)
        after = ids[-1]  # every one taken by another delivery meanwhile: look further on


def _mine(message_id: int, token: str):
    return and_(OutboxMessage.id == message_id, OutboxMessage.claimed_by == token)


def _mark_sent(message_id: int, token: str) -> None:
    db.session.execute(
        update(OutboxMessage)
        .where(_mine(message_id, token))
        .values(sent_at=utcnow(), attempts=OutboxMessage.attempts + 1, last_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _failed(message_id: int, token: str, error: Exception) -> str:
    detail = f"{type(error).__name__}: {error}"[:2000]
    db.session.execute(
        update(OutboxMessage)
        .where(_mine(message_id, token))
        .values(attempts=OutboxMessage.attempts + 1, last_error=detail, claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return detail


def _release(message_ids: list[int], token: str) -> None:
    """Give back claimed messages this delivery will not send now."""
    if message_ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), OutboxMessage.claimed_by == token)
            .values(claimed_by=None, claimed_at=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
