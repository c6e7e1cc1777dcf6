"""Text set straight on a canvas as a platypus Paragraph sets it: the same line breaks
(greedy, a line may squeeze its spaces by 5%, a word longer than the line is cut), the same
alignment and baselines (the first a font size below the top, then one leading apart).

The credit statement's certificate is drawn with these instead of paragraphs in tables:
parsing each paragraph's markup, wrapping it and drawing it through platypus took as
long as the rest of the certificate. The fonts are the certificate's, with its fallback
for characters a font lacks (``runs``). A page's text goes into one text object (``Pen``);
its blocks are measured first, then placed down the pages (``flow``) and drawn
(``draw_page``): backgrounds, then each block, then the rules, then the text over them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .certificate import runs

SHRINK = 0.05  # platypus's spaceShrinkage: how much of its spaces' width a line may squeeze

Piece = tuple[str, str]  # (font, text)


class Lines:
    """``text`` in ``style``, broken into lines no wider than ``width``."""

    __slots__ = ("height", "lines", "style", "width")

    def __init__(self, text: str, style: ParagraphStyle, width: float) -> None:
        self.style, self.width = style, width
        self.lines = _break(str(text), style.fontName, style.fontSize, width)
        self.height = len(self.lines) * style.leading

    def draw(self, pen: Pen, x: float, top: float) -> None:
        """The lines in the box whose top left corner is (``x``, ``top``)."""
        style = self.style
        y = top - style.fontSize
        for used, pieces in self.lines:
            if style.alignment == TA_CENTER:
                left = x + (self.width - used) / 2
            elif style.alignment == TA_RIGHT:
                left = x + self.width - used
            else:
                left = x
            pen.put(left, y, pieces, style.fontSize, style.textColor)
            y -= style.leading


def _break(text: str, font: str, size: float, width: float) -> list[tuple[float, list[Piece]]]:
    """Each line's width and its pieces, as Paragraph.breakLines breaks a paragraph."""
    text = " ".join(text.split())
    pieces = runs(text, font)
    if len(pieces) == 1:  # the usual case: all in one font
        name = pieces[0][0]
        measure = stringWidth(text, name, size)
        if measure <= width:
            return [(measure, pieces)] if text else []
        plain = _plain(text, name, size, width)
        if plain:
            return plain
    words = _words(pieces)
    if not words:
        return []
    space = stringWidth(" ", font, size)
    lines: list[tuple[float, list[Piece]]] = []
    line: list[list[Piece]] = []
    used = -space  # so the first word adds no space
    while words:
        word = words.pop(0)
        measure = _width(word, size)
        wider = used + space + measure
        if wider <= width + SHRINK * space * len(line):
            line.append(word)
            used = wider
        elif measure > width and len(word) == 1:  # longer than a line: cut, the rest on lines of its own
            first, *rest = _cut(word[0], used + space, width, size)
            if first[1]:
                line.append([first])
                used += space + _width([first], size)
            lines.append((used, _join(line, font)))
            lines.extend((_width([piece], size), [piece]) for piece in rest[:-1])
            words.insert(0, rest[-1:])
            line, used = [], -space
        elif not line:  # a word of several fonts wider than the line: on a line of its own
            lines.append((measure, _join([word], font)))
        else:
            lines.append((used, _join(line, font)))
            line, used = [word], measure
    if line:
        lines.append((used, _join(line, font)))
    return lines


def _plain(text: str, font: str, size: float, width: float) -> list[tuple[float, list[Piece]]] | None:
    """``text`` in one font broken into lines, or None when a word is longer than a line."""
    words = text.split(" ")
    widths = [stringWidth(word, font, size) for word in words]
    if max(widths) > width:
        return None
    space = stringWidth(" ", font, size)
    lines: list[tuple[float, list[Piece]]] = []
    start, used = 0, widths[0]
    for n in range(1, len(words)):
        wider = used + space + widths[n]
        if wider <= width + SHRINK * space * (n - start):
            used = wider
        else:
            lines.append((used, [(font, " ".join(words[start:n]))]))
            start, used = n, widths[n]
    lines.append((used, [(font, " ".join(words[start:]))]))
    return lines


def _words(pieces: list[Piece]) -> list[list[Piece]]:
    """The words of a text's ``pieces`` (its whitespace made single spaces), each as the
    pieces of it set in one font."""
    words: list[list[Piece]] = [[]]
    for name, run in pieces:
        for n, part in enumerate(run.split(" ")):
            if n:
                words.append([])
            if part:
                words[-1].append((name, part))
    return [word for word in words if word]


def _width(word: list[Piece], size: float) -> float:
    return sum(stringWidth(part, name, size) for name, part in word)


