"""The demo's planned feedback (``feedback.build``) written as rows: the instrument and the
requests, then the releases, responses, answers, comments and receipts exactly as
``feedback.service.submit`` would have left them."""

from __future__ import annotations

import sys

import click
from sqlalchemy import insert

from ..extensions import db
from ..feedback import service
from ..feedback.models import Answer, Comment, Receipt, Release, Request, Response
from .feedback import Plan

CHUNK = 2000


def write_requests(plan: Plan) -> None:
    service.publish(plan.settings.instrument)
    insert_rows(Request, [ask.row(plan.settings.instrument) for ask in plan.asks])


def write_answers(plan: Plan) -> None:
    """Releases, responses (in id order, as ``submit`` leaves them: nothing follows
    arrival), answers, comments and receipts."""
    instrument = plan.settings.instrument
    insert_rows(
        Release,
        [
            {
                "id": b.id,
                "mentor_id": b.mentor_id,
                "instrument_key": instrument.key,
                "instrument_version": instrument.version,
                "periods": ",".join(b.periods),
                "response_count": len(b.replies),
            }
            for b in plan.blocks
        ],
    )
    replies = sorted(plan.replies, key=lambda reply: reply.id)
    insert_rows(
        Response,
        [
            {
                "id": r.id,
                "mentor_id": r.ask.mentor_id,
                "period": r.ask.period,
                "instrument_key": instrument.key,
                "instrument_version": instrument.version,
                "release_id": r.block.id if r.block else None,
            }
            for r in replies
        ],
    )
    answers = [
        {"response_id": r.id, "item_id": item, "value": value}
        for r in replies
        for item, value in sorted(r.answers.items())
    ]
    with click.progressbar(length=len(answers), label="Writing the feedback", file=sys.stderr) as bar:
        for start in range(0, len(answers), CHUNK):
            chunk = answers[start : start + CHUNK]
            db.session.execute(insert(Answer), chunk)
            bar.update(len(chunk))
    insert_rows(
        Comment,
        [
            {"response_id": r.id, "prompt_id": prompt, "text": text}
            for r in replies
            for prompt, text in sorted(r.comments.items())
        ],
    )
    insert_rows(
        Receipt,
        [
            {"period": period, "mentor_id": mentor, "mentee_id": mentee}
            for period, mentor, mentee in sorted((r.ask.period, r.ask.mentor_id, r.ask.mentee_id) for r in plan.replies)
        ],
    )


def insert_rows(model: type, rows: list[dict]) -> None:
    """Bulk inserts of ``CHUNK`` rows at a time."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])
