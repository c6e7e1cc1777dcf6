"""The PDF certificate of a credit statement: page one is the certificate itself, the
schedule of activities is attached behind it.

Rendered once, at issue, from the signed document alone, so the PDF says nothing the
signature does not cover (its hash is the canonical document's); anyone holding it can
check it at the URL (and QR code) it carries. The page kit is ``certificate``'s.
"""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from functools import partial

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
)
from reportlab.platypus.flowables import HRFlowable

from .canonical import canonical
from .certificate import (
    ACCENT,
    INK,
    MARGIN_X,
    MUTED,
    PAGE,
    RULE,
    SANS,
    SANS_BOLD,
    STRIPE,
    STYLES,
    _border,
    _day,
    _draw,
    _grid,
    _logo,
    _p,
    _PageCountCanvas,
    _qr,
    _register_fonts,
    body_frame,
    doc_template,
    runs,
)


def render(document: dict, settings: dict) -> bytes:
    """The certificate of a statement ``document`` (as built by ``service.prepare``) as PDF bytes.

    ``settings``: department, logo (a path, relative to instance_path, or None), signatory
    (or None), instance_path. A logo that cannot be read gives a drawn emblem, never an error.
    """
    _register_fonts()
    content_hash = hashlib.sha256(canonical(document)).hexdigest()  # the bytes that were signed
    department = settings.get("department") or document["issuer"]["department"]
    buffer = io.BytesIO()
    doc = doc_template(
        buffer,
        title=f"Credit statement {document['number']}: {document['person']['name']}",
        author=department,
        subject=f"{document['framework']['name']}, {document['period']['label']}",
    )
    frame = body_frame(doc)
    running = partial(
        _running_header,
        name=document["person"]["name"],
        what=f"{document['framework']['name']} · {document['period']['label']}",
    )
    doc.addPageTemplates(
        [
            PageTemplate(id="certificate", frames=[frame], onPage=_border),
            PageTemplate(id="schedule", frames=[frame], onPage=running),
        ]
    )
    story = [
        *_header(document, settings, department, doc.width),
        *_claim(document, department),
        *_sections(document, doc.width),
        *_signature(document, settings, department, doc.width),
        _verification(document, content_hash, doc.width),
        NextPageTemplate("schedule"),
        PageBreak(),  # page 1 is the certificate itself; the schedule is attached behind it
        *_activities(document, doc.width),
    ]
    footer = partial(
        _footer, number=document["number"], code=document["verification"]["code"], content_hash=content_hash
    )
    doc.build(story, canvasmaker=partial(_PageCountCanvas, footer=footer))
    return buffer.getvalue()


def _header(document: dict, settings: dict, department: str, width: float) -> list:
    framework = document["framework"]
    text = [_p(department, "department"), _p(f"Continuing professional development · {framework['name']}", "kicker")]
    logo = _logo(settings, department)
    room = (logo.drawWidth if isinstance(logo, Image) else logo.width) + 5 * mm
    table = Table([[logo, text]], colWidths=[room, width - room])
    table.setStyle(
        _grid(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 1 * mm),
            ]
        )
    )
    return [table, Spacer(1, 3 * mm), HRFlowable(width="100%", thickness=0.8, color=ACCENT, spaceAfter=8 * mm)]


def _claim(document: dict, department: str) -> list:
    framework, period = document["framework"], document["period"]
    count = len(document["activities"])
    dates = f"{_day(period['start'])} – {_day(period['end'])}"
    return [
        _p("Statement of Continuing Professional Development Credit", "title"),
        Spacer(1, 1.5 * mm),
        _p(f"{framework['name']} · {period['label']}", "subtitle"),
        Spacer(1, 9 * mm),
        _p("THIS CERTIFIES THAT", "certifies"),
        Spacer(1, 2 * mm),
        _p(document["person"]["name"], "name"),
        Spacer(1, 3 * mm),
        _p("has been credited with", "body"),
        Spacer(1, 1.5 * mm),
        _p(f"{document['total']} {framework['unit']}", "total"),
        Spacer(1, 1.5 * mm),
        _p(
            f"under the {framework['name']} for {period['label']} ({dates}), for "
            f"{count} mentoring {'activity' if count == 1 else 'activities'} recorded in the {department}'s "
            "mentoring ledger.",
            "body",
        ),
        Spacer(1, 6 * mm),
    ]


