"""ledger disputes: the counterpart of a meeting can say it did not happen, with a reason,
as an entry that follows the original

Revision ID: 0022_ledger_disputes
Revises: 0021_badge_status
Create Date: 2026-12-06 21:40:00.000000

The ledger's list of entry types grows by one, and a dispute must give its reason: no
stored row can break either. PostgreSQL swaps and adds the check constraints. SQLite
cannot alter a constraint, and rebuilding the append-only table would drop its triggers,
so the table's stored definition is rewritten (as 0019 does for the milestones), which
takes no time at any size.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0022_ledger_disputes"
down_revision = "0021_badge_status"
branch_labels = None
depends_on = None

KNOWN = "ck_ledger_entries_entry_type_known"
REASON = "ck_ledger_entries_dispute_has_reason"
BEFORE = "entry_type IN ('contribution', 'reversal', 'confirmation')"
AFTER = "entry_type IN ('contribution', 'reversal', 'confirmation', 'dispute')"
HAS_REASON = "entry_type <> 'dispute' OR length(trim(reason)) > 0"


def _rewrite_sqlite(old: str, new: str) -> None:
    bind = op.get_bind()
    stored = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger_entries'"
    ).scalar()
    if old not in stored:
        raise RuntimeError(f"ledger_entries: the stored definition does not hold the expected {old}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'ledger_entries'",
        (stored.replace(old, new),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE ledger_entries DROP CONSTRAINT {KNOWN}")
        op.execute(f"ALTER TABLE ledger_entries ADD CONSTRAINT {KNOWN} CHECK ({AFTER})")
        op.execute(f"ALTER TABLE ledger_entries ADD CONSTRAINT {REASON} CHECK ({HAS_REASON})")
        return
    _rewrite_sqlite(
        f"CONSTRAINT {KNOWN} CHECK ({BEFORE})",
        f"CONSTRAINT {KNOWN} CHECK ({AFTER}), CONSTRAINT {REASON} CHECK ({HAS_REASON})",
    )


def downgrade():
    disputes = op.get_bind().exec_driver_sql("SELECT count(*) FROM ledger_entries WHERE entry_type = 'dispute'").scalar()
    if disputes:
        raise RuntimeError(f"{disputes} disputes are recorded: the ledger keeps them, so this migration cannot be undone")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE ledger_entries DROP CONSTRAINT {REASON}")
        op.execute(f"ALTER TABLE ledger_entries DROP CONSTRAINT {KNOWN}")
        op.execute(f"ALTER TABLE ledger_entries ADD CONSTRAINT {KNOWN} CHECK ({BEFORE})")
        return
    _rewrite_sqlite(
        f"CONSTRAINT {KNOWN} CHECK ({AFTER}), CONSTRAINT {REASON} CHECK ({HAS_REASON})",
        f"CONSTRAINT {KNOWN} CHECK ({BEFORE})",
    )
