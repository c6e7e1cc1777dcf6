"""The account-control migration: tokens made before it get an expiry that breaks no
script on the day of the upgrade."""

from __future__ import annotations

from datetime import datetime, timedelta

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from recognition.app import MIGRATIONS_DIR
from recognition.clock import utcnow
from recognition.extensions import db

REVISION = "0016_account_control"


def test_earlier_tokens_expire_ninety_days_after_they_were_made_but_not_within_a_month(app, dept):
    before = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(REVISION).down_revision
    recent = utcnow() - timedelta(days=10)
    old = utcnow() - timedelta(days=400)
    with app.app_context():
        downgrade(revision=before)
        db.session.remove()
        for name, made in (("recent", recent), ("old", old)):
            db.session.execute(
                text(
                    "INSERT INTO api_tokens (person_id, token_hash, name, created_at) "
                    "VALUES (:person, :hash, :name, :made)"
                ),
                {"person": dept.ids["mentor"], "hash": name.ljust(64, "0"), "name": name, "made": made},
            )
        db.session.commit()
        upgrade()
        db.session.remove()
        expiry = dict(db.session.execute(text("SELECT name, expires_at FROM api_tokens")).all())
        db.session.remove()
    as_datetime = {k: v if isinstance(v, datetime) else datetime.fromisoformat(v) for k, v in expiry.items()}
    assert as_datetime["recent"] == recent + timedelta(days=90)
    # Made 400 days ago: it would have expired long since; it gets 30 days from the upgrade.
    grace = as_datetime["old"] - utcnow()
    assert timedelta(days=29, hours=23) < grace <= timedelta(days=30)
