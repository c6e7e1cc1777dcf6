"""metric months and basis: a snapshot may hold one closed month of the year still
running (its last day), and a counter of changes to people and mentorships tells a
snapshot it is stale without reading every person and mentorship

Revision ID: 0025_metric_months
Revises: 0024_metric_snapshots
Create Date: 2026-12-07 04:30:00.000000

The counter (``metric_basis``, one row) is moved on by triggers on every write to
``people`` and ``mentorships``, in the writer's transaction, so a reader sees the
change and the new count together. On PostgreSQL a trigger per statement, before it:
writers to those tables take the row first, so two of them never wait on each other's
rows. Seconds at most: two small tables, no rows rewritten.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_metric_months"
down_revision = "0024_metric_snapshots"
branch_labels = None
depends_on = None

TABLES = ("people", "mentorships")
BUMP = "UPDATE metric_basis SET changes = changes + 1 WHERE id = 1"


def upgrade():
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION metric_basis_changed() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_metric_basis BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION metric_basis_changed()"
            )
        return
    for table in TABLES:
        for action in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_metric_basis_{action.lower()} AFTER {action} ON {table} BEGIN {BUMP}; END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_metric_basis ON {table}")
        op.execute("DROP FUNCTION IF EXISTS metric_basis_changed()")
    else:
        for table in TABLES:
            for action in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_metric_basis_{action.lower()}")
    op.drop_table("metric_basis")
    with op.batch_alter_table("metric_snapshots") as batch:
        batch.drop_column("last_day")
