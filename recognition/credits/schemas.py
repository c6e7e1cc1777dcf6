"""What goes in and out of /api/v1/credits and /api/v1/statements (verification: verify/schemas.py).

Credit amounts travel as strings with two decimals ("4.50"), as on a statement, so no
client ever sees 4.4999999. Whether a framework, a year or a person exists is the
service's to say; these schemas only check shape and range.
"""

from typing import Any

from marshmallow import EXCLUDE, Schema, validate

from .. import fields
from ..apidoc import ID, UtcDateTime
from ..keyset import KeysetArgsSchema, keyset_page_schema
from ..ledger.rules import KINDS

EARLIEST_YEAR = 1950
LATEST_YEAR = 9998  # a framework year may end in the next calendar year, and dates stop at 9999
YEAR = validate.Range(min=EARLIEST_YEAR, max=LATEST_YEAR)
FRAMEWORK: dict[str, Any] = {
    "validate": validate.Length(min=1, max=60),
    "metadata": {"description": "A framework id from GET /api/v1/credits/frameworks", "example": "royal_college_moc"},
}
STATUSES = ("current", "superseded", "revoked")
AMOUNT: dict[str, Any] = {"metadata": {"description": "Two decimals, as a string", "example": "4.50"}}


# Frameworks -----------------------------------------------------------------------------


class SectionSchema(Schema):
    id = fields.String(metadata={"example": "section_3"})
    label = fields.String(metadata={"example": "Section 3: Assessment"})


class RuleSchema(Schema):
    id = fields.String()
    kinds = fields.List(fields.String(metadata={"enum": list(KINDS)}))
    section = fields.String()
    rate_per_hour = fields.String(allow_none=True, metadata={"description": "Credits per hour (or per_activity)"})
    per_activity = fields.String(allow_none=True)
    when = fields.Dict(
        keys=fields.String(),
        values=fields.Boolean(),
        metadata={"description": "Activity flags the rule needs (accredited, confirmed)"},
    )
    requires = fields.List(fields.String(), metadata={"description": "What the activity must have to earn anything"})
    rounding = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"example": {"step": "0.01", "mode": "nearest"}}
    )
    caps = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "example": {"per_activity": "4", "per_cycle": "50"},
            "description": "At most this much per scope: per_activity (one activity), "
            "per_mentee_per_year, per_year, per_cycle",
        },
    )
    feedback_received = fields.Boolean(metadata={"description": "Counts as a 'feedback received' activity"})


class MinimumSchema(Schema):
    label = fields.String()
    sections = fields.List(fields.String())
    credits = fields.String()


class CycleRulesSchema(Schema):
    years = fields.Integer()
    total_min = fields.String()
    yearly_min = fields.String()
    minimums = fields.List(fields.Nested(MinimumSchema))
    feedback_received_min = fields.Integer()
    report_by = fields.String(
        allow_none=True, metadata={"description": "MM-DD of the following year", "example": "01-31"}
    )


class VersionSchema(Schema):
    effective_from = fields.Date()
    year_starts = fields.String(metadata={"description": "MM-DD: when the framework's year begins", "example": "01-01"})
    sections = fields.List(fields.Nested(SectionSchema))
    rules = fields.List(fields.Nested(RuleSchema))
    section_caps = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.String()))
    cycle = fields.Nested(CycleRulesSchema, allow_none=True, metadata={"description": "null: each year stands alone"})


class FrameworkSchema(Schema):
    id = fields.String(metadata={"example": "royal_college_moc"})
    name = fields.String(metadata={"example": "Royal College MOC Program"})
    unit = fields.String(metadata={"example": "credits"})
    source = fields.String(metadata={"description": "Where the rules come from"})
    unconfirmed = fields.List(fields.String(), metadata={"description": "Facts the rules assume but could not confirm"})
    versions = fields.List(fields.Nested(VersionSchema), metadata={"description": "Oldest first"})


# Summaries and profiles --------------------------------------------------------------------


class SummaryArgsSchema(Schema):
    person_id = fields.Integer(validate=ID, metadata={"description": "Whose credits (default: yours; others': admins)"})
    framework = fields.String(**FRAMEWORK)


class FrameworkRefSchema(Schema):
    id = fields.String()
    name = fields.String()
    unit = fields.String()


class SectionAmountSchema(Schema):
    id = fields.String()
    label = fields.String()
    credits = fields.String(**AMOUNT)


