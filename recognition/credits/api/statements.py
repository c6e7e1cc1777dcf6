"""/api/v1/statements: issued credit statements (a statement is its owner's and the admins').

Everyone else gets a 404, as if the statement did not exist. A statement never changes:
re-issuing makes a new version that supersedes it, and an admin's revocation is a row
beside it. The PDF and the signed JSON are served exactly as they were issued.
"""

from __future__ import annotations

import json

from flask import Response

from ...apidoc import errors_for
from ...auth.current import api_actor
from ...clock import utcnow
from ...extensions import db
from ...keyset import paginate
from ...parsing import Blueprint
from .. import activities, canonical, profiles, service
from ..models import Statement
from ..schemas import (
    RevocationInSchema,
    SignedStatementSchema,
    StatementArgsSchema,
    StatementInSchema,
    StatementPageSchema,
    StatementSchema,
)

URL = "/statements"
blp = Blueprint("statements_api", __name__, description="Credit statements: issue, download, revoke")


def links(statement: Statement) -> dict:
    here = f"/api/v1/statements/{statement.id}"
    return {
        "self": here,
        "pdf": f"{here}/pdf",
        "signed": f"{here}/signed",
        "verify": canonical.verify_url(statement.code),
    }


def item_view(statement: Statement, status: str) -> dict:
    found = profiles.frameworks().get(statement.framework_id)
    return {
        "id": statement.id,
        "number": statement.number,
        "person": {"id": statement.person_id, "name": statement.person.name},
        "framework": {
            "id": statement.framework_id,
            "name": found.name if found else statement.framework_id,
            "unit": found.unit if found else "credits",
        },
        "year": statement.year,
        "period": activities.period_of(found, statement.year)[2] if found else str(statement.year),
        "version": statement.version,
        "status": status,
        "total": statement.total,
        "issued_at": statement.issued_at,
        "links": links(statement),
    }


def statement_view(statement: Statement) -> dict:
    """Everything about a statement, for its owner and the admins."""
    document = json.loads(statement.document)
    revocation = service.revocation_of(statement.id)
    successor = service.successor_of(statement.id)
    return {
        **item_view(statement, service.status_of(statement)),
        "person": document["person"],
        "framework": {key: document["framework"][key] for key in ("id", "name", "unit")},
        "period": document["period"]["label"],
        "supersedes": document["supersedes"],
        "superseded_by": successor.number if successor else None,
        "current_number": service.current_version(statement).number,
        "revoked_at": revocation.revoked_at if revocation else None,
        "revocation_reason": revocation.reason if revocation else None,
        "sections": document["sections"],
        "activities": document["activities"],
        "code": canonical.format_code(statement.code),
        "verify_url": canonical.verify_url(statement.code),
        "content_hash": statement.content_hash,
        "pdf_sha256": statement.pdf_sha256,
        "key_id": statement.key_id,
        "ledger_seq": statement.ledger_seq,
        "ledger_hash": statement.ledger_hash,
    }


def _filtered(statement, args):
    if args.get("person_id"):
        statement = statement.where(Statement.person_id == args["person_id"])
    if args.get("year"):
        statement = statement.where(Statement.year == args["year"])
    if args.get("framework"):
        statement = statement.where(Statement.framework_id == profiles.framework(args["framework"]).id)
    if args.get("status"):
        statement = service.where_status(statement, args["status"])
    return statement


@blp.get("")
@blp.arguments(StatementArgsSchema, location="query")
@blp.response(200, StatementPageSchema)
@errors_for(401, 422)
def list_statements(args):
    """Your statements, newest first (admins: everyone's, filtered by person, year,
    framework or status)"""
    statement = _filtered(service.visible_statements(api_actor()), args)
    page = paginate(db.session, statement, args, (Statement.issued_at.desc(), Statement.id.desc()))
    states = service.statuses([row.id for row in page["items"]])
    page["items"] = [item_view(row, states[row.id]) for row in page["items"]]
    return page


@blp.post("")
@blp.arguments(StatementInSchema, example={"year": 2025, "framework_id": "royal_college_moc"})
@blp.response(201, StatementSchema)
@errors_for(401, 404, 409, 422)
def issue_statement(body):
    """Issue a signed statement of a year's credits, with its PDF certificate (yours; an
    admin anyone's). A second one for the same year needs reissue=true, which makes a new
    version superseding the old, and is refused (409) when nothing has changed"""
    actor = api_actor()
    person_id = body["person_id"] or actor.person_id
    assert person_id is not None  # tokens are issued to people; only the command line acts as no one
    if body["framework_id"]:
        framework_id = profiles.framework(body["framework_id"], "framework_id").id
    else:
        framework_id = profiles.profile_of(person_id).framework_id
    statement = service.issue(person_id, framework_id, body["year"], actor, utcnow(), reissue=body["reissue"])
    db.session.commit()
    return statement_view(statement)


@blp.get("/<int:statement_id>")
@blp.response(200, StatementSchema)
@errors_for(401, 404)
def get_statement(statement_id):
    """One statement: its status, versions, credits, activities and what verifies it"""
    return statement_view(service.get_statement(statement_id, api_actor()))


@blp.get("/<int:statement_id>/pdf")
@blp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="application/pdf",
    description="The PDF certificate, byte for byte as issued",
)
@errors_for(401, 404)
def download_pdf(statement_id):
    """The PDF certificate, exactly as issued"""
    statement = service.get_statement(statement_id, api_actor())
    return Response(
        statement.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="statement-{statement.number}.pdf"'},
    )


@blp.get("/<int:statement_id>/signed")
@blp.response(200, SignedStatementSchema, description="A download: statement-<number>.json")
@errors_for(401, 404)
def download_signed(statement_id):
    """The signed statement as JSON: the document, its content hash and the Ed25519
    signature, to check offline with the key at GET /api/v1/verify/key"""
    statement = service.get_statement(statement_id, api_actor())
    text = json.dumps(canonical.signed_json(statement), ensure_ascii=False, indent=2) + "\n"
    return Response(
        text,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="statement-{statement.number}.json"'},
    )


@blp.post("/<int:statement_id>/revocation")
@blp.arguments(RevocationInSchema, example={"reason": "Issued for the wrong person"})
@blp.response(201, StatementSchema)
@errors_for(401, 403, 404, 409, 422)
def revoke_statement(body, statement_id):
    """Revoke a statement, saying why (admins). Verification shows it as revoked from then
    on; the reason is shown only to its owner and the admins"""
    actor = api_actor()
    statement = service.get_statement(statement_id, actor)
    service.revoke(statement, body["reason"], actor, utcnow())
    db.session.commit()
    return statement_view(statement)
