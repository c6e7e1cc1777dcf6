"""Rate limits counted in the database, so every worker process sees the same count.

``hit`` counts one request in a bucket for a key (usually the client address) and
refuses it with 429 once the bucket's limit for its window is reached. Old hits are
pruned as new ones arrive.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .errors import DomainError
from .extensions import Model, db


class RateHit(Model):
    __tablename__ = "rate_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(index=True)


class RateLimited(DomainError):
    status = 429


def hit(bucket: str, key: str, limit: int, window_seconds: int, now: datetime, field: str = "code") -> None:
    """Count this request; raise RateLimited (429) when ``limit`` were already counted
    for ``key`` in the last ``window_seconds``. Commits nothing: the caller's
    transaction does."""
    since = now - timedelta(seconds=window_seconds)
    db.session.execute(delete(RateHit).where(RateHit.bucket == bucket, RateHit.at <= since))
    seen = db.session.execute(
        select(func.count()).select_from(RateHit).where(RateHit.bucket == bucket, RateHit.key == key[:64])
    ).scalar_one()
    if seen >= limit:
        raise RateLimited(
            f"Too many requests: at most {limit} every {_span(window_seconds)}. Wait a little and try again.",
            {field: [f"at most {limit} requests every {_span(window_seconds)} from one address"]},
        )
    db.session.add(RateHit(bucket=bucket, key=key[:64], at=now))
    db.session.flush()


def _span(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "hour" if hours == 1 else f"{hours} hours"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return "minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"
