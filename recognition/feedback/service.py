"""Feedback operations: ask, remind, answer (anonymously), release in blocks of k, report.

Services take the actor and the clock, flush, and leave the commit to the caller.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, insert, or_, select, update

from .. import links, mail
from ..auth.service import Actor
from ..clock import local_date
from ..database import lock_for_append
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..mentorships.models import Mentorship
from ..people.models import Person
from . import instruments as definitions
from . import periods
from .models import Answer, Comment, Instrument, Receipt, Release, Request, Response
from .rules import contributors_at_least, effective_k, should_release

FEEDBACK_LOCK = 0x46454544  # "FEED": serialises answers and releases on PostgreSQL


# Configuration ----------------------------------------------------------------------


def k() -> int:
    return effective_k(current_app.config["FEEDBACK_MIN_RESPONSES"])


def period_kind() -> str:
    kind = current_app.config["FEEDBACK_PERIOD"]
    return kind if kind in periods.KINDS else periods.CALENDAR


def current_period(today: date) -> str:
    return periods.period_of(today, period_kind())


def checked_period(key: str, field: str = "period") -> tuple[date, date]:
    try:
        return periods.bounds(key, period_kind())
    except ValueError as error:
        raise DomainError.field(field, str(error)) from error


def answer_deadline(period: str) -> date:
    _, end = periods.bounds(period, period_kind())
    return end + timedelta(days=int(current_app.config["FEEDBACK_ANSWER_DAYS_AFTER_PERIOD"]))


# Instruments ------------------------------------------------------------------------


def available_instruments() -> dict:
    return definitions.load_all(current_app.instance_path)


def publish(instrument: definitions.Instrument) -> None:
    """Store an instrument version, or check it matches the stored one. A version that
    has responses can never change: a change needs a new version number."""
    row = db.session.get(Instrument, (instrument.key, instrument.version))
    if row is None:
        db.session.add(
            Instrument(
                key=instrument.key,
                version=instrument.version,
                content_hash=instrument.content_hash,
                definition=instrument.definition,
            )
        )
    elif row.content_hash != instrument.content_hash:
        used = db.session.scalar(
            select(
                exists().where(
                    Response.instrument_key == instrument.key, Response.instrument_version == instrument.version
                )
            )
        )
        if used:
            raise definitions.InstrumentError(
                f"{instrument.ref} has responses and its definition has changed; publish the change as version "
                f"{instrument.version + 1} instead"
            )
        row.content_hash, row.definition = instrument.content_hash, instrument.definition
    db.session.flush()


def instrument(key: str, version: int) -> definitions.Instrument:
    row = db.session.get(Instrument, (key, version))
    if row is None:
        raise NotFound(f"No instrument {key} version {version}.")
    return definitions.parse(row.definition, f"{key}@{version}")


def current_instrument() -> definitions.Instrument:
    chosen = definitions.latest(available_instruments(), current_app.config["FEEDBACK_INSTRUMENT"])
    publish(chosen)
    return chosen


# Requests ---------------------------------------------------------------------------


def request_feedback(period: str, now: datetime) -> list[Request]:
    """Ask every mentee of a mentorship active in the period, once per mentor. Rerunning
    asks only those not asked yet."""
    start, end = checked_period(period)
    if start > local_date(now):
        raise DomainError.field("period", "must have started")
    chosen = current_instrument()
    active = db.session.scalars(
        select(Mentorship)
        .where(
            Mentorship.kind.in_(current_app.config["FEEDBACK_MENTORSHIP_KINDS"]),
            Mentorship.started_on <= end,
            or_(Mentorship.ended_on.is_(None), Mentorship.ended_on >= start),
        )
        .order_by(Mentorship.id)
    ).all()
    asked = {
        (mentor_id, mentee_id)
        for mentor_id, mentee_id in db.session.execute(
            select(Request.mentor_id, Request.mentee_id).where(Request.period == period)
        )
    }
    created = []
    for mentorship in active:
        pair = (mentorship.mentor_id, mentorship.mentee_id)
        if pair in asked:
            continue
        asked.add(pair)
        created.append(
            Request(
                period=period,
                mentor_id=pair[0],
                mentee_id=pair[1],
                mentorship_id=mentorship.id,
                instrument_key=chosen.key,
                instrument_version=chosen.version,
                created_at=now,
            )
        )
    db.session.add_all(created)
    db.session.flush()
    return created


def answered(request: Request) -> bool:
    return db.session.get(Receipt, (request.period, request.mentor_id, request.mentee_id)) is not None


def unanswered(period: str):
    """A select of the period's requests with no receipt yet."""
    return select(Request).where(
        Request.period == period,
        ~exists().where(
            Receipt.period == Request.period,
            Receipt.mentor_id == Request.mentor_id,
            Receipt.mentee_id == Request.mentee_id,
        ),
    )


