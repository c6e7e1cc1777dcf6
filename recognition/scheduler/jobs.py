"""The scheduler's jobs and their registry.

Each job is a plain function of the date it runs for, returning a one-line summary, so
tests and ``recognition scheduler run JOB --date`` drive it without a clock or a sleep.
``runner.run`` calls it inside an app context and commits. Every job is idempotent: a
catch-up after downtime, a rerun by hand or a second run for the same date sends and
creates nothing twice. Reminders look back over a window rather than asking "is it due
today?", so one whose date passed while no scheduler ran still goes out.

A new job is one more entry in ``JOBS``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from .. import links, outbox
from ..awards import lifecycle
from ..clock import add_months, moment, utcnow
from ..credits import batch
from ..extensions import db
from ..feedback import periods
from ..feedback import service as feedback
from ..feedback.models import Request
from ..ledger import confirmations
from ..ledger.checkpoints import checkpoint_job as ledger_checkpoint
from ..ledger.service import meetings_in
from ..mail import compose, send
from ..mentorships.models import Mentorship
from ..mentorships.rules import expectation_applies
from ..metrics import report as program_report
from ..metrics import service as program_metrics
from ..milestones.models import Milestone
from ..milestones.queries import appointed_on, cfar_due_for, standing
from ..people.models import DivisionDirector, Person
from . import duties
from .models import ScheduledNotice

log = logging.getLogger(__name__)
# Feedback requests are emailed and committed in batches: a failure part-way resends none
# of the batches already sent.
BATCH = 50


@dataclass(frozen=True)
class Job:
    id: str
    function: Callable[..., str]
    # CronTrigger fields, on the wall clock of SCHEDULER_TIMEZONE (SCHEDULER_TRIGGERS can
    # replace them per job). Keep jobs out of 01:00–03:00, where daylight saving moves the clock.
    trigger: dict
    description: str
    # A duty: work that must be finished, recorded per run in duty_runs and finished by the
    # next start (or the daily unfinished_duties) if a run dies or stops part-way (duties.py).
    duty: bool = False
    # A job that runs other jobs (the catch-up) is given the runner's ``run(job_id, day)``
    # as ``run=``: this module is below the runner, which reads the registry.
    runs_jobs: bool = False


# Time --------------------------------------------------------------------------------


# Feedback ----------------------------------------------------------------------------


def _periods(day: date) -> list[str]:
    """The current feedback period and the one before: the only ones a date can concern."""
    current = feedback.current_period(day)
    return [periods.previous(current, feedback.period_kind()), current]


def feedback_requests(day: date) -> str:
    """In a period's last FEEDBACK_REQUEST_DAYS_BEFORE_END days and until its answers close,
    create the requests not made yet (mentorships begun since the last run included) and
    email every request not sent yet."""
    now = moment(day)
    days = int(current_app.config["FEEDBACK_REQUEST_DAYS_BEFORE_END"])
    done = []
    for period in _periods(day):
        start, end = feedback.checked_period(period)
        if not max(start, end - timedelta(days=days - 1)) <= day <= feedback.answer_deadline(period):
            continue
        created = feedback.request_feedback(period, now)
        db.session.commit()
        unsent = db.session.scalars(
            select(Request).where(Request.period == period, Request.sent_at.is_(None)).order_by(Request.id)
        ).all()
        for first in range(0, len(unsent), BATCH):
            feedback.send_requests(list(unsent[first : first + BATCH]), now)
            db.session.commit()
        done.append(f"{period}: created {_count(len(created), 'request')}, sent {len(unsent)}")
    return "; ".join(done) or "no feedback period is asking for feedback"


def feedback_reminders(day: date) -> str:
    """Remind mentees who have not answered, in every period open for answers (``remind``
    keeps to FEEDBACK_REMINDER_INTERVAL_DAYS, so a second run the same day reminds no one)."""
    now = moment(day)
    done = []
    for period in _periods(day):
        start, _ = feedback.checked_period(period)
        if start <= day <= feedback.answer_deadline(period):
            reminded = feedback.remind(period, now)
            db.session.commit()
            done.append(f"{period}: reminded {_count(len(reminded), 'mentee')}")
    return "; ".join(done)


# Award cycles ------------------------------------------------------------------------


def award_cycles_job(day: date) -> str:
    """Create this year's award cycles and move every cycle into the phases its dates have
    reached, in order (each transition once; see ``awards.lifecycle``); queue the cycle's
    emails and reminders, then deliver the outbox."""
    summary = lifecycle.advance_all(day, moment(day))
    sent, error = outbox.deliver()
    return f"{summary}; delivered {_count(sent, 'email')}" + (f" (stopped: {error})" if error else "")


def deliver_outbox(day: date) -> str:
    """Send the email queued in the outbox; a failed delivery stays queued for the next run."""
    sent, error = outbox.deliver()
    left = outbox.pending()
    return f"delivered {_count(sent, 'email')}, {left} queued" + (f" (stopped: {error})" if error else "")


# Credit statements -------------------------------------------------------------------


def year_end_statements(day: date) -> str:
    """Issue last year's statements: on 1 January the calendar years just ended, on 1 July
    the July-June years (Mainpro+'s 2025 ends 30 June 2026); the batch leaves a year that
    is not over for the later run, and skips whoever already has a statement, so a rerun
    issues only what is missing. It renders in this process: forking workers from a
    process that runs threads (the scheduler's) is unsafe. A duty: its progress is
    recorded as statements are stored, and a run killed or stopped part-way is finished
    by the next start."""
    work = batch.plan(day.year - 1, now=moment(day))
    duties.total(len(work.items) + len(work.skipped))
    result = batch.run(work, workers=1, progress=duties.advance)
    for failure in result.failures:
        log.error("Statement for person %s (%s) failed: %s", failure.person_id, failure.framework_id, failure.detail)
    if result.failures:
        duties.unfinished(f"{_count(len(result.failures), 'statement')} failed")
    return result.summary()


def year_end_program_report(day: date) -> str:
    """From 15 January, issue last year's program report for the faculty council, once:
    a rerun finds the scheduler's report stored and issues nothing. A duty: a run killed
    before it committed left no report, and the next start (or the daily
    unfinished_duties) runs it again."""
    duties.total(1)
    summary = program_report.year_end(day, moment(day))
    db.session.commit()
    duties.advance(1)
    return summary


def metric_snapshots(day: date) -> str:
    """Build the program metrics' snapshots of closed years where missing or stale (a
    late entry, a changed roster) and move the fresh ones to the ledger's head, so the
    dashboard reads closed years from them. One transaction: a run killed part-way
    stores nothing, and the next (or the next page) builds what is missing."""
    summary = program_metrics.refresh_snapshots(day)
    db.session.commit()
    return summary


def unfinished_duties(day: date, run: Callable[[str, date], str]) -> str:
    """Finish every duty whose date has come and whose work is not done (a run killed,
    failed or stopped part-way): the scheduler also does this as it starts. ``run`` is
    the runner's (a job for a date, run as the scheduler runs it)."""
    owed = [(row.job_id, date.fromisoformat(row.period), duties.describe(row)) for row in duties.owed(day)]
    db.session.rollback()
    done = []
    for job_id, period, what in owed:
        if job_id not in JOBS:
            continue
        log.warning("Catching up %s", what)
        done.append(f"{job_id} for {period.isoformat()}: {run(job_id, period)}")
    return "; ".join(done) or "no duty left unfinished"


# Mentorship reminders ----------------------------------------------------------------


def confirmation_reminders(day: date) -> str:
    """Remind, once, whoever has not confirmed (or disputed) a meeting logged with them
    14 to 59 days ago; the outbox key keeps each reminder to one however often this runs
    (a rerun, a catch-up, a run after the process was killed), then deliver the outbox."""
    queued = confirmations.remind(moment(day))
    db.session.commit()
    sent, error = outbox.deliver()
    return f"queued {_count(queued, 'confirmation reminder')}; delivered {_count(sent, 'email')}" + (
        f" (stopped: {error})" if error else ""
    )


def meeting_reminders(day: date) -> str:
    """Formal mentorships, in the mentee's first FORMAL_MENTORING_YEARS years, with no
    meeting (unreversed) in the last MEETING_OVERDUE_DAYS days: one email to mentor and
    mentee per overdue spell. A spell begins MEETING_OVERDUE_DAYS after the last meeting
    (or the start) and that date keys the notice, so a meeting ends the spell and the next
    gap is a new one."""
    config = current_app.config
    gap = timedelta(days=int(config["MEETING_OVERDUE_DAYS"]))
    active = [
        m
        for m in _formal_mentorships(day)
        if expectation_applies(m.kind, m.mentee.appointed_on, day, int(config["FORMAL_MENTORING_YEARS"]))
    ]
    met = meetings_in([m.id for m in active], day, day)
    sent = 0
    for mentorship in active:
        last = met[mentorship.id]["last"]
        overdue_on = (last or mentorship.started_on) + gap
        if overdue_on > day:
            continue
        since = (
            f"since {last.isoformat()}"
            if last
            else f"since your mentorship began on {mentorship.started_on.isoformat()}"
        )
        text = (
            f"No meeting between you has been recorded {since}: more than {gap.days} days. The department expects "
            f"formal mentors and mentees to meet {config['MEETINGS_PER_YEAR_MIN']} to {config['MEETINGS_PER_YEAR_MAX']} "
            f"times a year in the first {config['FORMAL_MENTORING_YEARS']} years.\n\n"
            f"When you have met, record the meeting here:\n\n    {_link(f'/mentorships/{mentorship.id}')}\n\n"
            f"This is the one reminder for this gap; a later gap of {gap.days} days brings another.\n"
        )
        sent += notify(
            "meeting_overdue",
            f"mentorship:{mentorship.id}",
            overdue_on,
            [mentorship.mentor, mentorship.mentee],
            f"Time to meet: {mentorship.mentor.name} and {mentorship.mentee.name}",
            text,
        )
    return f"sent {_count(sent, 'reminder')} for mentorships overdue for a meeting"


def check_in_reminders(day: date) -> str:
    """Formal mentorships reaching CHECK_IN_MONTHS months: email mentor, mentee and the
    mentee's division director(s) once, on that date, or up to REMINDER_CATCH_UP_DAYS later
    if no scheduler ran then."""
    config = current_app.config
    months, late = int(config["CHECK_IN_MONTHS"]), timedelta(days=int(config["REMINDER_CATCH_UP_DAYS"]))
    # Started in the window, give or take the days a short month clamps away.
    earliest = add_months(day - late, -months) - timedelta(days=3)
    sent = 0
    for mentorship in _formal_mentorships(day, started_after=earliest):
        due = add_months(mentorship.started_on, months)
        if not due <= day <= due + late:
            continue
        mentee, mentor = mentorship.mentee, mentorship.mentor
        text = (
            f"{mentee.name} and {mentor.name} began their formal mentorship on {mentorship.started_on.isoformat()}. "
            f"On {due.isoformat()} it reached {months} months: the time for the {months / 12:g}-year check-in.\n\n"
            f"    {_link(f'/mentorships/{mentorship.id}')}\n"
        )
        sent += notify(
            "check_in",
            f"mentorship:{mentorship.id}",
            due,
            [mentor, mentee, *_directors(mentee.division_id)],
            f"{months / 12:g}-year check-in: {mentee.name}",
            text,
        )
    return f"sent {_count(sent, 'check-in reminder')}"


def cfar_reminders(day: date) -> str:
    """A CFAR is due CFAR_YEARS years after the appointment (the earliest recorded one, else
    the roster's), or CFAR_EXTENSION_YEARS after a recorded extension; one recorded as
    passed is due no more (``cfar_due_for`` on the standing milestones). From CFAR_REMINDER_DAYS before the due date until the date
    itself, email the person, their division director(s) and their formal mentors, once
    per due date (a re-review after an extension is reminded of again)."""
    config = current_app.config
    years, extension = int(config["CFAR_YEARS"]), int(config["CFAR_EXTENSION_YEARS"])
    ahead = timedelta(days=int(config["CFAR_REMINDER_DAYS"]))
    slack = timedelta(days=3)  # a 29 February counted forward lands a day either side
    appointed = select(Person.id).where(
        Person.appointed_on >= add_months(day, -12 * years) - slack,
        Person.appointed_on <= add_months(day + ahead, -12 * years) + slack,
    )
    recorded = select(Milestone.person_id).where(
        or_(
            and_(
                Milestone.kind == "appointment",
                Milestone.occurred_on >= add_months(day, -12 * years) - slack,
                Milestone.occurred_on <= add_months(day + ahead, -12 * years) + slack,
            ),
            and_(
                Milestone.kind == "cfar",
                Milestone.occurred_on >= add_months(day, -12 * extension) - slack,
                Milestone.occurred_on <= add_months(day + ahead, -12 * extension) + slack,
            ),
        )
    )
    people = db.session.scalars(
        select(Person).where(or_(Person.id.in_(appointed), Person.id.in_(recorded))).order_by(Person.id)
    ).all()
    found = standing([person.id for person in people], until=day) if people else {}
    mentors: dict[int, list[Person]] = {}
    for mentorship in _formal_mentorships(day) if people else []:
        mentors.setdefault(mentorship.mentee_id, []).append(mentorship.mentor)
    sent = 0
    for person in people:
        milestones = found.get(person.id, [])
        appointment = appointed_on(person.appointed_on, milestones)
        due = cfar_due_for(appointment, milestones)
        if due is None or not day <= due <= day + ahead:
            continue
        extensions = [m for m in milestones if m.kind == "cfar"]
        if extensions:  # the latest recorded is an extension, or nothing would be due
            counted = f"{extension} years after the review of {extensions[-1].occurred_on.isoformat()} was extended"
        else:
            assert appointment is not None  # with no CFAR recorded, a due date counts from the appointment
            counted = f"{years} years after the appointment on {appointment.isoformat()}"
        text = (
            f"{person.name}'s Continuing Faculty Appointment Review (CFAR) is due on {due.isoformat()}, "
            f"{counted}. Now is the time to review the academic plan and gather the mentorship evidence the "
            f"committee will ask for. Once the review is held, record its outcome as a milestone.\n\n"
            f"    {_link(f'/people/{person.id}')}\n"
        )
        sent += notify(
            "cfar",
            f"person:{person.id}",
            due,
            [person, *_directors(person.division_id), *mentors.get(person.id, [])],
            f"CFAR due on {due.isoformat()}: {person.name}",
            text,
        )
    return f"sent {_count(sent, 'CFAR reminder')}"


def _formal_mentorships(day: date, started_after: date | None = None) -> list[Mentorship]:
    query = select(Mentorship).where(
        Mentorship.kind == "formal",
        Mentorship.started_on <= day,
        or_(Mentorship.ended_on.is_(None), Mentorship.ended_on >= day),
    )
    if started_after is not None:
        query = query.where(Mentorship.started_on >= started_after)
    return list(db.session.scalars(query.order_by(Mentorship.id)))


def _directors(division_id: int | None) -> list[Person]:
    if division_id is None:
        return []
    return list(
        db.session.scalars(
            select(Person)
            .join(DivisionDirector, DivisionDirector.person_id == Person.id)
            .where(DivisionDirector.division_id == division_id)
            .order_by(Person.id)
        )
    )


def notify(kind: str, subject_key: str, due_on: date, people: list[Person], subject: str, text: str) -> bool:
    """Record the notice and email it to ``people``, unless it went out before; True if
    sent now. Committed one by one: a notice is recorded exactly when its email went out,
    so a failure part-way leaves the rest for the next run."""
    found = select(ScheduledNotice.id).where(
        ScheduledNotice.kind == kind, ScheduledNotice.subject_key == subject_key, ScheduledNotice.due_on == due_on
    )
    if db.session.scalar(found) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(ScheduledNotice(kind=kind, subject_key=subject_key, due_on=due_on, sent_at=utcnow()))
    except IntegrityError:  # recorded meanwhile by another run
        return False
    recipients = list({person.id: person for person in people}.values())
    body = f"Dear {_names([p.name for p in recipients])},\n\n{text}"
    send([compose(", ".join(p.email for p in recipients), subject, body)])
    db.session.commit()
    return True


def _link(path: str) -> str:
    return links.url(path)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# The registry ------------------------------------------------------------------------

JOBS: dict[str, Job] = {
    job.id: job
    for job in (
        Job(
            "feedback_requests",
            feedback_requests,
            {"hour": 6, "minute": 0},
            "Ask mentees for feedback: in a period's last weeks and until answers close, create and email the requests not sent yet.",
        ),
        Job(
            "feedback_reminders",
            feedback_reminders,
            {"hour": 6, "minute": 30},
            "Remind mentees who have not answered, at most once per reminder interval.",
        ),
        Job(
            "year_end_statements",
            year_end_statements,
            {"month": "1,7", "day": 1, "hour": 4, "minute": 0},
            "Issue every eligible person's credit statement for the year just ended (1 July: July-June years such as Mainpro+).",
            duty=True,
        ),
        Job(
            "year_end_program_report",
            year_end_program_report,
            {"month": 1, "day": 15, "hour": 5, "minute": 30},
            "Issue last year's program report (PDF, CSV, JSON) for the faculty council, once, on 15 January.",
            duty=True,
        ),
        Job(
            "meeting_reminders",
            meeting_reminders,
            {"day_of_week": "mon", "hour": 7, "minute": 30},
            "Remind formal mentors and mentees with no meeting recorded for MEETING_OVERDUE_DAYS days, once per gap.",
        ),
        Job(
            "check_in_reminders",
            check_in_reminders,
            {"hour": 7, "minute": 0},
            "Remind mentor, mentee and division director when a formal mentorship reaches the 1.5-year check-in.",
        ),
        Job(
            "award_cycles",
            award_cycles_job,
            {"hour": 5, "minute": 0},
            "Create each award's yearly cycle and move cycles through their phases on their dates; queue and send their emails.",
        ),
        Job(
            "deliver_outbox",
            deliver_outbox,
            {"minute": "*/10"},
            "Send email waiting in the outbox (queued by award cycles and requests to confirm meetings), retrying what failed.",
        ),
        Job(
            "cfar_reminders",
            cfar_reminders,
            {"hour": 7, "minute": 15},
            "Remind a person, their division director and formal mentors of a CFAR coming due (none once one is passed).",
        ),
        Job(
            "confirmation_reminders",
            confirmation_reminders,
            {"hour": 7, "minute": 45},
            "Remind, once, whoever has not confirmed or disputed a meeting logged with them 14 days ago (none after 60 days).",
        ),
        Job(
            "ledger_checkpoint",
            ledger_checkpoint,
            {"hour": 4, "minute": 30},
            "Sign the ledger's chain head as a checkpoint (published at /ledger/checkpoints.json), once it has moved.",
        ),
        Job(
            "unfinished_duties",
            unfinished_duties,
            {"hour": 4, "minute": 45},
            "Finish any duty (year-end statements) whose run died, failed or was stopped part-way; also done at every start.",
            runs_jobs=True,
        ),
        Job(
            "metric_snapshots",
            metric_snapshots,
            {"hour": 4, "minute": 15},
            "Build the program metrics' snapshots of closed years where missing or stale; move fresh ones to the ledger's head.",
        ),
    )
}
