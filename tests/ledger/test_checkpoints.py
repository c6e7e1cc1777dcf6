"""Heads recorded outside the chain make a truncated or rewritten tail fail ``ledger
verify``: heads given on the command line, signed checkpoints (published for anyone to
copy), copies of them downloaded earlier, and the head every issued statement records."""

from __future__ import annotations

import re
import sqlite3
import threading
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from recognition.auth.service import load_actor
from recognition.credits import service as credits
from recognition.credits import signing
from recognition.credits.models import Statement
from recognition.extensions import db
from recognition.ledger import chain, checkpoints, service
from recognition.scheduler import jobs
from recognition.scheduler import runner as sched_runner

from .conftest import NOW, ledger_rows


@contextmanager
def behind_the_guards(app, backend):
    """A transaction with the append-only guards lifted, as someone with full database
    access would; committed at the end."""
    with app.app_context():
        if backend == "sqlite":
            for action in ("update", "delete"):
                db.session.execute(text(f"DROP TRIGGER IF EXISTS ledger_entries_no_{action}"))
                db.session.execute(text(f"DROP TRIGGER IF EXISTS ledger_checkpoints_no_{action}"))
            db.session.execute(text("PRAGMA defer_foreign_keys = ON"))
        else:
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        yield db.session
        db.session.commit()


def rewrite_from(session, rows: list[dict], start: int) -> None:
    """Change the note of every entry from index ``start`` on and re-chain them, so each
    entry matches its hash and links to the one before: only anchors can tell."""
    prev = rows[start - 1]["entry_hash"] if start else chain.GENESIS
    for row in rows[start:]:
        changed = {**row, "note": row["note"] + " (rewritten)", "prev_hash": prev}
        prev = chain.entry_hash(chain.hashed(changed))
        session.execute(
            text("UPDATE ledger_entries SET note = :n, prev_hash = :p, entry_hash = :h WHERE id = :id"),
            {"n": changed["note"], "p": changed["prev_hash"], "h": prev, "id": row["id"]},
        )


def append_many(app, dept, count: int, day: date = date(2025, 3, 1)) -> None:
    with app.app_context():
        actor = load_actor(dept.ids["mentor"])
        for number in range(count):
            service.record(
                {"kind": "other", "occurred_on": day, "minutes": 10, "note": f"n{number}", "confirm_duplicate": True},
                actor,
                NOW,
            )
        db.session.commit()


