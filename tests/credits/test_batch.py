"""The year-end batch: one statement per eligible person, idempotent, re-issuing only what
changed, the same on one process or two, and safe to kill at any moment."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from recognition.auth.service import load_actor
from recognition.credits import batch, canonical, service, signing, statement_pdf
from recognition.credits.models import Statement
from recognition.database import read_only
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.people.models import Person

REPO = Path(__file__).resolve().parents[2]
YEAR = 2024
NOW = datetime(2025, 6, 15, 12, 0)  # when the work was recorded
ISSUED = datetime(2025, 6, 16, 5, 0)  # when the batch runs
MOC = "royal_college_moc"
START_METHODS = ["fork", "spawn"] if sys.platform == "linux" else ["spawn"]


def add_person(name: str) -> int:
    person = Person(
        name=name,
        email=f"{name.lower().replace(' ', '.')}@batch.example.org",
        rank="associate",
        position="clinician_teacher",
        appointed_on=date(2015, 7, 1),
        created_at=NOW,
    )
    db.session.add(person)
    db.session.flush()
    return person.id


def prepared(dept, person_id: int, on: date = date(YEAR, 3, 4), minutes: int = 45, now: datetime = NOW) -> int:
    """Mentoring preparation (Section 2 credit), recorded by the admin; committed."""
    entry = ledger.record(
        {
            "kind": "mentoring_preparation",
            "occurred_on": on,
            "minutes": minutes,
            "person_id": person_id,
            "note": "Read the mentee's draft grant.",
        },
        load_actor(dept.ids["admin"]),
        now,
    ).id
    db.session.commit()
    return entry


def credited_people(app, dept, count: int, years: tuple[int, ...] = (YEAR,)) -> list[int]:
    """``count`` new people, each with some preparation in each of ``years``."""
    with app.app_context():
        ids = [add_person(f"Batch Person {index:03d}") for index in range(count)]
        db.session.commit()
        for index, person_id in enumerate(ids):
            for year in years:
                prepared(dept, person_id, date(year, 3, 4), 30 + 15 * (index % 4))
        return ids


def stored(app) -> list[Statement]:
    with app.app_context():
        statements = list(db.session.scalars(select(Statement).order_by(Statement.id)))
        db.session.expunge_all()
        return statements


def assert_complete(app) -> int:
    """Every stored statement is whole: its document parses, its hashes match, its
    signature verifies with the deployment's key and its PDF is all there."""
    with app.app_context():
        public = signing.app_key(app).public
        rows = list(db.session.scalars(select(Statement).order_by(Statement.id)))
        for statement in rows:
            document = json.loads(statement.document)
            content = statement.document.encode("utf-8")
            assert hashlib.sha256(content).hexdigest() == statement.content_hash
            assert canonical.check_signed(canonical.signed_json(statement), public)[0], statement.number
            assert document["number"] == statement.number and document["person"]["id"] == statement.person_id
            assert statement.pdf.startswith(b"%PDF") and statement.pdf.rstrip().endswith(b"%%EOF")
            assert hashlib.sha256(statement.pdf).hexdigest() == statement.pdf_sha256
        return len(rows)


def test_the_batch_issues_one_statement_per_person_with_credits(app, dept):
    with_credits = credited_people(app, dept, 3)
    with app.app_context():
        earlier_only = add_person("Earlier Only")
        meetings_only = dept.ids["mentor"]  # mentoring time earns no MOC credit
        db.session.commit()
        prepared(dept, earlier_only, date(YEAR - 1, 5, 6))
        ledger.record(
            {"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": date(YEAR, 4, 1), "minutes": 60},
            load_actor(meetings_only),
            NOW,
        )
        db.session.commit()
        result = batch.issue_year(YEAR, now=ISSUED)

    assert (result.issued, result.reissued, result.skipped, result.failures) == (3, 0, 0, [])
    statements = stored(app)
    assert sorted(s.person_id for s in statements) == with_credits
    assert {(s.framework_id, s.year, s.version, s.issued_at) for s in statements} == {(MOC, YEAR, 1, ISSUED)}
    with app.app_context():
        assert set(service.statuses([s.id for s in statements]).values()) == {"current"}
    assert assert_complete(app) == 3


def test_a_rerun_issues_nothing_twice(app, dept):
    credited_people(app, dept, 3)
    with app.app_context():
        first = batch.issue_year(YEAR, now=ISSUED)
        again = batch.issue_year(YEAR, now=ISSUED + timedelta(hours=1))
    assert first.issued == 3
    assert (again.issued, again.reissued, again.skipped, again.failures) == (0, 0, 0, [])
    assert len(stored(app)) == 3


