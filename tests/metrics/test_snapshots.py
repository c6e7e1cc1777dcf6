"""Snapshots of closed years give what a live computation gives, byte for byte, to every
viewer; and a late entry dated in a closed year, or a roster change, makes the page
compute that year again rather than show a stale snapshot. A roster change that cannot
move a mentee to another division (a mentorship added or ended) leaves the snapshots
that read only the ledger and the mentees' divisions be: those are most of the work.

Cardiology (the director's) and Nephrology each get six mentees, formally mentored since
2024 by their division's mentor, with two meetings in 2025 (the first confirmed) and one
in 2024; both mentors trained in 2025. Today is after 2025: 2025 and 2024 are closed.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, date, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from recognition import clock
from recognition.auth.service import load_actor
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship
from recognition.metrics import attention, measures, months, snapshots
from recognition.metrics.models import MetricBasis, MetricSnapshot
from recognition.people.models import Person
from recognition.scheduler import runner
from tests.conftest import module_app, selected_backends
from tests.support.department import PASSWORD, Department

CLOSED = 2025
CSV_METRICS = ("meeting_regularity", "entries_confirmed", "confirmation_days", "lapsed_relationships", "mentor_pool")


def new_person(name: str, email: str, division_id: int, appointed_on: date | None = date(2023, 9, 1)) -> Person:
    """An assistant professor added to the roster (flushed)."""
    person = Person(
        name=name,
        email=email,
        division_id=division_id,
        rank="assistant",
        position="clinician_teacher",
        appointed_on=appointed_on,
        created_at=utcnow(),
    )
    db.session.add(person)
    db.session.flush()
    return person


def build() -> Department:
    dept = Department.build()
    now = utcnow()
    for code, mentor in (("CARD", "mentor"), ("NEPH", "other_mentor")):
        for n in range(6):
            person = new_person(
                f"{code} Mentee {n}", f"{code.lower()}-mentee{n}@snapshots.example.org", dept.divisions[code]
            )
            tie = Mentorship(
                mentor_id=dept.ids[mentor],
                mentee_id=person.id,
                kind="formal",
                started_on=date(2024, 1, 1),
                created_at=now,
            )
            db.session.add(tie)
            db.session.flush()
            for day in (date(2024, 5, 2 + n), date(2025, 3, 3 + n), date(2025, 9, 1 + n)):
                entry = ledger.record(
                    {"kind": "meeting", "mentorship_id": tie.id, "minutes": 30 + n, "occurred_on": day},
                    load_actor(dept.ids[mentor]),
                    now,
                )
                if day.month == 3:
                    ledger.confirm(entry, load_actor(person.id), now)
        ledger.record(
            {"kind": "mentor_training", "occurred_on": date(2025, 2, 1), "minutes": 90, "person_id": dept.ids[mentor]},
            load_actor(dept.ids["admin"]),
            now,
        )
    db.session.commit()
    return dept


class Stopped(datetime):
    """The wall clock stopped at the moment the module starts: the current year is
    computed live, so a run that crossed the department's midnight would compare two
    different days."""

    moment = datetime.now(UTC)

    @classmethod
    def now(cls, tz=None):
        return cls.moment.astimezone(tz) if tz is not None else cls.moment.replace(tzinfo=None)


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory):
    with pytest.MonkeyPatch.context() as patched, module_app(request, tmp_path_factory, "snapshots") as app:
        patched.setattr(clock, "datetime", Stopped)
        with app.app_context():
            dept = build()
        clients = {}
        for role in ("admin", "director"):
            client = app.test_client()
            assert client.post("/login", data={"email": dept.email(role), "password": PASSWORD}).status_code == 302
            with app.app_context():
                clients[role] = (client, dept.headers(client, role))
        yield app, dept, clients


def outputs(clients) -> dict[str, bytes]:
    """Every view of the closed year, as each viewer gets it: the page, the tables' CSV,
    the API's values, trends and what needs attention."""
    found = {}
    for role, (client, headers) in clients.items():
        paths = [f"/metrics?year={CLOSED}", *(f"/metrics/{m}.csv?year={CLOSED}" for m in CSV_METRICS)]
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            found[f"{role} {path}"] = re.sub(rb'name="csrf[^"]*" (?:value|content)="[^"]*"', b"", response.data)
        for path in (
            f"/api/v1/metrics?year={CLOSED}",
            f"/api/v1/metrics/trends?year={CLOSED}",
            "/api/v1/metrics/attention",
        ):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, path
            found[f"{role} {path}"] = response.data
    return found


def snapshot_rows(app) -> dict[tuple[int, str], int]:
    with app.app_context():
        return {(row.year, row.key): row.ledger_seq for row in db.session.scalars(select(MetricSnapshot))}


