"""Bitstring Status List v1.0 (W3C): how a verifier learns that an award was revoked.

Each grant holds one index in a list, allocated once and never reused; its bit is set
once the grant is revoked. A list has 131,072 entries (16 KB, the specification's minimum
for herd privacy: a fetch of the list does not tell us which credential is being checked),
is GZIP-compressed and written as multibase base64url (``u...``), and is published as a
``BitstringStatusListCredential`` signed like the badges. Pure: no Flask, no database.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable
from datetime import datetime

from . import badges

SIZE = 131_072
PURPOSE = "revocation"


def place(index: int) -> tuple[int, int]:
    """(list number from 1, index within that list) of a grant's status index."""
    return index // SIZE + 1, index % SIZE


def bitstring(set_bits: Iterable[int]) -> bytes:
    """SIZE bits, the first entry the most significant bit of the first byte."""
    bits = bytearray(SIZE // 8)
    for index in set_bits:
        if not 0 <= index < SIZE:
            raise ValueError(f"status index {index} is outside a list of {SIZE}")
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encode(bits: bytes) -> str:
    # mtime=0: the same bits always give the same text
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("the encoded list is not multibase base64url")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def entry(list_url: str, index: int) -> dict:
    """A credential's ``credentialStatus``: its index in the list at ``list_url``."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def credential(list_url: str, issuer: dict, set_bits: Iterable[int], issued_at: datetime) -> dict:
    """The unsigned status list credential."""
    return {
        "@context": [badges.CONTEXTS[0]],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": badges._iso(issued_at),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(bitstring(set_bits)),
        },
    }