def _sections(document: dict, width: float) -> list:
    unit = document["framework"]["unit"]
    rows = [[_p(s["label"], "sum"), _p(f"{s['credits']} {unit}", "sum_right")] for s in document["sections"]]
    rows.append([_p("Total", "sum_total"), _p(f"{document['total']} {unit}", "sum_total_right")])
    table = Table(rows, colWidths=[88 * mm, 32 * mm], hAlign="CENTER")
    table.setStyle(
        _grid(
            [
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
                ("TOPPADDING", (0, 0), (-1, -1), 2.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    version = document["framework"].get("version")
    note = (
        f"{unit.capitalize()} computed under the {document['framework']['name']} rules in force from "
        f"{_day(version)} (framework version {version})."
        if version
        else ""
    )
    return [table, Spacer(1, 2.5 * mm), _p(note, "note"), Spacer(1, 6 * mm)]


def _signature(document: dict, settings: dict, department: str, width: float) -> list:
    """Date of issue on the left and, when one is configured, the signatory on the right."""
    signatory = settings.get("signatory")
    values = [_p(_day(document["issued_at"][:10]), "signatory"), "", _p(signatory, "signatory") if signatory else ""]
    captions = [
        _p("Date of issue", "signatory_note"),
        "",
        _p(f"for the {department}", "signatory_note") if signatory else "",
    ]
    block = Table([values, captions], colWidths=[55 * mm, width - 135 * mm, 80 * mm], rowHeights=[13 * mm, None])
    lines = [("LINEBELOW", (0, 0), (0, 0), 0.6, INK)] + ([("LINEBELOW", (2, 0), (2, 0), 0.6, INK)] if signatory else [])
    block.setStyle(
        _grid(
            [
                *lines,
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 2),
                ("TOPPADDING", (0, 1), (-1, 1), 1.5),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 0),
            ]
        )
    )
    return [block, Spacer(1, 8 * mm)]


def _verification(document: dict, content_hash: str, width: float) -> KeepTogether:
    """The box a verifier needs: QR code, code, URL, and the hashes that tie the PDF to the record."""
    verification, head = document["verification"], document["ledger_head"]
    number = f"{document['number']} · version {document['version']}"
    if document.get("supersedes"):
        number += f" · supersedes No. {document['supersedes']}"
    issued = document["issued_at"]
    facts = Table(
        [
            [_p("Statement No.", "label"), _p(number, "fact")],
            [
                _p("Issued", "label"),
                _p(
                    f"{_day(issued[:10])}, {issued[11:16]} UTC · signed with key {document['issuer']['key_id']}", "fact"
                ),
            ],
            [_p("Content hash (SHA-256)", "label"), _p(content_hash, "hash")],
            [_p(f"Ledger head, entry {head['seq']}", "label"), _p(head["hash"], "hash")],
        ],
        colWidths=[31 * mm, width - 38 * mm - 4 * mm - 31 * mm],
    )
    facts.setStyle(
        _grid(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0.6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    details = [
        _p("VERIFICATION CODE", "label"),
        _p(verification["code"], "code"),
        Spacer(1, 1 * mm),
        _p(f"Status at issue: current. Check the current status at {verification['url']}", "value"),
        Spacer(1, 2.5 * mm),
        facts,
    ]
    table = Table([[_qr(verification["url"]), details]], colWidths=[38 * mm, width - 38 * mm])
    table.setStyle(
        _grid(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("BACKGROUND", (0, 0), (-1, -1), STRIPE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (0, 0), "CENTER"),
                ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("LEFTPADDING", (1, 0), (1, 0), 1 * mm),
            ]
        )
    )
    return KeepTogether([table, Spacer(1, 7 * mm)])


def _activities(document: dict, width: float) -> list:
    unit = document["framework"]["unit"]
    short = {s["id"]: s["label"].split(":")[0] for s in document["sections"]}
    fixed = [25 * mm, 15 * mm, 28 * mm, 17 * mm]
    widths = [fixed[0], width - sum(fixed), fixed[1], fixed[2], fixed[3]]
    rows = [
        [
            _short("Date", "cell_head", widths[0]),
            _short("Activity", "cell_head", widths[1]),
            _short("Hours", "cell_head_right", widths[2]),
            _short("Section", "cell_head", widths[3]),
            _short(unit.capitalize(), "cell_head_right", widths[4]),
        ]
    ]
    for activity in document["activities"]:
        title = [_p(activity["title"], "cell")]
        if activity.get("note"):
            title.append(_p(activity["note"], "cell_note"))
        rows.append(
            [
                _short(_day(activity["date"], short=True), "cell", widths[0]),
                title,
                _short(activity["hours"], "cell_right", widths[2]),
                _p(short.get(activity["section"], activity["section"]), "cell"),
                _short(activity["credits"], "cell_right", widths[4]),
            ]
        )
    hours = sum(Decimal(a["hours"]) for a in document["activities"])
    rows.append(
        [
            "",
            _p("Total", "sum_total"),
            _short(f"{hours:.2f}", "cell_total_right", widths[2]),
            "",
            _short(document["total"], "cell_total_right", widths[4]),
        ]
    )
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        _grid(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, STRIPE]),
                ("LINEBELOW", (0, 1), (-1, -2), 0.25, RULE),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, ACCENT),
                ("LINEBELOW", (0, -1), (-1, -1), 0.8, ACCENT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
                *_short_cells(len(rows)),
            ]
        )
    )
    return [_p("Schedule of activities", "heading"), table]


