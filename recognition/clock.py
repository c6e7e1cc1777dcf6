"""The one place that reads the wall clock. Services take ``now`` as an argument."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Naive UTC, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
