"""The demo's mentee feedback and reflections: stored exactly as the services store them,
anonymous, released in blocks of k, and private."""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from recognition.auth.service import load_actor
from recognition.demo import department, relationships
from recognition.demo import feedback as demo_feedback
from recognition.demo import feedback_rows as demo_feedback_rows
from recognition.demo import logins as demo_logins
from recognition.demo import reflections as demo_reflections
from recognition.extensions import db
from recognition.feedback import instruments as definitions
from recognition.feedback import periods, reports, service
from recognition.feedback.models import Comment, Receipt, Release, Request, Response
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from recognition.reflections import service as reflections_service
from recognition.reflections.models import STEPS, Reflection
from recognition.reflections.service import MAX_STEP, text_digest

from .conftest import SCALE, SEED, TODAY, feedback_snapshot, load

PAST = ("2022", "2023", "2024")  # the complete periods before TODAY (2025-06-15)
CURRENT = "2025"


def person(email: str) -> Person:
    return db.session.scalar(select(Person).where(Person.email == email))


def test_feedback_was_asked_and_answered_for_several_periods(app, logins):
    with app.app_context():
        asked = Counter(db.session.scalars(select(Request.period)))
        answered = Counter(db.session.scalars(select(Receipt.period)))
        responses = Counter(db.session.scalars(select(Response.period)))
        assert set(asked) == {*PAST, CURRENT}
        assert answered == responses  # one receipt per response, nothing more
        for period in PAST:
            assert 0.5 <= answered[period] / asked[period] <= 0.85, period
        assert 0 < answered[CURRENT] < 0.6 * asked[CURRENT]  # still coming in
        requests = list(db.session.scalars(select(Request)))
        assert all(r.sent_at == r.created_at for r in requests)
        assert any(r.reminders for r in requests)
        kinds = {m.id: m.kind for m in db.session.scalars(select(Mentorship))}
        assert {kinds[r.mentorship_id] for r in requests} <= set(app.config["FEEDBACK_MENTORSHIP_KINDS"])
        assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in db.session.scalars(select(Response.id)))
        comments = list(db.session.scalars(select(Comment.text)))
        assert comments and len(set(comments)) > 10
        names = {word for name in db.session.scalars(select(Person.name)) for word in name.split() if len(word) > 3}
        assert not {word.strip(".,") for text in comments for word in text.split()} & names
    # Historical requests were marked sent, not emailed into the outbox.
    outbox = Path(app.instance_path) / "outbox"
    assert not outbox.exists() or not any(outbox.iterdir())


def test_the_requests_are_the_ones_the_service_makes(app, logins):
    """Asking again, at the time the demo asked, adds no one for a past period; for the
    current one, only mentorships put on record after the requests went out."""
    with app.app_context():
        for period in (*PAST, CURRENT):
            sent = db.session.scalar(select(func.min(Request.created_at)).where(Request.period == period))
            added = service.request_feedback(period, sent)
            later = {m.id for m in db.session.scalars(select(Mentorship).where(Mentorship.created_at > sent))}
            assert {r.mentorship_id for r in added} <= later, period
            if period in PAST:
                assert added == []
        db.session.rollback()


def test_every_release_is_a_block_of_at_least_k_for_one_mentor(app, logins):
    with app.app_context():
        k = service.k()
        responses = list(db.session.scalars(select(Response)))
        releases = {r.id: r for r in db.session.scalars(select(Release))}
        by_release = defaultdict(list)
        waiting = Counter()
        for response in responses:
            if response.release_id is None:
                waiting[response.mentor_id] += 1
            else:
                by_release[response.release_id].append(response)
        assert set(by_release) == set(releases)
        for release_id, members in by_release.items():
            release = releases[release_id]
            assert len(members) == release.response_count >= k
            assert {m.mentor_id for m in members} == {release.mentor_id}
            assert release.periods == ",".join(sorted({m.period for m in members}))
        # Some mentors are below k. (A mentor may have k or more waiting when they come from
        # fewer than k different mentees: one mentee answering year after year.)
        assert waiting
        # Some mentors' reports are withheld for a period in which they had responses.
        withheld = [
            (response.mentor_id, response.period)
            for response in responses
            if not any(
                response.period in r.periods.split(",") for r in releases.values() if r.mentor_id == response.mentor_id
            )
        ]
        assert withheld