def _cut(piece: Piece, start: float, width: float, size: float) -> list[Piece]:
    """A word too long for a line cut into pieces that fit: the first in what is left of the
    current line (from ``start``; it may be empty), the rest in whole lines."""
    name, text = piece
    cut: list[Piece] = []
    part, used = "", start
    for char in text:
        step = stringWidth(char, name, size)
        if used + step > width and (part or used > 0):
            cut.append((name, part))
            part, used = "", 0.0
        part += char
        used += step
    cut.append((name, part))
    return cut if len(cut) > 1 else [(name, ""), *cut]


def _join(line: list[list[Piece]], font: str) -> list[Piece]:
    """The words of a line as runs, a space (in the paragraph's font) apart, one run for
    each stretch in one font."""
    joined: list[Piece] = []
    for n, word in enumerate(line):
        for name, part in [(font, " "), *word] if n else word:
            if joined and joined[-1][0] == name:
                joined[-1] = (name, joined[-1][1] + part)
            else:
                joined.append((name, part))
    return joined


class Pen:
    """The text of one page, written into a single text object that the page draws last
    (over its backgrounds and rules); a font or colour is set only when it changes."""

    __slots__ = ("_canvas", "_color", "_font", "_text")

    def __init__(self, canvas: Canvas) -> None:
        self._canvas = canvas
        self._text = canvas.beginText()
        self._font: tuple[str, float] | None = None
        self._color = None

    def put(self, x: float, y: float, pieces: list[Piece], size: float, color) -> None:
        """``pieces`` one after another from (``x``, ``y``) on the baseline."""
        text = self._text
        if color is not self._color:
            text.setFillColor(color)
            self._color = color
        text.setTextOrigin(x, y)
        for name, part in pieces:
            if (name, size) != self._font:
                text.setFont(name, size)
                self._font = (name, size)
            text.textOut(part)

    def line(self, x: float, y: float, text: str, font: str, size: float, color, right: bool = False) -> None:
        """One line of ``text`` from (``x``, ``y``), or ending there with ``right``."""
        pieces = runs(text, font)
        if right:
            x -= sum(stringWidth(part, name, size) for name, part in pieces)
        self.put(x, y, pieces, size, color)

    def finish(self) -> None:
        self._canvas.drawText(self._text)


# -- blocks down a page ----------------------------------------------------------------

Rule = tuple[float, float, float, float, object]  # x0, x1, y, line width, colour


Fill = tuple[float, float, object]  # x, width, colour: a block's background, as high as the block


class Block(NamedTuple):
    """Something drawn down the page: its height; how to draw it from a top edge (None for
    space), giving the rules to draw with the page's others; and its background, filled
    before anything else on the page is drawn."""

    height: float
    draw: Callable[[Canvas, Pen, float], list[Rule]] | None = None
    background: Fill | None = None


Placed = list[tuple[float, Block]]  # a page's blocks, each with its top edge


def flow(blocks: list[Block], top: float, bottom: float) -> list[Placed]:
    """The blocks placed down pages from ``top`` to ``bottom``, a block that does not fit
    on what is left of a page moved whole to the next: each page's blocks with their top edges."""
    pages: list[Placed] = [[]]
    y = top
    for block in blocks:
        if block.draw is None:
            y -= block.height if pages[-1] else 0  # no space at the top of a page
            continue
        if y - block.height < bottom - 1e-6 and pages[-1]:
            pages.append([])
            y = top
        pages[-1].append((y, block))
        y -= block.height
    return pages


def draw_page(canvas: Canvas, pen: Pen, placed: Placed) -> None:
    """A page's blocks: their backgrounds first, then each block, then their rules over them."""
    filled = [(top, block.height, block.background) for top, block in placed if block.background]
    if filled:
        canvas.saveState()
        color = None
        for top, height, (x, width, fill) in filled:
            if fill is not color:
                canvas.setFillColor(fill)
                color = fill
            canvas.rect(x, top - height, width, height, stroke=0, fill=1)
        canvas.restoreState()
    rules: list[Rule] = []
    for top, block in placed:
        rules += block.draw(canvas, pen, top) if block.draw else []
    ruled(canvas, rules)


def ruled(canvas: Canvas, rules: list[Rule], cap: int = 1) -> None:
    """Horizontal rules, with round caps as platypus tables draw theirs."""
    if not rules:
        return
    canvas.saveState()
    canvas.setLineCap(cap)
    pen = None
    for x0, x1, y, weight, color in rules:
        if (weight, color) != pen:
            canvas.setStrokeColor(color)
            canvas.setLineWidth(weight)
            pen = (weight, color)
        canvas.line(x0, y, x1, y)
    canvas.restoreState()
