"""The award certificate a winner receives at the announcement: the stored PDF names the
award, the year and the winner, prints the verification code and URL, carries a QR code
that reads back as that URL, and embeds every font it uses."""

from __future__ import annotations

import hashlib

from recognition.awards.models import Grant
from recognition.credits import canonical
from recognition.extensions import db
from tests.credits.test_certificate import flat, fonts_of, qr_codes, read, text_of

from .test_verify_awards import announce_winner


def test_the_stored_certificate_states_the_award_and_how_to_verify_it(app, dept):
    granted = announce_winner(app, dept)
    with app.app_context():
        grant = db.session.get(Grant, granted.grant_id)
        pdf, code = grant.pdf, grant.code
        assert hashlib.sha256(pdf).hexdigest() == grant.pdf_sha256
    url = f"http://127.0.0.1:5000/verify/{code}"
    assert pdf.startswith(b"%PDF-")
    assert len(read(pdf).pages) == 1
    text = text_of(pdf)
    assert "Mentor of the Year" in text
    assert "2026" in text
    assert "IS PRESENTED TO Mentor Person" in text
    assert "Awarded on 15 May 2026" in text
    assert "For sustained, generous mentorship." in text
    assert f"VERIFICATION CODE {canonical.format_code(code)}" in text
    # A long URL may be broken across lines: compare without spaces.
    assert url in text.replace(" ", ""), text
    assert granted.key_id in text and granted.content_hash in text.replace(" ", "")
    assert dept.email("mentor") not in text


def test_the_qr_code_reads_back_as_the_verification_url(app, dept):
    granted = announce_winner(app, dept)
    assert qr_codes(granted.pdf) == [f"http://127.0.0.1:5000/verify/{granted.code}"]


def test_every_font_of_the_certificate_is_embedded(app, dept):
    granted = announce_winner(app, dept)
    for page in read(granted.pdf).pages:
        fonts = fonts_of(page)
        assert fonts
        for font in fonts:
            assert font["/Subtype"] == "/TrueType", font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
    names = {font["/BaseFont"].split("+")[1] for font in fonts_of(read(granted.pdf).pages[0])}
    assert "DejaVuSans" in names, names


def test_the_certificate_says_who_issued_it_in_its_metadata(app, dept):
    granted = announce_winner(app, dept)
    info = read(granted.pdf).metadata
    assert info.title == "Mentor of the Year 2026: Mentor Person"
    assert info.author == "Department of Medicine"
    assert flat(info.subject) == "Award certificate, Mentor of the Year 2026"
