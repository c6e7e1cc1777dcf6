"""Forms behind the case pages. Field names match the services' where they can, so a
refusal lands on the field it is about (``PageForm.refused``)."""

from __future__ import annotations

import re

from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..forms import DATE, EMAIL, REQUIRED, PageForm
from ..people.models import RANKS
from .rules import MAX_MEMBERS, MAX_NOTE, MAX_REFEREES

KIND_LABELS = {"cfar": "CFAR (end of probation)", "promotion": "Promotion"}
RANK_LABELS = {
    "lecturer": "Lecturer",
    "assistant": "Assistant professor",
    "associate": "Associate professor",
    "full": "Full professor",
}
NOTE = Length(max=MAX_NOTE, message=f"must be at most {MAX_NOTE} characters")
SEPARATORS = re.compile(r"[\s,;]+")
ONE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def emails_in(text: str | None) -> list[str]:
    """The emails in a box where they are written one a line (or separated by commas)."""
    return [part.strip().lower() for part in SEPARATORS.split(text or "") if part.strip()]


class EmailList:
    """Every entry of the box is an email; at most ``limit`` of them."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field):
        found = emails_in(field.data)
        bad = [e for e in found if not ONE_EMAIL.match(e)]
        if bad:
            raise ValidationError(f"must be emails, one a line (not: {', '.join(bad[:5])})")
        if len(found) > self.limit:
            raise ValidationError(f"must name at most {self.limit} people")


class OpenCaseForm(PageForm):
    candidate_email = StringField("Candidate's email", validators=[DataRequired(REQUIRED), Length(max=254), EMAIL])
    kind = SelectField(
        "Kind of case", choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()], default="promotion"
    )
    target_rank = SelectField(
        "Target rank (promotion only)",
        choices=[SelectChoice("", "— none (CFAR) —")] + [SelectChoice(r, RANK_LABELS[r]) for r in RANKS],
        default="",
    )
    due_on = DateField("Due date", validators=[InputRequired(REQUIRED)], invalid_value_message=DATE)
    period_start = DateField("Period from (optional)", validators=[Optional()], invalid_value_message=DATE)
    period_end = DateField("Period to (optional)", validators=[Optional()], invalid_value_message=DATE)
    member_emails = TextAreaField("Committee members' emails (one a line)", validators=[EmailList(MAX_MEMBERS)])

    ALIASES = {"candidate_id": "candidate_email", "member_ids": "member_emails"}


class AddMemberForm(PageForm):
    email = StringField("Email of the person to add", validators=[DataRequired(REQUIRED), Length(max=254), EMAIL])

    ALIASES = {"person_id": "email"}


class OverrideForm(PageForm):
    member_id = HiddenField(validators=[DataRequired(REQUIRED)])
    reason = TextAreaField(
        "Why this member may sit despite the flag",
        validators=[DataRequired("is required: say why the member may sit despite the flag"), NOTE],
    )


class CloseForm(PageForm):
    note = TextAreaField("Closing note", validators=[DataRequired("is required: say how the case ended"), NOTE])


class RefereeForm(PageForm):
    candidate_email = StringField("Candidate's email", validators=[Optional(), Length(max=254), EMAIL])
    referee_emails = TextAreaField(
        "Proposed referees' emails (one a line)", validators=[DataRequired(REQUIRED), EmailList(MAX_REFEREES)]
    )

    ALIASES = {"candidate_id": "candidate_email", "referee_ids": "referee_emails"}


class RemoveForm(PageForm):
    """Only the CSRF token: the member is named by the address."""
