"""An award's emblem as a PNG, drawn from its slug alone (the same award always gets the
same bytes), and Open Badges 3.0 baking: the signed credential in an ``iTXt`` chunk with
the keyword ``openbadgecredential``. Written with the standard library: a PNG is a few
zlib-compressed rows and CRC-checked chunks."""

from __future__ import annotations

import colorsys
import hashlib
import math
import struct
import zlib
from functools import lru_cache

SIDE = 256
SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _colour(hue: float, light: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.55)
    return round(r * 255), round(g * 255), round(b * 255)


@lru_cache(maxsize=64)
def emblem(slug: str) -> bytes:
    """A medal: a ring and a star with as many points as the slug's hash picks, in a hue
    of its own, on a transparent ground."""
    digest = hashlib.sha256(slug.encode("utf-8")).digest()
    hue = digest[0] / 255
    points = 5 + digest[1] % 4
    ring, disc, star = _colour(hue, 0.32), _colour(hue, 0.88), _colour((hue + 0.5) % 1, 0.45)
    centre = (SIDE - 1) / 2
    rows = bytearray()
    for y in range(SIDE):
        rows.append(0)  # filter: none
        for x in range(SIDE):
            dx, dy = x - centre, y - centre
            r = math.hypot(dx, dy) / centre
            if r > 1:
                rows += b"\x00\x00\x00\x00"
                continue
            angle = math.atan2(dy, dx) + math.pi / 2
            # the star's edge: between the inner and outer radius as the angle sweeps a point
            phase = abs(((angle * points / (2 * math.pi)) % 1) - 0.5) * 2
            edge = 0.28 + 0.34 * phase
            colour = ring if r > 0.84 else star if r < edge else disc
            rows += bytes(colour) + b"\xff"
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + _chunk(b"IEND", b"")


def bake(png: bytes, credential_json: str) -> bytes:
    """``png`` with the credential in an uncompressed iTXt chunk just before IEND."""
    if not png.startswith(SIGNATURE) or not png.endswith(_chunk(b"IEND", b"")):
        raise ValueError("not a PNG ending in IEND")
    itxt = KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + credential_json.encode("utf-8")
    return png[: -len(_chunk(b"IEND", b""))] + _chunk(b"iTXt", itxt) + _chunk(b"IEND", b"")
