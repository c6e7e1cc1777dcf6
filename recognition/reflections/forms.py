"""The reflection form: the Royal College "feedback on teaching" steps, the time spent,
and what feedback is reflected on. Field names match ``service.record``'s keys."""

from __future__ import annotations

from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..clock import today
from ..forms import DATE, REQUIRED, InRange, PageForm
from ..ledger.forms import confirm_duplicate_field
from ..ledger.rules import MAX_MINUTES
from .service import MAX_STEP

# step -> (label, one-line hint, required)
STEPS = {
    "area": (
        "1. Area to improve",
        "One area of your mentoring the feedback points to, that you want to work on.",
        True,
    ),
    "question": (
        "2. Performance question",
        "Turn it into a question about your own practice, e.g. “How well do I help mentees set goals?”",
        True,
    ),
    "standards": (
        "3. Standards",
        "One to three standards or expectations that describe good practice in that area.",
        False,
    ),
    "comparison": (
        "4. How the feedback compares",
        "Where the feedback meets those standards, and where it falls short of them.",
        False,
    ),
    "discussion": (
        "5. Discussion with a trusted peer or mentor",
        "Who you talked it over with (no need to name them) and what you took from it.",
        False,
    ),
    "next_steps": ("6. Next steps", "What you will do differently, and how you will know it has worked.", True),
}
EXTERNAL_LABEL = "Other feedback I received"


def _step(name: str) -> TextAreaField:
    label, _, required = STEPS[name]
    rules = [Length(max=MAX_STEP, message=f"must be at most {MAX_STEP} characters")]
    if required:
        rules.insert(0, InputRequired(REQUIRED))
    return TextAreaField(label if required else f"{label} (optional)", validators=rules)


class ReflectionForm(PageForm):
    source = RadioField(
        "What are you reflecting on?",
        default="external",
        validators=[InputRequired(REQUIRED)],
        choices=[SelectChoice("report", "Mentee feedback report"), SelectChoice("external", EXTERNAL_LABEL)],
        invalid_choice_message="must be the feedback report or other feedback",
    )
    release_id = HiddenField(filters=[lambda value: int(value) if str(value or "").isdigit() else None])
    period = HiddenField(validators=[Optional(), Length(max=10, message="must be a period such as 2025")])
    source_name = StringField(
        "Name of the feedback (for other feedback)",
        validators=[Length(max=200, message="must be at most 200 characters")],
    )
    occurred_on = DateField(
        "Date you reviewed and reflected",
        default=today,
        validators=[InputRequired(REQUIRED)],
        invalid_value_message=DATE,
    )
    minutes = IntegerField(
        "Minutes spent reviewing and reflecting",
        invalid_value_message="must be a whole number",
        validators=[InputRequired(REQUIRED), InRange(1, MAX_MINUTES, f"must be between 1 and {MAX_MINUTES}")],
    )
    area = _step("area")
    question = _step("question")
    standards = _step("standards")
    comparison = _step("comparison")
    discussion = _step("discussion")
    next_steps = _step("next_steps")
    confirm_duplicate = confirm_duplicate_field()

    def validate_source_name(self, field) -> None:
        """Said here as well as by the service, so it comes with the form's other errors."""
        if self.source.data == "external" and not (field.data or "").strip():
            raise ValidationError("is required: name the feedback you received (e.g. a 360 or teaching evaluation)")

    # A refusal about the report lands on the source choice.
    ALIASES = {"release_id": "source"}

    def data_for_service(self) -> dict:
        data = {name: getattr(self, name).data for name in ("source", "source_name", "occurred_on", "minutes", *STEPS)}
        data["confirm_duplicate"] = bool(self.confirm_duplicate.data)
        if data["source"] == "report":
            data["release_id"] = self.release_id.data
            data["period"] = self.period.data or None
        return data
