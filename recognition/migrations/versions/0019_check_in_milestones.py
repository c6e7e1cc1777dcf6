"""check-in milestones: the 1.5-year check-in is recorded like a CFAR, so the program can
count the check-ins done and overdue

Revision ID: 0019_check_in_milestones
Revises: 0018_ledger_indexes
Create Date: 2026-12-06 19:10:00.000000

Only the milestones' list of kinds grows, which no stored row can break. PostgreSQL swaps
the check constraint. SQLite cannot alter a constraint, and rebuilding the append-only
table would drop its triggers; SQLite documents rewriting the table's stored definition
for a change that leaves every row valid, which takes no time at any size.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0019_check_in_milestones"
down_revision = "0018_ledger_indexes"
branch_labels = None
depends_on = None

BEFORE = "kind IN ('appointment', 'cfar', 'promotion', 'grant', 'external_award', 'leadership')"
AFTER = "kind IN ('appointment', 'cfar', 'promotion', 'grant', 'external_award', 'leadership', 'check_in')"
NAME = "ck_milestones_kind_known"


def _swap(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE milestones DROP CONSTRAINT {NAME}")
        op.execute(f"ALTER TABLE milestones ADD CONSTRAINT {NAME} CHECK ({new})")
        return
    stored = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'milestones'").scalar()
    if f"CHECK ({old})" not in stored:
        raise RuntimeError(f"milestones: the stored definition does not hold the expected constraint CHECK ({old})")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'milestones'",
        (stored.replace(f"CHECK ({old})", f"CHECK ({new})"),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade():
    _swap(BEFORE, AFTER)


def downgrade():
    recorded = op.get_bind().exec_driver_sql("SELECT count(*) FROM milestones WHERE kind = 'check_in'").scalar()
    if recorded:
        raise RuntimeError(
            f"{recorded} check-in milestones are recorded: the ledger keeps them, so this migration cannot be undone"
        )
    _swap(AFTER, BEFORE)
