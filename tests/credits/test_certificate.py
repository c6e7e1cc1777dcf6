"""The PDF certificate: what a physician files and a verifier reads back.

Most tests render a hand-made statement document (no database, so they run once); the
last one issues a real statement through the app, on both backends.
"""

from __future__ import annotations

import hashlib
import io
import threading

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from recognition.credits.canonical import canonical, new_code
from recognition.credits.certificate import qr
from recognition.credits.statement_pdf import render

URL = "https://recognition.example.org/verify/ABCDEFGHIJKLMNOPQRSTUVWX"
SETTINGS = {
    "department": "Department of Medicine",
    "logo": None,
    "signatory": "Dr. Ada Chair, Chair of Medicine",
    "instance_path": "/nonexistent",
}
TITLES = (
    "Reflection on feedback received: teaching evaluation",
    "Mentor training: Entering Mentoring module",
    "Preparation for mentoring meetings",
)
SECTIONS = ("section_3", "section_1", "section_2")
LABELS = {
    "section_1": "Section 1: Group learning",
    "section_2": "Section 2: Self-learning",
    "section_3": "Section 3: Assessment",
}


def statement(name: str = "Zoë Ångström-Nguyễn", activities: int = 3, **changes) -> dict:
    """A statement document shaped like the one ``service.prepare`` signs."""
    rows = [
        {
            "entry_id": n,
            "entry_hash": hashlib.sha256(str(n).encode()).hexdigest(),
            "date": f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            "kind": "feedback_reflection",
            "title": f"{TITLES[n % 3]} no. {n}",
            "minutes": 90,
            "hours": "1.50",
            "section": SECTIONS[n % 3],
            "credits": "1.50",
            "note": "",
        }
        for n in range(1, activities + 1)
    ]
    per_section = {s: sum(1.5 for r in rows if r["section"] == s) for s in SECTIONS}
    document = {
        "type": "recognition-credit-statement",
        "format": 1,
        "number": "RCM-2025-00042-1",
        "version": 1,
        "supersedes": None,
        "issuer": {
            "department": "Department of Medicine",
            "base_url": "https://recognition.example.org",
            "key_id": "0123456789abcdef",
        },
        "person": {"id": 42, "name": name},
        "framework": {
            "id": "royal_college_moc",
            "name": "Royal College MOC Program",
            "unit": "credits",
            "version": "2024-01-01",
        },
        "period": {"year": 2025, "label": "2025", "start": "2025-01-01", "end": "2025-12-31"},
        "sections": [{"id": key, "label": LABELS[key], "credits": f"{per_section[key]:.2f}"} for key in sorted(LABELS)],
        "total": f"{1.5 * activities:.2f}",
        "activities": rows,
        "ledger_head": {"seq": 8131, "hash": hashlib.sha256(b"head").hexdigest()},
        "issued_at": "2026-01-02T05:00:00Z",
        "verification": {"code": "ABCD-EFGH-IJKL-MNOP-QRST-UVWX", "url": URL},
    }
    return {**document, **changes}


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    """The PDF's text with runs of whitespace made single spaces (line breaks vary)."""
    return flat("\n".join(page.extract_text() for page in read(pdf).pages))


def flat(text: str) -> str:
    return " ".join(text.split())


def fonts_of(page) -> list:
    return [font.get_object() for font in page["/Resources"]["/Font"].values()]


def images_of(page) -> list:
    objects = page["/Resources"].get("/XObject") or {}
    return [o.get_object() for o in objects.values() if o.get_object()["/Subtype"] == "/Image"]


