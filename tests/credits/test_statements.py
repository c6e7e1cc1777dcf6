"""Statements: issue, re-issue, revoke, their immutability, offline signature checks,
the public verification facts, and who the year-end batch would issue to."""

from __future__ import annotations

import hashlib
import io
import json
import re
from base64 import b32decode
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from recognition.auth.service import load_actor
from recognition.credits import activities, canonical, profiles, service, signing, verification
from recognition.credits.models import Statement, StatementRevocation
from recognition.errors import Conflict, DomainError, Forbidden, NotFound
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.people.models import Person

from .test_summary import (
    ACCREDITED,
    MOC,
    NOW,
    PAIR_NOTE,
    STEPS,
    meeting,
    mentor_year,
    reflect,
    work,
)

LATER = NOW + timedelta(days=3)
REVOKED_AT = NOW + timedelta(days=10)


def issue(
    dept,
    person: str = "mentor",
    framework_id: str = MOC,
    year: int = 2025,
    *,
    by: str | None = None,
    now: datetime = NOW,
    reissue: bool = False,
) -> Statement:
    """Issue through the service and commit (inside an app context)."""
    statement = service.issue(dept.ids[person], framework_id, year, load_actor(dept.ids[by or person]), now, reissue)
    db.session.commit()
    return statement


def revoke(dept, statement: Statement, reason: str = "Issued against the wrong year.", by: str = "admin"):
    row = service.revoke(statement, reason, load_actor(dept.ids[by]), REVOKED_AT)
    db.session.commit()
    return row


def refused(error_type, call, *args, **kwargs):
    with pytest.raises(error_type) as caught:
        call(*args, **kwargs)
    return caught.value


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def credited(app, dept) -> dict[str, int]:
    """dept.mentor's 2024 and 2025 work (see ``mentor_year``): 8.50 MOC credits in 2025."""
    with app.app_context():
        return mentor_year(dept)


# Issuing ---------------------------------------------------------------------------------


def test_issue_signs_hashes_and_snapshots_the_year(app, dept, credited):
    with app.app_context():
        head = ledger.head()
        statement = issue(dept)

        mentor = dept.ids["mentor"]
        assert (statement.number, statement.version, statement.supersedes_id) == (f"RCM-2025-{mentor:05d}-1", 1, None)
        assert (statement.person_id, statement.framework_id, statement.year) == (mentor, MOC, 2025)
        assert statement.issued_by_id == mentor and statement.issued_at == NOW
        content = statement.document.encode("utf-8")
        assert statement.content_hash == hashlib.sha256(content).hexdigest()
        document = json.loads(statement.document)
        assert canonical.canonical(document) == content  # stored exactly as signed

        key = signing.app_key(app)
        assert signing.verify(key.public, content, statement.signature)
        assert statement.key_id == key.key_id == document["issuer"]["key_id"]
        assert (statement.ledger_seq, statement.ledger_hash) == (head["seq"], head["hash"])
        assert document["ledger_head"] == {"seq": head["seq"], "hash": head["hash"]}
        assert statement.pdf.startswith(b"%PDF")
        assert statement.pdf_sha256 == hashlib.sha256(statement.pdf).hexdigest()

        assert document["type"] == "recognition-credit-statement" and document["format"] == 1
        assert (document["number"], document["version"], document["supersedes"]) == (statement.number, 1, None)
        assert document["person"] == {"id": mentor, "name": "Mentor Person"}
        assert document["framework"]["id"] == MOC and document["framework"]["version"] == "2024-01-01"
        assert document["period"] == {"year": 2025, "label": "2025", "start": "2025-01-01", "end": "2025-12-31"}
        assert [(s["id"], s["credits"]) for s in document["sections"]] == [
            ("section_1", "2.50"),
            ("section_2", "3.00"),
            ("section_3", "3.00"),
        ]
        assert document["total"] == statement.total == "8.50"
        # Only this year's activities that earned something, in date order.
        assert [(a["entry_id"], a["credits"], a["hours"]) for a in document["activities"]] == [
            (credited["reflection"], "3.00", "1.00"),
            (credited["preparation"], "3.00", "1.50"),
            (credited["accredited"], "2.00", "2.00"),
            (credited["unaccredited"], "0.50", "1.00"),
        ]
        hashes = {e.id: e.entry_hash for e in db.session.scalars(select(LedgerEntry))}
        assert all(a["entry_hash"] == hashes[a["entry_id"]] for a in document["activities"])
        assert document["issued_at"] == "2026-01-15T12:00:00Z"
        assert document["verification"] == {
            "code": canonical.format_code(statement.code),
            "url": f"{app.config['BASE_URL']}/verify/{statement.code}",
        }


