"""Award cycles moving through their phases: created from the schedule, one phase per date,
exactly once (the unique transition, a stale session, two schedulers at once), catch-up
after downtime, the decision the cycle waits for, an admin's advance and date changes,
and the tables the database keeps append-only.

Every run of the job is ``lifecycle.advance_all(day, now)`` with an explicit date, as the
scheduler calls it (through ``award_cycles_job``); nothing sleeps or reads the clock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from recognition.awards import lifecycle
from recognition.awards.announcement import service as announce
from recognition.awards.committee import recusal
from recognition.awards.cycles import decision as decisions
from recognition.awards.cycles import phases
from recognition.awards.cycles import service as cycles
from recognition.awards.definitions import service as definitions
from recognition.awards.models import (
    AWARD_TABLES,
    Award,
    Cycle,
    CycleDateChange,
    CycleTransition,
    Decision,
    Grant,
    Nomination,
    Recusal,
)
from recognition.awards.nominations import evidence
from recognition.awards.nominations import notices as nomination_notices
from recognition.awards.nominations import service as nominations
from recognition.errors import Conflict, DomainError
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.outbox import OutboxMessage
from tests.support.awards import DAYS, SCHEDULE, YEAR, AwardWorld, actor, at

REPO = Path(__file__).resolve().parents[2]
JUNE = date(YEAR, 6, 1)  # after every date of the 2026 cycle


# Small builders --------------------------------------------------------------------------


def run(day: date, now: datetime | None = None) -> str:
    """One run of the cycle job for ``day``, committed as the scheduler commits it."""
    summary = lifecycle.advance_all(day, now or at(day))
    db.session.commit()
    return summary


def award(slug: str, **settings) -> Award:
    made = definitions.create(
        {"slug": slug, "name": slug.replace("-", " ").title(), **SCHEDULE, **settings}, at(DAYS["scheduled"])
    )
    db.session.commit()
    return made


def cycle_of(award_id: int, year: int = YEAR) -> Cycle | None:
    return db.session.scalar(select(Cycle).where(Cycle.award_id == award_id, Cycle.year == year))


def moves(cycle_id: int) -> list[tuple[str, date, str]]:
    """The cycle's transitions, oldest first: (phase, effective_on, source)."""
    return [
        (t.phase, t.effective_on, t.source)
        for t in db.session.scalars(
            select(CycleTransition).where(CycleTransition.cycle_id == cycle_id).order_by(CycleTransition.id)
        )
    ]


def outbox_keys(pattern: str) -> list[str]:
    return sorted(db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like(pattern))))


def decide(world: AwardWorld, day: date, winner: str = "mentor"):
    decision = decisions.decide(
        world.cycle, [world.nomination_ids[winner]], {}, "", actor(world.dept, "admin"), day, at(day)
    )
    db.session.commit()
    return decision


def world_nominations(world: AwardWorld) -> list[int]:
    return list(db.session.scalars(select(Nomination.id).where(Nomination.cycle_id == world.cycle_id)))


def reviewed(dept) -> AwardWorld:
    """The test world in review with every unrecused member's scores in."""
    world = AwardWorld.build(dept)
    world.to("review")
    world.score_all()
    return world


def refusal(error_type, call, *args, **kwargs) -> DomainError:
    with pytest.raises(error_type) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    return caught.value


# Creating cycles -------------------------------------------------------------------------


def test_each_active_award_gets_one_cycle_a_year_with_its_schedules_dates(app, dept):
    with app.app_context():
        department = award("teaching-mentor")
        division = award(
            "cardiology-mentor",
            level="division",
            division_id=dept.divisions["CARD"],
            opens="01-15",
            closes="02-20",
            review_ends="03-10",
            decision="03-20",
            announcement="04-01",
        )
        retired = award("retired-award", active=False)

        made = cycles.ensure_cycles(DAYS["scheduled"], at(DAYS["scheduled"]))
        db.session.commit()

        assert sorted(c.award_id for c in made) == [department.id, division.id]
        first = cycle_of(department.id)
        assert (
            first.phase,
            first.opens_on,
            first.closes_on,
            first.review_ends_on,
            first.decision_on,
            first.announce_on,
        ) == ("scheduled", date(2026, 2, 1), date(2026, 3, 15), date(2026, 4, 15), date(2026, 4, 30), date(2026, 5, 15))
        second = cycle_of(division.id)
        assert (second.opens_on, second.closes_on, second.announce_on) == (
            date(2026, 1, 15),
            date(2026, 2, 20),
            date(2026, 4, 1),
        )
        assert cycle_of(retired.id) is None, "an inactive award must not get a cycle"
        assert cycles.ensure_cycles(DAYS["scheduled"] + timedelta(days=1), at(DAYS["scheduled"])) == []
        assert db.session.scalar(select(func.count()).select_from(Cycle)) == 2


