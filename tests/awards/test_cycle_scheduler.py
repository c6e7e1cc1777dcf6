"""The award cycle job in the scheduler: registered with a time outside the hours daylight
saving moves, run for the local date of its fire time on the days the clocks change, run
once on start after a missed run, and run by hand through ``recognition scheduler run``.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from recognition.auth.service import COMMAND_LINE
from recognition.awards import lifecycle
from recognition.awards.committee import service as committee
from recognition.awards.cycles import service as cycles
from recognition.awards.definitions import service as definitions
from recognition.awards.models import Cycle, CycleTransition
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.outbox import OutboxMessage
from recognition.scheduler import jobs
from recognition.scheduler import runner as scheduler_runner
from tests.support.awards import DAYS, AwardWorld, at

TORONTO = ZoneInfo("America/Toronto")


def new_award(slug: str, schedule: dict[str, str]):
    made = definitions.create({"slug": slug, "name": slug.replace("-", " ").title(), **schedule}, at(date(2026, 1, 1)))
    db.session.commit()
    return made


def phases(cycle_id: int) -> list[tuple[str, date]]:
    return [
        (t.phase, t.effective_on)
        for t in db.session.scalars(
            select(CycleTransition).where(CycleTransition.cycle_id == cycle_id).order_by(CycleTransition.id)
        )
    ]


def fire_times(app, start: datetime, until: datetime) -> list[datetime]:
    """The award_cycles job's fire times from ``start`` to ``until``, by the trigger the
    scheduler stores for it."""
    trigger = scheduler_runner.triggers(app)["award_cycles"]
    found, previous, now = [], None, start
    while (next_time := trigger.get_next_fire_time(previous, now)) is not None and next_time <= until:
        found.append(next_time)
        previous = now = next_time
    return found


def test_the_award_jobs_are_registered_outside_the_hours_daylight_saving_moves():
    cycle_job, outbox_job = jobs.JOBS["award_cycles"], jobs.JOBS["deliver_outbox"]
    assert cycle_job.function is jobs.award_cycles_job
    assert not 1 <= int(cycle_job.trigger["hour"]) < 3
    assert outbox_job.function is jobs.deliver_outbox
    assert "hour" not in outbox_job.trigger and str(outbox_job.trigger["minute"]).startswith("*/")


# Daylight saving: 8 March 2026 (clocks forward) and 1 November 2026 (clocks back) --------


@pytest.mark.parametrize(
    "change, schedule, trigger, utc_hours",
    [
        # 05:00 local: EST (UTC-5) on 7 March, EDT (UTC-4) on 8 March.
        (date(2026, 3, 8), ("03-08", "03-20", "04-30", "05-10", "05-20"), None, [10, 9]),
        # 05:00 local: EDT on 31 October, EST on 1 November.
        (date(2026, 11, 1), ("11-01", "11-15", "11-30", "12-10", "12-20"), None, [9, 10]),
        # 23:30 local is already the next day in UTC: the run is for the local date.
        (date(2026, 3, 8), ("03-08", "03-20", "04-30", "05-10", "05-20"), {"hour": 23, "minute": 30}, [4, 3]),
        (date(2026, 11, 1), ("11-01", "11-15", "11-30", "12-10", "12-20"), {"hour": 23, "minute": 30}, [3, 4]),
    ],
)
def test_the_run_on_a_daylight_saving_day_is_for_that_local_date(app, dept, change, schedule, trigger, utc_hours):
    if trigger:
        app.config["SCHEDULER_TRIGGERS"] = {"award_cycles": trigger}
    with app.app_context():
        made = new_award("dst-award", dict(zip(definitions.SCHEDULE, schedule)))
        lifecycle.advance_all(change - timedelta(days=5), at(change - timedelta(days=5)))
        db.session.commit()
        cycle_id = db.session.scalar(select(Cycle.id).where(Cycle.award_id == made.id))

    day_before = datetime.combine(change - timedelta(days=1), clock_time(0), TORONTO)
    first, second = fire_times(app, day_before, day_before + timedelta(days=2) - timedelta(seconds=1))
    assert [t.astimezone(UTC).hour for t in (first, second)] == utc_hours

    assert scheduler_runner.fire("award_cycles", app=app, fire_time=first).startswith("no award cycle changed")
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).phase == "scheduled", f"opened by the run fired at {first}"

    summary = scheduler_runner.fire("award_cycles", app=app, fire_time=second)
    assert summary.startswith("dst-award 2026 → open; delivered 10 emails"), summary
    with app.app_context():
        assert phases(cycle_id) == [("open", change)]


# Catch-up on start ---------------------------------------------------------------------------


@contextmanager
def scheduler_on(app, start: bool = True):
    """A BackgroundScheduler built as ``recognition scheduler`` builds its own (same job
    store, executor and synchronisation), started unless ``start`` is False."""
    scheduler, store = scheduler_runner.build(app, BackgroundScheduler)
    scheduler_runner.synchronise(scheduler, store, app)
    scheduler.start(paused=not start)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=True)


def test_a_run_missed_while_no_scheduler_ran_moves_the_cycle_once_on_start(app, dept, monkeypatch):
    """The scheduler stopped ten days ago; the cycle opened, closed and reached review
    meanwhile. On start the job runs once, for the last date it was due, and that one run
    enters each phase on its own date."""
    runs: list[date] = []
    done = threading.Event()

    def counted(day: date) -> str:
        runs.append(day)
        try:
            return jobs.award_cycles_job(day)
        finally:
            done.set()

    real = jobs.JOBS["award_cycles"]
    monkeypatch.setattr(
        jobs, "JOBS", {"award_cycles": jobs.Job("award_cycles", counted, real.trigger, real.description)}
    )
    now = utcnow().replace(tzinfo=UTC).astimezone(TORONTO)
    last_due = now.date() if now.time() >= clock_time(5) else now.date() - timedelta(days=1)
    opens, closes = last_due - timedelta(days=9), last_due - timedelta(days=6)
    with app.app_context():
        made = new_award(
            "catch-up-award",
            {"opens": "01-01", "closes": "01-02", "review_ends": "12-29", "decision": "12-30", "announcement": "12-31"},
        )
        cycle = cycles.create_cycle(
            made,
            last_due.year,
            at(opens - timedelta(days=30)),
            dates={
                "opens_on": opens,
                "closes_on": closes,
                "review_ends_on": last_due + timedelta(days=10),
                "decision_on": last_due + timedelta(days=15),
                "announce_on": last_due + timedelta(days=20),
            },
        )
        # A member, so entering review queues an assignment (its review has not ended yet).
        committee.add_member(cycle, dept.ids["award_committee"], COMMAND_LINE, at(opens - timedelta(days=30)))
        db.session.commit()
        cycle_id = cycle.id

    stopped = datetime.combine(opens - timedelta(days=1), clock_time(5), TORONTO)
    with scheduler_on(app, start=False) as scheduler:
        scheduler.modify_job("award_cycles", next_run_time=stopped)
    with scheduler_on(app):
        assert done.wait(30), "the missed run did not happen"
        time.sleep(0.3)  # a second run, were there one, would have been submitted with the first

    assert runs == [last_due]
    with app.app_context():
        review_day = min(closes + timedelta(days=4), last_due + timedelta(days=10))
        assert phases(cycle_id) == [("open", opens), ("closed", closes + timedelta(days=1)), ("review", review_day)]
        queued = db.session.execute(
            select(OutboxMessage.key, OutboxMessage.sent_at).where(OutboxMessage.key.like(f"award:{cycle_id}:%"))
        ).all()
        assert [key for key, _ in queued] == [f"award:{cycle_id}:committee:{dept.ids['award_committee']}"], (
            "a catch-up after nominations closed sends no call for nominations, only the committee's assignment"
        )
        assert all(sent_at for _, sent_at in queued), "the job delivers what the cycle queued"
    assert scheduler_runner.stored_jobs(app)["award_cycles"].next_run_time > now


# By hand ---------------------------------------------------------------------------------------


def test_scheduler_run_award_cycles_for_a_date_moves_the_cycle_and_says_so(app, dept, runner, instance_path):
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)

    first = runner.invoke(args=["scheduler", "run", "award_cycles", "--date", DAYS["open"].isoformat()])
    assert first.exit_code == 0, first.output
    assert first.stdout == "award_cycles for 2026-02-01: mentor-of-the-year 2026 → open; delivered 10 emails\n"
    assert len(list((instance_path / "outbox").glob("*.eml"))) == 10

    again = runner.invoke(args=["scheduler", "run", "award_cycles", "--date", DAYS["open"].isoformat()])
    assert again.exit_code == 0, again.output
    assert again.stdout == "award_cycles for 2026-02-01: no award cycle changed; delivered 0 emails\n"
    with app.app_context():
        assert phases(world.cycle_id) == [("open", DAYS["open"])]


def test_scheduler_list_shows_the_award_jobs(app, runner):
    result = runner.invoke(args=["scheduler", "--list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    table = {line.split()[0]: line for line in lines if line.split() and line.split()[0] in jobs.JOBS}
    assert "daily at 05:00" in table["award_cycles"]
    assert "every 10 minutes" in table["deliver_outbox"]
    for job_id in ("award_cycles", "deliver_outbox"):
        assert lines[lines.index(table[job_id]) + 1] == f"    {jobs.JOBS[job_id].description}"


def test_the_cycle_moves_even_when_the_mail_server_is_down(app, dept, runner, closed_port):
    """Delivery failing must not undo the transition: the emails wait in the outbox and the
    next delivery sends them."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, MAIL_USE_TLS=False)
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)

    summary = scheduler_runner.run(app, "award_cycles", DAYS["open"])

    assert summary.startswith("mentor-of-the-year 2026 → open; delivered 0 emails (stopped: ConnectionRefusedError")
    with app.app_context():
        assert phases(world.cycle_id) == [("open", DAYS["open"])]
        assert db.session.scalars(select(OutboxMessage.sent_at)).all() == [None] * 10
    app.config["MAIL_SERVER"] = None
    assert scheduler_runner.run(app, "deliver_outbox", DAYS["open"]) == "delivered 10 emails, 0 queued"


@pytest.fixture
def closed_port() -> int:
    """A local TCP port nothing listens on."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
