"""Load the demo department: about 900 faculty in 20 divisions, their mentorships,
five years of ledger history up to today, and mentee feedback for the last few periods
with some mentors' reflections on it (reflections are ledger entries, chained with the
rest of the history).

Recorded career milestones (appointments, CFARs, promotions, grants, awards, leadership
roles) are ledger entries too, chained in the same pass, and a few people keep a profile
(milestones.py).

Once that is stored, credit statements for the two most recent finished years are issued
through the services, each committed on its own (statements.py), and three awards run
their yearly cycles through the award services, day by day, up to today (awards.py).

The same ``seed`` and ``today`` build the same department, down to the chain head.
Everything is built in memory (department.py, relationships.py, history.py,
feedback.py, reflections.py) and written with bulk inserts in one transaction, so a failed load leaves
the database as it was. The ledger is append-only, so the demo is never loaded over existing
people: a second load of the demo only returns its logins.
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, time, timedelta

import click
from sqlalchemy import func, insert, select, text, update

from .. import clock
from ..auth.models import Account, RoleGrant
from ..auth.service import hash_password
from ..database import is_postgresql, lock_for_append
from ..extensions import db
from ..ledger import checkpoints, confirmations
from ..ledger.models import LedgerEntry
from ..ledger.service import LEDGER_LOCK
from ..mentorships.models import Mentorship
from ..metrics import report as program_report
from ..milestones.models import Milestone
from ..outbox import OutboxMessage
from ..people.models import Division, DivisionDirector, Person, Profile
from . import (
    awards,
    cases,
    department,
    feedback,
    feedback_rows,
    history,
    logins,
    milestones,
    reflections,
    relationships,
    statements,
)
from .department import Department, Member

DEMO_PASSWORD = "mentoring-demo"
CHUNK = 2000
# Tables whose ids the demo writes itself; PostgreSQL's sequences must then move past them.
EXPLICIT_ID_TABLES = (
    "divisions",
    "people",
    "mentorships",
    "ledger_entries",
    "feedback_requests",
    "feedback_releases",
    "reflections",
    "milestones",
)


def load(seed: int, today: date | None = None, scale: float = 1.0) -> list[tuple[str, str, str]]:
    """Build and store the demo department; return one ``(role, email, password)``
    login per role. ``today`` (default: the real date) is the last day of history;
    ``scale`` shrinks or grows the department (1.0 is about 900 faculty)."""
    real_today = clock.today()
    today = today or real_today
    if today > real_today:
        raise ValueError(f"today ({today}) is in the future: recorded times would be too")
    existing = _existing_logins()
    if existing is not None:
        return existing

    _step(f"Building the demo department (seed {seed}, history to {today.isoformat()})")
    dept = department.build(random.Random(f"{seed}:people"), today, scale)
    ties = relationships.build(random.Random(f"{seed}:mentorships"), dept, scale)
    open_formal = [(t.mentor_id, t.mentee_id, t.started_on) for t in ties if t.kind == "formal" and t.ended_on is None]
    featured = logins.featured_pair(open_formal, set(dept.directors.values()))
    committees = _committees(random.Random(f"{seed}:committees"), dept, featured)
    events = history.build(random.Random(f"{seed}:ledger"), dept, ties, featured)
    careers = milestones.build(random.Random(f"{seed}:milestones"), dept, ties, featured, len(events) + 1)
    plan = feedback.build(random.Random(f"{seed}:feedback"), dept, ties, featured, feedback.settings())
    reflected = reflections.build(random.Random(f"{seed}:reflections"), dept, ties, plan, featured)
    _step(
        f"Feedback for {', '.join(plan.periods)}: {len(plan.asks)} requests, {len(plan.replies)} responses "
        f"in {len(plan.blocks)} releases of {plan.settings.k} ({len(plan.below_k())} mentors have responses waiting "
        f"below k); {len(reflected)} reflections"
    )
    _step(careers.line())
    _step(f"Chaining {len(events) + len(reflected) + len(careers.events)} ledger entries")
    rows = history.chain(events + [reflection.event for reflection in reflected] + careers.events)

    _write(dept, ties, committees, rows, plan, reflected, careers)
    db.session.commit()
    _step(
        f"Loaded {len(dept.faculty)} faculty in {len(dept.divisions)} divisions, "
        f"{len(ties)} mentorships, {len(rows)} ledger entries, {len(plan.replies)} feedback responses."
    )
    _step(_reminded(clock.moment(today)))
    _step(statements.issue(today, featured[0] if featured else None, dept.admin.id).line())
    ids = {
        "admin": dept.admin.id,
        "division_director": logins.director_of_featured({d["code"]: dept.directors[d["id"]] for d in dept.divisions}),
        "mentor": featured[0] if featured else None,
        "mentee": featured[1] if featured else None,
        **committees,
    }
    _step(awards.build(random.Random(f"{seed}:awards"), today, ids).line())
    _step(cases.build(random.Random(f"{seed}:cases"), today, ids).line())
    _step(_program_report(today))
    checkpoint, _ = checkpoints.make(clock.utcnow())
    db.session.commit()
    _step(f"Signed a checkpoint of the ledger's head at position {checkpoint.seq} (/ledger/checkpoints.json)")
    return logins.as_logins(ids, {m.id: m.email for m in dept.people}, DEMO_PASSWORD)


def _program_report(today: date) -> str:
    """Last year's program report, issued as the scheduler issues it, so the dashboard's
    "Yearly reports" lists one; at the end of the history, like the statements."""
    issued_at = datetime.combine(today, time.min) - history.MARGIN + timedelta(seconds=55)
    year = clock.local_date(issued_at).year - 1
    issued = program_report.issue(year, None, issued_at)
    db.session.commit()
    return f"Issued the {year} program report for the faculty council (/metrics/reports), version {issued.version}"


def _reminded(now) -> str:
    """The reminders the scheduler would have sent for meetings logged 14 to 59 days ago
    and still waiting, in the outbox as sent: the history has them, and the first run of
    ``confirmation_reminders`` after loading emails no one about the past."""
    reminded = confirmations.remind(now)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key.like("ledger-confirm:%"), OutboxMessage.sent_at.is_(None))
        .values(sent_at=now, attempts=1)
    )
    db.session.commit()
    return f"{reminded} reminders to confirm a meeting were sent (logged 14 to 59 days ago, not yet confirmed)"


def _existing_logins() -> list[tuple[str, str, str]] | None:
    if not db.session.scalar(select(func.count()).select_from(Person)):
        return None
    found = logins.stored(DEMO_PASSWORD)
    if found is None:
        raise click.ClickException(
            "This database already holds people who are not the demo department. The ledger is "
            "append-only, so the demo is never loaded over other data: point RECOGNITION_DATABASE_URL "
            "(or RECOGNITION_INSTANCE_PATH) at a fresh database and run the command again."
        )
    _step("The demo department is already loaded; nothing to add.")
    return found


def _committees(rng: random.Random, dept: Department, featured: tuple[int, int] | None) -> dict[str, int]:
    """One award-committee and one promotion-committee member: full professors who
    direct no division and are not the featured mentor or mentee."""
    skip = set(dept.directors.values()) | set(featured or ())
    pool = sorted((m for m in dept.faculty if m.rank == "full" and m.id not in skip), key=lambda m: m.id)
    award, promotion = rng.sample(pool, 2)
    return {"award_committee": award.id, "promotion_committee": promotion.id}


def _write(
    dept: Department,
    ties,
    committees: dict[str, int],
    ledger_rows: list[dict],
    plan: feedback.Plan,
    reflected: list[reflections.PlannedReflection],
    careers: milestones.Plan,
) -> None:
    _step(f"Writing {len(dept.people)} people, their accounts and {len(ties)} mentorships")
    db.session.execute(insert(Division), dept.divisions)
    db.session.execute(insert(Person), [m.row() for m in _supervisors_first(dept)])
    db.session.execute(
        insert(DivisionDirector), [{"division_id": d, "person_id": p} for d, p in sorted(dept.directors.items())]
    )
    # One argon2 hash for every demo account: hashing 900 passwords would take about a
    # minute, and these are demo accounts that all share a published password anyway.
    password_hash = hash_password(DEMO_PASSWORD)
    db.session.execute(
        insert(Account),
        [
            {"person_id": m.id, "password_hash": password_hash, "created_at": m.created_at, "disabled": False}
            for m in dept.people
        ],
    )
    grants = [{"person_id": dept.admin.id, "role": "admin"}]
    grants += [{"person_id": person, "role": role} for role, person in committees.items()]
    db.session.execute(insert(RoleGrant), grants)
    db.session.execute(insert(Mentorship), [tie.row() for tie in ties])
    feedback_rows.write_requests(plan)
    feedback_rows.write_answers(plan)

    lock_for_append(db.session, LEDGER_LOCK)
    with click.progressbar(length=len(ledger_rows), label="Writing the ledger", file=sys.stderr) as bar:
        for start in range(0, len(ledger_rows), CHUNK):
            chunk = ledger_rows[start : start + CHUNK]
            db.session.execute(insert(LedgerEntry), chunk)
            bar.update(len(chunk))
    reflections.write(reflected)
    db.session.execute(insert(Milestone), [planned.row() for planned in careers.milestones])
    if careers.profiles:
        db.session.execute(insert(Profile), careers.profiles)
    if is_postgresql(db.session):
        for table in EXPLICIT_ID_TABLES:
            db.session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            )


def _supervisors_first(dept: Department) -> list[Member]:
    """People in an order where everyone's supervisor is stored before them, so the
    foreign key holds row by row."""

    def depth(member: Member) -> int:
        steps = 0
        while member.supervisor_id is not None:
            member, steps = dept.by_id[member.supervisor_id], steps + 1
        return steps

    return sorted(dept.people, key=lambda m: (depth(m), m.id))


def _step(message: str) -> None:
    click.echo(message, err=True)