def test_a_29_february_date_is_28_february_in_a_year_without_one(app, dept):
    with app.app_context():
        leap = award(
            "leap-day-award", opens="02-01", closes="02-29", review_ends="03-31", decision="04-10", announcement="04-20"
        )
        run(date(2026, 1, 5))
        run(date(2028, 1, 5))
        assert cycle_of(leap.id, 2026).closes_on == date(2026, 2, 28)
        assert cycle_of(leap.id, 2028).closes_on == date(2028, 2, 29)


def test_an_award_gets_no_cycle_for_a_year_whose_nominations_have_closed(app, dept):
    """An award made in May starts with next year's cycle, not one that opened in February."""
    with app.app_context():
        late = award("made-in-may")
        assert run(date(2026, 5, 1)) == "no award cycle changed"
        assert cycle_of(late.id) is None
        assert run(date(2027, 1, 4)) == "created made-in-may 2027"
        assert cycle_of(late.id, 2027).opens_on == date(2027, 2, 1)


def test_an_award_made_on_its_closing_day_still_gets_that_years_cycle(app, dept):
    with app.app_context():
        made = award("last-minute")
        summary = run(date(2026, 3, 15))
        assert summary.startswith("created last-minute 2026; last-minute 2026 → open")
        assert cycle_of(made.id).phase == "open"


# One phase per date ----------------------------------------------------------------------


def test_each_date_moves_the_cycle_one_phase_and_the_day_before_moves_none(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)
        admin = actor(dept, "admin")
        for phase in cycles.PHASES[1:]:
            day = DAYS[phase]
            if phase == "closed":  # someone to score and decide on
                nominations.nominate(
                    world.cycle,
                    dept.ids["mentor"],
                    "Generous.",
                    actor(dept, "promotion_committee"),
                    DAYS["open"],
                    at(DAYS["open"]),
                )
                db.session.commit()
            if phase == "decided":
                unreviewed = {str(n): "Nobody scored in this walk through the dates." for n in world_nominations(world)}
                decisions.decide(
                    world.cycle,
                    list(world_nominations(world)),
                    unreviewed,
                    "",
                    admin,
                    date(2026, 4, 20),
                    at(date(2026, 4, 20)),
                )
                db.session.commit()
            before = world.cycle.phase
            summary = run(day - timedelta(days=1))
            assert "→" not in summary and world.cycle.phase == before, f"the day before {phase}: {summary}"
            assert run(day) == f"mentor-of-the-year 2026 → {phase}"
            assert world.cycle.phase == phase
            assert moves(world.cycle_id)[-1] == (phase, day, "schedule")
        assert [m[0] for m in moves(world.cycle_id)] == ["open", "closed", "review", "decided", "announced"]


