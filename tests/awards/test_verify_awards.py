"""/verify for awards: the page and the API answer for an award's code as they do for a
credit statement's (genuine, current or revoked with the date, the certificate's facts
and nothing else about the winner), compare an uploaded certificate PDF byte for byte,
count every lookup against the same limit, and check an Open Badges credential against
this deployment's key."""

from __future__ import annotations

import copy
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from recognition.auth.service import load_actor
from recognition.awards.announcement import badges
from recognition.awards.announcement import service as announce
from recognition.awards.cycles import decision
from recognition.awards.models import Grant
from recognition.clock import utcnow
from recognition.credits import canonical, service
from recognition.credits.signing import SigningKey
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.credits.test_views import LAST_YEAR, MOC, earn, page_text
from tests.support.awards import DAYS, AwardWorld, actor, at

API = "/api/v1/verify"
REVOKED_AT = datetime(2026, 6, 2, 9, 30)
REASON = "The committee counted a mentorship twice"
# What an award's verification says, and all it says.
AWARD_FACTS = {
    "genuine",
    "status",
    "kind",
    "name",
    "award",
    "year",
    "awarded_on",
    "issuer",
    "code",
    "revoked_on",
    "content_hash",
    "pdf_sha256",
    "key_id",
}


@dataclass(frozen=True)
class Granted:
    grant_id: int
    code: str
    pdf: bytes
    credential: dict
    content_hash: str
    pdf_sha256: str
    key_id: str


def announce_winner(app, dept) -> Granted:
    """Mentor of the Year 2026 run to its announcement, won by ``mentor``."""
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("closed")
        world.to("review")
        world.score_all(
            {
                "mentor": {"impact": 5, "commitment": 5, "quality": 5, "citizenship": 5},
                "other_mentee": {"impact": 2, "commitment": 2, "quality": 2, "citizenship": 2},
                "other_director": {"impact": 3, "commitment": 3, "quality": 3, "citizenship": 3},
            }
        )
        day = DAYS["decided"]
        decision.decide(world.cycle, [world.nomination_ids["mentor"]], {}, "", actor(dept, "admin"), day, at(day))
        db.session.commit()
        world.to("announced")
        grant = db.session.scalars(db.select(Grant)).one()
        return Granted(
            grant.id,
            grant.code,
            grant.pdf,
            json.loads(grant.credential),
            grant.content_hash,
            grant.pdf_sha256,
            grant.key_id,
        )


def revoke(app, dept, granted: Granted) -> None:
    with app.app_context():
        announce.revoke(db.session.get(Grant, granted.grant_id), REASON, actor(dept, "admin"), REVOKED_AT)
        db.session.commit()


@pytest.fixture
def granted(app, dept) -> Granted:
    return announce_winner(app, dept)


def private_facts(dept) -> list[str]:
    """What verification must never show about the winner or the nomination."""
    return [
        dept.email("mentor"),
        "Cardiology",
        "mentor mentors well.",
        "For sustained, generous mentorship.",
        "Admin Person",
        "person_id",
        "nomination",
    ]


# The API ----------------------------------------------------------------------------------


def test_an_award_code_gives_the_awards_facts_and_nothing_else(app, client, dept, granted):
    response = client.get(f"{API}/{granted.code}")  # no token
    assert response.status_code == 200, response.get_json()
    facts = response.get_json()
    assert facts == {
        "genuine": True,
        "status": "current",
        "kind": "award",
        "name": "Mentor Person",
        "award": "Mentor of the Year",
        "year": 2026,
        "awarded_on": "2026-05-15",
        "issuer": "Department of Medicine",
        "code": canonical.format_code(granted.code),
        "revoked_on": None,
        "content_hash": granted.content_hash,
        "pdf_sha256": granted.pdf_sha256,
        "key_id": granted.key_id,
    }
    text = response.get_data(as_text=True)
    for private in private_facts(dept):
        assert private not in text, private


def test_an_award_code_can_be_typed_like_a_statement_code(client, granted):
    printed = canonical.format_code(granted.code)
    for typed in (printed, printed.lower(), printed.replace("-", " "), granted.code.lower()):
        response = client.get(f"{API}/{typed}")
        assert response.status_code == 200, typed
        assert response.get_json()["award"] == "Mentor of the Year"


def test_a_revoked_award_says_so_with_the_date_but_not_the_reason(app, client, dept, granted):
    revoke(app, dept, granted)
    response = client.get(f"{API}/{granted.code}")
    facts = response.get_json()
    assert set(facts) == AWARD_FACTS
    assert (facts["genuine"], facts["status"], facts["revoked_on"]) == (True, "revoked", "2026-06-02")
    assert "counted a mentorship" not in response.get_data(as_text=True)


