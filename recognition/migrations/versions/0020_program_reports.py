"""program reports: the yearly program report, stored as issued (append-only)

Revision ID: 0020_program_reports
Revises: 0019_check_in_milestones
Create Date: 2026-12-06 21:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

from recognition.ledger import triggers


# revision identifiers, used by Alembic.
revision = "0020_program_reports"
down_revision = "0019_check_in_milestones"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "program_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issuer", sa.String(length=20), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("json_sha256", sa.String(length=64), nullable=False),
        sa.Column("csv", sa.LargeBinary(), nullable=False),
        sa.Column("csv_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_program_reports_version_positive")),
        sa.CheckConstraint(
            "issuer IN ('scheduler', 'command_line', 'admin')", name=op.f("ck_program_reports_issuer_known")
        ),
        sa.CheckConstraint(
            "(issuer = 'admin') = (issued_by_id IS NOT NULL)", name=op.f("ck_program_reports_admin_named")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["people.id"], name=op.f("fk_program_reports_issued_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_reports")),
        sa.UniqueConstraint("year", "version", name="uq_program_reports_one_per_version"),
    )
    triggers.install(op, "program_reports")


def downgrade():
    triggers.remove(op, "program_reports")
    op.drop_table("program_reports")