def messages_for(requests: list[Request], reminder: bool):
    people = {
        p.id: p
        for p in db.session.scalars(
            select(Person).where(Person.id.in_({r.mentee_id for r in requests} | {r.mentor_id for r in requests}))
        )
    }
    base = links.base_url()
    for request in requests:
        mentee, mentor = people[request.mentee_id], people[request.mentor_id]
        subject = ("Reminder: " if reminder else "") + f"Your feedback on {mentor.name}'s mentoring ({request.period})"
        body = (
            f"Dear {mentee.name},\n\n"
            f"How has {mentor.name}'s mentoring been for you in {request.period}? The form takes about five minutes:\n\n"
            f"    {base}/feedback/requests/{request.id}\n\n"
            "Your answers are anonymous. Your mentor sees them only pooled with the answers of at least "
            f"{k() - 1} other mentees, and no one, administrators included, can tell which answers are yours.\n\n"
            f"You can answer until {answer_deadline(request.period).isoformat()}.\n"
        )
        yield request, mail.compose(mentee.email, subject, body)


def _claim(requests: list[Request], condition, values: dict) -> list[Request]:
    """Mark, among ``requests``, those the database still finds in ``condition``, and
    return them (read afresh): the list the caller holds may be stale, and another process
    (the scheduler, an administrator's page, the command line) may be mailing the same
    requests. On PostgreSQL the rows stay locked until the caller commits, and the other
    process's update re-checks the condition after; SQLite's writers take turns. So each
    request is mailed by one of them, and a failed send rolls the mark back."""
    ids = [r.id for r in requests]
    if not ids:
        return []
    claimed = list(
        db.session.scalars(
            update(Request)
            .where(Request.id.in_(ids), condition)
            .values(**values)
            .returning(Request.id)
            .execution_options(synchronize_session=False)
        )
    )
    if not claimed:
        return []
    return list(
        db.session.scalars(
            select(Request)
            .where(Request.id.in_(claimed))
            .order_by(Request.id)
            .execution_options(populate_existing=True)
        )
    )


def send_requests(requests: Sequence[Request], now: datetime) -> str:
    """Mail the requests not mailed yet (by anyone, this moment included)."""
    pending = _claim([r for r in requests if r.sent_at is None], Request.sent_at.is_(None), {"sent_at": now})
    outgoing = list(messages_for(pending, reminder=False))
    where = mail.send([message for _, message in outgoing])
    db.session.flush()
    return where


def remind(period: str, now: datetime) -> list[Request]:
    """Remind the mentees who have not answered, at most once per reminder interval,
    while the request can still be answered."""
    checked_period(period)
    if local_date(now) > answer_deadline(period):
        return []
    due = now - timedelta(days=int(current_app.config["FEEDBACK_REMINDER_INTERVAL_DAYS"]))
    requests = [
        r
        for r in db.session.scalars(unanswered(period).order_by(Request.id))
        if (r.reminded_at or r.sent_at or r.created_at) <= due
    ]
    requests = _claim(
        requests,
        func.coalesce(Request.reminded_at, Request.sent_at, Request.created_at) <= due,
        {"reminded_at": now, "reminders": Request.reminders + 1},
    )
    outgoing = list(messages_for(requests, reminder=True))
    mail.send([message for _, message in outgoing])
    db.session.flush()
    return requests


def requests_of(actor: Actor, today: date) -> list[dict]:
    """A mentee's requests, newest first, with whether each is answered or still open."""
    rows = db.session.scalars(
        select(Request).where(Request.mentee_id == actor.person_id).order_by(Request.period.desc(), Request.id)
    ).all()
    mentors = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_({r.mentor_id for r in rows})))}
    return [
        {
            "request": r,
            "mentor": mentors[r.mentor_id],
            "answered": answered(r),
            "open": today <= answer_deadline(r.period),
            "deadline": answer_deadline(r.period),
        }
        for r in rows
    ]


def get_request(request_id: int, actor: Actor) -> Request:
    """Only the mentee asked can open a request."""
    request = db.session.get(Request, request_id)
    if request is None or request.mentee_id != actor.person_id:
        raise NotFound("No feedback request with that id is addressed to you.")
    return request


# Answering --------------------------------------------------------------------------


