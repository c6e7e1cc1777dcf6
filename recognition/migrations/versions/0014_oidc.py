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
    # A plain ADD COLUMN and a unique index, not a batch rebuild of the table: on SQLite a
    # rebuild drops and recreates `people`, which every other table refers to, and with
    # foreign keys enforced that fails on any database that has people in it.
    op.add_column('people', sa.Column('institutional_id', sa.String(length=100), nullable=True))
    op.create_index(op.f('ix_people_institutional_id'), 'people', ['institutional_id'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_people_institutional_id'), table_name='people')
    op.drop_column('people', 'institutional_id')
