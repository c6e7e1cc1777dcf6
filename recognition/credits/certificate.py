"""The PDF certificate of a credit statement.

Rendered once, at issue, from the signed document alone, so the PDF says nothing the
signature does not cover; anyone holding it can check it at the URL (and QR code) it
carries. The fonts are vendored and embedded so every name prints as written on any
machine; characters DejaVu lacks (CJK) fall back to the standard Adobe CID fonts.
"""

from __future__ import annotations

import hashlib
import io
import threading
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCode
from reportlab.graphics.shapes import Circle, Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from .canonical import canonical

FONTS = Path(__file__).parent / "fonts"
SANS, SANS_BOLD, SERIF, SERIF_BOLD = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSerif", "DejaVuSerif-Bold"
CHINESE, JAPANESE, KOREAN = "STSong-Light", "HeiseiMin-W3", "HYSMyeongJo-Medium"

INK = colors.HexColor("#1d2430")
ACCENT = colors.HexColor("#1f4e79")
MUTED = colors.HexColor("#5b6675")
RULE = colors.HexColor("#c9d3de")
STRIPE = colors.HexColor("#f3f6f9")

PAGE = LETTER
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 22 * mm, 22 * mm, 27 * mm
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_registered = threading.Lock()
_ready = False


def render(document: dict, settings: dict) -> bytes:
    """The certificate of a statement ``document`` (as built by ``service.prepare``) as PDF bytes.

    ``settings``: department, logo (a path, relative to instance_path, or None), signatory
    (or None), instance_path. A logo that cannot be read gives a drawn emblem, never an error.
    """
    _register_fonts()
    content_hash = hashlib.sha256(canonical(document)).hexdigest()  # the bytes that were signed
    department = settings.get("department") or document["issuer"]["department"]
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        invariant=1,
        lang="en",
        initialFontName=SANS,
        title=f"Credit statement {document['number']}: {document['person']['name']}",
        author=department,
        subject=f"{document['framework']['name']}, {document['period']['label']}",
        creator="recognition",
    )
    frame = Frame(
        doc.leftMargin,
        doc.bottomMargin,
        doc.width,
        doc.height,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
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


# -- fonts -----------------------------------------------------------------------------


def _register_fonts() -> None:
    global _ready
    with _registered:  # the year-end batch renders from several threads
        if _ready:
            return
        for name in (SANS, SANS_BOLD, SERIF, SERIF_BOLD):
            pdfmetrics.registerFont(TTFont(name, str(FONTS / f"{name}.ttf")))
        pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD)
        pdfmetrics.registerFontFamily(SERIF, normal=SERIF, bold=SERIF_BOLD, italic=SERIF, boldItalic=SERIF_BOLD)
        for name in (CHINESE, JAPANESE, KOREAN):
            pdfmetrics.registerFont(UnicodeCIDFont(name))
        _ready = True


def _has_glyph(font: str, char: str) -> bool:
    return ord(char) in pdfmetrics.getFont(font).face.charToGlyph


def _cid_font(char: str, text: str) -> str:
    code = ord(char)
    if 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F or 0xAC00 <= code <= 0xD7AF:
        return KOREAN
    if any(0x3040 <= ord(c) <= 0x30FF for c in text):  # kana anywhere: the kanji are Japanese too
        return JAPANESE
    return CHINESE


