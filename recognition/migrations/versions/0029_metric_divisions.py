"""metric divisions: a second count on ``metric_basis``, of the changes to which division
each mentee is in (a person's division, a mentorship's mentee, either's id, a row of
either removed or replaced), for the snapshots that read nothing else besides the ledger

The confirmations pass and the unconfirmed counts read the ledger's entries and, through
each entry's mentorship, its mentee's division: a new mentorship, a mentorship ended or an
appointment date changed cannot move them, yet with the one count they were all computed
again (tens of seconds at 2M entries) after any of those. Now they record this count, and
only a change it counts makes them stale.

Revision ID: 0029_metric_divisions
Revises: 0028_ledger_left_to_python
Create Date: 2026-12-07 15:00:00.000000

Triggers move it on in the writer's transaction, as 0025's move the other count; on
PostgreSQL a trigger per statement, before it. Two small tables, one column added with a
default: no row rewritten, under a second.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029_metric_divisions"
down_revision = "0028_ledger_left_to_python"
branch_labels = None
depends_on = None

# The columns whose change can move a mentee's entries to another division, in each
# table: a person's division, a mentorship's mentee, and either's id (which the entries
# and the mentorships point at: changed only where foreign keys are not enforced).
WATCHED = {"people": ("division_id", "id"), "mentorships": ("mentee_id", "id")}
# On SQLite, an INSERT OR REPLACE on a connection without recursive triggers (the app's
# turn them on; a hand-made one may not) deletes the row it replaces without firing the
# delete trigger: a row inserted where one with the same id or unique key stands replaces it.
# (An INSERT OR IGNORE that meets one moves the counts too, needlessly: the snapshots are
# only computed again. An ordinary insert, which meets none, leaves them be.)
REPLACES = {
    "people": "id = NEW.id OR email = NEW.email OR institutional_id = NEW.institutional_id",
    "mentorships": (
        "id = NEW.id OR (NEW.ended_on IS NULL AND ended_on IS NULL AND mentor_id = NEW.mentor_id "
        "AND mentee_id = NEW.mentee_id AND kind = NEW.kind)"
    ),
}
# Both counts: what moves this one moves what the whole roster's snapshots read too.
BUMP = "UPDATE metric_basis SET divisions = divisions + 1, changes = changes + 1 WHERE id = 1"


def upgrade():
    op.add_column("metric_basis", sa.Column("divisions", sa.BigInteger(), nullable=False, server_default="0"))
    # Snapshots of this count left by an earlier upgrade (and a downgrade since, which
    # forgot the count while divisions could change) would be taken as fresh again.
    op.execute("DELETE FROM metric_snapshots WHERE basis NOT LIKE 'changes:%'")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION metric_divisions_changed() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table, columns in WATCHED.items():
            op.execute(
                f"CREATE TRIGGER {table}_metric_divisions BEFORE DELETE OR TRUNCATE OR UPDATE OF {', '.join(columns)} "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION metric_divisions_changed()"
            )
        return
    for table, columns in WATCHED.items():
        for action, event in (
            ("update", f"AFTER UPDATE OF {', '.join(columns)}"),
            ("delete", "AFTER DELETE"),
            ("replace", f"BEFORE INSERT ON {table} WHEN EXISTS (SELECT 1 FROM {table} WHERE {REPLACES[table]})"),
        ):
            on = "" if action == "replace" else f" ON {table}"
            op.execute(f"CREATE TRIGGER {table}_metric_divisions_{action} {event}{on} BEGIN {BUMP}; END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_metric_divisions ON {table}")
        op.execute("DROP FUNCTION IF EXISTS metric_divisions_changed()")
    else:
        for table in WATCHED:
            for action in ("update", "delete", "replace"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_metric_divisions_{action}")
    op.execute("DELETE FROM metric_snapshots WHERE basis NOT LIKE 'changes:%'")
    # In place on SQLite too (3.35 and later): a copy of the table, as a batch makes it,
    # would be refused by 0025's triggers, which name it.
    op.execute("ALTER TABLE metric_basis DROP COLUMN divisions")
