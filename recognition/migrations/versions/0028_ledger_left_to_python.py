"""ledger entries left to Python: on SQLite, a partial index of the entries whose stored
values SQLite would write otherwise than Python (a date or timestamp not as the app stores
it or on no real day, a real number where an integer belongs), so that ``ledger verify`` reads
their positions once instead of checking every entry it reads

Revision ID: 0028_ledger_left_to_python
Revises: 0027_list_order_indexes
Create Date: 2026-12-07 13:00:00.000000

The index holds no entry the app wrote; building it reads the ledger once (about 2 s at 2M
entries). PostgreSQL writes what Python writes without such a check: nothing changes there.
The definition is kept word for word as ``ledger.payloads.SQLITE_INDEX_SQL`` says; verify
uses the index only while the two are the same.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0028_ledger_left_to_python"
down_revision = "0027_list_order_indexes"
branch_labels = None
depends_on = None

NAME = "ix_ledger_entries_left_to_python"
INDEX = (
    f"CREATE INDEX {NAME} ON ledger_entries (seq) WHERE ("
    "date(occurred_on, '+0 days') = occurred_on COLLATE BINARY AND substr(occurred_on, 1, 4) > '0000' "
    "AND recorded_at GLOB '[1-9]???-??-?? ??:??:??.?????[0-9]' "
    "AND date(recorded_at, '+0 days') = substr(recorded_at, 1, 10) "
    "AND length(CAST(recorded_at AS BLOB)) = 26 "
    "AND typeof(coalesce(chain_version, 0) + coalesce(id, 0) + coalesce(mentorship_id, 0) + minutes "
    "+ person_id + recorded_by_id + seq + coalesce(target_id, 0)) = 'integer'"
    ") IS NOT 1"
)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(INDEX)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP INDEX IF EXISTS {NAME}")
