"""Everything refers to ledger entries by id (reversals and confirmations, reflections,
grants, statement snapshots), so the chain covers each entry's id: ids swapped behind the
application's back are named by ``ledger verify``, and no connection can replace a stored
row with ``INSERT OR REPLACE`` (SQLite) or ``INSERT ... ON CONFLICT DO UPDATE`` (PostgreSQL).

Entries chained before ids were hashed keep their hashes; the first checkpoint binds them
to their ids."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

import psycopg
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from recognition.auth.service import load_actor
from recognition.extensions import db
from recognition.ledger import chain, checkpoints, service
from recognition.ledger.models import LEDGER_TABLES

from .conftest import NOW, ledger_rows

APPEND_ONLY = (
    "ledger_entries",
    "reflections",
    "statements",
    "statement_revocations",
    "cycle_transitions",
    "cycle_date_changes",
    "recusals",
    "score_revisions",
    "decisions",
    "decision_winners",
    "award_grants",
    "award_revocations",
    "nomination_withdrawals",
    "ledger_checkpoints",
    "milestones",
    "dossiers",
    "dossier_access",
    "case_overrides",
    "program_reports",
)


@pytest.fixture
def reversed_pair(app, record, client, headers):
    """Two meetings; the first reversed by the mentee (a dispute). Returns the rows."""
    first = record("mentor", note="first", minutes=45)
    record("mentor", note="second", minutes=30, occurred_on=date(2025, 3, 5))
    response = client.post(
        f"/api/v1/contributions/{first}/reversal", json={"reason": "Did not happen."}, headers=headers("mentee")
    )
    assert response.status_code == 201
    return ledger_rows(app)


def plain_sqlite(app) -> sqlite3.Connection:
    """A connection the app did not open: recursive_triggers off, foreign keys off."""
    with app.app_context():
        path = db.engine.url.database
    return sqlite3.connect(path, isolation_level=None)


def swapped(rows, a: int, b: int) -> list[dict]:
    """Rows ``a`` and ``b`` with their ids exchanged: what someone with the file would write."""
    first, second = dict(rows[a]), dict(rows[b])
    first["id"], second["id"] = rows[b]["id"], rows[a]["id"]
    return [first, second]


def test_a_stored_row_cannot_be_replaced_from_a_plain_connection(app, backend, reversed_pair):
    """SQLite: two INSERT OR REPLACE statements from a connection the app did not open
    used to swap two entries' ids (so the reversal cancelled the other meeting) without a
    trigger firing; now each is refused. PostgreSQL: ON CONFLICT DO UPDATE is an update,
    refused too."""
    columns = list(reversed_pair[0])
    if backend == "sqlite":
        with closing(plain_sqlite(app)) as connection:
            for row in swapped(reversed_pair, 0, 1):
                with pytest.raises(sqlite3.IntegrityError, match="may not replace a stored row"):
                    connection.execute(
                        f"INSERT OR REPLACE INTO ledger_entries ({', '.join(columns)}) "
                        f"VALUES ({', '.join('?' * len(columns))})",
                        [str(row[c]) if hasattr(row[c], "isoformat") else row[c] for c in columns],
                    )
    else:
        with app.app_context():
            url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as connection:
            for row in swapped(reversed_pair, 0, 1):
                with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
                    connection.execute(
                        f"INSERT INTO ledger_entries ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
                        f"ON CONFLICT (seq) DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in columns)}",
                        [row[c] for c in columns],
                    )
    assert ledger_rows(app) == reversed_pair


def test_every_append_only_table_refuses_replacement(app, backend):
    """The same guard on every append-only table (SQLite: a trigger per table, made from
    its primary key and unique indexes; PostgreSQL: the update trigger)."""
    assert set(LEDGER_TABLES) <= set(APPEND_ONLY)
    with app.app_context():
        for table in APPEND_ONLY:
            if backend == "sqlite":
                found = db.session.scalar(
                    text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                    {"n": f"{table}_no_replace"},
                )
                key = {"statement_revocations": "statement_id", "award_revocations": "grant_id"}.get(table, "id")
                assert found is not None and "BEFORE INSERT" in found and f" {key} = NEW.{key}" in found, table
            else:
                found = db.session.scalar(
                    text("SELECT count(*) FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) AND tgname = :n"),
                    {"t": table, "n": f"{table}_append_only"},
                )
                assert found == 1, table


def swap_ids_behind_the_triggers(app, backend, rows, a: int, b: int) -> None:
    """What someone with full database access can still do: lift the guards, swap."""
    with app.app_context():
        if backend == "sqlite":
            db.session.execute(text("DROP TRIGGER IF EXISTS ledger_entries_no_update"))
            db.session.execute(text("PRAGMA defer_foreign_keys = ON"))
        else:
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        ids = {"a": rows[a]["id"], "b": rows[b]["id"]}
        db.session.execute(text("UPDATE ledger_entries SET id = -1 WHERE id = :a"), ids)
        db.session.execute(text("UPDATE ledger_entries SET id = :a WHERE id = :b"), ids)
        db.session.execute(text("UPDATE ledger_entries SET id = :b WHERE id = -1"), ids)
        db.session.commit()


def test_swapped_ids_are_named(app, runner, backend, reversed_pair):
    """After the swap the reversal names the second meeting; verify names the first
    entry whose id changed."""
    swap_ids_behind_the_triggers(app, backend, reversed_pair, 0, 1)
    assert [r["id"] for r in ledger_rows(app)] == [
        reversed_pair[1]["id"],
        reversed_pair[0]["id"],
        reversed_pair[2]["id"],
    ]

    result = runner.invoke(args=["ledger", "verify"])

    assert result.exit_code == 1
    assert f"BROKEN at entry {reversed_pair[1]['id']} (position 1): its contents do not match" in result.stderr
    assert "Traceback" not in result.output


def test_new_entries_hash_their_id(app, reversed_pair):
    for row in reversed_pair:
        assert row["chain_version"] == chain.CHAIN_VERSION
        assert chain.hashed(row)["id"] == row["id"]
        assert chain.entry_hash(chain.hashed(row)) == row["entry_hash"]
        assert chain.entry_hash(chain.hashed({**row, "id": row["id"] + 1})) != row["entry_hash"]


# Entries chained before ids were hashed ----------------------------------------------


def as_legacy(app, backend) -> list[dict]:
    """Rewrite the stored chain as migration 0008 left it: no chain version, hashes
    without ids (the guards lifted for the rewrite, as a migration test may)."""
    rows = ledger_rows(app)
    with app.app_context():
        if backend == "sqlite":
            db.session.execute(text("DROP TRIGGER IF EXISTS ledger_entries_no_update"))
        else:
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        prev = chain.GENESIS
        for row in rows:
            row.update(chain_version=None, prev_hash=prev)
            row["entry_hash"] = prev = chain.entry_hash(chain.hashed(row))
            db.session.execute(
                text("UPDATE ledger_entries SET chain_version = NULL, prev_hash = :p, entry_hash = :h WHERE id = :id"),
                {"p": row["prev_hash"], "h": row["entry_hash"], "id": row["id"]},
            )
        db.session.commit()
    return rows


def test_a_checkpoint_binds_earlier_entries_to_their_ids(app, runner, backend, reversed_pair):
    legacy = as_legacy(app, backend)
    unbound = runner.invoke(args=["ledger", "verify"])
    assert unbound.exit_code == 0, unbound.output
    assert "3 entries chained before ids were hashed are not yet bound" in unbound.stderr

    made = runner.invoke(args=["ledger", "checkpoint"])
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith("Made checkpoint ")
    bound = runner.invoke(args=["ledger", "verify"])
    assert bound.exit_code == 0 and "not yet bound" not in bound.stderr

    swap_ids_behind_the_triggers(app, backend, legacy, 0, 1)
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert (
        f"BROKEN at entry {legacy[1]['id']} (position 1): its id is {legacy[1]['id']}, but checkpoint 1 (position 3, "
    ) in result.stderr
    assert f"recorded entry {legacy[0]['id']} at this position (ids were swapped or changed)" in result.stderr


def test_the_migration_keeps_earlier_hashes_valid(app, backend, reversed_pair):
    """Down to 0008 and up again: entries chained at 0008 still verify, and new ones
    appended after hash their ids."""
    legacy = as_legacy(app, backend)
    with app.app_context():
        downgrade(revision="0008_award_integrity")
        db.session.remove()
        assert "chain_version" not in [c["name"] for c in db.inspect(db.engine).get_columns("ledger_entries")]
        upgrade()
        db.session.remove()
    with app.app_context():
        assert [r["entry_hash"] for r in ledger_rows(app)] == [r["entry_hash"] for r in legacy]
        verdict = service.verify()
        assert verdict.valid and verdict.checked == 3 and verdict.notes
        checkpoints.make(NOW)
        entry = service.record(
            {"kind": "mentor_training", "occurred_on": date(2025, 3, 1), "minutes": 60},
            load_actor(legacy[0]["person_id"]),
            NOW,
        )
        db.session.commit()
        assert entry.chain_version == chain.CHAIN_VERSION
        verdict = service.verify()
        assert verdict.valid and verdict.checked == 4 and verdict.notes == ()


# Reflections refer to their ledger entry ---------------------------------------------


def test_a_reflection_moved_to_another_entry_is_named(app, runner, backend, dept):
    """A reflection is bound to its entry by the entry's note (an HMAC of its text):
    pointing two reflections at each other's entries is found at the first of them."""
    from recognition.reflections import service as reflections

    with app.app_context():
        actor = load_actor(dept.ids["mentor"])
        made = [
            reflections.record(
                {
                    "source": "external",
                    "source_name": f"Teaching evaluation {n}",
                    "occurred_on": date(2025, 3, n),
                    "minutes": 20,
                    "area": f"Area {n}",
                    "question": "What next?",
                    "next_steps": "Ask again.",
                },
                actor,
                NOW,
            )
            for n in (1, 2)
        ]
        db.session.commit()
        ids = [(r.id, r.ledger_entry_id, r.entry.seq) for r in made]
        assert service.verify().valid
        if backend == "sqlite":
            db.session.execute(text("DROP TRIGGER reflections_no_update"))
            db.session.execute(text("PRAGMA defer_foreign_keys = ON"))
        else:
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        (first, first_entry, first_seq), (second, second_entry, _) = ids
        for reflection, entry in ((first, -1), (second, first_entry), (first, second_entry)):
            db.session.execute(
                text("UPDATE reflections SET ledger_entry_id = :e WHERE id = :r"), {"e": entry, "r": reflection}
            )
        db.session.commit()

    result = runner.invoke(args=["ledger", "verify"])

    assert result.exit_code == 1
    assert (
        f"BROKEN at entry {first_entry} (position {first_seq}): reflection {second} does not match the note of "
        "this entry"
    ) in result.stderr


