"""ledger integrity: a random salt beside each reflection's text

A reflection's ledger note commits to its text. It was a bare SHA-256 of the text, which a
dictionary of likely short texts reverses; new reflections commit with HMAC-SHA256 under
a random salt kept in this column (see recognition.reflections.digest). Reflections
recorded before have no salt and keep the old scheme: their digests are in the hash chain
and cannot change.

Revision ID: 0006_ledger_integrity
Revises: 0005_awards
Create Date: 2026-12-06 03:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from recognition.ledger import triggers


# revision identifiers, used by Alembic.
revision = "0006_ledger_integrity"
down_revision = "0005_awards"
branch_labels = None
depends_on = None


def upgrade():
    # Adding a nullable column rewrites no row, so the append-only triggers stay as they are.
    op.add_column("reflections", sa.Column("salt", sa.String(length=64), nullable=True))


def downgrade():
    # SQLite drops a column by copying the table: lift the triggers around it.
    triggers.remove(op, "reflections")
    with op.batch_alter_table("reflections", schema=None) as batch_op:
        batch_op.drop_column("salt")
    triggers.install(op, "reflections")
