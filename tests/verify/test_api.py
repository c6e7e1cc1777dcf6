"""/api/v1/verify: anyone, without a token, learns whether a certificate is genuine and
its state, and nothing else personal; PDFs are compared byte for byte; signed JSON
checks offline with the published key; lookups are rate-limited per client address."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from recognition.clock import local_date, utcnow
from recognition.credits import canonical, signing
from recognition.verify import api as verify_api
from tests.api.error_shape import assert_error
from tests.credits.test_api import AREA, YEAR, issue, record_work, reflect

URL = "/api/v1/verify"
PUBLIC_FACTS = {
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
    "current_verify_url",
    "content_hash",
    "pdf_sha256",
    "key_id",
}


@pytest.fixture
def statement(client, dept, headers) -> dict:
    record_work(client, headers)
    return issue(client, headers)


def verify(client, code, **kwargs):
    return client.get(f"{URL}/{code}", **kwargs)


def upload(client, code, data: bytes, filename="certificate.pdf"):
    return client.post(
        f"{URL}/{code}/pdf", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def signed_of(client, headers, statement) -> dict:
    return json.loads(client.get(statement["links"]["signed"], headers=headers("mentor")).data.decode("utf-8"))


def test_a_current_certificate_shows_the_minimum_facts_to_anyone(app, client, dept, statement):
    response = verify(client, statement["code"])
    assert response.status_code == 200, response.get_json()
    facts = response.get_json()
    assert set(facts) == PUBLIC_FACTS
    assert facts == {
        "genuine": True,
        "status": "current",
        "kind": "credit_statement",
        "number": statement["number"],
        "name": "Mentor Person",
        "framework": "Royal College MOC Program",
        "period": str(YEAR),
        "credits": "9.50",
        "unit": "credits",
        "sections": [
            {"id": "section_1", "label": "Section 1: Group learning", "credits": "3.00"},
            {"id": "section_2", "label": "Section 2: Self-learning", "credits": "2.00"},
            {"id": "section_3", "label": "Section 3: Assessment", "credits": "4.50"},
        ],
        "issued_on": statement["issued_at"][:10],
        "revoked_on": None,
        "current_number": None,
        "current_verify_url": None,
        "content_hash": statement["content_hash"],
        "pdf_sha256": statement["pdf_sha256"],
        "key_id": statement["key_id"],
    }
    text = response.get_data(as_text=True)
    for private in (dept.email("mentor"), AREA, "Teaching evaluation", "activities", "person_id"):
        assert private not in text


def test_only_sections_with_credits_are_shown(client, dept, headers):
    reflect(client, headers)
    statement = issue(client, headers)
    facts = verify(client, statement["code"]).get_json()
    assert facts["sections"] == [{"id": "section_3", "label": "Section 3: Assessment", "credits": "4.50"}]


def test_codes_are_accepted_however_they_are_typed(client, statement):
    code = statement["code"]
    raw = code.replace("-", "")
    for typed in (code, raw, code.lower(), raw.lower(), code.replace("-", " "), f" {code} ".replace("-", "- ")):
        response = verify(client, typed)
        assert response.status_code == 200, typed
        assert response.get_json()["number"] == statement["number"]


@pytest.mark.parametrize("code", ["AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "x", "-", "é" * 30, "A" * 300])
def test_an_unknown_code_is_not_genuine(client, statement, code):
    body = assert_error(verify(client, code), 404, "code")
    assert body["message"] == verify_api.UNKNOWN
    assert "not genuine" in body["message"]


def test_a_superseded_certificate_points_to_the_current_one(client, dept, headers, statement):
    reflect(client, headers, minutes=60)
    second = issue(client, headers, reissue=True)
    facts = verify(client, statement["code"]).get_json()
    assert (facts["status"], facts["genuine"], facts["credits"]) == ("superseded", True, "9.50")
    assert facts["current_number"] == second["number"]
    assert facts["current_verify_url"] == second["verify_url"]
    current = verify(client, second["code"]).get_json()
    assert (current["status"], current["current_number"], current["current_verify_url"]) == ("current", None, None)


def test_a_revoked_certificate_says_so_with_the_date_but_not_the_reason(client, dept, headers, statement):
    response = client.post(
        f"/api/v1/statements/{statement['id']}/revocation",
        json={"reason": "Counted a training twice"},
        headers=headers("admin"),
    )
    assert response.status_code == 201
    facts = verify(client, statement["code"]).get_json()
    assert set(facts) == PUBLIC_FACTS
    assert (facts["status"], facts["genuine"]) == ("revoked", True)
    revoked_at = datetime.fromisoformat(response.get_json()["revoked_at"])
    # The department's day of the revocation (in the evening in Toronto, UTC is already tomorrow).
    assert facts["revoked_on"] == local_date(revoked_at.astimezone(UTC).replace(tzinfo=None)).isoformat()
    assert "Counted a training twice" not in json.dumps(facts)
    # Replaced after the revocation: the old one stays revoked and names its successor.
    second = issue(client, headers, reissue=True)
    facts = verify(client, statement["code"]).get_json()
    assert (facts["status"], facts["current_number"], facts["current_verify_url"]) == (
        "revoked",
        second["number"],
        second["verify_url"],
    )


def test_an_uploaded_pdf_is_compared_byte_for_byte(client, headers, statement):
    pdf = client.get(statement["links"]["pdf"], headers=headers("mentor")).data
    same = upload(client, statement["code"].lower(), pdf)
    assert same.status_code == 200, same.get_json()
    assert same.get_json()["identical"] is True and statement["number"] in same.get_json()["message"]

    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    different = upload(client, statement["code"], bytes(changed))
    assert different.status_code == 200
    assert different.get_json()["identical"] is False

    assert_error(upload(client, statement["code"], b"Hello, I am a certificate", "certificate.pdf"), 422, "file")
    assert_error(upload(client, statement["code"], b""), 422, "file")
    assert_error(
        client.post(f"{URL}/{statement['code']}/pdf", data={}, content_type="multipart/form-data"), 422, "file"
    )
    assert_error(upload(client, "AAAA-BBBB", pdf), 404, "code")


def test_an_upload_larger_than_the_limit_is_refused(app, client, statement):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    body = assert_error(upload(client, statement["code"], b"%PDF-" + b"0" * (128 * 1024)), 413, "file")
    assert body["errors"]["file"] == ["must be at most 65,536 bytes"]


def test_the_signed_json_verifies_offline_with_the_published_key(client, headers, statement):
    published = client.get(f"{URL}/key")
    assert published.status_code == 200
    key = published.get_json()
    assert (key["algorithm"], key["key_id"]) == ("Ed25519", statement["key_id"])
    public = signing.load_public_pem(key["public_key_pem"])
    payload = signed_of(client, headers, statement)

    # Offline: no app, no database, only the key.
    assert canonical.check_signed(payload, public) == (True, "genuine: the document is intact and signed by this key")

    tampered = json.loads(json.dumps(payload))
    tampered["document"]["total"] = "99.00"
    genuine, why = canonical.check_signed(tampered, public)
    assert genuine is False and "content hash" in why
    tampered["content_hash"] = canonical.sha256(canonical.canonical(tampered["document"]))
    genuine, why = canonical.check_signed(tampered, public)
    assert genuine is False and "signature" in why
    stranger = Ed25519PrivateKey.generate().public_key()
    assert canonical.check_signed(payload, stranger)[0] is False


def test_the_deployment_checks_a_signed_json_for_people_without_tools(client, headers, statement):
    payload = signed_of(client, headers, statement)
    response = client.post(f"{URL}/signed", json=payload)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "genuine": True,
        "message": "genuine: the document is intact and signed by this key",
        "key_id": statement["key_id"],
        "number": statement["number"],
        "status": "current",
    }

    client.post(
        f"/api/v1/statements/{statement['id']}/revocation", json={"reason": "Wrong person"}, headers=headers("admin")
    )
    assert client.post(f"{URL}/signed", json=payload).get_json()["status"] == "revoked"

    tampered = json.loads(json.dumps(payload))
    tampered["document"]["person"]["name"] = "Someone Else"
    tampered["content_hash"] = canonical.sha256(canonical.canonical(tampered["document"]))
    refused = client.post(f"{URL}/signed", json=tampered).get_json()
    assert (refused["genuine"], refused["number"], refused["status"]) == (False, None, None)

    assert_error(client.post(f"{URL}/signed", json={"signature": "x"}), 422, "document", "content_hash")
    assert_error(client.post(f"{URL}/signed", json={**payload, "document": "text"}), 422, "document")
    bad_signature = client.post(f"{URL}/signed", json={**payload, "signature": "!!not base64!!"})
    assert bad_signature.status_code == 200 and bad_signature.get_json()["genuine"] is False


def test_lookups_are_rate_limited_per_client_address(app, client, statement, monkeypatch):
    app.config.update(VERIFY_RATE_LIMIT=3, VERIFY_RATE_WINDOW_SECONDS=60)
    # Wrong guesses count as much as right ones, and a forged X-Forwarded-For does not
    # make a new client (no proxy is trusted by default).
    assert verify(client, "AAAA-BBBB").status_code == 404
    assert verify(client, statement["code"], headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 200
    assert upload(client, statement["code"], b"not a pdf").status_code == 422
    for attempt in (
        lambda: verify(client, statement["code"]),
        lambda: verify(client, "AAAA-BBBB", headers={"X-Forwarded-For": "10.8.8.8"}),
        lambda: client.get(f"{URL}/key"),
    ):
        body = assert_error(attempt(), 429)
        assert "Too many requests" in body["message"] and body["errors"]
    assert "code" in assert_error(verify(client, statement["code"]), 429)["errors"]

    other = verify(client, statement["code"], environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200, "another address has its own count"

    later = utcnow() + timedelta(seconds=61)
    monkeypatch.setattr(verify_api, "utcnow", lambda: later)
    assert verify(client, statement["code"]).status_code == 200, "the window passes"


def test_verification_is_public_and_documented_so(client, statement):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            if path.startswith(URL + "/"):
                assert not operation.get("security"), (method, path)
                assert "429" in operation["responses"], (method, path)
            elif path.startswith(("/api/v1/credits", "/api/v1/statements")):
                assert operation["security"] == [{"bearerAuth": []}], (method, path)
    # A token, even a bad one, changes nothing.
    assert verify(client, statement["code"], headers={"Authorization": "Bearer nonsense"}).status_code == 200