class YearSectionSchema(Schema):
    label = fields.String()
    credits = fields.String(**AMOUNT)


class YearSchema(Schema):
    year = fields.Integer()
    label = fields.String(metadata={"description": "The framework's year (Mainpro+: 2024-25)"})
    total = fields.String(**AMOUNT)
    sections = fields.List(fields.Nested(YearSectionSchema))


class CycleSchema(Schema):
    start = fields.Date()
    end = fields.Date()
    rules_from = fields.Date(metadata={"description": "The framework version the cycle is judged by"})
    total = fields.String(**AMOUNT)
    total_required = fields.String(**AMOUNT)
    sections = fields.List(fields.Nested(SectionAmountSchema))
    feedback_received = fields.Integer(metadata={"description": "'Feedback received' activities in the cycle"})
    met = fields.Boolean(metadata={"description": "Every requirement of the cycle is met"})
    warnings = fields.List(fields.String(), metadata={"description": "Shortfalls and deadlines, in plain language"})


class CreditedActivitySchema(Schema):
    entry_id = fields.Integer()
    date = fields.Date()
    year = fields.Integer(metadata={"description": "The framework's year it counts in"})
    kind = fields.String(metadata={"enum": list(KINDS)})
    title = fields.String()
    minutes = fields.Integer()
    section = fields.String(allow_none=True)
    section_label = fields.String(allow_none=True)
    earned = fields.String(**AMOUNT)
    credits = fields.String(metadata={"description": "Awarded, after caps"})
    reason = fields.String(metadata={"description": "Why it earned less than it might; empty when in full"})


class ProfileSchema(Schema):
    person_id = fields.Integer()
    framework_id = fields.String()
    framework_name = fields.String()
    cycle_start = fields.Date(allow_none=True)
    chosen = fields.Boolean(metadata={"description": "false: the department's default, never set"})


class CreditSummarySchema(Schema):
    person_id = fields.Integer()
    framework = fields.Nested(FrameworkRefSchema)
    profile = fields.Nested(ProfileSchema)
    total = fields.String(**AMOUNT)
    years = fields.List(fields.Nested(YearSchema), metadata={"description": "Newest first"})
    cycle = fields.Nested(
        CycleSchema, allow_none=True, metadata={"description": "null when the framework has no cycles"}
    )
    cycle_note = fields.String(metadata={"description": "Why there is no cycle, or what it assumes"})
    activities = fields.List(fields.Nested(CreditedActivitySchema), metadata={"description": "Date order"})


class ProfileArgsSchema(Schema):
    person_id = fields.Integer(validate=ID, metadata={"description": "Whose profile (default: yours; others': admins)"})


class ProfileInSchema(Schema):
    framework_id = fields.String(required=True, **FRAMEWORK)
    cycle_start = fields.Date(
        required=True,
        allow_none=True,
        metadata={
            "description": "When your current cycle started (as in MAINPORT): the first "
            "day of a framework year (1 January for MOC, 1 July for "
            "Mainpro+), else 422; null if unknown (cycles are then counted "
            "from your earliest credited activity) or the framework has no "
            "cycles"
        },
    )
    person_id = fields.Integer(
        validate=ID,
        allow_none=True,
        load_default=None,
        metadata={"description": "Whose profile (default: yours; others': admins)"},
    )


# The MAINPORT export ---------------------------------------------------------------------


class ExportArgsSchema(Schema):
    year = fields.Integer(
        required=True, validate=YEAR, metadata={"description": "The framework's year", "example": 2025}
    )
    framework = fields.String(**FRAMEWORK)
    format = fields.String(
        load_default="csv",
        validate=validate.OneOf(("csv", "json")),
        metadata={"description": "csv: a download for Excel; json: the same rows"},
    )
    person_id = fields.Integer(validate=ID, metadata={"description": "Whose (default: yours; others': admins)"})


class ExportColumnSchema(Schema):
    key = fields.String()
    heading = fields.String()


class ExportRowSchema(Schema):
    section = fields.String(metadata={"example": "Section 3: Assessment"})
    activity_type = fields.String(metadata={"example": "Feedback received"})
    title = fields.String()
    date = fields.String(metadata={"format": "date"})
    hours = fields.String(
        metadata={
            "example": "1.50",
            "description": "The hours to type in: hours x the rule's rate is exactly the credits",
        }
    )
    credits = fields.String(**AMOUNT)
    learning_outcome = fields.String(
        metadata={"description": "Your reflection's own words; empty in anyone else's export (it is private to you)"}
    )
    note = fields.String(
        metadata={
            "description": "Why the activity claims less than the time spent (a cap), "
            "with the hours spent and claimed; empty when in full"
        }
    )


