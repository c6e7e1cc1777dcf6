"""metric months and basis: a snapshot may hold one closed month of the year still
running (its last day), and a counter of changes to people and mentorships tells a
snapshot it is stale without reading every person and mentorship

The index of (kind, day, person) answers "who trained in these years" without reading
the entries; PostgreSQL builds it CONCURRENTLY, as 0023 does its index, outside the
migration's transaction, so the ledger takes appends meanwhile (seconds at 2M entries).

Revision ID: 0025_metric_months
Revises: 0024_metric_snapshots
Create Date: 2026-12-07 04:30:00.000000

The counter (``metric_basis``, one row) is moved on by triggers on every insert and
delete of ``people`` and ``mentorships`` and every update of a column the snapshotted
measures read (``WATCHED``), in the writer's transaction, so a reader sees the change
and the new count together; a new name, email or profile leaves the snapshots be. On
PostgreSQL a trigger per statement, before it: writers to those tables take the row
first, so two of them never wait on each other's rows. Seconds at most: two small
tables, no rows rewritten. The snapshots stored before are deleted (built again by the
next page or the daily job). On PostgreSQL the index is built first, so that a build
stopped half-way leaves nothing else behind and the next run finishes the migration.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_metric_months"
down_revision = "0024_metric_snapshots"
branch_labels = None
depends_on = None

# The columns the snapshotted measures read, besides each row's id (``snapshots.basis``).
WATCHED = {
    "people": ("division_id", "appointed_on"),
    "mentorships": ("mentor_id", "mentee_id", "kind", "started_on", "ended_on"),
}
TABLES = tuple(WATCHED)
INDEX = "ix_ledger_entries_kind_occurred_on_person"
INDEX_COLUMNS = ["kind", "occurred_on", "person_id", "id"]
# The sort that builds an index at 2M entries fits in this, instead of spilling to disk.
BUILD_MEMORY = "256MB"
BUMP = "UPDATE metric_basis SET changes = changes + 1 WHERE id = 1"


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        # First, so that a build stopped half-way (this block commits what came before)
        # leaves nothing else of this migration behind, and running it again finishes it.
        with op.get_context().autocommit_block():
            op.execute(f"SET maintenance_work_mem = '{BUILD_MEMORY}'")
            _drop_if_invalid(INDEX)
            op.create_index(
                INDEX, "ledger_entries", INDEX_COLUMNS, unique=False, postgresql_concurrently=True, if_not_exists=True
            )
            op.execute("RESET maintenance_work_mem")
    else:
        op.create_index(INDEX, "ledger_entries", INDEX_COLUMNS, unique=False)
    # Snapshots stored before (or before a downgrade) name a basis the new count could
    # reach again by chance: they are built anew.
    op.execute("DELETE FROM metric_snapshots")
    with op.batch_alter_table("metric_snapshots") as batch:
        batch.add_column(sa.Column("last_day", sa.Date(), nullable=True))
    op.create_table(
        "metric_basis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_metric_basis_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_basis")),
    )
    op.execute("INSERT INTO metric_basis (id, changes) VALUES (1, 0)")
    if postgresql:
        op.execute(
            "CREATE OR REPLACE FUNCTION metric_basis_changed() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_metric_basis BEFORE INSERT OR DELETE OR TRUNCATE "
                f"OR UPDATE OF {', '.join(WATCHED[table])} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION metric_basis_changed()"
            )
        return
    for table, columns in WATCHED.items():
        for action, event in (
            ("insert", "INSERT"),
            ("update", f"UPDATE OF {', '.join(columns)}"),
            ("delete", "DELETE"),
        ):
            op.execute(f"CREATE TRIGGER {table}_metric_basis_{action} AFTER {event} ON {table} BEGIN {BUMP}; END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.drop_index(INDEX, table_name="ledger_entries", postgresql_concurrently=True, if_exists=True)
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_metric_basis ON {table}")
        op.execute("DROP FUNCTION IF EXISTS metric_basis_changed()")
    else:
        op.drop_index(INDEX, table_name="ledger_entries")
        for table in TABLES:
            for action in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_metric_basis_{action.lower()}")
    op.drop_table("metric_basis")
    op.execute("DELETE FROM metric_snapshots")  # months, and bases the code before cannot read
    with op.batch_alter_table("metric_snapshots") as batch:
        batch.drop_column("last_day")


def _drop_if_invalid(name: str) -> None:
    """A CONCURRENTLY build that stopped half-way leaves its index invalid: drop it so
    that it is built again."""
    invalid = op.get_bind().exec_driver_sql(
        "SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid "
        "WHERE pg_class.relname = %(name)s AND NOT pg_index.indisvalid",
        {"name": name},
    )
    if invalid.first():
        op.execute(f"DROP INDEX CONCURRENTLY {name}")
