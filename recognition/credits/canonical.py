"""The canonical statement: what a credit statement says (its basis), the bytes that are
hashed and signed, its number and verification code, and the offline check of a signed
copy. It reads no request and renders nothing; the certificate (the PDF) and the service
(issuing) both build on it."""

from __future__ import annotations

import hashlib
import json
import secrets
from base64 import b32encode
from collections import defaultdict
from decimal import Decimal

from .. import links
from ..people.models import Person
from . import rules, signing
from .activities import Credited, period_of, version_for_year
from .frameworks import Framework
from .models import Statement
from .profiles import frameworks

CODE_BYTES = 15  # 120 bits, 24 base32 characters
FORMAT = 1


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def canonical(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_code() -> str:
    return b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def number_prefix(framework_id: str) -> str:
    """The framework's initials (RCM for royal_college_moc), or, when another framework
    has the same initials, its id in capitals: numbers never collide across frameworks."""

    def initials(name: str) -> str:
        return "".join(part[0] for part in name.split("_") if part).upper()

    mine = initials(framework_id)
    if any(initials(other) == mine for other in frameworks() if other != framework_id):
        return framework_id.upper().replace("_", "")[:20]
    return mine


def number_for(framework_id: str, year: int, person_id: int, version: int) -> str:
    return f"{number_prefix(framework_id)}-{year}-{person_id:05d}-{version}"


def verify_url(code: str) -> str:
    return links.url(f"/verify/{code}")


def basis(person: Person, framework_: Framework, year: int, credited: list[Credited]) -> dict:
    """What a statement counts: the credited activities of ``year`` and their totals."""
    start, end, label = period_of(framework_, year)
    version = version_for_year(framework_, year)
    counted = [c for c in credited if c.credit.year == year and c.credit.credits > 0]
    by_section: dict[str, Decimal] = defaultdict(Decimal)
    for c in counted:
        assert c.credit.section is not None  # only a rule's credit is above 0, and a rule has a section
        by_section[c.credit.section] += c.credit.credits
    return {
        "person": {"id": person.id, "name": person.name},
        "framework": {
            "id": framework_.id,
            "name": framework_.name,
            "unit": framework_.unit,
            "version": version.effective_from.isoformat(),
        },
        "period": {"year": year, "label": label, "start": start.isoformat(), "end": end.isoformat()},
        "sections": [
            {"id": key, "label": name, "credits": _money(by_section.get(key, rules.ZERO))}
            for key, name in version.sections.items()
        ],
        "total": _money(sum(by_section.values(), rules.ZERO)),
        "activities": [
            {
                "entry_id": c.source.entry_id,
                "entry_hash": c.source.entry_hash,
                "date": c.source.on.isoformat(),
                "kind": c.source.kind,
                "title": c.source.title,
                "minutes": c.source.minutes,
                "hours": _money(Decimal(c.source.minutes) / 60),
                "section": c.credit.section,
                "credits": _money(c.credit.credits),
                "note": c.credit.reason,
            }
            for c in counted
        ],
    }


def signed_json(statement: Statement) -> dict:
    """The statement as issued, with what checks it offline."""
    return {
        "document": json.loads(statement.document),
        "content_hash": statement.content_hash,
        "signature": statement.signature,
        "algorithm": signing.ALGORITHM,
        "key_id": statement.key_id,
    }


def unsigned(payload: dict) -> str | None:
    """Why ``payload`` is not shaped as a signed statement at all, or None."""
    try:
        canonical(payload["document"])
        signature = payload["signature"]
    except (KeyError, TypeError, ValueError):
        return "not a signed statement: it needs document and signature"
    if not isinstance(signature, str):
        return "not a signed statement: the signature must be a string"
    return None


def check_signed(payload: dict, public) -> tuple[bool, str]:
    """Whether a signed statement (as from ``signed_json``) is intact and signed by
    ``public``. Works offline: nothing here reads the database."""
    problem = unsigned(payload)
    if problem:
        return False, problem
    content, signature = canonical(payload["document"]), payload["signature"]
    if sha256(content) != payload.get("content_hash"):
        return False, "the document does not match its content hash (it was changed)"
    if not signing.verify(public, content, signature):
        return False, "the signature does not match this key (changed, or signed by another key)"
    return True, "genuine: the document is intact and signed by this key"