class ExportSchema(Schema):
    person_id = fields.Integer()
    year = fields.Integer()
    period = fields.String()
    framework = fields.Nested(FrameworkRefSchema)
    total = fields.String(**AMOUNT)
    includes_reflections = fields.Boolean(metadata={"description": "Whether learning outcomes are filled in"})
    columns = fields.List(fields.Nested(ExportColumnSchema))
    rows = fields.List(fields.Nested(ExportRowSchema))


# Statements --------------------------------------------------------------------------------


class StatementArgsSchema(KeysetArgsSchema):
    person_id = fields.Integer(validate=ID, metadata={"description": "Admins: one person's"})
    year = fields.Integer(validate=YEAR)
    framework = fields.String(**FRAMEWORK)
    status = fields.String(validate=validate.OneOf(STATUSES))


class StatementInSchema(Schema):
    year = fields.Integer(required=True, validate=YEAR, metadata={"example": 2025})
    framework_id = fields.String(allow_none=True, load_default=None, **FRAMEWORK)
    person_id = fields.Integer(
        validate=ID,
        allow_none=True,
        load_default=None,
        metadata={"description": "Whose statement (default: yours; others': admins)"},
    )
    reissue = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Replace the existing statement with a new version (refused when nothing has changed)"
        },
    )


class StatementPersonSchema(Schema):
    id = fields.Integer()
    name = fields.String(metadata={"description": "As on the statement"})


class LinksSchema(Schema):
    self = fields.String()
    pdf = fields.String()
    signed = fields.String()
    verify = fields.String(metadata={"description": "The public verification page"})


class StatementItemSchema(Schema):
    id = fields.Integer()
    number = fields.String(metadata={"example": "RCM-2025-00042-1"})
    person = fields.Nested(StatementPersonSchema)
    framework = fields.Nested(FrameworkRefSchema)
    year = fields.Integer()
    period = fields.String()
    version = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    total = fields.String(**AMOUNT)
    issued_at = UtcDateTime()
    links = fields.Nested(LinksSchema)


class StatementActivitySchema(Schema):
    entry_id = fields.Integer()
    date = fields.String(metadata={"format": "date"})
    kind = fields.String()
    title = fields.String()
    minutes = fields.Integer()
    hours = fields.String()
    section = fields.String()
    credits = fields.String(**AMOUNT)
    note = fields.String()


class StatementSchema(StatementItemSchema):
    supersedes = fields.String(allow_none=True, metadata={"description": "The number of the version this replaced"})
    superseded_by = fields.String(
        allow_none=True, metadata={"description": "The number of the version that replaced it"}
    )
    current_number = fields.String(metadata={"description": "The newest version's number (this one's when current)"})
    revoked_at = UtcDateTime(allow_none=True)
    revocation_reason = fields.String(allow_none=True)
    sections = fields.List(fields.Nested(SectionAmountSchema))
    activities = fields.List(fields.Nested(StatementActivitySchema))
    code = fields.String(metadata={"description": "The verification code, in groups of four"})
    verify_url = fields.String()
    content_hash = fields.String(metadata={"description": "SHA-256 of the signed canonical JSON"})
    pdf_sha256 = fields.String()
    key_id = fields.String(metadata={"description": "Which signing key signed it"})
    ledger_seq = fields.Integer(metadata={"description": "The ledger chain head when it was issued"})
    ledger_hash = fields.String()


StatementPageSchema = keyset_page_schema(StatementItemSchema, "StatementPage")


class RevocationInSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Why it is revoked (shown to its owner and admins, not publicly)"},
    )


class SignedStatementSchema(Schema):
    """A signed statement, as downloaded: check it with the published key."""

    class Meta:
        unknown = EXCLUDE

    document = fields.Dict(required=True, metadata={"description": "The statement as issued"})
    content_hash = fields.String(
        required=True,
        validate=validate.Length(max=200),
        metadata={"description": "SHA-256 of the canonical JSON of document"},
    )
    signature = fields.String(
        required=True,
        validate=validate.Length(max=200),
        metadata={"description": "Ed25519 over the canonical JSON, base64url"},
    )
    algorithm = fields.String(load_default="Ed25519", validate=validate.Length(max=40))
    key_id = fields.String(load_default="", validate=validate.Length(max=200))