def stored_by_reads(app) -> dict[str, dict[tuple[int, str], tuple[str, datetime]]]:
    """{what a snapshot read of the roster: {(year, key): (its basis, when computed)}}."""
    found: dict[str, dict] = {snapshots.ROSTER: {}, snapshots.DIVISIONS: {}}
    with app.app_context():
        for row in db.session.scalars(select(MetricSnapshot)):
            found[row.basis.partition(":")[0]][(row.year, row.key)] = (row.basis, row.computed_at)
    return found


def refuse_closed_years(monkeypatch) -> None:
    """From now on computing a snapshotted measure, or a year's unconfirmed count, for a
    closed year fails: what the views show of those years must come from snapshots."""

    def refuse(name, measure):
        def measured(metric, year):
            assert year.year >= today().year, f"{name} computed for {year.year}, not read from its snapshot"
            return measure(metric, year)

        return measured

    for name in snapshots.SNAPSHOTTED:
        monkeypatch.setitem(measures.MEASURES, name, refuse(name, measures.MEASURES[name]))
    monkeypatch.setattr(attention, "unconfirmed_in", lambda year: pytest.fail(f"unconfirmed counted for {year}"))


def unconfirmed_counts(app, dept, monkeypatch, computed: bool = False) -> dict[str, dict[int, int]]:
    """Each director's count of unconfirmed entries in every closed year, as the
    attention list takes them (from snapshots; with ``computed``, from none). The list
    shows them only past its first page, so they are asked for here."""
    with app.app_context(), monkeypatch.context() as patched:
        if computed:
            patched.setattr(snapshots, "cached", lambda year, key, compute, now, *rest, **named: compute())
        found = {
            role: attention.unconfirmed_by_year(load_actor(dept.ids[role]), None, CLOSED + 1)
            for role in ("director", "other_director")
        }
        db.session.commit()
    return found


def live(monkeypatch, clients) -> dict[str, bytes]:
    """The views computed with no snapshot at all."""
    with monkeypatch.context() as patched:
        patched.setattr(snapshots, "cached", lambda year, key, compute, now, *rest, **named: compute())
        return outputs(clients)


def test_snapshots_give_every_viewer_the_live_output_byte_for_byte(world, monkeypatch):
    app, _, clients = world
    with app.app_context():
        db.session.execute(MetricSnapshot.__table__.delete())
        db.session.commit()
    computed = live(monkeypatch, clients)
    assert snapshot_rows(app) == {}
    built = outputs(clients)  # the first views compute the closed years and store them
    stored = snapshot_rows(app)
    assert {year for year, _ in stored} == {2024, CLOSED}
    refuse_closed_years(monkeypatch)
    from_snapshots = outputs(clients)
    assert snapshot_rows(app) == stored  # nothing was stored again
    assert built == computed
    for view, body in computed.items():
        assert from_snapshots[view] == body, view
    department = json.loads(computed[f"admin /api/v1/metrics?year={CLOSED}"])["results"]
    confirmed = next(r for r in department if r["metric"]["id"] == "entries_confirmed")["rows"][0]["cells"][0]
    assert (confirmed["state"], confirmed["value"], confirmed["people"]) == ("shown", 50.0, 12)


def test_a_late_entry_dated_in_a_closed_year_is_counted_at_once(world, monkeypatch):
    app, _, clients = world
    before = outputs(clients)
    stored = snapshot_rows(app)
    with app.app_context():
        entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.occurred_on == date(CLOSED, 9, 1)))
        mentee = db.session.get(Mentorship, entry.mentorship_id).mentee_id
        ledger.confirm(entry, load_actor(mentee), utcnow())  # a confirmation carries its meeting's day
        db.session.commit()
    after = outputs(clients)
    assert after[f"admin /api/v1/metrics?year={CLOSED}"] != before[f"admin /api/v1/metrics?year={CLOSED}"]
    assert after == live(monkeypatch, clients)
    rebuilt = snapshot_rows(app)
    assert {key for key in stored if key[0] == 2024} <= {key for key in rebuilt if rebuilt[key] == stored[key]}
    assert all(rebuilt[key] > stored[key] for key in stored if key[0] == CLOSED)


def test_a_roster_change_recomputes_every_closed_year(world, monkeypatch):
    app, dept, clients = world
    before = outputs(clients)
    stored = snapshot_rows(app)
    with app.app_context():
        bases = set(db.session.scalars(select(MetricSnapshot.basis)))
        moved = db.session.scalar(select(Person).where(Person.email == "neph-mentee0@snapshots.example.org"))
        moved.division_id = dept.divisions["CARD"]
        db.session.commit()
    after = outputs(clients)
    assert after[f"admin /metrics?year={CLOSED}"] != before[f"admin /metrics?year={CLOSED}"]
    assert after == live(monkeypatch, clients)
    assert unconfirmed_counts(app, dept, monkeypatch) == unconfirmed_counts(app, dept, monkeypatch, computed=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MetricSnapshot)) == len(stored)
        assert not bases & set(db.session.scalars(select(MetricSnapshot.basis)))  # every one rebuilt


