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


def test_sqlite_indexes_the_entries_it_would_write_otherwise_as_verify_defines_them(app, backend):
    """0028: on SQLite, the entries SQLite would write otherwise than Python are kept in an
    index defined word for word as ``payloads`` says, which ``verify`` reads instead of
    checking each entry; without it, or defined otherwise, each entry is checked. Nothing
    changes on PostgreSQL."""
    from recognition.ledger import payloads, runs, service

    with app.app_context():
        if backend != "sqlite":
            assert payloads.SQLITE_INDEX not in _indexes()
            return
        raw = db.session.connection().connection.dbapi_connection
        assert runs.left_to_python(raw) == []  # built by the migration; a new ledger has no such entry
        db.session.remove()

        downgrade(revision="0027_list_order_indexes")
        db.session.remove()
        assert payloads.SQLITE_INDEX not in _indexes()
        assert runs.left_to_python(db.session.connection().connection.dbapi_connection) is None
        db.session.remove()

        # An index of the name, defined otherwise, is not trusted to list them all.
        db.session.execute(text(f"CREATE INDEX {payloads.SQLITE_INDEX} ON ledger_entries (seq) WHERE minutes > 60"))
        assert runs.left_to_python(db.session.connection().connection.dbapi_connection) is None
        assert service.verify().valid
        db.session.execute(text(f"DROP INDEX {payloads.SQLITE_INDEX}"))
        db.session.commit()

        upgrade()
        db.session.remove()
        stored = db.session.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"), {"name": payloads.SQLITE_INDEX}
        ).scalar_one()
        assert stored == payloads.SQLITE_INDEX_SQL
