"""Supporting letters as PDFs: refused unless they can be re-written into a plain copy.

An uploaded PDF is not stored as it came. Its pages are copied into a new document
(no scripts, forms, annotations, outlines or attachments), the copy is written, read back
and walked object by object, and only that copy is kept. What cannot be copied, or comes
out nested deeper than any letter needs (a crafted file nesting its resources thousands
of levels, which breaks every later reader), is refused on upload with the reason.

``readable`` is the same check for a letter stored before letters were re-written: the
package uses it so that one bad letter never breaks the rest.
"""

from __future__ import annotations

import io
import logging
import re

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# Far deeper than any real letter (a page's resources, fonts and their dictionaries sit
# a dozen levels down), far shallower than Python's recursion limit.
MAX_DEPTH = 64
MAX_OBJECTS = 200_000


class Unreadable(Exception):
    """The PDF cannot be read or re-written; the message says why, for the person."""


_TOKEN = re.compile(rb"%|\(|<<|>>|<|\[|\]|(?<![A-Za-z])stream(?=[\r\n])")


def _nesting(data: bytes) -> int:
    """How deep dictionaries and arrays nest in the file's text, read lexically (comments,
    strings, hex strings and stream contents skipped). pypdf parses nesting recursively and,
    past Python's recursion limit, may quietly keep part of an object or drop it, depending
    on how deep the caller's own stack already is; counting first refuses such a file the
    same way every time."""
    depth = deepest = 0
    position, end = 0, len(data)
    while (found := _TOKEN.search(data, position)) is not None:
        token, position = found.group(), found.end()
        if token in (b"<<", b"["):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif token in (b">>", b"]"):
            depth = max(depth - 1, 0)
        elif token == b"%":
            line = re.compile(rb"[\r\n]").search(data, position)
            position = line.end() if line else end
        elif token == b"<":
            close = data.find(b">", position)
            position = close + 1 if close >= 0 else end
        elif token == b"(":
            level = 1
            while level and position < end:
                byte = data[position]
                position += 2 if byte == 0x5C else 1  # a backslash escapes the next byte
                level += (byte == 0x28) - (byte == 0x29)
        else:  # stream: its bytes are data, not syntax
            close = data.find(b"endstream", position)
            position = close + len(b"endstream") if close >= 0 else end
    return deepest


def _depth_check(root) -> None:
    """Walk every object reachable from ``root`` without recursion; refuse a nesting
    deeper than MAX_DEPTH or a document with more objects than a letter has."""
    seen: set[tuple[int, int]] = set()
    stack = [(root, 0)]
    visited = 0
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Unreadable(f"its objects nest more than {MAX_DEPTH} levels deep")
        visited += 1
        if visited > MAX_OBJECTS:
            raise Unreadable(f"it holds more than {MAX_OBJECTS} objects")
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            stack.append((item.get_object(), depth))
        elif isinstance(item, DictionaryObject):
            stack.extend((value, depth + 1) for key, value in item.items() if key != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend((value, depth + 1) for value in item)


def _quietly(work):
    """pypdf logs every object it cannot parse; a crafted file makes thousands of lines."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        return work()
    except Unreadable:
        raise
    except RecursionError:
        raise Unreadable(f"its objects nest too deep to read (more than {MAX_DEPTH} levels)") from None
    except Exception as error:  # noqa: BLE001 - any failure of the PDF library is the file's fault
        raise Unreadable(f"{type(error).__name__}: {str(error)[:120] or 'unreadable'}") from None
    finally:
        logger.setLevel(level)


def _pages_of(data: bytes) -> PdfReader:
    if _nesting(data) > MAX_DEPTH:
        raise Unreadable(f"its objects nest more than {MAX_DEPTH} levels deep")
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise Unreadable("encrypted")
    for page in reader.pages:
        _depth_check(page)
    return reader


def normalise(data: bytes) -> tuple[bytes, int]:
    """A plain re-written copy of the PDF ``data`` and its page count, or Unreadable.
    Encryption is reported as ``Unreadable("encrypted")`` for the caller to word."""

    def work() -> tuple[bytes, int]:
        reader = _pages_of(data)
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.remove_annotations(subtypes=None)
        out = io.BytesIO()
        writer.write(out)
        copy = out.getvalue()
        again = _pages_of(copy)  # the copy must read back, as every later reader will read it
        if len(again.pages) != len(reader.pages):
            raise Unreadable("its pages did not survive re-writing")
        return copy, len(again.pages)

    return _quietly(work)


def readable(data: bytes) -> PdfReader:
    """A reader over a stored letter whose every page was walked, or Unreadable."""
    return _quietly(lambda: _pages_of(data))