def test_an_award_grant_pointed_at_another_entry_is_named(app, runner, backend, dept):
    """A grant refers to the ledger entry its announcement appended: swapping two
    winners' entries is found at the first of them."""
    from recognition.awards.models import Grant
    from tests.awards.test_announce import decided

    with app.app_context():
        decided(dept, ("mentor", "other_director"), winners=2).to("announced")
        grants = [(g.id, g.ledger_entry_id) for g in db.session.scalars(db.select(Grant).order_by(Grant.id))]
        assert len(grants) == 2 and service.verify().valid
        seq, later = (db.session.get(service.LedgerEntry, entry).seq for _, entry in grants)
        assert seq < later
        if backend == "sqlite":
            db.session.execute(text("DROP TRIGGER award_grants_no_update"))
        else:
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        (first, first_entry), (second, second_entry) = grants
        for grant, entry in ((first, None), (second, first_entry), (first, second_entry)):
            db.session.execute(
                text("UPDATE award_grants SET ledger_entry_id = :e WHERE id = :g"), {"e": entry, "g": grant}
            )
        db.session.commit()

    result = runner.invoke(args=["ledger", "verify"])

    assert result.exit_code == 1
    assert (
        f"BROKEN at entry {first_entry} (position {seq}): award grant {second} points to this entry, which is "
        "not its award"
    ) in result.stderr


def test_init_after_an_upgrade_binds_earlier_entries_at_once(app, backend, reversed_pair, script_apps, monkeypatch):
    """``init`` (which ``serve`` runs) makes the first checkpoint when entries chained
    before ids were hashed are not bound yet, instead of leaving them to the daily job."""
    from click.testing import CliRunner

    from recognition import cli

    as_legacy(app, backend)
    monkeypatch.setenv("RECOGNITION_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("RECOGNITION_SECRET_KEY", "test")

    result = CliRunner().invoke(cli.init_command)
    assert result.exit_code == 0, result.output
    assert "Signed checkpoint at position 3" in result.output
    with app.app_context():
        assert service.verify().notes == ()
        assert checkpoints.latest().seq == 3
    again = CliRunner().invoke(cli.init_command)
    assert again.exit_code == 0 and "Signed checkpoint" not in again.output
