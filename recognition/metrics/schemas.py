"""What /api/v1/metrics answers. A withheld cell says so (``state: withheld``) and has no
value and no count, never a zero."""

from marshmallow import Schema, validate

from .. import fields
from ..apidoc import UtcDateTime
from .attention import UNCONFIRMED_DAYS
from .definitions import COMPONENTS, LEVELS, UNITS
from .models import FORMATS as REPORT_FORMATS
from .models import ISSUERS
from .rules import NO_DATA, SHOWN, WITHHELD


class MetricArgsSchema(Schema):
    year = fields.Integer(metadata={"description": "The calendar year (default: this year, counted to today)"})
    division = fields.String(
        validate=validate.Length(min=1, max=20),
        metadata={"description": "A division's code: only that division's row with the department's"},
    )


class TrendArgsSchema(Schema):
    year = fields.Integer(metadata={"description": "The last year of the trend (default: this year, counted to today)"})


class AttentionArgsSchema(Schema):
    division = fields.String(
        validate=validate.Length(min=1, max=20),
        metadata={"description": "A division's code (default: every division you manage)"},
    )


class MetricDefinitionSchema(Schema):
    id = fields.String(required=True)
    level = fields.String(required=True, metadata={"enum": list(LEVELS)})
    component = fields.String(required=True, metadata={"enum": list(COMPONENTS)})
    title = fields.String(required=True)
    definition = fields.String(required=True)
    formula = fields.String(required=True)
    unit = fields.String(required=True, metadata={"enum": list(UNITS)})
    measure = fields.String(required=True)
    params = fields.Dict(required=True)
    min_cell = fields.Integer(required=True, metadata={"description": "A cell from fewer people than this is withheld"})


class MetricSeriesSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["share", "count", "median", "ratio"]})


class MetricCellSchema(Schema):
    series = fields.String(required=True)
    state = fields.String(
        required=True,
        metadata={
            "enum": [SHOWN, WITHHELD, NO_DATA],
            "description": "shown; withheld (from too few people, or it would give such a cell away: no value is "
            "given, never a zero); no_data (nobody it could be about)",
        },
    )
    value = fields.Float(
        allow_none=True,
        metadata={"description": "null unless shown; a percent, a count, a number of days or a ratio (the unit)"},
    )
    people = fields.Integer(allow_none=True, metadata={"description": "The people it is from; null unless shown"})


class MetricRowSchema(Schema):
    group = fields.String(required=True, metadata={"description": "department, or a division's code"})
    label = fields.String(required=True)
    cells = fields.List(fields.Nested(MetricCellSchema), required=True)


class MetricResultSchema(Schema):
    metric = fields.Nested(MetricDefinitionSchema, required=True)
    year = fields.Integer(required=True)
    unit = fields.String(required=True)
    series = fields.List(fields.Nested(MetricSeriesSchema), required=True)
    rows = fields.List(fields.Nested(MetricRowSchema), required=True)


class MetricResultListSchema(Schema):
    year = fields.Integer(required=True)
    as_of = fields.Date(required=True, metadata={"description": "The last day counted"})
    min_cell = fields.Integer(required=True)
    results = fields.List(fields.Nested(MetricResultSchema), required=True)


class MetricTrendPointSchema(Schema):
    year = fields.Integer(required=True)
    state = fields.String(
        required=True,
        metadata={
            "enum": [SHOWN, WITHHELD, NO_DATA],
            "description": "shown; withheld (too few people); no_data (before the department's first ledger entry "
            "or the metric's first record, or nobody it could be about): value null, never a zero",
        },
    )
    value = fields.Float(allow_none=True, metadata={"description": "null unless shown"})
    people = fields.Integer(allow_none=True, metadata={"description": "null unless shown"})


class MetricTrendSchema(Schema):
    metric = fields.String(required=True, metadata={"description": "The metric's id (see /metrics/definitions)"})
    unit = fields.String(required=True)
    series = fields.Nested(MetricSeriesSchema, allow_none=True, metadata={"description": "The series followed"})
    points = fields.List(fields.Nested(MetricTrendPointSchema), required=True, metadata={"description": "Oldest first"})


class MetricTrendListSchema(Schema):
    last = fields.Integer(required=True)
    years = fields.Integer(required=True)
    trends = fields.List(fields.Nested(MetricTrendSchema), required=True)


class AttentionItemSchema(Schema):
    kind = fields.String(
        required=True, metadata={"enum": ["no_meeting", "unconfirmed", "check_in_overdue", "no_mentor"]}
    )
    text = fields.String(required=True)
    since = fields.Date(required=True)
    mentorship_id = fields.Integer(allow_none=True)
    person_id = fields.Integer(allow_none=True)


class AttentionGroupSchema(Schema):
    kind = fields.String(required=True)
    label = fields.String(required=True)
    total = fields.Integer(required=True, metadata={"description": "How many there are; items lists the first 200"})
    items = fields.List(fields.Nested(AttentionItemSchema), required=True)


class AttentionListSchema(Schema):
    as_of = fields.Date(required=True)
    unconfirmed_days = fields.Integer(required=True, dump_default=UNCONFIRMED_DAYS)
    lists = fields.List(fields.Nested(AttentionGroupSchema), required=True)


# The yearly program report ---------------------------------------------------------------


class ProgramReportIssueSchema(Schema):
    year = fields.Integer(
        required=True,
        metadata={"description": "A closed calendar year, from the department's first ledger entry to last year"},
    )


class ProgramReportFormatArgsSchema(Schema):
    format = fields.String(
        validate=validate.OneOf(REPORT_FORMATS),
        metadata={"description": "Download the report as issued: pdf, csv or json (default: what it is, as JSON)"},
    )


class ProgramReportLinksSchema(Schema):
    pdf = fields.String(required=True)
    csv = fields.String(required=True)
    json = fields.String(required=True)


class ProgramReportSchema(Schema):
    id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={"description": "1, then 2 … for each issue of the same year"})
    latest = fields.Boolean(required=True, metadata={"description": "Whether no later version of the year exists"})
    issued_at = UtcDateTime(required=True)
    issuer = fields.String(required=True, metadata={"enum": list(ISSUERS)})
    issued_by = fields.String(allow_none=True, metadata={"description": "The administrator who issued it, if one did"})
    pdf_sha256 = fields.String(required=True)
    csv_sha256 = fields.String(required=True)
    json_sha256 = fields.String(required=True)
    links = fields.Nested(ProgramReportLinksSchema, required=True)


class ProgramReportListSchema(Schema):
    items = fields.List(fields.Nested(ProgramReportSchema), required=True)
