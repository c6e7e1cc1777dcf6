"""Meeting, check-in and CFAR reminders: to the right people, each exactly once, and still
sent when their date passed while no scheduler ran.

The test department's two formal mentorships (mentor → mentee in CARD, other mentor →
other mentee in NEPH) began on 1 January 2024; everyone was appointed on 1 July 2023.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from recognition.extensions import db
from tests.awards import recorded
from tests.scheduler.conftest import add_mentorship, end_mentorship, notices, record_meeting, reverse, set_appointed

BASE = "http://127.0.0.1:5000"


def emails(dept, *roles: str) -> frozenset[str]:
    return frozenset(dept.email(role) for role in roles)


# Meetings ------------------------------------------------------------------------------


def test_an_overdue_mentorship_is_reminded_once_per_gap(app, dept, run_job, outbox):
    # No meeting since the start (1 January 2024): overdue 120 days later, on 30 April.
    assert run_job("meeting_reminders", date(2024, 4, 29)) == "sent 0 reminders for mentorships overdue for a meeting"
    assert outbox.new() == []

    assert run_job("meeting_reminders", date(2024, 5, 6)) == "sent 2 reminders for mentorships overdue for a meeting"
    mails = outbox.new()
    assert {mail.to for mail in mails} == {
        emails(dept, "mentor", "mentee"),
        emails(dept, "other_mentor", "other_mentee"),
    }
    mine = next(mail for mail in mails if dept.email("mentee") in mail.to)
    assert mine.subject == "Time to meet: Mentor Person and Mentee Person"
    assert "since your mentorship began on 2024-01-01" in mine.body
    assert f"{BASE}/mentorships/{dept.mentorship_id}" in mine.body

    # The same gap: neither a rerun nor the next Monday sends it again.
    assert run_job("meeting_reminders", date(2024, 5, 6)).startswith("sent 0 ")
    assert run_job("meeting_reminders", date(2024, 5, 13)).startswith("sent 0 ")
    assert outbox.new() == []
    assert sorted(notices(app)) == sorted(
        [
            ("meeting_overdue", f"mentorship:{dept.mentorship_id}", date(2024, 4, 30)),
            ("meeting_overdue", f"mentorship:{dept.other_mentorship_id}", date(2024, 4, 30)),
        ]
    )


def test_a_meeting_ends_the_gap_and_the_next_gap_is_reminded_again(app, dept, run_job, outbox):
    assert run_job("meeting_reminders", date(2024, 5, 6)).startswith("sent 2 ")
    outbox.new()
    record_meeting(app, dept, dept.mentorship_id, date(2024, 5, 8))

    # 120 days after the meeting is 5 September: not overdue on Monday 2 September.
    assert run_job("meeting_reminders", date(2024, 9, 2)).startswith("sent 0 ")
    assert run_job("meeting_reminders", date(2024, 9, 9)).startswith("sent 1 ")
    [mail] = outbox.new()
    assert mail.to == emails(dept, "mentor", "mentee")
    assert "since 2024-05-08" in mail.body
    assert ("meeting_overdue", f"mentorship:{dept.mentorship_id}", date(2024, 9, 5)) in notices(app)


def test_a_reversed_meeting_does_not_count(app, dept, run_job, outbox):
    entry = record_meeting(app, dept, dept.mentorship_id, date(2024, 3, 1))
    reverse(app, dept, entry, date(2024, 3, 2))

    assert run_job("meeting_reminders", date(2024, 5, 6)).startswith("sent 2 ")
    mine = next(mail for mail in outbox.new() if dept.email("mentee") in mail.to)
    assert "since your mentorship began on 2024-01-01" in mine.body


def test_a_gap_that_began_while_no_scheduler_ran_is_reminded_on_the_next_run(app, dept, run_job, outbox):
    # The weekly runs of May, June and July were missed; the first run since still reminds.
    assert run_job("meeting_reminders", date(2024, 8, 5)).startswith("sent 2 ")
    assert len(outbox.new()) == 2


def test_only_formal_mentorships_in_the_mentees_first_years_and_still_active(app, dept, run_job, outbox):
    set_appointed(app, dept, {"mentee": date(2015, 7, 1)}, everyone_else=date(2023, 7, 1))  # past 5 years by 2024
    add_mentorship(app, dept, "other_mentor", "outsider", kind="informal")
    ended = add_mentorship(app, dept, "mentor", "other_mentee", started_on=date(2023, 9, 1))
    end_mentorship(app, ended, date(2024, 4, 1))

    assert run_job("meeting_reminders", date(2024, 5, 6)).startswith("sent 1 ")
    assert [mail.to for mail in outbox.new()] == [emails(dept, "other_mentor", "other_mentee")]


# Check-ins ------------------------------------------------------------------------------


def test_the_check_in_reminder_goes_out_once_on_the_18_month_date(app, dept, run_job, outbox):
    assert run_job("check_in_reminders", date(2025, 6, 30)) == "sent 0 check-in reminders"
    assert run_job("check_in_reminders", date(2025, 7, 1)) == "sent 2 check-in reminders"
    mails = outbox.new()
    assert {mail.to for mail in mails} == {
        emails(dept, "mentor", "mentee", "director"),
        emails(dept, "other_mentor", "other_mentee", "other_director"),
    }
    mine = next(mail for mail in mails if dept.email("mentee") in mail.to)
    assert mine.subject == "1.5-year check-in: Mentee Person"
    assert "On 2025-07-01 it reached 18 months" in mine.body
    assert f"{BASE}/mentorships/{dept.mentorship_id}" in mine.body

    for day in (date(2025, 7, 1), date(2025, 7, 2), date(2025, 7, 20)):
        assert run_job("check_in_reminders", day) == "sent 0 check-in reminders"
    assert outbox.new() == []
    assert sorted(notices(app)) == sorted(
        [
            ("check_in", f"mentorship:{dept.mentorship_id}", date(2025, 7, 1)),
            ("check_in", f"mentorship:{dept.other_mentorship_id}", date(2025, 7, 1)),
        ]
    )


def test_a_check_in_missed_while_no_scheduler_ran_goes_out_up_to_the_catch_up_limit(app, dept, run_job, outbox):
    app.config["REMINDER_CATCH_UP_DAYS"] = 30
    # 31 days late: too old to send (a first start must not remind of every past date).
    assert run_job("check_in_reminders", date(2025, 8, 1)) == "sent 0 check-in reminders"
    # 30 days late: still sent.
    assert run_job("check_in_reminders", date(2025, 7, 31)) == "sent 2 check-in reminders"
    assert len(outbox.new()) == 2


def test_check_ins_follow_each_mentorships_own_start_and_skip_ended_and_informal_ones(app, dept, run_job, outbox):
    clamped = add_mentorship(app, dept, "other_mentor", "outsider", started_on=date(2024, 8, 31))
    add_mentorship(app, dept, "mentor", "outsider", kind="informal", started_on=date(2024, 8, 31))
    ended = add_mentorship(app, dept, "mentor", "other_mentee", started_on=date(2024, 8, 31))
    end_mentorship(app, ended, date(2025, 12, 1))

    # 18 months after 31 August 2024: 28 February 2026 (February has no 31st).
    assert run_job("check_in_reminders", date(2026, 2, 27)) == "sent 0 check-in reminders"
    assert run_job("check_in_reminders", date(2026, 2, 28)) == "sent 1 check-in reminder"
    [mail] = outbox.new()
    assert mail.to == emails(dept, "other_mentor", "outsider", "other_director")
    assert [key for _, key, _ in notices(app)] == [f"mentorship:{clamped}"]


# CFAR ---------------------------------------------------------------------------------


def test_the_cfar_reminder_goes_to_the_person_their_directors_and_formal_mentors_once(app, dept, run_job, outbox):
    set_appointed(app, dept, {"mentee": date(2023, 7, 1)})  # CFAR on 1 July 2026
    add_mentorship(app, dept, "other_mentor", "mentee", kind="peer_group")  # not a formal mentor

    cfar = date(2026, 7, 1)
    assert run_job("cfar_reminders", cfar - timedelta(days=91)) == "sent 0 CFAR reminders"
    assert run_job("cfar_reminders", cfar - timedelta(days=90)) == "sent 1 CFAR reminder"
    [mail] = outbox.new()
    assert mail.to == emails(dept, "mentee", "director", "mentor")
    assert mail.subject == "CFAR due on 2026-07-01: Mentee Person"
    assert "3 years after the appointment on 2023-07-01" in mail.body
    assert f"{BASE}/people/{dept.ids['mentee']}" in mail.body

    for day in (cfar - timedelta(days=90), cfar - timedelta(days=30), cfar):
        assert run_job("cfar_reminders", day) == "sent 0 CFAR reminders"
    assert outbox.new() == []
    assert notices(app) == [("cfar", f"person:{dept.ids['mentee']}", cfar)]


def test_a_cfar_reminder_missed_while_no_scheduler_ran_goes_out_until_the_date(app, dept, run_job, outbox):
    set_appointed(app, dept, {"mentee": date(2023, 7, 1), "other_mentee": date(2023, 6, 1)})
    # No run between March and 1 July 2026: the one for 1 July (the date itself) still
    # reminds of it, while the other mentee's CFAR (1 June) has passed and is left alone.
    assert run_job("cfar_reminders", date(2026, 7, 1)) == "sent 1 CFAR reminder"
    [mail] = outbox.new()
    assert dept.email("mentee") in mail.to
    assert run_job("cfar_reminders", date(2026, 7, 2)) == "sent 0 CFAR reminders"


# What is recorded for the mentee (appointed 1 July 2023, so a CFAR due 1 July 2026):
# (label, [(day, outcome, source, then)], the due date reminded of, or None)
RECORDED_CFARS = [
    ("none recorded: due from the appointment", [], date(2026, 7, 1)),
    ("recorded passed: nothing due", [(date(2026, 3, 1), "passed", "entered", None)], None),
    (
        "recorded extended: the re-review two years later",
        [(date(2026, 3, 1), "extended", "entered", None)],
        date(2028, 3, 1),
    ),
    (
        "extended, then passed at the re-review",
        [(date(2026, 3, 1), "extended", "entered", None), (date(2027, 11, 1), "passed", "imported", None)],
        None,
    ),
    ("a withdrawn pass does not stand", [(date(2026, 3, 1), "passed", "entered", "withdrawn")], date(2026, 7, 1)),
    (
        "a self-reported pass not yet confirmed does not stand",
        [(date(2026, 3, 1), "passed", "self_reported", None)],
        date(2026, 7, 1),
    ),
    (
        "a self-reported pass confirmed by the director stands",
        [(date(2026, 3, 1), "passed", "self_reported", "confirmed")],
        None,
    ),
]


@pytest.mark.parametrize(("label", "rows", "due"), RECORDED_CFARS, ids=[row[0] for row in RECORDED_CFARS])
def test_the_cfar_reminder_reads_the_recorded_cfars(app, dept, run_job, outbox, label, rows, due):
    set_appointed(app, dept, {"mentee": date(2023, 7, 1)})
    with app.app_context():
        for day, outcome, source, then in rows:
            now = datetime.combine(day, time(12))
            row = recorded.milestone(
                dept.ids["mentee"], "cfar", day, dept.ids["admin"], now, outcome=outcome, source=source
            )
            if then == "confirmed":
                recorded.confirm(row, dept.ids["director"], now)
            elif then == "withdrawn":
                recorded.withdraw(row, dept.ids["admin"], now)
        db.session.commit()
    # Every day from the original reminder window to past the latest possible re-review.
    for day in (date(2026, 4, 2), date(2026, 7, 1), date(2027, 12, 2), date(2028, 3, 1)):
        run_job("cfar_reminders", day)
    mails = outbox.new()
    if due is None:
        assert mails == [] and notices(app) == [], label
        return
    [mail] = mails
    assert mail.subject == f"CFAR due on {due.isoformat()}: Mentee Person"
    if due.year == 2028:
        assert "2 years after the review of 2026-03-01 was extended" in mail.body
    else:
        assert "3 years after the appointment on 2023-07-01" in mail.body
    assert notices(app) == [("cfar", f"person:{dept.ids['mentee']}", due)]


def test_a_recorded_appointment_counts_before_the_rosters_date(app, dept, run_job, outbox):
    set_appointed(app, dept, {"mentee": None, "other_mentee": date(2023, 7, 1)})
    with app.app_context():
        # The mentee's roster has no date; the other mentee's recorded appointment was earlier than the roster's.
        recorded.milestone(dept.ids["mentee"], "appointment", date(2023, 7, 1), dept.ids["admin"], datetime(2024, 1, 2))
        recorded.milestone(
            dept.ids["other_mentee"], "appointment", date(2023, 1, 9), dept.ids["admin"], datetime(2024, 1, 2)
        )
        db.session.commit()
    assert run_job("cfar_reminders", date(2026, 4, 2)) == "sent 1 CFAR reminder"
    [mail] = outbox.new()
    assert mail.subject == "CFAR due on 2026-07-01: Mentee Person"
    assert run_job("cfar_reminders", date(2025, 10, 11)) == "sent 1 CFAR reminder"
    [mail] = outbox.new()
    assert mail.subject == "CFAR due on 2026-01-09: Other Mentee Person"
    assert "3 years after the appointment on 2023-01-09" in mail.body
    assert run_job("cfar_reminders", date(2026, 4, 3)) == "sent 0 CFAR reminders"


def test_everyone_with_a_cfar_in_the_window_is_reminded_separately(app, dept, run_job, outbox):
    app.config["CFAR_YEARS"] = 4
    set_appointed(app, dept, {}, everyone_else=date(2022, 9, 15))  # CFAR on 15 September 2026

    assert run_job("cfar_reminders", date(2026, 9, 1)) == f"sent {len(dept.ids)} CFAR reminders"
    mails = outbox.new()
    assert {mail.subject for mail in mails} == {
        f"CFAR due on 2026-09-15: {role.replace('_', ' ').title()} Person" for role in dept.ids
    }
    directors = {mail.subject.split(": ")[1]: mail.to for mail in mails}
    # A director is told of their own CFAR once, as its subject.
    assert directors["Director Person"] == emails(dept, "director")
    assert directors["Outsider Person"] == emails(dept, "outsider", "other_director")
