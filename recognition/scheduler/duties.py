"""Duties: dated work that must be finished, not merely started (the year-end statements).

APScheduler moves a job's next run time on before the job ends, so a 1 January run that
dies part-way would otherwise wait for 1 July with no one told. So a duty's run records
its work in ``duty_runs`` (one row per duty and period: the date it runs for), as it goes:
``running`` with how many of how many are done, then ``done``, or ``incomplete`` (it
failed, or left failures), or ``handed_back`` (the scheduler was stopped and asked it to
stop between two statements). A row that is not done is owed: the scheduler finishes it
when it starts and every day (the ``unfinished_duties`` job), and ``scheduler --list``
shows it. A duty's work is resumable (the batch skips whatever is issued), so finishing
it is running it again for the same date.
"""

from __future__ import annotations

import logging
import threading
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..clock import utcnow
from ..extensions import db
from .models import DutyRun

log = logging.getLogger(__name__)

# Set when the scheduler is stopping and its wait for the job in flight is over: a duty
# stops at its next step and is handed back, to be finished by the next start.
STOP = threading.Event()


class HandedBack(Exception):
    """A duty stopped between two steps because the scheduler is stopping."""


@dataclass
class Progress:
    row_id: int
    done: int = 0
    total: int | None = None
    complete: bool = True  # False: it ended with work left (failures), so it stays owed
    detail: str | None = None
    new: bool = False  # this run made the row (no run for the date before)


_current: ContextVar[Progress | None] = ContextVar("duty_progress", default=None)


def start(job_id: str, day: date, now: datetime | None = None) -> Progress:
    """Record that the duty's run for ``day`` has started (again), and commit."""
    period = day.isoformat()
    row = db.session.scalar(select(DutyRun).where(DutyRun.job_id == job_id, DutyRun.period == period))
    new = row is None
    if row is None:
        row = DutyRun(job_id=job_id, period=period, done=0)
        db.session.add(row)
    row.started_at, row.finished_at, row.outcome, row.done, row.total, row.detail = (
        now or utcnow(),
        None,
        "running",
        0,
        None,
        None,
    )
    db.session.flush()
    progress = Progress(row.id, new=new)  # read before the commit expires it: the duty starts with no transaction open
    db.session.commit()
    _current.set(progress)
    return progress


def total(count: int) -> None:
    """The duty's work, once known (for example the statements the batch plans)."""
    progress = _current.get()
    if progress is not None:
        progress.total = count
        _save(progress)


def advance(count: int) -> None:
    """``count`` more steps are done and committed. Stops the duty here if the scheduler
    is stopping (HandedBack). Call it with no transaction of the duty's open."""
    progress = _current.get()
    if progress is None:
        return
    progress.done += count
    _save(progress)
    if STOP.is_set():
        raise HandedBack(f"stopped after {progress.done}" + (f" of {progress.total}" if progress.total else ""))


def unfinished(detail: str) -> None:
    """The run ends with work left (say, statements that failed): the duty stays owed."""
    progress = _current.get()
    if progress is not None:
        progress.complete, progress.detail = False, detail


def finish(progress: Progress, outcome: str, detail: str | None) -> None:
    """Record how the run ended, and commit (after the caller rolled back any failed work)."""
    _current.set(None)
    row = db.session.get_one(DutyRun, progress.row_id)  # its run committed it at the start
    row.done, row.total, row.outcome = progress.done, progress.total, outcome
    row.finished_at, row.detail = utcnow(), (detail or "")[:2000] or None
    db.session.commit()
    if outcome != "done":
        log.warning(
            "%s for %s is not finished (%s): %s; the scheduler finishes it when it next starts, or within a day",
            row.job_id,
            row.period,
            outcome,
            row.detail,
        )


def refused(progress: Progress) -> None:
    """The run was refused before any work (a date the duty cannot run for): a row this
    run made is removed, so a mistyped date leaves nothing owed."""
    _current.set(None)
    row = db.session.get(DutyRun, progress.row_id)
    if progress.new and progress.total is None and row is not None:
        db.session.delete(row)
        db.session.commit()
    else:
        finish(progress, "incomplete", "refused")


def _save(progress: Progress) -> None:
    row = db.session.get_one(DutyRun, progress.row_id)  # its run committed it at the start
    row.done, row.total = progress.done, progress.total
    db.session.commit()


def owed(today: date) -> list[DutyRun]:
    """Duty runs not done whose date has come, oldest first."""
    return list(
        db.session.scalars(
            select(DutyRun)
            .where(DutyRun.outcome != "done", DutyRun.period <= today.isoformat())
            .order_by(DutyRun.period, DutyRun.id)
        )
    )


def describe(row: DutyRun) -> str:
    """One line a person reads: what is owed and how far it got."""
    done = f"{row.done} of {row.total} done" if row.total is not None else f"{row.done} done"
    state = {
        "running": "started " + row.started_at.strftime("%Y-%m-%d %H:%M UTC") + ", not finished",
        "incomplete": "ended with work left",
        "handed_back": "handed back when the scheduler stopped",
    }.get(row.outcome, row.outcome)
    return f"{row.job_id} for {row.period}: {state}, {done}" + (f" ({row.detail})" if row.detail else "")
