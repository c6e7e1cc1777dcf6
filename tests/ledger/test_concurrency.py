"""Several processes appending at once still build one linear, gap-free, valid chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from recognition.auth.service import load_actor
from recognition.errors import Conflict
from recognition.extensions import db
from recognition.ledger import service
from recognition.ledger.models import LedgerEntry

from .conftest import NOW

REPO = Path(__file__).resolve().parents[2]
WORKERS = 4
APPENDS = 25
# Generous: four processes each import and start the app, on a machine that may be busy
# with other work; the test is about the chain, not about speed.
PATIENCE = 300

# One writer process: its own app on the same database, one transaction per append, as a
# web worker or the command line would do it. It reports what it appended and every error.
WRITER = r"""
import json, os, sys, time, traceback
from datetime import date

from recognition import create_app
from recognition.auth.service import load_actor
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.ledger import service

url, mentorship_id, person_id, worker, count, gate = sys.argv[1:]
app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
appended, errors = [], []
with app.app_context():
    actor = load_actor(int(person_id))
    db.session.commit()
    open(gate + f".ready{worker}", "w").close()
    while not os.path.exists(gate):  # start together, so the appends overlap
        time.sleep(0.005)
    started = time.time()
    for index in range(int(count)):
        data = {"kind": "meeting", "mentorship_id": int(mentorship_id), "occurred_on": date(2025, 3, 1),
                "minutes": 30, "note": f"w{worker}-{index}", "confirm_duplicate": True}
        try:
            entry = service.record(data, actor, utcnow())
            db.session.commit()
            appended.append(entry.seq)
        except Exception:
            db.session.rollback()
            errors.append(traceback.format_exc())
    finished = time.time()
    db.session.remove()
    db.engine.dispose()
print(json.dumps({"appended": appended, "errors": errors, "window": [started, finished]}))
"""


def child_environment() -> dict[str, str]:
    """The test's environment (the ``instance_path`` fixture already removed every other
    ``RECOGNITION_*`` variable and pointed the instance folder at a temporary one)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RECOGNITION_") or key == "RECOGNITION_INSTANCE_PATH"
    }
    assert "RECOGNITION_INSTANCE_PATH" in env
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def test_concurrent_appends_from_processes_keep_one_chain(app, dept, database_url, tmp_path):
    gate = str(tmp_path / "go")
    roles = ["mentor", "mentee"] * (WORKERS // 2)
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                database_url,
                str(dept.mentorship_id),
                str(dept.ids[role]),
                str(worker),
                str(APPENDS),
                gate,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=child_environment(),
        )
        for worker, role in enumerate(roles)
    ]
    try:
        deadline = time.monotonic() + PATIENCE
        while not all(os.path.exists(f"{gate}.ready{w}") for w in range(WORKERS)):
            assert all(writer.poll() is None for writer in writers), [w.communicate() for w in writers]
            assert time.monotonic() < deadline, "the writers did not start"
            time.sleep(0.01)
        Path(gate).touch()
        outputs = [writer.communicate(timeout=PATIENCE) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()

    reports = []
    for writer, (stdout, stderr) in zip(writers, outputs):
        assert writer.returncode == 0, stderr
        reports.append(json.loads(stdout.strip().splitlines()[-1]))
    assert [report["errors"] for report in reports] == [[]] * WORKERS
    assert [len(report["appended"]) for report in reports] == [APPENDS] * WORKERS

    total = WORKERS * APPENDS
    with app.app_context():
        entries = list(db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)))
        verdict = service.verify()
    assert [entry.seq for entry in entries] == list(range(1, total + 1))
    assert sorted(seq for report in reports for seq in report["appended"]) == list(range(1, total + 1))
    assert sorted(entry.note for entry in entries) == sorted(
        f"w{worker}-{index}" for worker in range(WORKERS) for index in range(APPENDS)
    )
    # Each writer's own entries are in the order it appended them.
    for worker in range(WORKERS):
        mine = [entry.note for entry in entries if entry.note.startswith(f"w{worker}-")]
        assert mine == [f"w{worker}-{index}" for index in range(APPENDS)]
    assert verdict.valid, verdict
    assert (verdict.checked, verdict.head_seq, verdict.head_hash) == (total, total, entries[-1].entry_hash)
    # The writers really were appending at the same time (the test is not vacuous). How
    # the appends interleave is the database's business: SQLite's lock is not fair.
    windows = sorted(report["window"] for report in reports)
    assert any(later[0] < earlier[1] for earlier, later in pairwise(windows))


