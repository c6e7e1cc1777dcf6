"""The public verification pages: genuine or not, current, superseded or revoked, with
only the minimum facts; the PDF comparison; the published key; the rate limit."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import select

from recognition.auth.service import load_actor
from recognition.clock import local_date, utcnow
from recognition.credits import canonical, service, signing
from recognition.credits.models import Statement
from recognition.extensions import db
from recognition.ratelimit import RateHit
from tests.credits.test_views import AREA, LAST_YEAR, MOC, earn, page_text
from tests.pages.test_page_csrf import token_from


def issue(app, dept, reissue: bool = False) -> tuple[int, str]:
    """The mentor's statement for last year, issued through the service: (id, code)."""
    with app.app_context():
        statement = service.issue(
            dept.ids["mentor"], MOC, LAST_YEAR, load_actor(dept.ids["mentor"]), utcnow(), reissue=reissue
        )
        db.session.commit()
        return statement.id, statement.code


def revoke(app, dept, statement_id: int, reason: str = "Issued in error") -> None:
    with app.app_context():
        service.revoke(db.session.get(Statement, statement_id), reason, load_actor(dept.ids["admin"]), utcnow())
        db.session.commit()


def stored_pdf(app, statement_id: int) -> bytes:
    with app.app_context():
        return db.session.get(Statement, statement_id).pdf


def long_date(day) -> str:
    return f"{day.day} {day:%B %Y}"


@pytest.fixture
def issued(app, dept) -> tuple[int, str]:
    earn(app, dept, minutes=90)  # 4.50 Section 3 credits
    return issue(app, dept)


# What the page says ------------------------------------------------------------------------


def test_a_current_certificate_is_genuine_with_the_minimum_facts(app, client, dept, issued):
    _, code = issued
    response = client.get(f"/verify/{code}")  # nobody signed in
    assert response.status_code == 200
    text = page_text(response)
    number = f"RCM-{LAST_YEAR}-{dept.ids['mentor']:05d}-1"
    assert f"Genuine certificate: {number}" in text
    assert "Genuine. Department of Medicine issued this credit statement. Status: current ." in text
    assert "It is current : the latest version of this statement, and not revoked." in text
    assert (
        f"Name Mentor Person Framework Royal College MOC Program Period {LAST_YEAR} Credits 4.50 credits "
        f"Section 3: Assessment: 4.50 Issued on {long_date(utcnow().date())} Statement number {number}"
    ) in text
    assert canonical.format_code(code) in text
    # Nothing else about the person: no email, no activities, no reflection, no one's id.
    body = response.get_data(as_text=True)
    for private in (dept.email("mentor"), "360 review", AREA, "Reflection on feedback", "Section 1", "Sign out"):
        assert private not in body


@pytest.mark.parametrize("typed", ["{dashed}", "{dashed_lower}", " {dashed} ", "{spaced}"])
def test_the_code_can_be_typed_with_dashes_spaces_or_in_lower_case(app, client, issued, typed):
    _, code = issued
    dashed = canonical.format_code(code)
    value = typed.format(dashed=dashed, dashed_lower=dashed.lower(), spaced=dashed.replace("-", " "))
    assert "Verify a certificate" in page_text(client.get("/verify"))
    response = client.get("/verify", query_string={"code": value})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{code}"
    assert "Status: current" in page_text(client.get(f"/verify/{dashed.lower()}"))


@pytest.mark.parametrize("typed", ["", "---", "x" * 61])
def test_a_code_that_cannot_be_one_is_refused_naming_the_field(client, dept, typed):
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 422
    assert "Verification code:" in page_text(response)


def test_an_unknown_code_is_not_genuine(client, dept, issued):
    _, code = issued
    wrong = ("A" if code[0] != "A" else "B") + code[1:]
    response = client.get(f"/verify/{wrong}")
    assert response.status_code == 404
    text = page_text(response)
    assert "Not found: no certificate has this code" in text
    assert "Not genuine." in text
    assert "Mentor Person" not in text
    assert client.get("/verify/not-a-code-at-all").status_code == 404


def test_a_superseded_certificate_links_to_the_current_version(app, client, dept, issued):
    _, first_code = issued
    earn(app, dept, minutes=60, day=20)
    second_id, second_code = issue(app, dept, reissue=True)
    text = page_text(client.get(f"/verify/{first_code}"))
    second_number = f"RCM-{LAST_YEAR}-{dept.ids['mentor']:05d}-2"
    assert "Genuine." in text and "Status: superseded" in text
    assert f"a newer version, {second_number}, replaces it." in text
    assert f'href="/verify/{second_code}"' in client.get(f"/verify/{first_code}").get_data(as_text=True)
    assert "Credits 4.50 credits" in text  # the facts are the old version's own
    assert "Status: current" in page_text(client.get(f"/verify/{second_code}"))
    assert "Credits 7.50 credits" in page_text(client.get(f"/verify/{second_code}"))

    # When the newer version is revoked, there is nothing current to send anyone to.
    revoke(app, dept, second_id)
    body = client.get(f"/verify/{first_code}").get_data(as_text=True)
    assert f'href="/verify/{second_code}"' not in body
    assert "The newer version has been revoked." in page_text(client.get(f"/verify/{first_code}"))


