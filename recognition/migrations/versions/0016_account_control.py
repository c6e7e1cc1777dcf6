"""account control: the history of disabled and enabled accounts, API token expiry, and
calendar feed keys that their owner can rotate

Tokens issued before this revision expire API_TOKEN_DAYS' default (90 days) after they
were made, but no earlier than 30 days after the upgrade: a script running on an old
token gets a month to be given a new one instead of breaking the day the app is updated.

Revision ID: 0016_account_control
Revises: 0015_invitations
Create Date: 2026-12-06 15:45:00.000000

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

from recognition.clock import utcnow
from recognition.ledger import triggers


# revision identifiers, used by Alembic.
revision = "0016_account_control"
down_revision = "0015_invitations"
branch_labels = None
depends_on = None

TOKEN_DAYS = 90
GRACE_DAYS = 30


def upgrade():
    op.create_table('account_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("action IN ('disabled', 'enabled')", name=op.f('ck_account_events_action_known')),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_account_events_reason_given')),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_account_events_actor_id_people')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_account_events_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_events'))
    )
    with op.batch_alter_table('account_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_events_person_id'), ['person_id'], unique=False)
    triggers.install(op, 'account_events')

    op.create_table('calendar_feed_keys',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('rotated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_calendar_feed_keys_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_calendar_feed_keys'))
    )

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    tokens = sa.table(
        'api_tokens', sa.column('id', sa.Integer()), sa.column('created_at', sa.DateTime()),
        sa.column('expires_at', sa.DateTime()),
    )
    bind = op.get_bind()
    earliest = utcnow() + timedelta(days=GRACE_DAYS)
    for token_id, created_at in bind.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        expires_at = max(created_at + timedelta(days=TOKEN_DAYS), earliest)
        bind.execute(tokens.update().where(tokens.c.id == token_id).values(expires_at=expires_at))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    op.drop_table('calendar_feed_keys')
    triggers.remove(op, 'account_events')
    with op.batch_alter_table('account_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_events_person_id'))
    op.drop_table('account_events')
