"""/admin/ledger: the chain head to record elsewhere, and a button that verifies the chain."""

from __future__ import annotations

import re

from sqlalchemy import text

from recognition.extensions import db
from recognition.ledger import chain, service


def test_an_empty_ledger_shows_the_genesis_head(client, dept, login):
    body = login(client, "admin").get("/admin/ledger").get_data(as_text=True)
    assert "<dt>Position</dt><dd>0</dd>" in body
    assert f'<code class="hash" id="head-hash">{chain.GENESIS}</code>' in body
    assert "no entries yet" in body


def test_the_head_is_shown_with_advice_to_record_it_elsewhere(app, client, dept, login, record):
    record("mentor")
    record("mentee")
    with app.app_context():
        head = service.head()
    body = login(client, "admin").get("/admin/ledger").get_data(as_text=True)
    assert "<h1>The ledger's hash chain</h1>" in body
    assert "<dt>Position</dt><dd>2</dd>" in body
    assert f'<code class="hash" id="head-hash">{head["hash"]}</code>' in body
    assert "Record this position and hash somewhere outside the database" in body
    assert '<button type="submit">Verify the whole chain now</button>' in body
    assert "The chain is" not in body  # no verdict until asked


def test_verifying_an_intact_chain(client, dept, login, record, ledger_rows):
    for _ in range(3):
        record("mentor")
    login(client, "admin")
    before = ledger_rows()
    response = client.post("/admin/ledger")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<strong>The chain is valid.</strong> 3 entries checked;" in body
    assert "the head is at position 3" in body
    assert ledger_rows() == before  # checking writes nothing


def test_verifying_a_tampered_chain_names_the_first_bad_entry(app, client, dept, login, record, backend):
    ids = [record("mentor", note=f"meeting {i}") for i in range(3)]
    with app.app_context():  # what someone with direct database access could do
        if backend == "sqlite":
            db.session.execute(text("DROP TRIGGER ledger_entries_no_update"))
        else:
            db.session.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only"))
        db.session.execute(text("UPDATE ledger_entries SET minutes = 300 WHERE seq = 2"))
        db.session.commit()
    body = login(client, "admin").post("/admin/ledger").get_data(as_text=True)
    assert re.search(
        rf"<strong>The chain is broken at position 2</strong> \(entry id {ids[1]}\): its contents do not match its hash",
        body,
    )
    assert "1 entry before it checked out" in body
    assert "The chain is valid" not in body