def test_a_statement_says_nothing_private(app, dept, credited):
    """Neither the reflection's own words nor a note about a mentee reach the signed document."""
    with app.app_context():
        statement = issue(dept)
        mentee = db.session.get(Person, dept.ids["mentee"])
        for secret in (*STEPS.values(), PAIR_NOTE, mentee.name, mentee.email, dept.email("mentor")):
            assert secret not in statement.document


def test_an_admin_issues_anyones_statement_and_nobody_else_does(app, dept, credited):
    with app.app_context():
        error = refused(NotFound, issue, dept, "mentor", by="director")
        assert error.status == 404 and "person_id" in error.errors
        assert count(Statement) == 0
        statement = issue(dept, "mentor", by="admin")
        assert statement.person_id == dept.ids["mentor"] and statement.issued_by_id == dept.ids["admin"]


def test_issuing_twice_is_a_conflict(app, dept, credited):
    with app.app_context():
        first = issue(dept)
        error = refused(Conflict, issue, dept)
        assert error.status == 409 and "year" in error.errors and first.number in error.message
        assert count(Statement) == 1


def test_reissuing_with_nothing_changed_is_a_conflict(app, dept, credited):
    with app.app_context():
        first = issue(dept)
        error = refused(Conflict, issue, dept, now=LATER, reissue=True)
        assert error.status == 409 and "year" in error.errors and first.number in error.message
        assert count(Statement) == 1 and service.status_of(first) == "current"


def test_reissuing_after_new_work_supersedes_the_first_version(app, dept, credited):
    with app.app_context():
        first = issue(dept)
        first_document, first_hash = first.document, first.content_hash
        extra = work(dept, "mentor", "mentoring_preparation", date(2025, 11, 1), 60, now=LATER)
        db.session.commit()

        second = issue(dept, now=LATER, reissue=True)

        assert (second.version, second.supersedes_id) == (2, first.id)
        assert second.number == first.number[:-1] + "2"
        document = json.loads(second.document)
        assert (document["version"], document["supersedes"]) == (2, first.number)
        assert document["total"] == "10.50" and extra in [a["entry_id"] for a in document["activities"]]
        assert second.code != first.code and second.content_hash != first.content_hash
        assert service.status_of(first) == "superseded"
        assert service.status_of(second) == "current"
        assert service.statuses([first.id, second.id]) == {first.id: "superseded", second.id: "current"}
        assert service.current_version(first).id == second.id
        db.session.expire_all()
        stored = db.session.get(Statement, first.id)
        assert (stored.document, stored.content_hash) == (first_document, first_hash)


def test_a_reversed_entry_changes_what_a_reissue_counts(app, dept, credited):
    with app.app_context():
        issue(dept)
        ledger.reverse(
            db.session.get(LedgerEntry, credited["preparation"]), "Not mine.", load_actor(dept.ids["mentor"]), LATER
        )
        db.session.commit()
        second = issue(dept, now=LATER, reissue=True)
        document = json.loads(second.document)
        assert document["total"] == "5.50"
        assert credited["preparation"] not in [a["entry_id"] for a in document["activities"]]


@pytest.mark.parametrize("year", [2023, 2026, 2027, 1900])
def test_a_year_with_no_credits_cannot_have_a_statement(app, dept, credited, year):
    """2023 has no work, 2026 none yet, 2027 is in the future, 1900 is nonsense."""
    with app.app_context():
        error = refused(DomainError, issue, dept, year=year)
        assert error.status == 422 and list(error.errors) == ["year"]
        assert count(Statement) == 0


def test_work_that_earns_nothing_gives_no_statement(app, dept):
    """Mentoring time itself earns no MOC credit."""
    with app.app_context():
        meeting(dept, date(2025, 2, 1))
        db.session.commit()
        assert list(refused(DomainError, issue, dept).errors) == ["year"]


# Revoking --------------------------------------------------------------------------------


