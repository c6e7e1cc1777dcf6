"""Forms behind the nomination pages.

Field names match the services' field names (``nominee_id``, ``statement``, ``letter``,
``author``, ``philosophy``, ``reason``, ``comment``), so a refusal from a service lands on
the field it is about (``PageForm.refused``). The scoring form is built from the award's
rubric: one radio group per criterion on the rubric's scale.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ...apidoc import MAX_ID
from ...forms import REQUIRED, PageForm
from ..committee import recusal
from ..committee import service as committee
from ..definitions.service import RubricText
from . import service as nominations


def person_id(value) -> int | None:
    """A person's id as posted; out of an id column's range is no id at all."""
    if value in (None, ""):
        return None
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("not an id")
    return number


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=f"must be at most {limit} characters")


class FindColleagueForm(FlaskForm):
    """The colleague search on the nominate page; read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(
        "Name or email", validators=[Optional(), Length(min=2, max=100, message="must be 2 to 100 characters")]
    )


class NominateForm(PageForm):
    """The nominee is chosen among the colleagues the search found (``q`` keeps the search
    so a refused form shows the same choices again)."""

    nominee_id = RadioField(
        "Colleague",
        coerce=person_id,
        validate_choice=False,
        validators=[InputRequired("is required: find your colleague above and choose them")],
        invalid_value_message="must be one of the colleagues found",
    )
    statement = TextAreaField(
        "Your nomination statement", validators=[DataRequired(REQUIRED), _at_most(nominations.MAX_STATEMENT)]
    )
    q = HiddenField()


class StatementForm(PageForm):
    statement = TextAreaField(
        "Your nomination statement", validators=[DataRequired(REQUIRED), _at_most(nominations.MAX_STATEMENT)]
    )


class PhilosophyForm(PageForm):
    philosophy = TextAreaField(
        "Your mentoring philosophy", validators=[DataRequired(REQUIRED), _at_most(nominations.MAX_PHILOSOPHY)]
    )


class LetterForm(PageForm):
    letter = FileField("Letter (PDF)", validators=[FileRequired("is required: choose a PDF file")])
    author = StringField("Written by", validators=[DataRequired(REQUIRED), _at_most(200)])


class ConflictForm(PageForm):
    reason = TextAreaField(
        "What is the conflict?",
        validators=[
            DataRequired("is required: say what the conflict is (it is kept on the record)"),
            _at_most(recusal.MAX_REASON),
        ],
    )


class ActionForm(PageForm):
    """A button alone (withdraw, remove a letter): only the CSRF token to check."""


def score_field(criterion_id: str) -> str:
    return f"score-{criterion_id}"


class ScoreForm(PageForm):
    """A member's scores; ``for_rubric`` adds one radio group per criterion."""

    text: RubricText
    aliases: dict[str, str]

    @classmethod
    def for_rubric(cls, text: RubricText, **kwargs) -> ScoreForm:
        points = []
        for value in range(text.low, text.high + 1):
            label = str(value)
            if value == text.low:
                label += " (lowest)"
            elif value == text.high:
                label += " (highest)"
            points.append(SelectChoice(str(value), label))
        rule = f"must be a whole number from {text.low} to {text.high}"
        required = InputRequired(f"is required: choose a score from {text.low} to {text.high}")
        fields: dict = {
            score_field(c.id): RadioField(c.name, choices=points, invalid_choice_message=rule, validators=[required])
            for c in text.criteria
        }
        fields["comment"] = TextAreaField(
            "Comment for the committee (optional)", validators=[_at_most(committee.MAX_COMMENT)]
        )
        form = type("RubricScoreForm", (cls,), fields)(**kwargs)
        form.text = text
        form.aliases = {f"scores.{c.id}": score_field(c.id) for c in text.criteria}
        return form

    def criterion_fields(self):
        return [(c, self[score_field(c.id)]) for c in self.text.criteria]

    def values(self) -> dict[str, int]:
        return {c.id: int(f.data) for c, f in self.criterion_fields()}