def qr_codes(pdf: bytes, page: int = 0) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page].render(scale=3).to_pil()
    finally:
        document.close()
    return [found.text for found in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize(
    "name", ["Zoë Ångström-Nguyễn", "Łukasz Żółć", "Σοφία Παπαδοπούλου", "Анна Петрова", "O'Brien & <Smith>"]
)
def test_the_certificate_names_the_person_as_written(name):
    pdf = render(statement(name), SETTINGS)

    assert pdf.startswith(b"%PDF-")
    first = read(pdf).pages[0].extract_text()
    assert name in first
    assert "Statement of Continuing Professional" in first and "Royal College MOC Program" in first


def test_the_certificate_states_the_credits_and_how_to_verify_them():
    document = statement(activities=2)  # sections 1 and 2 only: section 3 earns nothing
    pdf = render(document, SETTINGS)
    text = text_of(pdf)

    assert "3.00 credits" in text  # the total
    assert "Section 1: Group learning 1.50 credits" in text
    assert "Section 2: Self-learning 1.50 credits" in text
    assert "Section 3: Assessment 0.00 credits" in text
    assert "1 January 2025 – 31 December 2025" in text
    assert "framework version 2024-01-01" in text
    for expected in (
        "RCM-2025-00042-1",
        "ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
        URL,
        "Status at issue: current",
        "Dr. Ada Chair, Chair of Medicine",
        "for the Department of Medicine",
        "2 January 2026",
        document["ledger_head"]["hash"],
        "entry 8131",
    ):
        assert expected in text, expected
    # The hash printed is the SHA-256 of the signed document's canonical JSON.
    assert f"Content hash (SHA-256) {hashlib.sha256(canonical(document)).hexdigest()}" in text


def test_a_reissue_says_what_it_supersedes_and_no_signatory_means_no_signature_line():
    pdf = render(
        statement(number="RCM-2025-00042-2", version=2, supersedes="RCM-2025-00042-1"), {**SETTINGS, "signatory": None}
    )
    text = text_of(pdf)

    assert "RCM-2025-00042-2 · version 2 · supersedes No. RCM-2025-00042-1" in text
    assert "for the Department of Medicine" not in text
    assert "Date of issue" in text


def test_every_font_is_embedded():
    pdf = render(statement(), SETTINGS)

    for page in read(pdf).pages:
        fonts = fonts_of(page)
        assert fonts
        for font in fonts:
            assert font["/Subtype"] == "/TrueType", font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
    assert {font["/BaseFont"].split("+")[1] for font in fonts_of(read(pdf).pages[0])} >= {
        "DejaVuSans",
        "DejaVuSerif-Bold",
    }


def test_a_long_statement_flows_onto_more_pages_with_every_activity():
    document = statement(activities=60)
    reader = read(render(document, SETTINGS))
    pages = [flat(page.extract_text()) for page in reader.pages]

    assert len(pages) > 2
    everything = "\n".join(pages)
    for activity in document["activities"]:
        assert activity["title"] in everything, activity["title"]
    for number, text in enumerate(pages, start=1):
        assert f"Statement No. RCM-2025-00042-1 · page {number} of {len(pages)}" in text
        assert "ABCD-EFGH-IJKL-MNOP-QRST-UVWX" in text
    for text in pages[1:]:  # the schedule repeats its header row and says whose it is
        assert "Date Activity Hours Section Credits" in text
        assert "Zoë Ångström-Nguyễn" in text
    assert "Total 90.00 90.00" in pages[-1]


def test_a_certificate_too_long_for_its_page_moves_the_verification_box_whole_to_the_next():
    """A long department's name runs the claim onto a third line: the box no longer fits
    under it, so it starts the next page (as platypus moved it), still readable."""
    department = "Department of Obstetrics, Gynaecology and Reproductive Sciences and Allied Clinical Programs"
    pdf = render(statement(), {**SETTINGS, "department": department})
    pages = [flat(page.extract_text()) for page in read(pdf).pages]

    assert len(pages) == 3  # certificate, its verification box, the schedule
    assert "VERIFICATION CODE" not in pages[0] and "Date of issue" in pages[0]
    assert pages[1].startswith("VERIFICATION CODE ABCD-EFGH-IJKL-MNOP-QRST-UVWX")
    assert "Schedule of activities" in pages[2]
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of 3" in text
    assert qr_codes(pdf, page=1) == [URL]


def test_the_qr_code_reads_back_as_the_verification_url():
    assert qr_codes(render(statement(), SETTINGS)) == [URL]


def test_the_qr_code_with_its_fixed_mask_reads_back_for_any_code():
    """The mask pattern is fixed, not chosen per code: codes for which scoring would pick
    another mask (most of them: it picks ours for about 2 in 5) read back too."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    urls = [f"https://recognition.example.org/verify/{new_code()}" for _ in range(12)]
    for url in urls:
        qr(url).drawOn(canvas, 20, 500)
        canvas.showPage()
    canvas.save()
    assert [qr_codes(buffer.getvalue(), page) for page in range(len(urls))] == [[url] for url in urls]


@pytest.mark.parametrize(
    "name, font",
    [
        ("王小明", "STSong-Light"),
        ("김민준", "HYSMyeongJo-Medium"),
        ("山田はなこ", "HeiseiMin-W3"),
        ("Wei 王 Müller", "STSong-Light"),
    ],
)
def test_a_name_dejavu_cannot_draw_falls_back_to_a_cid_font(name, font):
    pdf = render(statement(name), SETTINGS)
    first = read(pdf).pages[0]

    assert name in first.extract_text()
    assert font in {f["/BaseFont"].lstrip("/") for f in fonts_of(first)}


def test_a_configured_logo_is_placed_on_the_certificate(tmp_path):
    Image.new("RGB", (240, 120), (31, 78, 121)).save(tmp_path / "logo.png")
    Image.new("RGB", (100, 100), (200, 30, 30)).save(tmp_path / "crest.jpg")

    relative = read(render(statement(), {**SETTINGS, "logo": "logo.png", "instance_path": str(tmp_path)}))
    absolute = read(render(statement(), {**SETTINGS, "logo": str(tmp_path / "crest.jpg")}))

    [logo] = images_of(relative.pages[0])
    assert (logo["/Width"], logo["/Height"]) == (240, 120)
    [crest] = images_of(absolute.pages[0])
    assert (crest["/Width"], crest["/Height"]) == (100, 100)
    assert not relative.pages[0].extract_text().startswith("DM")  # no emblem when the logo is there


@pytest.mark.parametrize("logo", ["missing.png", "not-an-image.png", "truncated.png", "folder"])
def test_an_unreadable_logo_gives_an_emblem_not_an_error(tmp_path, logo):
    (tmp_path / "not-an-image.png").write_text("this is not a PNG")
    Image.new("RGB", (300, 300), (31, 78, 121)).save(tmp_path / "whole.png")
    (tmp_path / "truncated.png").write_bytes((tmp_path / "whole.png").read_bytes()[:200])
    (tmp_path / "folder").mkdir()

    pdf = render(statement(), {**SETTINGS, "logo": logo, "instance_path": str(tmp_path)})

    first = read(pdf).pages[0]
    assert images_of(first) == []
    assert first.extract_text().startswith("DM")  # the department's initials, drawn
    assert qr_codes(pdf) == [URL]


def test_the_same_document_renders_to_the_same_bytes():
    """So a stored PDF's pdf_sha256 can be checked by rendering the signed document again."""
    assert render(statement(), SETTINGS) == render(statement(), SETTINGS)


def test_fonts_subset_once_per_process_embed_what_reportlab_embeds(monkeypatch):
    """Each font's subsets are built and compressed once per process: a certificate comes
    out byte for byte as with reportlab's own embedding, so stored PDFs still render again
    to their pdf_sha256, whichever subsets a name needs (a second subset past 256 glyphs)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from recognition.credits.certificate import FONTS, SANS, SANS_BOLD, SERIF, SERIF_BOLD
    from recognition.credits.embedded_fonts import EmbeddedFont

    many = "".join(map(chr, range(0x410, 0x450))) + "".join(map(chr, range(0x100, 0x17F)))  # Cyrillic, Latin A
    documents = [statement(), statement("Ada Lovelace"), statement(many, activities=12), statement()]
    render(statement(), SETTINGS)  # the fonts registered
    names = (SANS, SANS_BOLD, SERIF, SERIF_BOLD)
    ours = {name: pdfmetrics.getFont(name) for name in names}
    assert all(isinstance(font, EmbeddedFont) for font in ours.values())
    once = [render(document, SETTINGS) for document in documents]
    for name in names:  # reportlab's own, in their place for a moment (registerFont keeps the first)
        monkeypatch.setitem(pdfmetrics._fonts, name, TTFont(name, str(FONTS / f"{name}.ttf")))
    theirs = [render(document, SETTINGS) for document in documents]

    assert once == theirs
    assert once[0] == once[3]
    assert any(name.endswith("+1") for name in read(once[2]).pages[0]["/Resources"]["/Font"])


def test_certificates_render_side_by_side():
    """The year-end batch renders in several threads at once."""
    names = ["Zoë Ångström-Nguyễn", "Łukasz Żółć", "Σοφία Παπαδοπούλου", "Анна Петрова", "王小明", "김민준"]
    made: dict[str, bytes] = {}

    def make(name: str) -> None:
        made[name] = render(statement(name, activities=30), SETTINGS)

    threads = [threading.Thread(target=make, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(made) == sorted(names)
    for name, pdf in made.items():
        assert name in read(pdf).pages[0].extract_text()
        assert pdf == render(statement(name, activities=30), SETTINGS)


def test_an_issued_statement_carries_its_certificate(app, client, dept, headers):
    from recognition.auth.service import load_actor
    from recognition.clock import today, utcnow
    from recognition.credits import canonical, service
    from recognition.extensions import db

    body = {
        "source": "external",
        "source_name": "Teaching evaluation 2025",
        "occurred_on": today().isoformat(),
        "minutes": 90,
        "area": "Giving critical feedback early",
        "question": "Do my mentees hear about problems in time to act?",
        "standards": "The department's mentoring expectations",
        "comparison": "Lower than the division",
        "discussion": "Talked it over with a peer mentor",
        "next_steps": "Book a mid-year check-in",
    }
    response = client.post("/api/v1/reflections", json=body, headers=headers("mentor"))
    assert response.status_code == 201, response.get_json()

    with app.app_context():
        row = service.issue(
            dept.ids["mentor"], app.config["CREDIT_FRAMEWORK"], today().year, load_actor(dept.ids["mentor"]), utcnow()
        )
        db.session.commit()
        pdf, code, number = row.pdf, row.code, row.number
        assert hashlib.sha256(pdf).hexdigest() == row.pdf_sha256
        content_hash = row.content_hash

    text = text_of(pdf)
    assert "Mentor Person" in text
    assert number in text
    assert canonical.format_code(code) in text
    assert content_hash in text
    assert qr_codes(pdf) == [f"{app.config['BASE_URL'].rstrip('/')}/verify/{code}"]


def test_subsets_built_by_threads_at_once_are_kept_whole():
    """The font file is read through one shared position: subsets built by two threads at
    once (the batch renders side by side) must each be the subset built alone, or a broken
    one would be kept and embedded in every later certificate."""
    import sys
    import zlib

    from recognition.credits.certificate import FONTS, SANS
    from recognition.credits.embedded_fonts import EmbeddedFont

    font = EmbeddedFont(SANS, str(FONTS / f"{SANS}.ttf"))
    sets = [tuple(range(32, 127)) + tuple(range(0x100 + k, 0x17F))[:60] for k in range(40)]
    alone = {codes: font.face.makeSubset(codes) for codes in sets}
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can
    try:
        threads = [
            threading.Thread(target=lambda part: [font._subset(1, codes, "X") for codes in part], args=(sets[i::2],))
            for i in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switching)
    kept = {codes: zlib.decompress(subset.program.compressed) for (_, codes), subset in font._subsets.items()}
    assert len(kept) == len(sets)
    assert all(program == alone[codes] for codes, program in kept.items())
