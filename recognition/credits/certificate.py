"""What every PDF certificate shares (credit statements, award certificates and packages,
dossiers): the page, colours, paragraph styles, tables, the logo or drawn emblem, dates,
the QR code, the border and a canvas that numbers pages "n of m". The fonts are vendored and embedded so every name prints as written on any
machine; characters DejaVu lacks (CJK) fall back to the standard Adobe CID fonts.
"""

from __future__ import annotations

import functools
import io
import threading
from datetime import date
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
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    Paragraph,
    TableStyle,
)

from .embedded_fonts import EmbeddedFont

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
FRAME_WIDTH, FRAME_TOP = PAGE[0] - 2 * MARGIN_X, PAGE[1] - MARGIN_TOP  # ``body_frame``'s, on the page
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


# -- fonts -----------------------------------------------------------------------------


def _register_fonts() -> None:
    global _ready
    with _registered:  # the year-end batch renders from several threads
        if _ready:
            return
        for name in (SANS, SANS_BOLD, SERIF, SERIF_BOLD):
            pdfmetrics.registerFont(EmbeddedFont(name, str(FONTS / f"{name}.ttf")))
        pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD)
        pdfmetrics.registerFontFamily(SERIF, normal=SERIF, bold=SERIF_BOLD, italic=SERIF, boldItalic=SERIF_BOLD)
        for name in (CHINESE, JAPANESE, KOREAN):
            pdfmetrics.registerFont(UnicodeCIDFont(name))
        _ready = True


@functools.cache
def _drawable(font: str) -> frozenset[str]:
    """The characters ``font`` has glyphs for (fonts are registered once per process)."""
    return frozenset(map(chr, pdfmetrics.getFont(font).face.charToGlyph))


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
    text = str(text)
    if text and (set(text) <= _drawable(font) or all(char.isspace() or _has_glyph(font, char) for char in set(text))):
        return [(font, text)]  # the usual case, decided once per distinct character
    pieces: list[tuple[str, str]] = []
    for char in text:
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


def _logo(settings: dict, department: str):
    """The configured logo, up to 45 mm wide and 18 mm high, or an emblem with the
    department's initials."""
    logo = logo_image(settings)
    if logo is None:
        return _emblem(department)
    data, width, height = logo
    return Image(io.BytesIO(data), width, height)


def logo_image(settings: dict) -> tuple[bytes, float, float] | None:
    """The configured logo's bytes and its size on the page (up to 45 mm wide and 18 mm
    high), or None when there is none or it cannot be read."""
    path = settings.get("logo")
    if not path:
        return None
    path = Path(path)
    if not path.is_absolute():
        path = Path(settings.get("instance_path") or ".") / path
    try:
        data = path.read_bytes()
        reader = ImageReader(io.BytesIO(data))
        reader.getRGBData()  # decode now: a broken file must fail here, not mid-build
        width, height = reader.getSize()
    except Exception:  # noqa: BLE001  (any unreadable logo: missing, not an image, truncated, a bomb)
        return None
    scale = min(45 * mm / width, 18 * mm / height)
    return data, width * scale, height * scale


EMBLEM = 17 * mm  # the emblem's diameter


def initials(department: str) -> str:
    """Up to three initials of the department's name, short words left out."""
    small = {"of", "the", "and", "for", "de", "la", "du", "des", "et", "&"}
    words = [w for w in department.split() if w.lower() not in small] or department.split() or ["?"]
    return "".join(w[0] for w in words[:3]).upper()


def _emblem(department: str) -> Drawing:
    letters = initials(department)
    size = EMBLEM
    drawing = Drawing(size, size, initialFontName=SERIF_BOLD)  # no unembedded Helvetica
    drawing.add(Circle(size / 2, size / 2, size / 2 - 0.5, fillColor=ACCENT, strokeColor=None))
    drawing.add(Circle(size / 2, size / 2, size / 2 - 2.2, fillColor=None, strokeColor=colors.white, strokeWidth=0.6))
    font = _font_for(letters[0], SERIF_BOLD, department)
    font_size = 6.6 * mm if len(letters) < 3 else 5 * mm
    drawing.add(
        String(
            size / 2,
            size / 2 - font_size * 0.36,
            letters,
            fontName=font,
            fontSize=font_size,
            fillColor=colors.white,
            textAnchor="middle",
        )
    )
    return drawing


# The QR code's mask pattern. The standard lets the encoder pick any of the eight (a reader
# learns it from the format bits); scoring all eight in pure Python for the best was a
# quarter of a certificate. 4 is the one that scoring picks most often for our
# verification URLs (77 of 200 random codes; 2 next with 63).
QR_MASK = 4


class _Qr(QrCode):
    """reportlab's QR flowable with the mask pattern fixed (``QR_MASK``)."""

    def __init__(self, value: str, **kw) -> None:
        super().__init__(value, **kw)
        self.qr.getBestMaskPattern = lambda: QR_MASK


def _qr(url: str) -> QrCode:
    """A QR code of ``url``, 30 mm square with its 4-module quiet zone, error correction M.

    The flowable draws straight on the canvas; QrCodeWidget builds a shape object per run of
    modules and encodes twice, which made it two thirds of the time of a whole certificate.
    """
    return _Qr(url, width=30 * mm, height=30 * mm, qrLevel="M", qrBorder=4)


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


def doc_template(
    buffer, *, title: str, author: str, subject: str | None = None, pagesize=None, top=None, bottom=None
) -> BaseDocTemplate:
    """A document laid out as the certificate is (its page and margins unless given, the
    embedded sans font, never Helvetica) and ``invariant``: the same content gives the
    same bytes. ``title``, ``author`` and ``subject`` go into its metadata."""
    return BaseDocTemplate(
        buffer,
        pagesize=pagesize or PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP if top is None else top,
        bottomMargin=MARGIN_BOTTOM if bottom is None else bottom,
        invariant=1,
        lang="en",
        initialFontName=SANS,
        title=title,
        author=author,
        creator="recognition",
        **({"subject": subject} if subject is not None else {}),
    )


def canvas_for(buffer, *, title: str, author: str, subject: str | None = None) -> Canvas:
    """A bare canvas on the certificate's page, as ``doc_template`` makes its documents'
    (embedded sans font, invariant, the same metadata), for a document drawn straight on it."""
    canvas = Canvas(buffer, pagesize=PAGE, invariant=1, lang="en", initialFontName=SANS)
    canvas.setAuthor(author)
    canvas.setTitle(title)
    canvas.setSubject(subject)
    canvas.setCreator("recognition")
    canvas.setProducer(None)
    canvas.setKeywords([])
    return canvas


def body_frame(doc: BaseDocTemplate) -> Frame:
    """The frame of a document's page: all of it inside the margins, with no padding."""
    return Frame(
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


# What other documents (the dossier) lay out with: the same fonts, grid, QR code and
# "page N of M" footer as the certificate.
register_fonts = _register_fonts
grid = _grid
qr = _qr
PageCountCanvas = _PageCountCanvas
