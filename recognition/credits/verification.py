"""Looking a statement up by its code for the public verification page and API: the
minimum facts it shows, the comparison of an uploaded PDF, and the rate limit on lookups
(shared with the ledger's public checkpoints)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from .. import ratelimit
from ..clock import local_date
from ..extensions import db
from .canonical import normalise_code
from .models import Statement
from .service import current_version, is_revoked, revocation_of

PDF_MAGIC = b"%PDF-"


def count_verification(remote_addr: str | None, now: datetime, field: str = "code") -> None:
    """One more verification request from this address (page or API); 429 beyond the
    configured limit. The caller commits, so failed lookups count too."""
    config = current_app.config
    ratelimit.hit(
        "verify",
        remote_addr or "unknown",
        config["VERIFY_RATE_LIMIT"],
        config["VERIFY_RATE_WINDOW_SECONDS"],
        now,
        field=field,
    )


def same_pdf(data: bytes, pdf_sha256: str) -> bool | None:
    """Whether ``data`` is byte for byte the issued PDF; None when it is not a PDF at all."""
    if not data.startswith(PDF_MAGIC):
        return None
    return hashlib.sha256(data).hexdigest() == pdf_sha256


def find_by_code(code: str) -> Statement | None:
    code = normalise_code(code)
    if not code or len(code) > 40:
        return None
    return db.session.scalar(select(Statement).where(Statement.code == code))


def verification(code: str) -> dict | None:
    """What the public verification page says for ``code``: the minimum facts."""
    statement = find_by_code(code)
    if statement is None:
        return None
    revocation = revocation_of(statement.id)
    newest = current_version(statement)
    replaced = newest.id != statement.id
    state = "revoked" if revocation else "superseded" if replaced else "current"
    document = json.loads(statement.document)
    return {
        "genuine": True,
        "status": state,
        "kind": "credit_statement",
        "number": statement.number,
        "name": document["person"]["name"],
        "framework": document["framework"]["name"],
        "period": document["period"]["label"],
        "credits": document["total"],
        "unit": document["framework"]["unit"],
        "sections": [s for s in document["sections"] if Decimal(s["credits"]) > 0],
        "issued_on": statement.issued_at.date(),
        "revoked_on": local_date(revocation.revoked_at) if revocation else None,
        "current_number": newest.number if replaced else None,
        "current_code": newest.code if replaced and not is_revoked(newest.id) else None,
        "content_hash": statement.content_hash,
        "pdf_sha256": statement.pdf_sha256,
        "key_id": statement.key_id,
    }
