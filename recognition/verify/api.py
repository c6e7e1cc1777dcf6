"""/api/v1/verify: public, rate-limited verification of certificates by code.

No token: anyone holding a certificate (an employer, a college) may check it. A code is
a credit statement's or an award's (``kind`` says which). What they learn is the
minimum a certificate already shows (for a statement: name, framework, period, credits,
issue date and status; for an award: name, award, year, date and status), never an
email, a person id or the activities. Every call counts against its client address's
limit, and the count is committed before the lookup so a run of wrong guesses is counted
too. An award's Open Badges credential can be checked against this deployment's keys as well;
every key it has signed with is published, so what a retired key signed still verifies.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import current_app, request
from sqlalchemy import select

from ..apidoc import errors_for
from ..awards.announcement import badges
from ..awards.announcement import service as announce
from ..clock import utcnow
from ..credits import canonical, service, signing, verification
from ..credits.models import Statement
from ..credits.schemas import SignedStatementSchema
from ..dossiers import service as dossiers
from ..errors import DomainError, NotFound, respond
from ..extensions import db
from ..parsing import Blueprint
from ..roster.sheets import size
from .schemas import (
    BadgeCheckSchema,
    BadgeCredentialSchema,
    KeyRingSchema,
    PdfCheckSchema,
    PdfUploadSchema,
    PublicKeySchema,
    SignedCheckSchema,
    VerificationSchema,
)
from .service import award_facts, facts_for

URL = "/verify"
blp = Blueprint("verify_api", __name__, description="Verify a certificate by its code (public)")

UNKNOWN = "No certificate has this code: it is not genuine, or the code was mistyped."
EXAMPLE = {
    "genuine": True,
    "status": "current",
    "kind": "credit_statement",
    "number": "RCM-2025-00042-1",
    "name": "Zoë Ångström-Nguyễn",
    "framework": "Royal College MOC Program",
    "period": "2025",
    "credits": "12.50",
    "unit": "credits",
    "sections": [{"id": "section_3", "label": "Section 3: Assessment", "credits": "4.50"}],
    "issued_on": "2026-01-01",
    "revoked_on": None,
    "current_number": None,
    "current_verify_url": None,
    "content_hash": "…",
    "pdf_sha256": "…",
    "key_id": "…",
}
AWARD_EXAMPLE = {
    "genuine": True,
    "status": "current",
    "kind": "award",
    "name": "Zoë Ångström-Nguyễn",
    "award": "Mentor of the Year",
    "year": 2026,
    "awarded_on": "2026-05-15",
    "issuer": "Department of Medicine",
    "code": "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ",
    "revoked_on": None,
    "content_hash": "…",
    "pdf_sha256": "…",
    "key_id": "…",
}

DOSSIER_EXAMPLE = {
    "genuine": True,
    "status": "superseded",
    "kind": "dossier",
    "number": "DOS-00042-20210701-20260630-1",
    "name": "Zoë Ångström-Nguyễn",
    "period": "2021-07-01 to 2026-06-30",
    "period_start": "2021-07-01",
    "period_end": "2026-06-30",
    "issued_on": "2026-07-02",
    "revoked_on": None,
    "current_number": "DOS-00042-20210701-20260630-2",
    "current_verify_url": "https://mentoring.example.org/verify/…",
    "content_hash": "…",
    "pdf_sha256": "…",
    "key_id": "…",
}


def count_request(field: str) -> None:
    """One more request from this client address; 429 beyond the configured limit."""
    verification.count_verification(request.remote_addr, utcnow(), field)
    db.session.commit()


@blp.get("/key")
@blp.response(200, PublicKeySchema)
@errors_for(429, 503, public=True)
def public_key():
    """The deployment's current public signing key, to check signed statements offline
    (those signed before a rotation name an earlier key: see /verify/keys). 503 when the
    key is missing or cannot be loaded: none is ever made here"""
    count_request("key")
    key = signing.app_key(current_app)
    return {"algorithm": signing.ALGORITHM, "key_id": key.key_id, "public_key_pem": key.public_pem()}


@blp.get("/keys")
@blp.response(200, KeyRingSchema)
@errors_for(429, 503, public=True)
def key_ring():
    """Every public key this deployment has signed with, with the period each signed in:
    find a document's key by the key_id it names (a statement signed before a rotation
    names a retired key, and still verifies against it)"""
    count_request("key")
    keys = signing.published(current_app)
    current = signing.current_of(keys)
    return {
        "algorithm": signing.ALGORITHM,
        "current_key_id": current.key_id if current else None,
        "keys": [
            {
                **entry.as_json(),
                "valid_from": entry.valid_from,
                "valid_until": entry.valid_until,
                "current": entry.current,
            }
            for entry in keys
        ],
    }


@blp.post("/signed")
@blp.arguments(SignedStatementSchema)
@blp.response(200, SignedCheckSchema)
@errors_for(422, 429, 503, public=True)
def check_signed(body):
    """Check a signed statement (as downloaded from /api/v1/statements/<id>/signed)
    against the deployment's key it names (current or retired), for those without tools
    of their own. The status is what the statement is now (a genuine one may since have
    been revoked)"""
    count_request("document")
    named = signing.named_by(body)
    key = signing.find(current_app, named)
    if key is None:
        why = (
            f"it names key {named}, which is not one of the keys this department has signed with (see "
            "/api/v1/verify/keys)"
            if named
            else "it names no signing key (key_id)"
        )
        return {
            "genuine": False,
            "key_id": None,
            "number": None,
            "status": None,
            "message": f"not signed by this department: {why}",
        }
    genuine, message = canonical.check_signed(body, key.public)
    late = signing.retired_before(key, body["document"].get("issued_at")) if genuine else None
    if late:
        genuine, message = False, f"not genuine: {late}"
    number = status = None
    if genuine:
        statement = db.session.scalar(select(Statement).where(Statement.content_hash == body["content_hash"]))
        if statement is not None:
            number, status = statement.number, service.status_of(statement)
        if not key.current:
            message += f" (a key retired on {key.valid_until:%Y-%m-%d}, which signed until then)"
    return {"genuine": genuine, "message": message, "key_id": key.key_id, "number": number, "status": status}


@blp.post("/credential")
@blp.arguments(BadgeCredentialSchema)
@blp.response(200, BadgeCheckSchema)
@errors_for(422, 429, 503, public=True)
def check_credential(credential):
    """Check an award's Open Badges 3.0 credential (JSON, as downloaded) against this
    deployment's keys (the current one, or one retired since). Any verifier can check the
    proof with the key it names (a did:key, or a key of the issuer profile for those signed
    with eddsa-rdfc-2022), but anyone can sign with a key of their own: this
    check says whether the key is ours and, when it is, whether the award still stands
    (current or revoked)"""
    count_request("credential")
    named = badges.signer(credential)
    wanted = signing.key_id(named) if named is not None else badges.named_key_id(credential)
    key = signing.find(current_app, wanted) if wanted is not None else None
    if wanted is not None and key is None:
        genuine, message = False, "signed by another key than this department's"
    else:
        genuine, message = badges.check(credential, key.public if key else None)
        late = signing.retired_before(key, credential["proof"].get("created")) if genuine and key else None
        if late:
            genuine, message = False, f"not genuine: {late}"
    key_id = key.key_id if key else None
    found = award_facts(_code_in(credential["id"])) if genuine else None
    if found is None:
        return {
            "genuine": genuine,
            "message": message,
            "key_id": key_id,
            "code": None,
            "verify_url": None,
            "status": None,
            "revoked_on": None,
        }
    if found["status"] == "revoked":
        message += f"; but the award was revoked on {found['revoked_on'].isoformat()}: do not rely on it"
    else:
        grant = announce.find_by_code(found["code"])
        newer = announce.newer_than(grant, content_hash(credential)) if grant is not None else None
        if newer is not None:
            message += f"; a newer credential was issued for this award on {newer:%Y-%m-%d}, and this one still stands"
    return {
        "genuine": True,
        "message": message,
        "key_id": key_id,
        "code": found["code"],
        "verify_url": canonical.verify_url(canonical.normalise_code(found["code"])),
        "status": found["status"],
        "revoked_on": found["revoked_on"],
    }


# The static paths beside /<code>: a code never takes their names (see apidoc.OtherThanConverter).
STATIC = "key, keys, signed, credential"


def content_hash(credential: dict) -> str:
    """The hash a credential was stored under (its JCS bytes), to tell which one it is."""
    return hashlib.sha256(badges.jcs(credential)).hexdigest()


def _code_in(url) -> str:
    """The code of a /verify/<code> URL (whatever its host: BASE_URL may have moved since)."""
    try:
        path = urlsplit(url).path if isinstance(url, str) else ""
    except ValueError:
        return ""
    _, found, code = path.rpartition("/verify/")
    return code if found and "/" not in code else ""


@blp.get(f"/<other_than({STATIC}):code>")
@blp.response(
    200,
    VerificationSchema,
    examples={
        "credit_statement": {"summary": "A credit statement", "value": EXAMPLE},
        "award": {"summary": "An award", "value": AWARD_EXAMPLE},
        "dossier": {"summary": "An issued dossier", "value": DOSSIER_EXAMPLE},
    },
)
@errors_for(404, 429, public=True)
def verify_code(code):
    """Whether a certificate is genuine, and its status. For a credit statement (kind
    credit_statement): current, superseded (with the current version) or revoked (with
    the date). For an award (kind award): current or revoked (with the date), with the
    award, year and winner's name. For an issued dossier (kind dossier): current or
    superseded (with the current version), its number, period and the person's name.
    Codes may be typed with dashes, spaces or in lower case"""
    count_request("code")
    found = facts_for(code)
    if found is None:
        raise NotFound(UNKNOWN, {"code": ["matches no certificate"]})
    return found


@blp.post(f"/<other_than({STATIC}):code>/pdf")
@blp.arguments(PdfUploadSchema, location="files")
@blp.response(200, PdfCheckSchema)
@errors_for(404, 413, 422, 429, public=True)
def compare_pdf(files, code):
    """Upload a PDF certificate (multipart field `file`), of a credit statement, an award
    or an issued dossier, to learn whether it is byte for byte the one issued under this code"""
    count_request("code")
    statement = verification.find_by_code(code)
    grant = announce.find_by_code(code) if statement is None else None
    dossier = dossiers.find_by_code(code) if statement is None and grant is None else None
    if statement is None and grant is None and dossier is None:
        raise NotFound(UNKNOWN, {"code": ["matches no certificate"]})
    issued = statement or grant or dossier
    assert issued is not None  # refused above when none of the three has the code
    same = verification.same_pdf(files["file"].read(), issued.pdf_sha256)
    if same is None:
        raise DomainError.field("file", "must be a PDF file", "The uploaded file is not a PDF.")
    if dossier is not None:
        if same:
            return {"identical": True, "message": f"This PDF is byte for byte dossier {dossier.number} as issued."}
        return {
            "identical": False,
            "message": f"This PDF is not dossier {dossier.number} as issued: it differs from "
            "it. Trust the facts on the verification page, not the file.",
        }
    if statement is None:
        assert grant is not None  # neither a statement nor a dossier
        cycle = grant.cycle
        what = f"the {cycle.award.name} {cycle.year} certificate issued under code {canonical.format_code(grant.code)}"
        if same:
            return {"identical": True, "message": f"This PDF is byte for byte {what}."}
        return {
            "identical": False,
            "message": f"This PDF is not {what}: it differs from it. Trust the facts on "
            "the verification page, not the file.",
        }
    if same:
        return {
            "identical": True,
            "message": f"This PDF is byte for byte the certificate issued as {statement.number}.",
        }
    return {
        "identical": False,
        "message": f"This PDF is not the one issued as {statement.number}: it differs from it. Trust the "
        "facts on the verification page, not the file.",
    }


@blp.errorhandler(413)
def too_large(error):
    limit = size(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    return respond(
        413, f"The upload is larger than {limit}: no certificate is that big.", {"file": [f"must be at most {limit}"]}
    )
