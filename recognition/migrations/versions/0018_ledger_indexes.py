"""ledger indexes: every list reads an index in its own order (newest first), so pages
stay fast as the ledger grows

Revision ID: 0018_ledger_indexes
Revises: 0017_sign_in_limits
Create Date: 2026-12-06 19:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0018_ledger_indexes"
down_revision = "0017_sign_in_limits"
branch_labels = None
depends_on = None

# (name, columns). Plain CREATE INDEX: measured at seconds on a 2M-entry ledger on both
# backends (the table is append-only, so the short write lock it takes only delays appends).
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


def upgrade():
    for name, columns in INDEXES:
        op.create_index(name, "ledger_entries", columns, unique=False)
    for name, _ in REPLACED:
        op.drop_index(name, table_name="ledger_entries")


def downgrade():
    for name, columns in REPLACED:
        op.create_index(name, "ledger_entries", columns, unique=False)
    for name, _ in reversed(INDEXES):
        op.drop_index(name, table_name="ledger_entries")
