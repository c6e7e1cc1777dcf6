"""How a reflection's ledger note commits to its private text, as pure functions.

The note is in the hash-chained ledger, which others may read; the text is only its
author's. So the note must bind the text (any later change shows) without revealing it.

- Since migration 0006: ``hmac-sha256:<hex>``, HMAC-SHA256 keyed with a random 128-bit
  salt (``secrets.token_hex(16)``) over the canonical text. The salt is stored beside the
  text in the reflections table, never in the ledger, so reading the ledger gives nothing
  to test a guessed text against, and two reflections with the same text get different
  notes.
- Before: ``sha256:<hex>``, a bare SHA-256 of the canonical text, with no salt. These
  notes are already chained and cannot change; they still verify, but a short text can
  be recovered from one by trying a dictionary of likely texts.

The canonical text is the JSON object of the source name and the six steps, sorted keys,
UTF-8 (``ensure_ascii=False``), default separators.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

TEXT_FIELDS = ("source_name", "area", "question", "standards", "comparison", "discussion", "next_steps")
SALTED, UNSALTED = "hmac-sha256:", "sha256:"
SALT_BYTES = 16


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def canonical_text(fields: dict) -> bytes:
    return json.dumps({key: fields[key] for key in TEXT_FIELDS}, sort_keys=True, ensure_ascii=False).encode("utf-8")


def commitment(fields: dict, salt: str | None) -> str:
    """The ledger note for this text: salted when ``salt`` is given, the old bare digest
    when it is None (a reflection recorded before salts)."""
    if salt is None:
        return UNSALTED + hashlib.sha256(canonical_text(fields)).hexdigest()
    return SALTED + hmac.new(bytes.fromhex(salt), canonical_text(fields), hashlib.sha256).hexdigest()


def matches(note: str, fields: dict, salt: str | None) -> bool:
    """Whether ``note`` commits to this text (either scheme), compared in constant time."""
    return hmac.compare_digest(note.encode("utf-8"), commitment(fields, salt).encode("utf-8"))
