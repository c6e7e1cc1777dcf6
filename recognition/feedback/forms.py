"""Forms behind the feedback pages. The answer form is built from the instrument the
request was made with: one radio group per item, one optional text box per prompt."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..forms import PageForm, optional_int
from .instruments import Instrument

NOT_APPLICABLE = "na"


def item_field(item_id: str) -> str:
    return f"item-{item_id}"


def comment_field(prompt_id: str) -> str:
    return f"comment-{prompt_id}"


class AnswerForm(PageForm):
    """The mentee's answers; ``for_instrument`` adds the fields."""

    instrument: Instrument
    aliases: dict[str, str]

    @classmethod
    def for_instrument(cls, instrument: Instrument, **kwargs) -> AnswerForm:
        points = [
            SelectChoice(str(value), instrument.label(value))
            for value in range(instrument.scale_min, instrument.scale_max + 1)
        ]
        scale_rule = f"must be a point from {instrument.scale_min} to {instrument.scale_max}"
        required = "is required: choose a point on the scale"
        if instrument.not_applicable:
            points.append(SelectChoice(NOT_APPLICABLE, "Not applicable"))
            scale_rule += " or Not applicable"
            required += " or Not applicable"
        fields: dict = {}
        for number, item in enumerate(instrument.items, start=1):
            fields[item_field(item.id)] = RadioField(
                f"{number}. {item.text}",
                choices=points,
                validators=[InputRequired(required)],
                invalid_choice_message=scale_rule,
            )
        for prompt in instrument.prompts:
            fields[comment_field(prompt.id)] = TextAreaField(
                prompt.prompt,
                validators=[Length(max=prompt.max_length, message=f"must be at most {prompt.max_length} characters")],
            )
        form_class = type("InstrumentAnswerForm", (cls,), fields)
        form = form_class(**kwargs)
        form.instrument = instrument
        # The service names fields "answers.<item>" and "comments.<prompt>".
        form.aliases = {f"answers.{item.id}": item_field(item.id) for item in instrument.items} | {
            f"comments.{prompt.id}": comment_field(prompt.id) for prompt in instrument.prompts
        }
        return form

    def item_fields(self):
        return [(item, self[item_field(item.id)]) for item in self.instrument.items]

    def comment_fields(self):
        return [(prompt, self[comment_field(prompt.id)]) for prompt in self.instrument.prompts]

    def answers(self) -> dict[str, int | None]:
        found = {}
        for item, field in self.item_fields():
            found[item.id] = None if field.data == NOT_APPLICABLE else int(field.data)
        return found

    def comments(self) -> dict[str, str]:
        return {prompt.id: field.data or "" for prompt, field in self.comment_fields()}


class PeriodForm(FlaskForm):
    """The report's period selector; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    period = SelectField("Period", validate_choice=False)


class DivisionFilterForm(FlaskForm):
    """Which division (or the whole department) and period the aggregate view shows. The
    service decides who may see which division, so the choice is not validated here."""

    class Meta:
        csrf = False

    division = SelectField("Division", coerce=optional_int, validate_choice=False)
    period = SelectField("Period", validate_choice=False)


class ActionForm(PageForm):
    """A button that changes something (ask, remind): only the CSRF token travels."""
