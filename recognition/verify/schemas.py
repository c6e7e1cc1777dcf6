"""What goes in and out of the public verification API: the facts a code shows, the PDF
and signed-copy checks, the published keys and the Open Badges credential check."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import INCLUDE, Schema, post_load, validate

from .. import fields
from ..apidoc import UtcDateTime
from ..credits.schemas import AMOUNT, STATUSES

# Verification (public) -----------------------------------------------------------------------

VERIFIED_KINDS = ("credit_statement", "award", "dossier")  # what a verification code can belong to


class PublicSectionSchema(Schema):
    id = fields.String()
    label = fields.String()
    credits = fields.String(**AMOUNT)


class VerificationSchema(Schema):
    """What /verify/<code> says: about a credit statement, or (``kind`` award) about an
    award. Each kind carries its own facts; the others are absent."""

    genuine = fields.Boolean(metadata={"description": "Always true here: an unknown code is a 404"})
    status = fields.String(metadata={"enum": list(STATUSES), "description": "An award is current or revoked"})
    kind = fields.String(metadata={"enum": list(VERIFIED_KINDS), "example": "credit_statement"})
    number = fields.String(metadata={"description": "Credit statements and dossiers: the number"})
    name = fields.String(metadata={"description": "Whose certificate it is, as printed on it"})
    framework = fields.String(metadata={"description": "Credit statements"})
    period = fields.String(metadata={"description": "Credit statements and dossiers"})
    period_start = fields.Date(metadata={"description": "Dossiers: the period's first day"})
    period_end = fields.Date(metadata={"description": "Dossiers: the period's last day"})
    credits = fields.String(**AMOUNT)
    unit = fields.String(metadata={"description": "Credit statements"})
    sections = fields.List(fields.Nested(PublicSectionSchema), metadata={"description": "Sections with credits"})
    issued_on = fields.Date(metadata={"description": "Credit statements and dossiers"})
    award = fields.String(metadata={"description": "Awards: the award's name", "example": "Mentor of the Year"})
    year = fields.Integer(metadata={"description": "Awards: the cycle's year", "example": 2026})
    awarded_on = fields.Date(metadata={"description": "Awards: the day it was announced"})
    issuer = fields.String(metadata={"description": "Awards: the department that gave it"})
    code = fields.String(metadata={"description": "Awards: the verification code as printed on the certificate"})
    revoked_on = fields.Date(allow_none=True)
    current_number = fields.String(allow_none=True, metadata={"description": "When superseded: the newest version"})
    current_verify_url = fields.String(
        allow_none=True, metadata={"description": "When superseded by a version that is not revoked: where to check it"}
    )
    content_hash = fields.String(
        metadata={"description": "SHA-256 of the signed statement or credential (canonical JSON)"}
    )
    pdf_sha256 = fields.String(metadata={"description": "SHA-256 of the PDF as issued"})
    key_id = fields.String()


class PdfUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "The PDF certificate to compare"})


class PdfCheckSchema(Schema):
    identical = fields.Boolean(metadata={"description": "Byte for byte the PDF that was issued"})
    message = fields.String()


class PublicKeySchema(Schema):
    algorithm = fields.String(metadata={"example": "Ed25519"})
    key_id = fields.String()
    public_key_pem = fields.String()


class PublishedKeySchema(Schema):
    key_id = fields.String(
        metadata={"description": "First 16 hex digits of the SHA-256 of the raw public key; signed documents name it"}
    )
    algorithm = fields.String(metadata={"example": "Ed25519"})
    public_key_pem = fields.String(metadata={"description": "The public key, SubjectPublicKeyInfo PEM"})
    valid_from = UtcDateTime(
        allow_none=True,
        metadata={"description": "When it began to sign (null: before this deployment recorded its keys' dates)"},
    )
    valid_until = UtcDateTime(
        allow_none=True, metadata={"description": "When it was retired by a rotation (null: it is the current key)"}
    )
    current = fields.Boolean(metadata={"description": "Whether it signs now"})


class KeyRingSchema(Schema):
    """Every key this deployment has signed with: documents signed by a retired key still
    verify against it."""

    algorithm = fields.String(metadata={"example": "Ed25519"})
    current_key_id = fields.String(
        allow_none=True,
        metadata={
            "description": "The key that signs now (null: it is missing, nothing can be signed until it is restored)"
        },
    )
    keys = fields.List(fields.Nested(PublishedKeySchema), metadata={"description": "Oldest first"})


class SignedCheckSchema(Schema):
    genuine = fields.Boolean(metadata={"description": "Intact and signed by one of this deployment's keys"})
    message = fields.String()
    key_id = fields.String(
        allow_none=True,
        metadata={
            "description": "The deployment's key the statement names and was checked against (null: it names none "
            "of this deployment's keys)"
        },
    )
    number = fields.String(allow_none=True)
    status = fields.String(
        allow_none=True,
        metadata={"description": "When genuine: the statement's status now (current, superseded or revoked)"},
    )


class BadgeCredentialSchema(Schema):
    """An Open Badges 3.0 credential as downloaded. Only its shape is checked here; the
    proof is checked on the document exactly as sent, extra members included."""

    class Meta:
        unknown = INCLUDE

    context = fields.List(
        fields.String(validate=validate.Length(max=2000)),
        required=True,
        data_key="@context",
        validate=validate.Length(min=1, max=20),
        metadata={"description": "The JSON-LD contexts, W3C credentials v2 first"},
    )
    id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "The credential's URL: ours are /verify/<code> URLs"},
    )
    type = fields.List(
        fields.String(validate=validate.Length(max=200)),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"example": ["VerifiableCredential", "OpenBadgeCredential"]},
    )
    issuer = fields.Dict(required=True, metadata={"description": "The issuer's profile (id, type, name)"})
    valid_from = fields.String(required=True, data_key="validFrom", validate=validate.Length(min=1, max=100))
    credential_subject = fields.Dict(
        required=True, data_key="credentialSubject", metadata={"description": "The recipient and their achievement"}
    )
    proof = fields.Dict(required=True, metadata={"description": "One DataIntegrityProof, cryptosuite eddsa-jcs-2022"})

    @post_load(pass_original=True)
    def as_sent(self, data, original, **kwargs):
        """The proof covers every member as sent, so the check gets the original."""
        return original


class BadgeCheckSchema(Schema):
    genuine = fields.Boolean(
        metadata={
            "description": "The proof holds and was made with one of this deployment's "
            "keys (the current one, or one retired since)"
        }
    )
    message = fields.String(metadata={"description": "Why it is or is not genuine"})
    key_id = fields.String(
        allow_none=True,
        metadata={"description": "The deployment's key the proof was made with (null: none of this deployment's keys)"},
    )
    code = fields.String(
        allow_none=True, metadata={"description": "When genuine and issued here: its verification code, as printed"}
    )
    verify_url = fields.String(
        allow_none=True, metadata={"description": "When genuine and issued here: the award's verification page"}
    )
    status = fields.String(
        allow_none=True,
        metadata={
            "enum": ["current", "revoked", None],
            "description": "When genuine and issued here: the award's status now (current or revoked)",
        },
    )
    revoked_on = fields.Date(allow_none=True)
