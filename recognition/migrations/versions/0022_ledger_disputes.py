"""ledger disputes: the counterpart of a meeting can say it did not happen, with a reason,
as an entry that follows the original

Revision ID: 0022_ledger_disputes
Revises: 0021_badge_status
Create Date: 2026-12-06 21:40:00.000000

The ledger's list of entry types grows by one, and a dispute must give its reason: no
stored row can break either. PostgreSQL swaps and adds the check constraints NOT VALID,
which holds the table's lock only for the change of definition, then validates them
outside the migration's transaction, which reads every row while appends go on (a run
stopped while validating is finished by the next). SQLite cannot alter a constraint, and
rebuilding the append-only table would drop its triggers, so the table's stored
definition is rewritten (as 0019 does for the milestones), which takes no time at any size.
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


def _swap_postgresql(checks: dict[str, str], dropped: tuple[str, ...]) -> None:
    """Replace the constraints named in ``dropped`` by ``checks`` (name to condition).

    The swap only changes definitions (NOT VALID: new rows are checked from then on) and
    commits with the migration's transaction; validating the stored rows then takes a
    lock that lets appends go on. ``IF EXISTS`` lets a run stopped while validating be
    run again."""
    for name in dropped:
        op.execute(f"ALTER TABLE ledger_entries DROP CONSTRAINT IF EXISTS {name}")
    for name, condition in checks.items():
        op.execute(f"ALTER TABLE ledger_entries ADD CONSTRAINT {name} CHECK ({condition}) NOT VALID")
    with op.get_context().autocommit_block():
        for name in checks:
            op.execute(f"ALTER TABLE ledger_entries VALIDATE CONSTRAINT {name}")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _swap_postgresql({KNOWN: AFTER, REASON: HAS_REASON}, dropped=(KNOWN, REASON))
        return
    _rewrite_sqlite(
        f"CONSTRAINT {KNOWN} CHECK ({BEFORE})",
        f"CONSTRAINT {KNOWN} CHECK ({AFTER}), CONSTRAINT {REASON} CHECK ({HAS_REASON})",
    )


def downgrade():
    disputes = (
        op.get_bind().exec_driver_sql("SELECT count(*) FROM ledger_entries WHERE entry_type = 'dispute'").scalar()
    )
    if disputes:
        raise RuntimeError(
            f"{disputes} disputes are recorded: the ledger keeps them, so this migration cannot be undone"
        )
    if op.get_bind().dialect.name == "postgresql":
        _swap_postgresql({KNOWN: BEFORE}, dropped=(REASON, KNOWN))
        return
    _rewrite_sqlite(
        f"CONSTRAINT {KNOWN} CHECK ({AFTER}), CONSTRAINT {REASON} CHECK ({HAS_REASON})",
        f"CONSTRAINT {KNOWN} CHECK ({BEFORE})",
    )
