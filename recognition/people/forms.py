"""Forms behind the roster pages. Self-identified gender and race are not asked here:
they come from the person, never from an administrator's form, and are never shown."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..auth.invitations.rules import ACCOUNT_STATES
from ..forms import DATE, EMAIL, REQUIRED, PageForm, optional_int
from .models import POSITIONS, RANKS

RANK_LABELS = {
    "lecturer": "Lecturer",
    "assistant": "Assistant professor",
    "associate": "Associate professor",
    "full": "Professor",
}
POSITION_LABELS = {
    "clinician_scientist": "Clinician scientist",
    "clinician_investigator": "Clinician investigator",
    "clinician_teacher": "Clinician teacher",
    "clinician_educator": "Clinician educator",
    "clinician_quality_innovation": "Clinician in quality and innovation",
    "other": "Other",
}


class PersonForm(PageForm):
    name = StringField(
        "Name", validators=[DataRequired(REQUIRED), Length(max=200, message="must be at most 200 characters")]
    )
    email = StringField("Email", validators=[DataRequired(REQUIRED), Length(max=254), EMAIL])
    institutional_id = StringField(
        "Institutional id (optional)",
        description="The university's employee or student number, for signing in through the university",
        validators=[Optional(), Length(max=100, message="must be at most 100 characters")],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    division_id = SelectField("Division", coerce=optional_int)
    rank = SelectField("Rank", choices=[SelectChoice(rank, RANK_LABELS[rank]) for rank in RANKS], default="assistant")
    position = SelectField(
        "Position", choices=[SelectChoice(p, POSITION_LABELS[p]) for p in POSITIONS], default="clinician_teacher"
    )
    appointed_on = DateField("Appointed on (optional)", validators=[Optional()], invalid_value_message=DATE)
    trained_here = BooleanField("Trained in this department")
    supervisor_email = StringField("Supervisor's email (optional)", validators=[Optional(), Length(max=254), EMAIL])

    ALIASES = {"supervisor_id": "supervisor_email"}


class RosterFilterForm(FlaskForm):
    """The roster's filters; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    division = SelectField("Division", coerce=optional_int)
    rank = SelectField(
        "Rank", choices=[SelectChoice("", "Any rank")] + [SelectChoice(r, RANK_LABELS[r]) for r in RANKS], default=""
    )
    position = SelectField(
        "Position",
        choices=[SelectChoice("", "Any position")] + [SelectChoice(p, POSITION_LABELS[p]) for p in POSITIONS],
        default="",
    )
    account = SelectField(
        "Account",
        choices=[SelectChoice("", "Any account")] + [SelectChoice(key, label) for key, label in ACCOUNT_STATES.items()],
        default="",
    )
    q = StringField(
        "Name or email contains",
        default="",
        validators=[Optional(), Length(max=100, message="must be at most 100 characters")],
    )


class ProfileForm(PageForm):
    """A person's own profile. The philosophy's length is checked by the service, on the
    text as stored (a browser sends each line break as two characters)."""

    named_in_dossiers = BooleanField("Name me in other people's promotion dossiers")
    philosophy = TextAreaField("My mentoring philosophy (optional)")
