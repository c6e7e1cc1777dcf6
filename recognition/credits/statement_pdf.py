"""The PDF certificate of a credit statement: page one is the certificate itself, the
schedule of activities is attached behind it.

Rendered once, at issue, from the signed document alone, so the PDF says nothing the
signature does not cover (its hash is the canonical document's); anyone holding it can
check it at the URL (and QR code) it carries. The page kit is ``certificate``'s, the
schedule's table ``statement_schedule``'s.

It is drawn straight on the canvas (``typeset`` sets its text as platypus would) in the
layout the platypus tables gave it: every block is measured first, so the pages are known
before the first is drawn and each footer can say "page n of m". A block that does not fit
what is left of the certificate's page goes to the next, as platypus would move it.
"""

from __future__ import annotations

import hashlib
import io

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from . import statement_schedule
from .canonical import canonical
from .certificate import (
    ACCENT,
    EMBLEM,
    FRAME_TOP,
    FRAME_WIDTH,
    INK,
    MARGIN_BOTTOM,
    MARGIN_X,
    MUTED,
    PAGE,
    RULE,
    SANS,
    SANS_BOLD,
    SERIF_BOLD,
    STRIPE,
    STYLES,
    _border,
    _day,
    _font_for,
    _qr,
    _register_fonts,
    canvas_for,
    initials,
    logo_image,
)
from .typeset import Block, Lines, Pen, Rule, draw_page, flow, ruled


def render(document: dict, settings: dict) -> bytes:
    """The certificate of a statement ``document`` (as built by ``service.prepare``) as PDF bytes.

    ``settings``: department, logo (a path, relative to instance_path, or None), signatory
    (or None), instance_path. A logo that cannot be read gives a drawn emblem, never an error.
    """
    _register_fonts()
    content_hash = hashlib.sha256(canonical(document)).hexdigest()  # the bytes that were signed
    department = settings.get("department") or document["issuer"]["department"]
    buffer = io.BytesIO()
    canvas = canvas_for(
        buffer,
        title=f"Credit statement {document['number']}: {document['person']['name']}",
        author=department,
        subject=f"{document['framework']['name']}, {document['period']['label']}",
    )
    certificate = flow(
        [
            *_header(document, settings, department),
            *_claim(document, department),
            *_sections(document),
            *_signature(document, settings, department),
            _verification(document, content_hash),
        ],
        FRAME_TOP,
        MARGIN_BOTTOM,
    )
    schedule = statement_schedule.pages(document)
    pages = len(certificate) + len(schedule)
    name = document["person"]["name"]
    what = f"{document['framework']['name']} · {document['period']['label']}"
    for number, placed in enumerate([*certificate, *schedule], start=1):
        pen = Pen(canvas)
        _border(canvas, None)
        if number > len(certificate):
            _running_header(canvas, pen, name, what)
        draw_page(canvas, pen, placed)
        _footer(canvas, pen, number, pages, document, content_hash)
        pen.finish()
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _space(height: float) -> Block:
    return Block(height)


def _text(text: str, style: str, width: float = FRAME_WIDTH) -> Block:
    lines = Lines(text, STYLES[style], width)

    def draw(canvas: Canvas, pen: Pen, top: float) -> list[Rule]:
        lines.draw(pen, MARGIN_X, top)
        return []

    return Block(lines.height, draw)


# -- the certificate -------------------------------------------------------------------


def _header(document: dict, settings: dict, department: str) -> list[Block]:
    """The logo (or the department's emblem) beside the department's name, over a rule."""
    logo = logo_image(settings)
    logo_width, logo_height = (logo[1], logo[2]) if logo else (EMBLEM, EMBLEM)
    room = logo_width + 5 * mm
    text_width = FRAME_WIDTH - room - 1 * mm
    name = Lines(department, STYLES["department"], text_width)
    kicker = Lines(
        f"Continuing professional development · {document['framework']['name']}", STYLES["kicker"], text_width
    )
    inner = name.height + kicker.height
    row = max(logo_height, inner) + 6

    def draw(canvas: Canvas, pen: Pen, top: float) -> list[Rule]:
        bottom = top - row
        if logo:
            image = ImageReader(io.BytesIO(logo[0]))
            canvas.drawImage(image, MARGIN_X, bottom + (row - logo_height) / 2, logo_width, logo_height, mask="auto")
        else:
            _emblem(canvas, pen, department, MARGIN_X, bottom + (row - logo_height) / 2)
        text_top = bottom + (row + inner) / 2
        name.draw(pen, MARGIN_X + room + 1 * mm, text_top)
        kicker.draw(pen, MARGIN_X + room + 1 * mm, text_top - name.height)
        return []

    def rule(canvas: Canvas, pen: Pen, top: float) -> list[Rule]:
        return [(MARGIN_X, MARGIN_X + FRAME_WIDTH, top - 1.8, 0.8, ACCENT)]

    return [Block(row, draw), _space(3 * mm), Block(1.8, rule), _space(8 * mm)]