def test_the_batch_can_issue_under_one_framework_for_everyone(app, dept):
    """Department points count whole points: short preparation earns none, training does."""
    trained, _prepared_only = credited_people(app, dept, 2)
    with app.app_context():
        ledger.record(
            {
                "kind": "mentor_training",
                "occurred_on": date(YEAR, 5, 5),
                "minutes": 180,
                "person_id": trained,
                "note": "Mentor training workshop.",
            },
            load_actor(dept.ids["admin"]),
            NOW,
        )
        db.session.commit()
        result = batch.issue_year(YEAR, framework_id="department_points", now=ISSUED)
    assert (result.issued, result.failures) == (1, [])
    assert [(s.person_id, s.framework_id) for s in stored(app)] == [(trained, "department_points")]


def test_a_year_that_is_not_over_is_left_for_a_later_run(app, dept):
    """Mainpro+'s 2024 runs July 2024 to June 2025: a batch on 16 June 2025 skips it, saying
    why, and the run after 30 June issues it."""
    (person,) = credited_people(app, dept, 1, years=())
    with app.app_context():
        prepared(dept, person, date(2024, 9, 10))
        result = batch.issue_year(YEAR, framework_id="cfpc_mainpro", now=ISSUED)
        assert (result.issued, result.skipped) == (0, 1)
        assert "not over until 2025-06-30" in next(iter(result.skip_reasons()))
        later = batch.issue_year(YEAR, framework_id="cfpc_mainpro", now=datetime(2025, 7, 1, 5, 0))
    assert (later.issued, later.failures) == (1, [])
    assert [(s.person_id, s.framework_id) for s in stored(app)] == [(person, "cfpc_mainpro")]


def test_reissue_changed_supersedes_only_statements_whose_credits_changed(app, dept):
    changed, revoked, unchanged, emptied = credited_people(app, dept, 4)
    with app.app_context():
        batch.issue_year(YEAR, now=ISSUED)
        first = {s.person_id: s for s in db.session.scalars(select(Statement))}
        prepared(dept, changed, date(YEAR, 9, 9), 60, now=NOW + timedelta(days=2))
        service.revoke(
            first[revoked], "Issued to the wrong person.", load_actor(dept.ids["admin"]), NOW + timedelta(days=2)
        )
        db.session.commit()
        prepared(dept, revoked, date(YEAR, 9, 9), 60, now=NOW + timedelta(days=2))
        mistake = db.session.scalar(select(Statement).where(Statement.person_id == emptied))
        entry_id = json.loads(mistake.document)["activities"][0]["entry_id"]
        ledger.reverse(
            ledger.get_entry(entry_id, load_actor(dept.ids["admin"])),
            "Recorded for the wrong person.",
            load_actor(dept.ids["admin"]),
            NOW + timedelta(days=2),
        )
        newcomer = add_person("Late Newcomer")
        db.session.commit()
        prepared(dept, newcomer, date(YEAR, 10, 1), now=NOW + timedelta(days=2))

        plain = batch.issue_year(YEAR, now=ISSUED + timedelta(days=1))
        result = batch.issue_year(YEAR, reissue_changed=True, now=ISSUED + timedelta(days=2))
        statuses = service.statuses([s.id for s in db.session.scalars(select(Statement))])
        by_person = Counter(s.person_id for s in db.session.scalars(select(Statement)))
        newest = service.latest(changed, MOC, YEAR)
        newest_document = json.loads(newest.document)

    # Without the flag only the newcomer is issued; with it, only the changed one is re-issued.
    assert (plain.issued, plain.reissued) == (1, 0)
    assert (result.issued, result.reissued, result.failures) == (0, 1, [])
    assert result.skip_reasons() == Counter({batch.STALE: 1})
    assert by_person == {changed: 2, revoked: 1, unchanged: 1, emptied: 1, newcomer: 1}
    assert newest.version == 2 and newest.supersedes_id == first[changed].id
    assert newest_document["supersedes"] == first[changed].number and newest_document["total"] == "3.00"
    assert statuses[first[changed].id] == "superseded" and statuses[newest.id] == "current"
    assert statuses[first[revoked].id] == "revoked"
    assert statuses[first[unchanged].id] == "current" and statuses[first[emptied].id] == "current"
    assert assert_complete(app) == 6


def test_a_statement_issued_meanwhile_is_skipped_not_failed(app, dept):
    first, second = credited_people(app, dept, 2)
    with app.app_context():
        work = batch.plan(YEAR, now=ISSUED)
        service.issue(second, MOC, YEAR, load_actor(dept.ids["admin"]), ISSUED)
        db.session.commit()
        result = batch.run(work)
    assert (result.issued, result.skipped, result.failures) == (1, 1, [])
    assert result.skip_reasons() == Counter({batch.MEANWHILE: 1})
    assert Counter(s.person_id for s in stored(app)) == {first: 1, second: 1}


