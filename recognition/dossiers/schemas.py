"""What goes in and out of /api/v1/dossiers. Whether a person or a case exists, and
whether the period is one a dossier can cover, is the service's to say."""

from typing import Any

from marshmallow import Schema, validate

from .. import fields
from ..apidoc import ID, UtcDateTime
from ..keyset import KeysetArgsSchema, keyset_page_schema
from .models import ACCESS_ACTIONS, FORMATS

FORMAT = fields.String(
    load_default="json",
    validate=validate.OneOf(("json", "csv", "pdf")),
    metadata={"description": "json (default), csv (one sheet, a section column) or pdf (the Data Summary Table)"},
)
PERSON: dict[str, Any] = {"validate": ID, "metadata": {"description": "Whose dossier (default: yours)", "example": 42}}


class DossierDraftArgsSchema(Schema):
    person_id = fields.Integer(load_default=None, **PERSON)
    start = fields.Date(
        load_default=None,
        metadata={
            "description": "First day (default: your last promotion, else appointment; a committee member: the "
            "case's start)",
            "example": "2021-07-01",
        },
    )
    end = fields.Date(
        load_default=None,
        metadata={
            "description": "Last day, not in the future (default: today; a committee member: the case's end)",
            "example": "2026-06-30",
        },
    )
    format = FORMAT


class DossierIssueInSchema(Schema):
    person_id = fields.Integer(load_default=None, **PERSON)
    start = fields.Date(load_default=None, metadata={"example": "2021-07-01"})
    end = fields.Date(load_default=None, metadata={"example": "2026-06-30"})
    case_id = fields.Integer(
        load_default=None,
        validate=ID,
        metadata={"description": "The case it is issued for, if any (a case about this person)"},
    )


class DossierIssuedArgsSchema(Schema):
    person_id = fields.Integer(load_default=None, **PERSON)


class DossierFormatArgsSchema(Schema):
    format = FORMAT


class DossierAccessArgsSchema(KeysetArgsSchema):
    person_id = fields.Integer(
        load_default=None, validate=ID, metadata={"description": "Administrators: anyone's log (default: yours)"}
    )


class DossierPersonSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class DossierIssuedSchema(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"example": "DOS-00042-20210701-20260630-1"})
    person = fields.Nested(DossierPersonSchema)
    period_start = fields.Date()
    period_end = fields.Date()
    version = fields.Integer()
    status = fields.String(metadata={"enum": ["current", "superseded"]})
    supersedes = fields.String(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    code = fields.String(metadata={"description": "The verification code, as printed"})
    verify_url = fields.String()
    issued_at = UtcDateTime()
    ledger_seq = fields.Integer()
    ledger_hash = fields.String()
    content_hash = fields.String()
    pdf_sha256 = fields.String()
    key_id = fields.String()
    links = fields.Dict(metadata={"description": "self, pdf, csv and the public verification page"})


class DossierIssuedDocumentSchema(DossierIssuedSchema):
    document = fields.Dict(metadata={"description": "The dossier as issued (canonical JSON, signed)"})
    signature = fields.String(metadata={"description": "Ed25519 over the canonical JSON of document, base64url"})
    algorithm = fields.String(metadata={"example": "Ed25519"})


class DossierIssuedListSchema(Schema):
    items = fields.List(fields.Nested(DossierIssuedSchema))


class DossierAccessSchema(Schema):
    id = fields.Integer()
    person_id = fields.Integer(metadata={"description": "Whose dossier"})
    viewer = fields.Nested(
        DossierPersonSchema, allow_none=True, metadata={"description": "Who looked (null: the command line)"}
    )
    capacity = fields.String(metadata={"enum": ["self", "committee", "admin"]})
    case_id = fields.Integer(allow_none=True)
    dossier_id = fields.Integer(allow_none=True, metadata={"description": "The issued dossier (null: a draft)"})
    action = fields.String(metadata={"enum": list(ACCESS_ACTIONS)})
    format = fields.String(metadata={"enum": list(FORMATS)})
    period_start = fields.Date()
    period_end = fields.Date()
    at = UtcDateTime()


DossierAccessPageSchema = keyset_page_schema(DossierAccessSchema, "DossierAccessPage")