# Two people act on the same entry at the same moment ----------------------------------

RACES = [("reverse", "reverse"), ("confirm", "confirm"), ("reverse", "confirm")]


@pytest.mark.parametrize(("first", "second"), RACES, ids=[f"{a}-then-{b}" for a, b in RACES])
def test_a_racing_second_reversal_or_confirmation_is_a_conflict(app, dept, record, backend, first, second):
    """The second request must wait for the first and then see it: a clean 409, never a
    database error, and never a confirmation of an entry reversed a moment earlier."""
    entry_id = record("mentor")
    with app.app_context():
        mentor, mentee = load_actor(dept.ids["mentor"]), load_actor(dept.ids["mentee"])
        db.session.commit()
    act = {
        "reverse": lambda target: service.reverse(target, "Entered twice.", mentor, NOW),
        "confirm": lambda target: service.confirm(target, mentee, NOW),
    }
    outcome: dict[str, str] = {}

    def second_request():
        with app.app_context():
            try:
                act[second](db.session.get(LedgerEntry, entry_id))
                db.session.commit()
                outcome["second"] = "appended"
            except Conflict:
                outcome["second"] = "conflict"
            except Exception as error:  # noqa: BLE001  (any other error is the failure)
                outcome["second"] = repr(error)
            finally:
                db.session.rollback()

    with app.app_context():
        act[first](db.session.get(LedgerEntry, entry_id))  # flushed, not committed
        racer = threading.Thread(target=second_request)
        racer.start()
        wait_until_blocked(app, backend)
        db.session.commit()
    racer.join(timeout=30)

    assert not racer.is_alive()
    assert outcome == {"second": "conflict"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 2
        assert service.verify().valid


@pytest.mark.parametrize("confirmed", [False, True], ids=["repeat", "confirmed-repeat"])
def test_an_api_append_that_waited_for_the_lock_reads_the_head_after_it(app, dept, headers, backend, confirmed):
    """The same meeting twice at once, the second through the API: it waits for the
    append lock (on PostgreSQL its token's statement takes it) and only then reads the
    chain head and looks for a duplicate, so it finds the entry it waited for: a 409
    naming it, or, confirmed a second activity, the next entry linked to it (no fork)."""
    sent = headers("mentor")
    body = {"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": "2025-03-01", "minutes": 45}
    answer: dict = {}

    def second_request():
        response = app.test_client().post(
            "/api/v1/contributions", json={**body, "confirm_duplicate": confirmed}, headers=sent
        )
        answer.update(status=response.status_code, body=response.get_json())

    with app.app_context():
        mentor = load_actor(dept.ids["mentor"])
        first = service.record({**body, "occurred_on": date(2025, 3, 1)}, mentor, NOW)  # flushed, not committed
        racer = threading.Thread(target=second_request)
        racer.start()
        wait_until_blocked(app, backend)
        first_seq, first_hash = first.seq, first.entry_hash
        db.session.commit()
    racer.join(timeout=30)

    assert not racer.is_alive()
    if confirmed:
        assert answer["status"] == 201, answer
        assert (answer["body"]["seq"], answer["body"]["prev_hash"]) == (first_seq + 1, first_hash)
    else:
        assert answer["status"] == 409, answer
        assert f"#{first_seq}" in answer["body"]["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1 + confirmed
        assert service.verify().valid


def wait_until_blocked(app, backend: str) -> None:
    """Until the racing request waits for the ledger's append lock."""
    if backend == "sqlite":
        time.sleep(0.3)  # its BEGIN IMMEDIATE waits in SQLite's busy handler, unseen
        return
    with app.app_context(), db.engine.connect() as connection:
        deadline = time.monotonic() + 10
        query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        while connection.execute(query).scalar() == 0:
            assert time.monotonic() < deadline, "the second request never waited for the lock"
            connection.rollback()
            time.sleep(0.01)
