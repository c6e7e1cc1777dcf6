"""oidc: people's institutional id, which institutional sign-in may match on

Revision ID: 0014_oidc
Revises: 0013_login_sessions
Create Date: 2026-12-06 15:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014_oidc"
down_revision = "0013_login_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institutional_id', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_people_institutional_id'), ['institutional_id'])


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_people_institutional_id'), type_='unique')
        batch_op.drop_column('institutional_id')