def test_revoke_records_reason_and_date(app, dept, credited):
    with app.app_context():
        statement = issue(dept)
        row = revoke(dept, statement, "  Issued against the wrong year.  ")
        assert service.status_of(statement) == "revoked"
        assert service.statuses([statement.id]) == {statement.id: "revoked"}
        stored = service.revocation_of(statement.id)
        assert (stored.reason, stored.revoked_at, stored.revoked_by_id) == (
            "Issued against the wrong year.",
            REVOKED_AT,
            dept.ids["admin"],
        )
        assert row.statement_id == statement.id

        error = refused(Conflict, revoke, dept, statement, "Again.")
        assert error.status == 409 and count(StatementRevocation) == 1


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 2001])
def test_revoke_needs_a_reason(app, dept, credited, reason):
    with app.app_context():
        statement = issue(dept)
        error = refused(DomainError, revoke, dept, statement, reason)
        assert error.status == 422 and list(error.errors) == ["reason"]
        assert service.status_of(statement) == "current"


@pytest.mark.parametrize("role", ["mentor", "director", "award_committee"])
def test_only_an_admin_revokes(app, dept, credited, role):
    with app.app_context():
        statement = issue(dept)
        error = refused(Forbidden, revoke, dept, statement, by=role)
        assert error.status == 403
        assert service.status_of(statement) == "current" and count(StatementRevocation) == 0


def test_a_revoked_statement_stays_revoked_when_reissued(app, dept, credited):
    with app.app_context():
        first = issue(dept)
        revoke(dept, first)
        # A plain issue still sees the revoked one; a re-issue with the same basis is allowed.
        assert refused(Conflict, issue, dept, now=LATER).status == 409
        second = issue(dept, now=LATER, reissue=True)

        assert (second.version, second.supersedes_id) == (2, first.id)
        assert service.status_of(first) == "revoked"
        assert service.status_of(second) == "current"
        assert service.statuses([first.id, second.id]) == {first.id: "revoked", second.id: "current"}


# Immutability ----------------------------------------------------------------------------

REFUSED = {
    "update a statement": {"sqlite": ["UPDATE statements SET total = '99.00' WHERE id = {statement}"]},
    "update every statement": {"sqlite": ["UPDATE statements SET pdf_sha256 = 'x'"]},
    "delete a statement": {"sqlite": ["DELETE FROM statements WHERE id = {statement}"]},
    "update a revocation": {"sqlite": ["UPDATE statement_revocations SET reason = 'Never mind'"]},
    "delete a revocation": {"sqlite": ["DELETE FROM statement_revocations WHERE statement_id = {revoked}"]},
    "truncate": {
        "sqlite": ["DELETE FROM statement_revocations", "DELETE FROM statements"],
        "postgresql": ["TRUNCATE statement_revocations", "TRUNCATE statements CASCADE"],
    },
    "replace a row": {
        "sqlite": [
            "INSERT OR REPLACE INTO statements SELECT * FROM statements WHERE id = {statement}",
            "INSERT OR REPLACE INTO statement_revocations SELECT * FROM statement_revocations",
        ],
        "postgresql": [
            (
                "INSERT INTO statements SELECT * FROM statements WHERE id = {statement} "
                "ON CONFLICT (id) DO UPDATE SET total = '99.00'"
            ),
            (
                "INSERT INTO statement_revocations SELECT * FROM statement_revocations "
                "ON CONFLICT (statement_id) DO UPDATE SET reason = 'Never mind'"
            ),
        ],
    },
}


def snapshot(app) -> list[list[tuple]]:
    """Every statement and revocation row as stored, read in a fresh session."""
    with app.app_context():
        return [
            list(db.session.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all())
            for table in ("statements", "statement_revocations")
        ]


@pytest.fixture
def two_statements(app, dept, credited) -> dict:
    """The mentor's statement, revoked, and the other mentor's, current."""
    with app.app_context():
        revoked = issue(dept)
        revoke(dept, revoked)
        statement = issue(dept, "other_mentor")
        ids = {"revoked": revoked.id, "statement": statement.id}
    assert [len(rows) for rows in snapshot(app)] == [2, 1]
    return ids


@pytest.mark.parametrize("what", REFUSED)
def test_raw_sql_cannot_change_or_remove_statements(app, backend, two_statements, what):
    before = snapshot(app)
    by_backend = REFUSED[what]
    for statement in by_backend.get(backend, by_backend["sqlite"]):
        statement = statement.format(**two_statements)
        with app.app_context():
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert snapshot(app) == before, statement


