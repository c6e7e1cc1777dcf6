"""Reflections need a shown feedback report: a block of k released responses."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from recognition.auth.service import load_actor
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.feedback import service
from recognition.feedback.models import Release, Request
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person


def release_for(app, dept, mentor: str, now: datetime | None = None) -> int:
    """Three new mentees of ``mentor`` are asked and answer at ``now`` (default: now) for
    its period; the released block. A reflection on it is dated no earlier than ``now``."""
    at = now or utcnow()
    with app.app_context():
        period = service.current_period(at.date())
        division_id = db.session.get(Person, dept.ids[mentor]).division_id
        for n in range(3):
            person = Person(
                name=f"{mentor} mentee {n}",
                email=f"{mentor}.mentee{n}@test.example.org",
                division_id=division_id,
                rank="assistant",
                position="clinician_teacher",
                appointed_on=date(2023, 7, 1),
                created_at=at,
            )
            db.session.add(person)
            db.session.flush()
            db.session.add(
                Mentorship(
                    mentor_id=dept.ids[mentor],
                    mentee_id=person.id,
                    kind="formal",
                    started_on=date(2024, 1, 1),
                    created_at=at,
                )
            )
        db.session.flush()
        service.request_feedback(period, at)
        asked = db.session.scalars(
            select(Request)
            .join(Person, Person.id == Request.mentee_id)
            .where(Request.mentor_id == dept.ids[mentor], Person.email.like(f"{mentor}.mentee%"))
        ).all()
        for request in asked:
            used = service.instrument(request.instrument_key, request.instrument_version)
            service.submit(
                request,
                {item.id: 5 for item in used.items},
                {"strengths": "Generous with time."},
                load_actor(request.mentee_id),
                at,
            )
        db.session.commit()
        return db.session.scalar(select(Release.id).where(Release.mentor_id == dept.ids[mentor]))


@pytest.fixture
def release_id(app, dept) -> int:
    return release_for(app, dept, "mentor")
