"""ledger anchors: entry hashes cover their id, signed checkpoints of the chain head, and
no insert on SQLite may replace a stored row of an append-only table

Entries appended from now on hash their id (``chain_version`` 2); entries chained before
keep their hashes, and the first checkpoint binds them to their ids by listing the id and
hash of every entry. Adding a nullable column rewrites no row, so the ledger's triggers
stay as they are.

Revision ID: 0009_ledger_anchors
Revises: 0008_award_integrity
Create Date: 2026-12-06 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from recognition.ledger import triggers


# revision identifiers, used by Alembic.
revision = "0009_ledger_anchors"
down_revision = "0008_award_integrity"
branch_labels = None
depends_on = None

# Every append-only table made by earlier migrations: each gets the SQLite trigger that
# refuses INSERT OR REPLACE (PostgreSQL's ON CONFLICT DO UPDATE already meets the update
# trigger).
APPEND_ONLY = ("ledger_entries", "reflections", "statements", "statement_revocations", "cycle_transitions",
               "cycle_date_changes", "recusals", "score_revisions", "decisions", "decision_winners",
               "award_grants", "award_revocations", "nomination_withdrawals")


def upgrade():
    op.add_column('ledger_entries', sa.Column('chain_version', sa.SmallInteger(), nullable=True))
    op.create_table('ledger_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('prev_digest', sa.String(length=64), nullable=False),
    sa.Column('entries', sa.Text(), nullable=False),
    sa.Column('entries_digest', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.CheckConstraint('seq >= 0', name=op.f('ck_ledger_checkpoints_seq_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_checkpoints')),
    sa.UniqueConstraint('digest', name=op.f('uq_ledger_checkpoints_digest')),
    sa.UniqueConstraint('prev_digest', name=op.f('uq_ledger_checkpoints_prev_digest')),
    sa.UniqueConstraint('seq', name=op.f('uq_ledger_checkpoints_seq'))
    )
    triggers.install(op, "ledger_checkpoints")
    for table in APPEND_ONLY:
        triggers.install_no_replace(op, table)


def downgrade():
    # Entries appended since this migration hashed their chain version and id: after a
    # downgrade they no longer verify. Back up before going down.
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
    triggers.remove(op, "ledger_checkpoints")
    op.drop_table('ledger_checkpoints')
    # In place (SQLite 3.35 and later drop a plain column without copying the table,
    # which the entries pointing at other entries would refuse).
    op.execute("ALTER TABLE ledger_entries DROP COLUMN chain_version")
