"""Forms behind the credit and verification pages.

Field names match the services' (``set_profile``, ``ledger.record``, ``issue``,
``revoke``), so a refusal lands on the field it is about (``PageForm.refused``).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..clock import today
from ..forms import DATE, EMAIL, REQUIRED, InRange, PageForm
from ..ledger.forms import confirm_duplicate_field
from ..ledger.rules import LABELS, MAX_ACCREDITATION, MAX_MINUTES, MAX_NOTE
from .frameworks import Framework

EARLIEST_YEAR = 1950
YEAR = f"must be a year such as 2025 (from {EARLIEST_YEAR})"
# Personal work that earns credit, logged on the credits page (pair work is logged with
# the mentee, on the mentoring page).
PERSONAL_WORK = ("mentor_training", "mentoring_preparation")
STATUSES = ("current", "superseded", "revoked")


def framework_choices(frameworks: dict[str, Framework]) -> list[SelectChoice]:
    return [SelectChoice(f.id, f.name) for f in sorted(frameworks.values(), key=lambda f: f.name)]


def _framework_field(label: str, **kwargs) -> SelectField:
    return SelectField(label, invalid_choice_message="must be one of the frameworks listed", **kwargs)


class ProfileForm(PageForm):
    """The framework a person reports to and when their current cycle started."""

    framework = _framework_field("Credit framework", validators=[InputRequired(REQUIRED)])
    cycle_start = DateField(
        "Start of your current cycle (optional)", validators=[Optional()], invalid_value_message=DATE
    )

    ALIASES = {"framework_id": "framework"}


class PersonalWorkForm(PageForm):
    """Mentor training or mentoring preparation: the person's own work, no mentee."""

    kind = SelectField(
        "What you did",
        choices=[SelectChoice(kind, LABELS[kind]) for kind in PERSONAL_WORK],
        default="mentor_training",
        invalid_choice_message="must be mentor training or mentoring preparation",
    )
    occurred_on = DateField("Date", default=today, validators=[InputRequired(REQUIRED)], invalid_value_message=DATE)
    minutes = IntegerField(
        "Minutes",
        invalid_value_message="must be a whole number",
        validators=[InputRequired(REQUIRED), InRange(1, MAX_MINUTES, f"must be between 1 and {MAX_MINUTES}")],
    )
    accreditation = StringField(
        "Accreditation (mentor training only, optional)",
        validators=[Length(max=MAX_ACCREDITATION, message=f"must be at most {MAX_ACCREDITATION} characters")],
    )
    note = TextAreaField(
        "What it was (optional)", validators=[Length(max=MAX_NOTE, message=f"must be at most {MAX_NOTE} characters")]
    )
    # Shown once the ledger has said the same work is already recorded.
    confirm_duplicate = confirm_duplicate_field()

    def data_for_service(self) -> dict:
        accreditation = (self.accreditation.data or "").strip()
        return {
            "kind": self.kind.data,
            "occurred_on": self.occurred_on.data,
            "minutes": self.minutes.data,
            "note": self.note.data or "",
            # Left empty means "not accredited", not "accredited by nobody".
            "accreditation": accreditation or None,
            "confirm_duplicate": bool(self.confirm_duplicate.data),
        }


class IssueForm(PageForm):
    """The "Issue" and "Re-issue" buttons: the statement to issue travels in hidden fields."""

    framework = HiddenField("Framework", validators=[DataRequired(REQUIRED)])
    year = IntegerField("Year", invalid_value_message=YEAR, validators=[InputRequired(REQUIRED)])
    reissue = HiddenField("Re-issue", default="")

    @property
    def replacing(self) -> bool:
        return self.reissue.data == "1"


class AdminIssueForm(PageForm):
    """An administrator issues (or re-issues) a statement for anyone on the roster."""

    email = StringField("Person's email", validators=[DataRequired(REQUIRED), Length(max=254), EMAIL])
    framework = _framework_field("Framework", validators=[InputRequired(REQUIRED)])
    year = IntegerField("Year", invalid_value_message=YEAR, validators=[InputRequired(REQUIRED)])
    reissue = BooleanField("Replace the statement already issued for that year (re-issue)")

    ALIASES = {"person_id": "email", "framework_id": "framework"}


class RevokeForm(PageForm):
    """Why a statement is revoked. One per statement on the list, told apart by ``prefix``."""

    reason = StringField(
        "Reason for revoking",
        validators=[
            DataRequired("must not be blank: say why the statement is revoked"),
            Length(max=2000, message="must be at most 2000 characters"),
        ],
    )

    @classmethod
    def for_statement(cls, statement_id: int, **kwargs) -> RevokeForm:
        return cls(prefix=f"revoke-{statement_id}", **kwargs)


class StatementFilterForm(FlaskForm):
    """The filters of the admin list; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    year = IntegerField("Year", validators=[Optional()], invalid_value_message=YEAR)
    framework = _framework_field("Framework", default="")
    status = SelectField(
        "Status",
        default="",
        invalid_choice_message="must be current, superseded or revoked",
        choices=[SelectChoice("", "Any status")] + [SelectChoice(s, s.title()) for s in STATUSES],
    )
    q = StringField(
        "Name contains", default="", validators=[Optional(), Length(max=100, message="must be at most 100 characters")]
    )


class ExportForm(FlaskForm):
    """The year of the MAINPORT export; read from the query string."""

    class Meta:
        csrf = False

    year = IntegerField("Year to export", validators=[Optional()], invalid_value_message=YEAR)