def test_the_same_day_twice_changes_nothing_the_second_time(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        for phase in ("closed", "review"):
            run(DAYS[phase])
            transitions, emails = len(moves(world.cycle_id)), len(outbox_keys("award:%"))
            assert run(DAYS[phase]) == "no award cycle changed", phase
            assert (len(moves(world.cycle_id)), len(outbox_keys("award:%"))) == (transitions, emails), phase
        world.score_all()
        decide(world, date(2026, 4, 20))
        for phase in ("decided", "announced"):
            run(DAYS[phase])
            transitions, grants = len(moves(world.cycle_id)), db.session.scalar(select(func.count()).select_from(Grant))
            assert run(DAYS[phase]) == "no award cycle changed", phase
            assert len(moves(world.cycle_id)) == transitions
            assert (
                db.session.scalar(select(func.count()).select_from(Grant))
                == grants
                == (1 if phase == "announced" else 0)
            )


# Catch-up after downtime -------------------------------------------------------------------


def test_a_scheduler_down_since_nominations_opened_catches_up_in_one_run_and_waits_for_the_decision(app, dept):
    """Down from the day nominations opened to June: one run enters closed and review, in
    order, each dated the day the schedule says; decided needs winners nobody recorded."""
    with app.app_context():
        world = AwardWorld.build(dept)

        summary = run(JUNE)

        assert summary == (
            "mentor-of-the-year 2026 → closed; mentor-of-the-year 2026 → review; "
            "mentor-of-the-year 2026: 1 reminder queued"
        )
        assert moves(world.cycle_id) == [
            ("open", date(2026, 2, 1), "schedule"),
            ("closed", date(2026, 3, 16), "schedule"),
            ("review", date(2026, 3, 19), "schedule"),
        ]
        assert world.cycle.phase == "review"
        assert outbox_keys(f"award:{world.cycle_id}:overdue:%") == [
            f"award:{world.cycle_id}:overdue:{dept.ids['admin']}"
        ]


def test_a_cycle_without_nominations_runs_to_its_end_with_no_award(app, dept):
    """No one was nominated: there are no winners to wait for, so the cycle is decided and
    announced on its dates, grants nothing, and tells the committee so."""
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)

        summary = run(JUNE)

        assert summary.startswith(
            "mentor-of-the-year 2026 → open; mentor-of-the-year 2026 → closed; "
            "mentor-of-the-year 2026 → review; mentor-of-the-year 2026 → decided; "
            "mentor-of-the-year 2026 → announced"
        )
        assert [phase for phase, _, _ in moves(world.cycle_id)] == ["open", "closed", "review", "decided", "announced"]
        assert db.session.scalar(select(func.count()).select_from(Grant)) == 0
        result = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.key == f"award:{world.cycle_id}:result:{dept.ids['award_committee']}"
            )
        )
        assert "no award this year (no nominations were received)" in result.body
        assert outbox_keys(f"award:{world.cycle_id}:call:%") == []  # its deadline had passed when the run came


def test_a_scheduler_down_over_the_decision_and_announcement_catches_both_up_in_one_run(app, dept):
    with app.app_context():
        world = reviewed(dept)
        decide(world, date(2026, 4, 20))

        summary = run(JUNE)

        assert summary == "mentor-of-the-year 2026 → decided; mentor-of-the-year 2026 → announced"
        assert moves(world.cycle_id)[-2:] == [
            ("decided", date(2026, 4, 30), "schedule"),
            ("announced", date(2026, 5, 15), "schedule"),
        ]
        grant = db.session.scalars(select(Grant)).one()
        assert (grant.person_id, grant.awarded_on) == (dept.ids["mentor"], date(2026, 5, 15))
        assert db.session.get(LedgerEntry, grant.ledger_entry_id).occurred_on == date(2026, 5, 15)


def test_a_catch_up_freezes_the_evidence_as_of_the_closing_date(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        run(JUNE)
        for nomination_id in world.nomination_ids.values():
            nomination = db.session.get(Nomination, nomination_id)
            assert json.loads(nomination.evidence)["as_of"] == "2026-03-15"
            assert evidence.evidence_intact(nomination)


def test_a_catch_up_past_the_closing_date_sends_no_call_for_nominations(app, dept):
    """Nominations cannot be made once they closed, so a call for them, saying they are open
    until a date already past, must not go out when a late run opens and closes the cycle."""
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)
        run(JUNE)
        calls = outbox_keys(f"award:{world.cycle_id}:call:%")
        assert calls == [], (
            f"a run on {JUNE} (nominations closed on 2026-03-15) queued {len(calls)} calls for nominations "
            "saying they are open until 15 March 2026"
        )


def test_a_catch_up_while_nominations_are_still_open_sends_the_call(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)
        run(date(2026, 2, 20))
        assert moves(world.cycle_id) == [("open", date(2026, 2, 1), "schedule")]
        assert len(outbox_keys(f"award:{world.cycle_id}:call:%")) == len(dept.ids)


# The decision ------------------------------------------------------------------------------


