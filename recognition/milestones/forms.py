"""The milestone forms: record or report one, withdraw one, correct one. Field names match
``service``'s keys; which fields a kind needs is the service's rule, shown on the field."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import DATE, REQUIRED, PageForm
from ..people.forms import RANK_LABELS
from .models import KINDS
from .rules import KIND_LABELS, MAX_AGENCY, MAX_NOTE, MAX_REASON, MAX_ROLE, MAX_TITLE

FIELDS = ("kind", "occurred_on", "outcome", "rank", "title", "agency", "role", "year", "note")


def _blank_or(choices: dict[str, str], blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank), *(SelectChoice(value, label) for value, label in choices.items())]


def _length(limit: int) -> Length:
    return Length(max=limit, message=f"must be at most {limit} characters")


class MilestoneForm(PageForm):
    kind = SelectField(
        "Milestone",
        validators=[InputRequired(REQUIRED)],
        choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in KINDS],
        invalid_choice_message="must be one of the milestones listed",
    )
    occurred_on = DateField("Date", validators=[Optional()], invalid_value_message=DATE)
    outcome = SelectField(
        "CFAR outcome",
        choices=_blank_or({"passed": "Passed", "extended": "Extended"}, "—"),
        validate_choice=True,
        invalid_choice_message="must be passed or extended",
    )
    rank = SelectField(
        "Rank (reached, or appointed at)",
        choices=_blank_or(RANK_LABELS, "—"),
        invalid_choice_message="must be one of the ranks listed",
    )
    title = StringField("Title (grant title, award name, or position)", validators=[_length(MAX_TITLE)])
    agency = StringField("Agency (funder, awarding body, or organisation)", validators=[_length(MAX_AGENCY)])
    role = StringField("Role on the grant", validators=[_length(MAX_ROLE)])
    year = IntegerField(
        "Year of the grant",
        validators=[Optional()],
        invalid_value_message="must be a year, e.g. 2021",
        render_kw={"inputmode": "numeric"},
    )
    note = TextAreaField("Note (optional)", validators=[_length(MAX_NOTE)])

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in FIELDS}

    def fill_from(self, milestone) -> None:
        for name in FIELDS:
            value = getattr(milestone, name)
            getattr(self, name).data = (
                value if value is not None else ("" if name not in ("occurred_on", "year") else None)
            )


class ReasonForm(PageForm):
    reason = StringField("Reason", validators=[DataRequired("must not be blank: say why"), _length(MAX_REASON)])


class CorrectionForm(MilestoneForm):
    reason = StringField(
        "Why it is corrected", validators=[DataRequired("must not be blank: say why"), _length(MAX_REASON)]
    )