def test_a_failed_statement_is_reported_and_the_others_issued(app, dept, runner, monkeypatch):
    ids = credited_people(app, dept, 3)
    real_render = statement_pdf.render

    def render(document, settings):
        if document["person"]["id"] == ids[1]:
            raise RuntimeError("the logo file is unreadable")
        return real_render(document, settings)

    monkeypatch.setattr(statement_pdf, "render", render)
    result = runner.invoke(args=["statements", "issue", "--year", str(YEAR), "--workers", "1"])
    assert result.exit_code == 1
    assert "issued 2, re-issued 0, skipped 0, failed 1" in result.stdout
    assert f"FAILED person {ids[1]} ({MOC}): RuntimeError: the logo file is unreadable" in result.stderr
    assert sorted(s.person_id for s in stored(app)) == [ids[0], ids[2]]

    monkeypatch.setattr(statement_pdf, "render", real_render)
    rerun = runner.invoke(args=["statements", "issue", "--year", str(YEAR), "--workers", "1"])
    assert rerun.exit_code == 0, rerun.output
    assert "issued 1, re-issued 0, skipped 0, failed 0" in rerun.stdout


def test_a_turn_at_storing_that_is_never_freed_delays_the_batch_but_does_not_stop_it(app, dept, monkeypatch):
    """Workers on one SQLite file take turns storing. Should one die holding its turn, the
    others wait the job's busy timeout for it, then store on SQLite's own wait."""

    class NeverFreed:
        """A turn some dead worker holds: every wait for it runs out."""

        waits: list[float] = []

        def acquire(self, timeout: float) -> bool:
            self.waits.append(timeout)
            return False

        def release(self) -> None:
            raise AssertionError("a turn never had was freed")

    ids = credited_people(app, dept, 3)
    turn = NeverFreed()
    monkeypatch.setattr(batch, "_store_lock", turn)
    monkeypatch.setitem(app.config, "SQLITE_JOB_BUSY_TIMEOUT_MS", 1500)
    with app.app_context():
        result = batch.run(batch.plan(YEAR, now=ISSUED))
    assert (result.issued, result.failures) == (3, [])
    assert sorted(s.person_id for s in stored(app)) == ids
    assert turn.waits == [1.5] * 3  # a chunk a statement: each waited the busy timeout once


@pytest.mark.parametrize("start_method", START_METHODS)
def test_two_workers_issue_what_one_does(app, dept, monkeypatch, start_method):
    """The same work in two years: one year issued in-process, the other on two worker
    processes, forked (Linux) or spawned (elsewhere, or beside other threads), which
    rebuild the app from this one's configuration."""
    ids = credited_people(app, dept, 9, years=(YEAR - 1, YEAR))
    monkeypatch.setattr(batch, "START_METHOD", start_method)
    with app.app_context():
        one = batch.issue_year(YEAR - 1, workers=1, now=ISSUED)
        two = batch.issue_year(YEAR, workers=2, now=ISSUED)

    assert (one.issued, one.workers, one.failures) == (9, 1, [])
    assert (two.issued, two.workers, two.failures) == (9, 2, [])

    def facts(year: int) -> dict:
        return {
            s.person_id: (
                s.version,
                s.total,
                [(a["section"], a["hours"], a["credits"]) for a in json.loads(s.document)["activities"]],
            )
            for s in statements
            if s.year == year
        }

    with app.app_context():
        statements = list(db.session.scalars(select(Statement)))
        assert facts(YEAR - 1) == facts(YEAR) and sorted(facts(YEAR)) == ids
    assert assert_complete(app) == 18


@pytest.mark.parametrize(
    ("items", "workers", "first", "last"),
    [
        (163, 1, [10] * 3, [10, 10, 3]),  # one worker: no one to wait for
        (163, 2, [10] * 3, [2, 1, 1, 1, 1, 1, 1, 1, 1]),  # the last chunks shrink to one statement
        (48, 2, [3] * 3, [2, 1, 1, 1, 1, 1, 1, 1]),
        (5, 2, [1], [1]),
    ],
)
def test_the_last_chunks_are_small_so_the_workers_finish_together(items, workers, first, last):
    chunks = batch._chunks([batch.Item(n, "royal_college_moc") for n in range(items)], workers)
    assert [item.person_id for chunk in chunks for item in chunk] == list(range(items))  # each once, in order
    sizes = [len(chunk) for chunk in chunks]
    assert sizes[: len(first)] == first
    assert sizes[-len(last) :] == last
    assert max(sizes) <= batch.MAX_CHUNK


