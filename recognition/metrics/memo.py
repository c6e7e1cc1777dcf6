"""What one transaction has read for the metrics (the divisions, a year's confirmations
per mentee, the snapshots and what they are checked against), kept in the session so a
page reads each once. Forgotten when the transaction ends or rolls back, and whenever
the session flushes a change to anything but a snapshot: nothing read before a change
is trusted after it."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from .models import MetricSnapshot

KEY = "recognition.metrics"


def memo() -> dict:
    return db.session.info.setdefault(KEY, {})


@event.listens_for(Session, "after_rollback")
def _forget(session) -> None:
    session.info.pop(KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session, transaction) -> None:
    """The transaction's end (not a savepoint's, which ``snapshots.store`` releases)."""
    if transaction.parent is None:
        session.info.pop(KEY, None)


@event.listens_for(Session, "after_flush")
def _forget_changes(session, _context) -> None:
    if any(not isinstance(row, MetricSnapshot) for row in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(KEY, None)