def test_the_cycle_stays_in_review_until_winners_are_recorded_and_managers_hear_once(app, dept):
    with app.app_context():
        world = reviewed(dept)
        overdue = f"award:{world.cycle_id}:overdue:%"

        assert run(DAYS["decided"] - timedelta(days=1)) == "no award cycle changed"
        assert outbox_keys(overdue) == []
        assert run(DAYS["decided"]) == "mentor-of-the-year 2026: 1 reminder queued"
        assert world.cycle.phase == "review"
        assert outbox_keys(overdue) == [f"award:{world.cycle_id}:overdue:{dept.ids['admin']}"]
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.key.like(overdue)))
        assert message.recipient == "admin@test.example.org"
        assert "was due on 30 April 2026 and no winners are recorded yet" in message.body

        for day in (date(2026, 5, 1), DAYS["announced"], JUNE):
            assert run(day) == "no award cycle changed", day
            assert world.cycle.phase == "review"
        assert len(outbox_keys(overdue)) == 1
        assert db.session.scalar(select(func.count()).select_from(Grant)) == 0


def test_winners_recorded_after_the_decision_date_move_the_cycle_at_once(app, dept):
    with app.app_context():
        world = reviewed(dept)
        run(DAYS["decided"])
        late = date(2026, 5, 5)

        decide(world, late)

        assert world.cycle.phase == "decided"
        last = db.session.scalars(
            select(CycleTransition)
            .where(CycleTransition.cycle_id == world.cycle_id)
            .order_by(CycleTransition.id.desc())
        ).first()
        assert (last.phase, last.effective_on, last.source, last.by_id) == ("decided", late, "admin", dept.ids["admin"])
        assert last.reason
        assert run(late) == "no award cycle changed"
        assert run(DAYS["announced"]) == "mentor-of-the-year 2026 → announced"


def test_winners_recorded_after_the_announcement_date_are_announced_no_earlier_than_decided(app, dept):
    """The announcement cannot come before the decision it announces: a cycle decided on
    20 May, after its planned 15 May announcement, is announced on the next run, and the
    grant and the history must not be dated 15 May."""
    with app.app_context():
        world = reviewed(dept)
        late = date(2026, 5, 20)
        decide(world, late)
        run(late)

        history = moves(world.cycle_id)
        assert [phase for phase, _, _ in history][-2:] == ["decided", "announced"]
        decided_on, announced_on = history[-2][1], history[-1][1]
        grant = db.session.scalars(select(Grant)).one()
        assert announced_on >= decided_on and grant.awarded_on >= decided_on, (
            f"decided on {decided_on}, yet announced (effective_on) on {announced_on} and awarded on "
            f"{grant.awarded_on}: catch_up dates the announcement by announce_on even when the decision came later"
        )


# Exactly once ------------------------------------------------------------------------------