def test_the_orm_cannot_edit_or_delete_a_statement(app, two_statements):
    before = snapshot(app)
    with app.app_context():
        db.session.get(Statement, two_statements["statement"]).total = "99.00"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.get(StatementRevocation, two_statements["revoked"]).reason = "Never mind"
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(StatementRevocation, two_statements["revoked"]))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.commit()
        db.session.rollback()
    assert snapshot(app) == before


def test_issuing_reissuing_and_revoking_only_ever_insert(app, dept, credited):
    """Every statement the service sends while a statement lives its whole life: none
    updates or deletes a statement or revocation row."""
    sent: list[str] = []
    with app.app_context():
        engine = db.engine

    def watch(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", watch)
    try:
        with app.app_context():
            first = issue(dept)
            revoke(dept, first)
            second = issue(dept, now=LATER, reissue=True)
            revoke(dept, second)
            issue(dept, now=LATER, reissue=True)
    finally:
        event.remove(engine, "before_cursor_execute", watch)

    touching = [s for s in sent if re.search(r"\bstatements\b|\bstatement_revocations\b", s)]
    assert sum(s.lstrip().upper().startswith("INSERT INTO STATEMENTS") for s in touching) == 3
    assert sum(s.lstrip().upper().startswith("INSERT INTO STATEMENT_REVOCATIONS") for s in touching) == 2
    writes = [
        s
        for s in touching
        if re.match(r"\s*(UPDATE|DELETE|TRUNCATE|REPLACE)\b", s, re.IGNORECASE)
        or re.search(r"\bOR\s+REPLACE\b|\bON\s+CONFLICT\b", s, re.IGNORECASE)
    ]
    assert writes == []


# Offline signature checks --------------------------------------------------------------------


@pytest.fixture
def signed(app, dept, credited) -> tuple[dict, str]:
    """A statement as ``signed_json`` gives it, through JSON, and the published key's PEM."""
    with app.app_context():
        payload = canonical.signed_json(issue(dept))
        pem = signing.app_key(app).public_pem()
    return json.loads(json.dumps(payload)), pem


def test_a_signed_statement_verifies_offline_with_the_published_key(signed):
    payload, pem = signed
    assert set(payload) == {"document", "content_hash", "signature", "algorithm", "key_id"}
    assert payload["algorithm"] == "Ed25519"
    public = signing.load_public_pem(pem)
    assert payload["key_id"] == signing.key_id(public)
    ok, message = canonical.check_signed(payload, public)
    assert ok is True and "genuine" in message


CHANGES = {
    "total": lambda d: d.update(total="80.50"),
    "name": lambda d: d["person"].update(name="Someone Else"),
    "year": lambda d: d["period"].update(year=2024, label="2024"),
    "credits": lambda d: d["activities"][0].update(credits="30.00"),
    "dropped activity": lambda d: d["activities"].pop(),
    "ledger head": lambda d: d["ledger_head"].update(seq=d["ledger_head"]["seq"] + 1),
    "added field": lambda d: d.update(note="Certified by the Dean"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_to_the_document_breaks_its_content_hash(signed, change):
    payload, pem = signed
    CHANGES[change](payload["document"])
    ok, message = canonical.check_signed(payload, signing.load_public_pem(pem))
    assert ok is False and "content hash" in message


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_with_a_recomputed_hash_breaks_the_signature(signed, change):
    payload, pem = signed
    CHANGES[change](payload["document"])
    payload["content_hash"] = hashlib.sha256(canonical.canonical(payload["document"])).hexdigest()
    ok, message = canonical.check_signed(payload, signing.load_public_pem(pem))
    assert ok is False and "signature" in message


def test_a_document_signed_by_another_key_fails(signed, tmp_path):
    payload, pem = signed
    other, made = signing.ensure_key(tmp_path / "elsewhere")
    assert made and other.public_pem() != pem
    forged = {**payload, "signature": other.sign(canonical.canonical(payload["document"])), "key_id": other.key_id}
    ok, message = canonical.check_signed(forged, signing.load_public_pem(pem))
    assert ok is False and "signature" in message
    # And the genuine statement does not verify with someone else's key.
    ok, message = canonical.check_signed(payload, other.public)
    assert ok is False and "signature" in message
    # The other key does vouch for what it signed: the refusal above is about the key.
    assert canonical.check_signed(forged, other.public)[0] is True


@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: p.pop("signature"),
        lambda p: p.pop("document"),
        lambda p: p.update(signature="not base64 at all ☃"),
        lambda p: p.update(signature=""),
        lambda p: p.update(content_hash=None),
    ],
)
def test_a_malformed_signed_statement_is_refused(signed, mangle):
    payload, pem = signed
    mangle(payload)
    ok, message = canonical.check_signed(payload, signing.load_public_pem(pem))
    assert ok is False and message


@pytest.mark.parametrize("payload", [[], "a statement", None, 42])
def test_something_that_is_not_a_signed_statement_is_refused(signed, payload):
    ok, message = canonical.check_signed(payload, signing.load_public_pem(signed[1]))
    assert ok is False and "not a signed statement" in message


@pytest.mark.parametrize("signature", [12345, None, ["abc"], {"sig": "abc"}])
def test_a_signature_of_the_wrong_type_is_refused_not_a_crash(signed, signature):
    """Uploaded JSON may hold anything: a non-string signature is simply not genuine."""
    payload, pem = signed
    payload["signature"] = signature
    ok, message = canonical.check_signed(payload, signing.load_public_pem(pem))
    assert ok is False and message


# Verification ---------------------------------------------------------------------------------

FACTS = {
    "genuine",
    "status",
    "kind",
    "number",
    "name",
    "framework",
    "period",
    "credits",
    "unit",
    "sections",
    "issued_on",
    "revoked_on",
    "current_number",
    "current_code",
    "content_hash",
    "pdf_sha256",
    "key_id",
}


def test_verification_gives_the_minimum_facts(app, dept, credited):
    with app.app_context():
        statement = issue(dept)
        facts = verification.verification(statement.code)
        assert set(facts) == FACTS
        assert facts == {
            "genuine": True,
            "status": "current",
            "kind": "credit_statement",
            "number": statement.number,
            "name": "Mentor Person",
            "framework": "Royal College MOC Program",
            "period": "2025",
            "credits": "8.50",
            "unit": "credits",
            "sections": [
                {"id": "section_1", "label": "Section 1: Group learning", "credits": "2.50"},
                {"id": "section_2", "label": "Section 2: Self-learning", "credits": "3.00"},
                {"id": "section_3", "label": "Section 3: Assessment", "credits": "3.00"},
            ],
            "issued_on": date(2026, 1, 15),
            "revoked_on": None,
            "current_number": None,
            "current_code": None,
            "content_hash": statement.content_hash,
            "pdf_sha256": statement.pdf_sha256,
            "key_id": statement.key_id,
        }
        # Nothing else personal: no activities, no ids, no contact details.
        shown = json.dumps(facts, default=str)
        for private in (ACCREDITED, "Reflection on feedback", dept.email("mentor"), *STEPS.values()):
            assert private not in shown


def test_verification_shows_each_state(app, dept, credited):
    with app.app_context():
        first = issue(dept)
        work(dept, "mentor", "mentoring_preparation", date(2025, 11, 1), 60, now=LATER)
        db.session.commit()
        second = issue(dept, now=LATER, reissue=True)

        old = verification.verification(first.code)
        assert (old["status"], old["current_number"], old["current_code"]) == ("superseded", second.number, second.code)
        assert (old["credits"], old["revoked_on"]) == ("8.50", None)
        new = verification.verification(second.code)
        assert (new["status"], new["current_number"], new["current_code"], new["credits"]) == (
            "current",
            None,
            None,
            "10.50",
        )

        revoke(dept, second)
        new = verification.verification(second.code)
        assert (new["status"], new["revoked_on"]) == ("revoked", REVOKED_AT.date())
        # The superseded one no longer points at a revoked version's code.
        old = verification.verification(first.code)
        assert (old["status"], old["current_number"], old["current_code"]) == ("superseded", second.number, None)


def test_unknown_codes_find_nothing(app, dept, credited):
    with app.app_context():
        statement = issue(dept)
        changed = ("A" if statement.code[0] != "A" else "B") + statement.code[1:]
        for code in (changed, "", "   ", "----", statement.code[:-1], statement.code * 2, "X" * 500):
            assert verification.verification(code) is None, code


def test_codes_are_normalised(app, dept, credited):
    with app.app_context():
        statement = issue(dept)
        code = statement.code
        for typed in (
            canonical.format_code(code),
            code.lower(),
            canonical.format_code(code).lower(),
            " ".join(code[i : i + 4] for i in range(0, 24, 4)),
            f"  {code[:12]} - {code[12:].lower()}\n",
        ):
            facts = verification.verification(typed)
            assert facts is not None and facts["number"] == statement.number, typed


def test_codes_have_at_least_80_bits_and_differ(app, dept, credited):
    with app.app_context():
        statements = [issue(dept), issue(dept, "other_mentor"), issue(dept, "mentor", "ama_pra")]
        codes = [s.code for s in statements]
        for code in codes:
            assert re.fullmatch(r"[A-Z2-7]{24}", code), code
            assert len(b32decode(code)) * 8 >= 80
        assert len(set(codes)) == len(codes)
        assert canonical.format_code(codes[0]).count("-") == 5


# The year-end batch: who is eligible ------------------------------------------------------------


def test_eligible_lists_people_with_credits_and_no_statement(app, dept, credited):
    with app.app_context():
        # The director's ten minutes of preparation earn MOC credit (2/h, to 0.01) but no
        # AMA credit (1/h, down to 0.25); the mentee's meeting work is the mentor's.
        # 7 minutes earn MOC credit (0.12 hour) but nothing under AMA (nearest quarter hour: 0).
        work(dept, "director", "mentoring_preparation", date(2025, 9, 1), 7)
        meeting(dept, date(2025, 9, 2), by="mentee")
        db.session.commit()
        ids = dept.ids

        assert activities.eligible(2025) == sorted(
            [(ids["mentor"], MOC), (ids["other_mentor"], MOC), (ids["director"], MOC)]
        )
        assert activities.eligible(2024) == [(ids["mentor"], MOC)]
        assert activities.eligible(2023) == []

        issue(dept)
        assert activities.eligible(2025) == sorted([(ids["other_mentor"], MOC), (ids["director"], MOC)])
        # A revoked statement still counts as issued: the batch never re-issues it.
        revoke(dept, service.latest(ids["mentor"], MOC, 2025))
        assert (ids["mentor"], MOC) not in activities.eligible(2025)


def test_eligible_uses_each_persons_framework_unless_one_is_named(app, dept, credited):
    with app.app_context():
        ids = dept.ids
        # 7 minutes earn MOC credit (0.12 hour) but nothing under AMA (nearest quarter hour: 0).
        work(dept, "director", "mentoring_preparation", date(2025, 9, 1), 7)
        profiles.set_profile(ids["other_mentor"], "ama_pra", None, load_actor(ids["other_mentor"]), NOW)
        db.session.commit()

        assert activities.eligible(2025) == sorted(
            [(ids["mentor"], MOC), (ids["other_mentor"], "ama_pra"), (ids["director"], MOC)]
        )
        # --framework ama_pra: everyone with AMA credits, whatever their own framework.
        assert activities.eligible(2025, "ama_pra") == sorted(
            [(ids["mentor"], "ama_pra"), (ids["other_mentor"], "ama_pra")]
        )
        assert activities.eligible(2025, MOC) == sorted(
            [(ids["mentor"], MOC), (ids["other_mentor"], MOC), (ids["director"], MOC)]
        )

        statement = issue(dept, "mentor", "ama_pra")
        assert statement.number.startswith("AP-2025-")
        assert activities.eligible(2025, "ama_pra") == [(ids["other_mentor"], "ama_pra")]
        assert (ids["mentor"], MOC) in activities.eligible(2025)

        assert "framework" in refused(DomainError, activities.eligible, 2025, "no_such_framework").errors


def test_a_statement_certifies_the_capped_credits_with_the_reason(app, dept):
    """A 10-hour reflection earns 6 Section 3 credits (2 hours at 3 an hour), not 30: the
    signed document, its total, the certificate and the verification facts say 6, and
    the activity's note says why."""
    with app.app_context():
        reflect(dept, "mentor", date(2025, 3, 1), 600)
        db.session.commit()
        statement = issue(dept)
        document = json.loads(statement.document)
        [activity] = document["activities"]
        assert (activity["minutes"], activity["hours"], activity["credits"]) == (600, "10.00", "6.00")
        assert activity["note"] == "capped: 6 credits at most for one activity of reflection_on_feedback"
        assert document["total"] == statement.total == "6.00"
        assert [s["credits"] for s in document["sections"] if s["id"] == "section_3"] == ["6.00"]
        assert verification.verification(statement.code)["credits"] == "6.00"
        text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(statement.pdf)).pages)
        assert "capped: 6 credits at most for one activity" in text
        assert "30.00" not in text