# Dates and numbers: short, in the cell's own font. Drawn as plain strings in the cell's
# style (set by ``_short_cells``): three in five of the schedule's paragraphs fewer.
PADDING = 1.8 * mm


def _short(text: str, style: str, column: float):
    """``text`` as a plain table cell when it is one run of the style's font and fits its
    ``column`` unwrapped; else the paragraph it always was."""
    font, size = STYLES[style].fontName, STYLES[style].fontSize
    fits = stringWidth(text, font, size) <= column - 2 * PADDING
    if fits and "\n" not in text and runs(text, font) == [(font, text)]:
        return text
    return _p(text, style)


def _short_cells(rows: int) -> list:
    """The table style that sets plain cells as their paragraphs would be (``_short``)."""
    body, total = (0, 1), (0, rows - 1)
    head = STYLES["cell_head"]
    return [
        ("FONTNAME", (0, 0), (-1, 0), head.fontName),
        ("FONTSIZE", (0, 0), (-1, 0), head.fontSize),
        ("LEADING", (0, 0), (-1, 0), head.leading),
        ("TEXTCOLOR", (0, 0), (-1, 0), head.textColor),
        ("FONTSIZE", body, (-1, -1), STYLES["cell"].fontSize),
        ("LEADING", body, (-1, -1), STYLES["cell"].leading),
        ("TEXTCOLOR", body, (-1, -1), STYLES["cell"].textColor),
        ("FONTNAME", total, (-1, -1), STYLES["cell_total_right"].fontName),
        ("ALIGN", (2, 0), (2, -1), "RIGHT"),
        ("ALIGN", (4, 0), (4, -1), "RIGHT"),
    ]


def _running_header(canvas: Canvas, doc, name: str, what: str) -> None:
    """Whose schedule this is, on every page behind the certificate, should pages be parted."""
    _border(canvas, doc)
    width, height = PAGE
    canvas.saveState()
    canvas.setFillColor(MUTED)
    _draw(canvas, MARGIN_X, height - 16.5 * mm, name, SANS_BOLD, 7.5)
    _draw(canvas, width - MARGIN_X, height - 16.5 * mm, what, SANS, 7.5, right=True)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, height - 17.5 * mm, width - MARGIN_X, height - 17.5 * mm)
    canvas.restoreState()


def _footer(canvas: Canvas, page: int, pages: int, number: str, code: str, content_hash: str) -> None:
    width, _ = PAGE
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN_X, 20 * mm, width - MARGIN_X, 20 * mm)
    canvas.setFillColor(MUTED)
    canvas.setFont(SANS, 7.5)
    canvas.drawString(MARGIN_X, 16.5 * mm, f"Statement No. {number} · page {page} of {pages}")
    canvas.drawRightString(width - MARGIN_X, 16.5 * mm, f"Verification code {code}")
    canvas.setFont(SANS, 6.3)
    canvas.drawString(MARGIN_X, 13.3 * mm, f"Content hash (SHA-256) {content_hash}")
    canvas.restoreState()