def _emblem(canvas: Canvas, pen: Pen, department: str, x: float, y: float) -> None:
    """The department's initials in a ring, where there is no logo (``certificate._emblem``)."""
    letters = initials(department)
    middle = EMBLEM / 2
    canvas.saveState()
    canvas.setFillColor(ACCENT)
    canvas.circle(x + middle, y + middle, middle - 0.5, stroke=0, fill=1)
    canvas.setStrokeColor(colors.white)
    canvas.setLineWidth(0.6)
    canvas.circle(x + middle, y + middle, middle - 2.2, stroke=1, fill=0)
    canvas.restoreState()
    font = _font_for(letters[0], SERIF_BOLD, department)
    size = 6.6 * mm if len(letters) < 3 else 5 * mm
    left = x + middle - stringWidth(letters, font, size) / 2
    pen.put(left, y + middle - size * 0.36, [(font, letters)], size, colors.white)


def _claim(document: dict, department: str) -> list[Block]:
    framework, period = document["framework"], document["period"]
    count = len(document["activities"])
    dates = f"{_day(period['start'])} – {_day(period['end'])}"
    return [
        _text("Statement of Continuing Professional Development Credit", "title"),
        _space(1.5 * mm),
        _text(f"{framework['name']} · {period['label']}", "subtitle"),
        _space(9 * mm),
        _text("THIS CERTIFIES THAT", "certifies"),
        _space(2 * mm),
        _text(document["person"]["name"], "name"),
        _space(3 * mm),
        _text("has been credited with", "body"),
        _space(1.5 * mm),
        _text(f"{document['total']} {framework['unit']}", "total"),
        _space(1.5 * mm),
        _text(
            f"under the {framework['name']} for {period['label']} ({dates}), for "
            f"{count} mentoring {'activity' if count == 1 else 'activities'} recorded in the {department}'s "
            "mentoring ledger.",
            "body",
        ),
        _space(6 * mm),
    ]


def _sections(document: dict) -> list[Block]:
    """Each section's credits and the total, in a ruled table 120 mm wide in the middle."""
    unit = document["framework"]["unit"]
    pad, label_width, value_width = 1.5 * mm, 88 * mm, 32 * mm
    left = MARGIN_X + (FRAME_WIDTH - label_width - value_width) / 2
    right = left + label_width + value_width
    rows = [
        (
            Lines(s["label"], STYLES["sum"], label_width - 2 * pad),
            Lines(f"{s['credits']} {unit}", STYLES["sum_right"], value_width - 2 * pad),
        )
        for s in document["sections"]
    ]
    rows.append(
        (
            Lines("Total", STYLES["sum_total"], label_width - 2 * pad),
            Lines(f"{document['total']} {unit}", STYLES["sum_total_right"], value_width - 2 * pad),
        )
    )
    heights = [max(label.height, value.height) + 2.2 + 3 for label, value in rows]

    def draw(canvas: Canvas, pen: Pen, top: float) -> list[Rule]:
        rules: list[Rule] = [(left, right, top, 0.6, RULE)]
        y = top
        for (label, value), height in zip(rows, heights):
            y -= height
            for cell, x in ((label, left), (value, left + label_width)):
                cell.draw(pen, x + pad, y + (height + 3 - 2.2 + cell.height) / 2)  # in the middle
            rules.append((left, right, y, 0.3, RULE))
        rules[-2:] = [(left, right, y + heights[-1], 0.8, ACCENT), (left, right, y, 0.8, ACCENT)]
        return rules

    version = document["framework"].get("version")
    note = (
        f"{unit.capitalize()} computed under the {document['framework']['name']} rules in force from "
        f"{_day(version)} (framework version {version})."
        if version
        else ""
    )
    return [Block(sum(heights), draw), _space(2.5 * mm), _text(note, "note"), _space(6 * mm)]


