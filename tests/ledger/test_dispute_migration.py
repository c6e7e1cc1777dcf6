"""The dispute migration widens the ledger's entry types in place: stored entries, their
chain and the table's append-only triggers are untouched, a dispute must give a reason,
and the migration is undone only while no dispute is recorded. On PostgreSQL the
constraints are validated outside the migration's transaction: a run stopped there is
finished by the next, and the constraints end validated."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from recognition.app import MIGRATIONS_DIR
from recognition.auth.service import load_actor
from recognition.extensions import db
from recognition.ledger import service
from recognition.ledger.models import LedgerEntry
from tests.ledger.conftest import NOW

REVISION = "0022_ledger_disputes"
DISPUTE = (
    "INSERT INTO ledger_entries (id, seq, entry_type, mentorship_id, person_id, occurred_on, minutes, note, "
    "recorded_by_id, recorded_at, target_id, reason, prev_hash, entry_hash) VALUES (999, 999, 'dispute', :m, :p, "
    "'2025-03-01', 0, '', :p, '2025-06-16 00:00:00', :t, :reason, 'x', 'y')"
)


def _unvalidated_checks() -> set[str]:
    rows = db.session.execute(
        text(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'ledger_entries'::regclass "
            "AND contype = 'c' AND NOT convalidated"
        )
    )
    return set(rows.scalars())


def test_disputes_arrive_without_touching_stored_entries(app, dept, record, capfd, backend):
    before = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(REVISION).down_revision
    entry_id = record("mentor")
    params = {"m": dept.mentorship_id, "p": dept.ids["mentee"], "t": entry_id}
    with app.app_context():
        downgrade(revision=before)
        db.session.remove()
        with pytest.raises(DBAPIError):  # the old list of entry types refuses a dispute
            db.session.execute(text(DISPUTE), {**params, "reason": "did not happen"})
        db.session.rollback()
        if backend == "postgresql":
            # What a run stopped while validating leaves: the new checks, not yet validated.
            db.session.execute(text("ALTER TABLE ledger_entries DROP CONSTRAINT ck_ledger_entries_entry_type_known"))
            for name, condition in (
                (
                    "ck_ledger_entries_entry_type_known",
                    "entry_type IN ('contribution', 'reversal', 'confirmation', 'dispute')",
                ),
                ("ck_ledger_entries_dispute_has_reason", "entry_type <> 'dispute' OR length(trim(reason)) > 0"),
            ):
                db.session.execute(
                    text(f"ALTER TABLE ledger_entries ADD CONSTRAINT {name} CHECK ({condition}) NOT VALID")
                )
            db.session.commit()
            assert len(_unvalidated_checks()) == 2
            db.session.rollback()
        upgrade()
        db.session.remove()
        if backend == "postgresql":
            assert _unvalidated_checks() == set()
            db.session.rollback()
        with pytest.raises(DBAPIError):  # a dispute without a reason
            db.session.execute(text(DISPUTE), {**params, "reason": "  "})
        db.session.rollback()
        target = db.session.get(LedgerEntry, entry_id)
        service.dispute(target, "We did not meet", load_actor(dept.ids["mentee"]), NOW)
        db.session.commit()
        assert service.verify().valid
        with pytest.raises(DBAPIError):  # still append-only
            db.session.execute(text("UPDATE ledger_entries SET note = 'changed'"))
        db.session.rollback()
        with pytest.raises(SystemExit):  # flask-migrate logs the error and exits 1
            downgrade(revision=before)
        assert "1 disputes are recorded: the ledger keeps them" in capfd.readouterr().err
        db.session.rollback()
        db.session.remove()
