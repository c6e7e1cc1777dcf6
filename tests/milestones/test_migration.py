"""The check-in migration widens the milestones' kinds in place: stored milestones and
the table's append-only triggers are untouched, and it is undone only while no check-in
is recorded."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from recognition.app import MIGRATIONS_DIR
from recognition.auth.service import load_actor
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.milestones import service

REVISION = "0019_check_in_milestones"


def _record(dept, kind: str, day: date, **fields) -> None:
    data = {"kind": kind, "person_id": dept.ids["mentee"], "occurred_on": day, **fields}
    service.record(data, load_actor(dept.ids["admin"]), utcnow())
    db.session.commit()


def test_check_ins_arrive_without_touching_stored_milestones(app, dept, capfd):
    before = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(REVISION).down_revision
    with app.app_context():
        _record(dept, "cfar", date(2025, 2, 3), outcome="passed")
        downgrade(revision=before)
        db.session.remove()
        with pytest.raises(DBAPIError):  # the old list of kinds refuses a check-in
            db.session.execute(
                text(
                    "INSERT INTO milestones (person_id, kind, occurred_on, note, source, ledger_entry_id, recorded_at) "
                    "VALUES (:person, 'check_in', '2025-01-01', '', 'entered', 999999, '2025-01-01 00:00:00')"
                ),
                {"person": dept.ids["mentee"]},
            )
        db.session.rollback()
        upgrade()
        db.session.remove()
        _record(dept, "check_in", date(2025, 3, 3), role="Vice-Chair")
        kinds = sorted(db.session.scalars(text("SELECT kind FROM milestones")))
        assert kinds == ["cfar", "check_in"]
        # Still append-only.
        with pytest.raises(DBAPIError):
            db.session.execute(text("UPDATE milestones SET note = 'changed'"))
        db.session.rollback()
        with pytest.raises(SystemExit):  # flask-migrate logs the error and exits 1
            downgrade(revision=before)
        assert "1 check-in milestones are recorded: the ledger keeps them" in capfd.readouterr().err
        db.session.rollback()
        db.session.remove()