def checkpoint(runner) -> str:
    result = runner.invoke(args=["ledger", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result.stdout


def head_of(runner) -> str:
    seq, digest = runner.invoke(args=["ledger", "head"]).stdout.split()
    return f"{seq}:{digest}"


def test_a_truncated_tail_fails_against_a_recorded_head(app, runner, backend, dept):
    append_many(app, dept, 5)
    recorded = head_of(runner)
    with behind_the_guards(app, backend) as session:
        session.execute(text("DELETE FROM ledger_entries WHERE seq = 5"))

    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0  # a shorter chain is still a chain
    result = runner.invoke(args=["ledger", "verify", "--head", recorded])

    assert result.exit_code == 1
    assert "Failed against the head 5:" in result.stderr
    assert "BROKEN at the entry (position 5): the ledger ends at position 4, but the head 5:" in result.stderr
    assert "the entries from position 5 on are missing" in result.stderr
    assert "Traceback" not in result.output


def test_the_api_checks_heads_given_too(app, client, runner, backend, dept, headers):
    append_many(app, dept, 3)
    recorded = head_of(runner)
    with behind_the_guards(app, backend) as session:
        session.execute(text("DELETE FROM ledger_entries WHERE seq = 3"))
    url = "/api/v1/ledger/verify"
    assert client.get(url, headers=headers("admin")).get_json()["valid"] is True
    body = client.get(url, query_string={"head": recorded}, headers=headers("admin")).get_json()
    assert (body["valid"], body["first_bad_seq"], body["anchors_checked"]) == (False, 3, 1)
    assert body["anchor"].startswith("the head 3:")

    refused = client.get(url, query_string={"head": [recorded, "3:xyz"]}, headers=headers("admin"))
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"head.1": ["must be SEQ:HASH, a position and a 64-digit hex hash"]}
    assert client.get(url, query_string={"head": recorded}, headers=headers("mentor")).status_code == 403


def test_heads_given_that_hold_pass(app, runner, dept):
    append_many(app, dept, 3)
    early = head_of(runner)
    append_many(app, dept, 2)
    result = runner.invoke(args=["ledger", "verify", "--head", early, "--head", head_of(runner).replace(":", " ")])
    assert result.exit_code == 0, result.output
    assert "It agrees with all 2 recorded heads" in result.stdout


@pytest.mark.parametrize(
    ("given", "rule"),
    [
        ("5", "write SEQ:HASH"),
        ("x:" + "0" * 64, "write SEQ:HASH"),
        ("3:abc", "64-digit hex hash"),
    ],
)
def test_a_malformed_head_is_refused_in_a_sentence(runner, app, given, rule):
    result = runner.invoke(args=["ledger", "verify", "--head", given])
    assert result.exit_code == 2
    assert "Invalid value for --head" in result.stderr and rule in result.stderr
    assert "Traceback" not in result.output


def test_a_rewritten_tail_is_named_at_its_first_changed_entry(app, runner, backend, dept):
    """The last 200 entries rewritten and re-chained: each checks out on its own, but the
    checkpoint lists every entry's hash, so the first rewritten one is named."""
    append_many(app, dept, 205)
    checkpoint(runner)
    rows = ledger_rows(app)
    with behind_the_guards(app, backend) as session:
        rewrite_from(session, rows, 5)

    result = runner.invoke(args=["ledger", "verify"])

    assert result.exit_code == 1
    assert "Failed against checkpoint 1 (position 205, " in result.stderr
    assert f"BROKEN at entry {rows[5]['id']} (position 6): its hash differs from the one checkpoint 1 " in result.stderr
    assert "The 5 entries before it are intact." in result.stderr


def test_a_rewritten_tail_past_the_last_checkpoint_fails_at_the_head_given(app, runner, backend, dept):
    append_many(app, dept, 4)
    checkpoint(runner)
    append_many(app, dept, 4)
    recorded = head_of(runner)
    rows = ledger_rows(app)
    with behind_the_guards(app, backend) as session:
        rewrite_from(session, rows, 6)

    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    result = runner.invoke(args=["ledger", "verify", "--head", recorded])
    assert result.exit_code == 1
    assert f"BROKEN at entry {rows[7]['id']} (position 8): the chain up to here differs from the head" in result.stderr


def test_checkpoints_are_public_signed_and_chained(app, client, runner, dept):
    append_many(app, dept, 3)
    checkpoint(runner)
    assert "Nothing new since checkpoint 1" in checkpoint(runner)
    append_many(app, dept, 2)
    checkpoint(runner)

    page = client.get("/ledger/checkpoints.json")  # nobody signed in
    api = client.get("/api/v1/ledger/checkpoints")  # no token
    assert page.status_code == api.status_code == 200
    assert page.get_json() == api.get_json()
    listing = api.get_json()
    assert listing["public_key_url"] == "http://127.0.0.1:5000/verify/key.pem"
    assert listing["keys_url"] == "http://127.0.0.1:5000/verify/keys.json"
    first, second = listing["checkpoints"]
    assert (first["seq"], second["seq"]) == (3, 5)
    assert (first["prev"], second["prev"]) == (chain.GENESIS, first["digest"])
    assert second["hash"] == head_of(runner).split(":")[1]
    public_key = signing.load_public_pem(client.get("/verify/key.pem").get_data())
    for item in (first, second):
        signed = {key: value for key, value in item.items() if key not in ("signature", "digest")}
        assert signing.verify(public_key, chain.canonical(signed), item["signature"])
        assert not signing.verify(public_key, chain.canonical({**signed, "seq": item["seq"] + 1}), item["signature"])
    document = client.get("/api/v1/openapi.json").get_json()
    assert "security" not in document["paths"]["/api/v1/ledger/checkpoints"]["get"]


def test_checkpoints_are_append_only(app, runner, backend, dept):
    append_many(app, dept, 1)
    checkpoint(runner)
    for statement in ("UPDATE ledger_checkpoints SET seq = 2", "DELETE FROM ledger_checkpoints"):
        with app.app_context():
            with pytest.raises(Exception, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


def test_a_forged_checkpoint_fails_verify(app, runner, backend, dept):
    append_many(app, dept, 3)
    checkpoint(runner)
    with behind_the_guards(app, backend) as session:
        session.execute(text("UPDATE ledger_checkpoints SET seq = 2"))

    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "BROKEN: checkpoint 1 (position 2, " in result.stderr
    assert "its signature does not match (it was changed)" in result.stderr


def test_a_downloaded_copy_catches_a_removed_checkpoint(app, client, runner, backend, dept, tmp_path):
    """Someone removes the newest checkpoint and the entries after the one before: the
    stored checkpoints agree with the shorter chain, the outsider's copy does not."""
    append_many(app, dept, 3)
    checkpoint(runner)
    append_many(app, dept, 3)
    checkpoint(runner)
    copy = tmp_path / "checkpoints.json"
    copy.write_bytes(client.get("/ledger/checkpoints.json").get_data())
    rows = ledger_rows(app)
    with behind_the_guards(app, backend) as session:
        session.execute(text("DELETE FROM ledger_checkpoints WHERE seq = 6"))
        session.execute(text("DELETE FROM ledger_entries WHERE seq > 3"))

    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    result = runner.invoke(args=["ledger", "verify", "--checkpoints", str(copy)])

    assert result.exit_code == 1
    assert "the copy of checkpoint at position 6" in result.stderr
    assert "it is no longer among the stored checkpoints (it was removed)" in result.stderr
    assert "BROKEN at the entry (position 4): the ledger ends at position 3" in result.stderr
    assert rows[3]["seq"] == 4


def test_a_copy_that_is_not_a_checkpoint_list_is_refused(app, runner, tmp_path):
    copy = tmp_path / "checkpoints.json"
    copy.write_text('{"checkpoints": [{"seq": 1}]}')
    result = runner.invoke(args=["ledger", "verify", "--checkpoints", str(copy)])
    assert result.exit_code == 2
    assert "Invalid value for --checkpoints" in result.stderr and "checkpoint 1 lacks one of" in result.stderr
    copy.write_text("not json")
    assert "it is not JSON" in runner.invoke(args=["ledger", "verify", "--checkpoints", str(copy)]).stderr


def test_every_issued_statement_is_an_anchor(app, client, runner, backend, dept, headers):
    append_many(app, dept, 2)
    assert append_and_issue(app, dept) == 3
    with app.app_context():
        number = db.session.scalar(select(Statement.number))
    with behind_the_guards(app, backend) as session:
        session.execute(text("DELETE FROM ledger_entries WHERE seq = 3"))

    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"Failed against statement {number}." in result.stderr
    assert "the ledger ends at position 2, but statement" in result.stderr
    body = client.get("/api/v1/ledger/verify", headers=headers("admin")).get_json()
    assert (body["valid"], body["first_bad_seq"], body["anchor"]) == (False, 3, f"statement {number}")


@pytest.mark.parametrize("head", ['{"hash":"%s","seq":0}' % ("0" * 64), '"cut"'])
def test_a_statement_whose_recorded_head_was_changed_fails_verify(app, runner, backend, dept, head):
    """A statement that no longer records the head it was signed with (here: none, or
    position 0) is refused on its signature, not taken as recording nothing."""
    append_many(app, dept, 2)
    assert append_and_issue(app, dept) == 3
    with behind_the_guards(app, backend) as session:
        if backend == "sqlite":
            guards = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'statements'"
            for name in session.execute(text(guards)).scalars().all():
                session.execute(text(f"DROP TRIGGER {name}"))
        document, number = session.execute(text("SELECT document, number FROM statements")).one()
        changed = re.sub(r'"ledger_head":\{[^}]*\}', lambda _: f'"ledger_head":{head}', document)
        assert changed != document
        session.execute(text("UPDATE statements SET document = :d"), {"d": changed})
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1, result.output
    assert f"statement {number}: its signature does not match (it was changed)" in result.stderr


def test_no_checkpoint_vouches_for_a_broken_chain(app, runner, backend, dept):
    append_many(app, dept, 3)
    with behind_the_guards(app, backend) as session:
        session.execute(text("UPDATE ledger_entries SET minutes = 11 WHERE seq = 2"))
    result = runner.invoke(args=["ledger", "checkpoint"])
    assert result.exit_code == 1
    assert "The ledger does not verify, so no checkpoint was made" in result.stderr
    with app.app_context():
        assert checkpoints.latest() is None


def test_the_daily_job_makes_one_checkpoint_per_move_of_the_head(app, dept):
    append_many(app, dept, 2)
    job = jobs.JOBS["ledger_checkpoint"]
    with app.app_context():
        assert job.function(date(2025, 6, 15)) == "Ledger checkpoint made at position 2"
        db.session.commit()
        assert job.function(date(2025, 6, 16)) == "No new ledger entries since the checkpoint at position 2"
        assert len(checkpoints.published()) == 1


def lock_is_free(backend) -> bool:
    """Whether another connection could take the append lock now (without waiting)."""
    with db.engine.connect() as other:
        if backend == "sqlite":
            raw = other.connection.dbapi_connection
            raw.execute("PRAGMA busy_timeout = 0")
            try:
                raw.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return False
            raw.execute("ROLLBACK")
            return True
        free = other.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": service.LEDGER_LOCK}).scalar()
        other.rollback()
        return free


def while_verifying(monkeypatch, then) -> list[bool]:
    """Make ``service.verify`` have ``then()`` done by another thread (as another
    request would) the first time the chain is verified; whether the append lock was
    free then."""
    free: list[bool] = []
    real = service.verify

    def verify(*args, **kwargs):
        verdict = real(*args, **kwargs)
        if free:  # done already (``then`` may verify too)
            return verdict
        free.append(lock_is_free(db.engine.dialect.name))
        failed: list[BaseException] = []

        def other() -> None:
            try:
                then()
            except BaseException as error:  # noqa: BLE001 (raised again in the test's thread)
                failed.append(error)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the other thread waited for a lock the checkpoint held"
        if failed:
            raise failed[0]
        return verdict

    monkeypatch.setattr(service, "verify", verify)
    return free


@pytest.mark.parametrize("way", ["the daily job", "the command"])
def test_appends_go_on_while_a_checkpoint_verifies_the_whole_chain(app, runner, backend, dept, monkeypatch, way):
    """The whole chain is verified before the append lock is taken (seconds at millions
    of entries); an entry appended meanwhile is checked under the lock and signed."""
    append_many(app, dept, 3)
    checkpoint(runner)
    append_many(app, dept, 2)
    free = while_verifying(monkeypatch, lambda: append_many(app, dept, 1, date(2025, 3, 2)))
    if way == "the daily job":
        assert sched_runner.run(app, "ledger_checkpoint", date(2025, 6, 15)) == "Ledger checkpoint made at position 6"
    else:
        assert "Made checkpoint 2: position 6," in checkpoint(runner)
    assert free == [True]
    with app.app_context():
        made = checkpoints.latest()
        assert [line.split()[0] for line in made.entries.splitlines()] == ["4", "5", "6"]
        assert made.head_hash == service.head()["hash"]
        db.session.rollback()
    monkeypatch.undo()
    assert "OK: 6 entries" in runner.invoke(args=["ledger", "verify"]).output


def append_and_issue(app, dept) -> int:
    """An entry with credit appended, and a statement issued that records it as the
    head; the statement's position."""
    append_credited(app, dept)
    return issue(app, dept)


def append_credited(app, dept) -> None:
    with app.app_context():
        service.record(
            {
                "kind": "mentor_training",
                "occurred_on": date(2025, 3, 1),
                "minutes": 60,
                "accreditation": "Royal College, accredited workshop",
                "confirm_duplicate": True,
            },
            load_actor(dept.ids["mentor"]),
            NOW,
        )
        db.session.commit()


def issue(app, dept) -> int:
    """A statement issued, recording the head as it is; its position."""
    with app.app_context():
        statement = credits.issue(
            dept.ids["mentor"], "royal_college_moc", 2025, load_actor(dept.ids["mentor"]), NOW + timedelta(days=220)
        )
        db.session.commit()
        return statement.ledger_seq


def rewritten(app, backend, start: int) -> None:
    rows = ledger_rows(app)
    with behind_the_guards(app, backend) as session:
        rewrite_from(session, rows, start)


def issued_then(app, dept, backend, change) -> None:
    assert append_and_issue(app, dept) == 6
    rows = ledger_rows(app)
    with behind_the_guards(app, backend) as session:
        change(session, rows)


def issued_over_a_rewrite(app, dept, backend) -> None:
    """The head re-chained, a statement issued that records it so, and the head put back."""
    rows = ledger_rows(app)
    rewritten(app, backend, 4)
    assert issue(app, dept) == 5
    original = rows[4]
    with behind_the_guards(app, backend) as session:
        session.execute(
            text("UPDATE ledger_entries SET note = :n, prev_hash = :p, entry_hash = :h WHERE id = :id"),
            {"n": original["note"], "p": original["prev_hash"], "h": original["entry_hash"], "id": original["id"]},
        )


def previous_digest_changed(app, backend) -> None:
    with behind_the_guards(app, backend) as session:
        session.execute(text("UPDATE ledger_checkpoints SET digest = :d"), {"d": "f" * 64})


# What someone with full database access might do between the whole chain's check and
# the lock, what the checkpoint then says instead of signing, and whether ``ledger
# verify`` can tell afterwards (entries re-chained past the last anchor it cannot: that
# is what the checkpoint would have vouched for).
MEANWHILE = {
    "entries since the last checkpoint re-chained": (
        lambda app, dept, backend: rewritten(app, backend, 3),
        "it changed while it was verified",
        False,
    ),
    "entries re-chained, then one appended": (
        lambda app, dept, backend: (rewritten(app, backend, 3), append_many(app, dept, 1, date(2025, 3, 2))),
        "its link to the previous entry does not match",
        False,
    ),
    "an entry appended and a statement issued, then the entry re-chained": (
        lambda app, dept, backend: issued_then(
            app, dept, backend, lambda session, rows: rewrite_from(session, rows, 5)
        ),
        "differs from the head statement",
        True,
    ),
    "an entry appended and a statement issued, then the entry removed": (
        lambda app, dept, backend: issued_then(
            app, dept, backend, lambda session, rows: session.execute(text("DELETE FROM ledger_entries WHERE seq = 6"))
        ),
        "the ledger ends at position 5, but statement",
        True,
    ),
    "the head re-chained, a statement issued over it, and the head put back": (
        issued_over_a_rewrite,
        "differs from the head statement",
        True,
    ),
    "the last checkpoint's digest changed": (
        lambda app, dept, backend: previous_digest_changed(app, backend),
        "its digest does not match its contents",
        True,
    ),
}


@pytest.mark.parametrize("meanwhile", MEANWHILE)
def test_what_changes_while_a_checkpoint_verifies_is_caught_under_the_lock(
    app, runner, backend, dept, monkeypatch, meanwhile
):
    """The whole chain verified before the lock, then changed before it was taken: the
    checkpoint checks under the lock what could have changed the verdict since, and
    refuses as ``ledger verify`` would."""
    append_credited(app, dept)
    append_many(app, dept, 2)
    checkpoint(runner)
    append_many(app, dept, 2)
    change, expected, told = MEANWHILE[meanwhile]
    while_verifying(monkeypatch, lambda: change(app, dept, backend))
    result = runner.invoke(args=["ledger", "checkpoint"])
    assert result.exit_code == 1, result.output
    assert "The ledger does not verify, so no checkpoint was made" in result.stderr
    assert expected in result.stderr
    with app.app_context():
        assert checkpoints.latest().seq == 3
    monkeypatch.undo()
    assert ("BROKEN" in runner.invoke(args=["ledger", "verify"]).output) == told


def test_a_checkpoint_made_meanwhile_is_followed_on_from(app, runner, backend, dept, monkeypatch):
    """Another checkpoint made while this one verified (a run by hand beside the daily
    job): this one lists only what came after it, checked under the lock."""
    append_many(app, dept, 3)
    checkpoint(runner)
    append_many(app, dept, 2)

    def other_checkpoint() -> None:
        with app.app_context():
            assert checkpoints.make(NOW)[1]
            db.session.commit()
        append_many(app, dept, 1, date(2025, 3, 2))

    while_verifying(monkeypatch, other_checkpoint)
    assert "Made checkpoint 3: position 6," in checkpoint(runner)
    with app.app_context():
        assert [row["seq"] for row in checkpoints.published()] == [3, 5, 6]
        assert [line.split()[0] for line in checkpoints.latest().entries.splitlines()] == ["6"]
        db.session.rollback()
    monkeypatch.undo()
    assert "OK: 6 entries" in runner.invoke(args=["ledger", "verify"]).output


def test_the_daily_job_verifies_nothing_when_nothing_was_appended(app, dept, monkeypatch):
    append_many(app, dept, 2)
    assert sched_runner.run(app, "ledger_checkpoint", date(2025, 6, 15)) == "Ledger checkpoint made at position 2"
    monkeypatch.setattr(service, "verify", lambda *args, **kwargs: pytest.fail("verified with nothing new"))
    assert (
        sched_runner.run(app, "ledger_checkpoint", date(2025, 6, 16))
        == "No new ledger entries since the checkpoint at position 2"
    )


def test_the_admin_page_reports_the_recorded_heads(app, client, runner, login, dept):
    append_many(app, dept, 2)
    checkpoint(runner)
    login(client, "admin")
    page = client.post("/admin/ledger", data={}).get_data(as_text=True)
    assert "The chain is valid." in page
    assert "It agrees with 1 recorded head " in page
    assert "/ledger/checkpoints.json" in page


def test_the_admin_page_checks_a_head_typed_in(app, client, runner, backend, login, dept):
    append_many(app, dept, 3)
    recorded = head_of(runner)
    with behind_the_guards(app, backend) as session:
        session.execute(text("DELETE FROM ledger_entries WHERE seq = 3"))
    login(client, "admin")
    assert "The chain is valid." in client.post("/admin/ledger", data={"head": ""}).get_data(as_text=True)

    page = client.post("/admin/ledger", data={"head": recorded}).get_data(as_text=True)
    assert "<strong>The chain is broken at position 3</strong>: the ledger ends at position 2" in page
    assert "Found by comparing with the head 3:" in page

    refused = client.post("/admin/ledger", data={"head": "3:nothex"})
    assert refused.status_code == 422
    assert "must be SEQ:HASH, a position and a 64-digit hex hash" in refused.get_data(as_text=True)
    assert "The chain is" not in refused.get_data(as_text=True)


def test_checkpoints_and_statements_signed_before_a_key_rotation_still_anchor(app, runner, backend, dept):
    append_many(app, dept, 2)
    assert append_and_issue(app, dept) == 3
    checkpoint(runner)
    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    append_many(app, dept, 1, day=date(2025, 3, 2))
    checkpoint(runner)

    held = runner.invoke(args=["ledger", "verify"])
    assert held.exit_code == 0, held.output

    with behind_the_guards(app, backend) as session:
        session.execute(text("DELETE FROM ledger_entries WHERE seq = 4"))
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "the ledger ends at position 3" in result.stderr
