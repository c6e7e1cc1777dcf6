"""Feedback requests, anonymous responses, their release in blocks, and receipts.

What links a response to its mentee is kept out of storage:
- a response row has a random id, its mentor, its period and its instrument; no mentee,
  no mentorship, no request, no timestamp;
- the "has answered" receipt (needed to refuse a second answer and to stop reminders) is a
  separate table with no link to the response, rewritten in mentee order on every answer;
- on SQLite the response tables are WITHOUT ROWID (stored in random-id order); on
  PostgreSQL the unreleased responses are rewritten in id order on every answer, so heap
  order does not follow arrival order either.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class Instrument(Model):
    """The stored definition of each instrument version. Once responses exist for a
    version, its definition may never change."""

    __tablename__ = "feedback_instruments"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[str] = mapped_column(Text)


class Request(Model):
    __tablename__ = "feedback_requests"
    __table_args__ = (UniqueConstraint("period", "mentor_id", "mentee_id", name="uq_feedback_requests_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"))
    instrument_key: Mapped[str] = mapped_column(String(60))
    instrument_version: Mapped[int]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(default=0)


class Receipt(Model):
    """That a mentee has answered for a mentor in a period: nothing about what or when."""

    __tablename__ = "feedback_receipts"
    __table_args__ = {"sqlite_with_rowid": False}

    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)


class Release(Model):
    """A block of at least k responses for one mentor, released together. Every view of
    feedback is a union of whole blocks, so no difference of views isolates fewer than k."""

    __tablename__ = "feedback_releases"
    __table_args__ = (CheckConstraint("response_count >= 3", name="at_least_three"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    instrument_key: Mapped[str] = mapped_column(String(60))
    instrument_version: Mapped[int]
    # The periods its responses belong to, oldest first, comma-separated ("2024,2025").
    periods: Mapped[str] = mapped_column(String(200))
    response_count: Mapped[int]


class Response(Model):
    __tablename__ = "feedback_responses"
    __table_args__ = (
        Index("ix_feedback_responses_mentor_period", "mentor_id", "period"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, 128 bits
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    period: Mapped[str] = mapped_column(String(10))
    instrument_key: Mapped[str] = mapped_column(String(60))
    instrument_version: Mapped[int]
    release_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_releases.id"), index=True)


class Answer(Model):
    __tablename__ = "feedback_answers"
    __table_args__ = {"sqlite_with_rowid": False}

    response_id: Mapped[str] = mapped_column(ForeignKey("feedback_responses.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int | None]  # None: not applicable


class Comment(Model):
    __tablename__ = "feedback_comments"
    __table_args__ = {"sqlite_with_rowid": False}

    response_id: Mapped[str] = mapped_column(ForeignKey("feedback_responses.id"), primary_key=True)
    prompt_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
