"""ledger kind index: the program metrics read one kind of work over a stretch of days
(mentor training over three years, meetings over one) from an index, not the whole ledger

Revision ID: 0023_ledger_kind_index
Revises: 0022_ledger_disputes
Create Date: 2026-12-06 23:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_ledger_kind_index"
down_revision = "0022_ledger_disputes"
branch_labels = None
depends_on = None

NAME = "ix_ledger_entries_kind_occurred_on"


def upgrade():
    op.create_index(NAME, "ledger_entries", ["kind", "occurred_on"], unique=False)


def downgrade():
    op.drop_index(NAME, table_name="ledger_entries")