def test_an_unknown_code_is_still_not_genuine(client, granted):
    wrong = ("A" if granted.code[0] != "A" else "B") + granted.code[1:]
    assert assert_error(client.get(f"{API}/{wrong}"), 404, "code")["message"].startswith("No certificate has this code")


def test_an_uploaded_award_certificate_is_compared_byte_for_byte(client, granted):
    def upload(code, data):
        return client.post(
            f"{API}/{code}/pdf", data={"file": (io.BytesIO(data), "award.pdf")}, content_type="multipart/form-data"
        )

    same = upload(granted.code.lower(), granted.pdf)
    assert same.status_code == 200, same.get_json()
    assert same.get_json() == {
        "identical": True,
        "message": "This PDF is byte for byte the Mentor of the Year 2026 "
        f"certificate issued under code {canonical.format_code(granted.code)}.",
    }
    changed = bytearray(granted.pdf)
    changed[len(changed) // 2] ^= 0x01
    different = upload(granted.code, bytes(changed))
    assert different.status_code == 200 and different.get_json()["identical"] is False
    assert_error(upload(granted.code, b"I am an award, trust me"), 422, "file")


def test_award_lookups_count_against_the_same_limit(app, client, granted):
    app.config.update(VERIFY_RATE_LIMIT=4, VERIFY_RATE_WINDOW_SECONDS=60)
    assert client.get(f"{API}/{granted.code}").status_code == 200
    assert client.get(f"/verify/{granted.code}").status_code == 200  # the page counts in the same bucket
    assert client.post(f"{API}/credential", json=granted.credential).status_code == 200
    assert client.get(f"{API}/AAAA-BBBB").status_code == 404  # a miss counts too
    assert "code" in assert_error(client.get(f"{API}/{granted.code}"), 429)["errors"]
    assert "credential" in assert_error(client.post(f"{API}/credential", json=granted.credential), 429)["errors"]
    assert client.get(f"/verify/{granted.code}").status_code == 429


# Checking a credential ----------------------------------------------------------------------


def test_a_genuine_credential_is_ours_and_current(client, granted):
    response = client.post(f"{API}/credential", json=granted.credential)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "genuine": True,
        "message": "genuine: the credential is intact and signed by the key its proof names",
        "key_id": granted.key_id,
        "code": canonical.format_code(granted.code),
        "verify_url": f"http://127.0.0.1:5000/verify/{granted.code}",
        "status": "current",
        "revoked_on": None,
    }
    assert granted.credential["id"] == f"http://127.0.0.1:5000/verify/{granted.code}"


def test_a_revoked_awards_credential_still_verifies_but_says_revoked(app, client, dept, granted):
    revoke(app, dept, granted)
    checked = client.post(f"{API}/credential", json=granted.credential).get_json()
    assert (checked["genuine"], checked["status"], checked["revoked_on"]) == (True, "revoked", "2026-06-02")
    assert "revoked on 2026-06-02: do not rely on it" in checked["message"]
    assert REASON not in json.dumps(checked)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c["credentialSubject"].update(name="Someone Else"),
        lambda c: c.update(validFrom="2020-01-01T00:00:00Z"),
        lambda c: c["credentialSubject"]["achievement"].update(name="Chair's Award"),
        lambda c: c["proof"].update(created="2020-01-01T00:00:00Z"),
    ],
    ids=["name", "validFrom", "achievement", "proof-created"],
)
def test_a_changed_credential_is_not_genuine_and_gets_no_status(client, granted, change):
    tampered = copy.deepcopy(granted.credential)
    change(tampered)
    checked = client.post(f"{API}/credential", json=tampered).get_json()
    assert checked["genuine"] is False
    assert "does not match the credential" in checked["message"]
    assert (checked["status"], checked["code"], checked["verify_url"]) == (None, None, None)


def test_a_credential_signed_by_another_key_is_not_ours(client, granted, tmp_path):
    """A forger can re-sign our credential with a key of their own: the proof holds for its
    own did:key, so an offline check passes, but this deployment says it is not ours."""
    forger = SigningKey(Ed25519PrivateKey.generate(), Path(tmp_path / "forger.pem"))
    forged = badges.sign(granted.credential, forger, datetime(2026, 5, 15, 12))
    assert badges.check(forged)[0] is True
    checked = client.post(f"{API}/credential", json=forged).get_json()
    assert checked["genuine"] is False
    assert checked["message"] == "signed by another key than this department's"
    assert checked["status"] is None