def test_the_database_refuses_a_second_transition_into_the_same_phase(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        run(DAYS["closed"])
        db.session.add(
            CycleTransition(
                cycle_id=world.cycle_id,
                from_phase="open",
                phase="closed",
                effective_on=DAYS["closed"],
                at=at(DAYS["closed"]),
                source="schedule",
            )
        )
        with pytest.raises(IntegrityError, match=r"(?i)unique|uq_cycle_transitions_once"):
            db.session.flush()
        db.session.rollback()
        assert [m[0] for m in moves(world.cycle_id)] == ["open", "closed"]


def test_step_from_a_stale_cycle_is_a_conflict_and_enters_nothing_twice(app, dept):
    """A session holding the cycle as it was before another process moved it cannot move
    it again: the transition's unique key stops it, and nothing entering does is repeated."""
    with app.app_context():
        world = AwardWorld.build(dept)
        cycle_id = world.cycle_id

    with app.app_context():
        stale = db.session.get(Cycle, cycle_id)
        assert stale.phase == "open"
        db.session.expunge(stale)  # keeps what it loaded, as a long-lived session would
        db.session.rollback()

        with app.app_context():  # another process closes nominations meanwhile
            run(DAYS["closed"])
            frozen = {n.id: (n.evidence_hash, n.evidence_frozen_at) for n in db.session.scalars(select(Nomination))}

        db.session.add(stale)
        assert stale.phase == "open"
        error = refusal(
            Conflict, lifecycle.step, stale, "closed", DAYS["closed"], at(DAYS["closed"]) + timedelta(hours=1)
        )
        assert error.status == 409 and error.errors == {"phase": ["already closed"]}

    with app.app_context():
        assert [m[0] for m in moves(cycle_id)] == ["open", "closed"]
        assert {n.id: (n.evidence_hash, n.evidence_frozen_at) for n in db.session.scalars(select(Nomination))} == frozen


def test_step_only_enters_the_next_phase(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        error = refusal(Conflict, lifecycle.step, world.cycle, "review", DAYS["review"], at(DAYS["review"]))
        assert error.errors == {"phase": ["is open"]}
        assert [m[0] for m in moves(world.cycle_id)] == ["open"]


def _slow_entering(monkeypatch) -> list[tuple[str, str]]:
    """Make entering a phase take a while, so a second scheduler arrives while the first is
    inside the transaction; returns (thread, phase) for every phase entered."""
    entered: list[tuple[str, str]] = []
    real = lifecycle._enter

    def slow(cycle, phase, *rest):
        entered.append((threading.current_thread().name, phase))
        time.sleep(0.3)
        return real(cycle, phase, *rest)

    monkeypatch.setattr(lifecycle, "_enter", slow)
    return entered


def _race(app, day: date, stamps: list[datetime]) -> dict[str, str]:
    """Run the cycle job for ``day`` from one thread per stamp at once, each in its own app
    context (so its own session and connection), as two scheduler processes would."""
    outcomes: dict[str, str] = {}
    windows: list[tuple[float, float]] = []
    barrier = threading.Barrier(len(stamps))

    def scheduler(stamp: datetime) -> None:
        name = threading.current_thread().name
        with app.app_context():
            try:
                barrier.wait(10)
                started = time.monotonic()
                outcomes[name] = lifecycle.advance_all(day, stamp)
                db.session.commit()
                windows.append((started, time.monotonic()))
            except Exception as error:  # noqa: BLE001 - any error is the failure reported below
                db.session.rollback()
                outcomes[name] = f"error: {error!r}"

    threads = [
        threading.Thread(target=scheduler, args=(stamp,), name=f"scheduler-{n}") for n, stamp in enumerate(stamps)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a scheduler thread hung"
    assert not [o for o in outcomes.values() if o.startswith("error")], outcomes
    (_, first_end), (second, _) = sorted(windows)
    assert second < first_end, "the two runs did not overlap: the test proves nothing"
    return outcomes


def test_two_schedulers_closing_nominations_at_once_act_once(app, dept, monkeypatch):
    with app.app_context():
        world = AwardWorld.build(dept)
        before = set(outbox_keys("award:%"))
    entered = _slow_entering(monkeypatch)
    stamps = [at(DAYS["review"]), at(DAYS["review"]) + timedelta(minutes=1)]

    outcomes = _race(app, DAYS["review"], stamps)

    assert sorted(phase for _, phase in entered) == ["closed", "review"], entered
    with app.app_context():
        transitions = db.session.scalars(
            select(CycleTransition).where(CycleTransition.cycle_id == world.cycle_id).order_by(CycleTransition.id)
        ).all()
        assert [(t.phase, t.effective_on) for t in transitions] == [
            ("open", DAYS["open"]),
            ("closed", DAYS["closed"]),
            ("review", DAYS["review"]),
        ]
        closed_at = transitions[1].at
        assert closed_at in stamps
        for nomination in db.session.scalars(select(Nomination)):
            # Frozen once, by whichever scheduler entered "closed", in that transaction.
            assert nomination.evidence_frozen_at == closed_at and evidence.evidence_intact(nomination)
        recusals = db.session.scalars(select(Recusal)).all()
        assert [(r.member_id, r.nomination_id) for r in recusals] == [
            (dept.ids["other_mentor"], world.nomination_ids["other_mentee"])
        ]
        added = sorted(set(outbox_keys("award:%")) - before)
        assert added == sorted(
            f"award:{world.cycle_id}:committee:{dept.ids[role]}"
            for role in ("award_committee", "other_mentor", "director")
        )
    assert sum(summary.count("→") for summary in outcomes.values()) == 2, outcomes


def test_two_schedulers_creating_the_years_cycles_at_once_create_each_once(app, dept):
    with app.app_context():
        award("mentor-of-the-year")
        award("teaching-mentor")
    day = date(2027, 1, 4)
    outcomes = _race(app, day, [at(day), at(day) + timedelta(minutes=1)])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Cycle).where(Cycle.year == 2027)) == 2
    created = " ".join(outcomes.values())
    assert created.count("mentor-of-the-year 2027") == created.count("teaching-mentor 2027") == 1, outcomes


def test_two_schedulers_on_a_reminder_day_queue_each_reminder_once(app, dept, monkeypatch):
    """The close reminders are queued outside any transition, so nothing but the outbox's
    unique key stands between two runs of the same day: the second must find them queued,
    not fail."""
    with app.app_context():
        world = AwardWorld.build(dept)
    real = nomination_notices.queue

    def slow(messages, now=None):
        queued = real(messages, now)
        time.sleep(0.3)  # the first run holds its new rows uncommitted while the second looks
        return queued

    monkeypatch.setattr(nomination_notices, "queue", slow)
    day = date(2026, 3, 10)

    outcomes = _race(app, day, [at(day), at(day) + timedelta(minutes=1)])

    assert sorted(outcomes.values()) == ["mentor-of-the-year 2026: 10 reminders queued", "no award cycle changed"]
    with app.app_context():
        assert len(outbox_keys(f"award:{world.cycle_id}:reminder:%")) == 10


SCHEDULER = r"""
import json, os, sys, time, traceback
from datetime import date, datetime

from recognition import create_app
from recognition.awards import lifecycle
from recognition.extensions import db

url, day, stamp, gate, worker = sys.argv[1:]
app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
summary, error = None, None
with app.app_context():
    db.session.execute(db.text("SELECT 1"))
    db.session.rollback()
    open(gate + ".ready" + worker, "w").close()
    while not os.path.exists(gate):  # start together
        time.sleep(0.005)
    try:
        summary = lifecycle.advance_all(date.fromisoformat(day), datetime.fromisoformat(stamp))
        db.session.commit()
    except Exception:
        db.session.rollback()
        error = traceback.format_exc()
    db.session.remove()
    db.engine.dispose()
print(json.dumps({"summary": summary, "error": error}))
"""


def test_two_scheduler_processes_announcing_at_once_grant_once(app, dept, database_url, tmp_path):
    with app.app_context():
        world = reviewed(dept)
        decide(world, date(2026, 4, 20))
    gate = str(tmp_path / "go")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RECOGNITION_") or key == "RECOGNITION_INSTANCE_PATH"
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    day = DAYS["announced"]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                SCHEDULER,
                database_url,
                day.isoformat(),
                (at(day) + timedelta(minutes=n)).isoformat(),
                gate,
                str(n),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        for n in range(2)
    ]
    try:
        deadline = time.monotonic() + 60
        while not all(os.path.exists(f"{gate}.ready{n}") for n in range(2)):
            assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
            assert time.monotonic() < deadline, "the scheduler processes did not start"
            time.sleep(0.01)
        Path(gate).touch()
        outputs = [p.communicate(timeout=120) for p in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()

    reports = []
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr
        reports.append(json.loads(stdout.strip().splitlines()[-1]))
    assert [r["error"] for r in reports] == [None, None], reports
    assert sum(r["summary"].count("→") for r in reports) == 2, reports  # decided and announced, once each
    with app.app_context():
        assert [m[:2] for m in moves(world.cycle_id)][-2:] == [("decided", DAYS["decided"]), ("announced", day)]
        grant = db.session.scalars(select(Grant)).one()
        assert grant.person_id == dept.ids["mentor"]
        entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == announce.LEDGER_KIND)).all()
        assert [e.id for e in entries] == [grant.ledger_entry_id]
        assert ledger.verify().valid
        results = outbox_keys(f"award:{world.cycle_id}:result:%")
        assert len(results) == 9  # the winner, 2 other nominees, 3 nominators, 3 committee members


