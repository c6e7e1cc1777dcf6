"""The ledger's index migrations (0018, 0023, 0025 and 0026) come and go with their revisions. On
PostgreSQL they build CONCURRENTLY, outside the migration's transaction, so appends go on
while a large ledger is indexed; a build that was interrupted leaves an invalid index
behind, and running the migration again builds it properly."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from recognition.extensions import db

BEFORE = "0017_sign_in_limits"
BUILT = {
    "ix_ledger_entries_occurred_on_seq",
    "ix_ledger_entries_person_order",
    "ix_ledger_entries_mentorship_order",
    "ix_ledger_entries_recorded_by_order",
    "ix_ledger_entries_mentorship_seq",
    "ix_ledger_entries_person_seq",
    "ix_ledger_entries_kind_occurred_on",
    "ix_ledger_entries_kind_occurred_on_person",
    "ix_ledger_entries_person_kind",
}
REPLACED = {"ix_ledger_entries_person_date", "ix_ledger_entries_mentorship_date"}
INTERRUPTED = "ix_ledger_entries_kind_occurred_on"
# 0025 builds its index before anything else, so a build stopped there is all it leaves.
ALSO_INTERRUPTED = "ix_ledger_entries_kind_occurred_on_person"


def _indexes() -> dict[str, bool]:
    """The ledger's indexes and whether each is valid (usable by queries)."""
    if db.engine.dialect.name != "postgresql":
        return {index["name"]: True for index in inspect(db.engine).get_indexes("ledger_entries")}
    rows = db.session.execute(
        text(
            "SELECT pg_class.relname, pg_index.indisvalid FROM pg_index "
            "JOIN pg_class ON pg_class.oid = pg_index.indexrelid "
            "WHERE pg_index.indrelid = 'ledger_entries'::regclass"
        )
    )
    found = dict(rows.all())
    db.session.rollback()
    return found


def test_the_ledger_indexes_come_and_go_with_their_migrations(app, backend):
    with app.app_context():
        downgrade(revision=BEFORE)
        db.session.remove()
        before = _indexes()
        assert not BUILT & set(before)
        assert set(before) >= REPLACED

        upgrade(revision="0022_ledger_disputes")
        db.session.remove()
        if backend == "postgresql":
            # What a CONCURRENTLY build stopped half-way leaves: the index, marked invalid.
            for name in (INTERRUPTED, ALSO_INTERRUPTED):
                db.session.execute(text(f"CREATE INDEX {name} ON ledger_entries (kind)"))
                db.session.execute(
                    text(f"UPDATE pg_index SET indisvalid = false WHERE indexrelid = '{name}'::regclass")
                )
            db.session.commit()
            assert _indexes()[INTERRUPTED] is False
            assert _indexes()[ALSO_INTERRUPTED] is False

        upgrade()
        db.session.remove()
        after = _indexes()
        assert {name: after.get(name) for name in BUILT} == dict.fromkeys(BUILT, True)
        assert not REPLACED & set(after)
        columns = {index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("ledger_entries")}
        assert columns[INTERRUPTED] == ["kind", "occurred_on"]  # built again, as the migration says
    assert columns[ALSO_INTERRUPTED] == ["kind", "occurred_on", "person_id", "id"]
