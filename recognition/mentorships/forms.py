"""Forms behind the mentorship pages.

Field names match the services' field names, so a refusal from a service lands on the
field it is about (``PageForm.refused``).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..clock import today
from ..forms import DATE, EMAIL, REQUIRED, InRange, PageForm, optional_int
from ..ledger.forms import confirm_duplicate_field
from ..ledger.rules import CONFIRMABLE, MAX_MINUTES, MAX_NOTE
from ..ledger.rules import KINDS as WORK_KINDS
from ..ledger.rules import LABELS as WORK_LABELS
from .models import KINDS

KIND_LABELS = {"formal": "Formal", "peer_group": "Peer group", "sponsorship": "Sponsorship", "informal": "Informal"}
# Work done between the two people of a mentorship, in the ledger's own order.
PAIR_WORK = [kind for kind in WORK_KINDS if kind in CONFIRMABLE]
PAIR_WORK_CHOICES = [SelectChoice(kind, WORK_LABELS[kind]) for kind in PAIR_WORK]


class LogWorkForm(PageForm):
    """A meeting (or other work between the two people) in one of the actor's mentorships."""

    mentorship_id = SelectField("Mentee", coerce=int, validators=[InputRequired(REQUIRED)])
    kind = SelectField("Kind", choices=PAIR_WORK_CHOICES, default="meeting")
    occurred_on = DateField("Date", default=today, validators=[InputRequired(REQUIRED)], invalid_value_message=DATE)
    minutes = IntegerField(
        "Minutes",
        default=60,
        invalid_value_message="must be a whole number",
        validators=[InputRequired(REQUIRED), InRange(0, MAX_MINUTES, f"must be between 0 and {MAX_MINUTES}")],
    )
    note = TextAreaField(
        "Note (optional)", validators=[Length(max=MAX_NOTE, message=f"must be at most {MAX_NOTE} characters")]
    )
    # Shown once the ledger has said the same meeting is already recorded.
    confirm_duplicate = confirm_duplicate_field()


class StartMentorshipForm(PageForm):
    mentor_email = StringField("Mentor's email", validators=[DataRequired(REQUIRED), Length(max=254), EMAIL])
    mentee_email = StringField("Mentee's email", validators=[DataRequired(REQUIRED), Length(max=254), EMAIL])
    kind = SelectField("Kind", choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in KINDS], default="formal")
    started_on = DateField("Start date", default=today, validators=[Optional()], invalid_value_message=DATE)
    group_name = StringField(
        "Group name (peer groups)", validators=[Optional(), Length(max=120, message="must be at most 120 characters")]
    )
    backdate_reason = TextAreaField(
        "Why it is recorded late (a start date more than 30 days ago)",
        validators=[Optional(), Length(max=2000, message="must be at most 2000 characters")],
    )

    # Where the service's field names differ from the form's.
    ALIASES = {"mentor_id": "mentor_email", "mentee_id": "mentee_email"}


class EndMentorshipForm(PageForm):
    ended_on = DateField("End date", default=today, validators=[InputRequired(REQUIRED)], invalid_value_message=DATE)
    reason = TextAreaField(
        "Reason (optional)", validators=[Length(max=2000, message="must be at most 2000 characters")]
    )


class MentorshipFilterForm(FlaskForm):
    """The filters of the admin list; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    division = SelectField("Division", coerce=optional_int, validate_choice=True)
    kind = SelectField(
        "Kind",
        choices=[SelectChoice("", "Any kind")] + [SelectChoice(kind, KIND_LABELS[kind]) for kind in KINDS],
        default="",
    )
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("active", "Active"),
            SelectChoice("ended", "Ended"),
            SelectChoice("all", "Active and ended"),
        ],
        default="active",
    )
    q = StringField(
        "Name or email contains",
        default="",
        validators=[Optional(), Length(max=100, message="must be at most 100 characters")],
    )