def test_a_revoked_certificate_says_so_with_the_date(app, client, dept, issued):
    statement_id, code = issued
    revoke(app, dept, statement_id, reason="Counted another person's reflection")
    response = client.get(f"/verify/{code}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Genuine certificate" not in text
    assert "Revoked certificate: " in text and "Status: revoked" in text
    assert f"Revoked on {long_date(local_date(utcnow()))}: do not rely on it." in text
    assert "It is genuine" in text
    assert "another person" not in text  # the reason is for the owner and admins, not the public

    # Re-issued after the revocation: the revoked one points to the new, current version.
    _, new_code = issue(app, dept, reissue=True)
    assert f'href="/verify/{new_code}"' in client.get(f"/verify/{code}").get_data(as_text=True)


# Comparing an uploaded PDF ----------------------------------------------------------------


def upload(client, code: str, data: bytes, name: str = "certificate.pdf", **extra):
    return client.post(
        f"/verify/{code}", data={"pdf": (io.BytesIO(data), name), **extra}, content_type="multipart/form-data"
    )


def test_the_issued_pdf_is_identical_and_a_changed_one_is_not(app, client, dept, issued):
    statement_id, code = issued
    pdf = stored_pdf(app, statement_id)
    response = upload(client, code, pdf, "mine.pdf")
    assert response.status_code == 200
    text = page_text(response)
    assert "Identical. mine.pdf is exactly the certificate issued as" in text

    changed = pdf.replace(b"Mentor Person", b"Mentor Persom", 1) if b"Mentor Person" in pdf else pdf + b"\n%changed"
    assert hashlib.sha256(changed).hexdigest() != hashlib.sha256(pdf).hexdigest()
    text = page_text(upload(client, code, changed, "edited.pdf"))
    assert "Different. edited.pdf is not the file issued as" in text
    assert "Identical" not in text


def test_a_file_that_is_not_a_pdf_is_refused_naming_the_field(app, client, dept, issued):
    _, code = issued
    response = upload(client, code, b"Name: Mentor Person\nCredits: 400\n", "certificate.txt")
    assert response.status_code == 422
    text = page_text(response)
    assert "The file was not checked" in text
    assert "Certificate PDF: must be a PDF file; this file is not one" in text
    assert "Identical" not in text and "Different." not in text
    response = client.post(f"/verify/{code}", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Certificate PDF: is required" in page_text(response)


def test_the_upload_form_works_for_a_visitor_with_csrf_on(app, csrf_client, dept, issued):
    statement_id, code = issued
    pdf = stored_pdf(app, statement_id)
    refused = upload(csrf_client, code, pdf)
    assert refused.status_code == 400
    assert "The CSRF token is missing." in page_text(refused)
    token = token_from(csrf_client.get(f"/verify/{code}").get_data(as_text=True))
    response = upload(csrf_client, code, pdf, csrf_token=token)
    assert response.status_code == 200
    assert "Identical." in page_text(response)


# The key and the rate limit ----------------------------------------------------------------


def test_the_public_key_is_published_as_text(app, client, dept, issued):
    response = client.get("/verify/key.pem")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    key = load_pem_public_key(response.data)
    assert isinstance(key, Ed25519PublicKey)
    with app.app_context():
        statement = db.session.get(Statement, issued[0])
        assert signing.key_id(key) == statement.key_id
        assert signing.verify(key, statement.document.encode("utf-8"), statement.signature)
    assert 'href="/verify/key.pem"' in client.get(f"/verify/{issued[1]}").get_data(as_text=True)


def test_the_offline_check_the_page_explains_works(app, client, dept, login, issued, tmp_path, monkeypatch, capsys):
    """The Python printed on the page, run as printed on a downloaded statement and key."""
    statement_id, code = issued
    body = client.get(f"/verify/{code}").get_data(as_text=True)
    program = html.unescape(re.search(r"<pre><code>(.*?)</code></pre>", body, re.DOTALL).group(1))
    (tmp_path / "key.pem").write_bytes(client.get("/verify/key.pem").data)
    login(client, "mentor")
    (tmp_path / "statement.json").write_bytes(client.get(f"/credits/statements/{statement_id}.json").data)
    monkeypatch.chdir(tmp_path)
    exec(compile(program, "verify-page", "exec"), {})
    assert capsys.readouterr().out == "genuine\n"
    # A changed statement fails the same check.
    signed = json.loads((tmp_path / "statement.json").read_text(encoding="utf-8"))
    signed["document"]["total"] = "400.00"
    (tmp_path / "statement.json").write_text(json.dumps(signed), encoding="utf-8")
    with pytest.raises(AssertionError):
        exec(compile(program, "verify-page", "exec"), {})


def test_too_many_checks_get_a_readable_429(app, client, dept, issued):
    _, code = issued
    app.config.update(VERIFY_RATE_LIMIT=3, VERIFY_RATE_WINDOW_SECONDS=60)
    assert [client.get(f"/verify/{code}").status_code for _ in range(2)] == [200, 200]
    assert client.get("/verify/UNKNOWNCODE").status_code == 404  # a miss counts too
    response = client.get(f"/verify/{code}")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    text = page_text(response)
    assert "Too many checks from your address" in text
    assert "at most 3 every minute" in text
    assert "Mentor Person" not in text
    with app.app_context():  # the window passes: old hits are pruned and checking works again
        for hit in db.session.scalars(select(RateHit)):
            hit.at -= timedelta(seconds=61)
        db.session.commit()
    assert client.get(f"/verify/{code}").status_code == 200
