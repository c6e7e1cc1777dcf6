"""award integrity: withdrawals kept, recusals name their mentorship, back-dated
mentorships carry a reason, letters keep the upload's hash

Revision ID: 0008_award_integrity
Revises: 0007_award_reviews
Create Date: 2026-12-06 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

from recognition.ledger import triggers


# revision identifiers, used by Alembic.
revision = "0008_award_integrity"
down_revision = "0007_award_reviews"
branch_labels = None
depends_on = None

APPEND_ONLY = ("nomination_withdrawals",)
FIXED = "a back-dated mentorship keeps the reason it was recorded with"


def upgrade():
    op.create_table('nomination_withdrawals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('nominee_id', sa.Integer(), nullable=False),
    sa.Column('nominator_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('letters_removed', sa.Integer(), nullable=False),
    sa.Column('nomination_removed', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['award_cycles.id'], name=op.f('fk_nomination_withdrawals_cycle_id_award_cycles')),
    sa.ForeignKeyConstraint(['nominee_id'], ['people.id'], name=op.f('fk_nomination_withdrawals_nominee_id_people')),
    sa.ForeignKeyConstraint(['nominator_id'], ['people.id'], name=op.f('fk_nomination_withdrawals_nominator_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nomination_withdrawals'))
    )
    with op.batch_alter_table('nomination_withdrawals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_withdrawals_cycle_id'), ['cycle_id'], unique=False)

    # Plain columns added in place (no table rebuild): recusals is append-only.
    op.add_column('recusals', sa.Column('mentorship_id', sa.Integer(), nullable=True))
    op.add_column('recusals', sa.Column('found_in', sa.String(length=20), nullable=True))
    op.add_column('nomination_letters', sa.Column('original_sha256', sa.String(length=64), nullable=True))
    op.add_column('mentorships', sa.Column('backdate_reason', sa.Text(), nullable=True))

    for table in APPEND_ONLY:
        triggers.install(op, table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION refuse_backdate_reason_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'mentorships: {FIXED}' USING ERRCODE = 'restrict_violation';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER mentorships_backdate_reason_fixed BEFORE UPDATE OF backdate_reason ON mentorships "
                   "FOR EACH ROW WHEN (OLD.backdate_reason IS DISTINCT FROM NEW.backdate_reason) "
                   "EXECUTE FUNCTION refuse_backdate_reason_change()")
    else:
        op.execute("CREATE TRIGGER mentorships_backdate_reason_fixed BEFORE UPDATE OF backdate_reason ON mentorships "
                   "WHEN OLD.backdate_reason IS NOT NEW.backdate_reason "
                   f"BEGIN SELECT RAISE(ABORT, 'mentorships: {FIXED}'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS mentorships_backdate_reason_fixed ON mentorships")
        op.execute("DROP FUNCTION IF EXISTS refuse_backdate_reason_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS mentorships_backdate_reason_fixed")
    for table in APPEND_ONLY:
        triggers.remove(op, table)
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.drop_column('backdate_reason')
    with op.batch_alter_table('nomination_letters', schema=None) as batch_op:
        batch_op.drop_column('original_sha256')
    triggers.remove(op, 'recusals')
    with op.batch_alter_table('recusals', schema=None) as batch_op:
        batch_op.drop_column('found_in')
        batch_op.drop_column('mentorship_id')
    triggers.install(op, 'recusals')
    with op.batch_alter_table('nomination_withdrawals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nomination_withdrawals_cycle_id'))
    op.drop_table('nomination_withdrawals')