# An administrator's changes --------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_admin_advance_needs_a_reason(app, dept, reason):
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)
        error = refusal(
            DomainError,
            lifecycle.advance,
            world.cycle,
            actor(dept, "admin"),
            reason,
            date(2026, 1, 20),
            at(date(2026, 1, 20)),
            from_phase="scheduled",
        )
        assert error.status == 422 and list(error.errors) == ["reason"]
        assert world.cycle.phase == "scheduled" and moves(world.cycle_id) == []


def test_an_admin_advance_is_recorded_with_who_and_why_and_does_what_the_phase_does(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)
        day = date(2026, 1, 20)
        transition = lifecycle.advance(
            world.cycle, actor(dept, "admin"), "  The dean asked to open early.  ", day, at(day), from_phase="scheduled"
        )
        db.session.commit()

        assert world.cycle.phase == "open"
        assert (
            transition.phase,
            transition.from_phase,
            transition.effective_on,
            transition.at,
            transition.source,
            transition.by_id,
            transition.reason,
        ) == ("open", "scheduled", day, at(day), "admin", dept.ids["admin"], "The dean asked to open early.")
        assert len(outbox_keys(f"award:{world.cycle_id}:call:%")) == len(dept.ids)
        assert run(DAYS["open"]) == "no award cycle changed"  # the schedule does not open it again
        assert [
            item.phase if isinstance(item, CycleTransition) else item.field for item in cycles.history(world.cycle_id)
        ] == ["opens_on", "open"], (
            "opening early moves the opening date too, with the same reason, before the transition"
        )


