"""ledger person and kind index: year-end batch planning finds the people with
credit-bearing work in a year, and reads each one's until one activity earns, from an
index, not the year's whole ledger

Revision ID: 0026_ledger_person_kind_index
Revises: 0025_metric_months
Create Date: 2026-12-07 04:30:00.000000

PostgreSQL builds the index CONCURRENTLY, outside the migration's transaction, so the
ledger takes appends while it is built (a few seconds at 2M entries); a build that was
interrupted leaves an invalid index, which the next run drops and builds again. SQLite
has no such build: a plain CREATE INDEX, a few seconds at 2M, holding the write lock.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_ledger_person_kind_index"
down_revision = "0025_metric_months"
branch_labels = None
depends_on = None

NAME = "ix_ledger_entries_person_kind"
COLUMNS = ["person_id", "kind", "occurred_on"]
# The sort that builds an index at 2M entries fits in this, instead of spilling to disk.
BUILD_MEMORY = "256MB"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(NAME, "ledger_entries", COLUMNS, unique=False)
        return
    with op.get_context().autocommit_block():
        op.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
        _drop_if_invalid(NAME)
        op.create_index(NAME, "ledger_entries", COLUMNS, unique=False, postgresql_concurrently=True, if_not_exists=True)
        op.execute("RESET maintenance_work_mem")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(NAME, table_name="ledger_entries")
        return
    with op.get_context().autocommit_block():
        op.drop_index(NAME, table_name="ledger_entries", postgresql_concurrently=True, if_exists=True)


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