def _signature(document: dict, settings: dict, department: str) -> list[Block]:
    """Date of issue on the left and, when one is configured, the signatory on the right."""
    signatory = settings.get("signatory")
    left, right = 55 * mm, 80 * mm
    date = Lines(_day(document["issued_at"][:10]), STYLES["signatory"], left)
    issued = Lines("Date of issue", STYLES["signatory_note"], left)
    signed = Lines(signatory, STYLES["signatory"], right) if signatory else None
    behalf = Lines(f"for the {department}", STYLES["signatory_note"], right) if signatory else None
    line = 13 * mm  # the row the values stand on
    captions = max(12, issued.height, behalf.height if behalf else 0) + 1.5  # 12: an empty cell's leading

    def draw(canvas: Canvas, pen: Pen, top: float) -> list[Rule]:
        base = top - line
        far = MARGIN_X + FRAME_WIDTH - right
        date.draw(pen, MARGIN_X, base + 2 + date.height)
        rules: list[Rule] = [(MARGIN_X, MARGIN_X + left, base, 0.6, INK)]
        if signed:
            signed.draw(pen, far, base + 2 + signed.height)
            rules.append((far, far + right, base, 0.6, INK))
        bottom = base - captions
        issued.draw(pen, MARGIN_X, bottom + issued.height)
        if behalf:
            behalf.draw(pen, far, bottom + behalf.height)
        return rules

    return [Block(line + captions, draw), _space(8 * mm)]


def _verification(document: dict, content_hash: str) -> Block:
    """The box a verifier needs: QR code, code, URL, and the hashes that tie the PDF to the
    record; with the space under it, moved whole to the next page if it does not fit."""
    verification, head = document["verification"], document["ledger_head"]
    number = f"{document['number']} · version {document['version']}"
    if document.get("supersedes"):
        number += f" · supersedes No. {document['supersedes']}"
    issued = document["issued_at"]
    pad, column, label = 3 * mm, 38 * mm, 31 * mm
    width = FRAME_WIDTH - column - 1 * mm - pad
    heading = Lines("VERIFICATION CODE", STYLES["label"], width)
    code = Lines(verification["code"], STYLES["code"], width)
    status = Lines(
        f"Status at issue: current. Check the current status at {verification['url']}", STYLES["value"], width
    )
    facts = [
        (Lines(caption, STYLES["label"], label), Lines(value, STYLES[style], width - label))
        for caption, value, style in (
            ("Statement No.", number, "fact"),
            (
                "Issued",
                f"{_day(issued[:10])}, {issued[11:16]} UTC · signed with key {document['issuer']['key_id']}",
                "fact",
            ),
            ("Content hash (SHA-256)", content_hash, "hash"),
            (f"Ledger head, entry {head['seq']}", head["hash"], "hash"),
        )
    ]
    heights = [max(caption.height, value.height) + 1.2 for caption, value in facts]
    inner = heading.height + code.height + 1 * mm + status.height + 2.5 * mm + sum(heights)
    square = 30 * mm
    box = max(square, inner) + 2 * pad

    def draw(canvas: Canvas, pen: Pen, top: float) -> list[Rule]:
        bottom = top - box
        canvas.saveState()
        canvas.setFillColor(STRIPE)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.rect(MARGIN_X, bottom, FRAME_WIDTH, box, stroke=1, fill=1)
        canvas.setFillColor(colors.black)
        _qr(verification["url"]).drawOn(canvas, MARGIN_X + (column - square) / 2, bottom + (box - square) / 2)
        canvas.restoreState()
        x, y = MARGIN_X + column + 1 * mm, bottom + (box + inner) / 2
        for lines, after in ((heading, 0), (code, 1 * mm), (status, 2.5 * mm)):
            lines.draw(pen, x, y)
            y -= lines.height + after
        for (caption, value), height in zip(facts, heights):
            y -= height
            caption.draw(pen, x, y + (height + caption.height) / 2)
            value.draw(pen, x + label, y + (height + value.height) / 2)
        return []

    return Block(box + 7 * mm, draw)


# -- page furniture --------------------------------------------------------------------


def _running_header(canvas: Canvas, pen: Pen, name: str, what: str) -> None:
    """Whose schedule this is, on every page behind the certificate, should pages be parted."""
    width, height = PAGE
    pen.line(MARGIN_X, height - 16.5 * mm, name, SANS_BOLD, 7.5, MUTED)
    pen.line(width - MARGIN_X, height - 16.5 * mm, what, SANS, 7.5, MUTED, right=True)
    ruled(canvas, [(MARGIN_X, width - MARGIN_X, height - 17.5 * mm, 0.5, RULE)], cap=0)


def _footer(canvas: Canvas, pen: Pen, page: int, pages: int, document: dict, content_hash: str) -> None:
    width, _ = PAGE
    number, code = document["number"], document["verification"]["code"]
    ruled(canvas, [(MARGIN_X, width - MARGIN_X, 20 * mm, 0.5, RULE)], cap=0)
    pen.line(MARGIN_X, 16.5 * mm, f"Statement No. {number} · page {page} of {pages}", SANS, 7.5, MUTED)
    pen.line(width - MARGIN_X, 16.5 * mm, f"Verification code {code}", SANS, 7.5, MUTED, right=True)
    pen.line(MARGIN_X, 13.3 * mm, f"Content hash (SHA-256) {content_hash}", SANS, 6.3, MUTED)