def test_nominations_opened_early_by_an_admin_can_be_made_at_once(app, dept):
    """An admin who opens nominations early does it so colleagues can nominate now."""
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)
        day = date(2026, 1, 20)
        lifecycle.advance(
            world.cycle, actor(dept, "admin"), "Open before the holidays.", day, at(day), from_phase="scheduled"
        )
        db.session.commit()
        assert phases.is_nominating_open(world.cycle, day), (
            "the cycle is open (by an admin, on 2026-01-20) but is_nominating_open says no until opens_on 2026-02-01, "
            "so nominate() refuses every nomination"
        )
        nominations.nominate(world.cycle, dept.ids["mentor"], "Generous.", actor(dept, "admin"), day, at(day))


def test_an_admin_cannot_advance_to_decided_without_winners_or_past_announced(app, dept):
    with app.app_context():
        world = reviewed(dept)
        admin = actor(dept, "admin")
        error = refusal(
            Conflict,
            lifecycle.advance,
            world.cycle,
            admin,
            "Hurry.",
            date(2026, 4, 20),
            at(date(2026, 4, 20)),
            from_phase="review",
        )
        assert error.errors == {"phase": ["no decision recorded"]}
        decide(world, date(2026, 4, 20))
        lifecycle.advance(
            world.cycle, admin, "Decided early.", date(2026, 4, 20), at(date(2026, 4, 20)), from_phase="review"
        )
        lifecycle.advance(
            world.cycle,
            admin,
            "Announce at the retreat.",
            date(2026, 4, 21),
            at(date(2026, 4, 21)),
            from_phase="decided",
        )
        db.session.commit()
        assert world.cycle.phase == "announced"
        assert db.session.scalars(select(Grant)).one().awarded_on == date(2026, 4, 21)
        error = refusal(
            Conflict,
            lifecycle.advance,
            world.cycle,
            admin,
            "Again.",
            date(2026, 4, 22),
            at(date(2026, 4, 22)),
            from_phase="announced",
        )
        assert error.errors == {"phase": ["is announced"]}


def _move(
    world: AwardWorld,
    field: str,
    new: date,
    reason: str | None = "The committee needs more time.",
    day: date = date(2026, 3, 1),
):
    return cycles.move_date(world.cycle, field, new, actor(world.dept, "admin"), reason, day, at(day))


