"""The scheduler process: APScheduler with its job store in the app's own database.

- Job store: ``SQLAlchemyJobStore`` in the table ``scheduler_jobs``; job ids are the
  registry's (``jobs.JOBS``). Every job coalesces (runs missed several times, it runs once)
  and has ``misfire_grace_time=None``: a run is never dropped for being late, so a yearly
  job missed by a day still runs.
- Catch-up: before starting, the stored jobs are brought in line with the registry. A job
  stored with the same trigger is left untouched, so a next run time that passed while no
  scheduler ran stays in the past and the job runs at once, once. (``replace_existing``
  would move it into the future and lose the run.) Missing jobs are added, jobs whose
  trigger changed are rescheduled from now, jobs no longer in the registry removed.
- Each run is for a date: the date of its (latest missed) fire time in
  SCHEDULER_TIMEZONE, not the date the run happens to start on.
- One worker thread: jobs run one after another (they share the database, which on
  SQLite has one writer, and the mail server); a long job delays the next, never drops it.
- One scheduler per deployment: ``serve`` holds ``lock.for_app(app, "scheduler")`` for
  the life of the process; another waits as a standby and takes over when it stops.
- Daylight saving: triggers are CronTriggers in SCHEDULER_TIMEZONE, so a 06:00 job runs at
  06:00 local time on both sides of a change. What APScheduler 3.11 does inside the
  hour that moves (tests/scheduler/test_dst.py): a time the spring change skips (02:30)
  fires once, an hour later by the wall clock (03:30); a time the autumn change repeats
  (01:30) fires twice, both runs for the same date, so the second finds nothing to do.
  The default times keep out of 01:00–03:00 anyway.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial

import click
from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job as StoredJob
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import create_engine, inspect

from .. import clock
from ..clock import utcnow
from ..database import read_only
from ..errors import DomainError
from ..extensions import db
from . import JOB_TABLE, duties, jobs, lock
from .schedule import in_words, trigger_fields, triggers

log = logging.getLogger(__name__)
STORE = "default"


# Building and starting ---------------------------------------------------------------


class AppExecutor(ThreadPoolExecutor):
    """One worker thread that gives each job the app and the time it was due.

    APScheduler calls a job with its stored arguments only, and a stored job cannot hold
    the app. So each run is a copy of the stored job that also carries both; the stored
    job stays as it was."""

    def __init__(self, app):
        super().__init__(max_workers=1)
        self.app = app

    def _do_submit_job(self, job, run_times):
        dated = StoredJob.__new__(StoredJob)
        dated.__setstate__(job.__getstate__())
        dated._scheduler, dated._jobstore_alias = job._scheduler, job._jobstore_alias
        dated.kwargs = {"app": self.app, "fire_time": run_times[-1]}
        super()._do_submit_job(dated, run_times[-1:])


class StopsCleanly(BaseScheduler):
    """Mixed into the scheduler class: once shut down, process no more jobs.

    APScheduler 3.11 shut down while waiting wakes its loop and processes due jobs once
    more; the executor has stopped, so the run fails, yet the job is moved on to its next
    fire time and the missed run is lost."""

    def _process_jobs(self):
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


def build(app, kind=BlockingScheduler):
    """A scheduler of ``kind`` (not started) and its job store, on its own engine."""
    store = SQLAlchemyJobStore(engine=create_engine(lock.database_url(app)), tablename=JOB_TABLE)
    scheduler = type(kind.__name__, (StopsCleanly, kind), {})(
        jobstores={STORE: store},
        executors={"default": AppExecutor(app)},
        timezone=clock.zone(app.config),
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    return scheduler, store


def options(job_id: str, trigger: CronTrigger) -> dict:
    return {
        "trigger": trigger,
        "id": job_id,
        "name": job_id,
        "args": (job_id,),
        "kwargs": {},
        "executor": "default",
        "jobstore": STORE,
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": None,
    }


def synchronise(scheduler, store, app) -> list[str]:
    """Bring the stored jobs in line with the registry before ``scheduler.start()``,
    leaving alone every job whose trigger is unchanged (see the module docstring). What
    changed, in words."""
    wanted = triggers(app)  # a configuration error stops here, before anything is stored
    store.start(scheduler, STORE)  # makes the table; start() does it again, harmlessly
    stored = {job.id: job for job in store.get_all_jobs()}
    changes = []
    for job_id in sorted(stored.keys() - wanted.keys()):
        store.remove_job(job_id)
        changes.append(f"removed {job_id}: no longer a job")
    for job_id, trigger in wanted.items():
        settings, old = options(job_id, trigger), stored.get(job_id)
        if old is None:
            scheduler.add_job(fire, **settings)
            changes.append(f"added {job_id}")
        elif repr(old.trigger) != repr(trigger) or old.next_run_time is None:
            scheduler.add_job(fire, replace_existing=True, **settings)
            changes.append(f"rescheduled {job_id}: {in_words(trigger_fields(app)[job_id])}")
        elif _differs(old, settings):
            scheduler.add_job(fire, replace_existing=True, next_run_time=old.next_run_time, **settings)
            changes.append(f"updated {job_id}")
    return changes


def _differs(job: StoredJob, settings: dict) -> bool:
    return (
        job.func_ref != f"{__name__}:fire"
        or job.executor != settings["executor"]
        or any(
            getattr(job, key) != settings[key]
            for key in ("name", "args", "kwargs", "coalesce", "max_instances", "misfire_grace_time")
        )
    )


# Running a job -----------------------------------------------------------------------


def fire(job_id: str, app=None, fire_time: datetime | None = None) -> str:
    """What every stored job calls. ``AppExecutor`` adds the app and the fire time."""
    if app is None or fire_time is None:
        raise RuntimeError("Scheduled jobs run through AppExecutor, which gives them the app and their fire time.")
    return run(app, job_id, fire_time.astimezone(clock.zone(app.config)).date())


def run(app, job_id: str, day: date) -> str:
    """Run one job for ``day`` in an app context of its own, and commit. Two runs of a job
    never overlap, in one process or two: a run by hand waits for the scheduler's, and
    the other way round (then finds nothing left to do)."""
    job = jobs.JOBS[job_id]
    held = lock.for_app(app, f"job-{job_id}")
    held.acquire(wait=True)
    IN_FLIGHT.enter()
    try:
        with app.app_context():
            try:
                summary = _perform(job, day, partial(run, app) if job.runs_jobs else None)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
    finally:
        IN_FLIGHT.leave()
        held.release()
    log.info("%s for %s: %s", job_id, day.isoformat(), summary)
    return summary


class Running:
    """How many runs are under way in this process (a catch-up runs a duty inside its own
    run), so a stopping scheduler can wait for them."""

    def __init__(self):
        self._count = 0
        self._changed = threading.Condition()

    def enter(self) -> None:
        with self._changed:
            self._count += 1

    def leave(self) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout)


IN_FLIGHT = Running()


def _perform(job: jobs.Job, day: date, runs: Callable[[str, date], str] | None) -> str:
    """Run the job (a job that runs others given ``runs``); a duty's run is recorded
    (duties.py), however it ends."""
    call = partial(job.function, day, run=runs) if runs else partial(job.function, day)
    if not job.duty:
        return call()
    progress = duties.start(job.id, day)
    try:
        summary = call()
    except duties.HandedBack as stopped:
        db.session.rollback()
        duties.finish(progress, "handed_back", str(stopped))
        return f"handed back ({stopped}); the next start finishes it"
    except DomainError:
        db.session.rollback()
        duties.refused(progress)
        raise
    except BaseException as error:
        db.session.rollback()
        duties.finish(progress, "incomplete", f"{type(error).__name__}: {error}")
        raise
    db.session.commit()
    duties.finish(progress, "done" if progress.complete else "incomplete", progress.detail or summary)
    return summary


# The process ---------------------------------------------------------------------------


def serve(app, wait: bool = True, say=click.echo) -> int:
    """Run the scheduler until stopped (Ctrl+C or SIGTERM), holding the scheduler lock.
    If another scheduler holds it, wait as a standby (or, with ``wait=False``, return 1)."""
    retry = float(app.config["SCHEDULER_LOCK_RETRY_SECONDS"])
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if main else None  # SIGTERM acts as Ctrl+C
    first = True
    try:
        while True:
            held = lock.for_app(app, "scheduler")
            try:
                # At start an unreachable database stops the command; later it is waited out.
                if not (held.acquire() if first else _try(held)):
                    holder = held.holder()
                    message = (
                        f"Another scheduler holds the lock ({held.where}"
                        + (f"; held by {holder}" if holder else "")
                        + ")"
                    )
                    if not wait:
                        say(f"{message}; not starting (--no-wait).")
                        return 1
                    say(f"{message}; waiting as a standby, trying again every {retry:g} s.")
                    while not _try(held):
                        time.sleep(retry)
                    say("Took the scheduler lock: the other scheduler has stopped.")
                first = False
                lost = _run_holding(app, held, retry, say)
            except KeyboardInterrupt:
                say("Stopped.")
                return 0
            finally:
                held.release()
            if not lost:
                return 0
            say("Lost the scheduler lock (its database session ended); waiting to take it again.")
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


def _try(held) -> bool:
    try:
        return held.acquire()
    except Exception as error:  # noqa: BLE001 - a standby outlives the database going away for a while
        log.warning("Could not reach the database for the scheduler lock: %s", error)
        return False


def _run_holding(app, held, retry: float, say) -> bool:
    """Start the scheduler and block until it stops; True if it stopped because the lock was lost."""
    scheduler, store = build(app)
    for change in synchronise(scheduler, store, app):
        say(f"Jobs: {change}.")
    tz = clock.zone(app.config)
    scheduler.add_listener(
        lambda event: say(f"Scheduler running ({held.where}); time zone {tz.key}; Ctrl+C stops it."),
        EVENT_SCHEDULER_STARTED,
    )
    lost, stop = threading.Event(), threading.Event()
    watchdog = threading.Thread(
        target=_watch, args=(held, scheduler, retry, lost, stop), name="scheduler-lock", daemon=True
    )
    watchdog.start()
    _catch_up_at_start(app, scheduler, say)
    try:
        scheduler.start()
    except KeyboardInterrupt:
        say("Stopping (a job that is running finishes first).")
    finally:
        stop.set()
        watchdog.join()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        _let_in_flight_end(app, say)
    return lost.is_set()


def unfinished(app) -> list[str]:
    """The duties owed now, in words (only reads)."""
    with app.app_context(), read_only():
        return [duties.describe(row) for row in duties.owed(clock.local_today(app.config))]


def _catch_up_at_start(app, scheduler, say) -> None:
    """Before any job: finish the duties a run left unfinished (killed, failed or stopped
    part-way), on the scheduler's one worker, as its first run."""
    if "unfinished_duties" not in jobs.JOBS:
        return
    owed = unfinished(app)
    if not owed:
        return
    for line in owed:
        say(f"Unfinished duty: {line}. Finishing it now.")
    scheduler.add_jobstore(MemoryJobStore(), "startup")
    scheduler.add_job(
        fire,
        trigger="date",
        args=("unfinished_duties",),
        id="unfinished_duties_at_start",
        name="unfinished_duties",
        jobstore="startup",
        executor="default",
        misfire_grace_time=None,
    )