@pytest.mark.parametrize(
    "body, fields",
    [
        ({}, ("@context", "id", "type", "issuer", "validFrom", "credentialSubject", "proof")),
        ({"@context": "https://www.w3.org/ns/credentials/v2"}, ("@context",)),
        ({"proof": "zSignature"}, ("proof",)),
        ({"issuer": None, "type": [1]}, ("issuer", "type.0")),
    ],
)
def test_a_body_that_is_not_a_credential_is_refused_naming_the_field(client, granted, body, fields):
    shaped = {**copy.deepcopy(granted.credential), **body} if body else {}
    assert_error(client.post(f"{API}/credential", json=shaped), 422, *fields)


def test_a_credential_checked_elsewhere_keeps_its_extra_members(client, granted):
    """The proof covers every member: one added after signing makes it fail, one the
    schema does not list is passed on to the check as sent."""
    extra = {**granted.credential, "evidence": [{"type": ["Evidence"], "name": "added later"}]}
    assert client.post(f"{API}/credential", json=extra).get_json()["genuine"] is False


def test_the_credential_check_is_public_and_documented(client, granted):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"][f"{API}/credential"]["post"]
    assert not operation.get("security")
    assert {"200", "422", "429"} <= set(operation["responses"])
    verification = document["components"]["schemas"]["Verification"]["properties"]
    assert "award" in verification["kind"]["enum"]
    assert {"award", "year", "awarded_on", "issuer", "code"} <= set(verification)
    assert (
        client.post(
            f"{API}/credential", json=granted.credential, headers={"Authorization": "Bearer nonsense"}
        ).status_code
        == 200
    )


# The page -------------------------------------------------------------------------------------


def test_the_page_says_genuine_award_to_whom_and_nothing_else(app, client, dept, granted):
    response = client.get(f"/verify/{canonical.format_code(granted.code).lower()}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Genuine award: Mentor of the Year 2026 to Mentor Person" in text
    assert "Status: current" in text
    assert "It is current : the award stands and has not been revoked." in text
    assert (
        "Award Mentor of the Year Year 2026 Awarded to Mentor Person Awarded on 15 May 2026 "
        f"Given by Department of Medicine Verification code {canonical.format_code(granted.code)}"
    ) in text
    body = response.get_data(as_text=True)
    for private in private_facts(dept):
        assert private not in body, private


def test_the_page_says_revoked_with_the_date_never_the_reason(app, client, dept, granted):
    revoke(app, dept, granted)
    text = page_text(client.get(f"/verify/{granted.code}"))
    assert "Revoked award: Mentor of the Year 2026 to Mentor Person" in text
    assert "Genuine award" not in text
    assert "Status: revoked" in text
    assert "Revoked on 2 June 2026: do not rely on it." in text
    assert "counted a mentorship" not in text


def test_the_page_compares_an_uploaded_award_certificate(client, granted):
    def upload(data, name):
        return client.post(
            f"/verify/{granted.code}", data={"pdf": (io.BytesIO(data), name)}, content_type="multipart/form-data"
        )

    printed = canonical.format_code(granted.code)
    same = upload(granted.pdf, "award.pdf")
    assert same.status_code == 200
    assert f"Identical. award.pdf is exactly the certificate issued under code {printed}." in page_text(same)
    edited = granted.pdf.replace(b"Mentor Person", b"Mentor Persom", 1) + b"\n%edited"
    different = page_text(upload(edited, "edited.pdf"))
    assert f"Different. edited.pdf is not the file issued under code {printed}" in different
    refused = upload(b"Mentor of the Year 2026", "award.txt")
    assert refused.status_code == 422
    assert "Certificate PDF: must be a PDF file" in page_text(refused)


def test_a_statement_code_and_an_award_code_live_side_by_side(app, client, dept, granted):
    """Issuing a credit statement after an award changes neither's verification."""
    earn(app, dept, minutes=90)
    with app.app_context():
        statement = service.issue(dept.ids["mentor"], MOC, LAST_YEAR, load_actor(dept.ids["mentor"]), utcnow())
        db.session.commit()
        code = statement.code
    assert client.get(f"{API}/{code}").get_json()["kind"] == "credit_statement"
    assert "Genuine certificate:" in page_text(client.get(f"/verify/{code}"))
    assert client.get(f"{API}/{granted.code}").get_json()["kind"] == "award"
