"""badge status: each grant's index in the published Bitstring Status List, and the
credentials re-issued on request

Revision ID: 0021_badge_status
Revises: 0020_program_reports
Create Date: 2026-12-06 22:05:00.000000

Grants announced before have no index until their credential is re-issued: their
eddsa-jcs-2022 credentials carry no credentialStatus, and /verify keeps answering for them.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0021_badge_status"
down_revision = "0020_program_reports"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "award_badge_statuses",
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.CheckConstraint("status_index >= 0", name=op.f("ck_award_badge_statuses_award_badge_status_index_natural")),
        sa.ForeignKeyConstraint(["grant_id"], ["award_grants.id"], name=op.f("fk_award_badge_statuses_grant_id_award_grants")),
        sa.PrimaryKeyConstraint("grant_id", name=op.f("pk_award_badge_statuses")),
        sa.UniqueConstraint("status_index", name=op.f("uq_award_badge_statuses_status_index")),
    )
    op.create_table(
        "award_badge_reissues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("credential", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["grant_id"], ["award_grants.id"], name=op.f("fk_award_badge_reissues_grant_id_award_grants")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["people.id"], name=op.f("fk_award_badge_reissues_issued_by_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_badge_reissues")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_award_badge_reissues_content_hash")),
    )
    op.create_index(op.f("ix_award_badge_reissues_grant_id"), "award_badge_reissues", ["grant_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_award_badge_reissues_grant_id"), table_name="award_badge_reissues")
    op.drop_table("award_badge_reissues")
    op.drop_table("award_badge_statuses")