def _font_for(char: str, font: str, text: str) -> str:
    if char.isspace() or _has_glyph(font, char):
        return font
    sans = SANS_BOLD if font in (SANS_BOLD, SERIF_BOLD) else SANS
    if _has_glyph(sans, char):
        return sans
    if 0x2E80 <= ord(char) <= 0xD7AF or 0xF900 <= ord(char) <= 0xFFEF:
        return _cid_font(char, text)
    return font  # nothing better on hand: DejaVu's own missing-glyph box


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` cut into (font, run) pieces: ``font`` where it has the glyphs, else one that
    does (DejaVu Sans, else a CID font for Chinese, Japanese or Korean)."""
    pieces: list[tuple[str, str]] = []
    for char in str(text):
        chosen = _font_for(char, font, text)
        if pieces and pieces[-1][0] == chosen:
            pieces[-1] = (chosen, pieces[-1][1] + char)
        else:
            pieces.append((chosen, char))
    return pieces


def markup(text: str, font: str) -> str:
    """``text`` escaped for a Paragraph set in ``font``, with fallback fonts where needed."""
    return "".join(
        escape(run) if name == font else f'<font name="{name}">{escape(run)}</font>' for name, run in runs(text, font)
    )


def _draw(canvas: Canvas, x: float, y: float, text: str, font: str, size: float, right: bool = False) -> None:
    """drawString with the same font fallback as the paragraphs (for page furniture)."""
    pieces = runs(text, font)
    if right:
        x -= sum(pdfmetrics.stringWidth(run, name, size) for name, run in pieces)
    for name, run in pieces:
        canvas.setFont(name, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, name, size)


# -- styles ----------------------------------------------------------------------------


def _style(
    name: str, font: str = SANS, size: float = 9.5, leading: float | None = None, color=INK, **kwargs
) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.35, textColor=color, **kwargs)


STYLES = {
    "department": _style("department", SERIF_BOLD, 13, color=ACCENT),
    "kicker": _style("kicker", SANS, 8, color=MUTED),
    "title": _style("title", SERIF_BOLD, 19, 24, ACCENT, alignment=TA_CENTER),
    "subtitle": _style("subtitle", SANS, 10, color=MUTED, alignment=TA_CENTER),
    "certifies": _style("certifies", SANS, 8.5, color=MUTED, alignment=TA_CENTER),
    "name": _style("name", SERIF_BOLD, 25, 31, INK, alignment=TA_CENTER),
    "body": _style("body", SERIF, 10.5, 15, INK, alignment=TA_CENTER),
    "total": _style("total", SERIF_BOLD, 22, 27, ACCENT, alignment=TA_CENTER),
    "cell": _style("cell", SANS, 8.5, 11),
    "cell_right": _style("cell_right", SANS, 8.5, 11, alignment=TA_RIGHT),
    "cell_head": _style("cell_head", SANS_BOLD, 8, 10, colors.white),
    "cell_head_right": _style("cell_head_right", SANS_BOLD, 8, 10, colors.white, alignment=TA_RIGHT),
    "cell_total_right": _style("cell_total_right", SANS_BOLD, 8.5, 11, alignment=TA_RIGHT),
    "cell_note": _style("cell_note", SANS, 7.5, 9.5, MUTED),
    "sum": _style("sum", SANS, 9.5, 13),
    "sum_right": _style("sum_right", SANS, 9.5, 13, alignment=TA_RIGHT),
    "sum_total": _style("sum_total", SANS_BOLD, 9.5, 13),
    "sum_total_right": _style("sum_total_right", SANS_BOLD, 9.5, 13, alignment=TA_RIGHT),
    "note": _style("note", SANS, 7.5, 10, MUTED, alignment=TA_CENTER),
    "heading": _style("heading", SANS_BOLD, 10.5, 14, ACCENT, spaceAfter=2 * mm, keepWithNext=1),
    "label": _style("label", SANS, 6.5, 9, MUTED),
    "value": _style("value", SANS, 8.5, 11.5),
    "code": _style("code", SANS_BOLD, 12.5, 16, ACCENT),
    "hash": _style("hash", SANS, 6.3, 9),
    "fact": _style("fact", SANS, 7.5, 9.5),
    "signatory": _style("signatory", SERIF, 10, 13),
    "signatory_note": _style("signatory_note", SANS, 7.5, 10, MUTED),
}


def _grid(commands: list) -> TableStyle:
    # Cells default to Helvetica, which would put an unembedded font in the PDF.
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), SANS), *commands])


def _p(text: str, style: str) -> Paragraph:
    """A paragraph of plain (unescaped) text: every value from the document goes through here."""
    return Paragraph(markup(text, STYLES[style].fontName), STYLES[style])


# -- content ---------------------------------------------------------------------------


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


def _logo(settings: dict, department: str):
    """The configured logo, up to 45 mm wide and 18 mm high, or an emblem with the
    department's initials."""
    path = settings.get("logo")
    if path:
        path = Path(path)
        if not path.is_absolute():
            path = Path(settings.get("instance_path") or ".") / path
        try:
            data = path.read_bytes()
            reader = ImageReader(io.BytesIO(data))
            reader.getRGBData()  # decode now: a broken file must fail here, not mid-build
            width, height = reader.getSize()
        except Exception:  # noqa: BLE001  (any unreadable logo: missing, not an image, truncated, a bomb)
            return _emblem(department)
        scale = min(45 * mm / width, 18 * mm / height)
        return Image(io.BytesIO(data), width * scale, height * scale)
    return _emblem(department)


def _emblem(department: str) -> Drawing:
    small = {"of", "the", "and", "for", "de", "la", "du", "des", "et", "&"}
    words = [w for w in department.split() if w.lower() not in small] or department.split() or ["?"]
    initials = "".join(w[0] for w in words[:3]).upper()
    size = 17 * mm
    drawing = Drawing(size, size, initialFontName=SERIF_BOLD)  # no unembedded Helvetica
    drawing.add(Circle(size / 2, size / 2, size / 2 - 0.5, fillColor=ACCENT, strokeColor=None))
    drawing.add(Circle(size / 2, size / 2, size / 2 - 2.2, fillColor=None, strokeColor=colors.white, strokeWidth=0.6))
    font = _font_for(initials[0], SERIF_BOLD, department)
    font_size = 6.6 * mm if len(initials) < 3 else 5 * mm
    drawing.add(
        String(
            size / 2,
            size / 2 - font_size * 0.36,
            initials,
            fontName=font,
            fontSize=font_size,
            fillColor=colors.white,
            textAnchor="middle",
        )
    )
    return drawing


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


def _qr(url: str) -> QrCode:
    """A QR code of ``url``, 30 mm square with its 4-module quiet zone, error correction M.

    The flowable draws straight on the canvas; QrCodeWidget builds a shape object per run of
    modules and encodes twice, which made it two thirds of the time of a whole certificate.
    """
    return QrCode(url, width=30 * mm, height=30 * mm, qrLevel="M", qrBorder=4)


def _activities(document: dict, width: float) -> list:
    unit = document["framework"]["unit"]
    short = {s["id"]: s["label"].split(":")[0] for s in document["sections"]}
    rows = [
        [
            _p("Date", "cell_head"),
            _p("Activity", "cell_head"),
            _p("Hours", "cell_head_right"),
            _p("Section", "cell_head"),
            _p(unit.capitalize(), "cell_head_right"),
        ]
    ]
    for activity in document["activities"]:
        title = [_p(activity["title"], "cell")]
        if activity.get("note"):
            title.append(_p(activity["note"], "cell_note"))
        rows.append(
            [
                _p(_day(activity["date"], short=True), "cell"),
                title,
                _p(activity["hours"], "cell_right"),
                _p(short.get(activity["section"], activity["section"]), "cell"),
                _p(activity["credits"], "cell_right"),
            ]
        )
    hours = sum(Decimal(a["hours"]) for a in document["activities"])
    rows.append(
        [
            "",
            _p("Total", "sum_total"),
            _p(f"{hours:.2f}", "cell_total_right"),
            "",
            _p(document["total"], "cell_total_right"),
        ]
    )
    fixed = [25 * mm, 15 * mm, 28 * mm, 17 * mm]
    widths = [fixed[0], width - sum(fixed), fixed[1], fixed[2], fixed[3]]
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
                ("LEFTPADDING", (0, 0), (-1, -1), 1.8 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1.8 * mm),
            ]
        )
    )
    return [_p("Schedule of activities", "heading"), table]


def _day(value: str | None, short: bool = False) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value[:10])
    month = MONTHS[day.month - 1]
    return f"{day.day} {month[:3] if short else month} {day.year}"


# -- page furniture --------------------------------------------------------------------


def _border(canvas: Canvas, doc) -> None:
    width, height = PAGE
    canvas.saveState()
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(1.2)
    canvas.rect(9 * mm, 9 * mm, width - 18 * mm, height - 18 * mm)
    canvas.setLineWidth(0.35)
    canvas.rect(10.6 * mm, 10.6 * mm, width - 21.2 * mm, height - 21.2 * mm)
    canvas.restoreState()


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


class _PageCountCanvas(Canvas):
    """Holds pages back until the end so every footer can say "page N of M"."""

    def __init__(self, *args, footer, **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._held: list[dict] = []

    def showPage(self):
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        for page, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self._footer(self, page, len(self._held))
            super().showPage()
        super().save()


# What other documents (the dossier) lay out with: the same fonts, grid, QR code and
# "page N of M" footer as the certificate.
register_fonts = _register_fonts
grid = _grid
qr = _qr
PageCountCanvas = _PageCountCanvas
