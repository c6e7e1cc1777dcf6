"""A milestone row changed behind the application's back, or pointed at another ledger
entry, is named by ``ledger verify`` (service, command line and API): its entry's note is
the fingerprint of its fields."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.milestones.models import Milestone

from .conftest import NOW, actor, enter


def tamper(app, backend: str, statement: str, **params) -> None:
    with app.app_context():
        if backend == "sqlite":
            db.session.execute(text("DROP TRIGGER milestones_no_update"))
        else:
            db.session.execute(text("ALTER TABLE milestones DISABLE TRIGGER milestones_append_only"))
        assert db.session.execute(text(statement), params).rowcount == 1
        db.session.commit()


@pytest.fixture
def recorded(app, dept):
    """A meeting, then two milestones of the mentor (the second self-reported, confirmed)."""
    with app.app_context():
        meeting = ledger.record(
            {
                "kind": "meeting",
                "mentorship_id": dept.mentorship_id,
                "occurred_on": date(2025, 3, 1),
                "minutes": 45,
                "note": "",
            },
            actor(dept, "mentor"),
            NOW,
        )
        db.session.commit()
        meeting_id = meeting.id
    first = enter(app, dept, "director", "mentor")
    second = enter(
        app,
        dept,
        "mentor",
        "mentor",
        kind="leadership",
        title="Chair",
        agency="Committee",
        occurred_on=date(2022, 1, 1),
    )
    with app.app_context():
        from recognition.milestones import service

        service.confirm(db.session.get(Milestone, second), actor(dept, "director"), NOW)
        db.session.commit()
        assert ledger.verify().valid
        entries = {
            m.id: (m.ledger_entry_id, db.session.get(LedgerEntry, m.ledger_entry_id).seq)
            for m in db.session.scalars(select(Milestone))
        }
    return {"meeting": meeting_id, "first": first, "second": second, "entries": entries}


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE milestones SET rank = 'associate' WHERE id = :id",
        "UPDATE milestones SET occurred_on = '2024-07-02' WHERE id = :id",
        "UPDATE milestones SET source = 'entered' WHERE id = :id",
        "UPDATE milestones SET person_id = person_id + 1 WHERE id = :id",
    ],
)
def test_a_changed_milestone_is_named(app, client, runner, headers, backend, recorded, change):
    target = recorded["second"] if "source" in change else recorded["first"]
    tamper(app, backend, change, id=target)
    entry_id, seq = recorded["entries"][target]
    assert_detected(app, client, runner, headers, entry_id, seq, f"milestone {target} does not match")


def test_a_milestone_pointed_at_another_entry_is_named(app, client, runner, headers, backend, recorded):
    tamper(
        app,
        backend,
        "UPDATE milestones SET ledger_entry_id = :meeting WHERE id = :id",
        meeting=recorded["meeting"],
        id=recorded["first"],
    )
    with app.app_context():
        seq = db.session.get(LedgerEntry, recorded["meeting"]).seq
    assert_detected(
        app, client, runner, headers, recorded["meeting"], seq, f"milestone {recorded['first']} does not match"
    )


def assert_detected(app, client, runner, headers, entry_id: int, seq: int, problem: str) -> None:
    with app.app_context():
        verdict = ledger.verify()
    assert not verdict.valid
    assert (verdict.first_bad_id, verdict.first_bad_seq) == (entry_id, seq)
    assert problem in verdict.problem
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at entry {entry_id} " in result.stderr and problem in result.stderr
    body = client.get("/api/v1/ledger/verify", headers=headers("admin")).get_json()
    assert (body["valid"], body["first_bad_id"]) == (False, entry_id) and problem in body["problem"]