def _let_in_flight_end(app, say) -> None:
    """Wait up to SCHEDULER_STOP_WAIT_SECONDS for the job in flight; then ask a duty to
    stop at its next step and hand back what is left (the next start finishes it), and
    wait for that. Another Ctrl+C stops at once (a duty's run then stays owed too)."""
    limit = float(app.config["SCHEDULER_STOP_WAIT_SECONDS"])
    try:
        if IN_FLIGHT.wait_idle(limit):
            return
        say(
            f"The job in flight is still running after {limit:g} s: asking it to stop at its next step; "
            "a duty hands back what is left to the next start."
        )
        duties.STOP.set()
        IN_FLIGHT.wait_idle()
    finally:
        duties.STOP.clear()


def _watch(held, scheduler, every: float, lost: threading.Event, stop: threading.Event) -> None:
    """Stop the scheduler if its lock goes (on PostgreSQL: the lock's session ended), so a
    standby can take over without two schedulers acting."""
    while not stop.wait(every):
        if not held.alive():
            log.error("The scheduler lock is gone; stopping this scheduler.")
            lost.set()
            scheduler.shutdown(wait=False)
            return


# What runs next ------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    job: jobs.Job
    when: str
    next_run: datetime | None
    stored: bool  # the next run comes from the job store (a scheduler has run)
    overdue: bool  # it passed while no scheduler ran: the next start runs it at once


