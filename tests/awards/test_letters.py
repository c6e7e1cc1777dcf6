"""Supporting letters: real small PDFs made with reportlab, checked on upload (size, a real
PDF that opens, not encrypted, not too many pages), at most five per nomination, only while
nominations are open, only from a nominator or the award's admin, and never read by the
nominee. A letter is stored re-written; one that cannot be re-written (a crafted file
nesting its objects thousands of levels deep) is refused."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from recognition.awards.models import Letter, Nomination
from recognition.awards.nominations import letters
from recognition.awards.nominations import service as nominations
from recognition.errors import Conflict, DomainError, Forbidden
from recognition.extensions import db
from tests.support.awards import DAYS, AwardWorld, actor, at

OPEN = DAYS["open"]


def pdf(pages: int = 1, text: str = "In support of this nomination") -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    for number in range(pages):
        page.drawString(72, 720, f"{text}, page {number + 1}")
        page.showPage()
    page.save()
    return out.getvalue()


def encrypted(data: bytes, user_password: str = "secret") -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password, "owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def no_pages() -> bytes:
    out = io.BytesIO()
    PdfWriter().write(out)
    return out.getvalue()


def letters_stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Letter))


def upload(
    world: AwardWorld,
    data: bytes,
    role: str = "admin",
    nominee: str = "mentor",
    day=OPEN,
    filename: str = "letter.pdf",
    author: str = "Dr Ada Lovelace",
):
    nomination = db.session.get(Nomination, world.nomination_ids[nominee])
    return letters.add_letter(nomination, data, filename, author, actor(world.dept, role), day, at(day))


def test_a_real_pdf_is_accepted_with_its_pages_size_and_hash(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        data = pdf(pages=2)
        letter = upload(world, data, filename="../../etc/ada's letter.pdf")
        db.session.commit()
        letter_id = letter.id
        db.session.expunge_all()
        stored = db.session.get(Letter, letter_id)
        # Stored re-written: the copy's own size and hash, and the upload's hash beside them.
        assert (stored.pages, stored.size, stored.sha256) == (
            2,
            len(stored.pdf),
            hashlib.sha256(stored.pdf).hexdigest(),
        )
        assert stored.original_sha256 == hashlib.sha256(data).hexdigest()
        copy = PdfReader(io.BytesIO(stored.pdf))
        assert [page.extract_text().strip() for page in copy.pages] == [
            "In support of this nomination, page 1",
            "In support of this nomination, page 2",
        ]
        assert (stored.author, stored.uploaded_by_id, stored.uploaded_at) == (
            "Dr Ada Lovelace",
            dept.ids["admin"],
            at(OPEN),
        )
        assert "/" not in stored.filename and stored.filename.endswith("ada's letter.pdf")
        nomination = db.session.get(Nomination, world.nomination_ids["mentor"])
        assert [x.id for x in letters.letters(nomination.id)] == [letter_id]
        assert letters.get_letter(nomination, letter_id).id == letter_id


@pytest.mark.parametrize(
    ("make", "rule"),
    [
        (lambda: b"", "is empty: choose a PDF file"),
        (lambda: b"PK\x03\x04 a zip file, not a PDF", "must be a PDF: letter.pdf does not start like one"),
        (lambda: b"<html><body>%PDF-1.4</body></html>", "must be a PDF: letter.pdf does not start like one"),
        (lambda: pdf()[: len(pdf()) // 2], "must be a PDF that opens: letter.pdf is damaged"),  # truncated
        (lambda: pdf()[:400] + b"\x00" * 300 + pdf()[700:], "must be a PDF that opens: letter.pdf is damaged"),
        (lambda: b"%PDF-1.7\nnothing else", "must be a PDF that opens: letter.pdf is damaged"),
        (lambda: encrypted(pdf()), "must not be encrypted or password-protected"),
        (lambda: encrypted(pdf(), user_password=""), "must not be encrypted or password-protected"),
        (no_pages, "has no pages"),
        (lambda: pdf(pages=3), "must be at most 2 pages (this one has 3)"),
    ],
)
def test_a_bad_upload_is_refused_naming_the_rule(app, dept, make, rule):
    with app.app_context():
        world = AwardWorld.build(dept)
        data = make()
        with pytest.raises(DomainError) as refused:
            letters.check_pdf(data, "letter.pdf")
        assert refused.value.status == 422
        assert refused.value.errors == {"letter": [rule]}
        with pytest.raises(DomainError) as refused:
            upload(world, data)
        assert refused.value.errors == {"letter": [rule]}
        assert letters_stored() == 0


def test_the_limits_come_from_the_configuration(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        three_pages = pdf(pages=3)
        app.config["AWARD_LETTER_MAX_PAGES"] = 3
        assert letters.check_pdf(three_pages, "letter.pdf") == 3
        app.config["AWARD_LETTER_MAX_PAGES"] = 1
        with pytest.raises(DomainError) as refused:
            letters.check_pdf(pdf(pages=2), "letter.pdf")
        assert refused.value.errors == {"letter": ["must be at most 1 page (this one has 2)"]}

        app.config["AWARD_LETTER_MAX_PAGES"] = 2
        app.config["AWARD_LETTER_MAX_BYTES"] = 1024
        big = pdf(text="A long letter " * 40)
        assert len(big) > 1024
        with pytest.raises(DomainError) as refused:
            upload(world, big)
        assert refused.value.errors == {"letter": [f"must be at most 1 KB (this one is {len(big) // 1024} KB)"]}
        assert letters_stored() == 0
        app.config["AWARD_LETTER_MAX_BYTES"] = len(big)  # exactly at the limit is allowed
        assert upload(world, big).pages == 1


def test_at_most_five_letters_per_nomination(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        for number in range(5):
            upload(world, pdf(text=f"Letter {number}"), author=f"Author {number}")
        db.session.commit()
        with pytest.raises(Conflict) as refused:
            upload(world, pdf(text="Letter 6"))
        assert refused.value.status == 409
        assert refused.value.errors == {"letter": ["at most 5 letters per nomination"]}
        assert letters_stored() == 5
        # Another nomination has its own five.
        assert upload(world, pdf(), role="outsider", nominee="other_mentee").pages == 1


def test_letters_come_only_from_nominators_and_managers(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)  # the mentor was nominated by the admin
        for role in ("outsider", "mentor", "mentee", "award_committee", "director"):  # mentor: the nominee
            with pytest.raises(Forbidden) as refused:
                upload(world, pdf(), role=role)
            assert refused.value.status == 403
            assert refused.value.errors == {"letter": ["nominators only"]}
        assert letters_stored() == 0
        assert upload(world, pdf(), role="outsider", nominee="other_mentee").uploaded_by_id == dept.ids["outsider"]
        assert upload(world, pdf(), role="admin", nominee="other_mentee").uploaded_by_id == dept.ids["admin"]


def test_no_uploads_after_close(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("closed")
        with pytest.raises(Conflict) as refused:
            upload(world, pdf(), day=DAYS["closed"])
        assert refused.value.errors == {"letter": ["cannot change after nominations close"]}
        assert letters_stored() == 0


def test_letters_are_removed_by_their_uploader_or_a_manager_while_open(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        nominations.nominate(world.cycle, dept.ids["mentor"], "Seconded.", actor(dept, "mentee"), OPEN, at(OPEN))
        nomination = db.session.get(Nomination, world.nomination_ids["mentor"])
        by_mentee = upload(world, pdf(), role="mentee")
        by_admin = upload(world, pdf(), role="admin")
        for role in ("outsider", "mentor"):  # mentor: the nominee
            with pytest.raises(Forbidden) as refused:
                letters.remove_letter(nomination, by_mentee, actor(dept, role), OPEN)
            assert refused.value.errors == {"letter": ["not yours"]}
        with pytest.raises(Forbidden):  # a fellow nominator cannot remove the admin's letter
            letters.remove_letter(nomination, by_admin, actor(dept, "mentee"), OPEN)
        letters.remove_letter(nomination, by_mentee, actor(dept, "admin"), OPEN)  # a manager may
        db.session.commit()
        assert [x.id for x in letters.letters(nomination.id)] == [by_admin.id]

        world.to("closed")
        nomination = db.session.get(Nomination, world.nomination_ids["mentor"])
        letter = letters.get_letter(nomination, by_admin.id)
        with pytest.raises(Conflict) as refused:
            letters.remove_letter(nomination, letter, actor(dept, "admin"), DAYS["closed"])
        assert refused.value.errors == {"letter": ["cannot change after nominations close"]}
        assert letters_stored() == 1


def test_a_letter_of_another_nomination_is_not_found_through_this_one(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        letter = upload(world, pdf(), role="outsider", nominee="other_mentee")
        mentor_nomination = db.session.get(Nomination, world.nomination_ids["mentor"])
        with pytest.raises(DomainError) as refused:
            letters.get_letter(mentor_nomination, letter.id)
        assert refused.value.status == 404


def test_withdrawing_the_last_statement_removes_the_letters_too(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        upload(world, pdf(), role="admin")
        nomination = db.session.get(Nomination, world.nomination_ids["mentor"])
        assert nominations.withdraw(nomination, actor(dept, "promotion_committee"), OPEN, at(OPEN)) is True
        db.session.commit()
        assert letters_stored() == 0


def test_the_nominee_never_reads_the_letters(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)  # promotion_committee nominated the mentor
        nominations.nominate(world.cycle, dept.ids["mentor"], "Seconded.", actor(dept, "outsider"), OPEN, at(OPEN))
        upload(world, pdf(), role="outsider")
        db.session.commit()
        roles = ("admin", "outsider", "mentor", "mentee", "other_mentee", "award_committee", "director")

        def readers() -> dict[str, bool]:
            nomination = db.session.get(Nomination, world.nomination_ids["mentor"])
            return {role: letters.may_read_letters(actor(dept, role), nomination) for role in roles}

        # While open the committee has not started: the nominators and the award's admin read letters.
        assert readers() == {
            "admin": True,
            "outsider": True,
            "mentor": False,
            "mentee": False,
            "other_mentee": False,
            "award_committee": False,
            "director": False,
        }
        world.to("closed")
        assert readers() == {
            "admin": True,
            "outsider": True,
            "mentor": False,
            "mentee": False,
            "other_mentee": False,
            "award_committee": True,
            "director": True,
        }


def deep_pdf(levels: int = 30_000) -> bytes:
    """A one-page PDF whose page resources (an indirect object, so a page can be opened
    without reading them) nest ``levels`` dictionaries deep."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources 4 0 R >>",
        b"<< /A " * levels + b">>" * levels,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_a_pdf_nesting_its_resources_thirty_thousand_levels_is_refused(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        data = deep_pdf()
        assert len(PdfReader(io.BytesIO(data)).pages) == 1  # it opens: the old check let it in
        with pytest.raises(DomainError) as refused:
            upload(world, data, filename="crafted.pdf")
        assert refused.value.status == 422
        assert refused.value.errors == {"letter": ["must be a PDF that opens: crafted.pdf is damaged"]}
        assert "could not be read as a PDF" in refused.value.message
        assert letters_stored() == 0


def test_the_api_refuses_the_crafted_letter_with_the_one_error_shape(app, client, dept, headers):
    from tests.api.error_shape import assert_error

    from .test_api import live

    world = live(app, dept, "open")  # the API works on today's date
    response = client.post(
        world.url("mentor", "/letters"),
        headers=headers("admin"),
        data={"author": "Dr Crafted", "letter": (io.BytesIO(deep_pdf()), "crafted.pdf")},
        content_type="multipart/form-data",
    )
    body = assert_error(response, 422, "letter")
    assert body["errors"]["letter"] == ["must be a PDF that opens: crafted.pdf is damaged"]
    with app.app_context():
        assert letters_stored() == 0
