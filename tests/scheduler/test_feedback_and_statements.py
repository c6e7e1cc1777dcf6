"""The feedback and year-end jobs, driven with explicit dates: they ask, remind and issue
in their windows, never twice, and catch up on what a stopped scheduler missed.

Calendar feedback periods (the default): period 2025 asks from 17 November 2025 (its last
45 days) and takes answers until 1 March 2026 (60 days after it ends).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from recognition.auth.service import load_actor
from recognition.credits.models import Statement
from recognition.extensions import db
from recognition.feedback.models import Request
from recognition.ledger import service as ledger
from tests.scheduler.conftest import add_mentorship

NOTHING = "no feedback period is asking for feedback"


def requests(app) -> list[tuple[str, int, bool]]:
    with app.app_context():
        return [
            (r.period, r.mentee_id, r.sent_at is not None)
            for r in db.session.scalars(select(Request).order_by(Request.id))
        ]


def test_requests_are_created_and_sent_once_inside_the_window(app, dept, run_job, outbox):
    assert run_job("feedback_requests", date(2025, 11, 16)) == NOTHING
    assert requests(app) == [] and outbox.new() == []

    assert run_job("feedback_requests", date(2025, 11, 17)) == "2025: created 2 requests, sent 2"
    assert {mail.to for mail in outbox.new()} == {
        frozenset({dept.email("mentee")}),
        frozenset({dept.email("other_mentee")}),
    }
    assert run_job("feedback_requests", date(2025, 11, 17)) == "2025: created 0 requests, sent 0"
    assert outbox.new() == []

    # A mentorship begun since: its mentee is asked on the next run, and only they are.
    add_mentorship(app, dept, "mentor", "outsider", started_on=date(2025, 12, 1))
    assert run_job("feedback_requests", date(2025, 12, 2)) == "2025: created 1 request, sent 1"
    [mail] = outbox.new()
    assert mail.to == {dept.email("outsider")}
    assert "You can answer until 2026-03-01." in mail.body

    assert run_job("feedback_requests", date(2026, 3, 1)) == "2025: created 0 requests, sent 0"
    assert run_job("feedback_requests", date(2026, 3, 2)) == NOTHING
    assert sorted(requests(app)) == sorted(
        [("2025", dept.ids[role], True) for role in ("mentee", "other_mentee", "outsider")]
    )


def test_requests_missed_while_no_scheduler_ran_go_out_until_answers_close(app, dept, run_job, outbox):
    # Nothing ran from November to February: the first run asks for 2025 after all.
    assert run_job("feedback_requests", date(2026, 2, 15)) == "2025: created 2 requests, sent 2"
    assert len(outbox.new()) == 2


def test_reminders_follow_the_interval_and_stop_when_answers_close(app, dept, run_job, outbox):
    assert run_job("feedback_requests", date(2025, 11, 17)).endswith("sent 2")
    outbox.new()

    # Sent on 17 November; a reminder is due 14 days later.
    assert run_job("feedback_reminders", date(2025, 11, 30)) == "2025: reminded 0 mentees"
    assert run_job("feedback_reminders", date(2025, 12, 1)) == "2025: reminded 2 mentees"
    mails = outbox.new()
    assert {mail.to for mail in mails} == {frozenset({dept.email("mentee")}), frozenset({dept.email("other_mentee")})}
    assert all(mail.subject.startswith("Reminder: ") for mail in mails)
    assert run_job("feedback_reminders", date(2025, 12, 1)) == "2025: reminded 0 mentees"
    # In the new year, 2025 still takes answers (until 1 March) while 2026 has begun.
    assert run_job("feedback_reminders", date(2026, 1, 15)) == "2025: reminded 2 mentees; 2026: reminded 0 mentees"
    assert run_job("feedback_reminders", date(2026, 3, 2)) == "2026: reminded 0 mentees"
    assert len(outbox.new()) == 2


def test_year_end_issues_last_years_statements_once(app, dept, run_job):
    with app.app_context():
        ledger.record(
            {
                "kind": "mentoring_preparation",
                "occurred_on": date(2024, 3, 4),
                "minutes": 90,
                "person_id": dept.ids["mentor"],
                "note": "Read the mentee's draft grant.",
            },
            load_actor(dept.ids["admin"]),
            datetime(2024, 3, 5, 12),
        )
        db.session.commit()

    first = run_job("year_end_statements", date(2025, 1, 1))
    assert first.startswith("2024: issued 1, re-issued 0, skipped 0, failed 0"), first
    # A catch-up days later, or a rerun, is still for 2024 and issues nothing more.
    assert run_job("year_end_statements", date(2025, 1, 6)).startswith(
        "2024: issued 0, re-issued 0, skipped 0, failed 0"
    )
    with app.app_context():
        assert [(s.person_id, s.year, s.version) for s in db.session.scalars(select(Statement))] == [
            (dept.ids["mentor"], 2024, 1)
        ]


def test_a_july_to_june_framework_is_issued_by_the_1_july_run(app, dept, run_job):
    """Mainpro+'s 2024 runs to 30 June 2025: the 1 January run leaves it, the 1 July run issues it."""
    from recognition.credits import profiles

    with app.app_context():
        profiles.set_profile(
            dept.ids["mentor"], "cfpc_mainpro", None, load_actor(dept.ids["mentor"]), datetime(2024, 9, 1)
        )
        ledger.record(
            {
                "kind": "mentoring_preparation",
                "occurred_on": date(2024, 9, 10),
                "minutes": 90,
                "person_id": dept.ids["mentor"],
                "note": "Read the mentee's draft grant.",
            },
            load_actor(dept.ids["admin"]),
            datetime(2024, 9, 11, 12),
        )
        db.session.commit()

    january = run_job("year_end_statements", date(2025, 1, 1))
    assert january.startswith("2024: issued 0, re-issued 0, skipped 1, failed 0"), january
    july = run_job("year_end_statements", date(2025, 7, 1))
    assert july.startswith("2024: issued 1, re-issued 0, skipped 0, failed 0"), july
    with app.app_context():
        assert [(s.person_id, s.framework_id, s.year) for s in db.session.scalars(select(Statement))] == [
            (dept.ids["mentor"], "cfpc_mainpro", 2024)
        ]