def test_a_process_running_other_threads_spawns_its_workers():
    """Forking copies locks other threads may hold (a scheduler's), and could deadlock."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert batch.start_method() == "spawn"
    finally:
        stop.set()
        thread.join()


def test_the_command_prints_a_summary(app, dept, runner):
    credited_people(app, dept, 2)
    result = runner.invoke(args=["statements", "issue", "--year", str(YEAR), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert f"{YEAR}: issued 2, re-issued 0, skipped 0, failed 0 in" in result.stdout
    assert "statements/s" in result.stdout
    again = runner.invoke(args=["statements", "issue", "--year", str(YEAR), "--reissue-changed", "--workers", "1"])
    assert again.exit_code == 0, again.output
    assert f"{YEAR}: issued 0, re-issued 0, skipped 0, failed 0" in again.stdout


def test_preparing_only_reads(app, dept, backend, database_url):
    """The compute-and-render phase neither takes the SQLite write lock (so it runs while
    another writer holds it) nor may write on PostgreSQL."""
    person_id = credited_people(app, dept, 1)[0]
    with app.app_context():
        person = db.session.get(Person, person_id)
        db.session.rollback()
        if backend == "sqlite":
            writer = sqlite3.connect(make_url(database_url).database, isolation_level=None)
            writer.execute("BEGIN IMMEDIATE")
            try:
                with read_only():
                    ready = service.prepare(db.session.merge(person), MOC, YEAR, load_actor(dept.ids["admin"]), ISSUED)
                    db.session.rollback()
            finally:
                writer.execute("ROLLBACK")
                writer.close()
            assert ready.document["person"]["id"] == person_id
        else:
            with read_only(), pytest.raises(DBAPIError, match="read-only transaction"):
                db.session.add(
                    Person(
                        name="Written",
                        email="written@batch.example.org",
                        rank="assistant",
                        position="clinician_teacher",
                        created_at=NOW,
                    )
                )
                db.session.flush()
            db.session.rollback()
        service.store(service.prepare(person, MOC, YEAR, load_actor(dept.ids["admin"]), ISSUED))
        db.session.commit()
    assert len(stored(app)) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--year", "2999"], "year: must be between 1950 and"),
        (["--year", "1900"], "year: must be between 1950 and"),
        (["--year", str(YEAR), "--framework", "nonesuch"], "There is no credit framework 'nonesuch'"),
        (["--year", str(YEAR), "--workers", "0"], "Invalid value for '--workers'"),
    ],
)
def test_the_command_refuses_bad_options(app, dept, runner, args, message):
    result = runner.invoke(args=["statements", "issue", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert stored(app) == []


# Killed mid-way -------------------------------------------------------------------------


def child_environment(database_url: str) -> dict[str, str]:
    """The command's environment: this test's instance folder (and so its signing key)
    and database, nothing else of ours."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RECOGNITION_") or key == "RECOGNITION_INSTANCE_PATH"
    }
    assert "RECOGNITION_INSTANCE_PATH" in env
    env.update(RECOGNITION_DATABASE_URL=database_url, RECOGNITION_SECRET_KEY="test")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def statement_count(app) -> int:
    with app.app_context(), read_only():
        count = db.session.scalar(select(func.count()).select_from(Statement))
        db.session.rollback()
        return count


def test_a_batch_killed_mid_way_leaves_whole_statements_and_a_rerun_finishes(app, dept, database_url):
    people = 48
    ids = credited_people(app, dept, people)
    with app.app_context():
        signing.app_key(app)  # the key the command will find in the instance folder
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "recognition",
        "statements",
        "issue",
        "--year",
        str(YEAR),
        "--workers",
        "2",
    ]
    # Its own process group, so the kill takes the workers with it, as a crash would.
    batch_process = subprocess.Popen(
        command,
        cwd=REPO,
        env=child_environment(database_url),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while statement_count(app) == 0:
            assert batch_process.poll() is None, batch_process.communicate()
            assert time.monotonic() < deadline, "no statement was stored"
            time.sleep(0.01)
        os.killpg(batch_process.pid, signal.SIGKILL)
        batch_process.wait(timeout=30)
    finally:
        if batch_process.poll() is None:
            os.killpg(batch_process.pid, signal.SIGKILL)
            batch_process.wait()
        batch_process.stdout.close()
        batch_process.stderr.close()

    assert batch_process.returncode == -signal.SIGKILL
    time.sleep(0.2)  # let the database notice the killed connections
    killed_at = assert_complete(app)
    assert 0 < killed_at < people

    rerun = subprocess.run(
        [*command[:-1], "1"],
        cwd=REPO,
        env=child_environment(database_url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{YEAR}: issued {people - killed_at}, re-issued 0, skipped 0, failed 0" in rerun.stdout
    assert assert_complete(app) == people
    statements = stored(app)
    assert Counter(s.person_id for s in statements) == Counter(ids)
    assert {s.version for s in statements} == {1}
