"""metric snapshots: each measure's tallies for a closed year, before suppression, so the
program dashboard reads a closed year from one row instead of a year of the ledger

Revision ID: 0024_metric_snapshots
Revises: 0023_ledger_kind_index
Create Date: 2026-12-07 01:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_metric_snapshots"
down_revision = "0023_ledger_kind_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "metric_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=64), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("tallies", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_snapshots")),
        sa.UniqueConstraint("year", "key", name="uq_metric_snapshots_one_per_key"),
    )


def downgrade():
    op.drop_table("metric_snapshots")
