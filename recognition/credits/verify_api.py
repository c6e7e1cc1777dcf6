"""/api/v1/verify: public, rate-limited verification of certificates by code.

No token: anyone holding a certificate (an employer, a college) may check it. What they
learn is the minimum a certificate already shows (name, framework, period, credits,
issue date and status), never an email, a person id or the activities. Every call counts
against its client address's limit, and the count is committed before the lookup so a
run of wrong guesses is counted too.
"""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint
from sqlalchemy import select

from ..apidoc import errors_for
from ..clock import utcnow
from ..errors import DomainError, NotFound, respond
from ..extensions import db
from ..roster.sheets import size
from . import service, signing
from .models import Statement
from .schemas import (
    PdfCheckSchema, PdfUploadSchema, PublicKeySchema, SignedCheckSchema, SignedStatementSchema, VerificationSchema,
)

URL = "/verify"
blp = Blueprint("verify_api", __name__, description="Verify a certificate by its code (public)")

UNKNOWN = "No certificate has this code: it is not genuine, or the code was mistyped."
EXAMPLE = {
    "genuine": True, "status": "current", "kind": "credit_statement", "number": "RCM-2025-00042-1",
    "name": "Zoë Ångström-Nguyễn", "framework": "Royal College MOC Program", "period": "2025", "credits": "12.50",
    "unit": "credits", "sections": [{"id": "section_3", "label": "Section 3: Assessment", "credits": "4.50"}],
    "issued_on": "2026-01-01", "revoked_on": None, "current_number": None, "current_verify_url": None,
    "content_hash": "…", "pdf_sha256": "…", "key_id": "…",
}


def count_request(field: str) -> None:
    """One more request from this client address; 429 beyond the configured limit."""
    service.count_verification(request.remote_addr, utcnow(), field)
    db.session.commit()


def statement_for(code: str) -> Statement:
    statement = service.find_by_code(code)
    if statement is None:
        raise NotFound(UNKNOWN, {"code": ["matches no certificate"]})
    return statement


@blp.get("/key")
@blp.response(200, PublicKeySchema)
@errors_for(429, public=True)
def public_key():
    """The deployment's public signing key, to check signed statements offline"""
    count_request("key")
    key = signing.app_key(current_app)
    return {"algorithm": signing.ALGORITHM, "key_id": key.key_id, "public_key_pem": key.public_pem()}


@blp.post("/signed")
@blp.arguments(SignedStatementSchema)
@blp.response(200, SignedCheckSchema)
@errors_for(422, 429, public=True)
def check_signed(body):
    """Check a signed statement (as downloaded from /api/v1/statements/<id>/signed)
    against this deployment's key, for those without tools of their own. The status is
    what the statement is now (a genuine one may since have been revoked)"""
    count_request("document")
    key = signing.app_key(current_app)
    genuine, message = service.check_signed(body, key.public)
    number = status = None
    if genuine:
        statement = db.session.scalar(select(Statement).where(Statement.content_hash == body["content_hash"]))
        if statement is not None:
            number, status = statement.number, service.status_of(statement)
    return {"genuine": genuine, "message": message, "key_id": key.key_id, "number": number, "status": status}


@blp.get("/<code>")
@blp.response(200, VerificationSchema, example=EXAMPLE)
@errors_for(404, 429, public=True)
def verify_code(code):
    """Whether a certificate is genuine, and whether it is current, superseded (with the
    current version) or revoked (with the date). Codes may be typed with dashes, spaces
    or in lower case"""
    count_request("code")
    found = service.verification(code)
    if found is None:
        raise NotFound(UNKNOWN, {"code": ["matches no certificate"]})
    current_code = found.pop("current_code")
    found["current_verify_url"] = service.verify_url(current_code) if current_code else None
    return found


@blp.post("/<code>/pdf")
@blp.arguments(PdfUploadSchema, location="files")
@blp.response(200, PdfCheckSchema)
@errors_for(404, 413, 422, 429, public=True)
def compare_pdf(files, code):
    """Upload a PDF certificate (multipart field `file`) to learn whether it is byte for
    byte the one issued under this code"""
    count_request("code")
    statement = statement_for(code)
    same = service.same_pdf(files["file"].read(), statement.pdf_sha256)
    if same is None:
        raise DomainError.field("file", "must be a PDF file", "The uploaded file is not a PDF.")
    if same:
        return {"identical": True,
                "message": f"This PDF is byte for byte the certificate issued as {statement.number}."}
    return {"identical": False,
            "message": f"This PDF is not the one issued as {statement.number}: it differs from it. Trust the "
                       "facts on the verification page, not the file."}


@blp.errorhandler(413)
def too_large(error):
    limit = size(current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    return respond(413, f"The upload is larger than {limit}: no certificate is that big.",
                   {"file": [f"must be at most {limit}"]})
