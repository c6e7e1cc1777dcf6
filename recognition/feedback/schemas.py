"""What goes in and out of /api/v1/feedback.

Schemas only shape data. Answers are checked against their instrument by the service
(``instruments.answer_problems``), so a wrong answer is named ``answers.<item>`` with the
instrument's own rule. Reports are dumped from what ``reports`` built: nothing here can
add a count the service did not release.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, missing, pre_dump, validate

from .. import fields
from ..apidoc import ID
from ..mentorships.schemas import PersonRefSchema

# The service names the period's rule ("must be a calendar period like 2025"); this only
# bounds what is read.
PERIOD_FIELD: dict[str, Any] = {
    "validate": validate.Length(min=1, max=20),
    "metadata": {"description": "2025 (calendar) or 2025-26 (academic)", "example": "2025"},
}


class _Whole(fields.Nested):
    """A nested view of the object itself (the scale is part of the instrument)."""

    def get_value(self, obj, attr, accessor=None, default=missing):
        return obj


# Instruments -------------------------------------------------------------------------


class ItemSchema(Schema):
    id = fields.String()
    text = fields.String()


class PromptSchema(Schema):
    id = fields.String()
    prompt = fields.String()
    max_length = fields.Integer()


class ScaleSchema(Schema):
    min = fields.Integer(attribute="scale_min")
    max = fields.Integer(attribute="scale_max")
    labels = fields.List(fields.String(), metadata={"description": "One label per point, low to high"})


class InstrumentSummarySchema(Schema):
    """What a report needs to read its figures."""

    key = fields.String()
    version = fields.Integer()
    title = fields.String()
    scale = _Whole(ScaleSchema)
    not_applicable = fields.Boolean(metadata={"description": "Whether null (not applicable) is an accepted answer"})
    items = fields.List(fields.Nested(ItemSchema))


class InstrumentSchema(InstrumentSummarySchema):
    description = fields.String()
    prompts = fields.List(fields.Nested(PromptSchema), metadata={"description": "Optional free-text comments"})


# Requests and answers ----------------------------------------------------------------


class RequestSchema(Schema):
    """A request as its mentee sees it. Whether it is answered is shown to no one else."""

    id = fields.Integer()
    period = fields.String()
    mentor = fields.Nested(PersonRefSchema)
    answered = fields.Boolean()
    open = fields.Boolean(metadata={"description": "Whether it can still be answered"})
    deadline = fields.Date(metadata={"description": "The last day it can be answered"})


class RequestDetailSchema(RequestSchema):
    instrument = fields.Nested(InstrumentSchema)


class ResponseInSchema(Schema):
    answers = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=True, metadata={"type": "integer"}),
        required=True,
        metadata={
            "description": "Every item id of the instrument: a whole number on its scale, or null "
            "(not applicable) where the instrument allows it"
        },
    )
    comments = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(metadata={"type": "string"}),
        load_default=dict,
        metadata={"description": "Prompt id -> text, each within the prompt's max_length; blank ones are dropped"},
    )


class ReceivedSchema(Schema):
    """Deliberately no id: nothing the mentee is given points at the stored response."""

    received = fields.Boolean()
    message = fields.String()


# Periods (admins) --------------------------------------------------------------------


class RequestsSentSchema(Schema):
    created = fields.Integer(metadata={"description": "Requests created now (mentees already asked are skipped)"})
    sent = fields.Integer(metadata={"description": "Requests of the period emailed now"})
    sent_to = fields.String(metadata={"description": "Where the mail went: an SMTP server or the outbox folder"})


class RemindedSchema(Schema):
    reminded = fields.Integer()


# Reports -----------------------------------------------------------------------------


class PeriodArgsSchema(Schema):
    period = fields.String(**PERIOD_FIELD)


class ReportArgsSchema(PeriodArgsSchema):
    mentor_id = fields.Integer(validate=ID, metadata={"description": "Defaults to you"})


class ItemSummarySchema(Schema):
    item_id = fields.String()
    text = fields.String()
    answered = fields.Integer()
    not_applicable = fields.Integer()
    mean = fields.Float(allow_none=True)
    distribution = fields.List(
        fields.Integer(), metadata={"description": "How many chose each scale point, low to high"}
    )


class SummarySchema(Schema):
    responses = fields.Integer(metadata={"description": "Responses in the released blocks shown (never fewer than k)"})
    overall = fields.Float(allow_none=True)
    items = fields.List(fields.Nested(ItemSummarySchema))


class ItemMeanSchema(Schema):
    item_id = fields.String()
    mean = fields.Float(allow_none=True)


class ComparisonSchema(Schema):
    responses = fields.Integer()
    overall = fields.Float(allow_none=True)
    items = fields.List(fields.Nested(ItemMeanSchema))


class TrendPointSchema(Schema):
    periods = fields.List(fields.String())
    responses = fields.Integer()
    overall = fields.Float(allow_none=True)


class CommentGroupSchema(Schema):
    prompt = fields.String()
    texts = fields.List(fields.String(), metadata={"description": "In random order"})


def summary_view(instrument, summary) -> dict | None:
    if summary is None:
        return None
    texts = {item.id: item.text for item in instrument.items}
    return {
        "responses": summary.responses,
        "overall": summary.overall,
        "items": [{**vars(item), "text": texts.get(item.item_id, "")} for item in summary.items],
    }


def comparison_view(summary) -> dict | None:
    if summary is None:
        return None
    return {
        "responses": summary.responses,
        "overall": summary.overall,
        "items": [{"item_id": item.item_id, "mean": item.mean} for item in summary.items],
    }


class ReportSchema(Schema):
    mentor = fields.Nested(PersonRefSchema)
    period = fields.String()
    k = fields.Integer(metadata={"description": "The fewest responses ever shown together"})
    shown = fields.Boolean()
    withheld = fields.String(allow_none=True, metadata={"description": "Why nothing is shown (null when shown)"})
    waiting = fields.Boolean(metadata={"description": "Whether responses for the period wait to be pooled with more"})
    pooled_periods = fields.List(fields.String(), metadata={"description": "The periods pooled to reach k"})
    release_ids = fields.List(
        fields.Integer(), metadata={"description": "The released blocks shown; a reflection names one"}
    )
    instrument = fields.Nested(InstrumentSummarySchema, allow_none=True)
    summary = fields.Nested(SummarySchema, allow_none=True)
    division = fields.Nested(ComparisonSchema, allow_none=True)
    department = fields.Nested(ComparisonSchema, allow_none=True)
    trend = fields.List(fields.Nested(TrendPointSchema))
    comments = fields.List(
        fields.Nested(CommentGroupSchema), metadata={"description": "For the mentor alone; empty for anyone else"}
    )

    @pre_dump
    def shape(self, report, **kwargs):
        instrument = report["instrument"]
        return {
            **report,
            "withheld": report.get("withheld"),
            "summary": summary_view(instrument, report["summary"]),
            "division": comparison_view(report["division"]),
            "department": comparison_view(report["department"]),
            "comments": report["comments"] if report["is_own"] else [],
        }


class DivisionRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    code = fields.String()


class MentorResultSchema(Schema):
    mentor = fields.Nested(PersonRefSchema)
    responses = fields.Integer()
    overall = fields.Float(allow_none=True)


class DivisionViewSchema(Schema):
    division = fields.Nested(
        DivisionRefSchema, allow_none=True, metadata={"description": "Null for the whole department"}
    )
    period = fields.String()
    k = fields.Integer()
    instrument = fields.Nested(InstrumentSummarySchema, allow_none=True)
    summary = fields.Nested(SummarySchema, allow_none=True)
    mentors = fields.List(fields.Nested(MentorResultSchema), metadata={"description": "Mentors with released feedback"})

    @pre_dump
    def shape(self, view, **kwargs):
        return {**view, "summary": summary_view(view["instrument"], view["summary"])}