def test_a_mentorship_given_another_mentee_recomputes_what_reads_divisions(world, monkeypatch):
    """The entries of a mentorship count in its mentee's division: a new mentee there
    moves them, as a person's new division does."""
    app, dept, clients = world
    outputs(clients)
    counted = unconfirmed_counts(app, dept, monkeypatch)
    before = stored_by_reads(app)
    assert before[snapshots.DIVISIONS]
    with app.app_context():
        tie = db.session.scalar(
            select(Mentorship)
            .join(Person, Person.id == Mentorship.mentee_id)
            .where(Person.email == "card-mentee2@snapshots.example.org")
        )
        tie.mentee_id = db.session.scalar(select(Person.id).where(Person.email == "neph-mentee3@snapshots.example.org"))
        db.session.commit()
    assert outputs(clients) == live(monkeypatch, clients)
    moved = unconfirmed_counts(app, dept, monkeypatch)
    assert moved != counted  # two unconfirmed meetings moved from one director's count to the other's
    assert moved == unconfirmed_counts(app, dept, monkeypatch, computed=True)
    after = stored_by_reads(app)
    for reads in (snapshots.ROSTER, snapshots.DIVISIONS):
        assert not set(before[reads].values()) & set(after[reads].values()), reads


def test_a_new_mentorship_keeps_what_reads_only_the_ledger_and_divisions(world, monkeypatch):
    """A mentorship begun in a closed year, recorded now, changes that year's pools (its
    lapsed and mentor-pool figures are computed again) but no entry's division: the
    confirmations and the unconfirmed counts, most of the work, stay as stored."""
    app, dept, clients = world
    outputs(clients)
    assert clients["admin"][0].get("/metrics").status_code == 200  # this year's months, too
    before = stored_by_reads(app)
    met = {months.key_of(months.MET, month) for month in range(1, 13)}
    assert met & {key for _, key in before[snapshots.DIVISIONS]}  # this year's months too
    with app.app_context():
        mentee = new_person("CARD Late Mentee", "card-late@snapshots.example.org", dept.divisions["CARD"])
        db.session.add(
            Mentorship(
                mentor_id=dept.ids["mentor"],
                mentee_id=mentee.id,
                kind="formal",
                started_on=date(2024, 1, 1),
                created_at=utcnow(),
            )
        )
        db.session.commit()
    after_views = outputs(clients)
    assert after_views == live(monkeypatch, clients)
    after = stored_by_reads(app)
    assert after[snapshots.DIVISIONS] == before[snapshots.DIVISIONS]
    assert not set(before[snapshots.ROSTER].values()) & set(after[snapshots.ROSTER].values())


def test_a_new_name_or_profile_keeps_the_snapshots_and_an_ended_mentorship_does_not(world, monkeypatch):
    """Only writes to what the snapshotted measures read move the count: a person renamed,
    given a new email or profile leaves every snapshot in use; a mentorship that ends
    makes every closed year's roster measures be computed again."""
    app, _, clients = world
    outputs(clients)  # every closed year stored and fresh
    stored = snapshot_rows(app)
    with app.app_context():
        bases = set(db.session.scalars(select(MetricSnapshot.basis)))
        renamed = db.session.scalar(select(Person).where(Person.email == "card-mentee1@snapshots.example.org"))
        renamed.name, renamed.email, renamed.gender = "CARD Mentee One", "card-one@snapshots.example.org", "woman"
        renamed_id = renamed.id
        db.session.commit()
        assert snapshots.basis() in bases
        db.session.rollback()
    with monkeypatch.context() as patched:
        refuse_closed_years(patched)
        outputs(clients)
    assert snapshot_rows(app) == stored
    with app.app_context():
        tie = db.session.scalar(select(Mentorship).where(Mentorship.mentee_id == renamed_id))
        tie.ended_on = date(CLOSED, 12, 1)
        db.session.commit()
        assert snapshots.basis() not in bases
        assert snapshots.basis(snapshots.DIVISIONS) in bases
        db.session.rollback()
    assert outputs(clients) == live(monkeypatch, clients)
    with app.app_context():
        now = set(db.session.scalars(select(MetricSnapshot.basis)))
        assert {basis for basis in bases & now if basis.startswith(snapshots.ROSTER)} == set()


