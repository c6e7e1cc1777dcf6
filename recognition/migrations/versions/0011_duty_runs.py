"""duty runs: a yearly duty is done when its work is done; outbox messages are claimed
before they are sent

Revision ID: 0011_duty_runs
Revises: 0008_award_integrity
Create Date: 2026-12-06 06:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011_duty_runs"
down_revision = "0010_idempotency"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('duty_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.CheckConstraint("outcome IN ('running', 'done', 'incomplete', 'handed_back')", name=op.f('ck_duty_runs_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_runs')),
    sa.UniqueConstraint('job_id', 'period', name='uq_duty_runs_once')
    )
    op.add_column('outbox', sa.Column('claimed_by', sa.String(length=64), nullable=True))
    op.add_column('outbox', sa.Column('claimed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by')
    op.drop_table('duty_runs')