def test_the_demo_mentor_has_a_report_and_the_demo_mentee_an_open_request(app, logins):
    with app.app_context():
        mentor, mentee = person(logins["mentor"][0]), person(logins["mentee"][0])
        actor = load_actor(mentor.id)
        shown = [p for p in PAST if reports.mentor_report(mentor.id, p, actor)["shown"]]
        assert shown
        report = reports.mentor_report(mentor.id, shown[-1], actor)
        assert report["summary"].responses >= service.k() and report["summary"].overall >= 4.5
        mine = service.requests_of(load_actor(mentee.id), TODAY)
        assert any(
            row["request"].period == CURRENT and row["mentor"].id == mentor.id and row["open"] and not row["answered"]
            for row in mine
        )
        # The demo mentor's reports are left for the tour to reflect on.
        assert not db.session.scalar(
            select(Reflection).where(Reflection.person_id == mentor.id, Reflection.source == "report")
        )


def test_reflections_are_private_ledger_entries(app, logins):
    with app.app_context():
        reflections = list(db.session.scalars(select(Reflection).order_by(Reflection.id)))
        assert {r.source for r in reflections} == {"report", "external"}
        notes = "\n".join(db.session.scalars(select(LedgerEntry.note)))
        with_reports = set(db.session.scalars(select(Release.mentor_id)))
        reflecting = {r.person_id for r in reflections if r.source == "report"}
        assert 0.1 <= len(reflecting) / len(with_reports) <= 0.6
        previous = None
        for reflection in reflections:
            entry = reflection.entry
            fields = {key: getattr(reflection, key) for key in ("source_name", *STEPS)}
            assert entry.kind == "feedback_reflection" and entry.entry_type == "contribution"
            assert entry.person_id == entry.recorded_by_id == reflection.person_id and entry.mentorship_id is None
            assert reflection.salt and entry.note == text_digest(fields, reflection.salt)
            assert entry.recorded_at == reflection.created_at and entry.occurred_on <= entry.recorded_at.date()
            assert 20 <= entry.minutes <= 90
            assert all(fields[key] for key in fields) and all(len(fields[key]) <= MAX_STEP for key in STEPS)
            assert len(reflection.source_name) <= 200
            for text in fields.values():
                assert text not in notes
            if reflection.source == "report":
                assert reflection.release.mentor_id == reflection.person_id
                assert reflection.period in reflection.release.periods.split(",")
            else:
                assert reflection.release_id is None and reflection.period is None
            assert previous is None or previous < entry.seq  # numbered in the order recorded
            previous = entry.seq
        verdict = ledger.verify()
        assert verdict.valid, verdict.problem


