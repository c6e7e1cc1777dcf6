"""sign-in limits: failed sign-ins remember the device cookie, and are counted per address

Revision ID: 0017_sign_in_limits
Revises: 0016_account_control
Create Date: 2026-12-06 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_sign_in_limits"
down_revision = "0016_account_control"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_login_failures_device'), ['device'], unique=False)
        batch_op.create_index('ix_login_failures_remote_addr_at', ['remote_addr', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_remote_addr_at')
        batch_op.drop_index(batch_op.f('ix_login_failures_device'))
        batch_op.drop_column('device')