def test_the_triggers_that_move_the_count_are_in_place(world):
    """A later migration that rebuilds ``people`` or ``mentorships`` (SQLite's batch
    alter does) would drop them silently, and snapshots would never go stale again."""
    app, _, _ = world
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%metric_%'"
            expected = {
                f"{table}_metric_{count}" for table in ("people", "mentorships") for count in ("basis", "divisions")
            }
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%metric_%'"
            expected = {
                f"{table}_metric_basis_{action}"
                for table in ("people", "mentorships")
                for action in ("insert", "update", "delete")
            } | {
                f"{table}_metric_divisions_{action}"
                for table in ("people", "mentorships")
                for action in ("update", "delete", "replace")
            }
        assert set(db.session.execute(text(query)).scalars()) == expected


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return tuple(db.session.execute(select(MetricBasis.changes, MetricBasis.divisions)).one())


def test_what_moves_the_count_of_division_changes(world):
    """A person added moves only the roster's count; a row removed, or an id changed
    (where foreign keys are not enforced), moves both; so does, on SQLite, a row
    replaced by a connection that leaves recursive triggers off."""
    app, dept, _ = world
    before = counts(app)
    with app.app_context():
        person = new_person("Passing Visitor", "visitor@snapshots.example.org", dept.divisions["NEPH"], None)
        db.session.commit()
        visitor, dialect, path = person.id, db.engine.dialect.name, db.engine.url.database
    changes, divisions = counts(app)
    assert (changes > before[0], divisions) == (True, before[1])
    with app.app_context():
        db.session.execute(text("UPDATE people SET id = :new WHERE id = :old"), {"new": visitor + 1000, "old": visitor})
        db.session.commit()
    moved = counts(app)
    assert moved[0] > changes and moved[1] > divisions
    if dialect == "sqlite":
        raw = sqlite3.connect(path)
        assert raw.execute("PRAGMA recursive_triggers").fetchone() == (0,)
        raw.execute("INSERT OR REPLACE INTO people SELECT * FROM people WHERE id = ?", (visitor + 1000,))
        raw.commit()
        raw.close()
        replaced = counts(app)
        assert replaced[0] > moved[0] and replaced[1] > moved[1]
        moved = replaced
    with app.app_context():
        db.session.execute(text("DELETE FROM people WHERE id = :id"), {"id": visitor + 1000})
        db.session.commit()
    gone = counts(app)
    assert gone[0] > moved[0] and gone[1] > moved[1]


def test_no_snapshot_of_division_changes_outlives_a_downgrade(world, monkeypatch):
    """Downgraded, the count of division changes is gone while divisions may change;
    upgraded again it starts over, so the snapshots that recorded it are dropped."""
    app, _, clients = world
    outputs(clients)
    with app.app_context():
        of_divisions = select(func.count()).where(MetricSnapshot.basis.like(f"{snapshots.DIVISIONS}:%"))
        assert db.session.scalar(of_divisions)
        db.session.commit()
        downgrade(revision="0028_ledger_left_to_python")
        upgrade()
        assert db.session.scalar(of_divisions) == 0
        assert db.session.scalar(select(func.count()).select_from(MetricSnapshot))  # the roster's kept
        db.session.commit()
    assert outputs(clients) == live(monkeypatch, clients)


def test_the_scheduler_builds_missing_snapshots_once_and_moves_fresh_ones_on(world):
    app, dept, _ = world
    with app.app_context():
        db.session.execute(MetricSnapshot.__table__.delete())
        db.session.commit()
    first = runner.run(app, "metric_snapshots", today())
    assert first.startswith(f"{len(snapshot_rows(app))} snapshots of closed years and months built")
    with app.app_context():  # new work this year moves the ledger's head past the snapshots
        ledger.record(
            {"kind": "mentor_training", "occurred_on": today(), "minutes": 30, "person_id": dept.ids["mentor"]},
            load_actor(dept.ids["admin"]),
            utcnow(),
        )
        db.session.commit()
        head = db.session.scalar(select(func.max(LedgerEntry.seq)))
    again = runner.run(app, "metric_snapshots", today())
    assert (
        again
        == f"0 snapshots of closed years and months built or rebuilt, {len(snapshot_rows(app))} fresh ones moved to the ledger's head"
    )
    assert set(snapshot_rows(app).values()) == {head}


def test_a_run_that_dies_before_its_commit_leaves_no_snapshot(world, monkeypatch):
    """The job stores every snapshot in one transaction: dying after computing them all
    (here: at the last step, as a kill would) leaves none half-written, none at all."""
    app, _, _ = world
    with app.app_context():
        db.session.execute(MetricSnapshot.__table__.delete())
        db.session.commit()

    def killed() -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(snapshots, "advance", killed)
    with pytest.raises(KeyboardInterrupt):
        runner.run(app, "metric_snapshots", today())
    assert snapshot_rows(app) == {}