def test_the_stored_rows_are_what_submit_would_store(app, other_app, monkeypatch):
    """Load the demo twice; in the second database, store no answers but replay every
    response through ``service.submit`` (with the demo's ids), then compare every row."""
    load(app)
    captured, write_reflections = {}, demo_reflections.write
    monkeypatch.setattr(demo_feedback_rows, "write_answers", lambda plan: captured.setdefault("plan", plan))
    monkeypatch.setattr(demo_reflections, "write", lambda planned: captured.setdefault("reflections", planned))
    load(other_app)
    plan = captured["plan"]
    assert len(plan.replies) > 30
    ids = iter(reply.id for reply in plan.replies)
    monkeypatch.setattr(service, "secrets", SimpleNamespace(token_hex=lambda nbytes: next(ids)))
    with other_app.app_context():
        for reply in plan.replies:
            request = db.session.get(Request, reply.ask.id)
            service.submit(request, dict(reply.answers), dict(reply.comments), load_actor(request.mentee_id), reply.at)
        write_reflections(captured["reflections"])  # their releases exist now
        db.session.commit()
    assert feedback_snapshot(other_app) == feedback_snapshot(app)


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (date(2025, 1, 1), periods.CALENDAR),
        (date(2025, 1, 4), periods.CALENDAR),
        (date(2025, 2, 20), periods.CALENDAR),
        (date(2025, 12, 31), periods.CALENDAR),
        (date(2025, 7, 1), periods.ACADEMIC),
        (date(2025, 10, 9), periods.ACADEMIC),
    ],
)
def test_the_plan_keeps_the_service_rules_on_any_day(today, kind):
    """Pure: requests only after a period starts, answers only inside the answer window
    and before today, reminders only to those who had not answered, blocks of k; the
    demo mentee always has an open request waiting."""
    config = demo_feedback.Settings(
        k=3,
        period_kind=kind,
        answer_days=60,
        reminder_days=14,
        kinds=("formal", "peer_group", "sponsorship"),
        instrument=definitions.latest(definitions.load_all(), definitions.DEFAULT_KEY),
    )
    dept = department.build(random.Random(f"{SEED}:people"), today, SCALE)
    ties = relationships.build(random.Random(f"{SEED}:mentorships"), dept, SCALE)
    open_formal = [(t.mentor_id, t.mentee_id, t.started_on) for t in ties if t.kind == "formal" and t.ended_on is None]
    featured = demo_logins.featured_pair(open_formal, set(dept.directors.values()))
    plan = demo_feedback.build(random.Random(f"{SEED}:feedback"), dept, ties, featured, config)
    cutoff = datetime.combine(today, time.min)
    assert len(plan.periods) >= 3 and plan.replies and plan.blocks
    for ask in plan.asks:
        start, end = periods.bounds(ask.period, kind)
        assert start <= ask.created_at.date() and ask.created_at < cutoff
        assert ask.deadline == end + timedelta(days=60)
        if ask.reminded_at is not None:
            assert ask.created_at + timedelta(days=14 * ask.reminders) <= ask.reminded_at < cutoff
            assert ask.reminded_at.date() <= ask.deadline
            assert ask.answered_at is None or ask.answered_at > ask.reminded_at
    for reply in plan.replies:
        assert reply.ask.created_at < reply.at < cutoff and reply.at.date() <= reply.ask.deadline
        assert definitions.answer_problems(config.instrument, reply.answers, reply.comments) == {}
    assert all(len({reply.ask.mentee_id for reply in block.replies}) >= 3 for block in plan.blocks)
    assert len({reply.id for reply in plan.replies}) == len(plan.replies)
    waiting = [
        ask
        for ask in plan.asks
        if tuple(featured) == (ask.mentor_id, ask.mentee_id) and ask.answered_at is None and ask.deadline >= today
    ]
    assert waiting and waiting[-1].period == plan.periods[-1]
    complete = set(plan.complete)
    assert any(block.mentor_id == featured[0] and complete & set(block.periods) for block in plan.blocks)


def test_the_app_carries_on_after_the_demo(app, logins):
    """The demo mentee answers their open request and the demo mentor reflects on their
    report through the services; new rows get fresh ids (PostgreSQL's sequences were
    moved past the demo's) and the chain still verifies."""
    now = datetime.combine(TODAY, time(9))
    with app.app_context():
        mentor, mentee = person(logins["mentor"][0]), person(logins["mentee"][0])
        request = db.session.scalar(
            select(Request).where(
                Request.period == CURRENT, Request.mentor_id == mentor.id, Request.mentee_id == mentee.id
            )
        )
        instrument = service.instrument(request.instrument_key, request.instrument_version)
        service.submit(
            request,
            {item.id: 5 for item in instrument.items},
            {"strengths": "Very helpful."},
            load_actor(mentee.id),
            now,
        )
        release = db.session.scalar(
            select(Release).where(Release.mentor_id == mentor.id).order_by(Release.id.desc()).limit(1)
        )
        before = {model: db.session.scalar(select(func.max(model.id))) for model in (Request, Release, Reflection)}
        reflection = reflections_service.record(
            {
                "source": "report",
                "release_id": release.id,
                "occurred_on": TODAY,
                "minutes": 45,
                "area": "Availability.",
                "question": "Can mentees reach me?",
                "next_steps": "Office hours.",
            },
            load_actor(mentor.id),
            now + timedelta(hours=1),
        )
        db.session.add(
            Request(
                period="2021",
                mentor_id=request.mentor_id,
                mentee_id=request.mentee_id,
                mentorship_id=request.mentorship_id,
                instrument_key=instrument.key,
                instrument_version=instrument.version,
                created_at=now,
            )
        )
        db.session.add(
            Release(
                mentor_id=mentor.id,
                instrument_key=instrument.key,
                instrument_version=instrument.version,
                periods="2021",
                response_count=3,
            )
        )
        db.session.commit()
        assert reflection.id == before[Reflection] + 1
        assert db.session.scalar(select(func.max(Request.id))) == before[Request] + 1
        assert db.session.scalar(select(func.max(Release.id))) == before[Release] + 1
        assert ledger.verify().valid
