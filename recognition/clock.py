"""The one place that reads the wall clock. Services take ``now`` as an argument."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Naive UTC, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()
