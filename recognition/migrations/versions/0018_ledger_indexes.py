"""ledger indexes: every list reads an index in its own order (newest first), so pages
stay fast as the ledger grows

Revision ID: 0018_ledger_indexes
Revises: 0017_sign_in_limits
Create Date: 2026-12-06 19:00:00.000000

PostgreSQL builds each index CONCURRENTLY, outside the migration's transaction, so the
ledger takes appends while they are built (a few seconds each at 2M entries), and drops
the replaced ones the same way; a build that was interrupted leaves an invalid index,
which the next run drops and builds again, and the ones already built are kept. SQLite
has no such build: a plain CREATE INDEX each, a few seconds at 2M, holding the write lock.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0018_ledger_indexes"
down_revision = "0017_sign_in_limits"
branch_labels = None
depends_on = None

# (name, columns).
INDEXES = (
    ("ix_ledger_entries_occurred_on_seq", ["occurred_on", "seq"]),
    ("ix_ledger_entries_person_order", ["person_id", "occurred_on", "seq"]),
    ("ix_ledger_entries_mentorship_order", ["mentorship_id", "occurred_on", "seq"]),
    ("ix_ledger_entries_recorded_by_order", ["recorded_by_id", "occurred_on", "seq"]),
    ("ix_ledger_entries_mentorship_seq", ["mentorship_id", "seq"]),
    ("ix_ledger_entries_person_seq", ["person_id", "seq"]),
)
# Superseded: the new person and mentorship indexes start with the same columns.
REPLACED = (
    ("ix_ledger_entries_person_date", ["person_id", "occurred_on"]),
    ("ix_ledger_entries_mentorship_date", ["mentorship_id", "occurred_on"]),
)
# The sort that builds an index at 2M entries fits in this, instead of spilling to disk.
BUILD_MEMORY = "256MB"


def upgrade():
    _swap(build=INDEXES, drop=REPLACED)


def downgrade():
    _swap(build=REPLACED, drop=tuple(reversed(INDEXES)))


def _swap(build, drop):
    if op.get_bind().dialect.name != "postgresql":
        for name, columns in build:
            op.create_index(name, "ledger_entries", columns, unique=False)
        for name, _ in drop:
            op.drop_index(name, table_name="ledger_entries")
        return
    with op.get_context().autocommit_block():
        op.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
        for name, columns in build:
            _drop_if_invalid(name)
            op.create_index(
                name, "ledger_entries", columns, unique=False, postgresql_concurrently=True, if_not_exists=True
            )
        op.execute("RESET maintenance_work_mem")
        for name, _ in drop:
            op.drop_index(name, table_name="ledger_entries", postgresql_concurrently=True, if_exists=True)


def _drop_if_invalid(name: str) -> None:
    """A CONCURRENTLY build that stopped half-way leaves its index invalid (unused, but
    kept up to date): drop it so that it is built again."""
    invalid = op.get_bind().exec_driver_sql(
        "SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid "
        "WHERE pg_class.relname = %(name)s AND NOT pg_index.indisvalid",
        {"name": name},
    )
    if invalid.first():
        op.execute(f"DROP INDEX CONCURRENTLY {name}")
