"""Every "today" a person sees is the department's (SCHEDULER_TIMEZONE), not UTC's: at
23:30 in Toronto it is already 04:30 tomorrow in UTC, and the forms must still offer today."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from recognition import clock
from recognition.extensions import db
from recognition.mentorships.models import Mentorship

# 23:30 on 1 March in Toronto (EST, UTC-5) is 04:30 on 2 March in UTC.
TORONTO_EVENING = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
TORONTO_DAY, UTC_DAY = date(2026, 3, 1), date(2026, 3, 2)


class FrozenDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return TORONTO_EVENING.astimezone(tz) if tz else TORONTO_EVENING.replace(tzinfo=None)


@pytest.fixture
def evening_in_toronto(monkeypatch):
    """The wall clock the app reads (``recognition.clock`` is the one place that reads it)."""
    monkeypatch.setattr(clock, "datetime", FrozenDatetime)
    assert clock.utcnow().date() == UTC_DAY


def prefilled(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert found, f"no input {name!r} on the page"
    value = re.search(r'\bvalue="([^"]*)"', found.group(0))
    assert value, found.group(0)
    return value.group(1)


def test_the_clock_says_the_departments_date(app, evening_in_toronto):
    with app.app_context():
        assert clock.today() == TORONTO_DAY
        assert clock.local_date(clock.utcnow()) == TORONTO_DAY
        app.config["SCHEDULER_TIMEZONE"] = "Europe/Paris"  # 05:30 on 2 March there
        assert clock.today() == UTC_DAY
    assert clock.today() == TORONTO_DAY  # outside an app: the default zone


@pytest.mark.parametrize(
    ("role", "path", "field"),
    [
        ("mentor", "/mentoring", "occurred_on"),  # log a meeting
        ("mentor", "/credits", "occurred_on"),  # record an activity
        ("mentor", "/reflections/new", "occurred_on"),  # reflect on feedback
        ("admin", "/admin/mentorships", "new-started_on"),  # start a mentorship
    ],
)
def test_forms_prefill_the_departments_today(client, login, evening_in_toronto, role, path, field):
    login(client, role)
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert prefilled(response.get_data(as_text=True), field) == TORONTO_DAY.isoformat()


def test_a_mentorship_started_without_a_date_starts_on_the_departments_today(
    app, client, dept, auth, evening_in_toronto
):
    response = client.post(
        "/api/v1/mentorships",
        json={"mentor_id": dept.ids["other_mentor"], "mentee_id": dept.ids["outsider"], "kind": "formal"},
        headers=auth("admin"),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["started_on"] == TORONTO_DAY.isoformat()
    with app.app_context():
        stored = db.session.scalar(select(Mentorship.started_on).where(Mentorship.id == response.get_json()["id"]))
    assert stored == TORONTO_DAY


def test_the_departments_date_of_a_moment_asked_again_follows_the_zone(app):
    """The date of the moment asked just before is not answered for another zone, or for
    the same instant written in another offset."""
    moment = datetime(2026, 3, 2, 4, 30)  # naive UTC: 1 March in Toronto, 2 March in Paris
    with app.app_context():
        app.config["SCHEDULER_TIMEZONE"] = "America/Toronto"
        assert clock.local_date(moment) == clock.local_date(moment) == TORONTO_DAY
        app.config["SCHEDULER_TIMEZONE"] = "Europe/Paris"
        assert clock.local_date(moment) == UTC_DAY
        app.config["SCHEDULER_TIMEZONE"] = "America/Toronto"
        assert clock.local_date(moment) == TORONTO_DAY
        # The same instant as 09:30 at UTC+5: taken, like every moment, as a UTC wall time.
        aware = moment.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=5)))
        assert aware == moment.replace(tzinfo=UTC)
        assert clock.local_date(moment.replace(tzinfo=UTC)) == TORONTO_DAY
        assert clock.local_date(aware) == UTC_DAY
