"""``recognition scheduler --list`` and ``recognition scheduler run JOB [--date]``."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import inspect

from recognition.extensions import db
from recognition.scheduler import JOB_TABLE, jobs
from recognition.scheduler import runner as scheduler_runner

TORONTO = ZoneInfo("America/Toronto")


def local_now(tz: ZoneInfo = TORONTO) -> datetime:
    return datetime.now(UTC).astimezone(tz)


def next_at(now: datetime, hour: int, minute: int, weekday: int | None = None) -> datetime:
    """The first local ``hour:minute`` after ``now`` (on ``weekday``, Monday = 0, if given)."""
    day = now.date()
    while True:
        candidate = datetime.combine(day, time(hour, minute), now.tzinfo)
        if candidate > now and (weekday is None or candidate.weekday() == weekday):
            return candidate
        day += timedelta(days=1)


def shown(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z")


def rows(output: str) -> dict[str, str]:
    """Job id → its table line."""
    return {line.split()[0]: line for line in output.splitlines() if line.split() and line.split()[0] in jobs.JOBS}


def test_list_before_any_scheduler_ran_computes_the_next_runs(runner, app):
    result = runner.invoke(args=["scheduler", "--list"])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Time zone: America/Toronto. No scheduler is running: `recognition scheduler` starts one."
    assert lines[2].split() == ["JOB", "WHEN", "NEXT", "RUN"]
    table = rows(result.stdout)
    assert list(table) == list(jobs.JOBS)
    now = local_now()
    july = datetime(now.year, 7, 1, 4, 0, tzinfo=TORONTO)
    new_year = july if july > now else datetime(now.year + 1, 1, 1, 4, 0, tzinfo=TORONTO)
    expected = {
        "feedback_requests": ("daily at 06:00", next_at(now, 6, 0)),
        "feedback_reminders": ("daily at 06:30", next_at(now, 6, 30)),
        "year_end_statements": ("yearly on 1 January and 1 July at 04:00", new_year),
        "meeting_reminders": ("every Monday at 07:30", next_at(now, 7, 30, weekday=0)),
        "check_in_reminders": ("daily at 07:00", next_at(now, 7, 0)),
        "cfar_reminders": ("daily at 07:15", next_at(now, 7, 15)),
    }
    for job_id, (when, next_run) in expected.items():
        assert table[job_id].split(None, 1)[1].split("  ")[0] == when
        assert table[job_id].endswith(f"{shown(next_run)} *"), table[job_id]
    for job in jobs.JOBS.values():  # each job's description under its line
        assert lines[lines.index(table[job.id]) + 1] == f"    {job.description}"
    assert lines[-1] == "* computed from the trigger: no scheduler has stored this job yet."


def test_list_shows_the_stored_next_runs_and_a_run_missed_while_none_ran(runner, app):
    scheduler, store = scheduler_runner.build(app, BackgroundScheduler)
    scheduler_runner.synchronise(scheduler, store, app)
    scheduler.start(paused=True)
    missed = datetime(local_now().year - 1, 1, 1, 4, 0, tzinfo=TORONTO)
    scheduler.modify_job("year_end_statements", next_run_time=missed)
    stored = {job.id: job.next_run_time for job in scheduler.get_jobs()}
    scheduler.shutdown()

    result = runner.invoke(args=["scheduler", "--list"])

    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert table["year_end_statements"].endswith(f"{shown(missed)} (missed: runs once as soon as a scheduler runs)")
    assert table["feedback_requests"].endswith(shown(stored["feedback_requests"]))
    assert "*" not in result.stdout


def test_list_in_the_configured_time_zone(runner, app):
    app.config["SCHEDULER_TIMEZONE"] = "Europe/Paris"
    app.config["SCHEDULER_TRIGGERS"] = {"feedback_reminders": {"hour": 9, "minute": 45}}
    result = runner.invoke(args=["scheduler", "--list"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Time zone: Europe/Paris.")
    paris = ZoneInfo("Europe/Paris")
    table = rows(result.stdout)
    assert table["feedback_requests"].endswith(f"{shown(next_at(local_now(paris), 6, 0))} *")
    assert "daily at 09:45" in table["feedback_reminders"]
    assert table["feedback_reminders"].endswith(f"{shown(next_at(local_now(paris), 9, 45))} *")


@pytest.mark.parametrize(
    "setting, value, message",
    [
        (
            "SCHEDULER_TIMEZONE",
            "Mars/Olympus",
            "SCHEDULER_TIMEZONE 'Mars/Olympus' is not a time zone name like America/Toronto",
        ),
        ("SCHEDULER_TRIGGERS", {"nightly_backup": {"hour": 4}}, "SCHEDULER_TRIGGERS names no job nightly_backup"),
        (
            "SCHEDULER_TRIGGERS",
            {"feedback_requests": {"hour": 25}},
            "SCHEDULER_TRIGGERS['feedback_requests'] is not a cron schedule",
        ),
        (
            "SCHEDULER_TRIGGERS",
            {"feedback_requests": {"hours": 6}},
            "SCHEDULER_TRIGGERS['feedback_requests'] is not a cron schedule",
        ),
        (
            "SCHEDULER_TRIGGERS",
            {"feedback_requests": "06:00"},
            "SCHEDULER_TRIGGERS must map job ids to cron fields, like",
        ),
    ],
)
def test_a_configuration_the_scheduler_cannot_use_is_refused_before_anything_is_stored(
    runner, app, setting, value, message
):
    app.config[setting] = value
    for args in (["scheduler", "--list"], ["scheduler", "--no-wait"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert message in result.stderr
    with app.app_context():
        assert not inspect(db.engine).has_table(JOB_TABLE)


def test_run_runs_one_job_for_a_date_and_never_twice(runner, app, dept, outbox):
    first = runner.invoke(args=["scheduler", "run", "check_in_reminders", "--date", "2025-07-01"])
    assert first.exit_code == 0, first.output
    assert first.stdout == "check_in_reminders for 2025-07-01: sent 2 check-in reminders\n"
    assert len(outbox.new()) == 2

    again = runner.invoke(args=["scheduler", "run", "check_in_reminders", "--date", "2025-07-01"])
    assert again.exit_code == 0, again.output
    assert again.stdout == "check_in_reminders for 2025-07-01: sent 0 check-in reminders\n"
    assert outbox.new() == []


def test_run_without_a_date_runs_for_today_where_the_department_is(runner, app, dept):
    app.config["SCHEDULER_TIMEZONE"] = "Pacific/Kiritimati"  # UTC+14: often a day ahead of UTC
    result = runner.invoke(args=["scheduler", "run", "cfar_reminders"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"cfar_reminders for {local_now(ZoneInfo('Pacific/Kiritimati')).date().isoformat()}: "
    )


@pytest.mark.parametrize(
    "args, code, message",
    [
        (
            ["nightly_backup"],
            2,
            "Invalid value for JOB: must be one of feedback_requests, feedback_reminders, "
            "year_end_statements, year_end_program_report, meeting_reminders, check_in_reminders, award_cycles, "
            "deliver_outbox, "
            "cfar_reminders",
        ),
        (["cfar_reminders", "--date", "2025-13-01"], 2, "Invalid value for '--date'"),
        (["cfar_reminders", "--date", "tomorrow"], 2, "Invalid value for '--date'"),
        (["year_end_statements", "--date", "1949-06-01"], 1, "Error: year must be between 1950 and"),
        (["year_end_statements", "--date", "2999-01-01"], 2, "Invalid value for '--date': must not be after today ("),
    ],
)
def test_run_refuses_an_unknown_job_or_date(runner, app, args, code, message):
    result = runner.invoke(args=["scheduler", "run", *args])
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert result.stdout == ""


def test_the_scheduler_commands_are_documented(runner, app):
    result = runner.invoke(args=["scheduler", "--help"])
    assert result.exit_code == 0
    for text in ("single process that runs every dated job", "--list", "--no-wait", "run"):
        assert text in result.stdout
