"""TrueType fonts embedded in PDFs as reportlab embeds them, byte for byte, but with each
subset's font program and character map built and compressed once per process rather
than once per PDF.

reportlab embeds the glyphs a PDF uses as subsets of at most 256 (the first holds ASCII
at its own codes, then the other characters in the order the PDF first uses them), and
builds and compresses each subset anew for every PDF: over a quarter of the CPU time
of a statement's certificate. The subsets certificates use are few (a year-end batch of 158
statements used 60 distinct ones among 806), so each is kept, compressed, and reused.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import reportlab
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont, makeToUnicodeCMap

# The reportlab releases whose embedding ``addObjects`` repeats (checked byte for byte by
# tests/credits/test_certificate.py); any other embeds with reportlab's own code, uncached.
FOLLOWS_REPORTLAB = reportlab.Version.startswith(("5.1.",))


class _Compressed:
    """A stream filter that hands back a stream's content compressed beforehand (the
    stream's own content is left empty): reportlab writes the stream as it writes any
    FlateDecode one."""

    pdfname = pdfdoc.PDFZCompress.pdfname

    def __init__(self, compressed: bytes) -> None:
        self.compressed = compressed

    def encode(self, text) -> bytes:
        return self.compressed


@dataclass(frozen=True)
class _Subset:
    """One subset of an embedded font as a PDF carries it, compressed."""

    widths: tuple[int, ...]
    to_unicode: _Compressed
    program: _Compressed  # the subset's TrueType font program
    program_length: int  # uncompressed, for the stream's Length1


class EmbeddedFont(TTFont):
    """A TrueType font whose subsets are built and compressed once per process (see the
    module's docstring); a PDF made without compression gets reportlab's own."""

    KEEP = 64  # subsets kept per font, the oldest dropped first

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self._subsets: dict[tuple[int, tuple[int, ...]], _Subset] = {}
        # PDFs may be made in several threads at once, and the face reads the font file
        # through one shared position: a subset is built by one thread at a time (only on
        # a miss), so none is built from another's reads and then kept for every PDF after.
        self._building = threading.Lock()

    def _subset(self, n: int, codes: tuple[int, ...], base_font: str) -> _Subset:
        found = self._subsets.get((n, codes))
        if found is not None:
            return found
        with self._building:
            found = self._subsets.get((n, codes))  # built by another thread meanwhile
            if found is None:
                program = self.face.makeSubset(codes)
                found = _Subset(
                    tuple(map(self.face.getCharWidth, codes)),
                    _Compressed(pdfdoc.PDFZCompress.encode(makeToUnicodeCMap(base_font, codes))),
                    _Compressed(pdfdoc.PDFZCompress.encode(program)),
                    len(program),
                )
                while len(self._subsets) >= self.KEEP:
                    self._subsets.pop(next(iter(self._subsets)))
                self._subsets[(n, codes)] = found
        return found

    def addObjects(self, doc) -> None:
        """reportlab's ``TTFont.addObjects`` and ``TTFontFace.addSubsetObjects``, with the
        subsets' streams taken from ``_subset``."""
        if not doc.compression or not FOLLOWS_REPORTLAB:
            super().addObjects(doc)
            return
        state = self.state.get(doc) or self.state.setdefault(doc, TTFont.State(self._asciiReadable))
        state.frozen = 1
        face = self.face
        flags = (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
        fonts = doc.idToObject["BasicFonts"].dict
        for n, codes in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_font = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            subset = self._subset(n, tuple(codes), base_font)

            font = pdfdoc.PDFTrueTypeFont()
            font.__Comment__ = f"Font {self.fontName} subset {n}"
            font.Name = internal_name
            font.BaseFont = base_font
            font.FirstChar = 0
            font.LastChar = len(codes) - 1
            font.Widths = pdfdoc.PDFArray(list(subset.widths))
            cmap = pdfdoc.PDFStream(content=b"", filters=[subset.to_unicode])
            font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base_font)

            program = pdfdoc.PDFStream(content=b"", filters=[subset.program])
            program.dictionary["Length1"] = subset.program_length
            program_ref = doc.Reference(program, f"fontFile:{face.filename}({base_font})")
            descriptor = pdfdoc.PDFDictionary(
                {
                    "Type": "/FontDescriptor",
                    "Ascent": face.ascent,
                    "CapHeight": face.capHeight,
                    "Descent": face.descent,
                    "Flags": flags,
                    "FontBBox": pdfdoc.PDFArray(face.bbox),
                    "FontName": pdfdoc.PDFName(base_font),
                    "ItalicAngle": face.italicAngle,
                    "StemV": face.stemV,
                    "FontFile2": program_ref,
                    "MissingWidth": face.defaultWidth,
                }
            )
            font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base_font)
            doc.Reference(font, internal_name)
            fonts[internal_name] = font
        del self.state[doc]