def test_moving_a_date_is_recorded_with_old_new_who_and_why(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        change = _move(world, "closes_on", date(2026, 3, 22), reason="  Spring break.  ")
        db.session.commit()

        assert world.cycle.closes_on == date(2026, 3, 22)
        assert (change.field, change.old, change.new, change.reason, change.by_id, change.at) == (
            "closes_on",
            date(2026, 3, 15),
            date(2026, 3, 22),
            "Spring break.",
            dept.ids["admin"],
            at(date(2026, 3, 1)),
        )
        assert [type(item).__name__ for item in cycles.history(world.cycle_id)] == [
            "CycleTransition",
            "CycleDateChange",
        ]
        # Extended: still open the day after the old closing day, closed the day after the new one.
        assert "→" not in run(DAYS["closed"])
        assert phases.is_nominating_open(world.cycle, date(2026, 3, 22))
        assert run(date(2026, 3, 23)) == "mentor-of-the-year 2026 → closed"
        assert moves(world.cycle_id)[-1] == ("closed", date(2026, 3, 23), "schedule")


@pytest.mark.parametrize("reason", [None, "", " \n "])
def test_moving_a_date_needs_a_reason(app, dept, reason):
    with app.app_context():
        world = AwardWorld.build(dept)
        error = refusal(DomainError, _move, world, "closes_on", date(2026, 3, 22), reason=reason)
        assert error.status == 422 and list(error.errors) == ["reason"]
        assert world.cycle.closes_on == date(2026, 3, 15)


def test_a_date_whose_phase_has_begun_cannot_move(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        error = refusal(Conflict, _move, world, "opens_on", date(2026, 3, 5))
        assert error.status == 409 and error.errors == {"field": ["cannot move while the cycle is open"]}
        world.to("closed")
        error = refusal(Conflict, _move, world, "closes_on", date(2026, 3, 30), day=date(2026, 3, 17))
        assert error.errors == {"field": ["cannot move while the cycle is closed"]}
        assert db.session.scalar(select(func.count()).select_from(CycleDateChange)) == 0


def test_a_date_cannot_move_into_the_past_or_out_of_order_or_to_an_unknown_field(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        error = refusal(DomainError, _move, world, "closes_on", date(2026, 2, 27))
        assert error.errors == {"date": ["must not be in the past (today is 2026-03-01)"]}

        error = refusal(DomainError, _move, world, "closes_on", date(2026, 4, 20))
        assert error.status == 422
        assert error.errors == {"review_ends_on": ["must be after nominations close (2026-04-20)"]}

        error = refusal(DomainError, _move, world, "decision_on", date(2026, 5, 20))
        assert error.errors == {"announce_on": ["must be on or after the decision (2026-05-20)"]}

        error = refusal(DomainError, _move, world, "starts_on", date(2026, 5, 20))
        assert list(error.errors) == ["field"]

        cycle = world.cycle
        assert (cycle.closes_on, cycle.decision_on) == (date(2026, 3, 15), date(2026, 4, 30))
        assert db.session.scalar(select(func.count()).select_from(CycleDateChange)) == 0


# Append-only ------------------------------------------------------------------------------

# A text column of each table, for an UPDATE that changes nothing (a trigger fires anyway).
COLUMN = {
    "cycle_transitions": "reason",
    "cycle_date_changes": "reason",
    "recusals": "reason",
    "score_revisions": "comment",
    "decisions": "note",
    "decision_winners": "reason",
    "award_grants": "code",
    "award_revocations": "reason",
}


@pytest.fixture
def full_record(app, dept) -> None:
    """A cycle with a row in every append-only table: transitions, a date change, a
    detected and a declared recusal, score revisions, a decision, a grant, a revocation."""
    with app.app_context():
        world = AwardWorld.build(dept)
        _move(world, "review_ends_on", date(2026, 4, 16), day=date(2026, 2, 10))
        world.to("review")
        recusal.declare(
            db.session.get(Nomination, world.nomination_ids["other_director"]),
            actor(dept, "director"),
            "We co-authored a paper this year.",
            at(DAYS["review"]),
        )
        world.score_all()
        decide(world, date(2026, 4, 20))
        run(DAYS["announced"])
        announce.revoke(
            db.session.scalars(select(Grant)).one(), "Awarded in error.", actor(dept, "admin"), at(date(2026, 6, 1))
        )
        db.session.commit()
        for table in AWARD_TABLES:
            assert db.session.scalar(text(f"SELECT count(*) FROM {table}")) > 0, table


def _rows(app) -> dict[str, list]:
    with app.app_context():
        return {
            table: list(db.session.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()) for table in AWARD_TABLES
        }


def test_the_append_only_tables_are_the_ones_the_issue_names():
    assert (
        set(AWARD_TABLES)
        == set(COLUMN)
        == {
            "cycle_transitions",
            "cycle_date_changes",
            "recusals",
            "score_revisions",
            "decisions",
            "decision_winners",
            "award_grants",
            "award_revocations",
        }
    )


@pytest.mark.parametrize("action", ["update", "delete", "truncate"])
def test_the_database_refuses_to_change_or_remove_award_history(app, backend, full_record, action):
    before = _rows(app)
    for table in AWARD_TABLES:
        statement = {
            "update": f"UPDATE {table} SET {COLUMN[table]} = {COLUMN[table]}",
            "delete": f"DELETE FROM {table}",
            # SQLite has no TRUNCATE: its truncate optimisation is a DELETE without WHERE.
            "truncate": f"TRUNCATE {table} CASCADE" if backend == "postgresql" else f"DELETE FROM {table}",
        }[action]
        with app.app_context():
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
                db.session.flush()
            db.session.rollback()
    assert _rows(app) == before


def test_the_orm_cannot_edit_or_delete_a_transition_or_a_grant(app, full_record):
    before = _rows(app)
    with app.app_context():
        db.session.scalars(select(CycleTransition)).first().reason = "rewritten"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalars(select(Decision)).first())
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
    assert _rows(app) == before
