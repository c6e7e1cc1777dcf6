"""The optional ``accreditation`` of mentor training (what makes it Section 1 / Category 1
credit): recorded through the API, refused elsewhere, covered by the hash chain only when
present, so every entry chained before it existed hashes as it always did."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from recognition.extensions import db
from recognition.ledger import chain
from recognition.ledger.models import LedgerEntry
from recognition.ledger.rules import DIRECT_KINDS, MAX_ACCREDITATION

from .conftest import ledger_count, ledger_rows
from .test_chain import FIELDS, an_entry
from .test_tamper import assert_detected, tamper

URL = "/api/v1/contributions"
ACCREDITED = "Royal College accredited group learning, CPD-1234 — Zoë's session"


def training(**changes) -> dict:
    return {"kind": "mentor_training", "occurred_on": "2025-03-01", "minutes": 90, "note": "Workshop", **changes}


def assert_error(response, status: int, field: str) -> dict:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"} and body["code"] == status
    assert field in body["errors"] and all(isinstance(rule, str) and rule for rule in body["errors"][field]), body
    return body


def assert_chain_valid(client, runner, headers, entries: int) -> None:
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"OK: {entries} entries")
    body = client.get("/api/v1/ledger/verify", headers=headers("admin")).get_json()
    assert body["valid"] is True and body["checked"] == entries


def test_accredited_training_is_stored_and_the_chain_stays_valid(app, client, dept, headers, runner):
    response = client.post(URL, json=training(accreditation=f"  {ACCREDITED}  "), headers=headers("mentor"))
    assert response.status_code == 201, response.get_json()
    entry = response.get_json()
    assert entry["accreditation"] == ACCREDITED  # trimmed
    assert client.get(f"{URL}/{entry['id']}", headers=headers("mentor")).get_json()["accreditation"] == ACCREDITED
    [row] = ledger_rows(app)
    assert row["accreditation"] == ACCREDITED

    # The hash covers the accreditation: recomputed without it, it would not match.
    fields = {**{key: row[key] for key in FIELDS}, "chain_version": row["chain_version"], "id": row["id"]}
    assert row["entry_hash"] == chain.entry_hash({**fields, "accreditation": ACCREDITED})
    assert row["entry_hash"] != chain.entry_hash(fields)

    # Training without accreditation, explicit null included, and other kinds alongside.
    # (Other days: the same training twice on one day is asked about, see test_duplicates.py.)
    assert (
        client.post(
            URL, json=training(accreditation=None, occurred_on="2025-03-03"), headers=headers("mentor")
        ).get_json()["accreditation"]
        is None
    )
    assert (
        client.post(URL, json=training(occurred_on="2025-03-04"), headers=headers("mentor")).get_json()["accreditation"]
        is None
    )
    meeting = {"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": "2025-03-02", "minutes": 30}
    assert client.post(URL, json=meeting, headers=headers("mentee")).status_code == 201
    assert (
        client.post(
            URL, json=training(accreditation="CFPC certified, 2 credits"), headers=headers("other_mentor")
        ).status_code
        == 201
    )
    assert_chain_valid(client, runner, headers, 5)


def test_an_admin_records_accredited_training_for_someone(client, dept, headers):
    body = training(accreditation=ACCREDITED, person_id=dept.ids["mentor"])
    entry = client.post(URL, json=body, headers=headers("admin")).get_json()
    assert (entry["person_id"], entry["recorded_by_id"], entry["accreditation"]) == (
        dept.ids["mentor"],
        dept.ids["admin"],
        ACCREDITED,
    )


@pytest.mark.parametrize("kind", [kind for kind in DIRECT_KINDS if kind != "mentor_training"])
def test_accreditation_is_only_for_mentor_training(app, client, dept, headers, kind):
    body = {"kind": kind, "occurred_on": "2025-03-01", "minutes": 30, "accreditation": ACCREDITED}
    if kind in ("meeting", "academic_plan_review", "peer_group_session"):
        body["mentorship_id"] = dept.mentorship_id
    body = assert_error(client.post(URL, json=body, headers=headers("mentor")), 422, "accreditation")
    assert "mentor training" in body["errors"]["accreditation"][0]
    assert ledger_count(app) == 0


@pytest.mark.parametrize("accreditation", ["", "   ", "\t\n", "x" * (MAX_ACCREDITATION + 1), " " * 201])
def test_blank_or_too_long_accreditation_is_refused(app, client, headers, accreditation):
    assert_error(
        client.post(URL, json=training(accreditation=accreditation), headers=headers("mentor")), 422, "accreditation"
    )
    assert ledger_count(app) == 0


@pytest.mark.parametrize("accreditation", [42, ["CPD-1"], {"body": "RC"}])
def test_accreditation_must_be_text(app, client, headers, accreditation):
    assert_error(
        client.post(URL, json=training(accreditation=accreditation), headers=headers("mentor")), 422, "accreditation"
    )
    assert ledger_count(app) == 0


def test_accreditation_of_exactly_the_limit_is_kept_whole(client, headers):
    text = "é" * MAX_ACCREDITATION
    response = client.post(URL, json=training(accreditation=text), headers=headers("mentor"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["accreditation"] == text


# Hashing: unchanged for entries without it -------------------------------------------------

PINNED = (
    '{"entry_type":"contribution","kind":"meeting","mentorship_id":7,"minutes":45,'
    '"note":"Zoë — 会议","occurred_on":"2025-03-01","person_id":3,'
    f'"prev_hash":"{"0" * 64}","reason":null,"recorded_at":"2025-03-02T09:30:05.000120Z",'
    '"recorded_by_id":3,"seq":1,"target_id":null}'
).encode()


def test_an_entry_without_accreditation_hashes_exactly_as_before():
    """The encoding pinned in test_chain.py, from a model row that has the new column empty."""
    entry = LedgerEntry(**an_entry(), accreditation=None)
    fields = entry.hashed_fields()
    assert "accreditation" not in fields and set(fields) == set(FIELDS)
    assert chain.canonical(fields) == PINNED
    assert chain.entry_hash(fields) == hashlib.sha256(PINNED).hexdigest()


def test_an_entry_with_accreditation_hashes_it_too():
    entry = LedgerEntry(**an_entry(kind="mentor_training", mentorship_id=None), accreditation="CPD-1")
    fields = entry.hashed_fields()
    assert fields["accreditation"] == "CPD-1" and set(fields) == {*FIELDS, "accreditation"}
    assert b'"accreditation":"CPD-1"' in chain.canonical(fields)
    other = LedgerEntry(**an_entry(kind="mentor_training", mentorship_id=None), accreditation="CPD-2")
    unaccredited = LedgerEntry(**an_entry(kind="mentor_training", mentorship_id=None))
    hashes = {chain.entry_hash(e.hashed_fields()) for e in (entry, other, unaccredited)}
    assert len(hashes) == 3


def test_stored_entries_without_accreditation_hash_their_original_fields(app, client, dept, headers):
    """Through the whole app: an entry without accreditation is the 13 fields it always was,
    with its chain version and id."""
    client.post(URL, json=training(), headers=headers("mentor"))
    client.post(
        URL,
        json={"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": "2025-03-02", "minutes": 30},
        headers=headers("mentor"),
    )
    rows = ledger_rows(app)
    assert len(rows) == 2
    for row in rows:
        assert row["accreditation"] is None
        assert row["entry_hash"] == chain.entry_hash(
            {**{key: row[key] for key in FIELDS}, "chain_version": chain.CHAIN_VERSION, "id": row["id"]}
        )


# Tampering --------------------------------------------------------------------------------------


@pytest.fixture
def three_entries(app, client, dept, headers) -> list[dict]:
    """A meeting, accredited training, unaccredited training."""
    meeting = {"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": "2025-03-01", "minutes": 30}
    for body in (meeting, training(accreditation=ACCREDITED), training(occurred_on="2025-03-09")):
        assert client.post(URL, json=body, headers=headers("mentor")).status_code == 201
    rows = ledger_rows(app)
    assert [row["accreditation"] for row in rows] == [None, ACCREDITED, None]
    return rows


TAMPERING = {
    "changed": (2, "UPDATE ledger_entries SET accreditation = 'Royal College accredited, CPD-9999' WHERE seq = 2"),
    "removed": (2, "UPDATE ledger_entries SET accreditation = NULL WHERE seq = 2"),
    "added to training": (3, "UPDATE ledger_entries SET accreditation = 'Accredited' WHERE seq = 3"),
    "added to a meeting": (1, "UPDATE ledger_entries SET accreditation = 'Accredited' WHERE seq = 1"),
}


@pytest.mark.parametrize("how", TAMPERING)
def test_tampering_with_accreditation_is_detected(app, client, runner, headers, backend, three_entries, how):
    seq, statement = TAMPERING[how]
    target = three_entries[seq - 1]
    tamper(app, backend, statement)
    changed = ledger_rows(app)[seq - 1]
    assert changed["accreditation"] != target["accreditation"]  # the change really landed

    assert_detected(app, client, runner, headers, target["id"], seq, "contents do not match")


def test_accreditation_cannot_be_edited_through_the_guard(app, three_entries):
    """With the append-only triggers in place, the column is as frozen as the rest."""
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("UPDATE ledger_entries SET accreditation = 'Accredited' WHERE seq = 3"))
        db.session.rollback()
    assert ledger_rows(app) == three_entries


def test_an_accredited_entry_is_reversed_like_any_other(app, client, runner, headers, three_entries):
    accredited = three_entries[1]
    response = client.post(
        f"{URL}/{accredited['id']}/reversal", json={"reason": "Wrong course."}, headers=headers("mentor")
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["accreditation"] is None  # the reversal is its own entry
    assert_chain_valid(client, runner, headers, 4)
    assert ledger_rows(app)[1] == accredited
    assert date.fromisoformat(response.get_json()["occurred_on"]) == accredited["occurred_on"]
