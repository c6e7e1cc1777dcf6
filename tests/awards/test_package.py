"""One PDF package per nomination: cover pages with the statements, the philosophy and the
evidence, then every letter exactly as uploaded; for the committee and the award's
administrators, never the nominee or a recused member."""

from __future__ import annotations

import io

from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from recognition.auth.service import load_actor
from recognition.awards.models import Nomination
from recognition.awards.nominations import letters
from recognition.awards.nominations import service as nominations
from recognition.extensions import db
from tests.support.awards import DAYS, AwardWorld, at

LETTER_TEXT = "I write in strong support of this nomination"


def letter_pdf(pages: int) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for page in range(pages):
        canvas.drawString(72, 720, f"{LETTER_TEXT}, page {page + 1}.")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def build(app, dept) -> AwardWorld:
    """The test cycle, with a philosophy and two letters (1 and 2 pages) on mentor's
    nomination, moved to review (evidence frozen)."""
    with app.app_context():
        world = AwardWorld.build(dept)
        nomination = db.session.get(Nomination, world.nomination_ids["mentor"])
        nominations.set_philosophy(
            nomination, "I mentor by asking questions.", load_actor(dept.ids["mentor"]), DAYS["open"], at(DAYS["open"])
        )
        admin = load_actor(dept.ids["admin"])
        for author, pages in (("Dr One", 1), ("Dr Two", 2)):
            letters.add_letter(
                nomination, letter_pdf(pages), f"{author}.pdf", author, admin, DAYS["open"], at(DAYS["open"])
            )
        db.session.commit()
        world.to("closed")
        world.to("review")
        return world


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), " ".join(page.extract_text() for page in reader.pages)


def test_a_committee_member_downloads_the_whole_nomination_as_one_pdf(app, client, dept, headers):
    world = build(app, dept)
    nomination_id = world.nomination_ids["mentor"]
    with app.app_context():
        frozen = db.session.get(Nomination, nomination_id).evidence_hash

    response = client.get(f"/api/v1/nominations/{nomination_id}/package", headers=headers("award_committee"))

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages, text = text_of(response.data)
    assert "Mentor Person" in text and "Mentor of the Year 2026" in text
    assert "Statement by Promotion Committee Person" in text and "mentor mentors well." in text
    assert "I mentor by asking questions." in text
    assert "Mentee Person" in text and frozen in text.replace("\n", "").replace(" ", "")
    assert "1. Dr One: 1 page" in text and "2. Dr Two: 2 pages" in text
    letters = [
        page for page in range(pages) if LETTER_TEXT in PdfReader(io.BytesIO(response.data)).pages[page].extract_text()
    ]
    assert letters == [pages - 3, pages - 2, pages - 1], "the three letter pages come last, in upload order"


def test_the_package_is_for_the_committee_and_administrators_only(app, client, dept, headers, login):
    world = build(app, dept)
    mentor_nomination = world.nomination_ids["mentor"]
    recused_from = world.nomination_ids["other_mentee"]
    url = "/api/v1/nominations/{}/package"
    assert client.get(url.format(mentor_nomination), headers=headers("admin")).status_code == 200
    assert client.get(url.format(mentor_nomination), headers=headers("mentor")).status_code == 403  # the nominee
    assert client.get(url.format(mentor_nomination), headers=headers("outsider")).status_code == 404
    assert client.get(url.format(recused_from), headers=headers("other_mentor")).status_code == 404  # recused
    assert client.get(url.format(world.nomination_ids["other_mentee"]), headers=headers("outsider")).status_code == 403

    page = f"/awards/nominations/{mentor_nomination}/package.pdf"
    member = login(app.test_client(), "award_committee")
    detail = member.get(f"/awards/nominations/{mentor_nomination}").get_data(as_text=True)
    assert f'href="{page}"' in detail
    download = member.get(page)
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    nominee = login(app.test_client(), "mentor")
    assert page not in nominee.get(f"/awards/nominations/{mentor_nomination}").get_data(as_text=True)
    assert nominee.get(page).status_code == 404


def test_a_stored_letter_that_cannot_be_read_is_replaced_by_a_page_and_the_rest_still_renders(
    app, client, dept, headers
):
    """A crafted letter stored before letters were re-written on upload (put straight
    into the table): the package still answers, with the good letters and a page in the
    bad one's place, for every reader who may download it."""
    import hashlib

    from recognition.awards.models import Letter
    from recognition.clock import utcnow

    from .test_letters import deep_pdf

    world = build(app, dept)
    nomination_id = world.nomination_ids["mentor"]
    crafted = deep_pdf()
    with app.app_context():
        db.session.add(
            Letter(
                nomination_id=nomination_id,
                uploaded_by_id=dept.ids["admin"],
                author="Dr Crafted",
                filename="crafted.pdf",
                pages=1,
                size=len(crafted),
                sha256=hashlib.sha256(crafted).hexdigest(),
                pdf=crafted,
                uploaded_at=utcnow(),
            )
        )
        db.session.commit()

    for reader in ("award_committee", "admin"):
        response = client.get(f"/api/v1/nominations/{nomination_id}/package", headers=headers(reader))
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        pages, text = text_of(response.data)
        assert "3. Dr Crafted" in text and "could not be included" in text
        assert "Letter 3 could not be included" in text and "download it separately" in text.replace("\n", " ")
        with_letters = [
            page
            for page in range(pages)
            if LETTER_TEXT in PdfReader(io.BytesIO(response.data)).pages[page].extract_text()
        ]
        assert len(with_letters) == 3, "the two good letters' three pages are all there"