def submit(request: Request, answers: dict, comments: dict, actor: Actor, now: datetime) -> None:
    """Store one anonymous response. Nothing stored links it to the mentee."""
    lock_for_append(db.session, FEEDBACK_LOCK)
    if request.mentee_id != actor.person_id:
        raise NotFound("No feedback request with that id is addressed to you.")
    mentor = db.session.get(Person, request.mentor_id)
    assert mentor is not None  # the request's foreign key
    if answered(request):
        raise Conflict(
            f"You have already given feedback on {mentor.name} for {request.period}. Each mentee answers once "
            "per mentor per period, and a response cannot be seen or changed afterwards.",
            {"request": ["already answered for this period"]},
        )
    if local_date(now) > answer_deadline(request.period):
        raise Conflict(
            f"Feedback for {request.period} closed on {answer_deadline(request.period).isoformat()}.",
            {"request": ["the answer window has closed"]},
        )
    used = instrument(request.instrument_key, request.instrument_version)
    comments = {
        key: value for key, value in (comments or {}).items() if not (isinstance(value, str) and not value.strip())
    }
    problems = definitions.answer_problems(used, answers or {}, comments)
    if problems:
        raise DomainError("Some answers are missing or not on the scale: " + ", ".join(sorted(problems)), problems)
    response_id = secrets.token_hex(16)
    db.session.execute(
        insert(Response),
        [
            {
                "id": response_id,
                "mentor_id": request.mentor_id,
                "period": request.period,
                "instrument_key": used.key,
                "instrument_version": used.version,
                "release_id": None,
            }
        ],
    )
    db.session.execute(
        insert(Answer),
        [{"response_id": response_id, "item_id": item.id, "value": answers[item.id]} for item in used.items],
    )
    if comments:
        db.session.execute(
            insert(Comment),
            [{"response_id": response_id, "prompt_id": key, "text": value.strip()} for key, value in comments.items()],
        )
    _add_receipt(request)
    _settle(request.mentor_id, used.key, used.version)


def _add_receipt(request: Request) -> None:
    """Record the receipt, keeping the mentor's receipts for the period in mentee order."""
    where = (Receipt.period == request.period, Receipt.mentor_id == request.mentor_id)
    mentees = sorted({*db.session.scalars(select(Receipt.mentee_id).where(*where)), request.mentee_id})
    db.session.execute(delete(Receipt).where(*where))
    db.session.execute(
        insert(Receipt),
        [{"period": request.period, "mentor_id": request.mentor_id, "mentee_id": mentee} for mentee in mentees],
    )


def _contributors(mentor_id: int, responses: list[dict]) -> int:
    """At least how many mentees gave these waiting responses (``rules.contributors_at_least``)."""
    waiting: dict[str, int] = {}
    for row in responses:
        waiting[row["period"]] = waiting.get(row["period"], 0) + 1
    released = set(
        db.session.scalars(
            select(Response.period).where(Response.mentor_id == mentor_id, Response.release_id.is_not(None)).distinct()
        )
    )
    receipts: dict[str, list[int]] = {}
    for period, mentee_id in db.session.execute(
        select(Receipt.period, Receipt.mentee_id).where(Receipt.mentor_id == mentor_id, Receipt.period.in_(waiting))
    ):
        receipts.setdefault(period, []).append(mentee_id)
    # A period is whole when nothing of it was released and every receipt has its response
    # waiting here (a response to another instrument version would break the count).
    whole = {
        period: receipts.get(period, [])
        for period, count in waiting.items()
        if period not in released and len(receipts.get(period, [])) == count
    }
    return contributors_at_least(waiting, whole)


def _settle(mentor_id: int, key: str, version: int) -> None:
    """Rewrite the mentor's waiting responses in id order (so storage order says nothing
    about arrival) and release them as a block once there are k from k different mentees."""
    waiting = select(Response.id).where(
        Response.mentor_id == mentor_id,
        Response.instrument_key == key,
        Response.instrument_version == version,
        Response.release_id.is_(None),
    )
    responses = [
        dict(row._mapping)
        for row in db.session.execute(select(Response.__table__).where(Response.id.in_(waiting)).order_by(Response.id))
    ]
    ids = [row["id"] for row in responses]
    answers = [
        dict(row._mapping)
        for row in db.session.execute(
            select(Answer.__table__).where(Answer.response_id.in_(ids)).order_by(Answer.response_id, Answer.item_id)
        )
    ]
    comments = [
        dict(row._mapping)
        for row in db.session.execute(
            select(Comment.__table__)
            .where(Comment.response_id.in_(ids))
            .order_by(Comment.response_id, Comment.prompt_id)
        )
    ]
    if should_release(len(responses), _contributors(mentor_id, responses), k()):
        release = Release(
            mentor_id=mentor_id,
            instrument_key=key,
            instrument_version=version,
            periods=",".join(sorted({row["period"] for row in responses})),
            response_count=len(responses),
        )
        db.session.add(release)
        db.session.flush()
        for row in responses:
            row["release_id"] = release.id
    db.session.execute(delete(Comment).where(Comment.response_id.in_(ids)))
    db.session.execute(delete(Answer).where(Answer.response_id.in_(ids)))
    db.session.execute(delete(Response).where(Response.id.in_(ids)))
    db.session.execute(insert(Response), responses)
    db.session.execute(insert(Answer), answers)
    if comments:
        db.session.execute(insert(Comment), comments)
    db.session.flush()
