"""award reviews: a minimum number of reviews before a nominee is ranked

Revision ID: 0007_award_reviews
Revises: 0006_ledger_integrity
Create Date: 2026-12-06 03:20:00.000000

Existing awards get ``min_reviews`` 1, so their rankings stay as they were. A winner the
committee's ranking did not place (too few reviews) is recorded with no ranked position.
``decision_winners`` is append-only: on SQLite the column change rebuilds the table, so its
triggers are taken off for the rebuild and put back.
"""
from alembic import op
import sqlalchemy as sa

from recognition.ledger import triggers


# revision identifiers, used by Alembic.
revision = "0007_award_reviews"
down_revision = "0006_ledger_integrity"
branch_labels = None
depends_on = None


def upgrade():
    # One statement both engines take, so the check needs no rebuild of awards on SQLite.
    op.execute("ALTER TABLE awards ADD COLUMN min_reviews INTEGER DEFAULT 1 NOT NULL "
               "CONSTRAINT ck_awards_min_reviews_positive CHECK (min_reviews >= 1)")
    triggers.remove(op, "decision_winners")
    with op.batch_alter_table("decision_winners", schema=None) as batch_op:
        batch_op.alter_column("ranked_position", existing_type=sa.Integer(), nullable=True)
    triggers.install(op, "decision_winners")


def downgrade():
    triggers.remove(op, "decision_winners")
    with op.batch_alter_table("decision_winners", schema=None) as batch_op:
        batch_op.alter_column("ranked_position", existing_type=sa.Integer(), nullable=False)
    triggers.install(op, "decision_winners")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_awards_min_reviews_positive"), type_="check")
        batch_op.drop_column("min_reviews")