def planned(app) -> list[Planned]:
    """Every job with its next run: from the job store where a scheduler has stored it
    with the trigger configured now, otherwise computed from the trigger."""
    tz = clock.zone(app.config)
    now = utcnow().replace(tzinfo=UTC).astimezone(tz)
    fields, made, stored = trigger_fields(app), triggers(app), stored_jobs(app)
    rows = []
    for job_id, job in jobs.JOBS.items():
        old = stored.get(job_id)
        if old is not None and old.next_run_time is not None and repr(old.trigger) == repr(made[job_id]):
            next_run, from_store = old.next_run_time.astimezone(tz), True
        else:
            next_run, from_store = made[job_id].get_next_fire_time(None, now), False
        rows.append(
            Planned(job, in_words(fields[job_id]), next_run, from_store, next_run is not None and next_run < now)
        )
    return rows


def stored_jobs(app) -> dict[str, StoredJob]:
    """The jobs as the last scheduler stored them; none before a scheduler has run. Only reads."""
    with app.app_context(), read_only():
        engine = db.engine
        if not inspect(engine).has_table(JOB_TABLE):
            return {}
        store = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)
        found = {}
        for job_id in jobs.JOBS:
            try:
                job = store.lookup_job(job_id)
            except Exception:  # stored by another version and unreadable: the next start replaces it
                log.warning("The stored job %s cannot be read", job_id, exc_info=True)
                job = None
            if job is not None:
                found[job_id] = job
        return found


def running(app) -> bool:
    """Whether a scheduler holds the lock now (tried and at once given back)."""
    held = lock.for_app(app, "scheduler")
    try:
        return not held.acquire()
    finally:
        held.release()
