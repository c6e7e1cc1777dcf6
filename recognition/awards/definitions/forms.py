"""Forms behind the award pages: an award's settings, a new cycle, the schedule (advance,
move a date), the committee, the decision and revoking a grant.

The rules are the services' (``definitions.check``, ``cycles``, ``committee``): these forms
only read what was typed. Field names match the services' where they can, so a refusal
lands on its field (``PageForm.refused``); the award form also maps the nested names of
``definitions.check`` ("eligibility.min_mentees", "rubric.criteria.2.weight") onto its
flat fields.
"""

from __future__ import annotations

import re

from flask import request
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ...errors import DomainError
from ...forms import DATE, EMAIL, REQUIRED, InRange, PageForm, optional_int
from ...people.models import RANKS
from ..cycles.service import DATE_FIELDS, DATE_LABELS
from ..models import LEVELS, Award
from .service import DEFAULT_RUBRIC, MAX_CRITERIA, SCHEDULE, SCHEDULE_LABELS, eligibility, rubric_text

WHOLE = "must be a whole number"
# The rubric editor has this many rows; a blank row is ignored. Every row an award uses
# is shown, plus at least one blank one, up to MAX_CRITERIA.
CRITERION_ROWS = 6
PAST_WINNERS = {
    "never": "Never eligible again",
    "years": "Excluded for a number of years after winning",
    "no_limit": "No limit: past winners may win again",
}
# ``definitions.check``'s names for the eligibility and scale rules, and this form's.
SETTING_FIELDS = {
    "eligibility.min_years_mentoring": "min_years_mentoring",
    "eligibility.min_mentees": "min_mentees",
    "eligibility.max_years_on_faculty": "max_years_on_faculty",
    "eligibility.ranks": "ranks",
    "eligibility.past_winner_exclusion_years": "past_winner_years",
    "rubric.low": "low",
    "rubric.high": "high",
}
CRITERION_PARTS = ("name", "weight", "description", "id")
# A new award's schedule until the admin changes it: nominations in February and March.
NEW_SCHEDULE = {
    "opens": "02-01",
    "closes": "03-15",
    "review_ends": "04-15",
    "decision": "04-30",
    "announcement": "05-15",
}
GROUPS = {"rubric": "Rubric", "rubric.criteria": "Rubric criteria", "eligibility": "Eligibility rules"}


def _optional_count(label: str) -> IntegerField:
    return IntegerField(label, validators=[Optional()], invalid_value_message=WHOLE)


def criterion_id(name: str) -> str:
    """A criterion's id made from its name when none is typed: "Impact on careers" → impact_on_careers."""
    made = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40].rstrip("_")
    return f"c_{made}"[:40] if made[:1].isdigit() else made


class AwardForm(PageForm):
    """An award's settings: what it is, who may be nominated, the rubric and the schedule.
    A blank eligibility field switches that rule off."""

    name = StringField("Name")
    slug = StringField("Short name for links (slug)")
    description = TextAreaField("Description")
    level = SelectField(
        "Level",
        choices=[SelectChoice(level, level.title()) for level in LEVELS],
        default="department",
        invalid_choice_message="must be department or division",
    )
    division_id = SelectField(
        "Division (division awards only)",
        coerce=optional_int,
        invalid_choice_message="must be one of the divisions listed",
    )
    winners = IntegerField("Number of winners", default=1, invalid_value_message=WHOLE)
    min_reviews = IntegerField("Reviews needed before a nominee is ranked", default=1, invalid_value_message=WHOLE)
    division_conflicts = BooleanField("Members of the nominee's division count as conflicted")
    active = BooleanField("Active: a cycle is created every year", default=True)

    min_years_mentoring = _optional_count("At least this many years of mentoring")
    min_mentees = _optional_count("At least this many mentees")
    max_years_on_faculty = _optional_count("At most this many years on faculty (early-career awards)")
    ranks = SelectMultipleField(
        "Ranks allowed",
        choices=[SelectChoice(rank, rank.title()) for rank in RANKS],
        invalid_choice_message="must be ranks from the list",
    )
    past_winners = RadioField(
        "Past winners of this award",
        default="never",
        choices=[SelectChoice(key, label) for key, label in PAST_WINNERS.items()],
        invalid_choice_message="must be one of the choices listed",
    )
    past_winner_years = _optional_count("Years a past winner is excluded")

    low = IntegerField("Lowest score", default=DEFAULT_RUBRIC.low, invalid_value_message=WHOLE)
    high = IntegerField("Highest score", default=DEFAULT_RUBRIC.high, invalid_value_message=WHOLE)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        years = self.past_winner_years
        if self.past_winners.data == "years" and not years.errors and (years.data is None or years.data < 1):
            years.errors.append(
                "is required when past winners are excluded for some years: 1 or more "
                "(choose “no limit” never to exclude them)"
            )
            return False
        return valid

    # Built from the submission by ``settings``: the submitted row of each criterion the
    # service numbers, so "rubric.criteria.1.weight" finds its row even after blank ones.
    _rows_sent: list[int]

    @property
    def rows(self) -> int:
        """How many criterion rows to show: every filled one, one blank, at least CRITERION_ROWS."""
        filled = [i for i in range(MAX_CRITERIA) if not self._blank(i)]
        return min(MAX_CRITERIA, max(CRITERION_ROWS, (filled[-1] + 2) if filled else 0))

    def criterion(self, index: int, part: str):
        return self[f"criterion_{index}_{part}"]

    def _blank(self, index: int) -> bool:
        return all(self.criterion(index, part).data in (None, "") for part in CRITERION_PARTS)

    def settings(self) -> dict:
        """What ``definitions.create``/``update`` take."""
        criteria, self._rows_sent = [], []
        for index in range(MAX_CRITERIA):
            if self._blank(index):
                continue
            name = (self.criterion(index, "name").data or "").strip()
            criteria.append(
                {
                    "id": (self.criterion(index, "id").data or "").strip() or criterion_id(name),
                    "name": name,
                    "description": self.criterion(index, "description").data or "",
                    "weight": self.criterion(index, "weight").data,
                }
            )
            self._rows_sent.append(index)
        past = {"never": None, "no_limit": 0}.get(self.past_winners.data, self.past_winner_years.data)
        return {
            "name": self.name.data or "",
            "slug": self.slug.data or "",
            "description": self.description.data or "",
            "level": self.level.data,
            "division_id": self.division_id.data,
            "winners": self.winners.data,
            "min_reviews": self.min_reviews.data,
            "division_conflicts": self.division_conflicts.data,
            "active": self.active.data,
            **{field: (self[field].data or "").strip() for field in SCHEDULE},
            "eligibility": {
                "min_years_mentoring": self.min_years_mentoring.data,
                "min_mentees": self.min_mentees.data,
                "max_years_on_faculty": self.max_years_on_faculty.data,
                "ranks": list(self.ranks.data or []) or None,
                "past_winner_exclusion_years": past,
            },
            "rubric": {"low": self.low.data, "high": self.high.data, "criteria": criteria},
        }

    def refused(self, error: DomainError, aliases: dict[str, str] | None = None) -> None:
        names = dict(SETTING_FIELDS)
        for number, index in enumerate(getattr(self, "_rows_sent", [])):
            for part in CRITERION_PARTS:
                names[f"rubric.criteria.{number}.{part}"] = f"criterion_{index}_{part}"
        # Rules about the rubric or the eligibility as a whole have no one field: named in words.
        errors = {GROUPS.get(name, name): rules for name, rules in error.errors.items()}
        super().refused(DomainError(error.message, errors, error.status), {**names, **(aliases or {})})
        # The service's message names fields as the API does; the page names them by label.
        self.refusal = "Nothing was saved. Please correct what is marked below and save again."

    @classmethod
    def for_award(cls, award: Award | None, **kwargs) -> AwardForm:
        """The form filled with ``award``'s settings (or a new award's defaults), not the request's."""
        text = rubric_text(award) if award is not None else DEFAULT_RUBRIC
        data = {"low": text.low, "high": text.high, **NEW_SCHEDULE}
        for index, criterion in enumerate(text.criteria):
            data.update({f"criterion_{index}_{part}": getattr(criterion, part) for part in CRITERION_PARTS})
        if award is not None:
            rules = eligibility(award)
            past = rules.past_winner_exclusion_years
            data.update(
                name=award.name,
                slug=award.slug,
                description=award.description,
                level=award.level,
                division_id=award.division_id,
                winners=award.winners,
                min_reviews=award.min_reviews,
                division_conflicts=award.division_conflicts,
                active=award.active,
                min_years_mentoring=rules.min_years_mentoring,
                min_mentees=rules.min_mentees,
                max_years_on_faculty=rules.max_years_on_faculty,
                ranks=list(rules.ranks or []),
                past_winners="never" if past is None else ("no_limit" if past == 0 else "years"),
                past_winner_years=past or None,
                **{field: getattr(award, field) for field in SCHEDULE},
            )
        return cls(formdata=None, data=data, **kwargs)


for _field in SCHEDULE:
    setattr(AwardForm, _field, StringField(f"{SCHEDULE_LABELS[_field]} (MM-DD)"))
for _index in range(MAX_CRITERIA):
    _n = _index + 1
    setattr(AwardForm, f"criterion_{_index}_name", StringField(f"Criterion {_n}: name"))
    setattr(
        AwardForm,
        f"criterion_{_index}_weight",
        FloatField(f"Criterion {_n}: weight", validators=[Optional()], invalid_value_message="must be a number"),
    )
    setattr(AwardForm, f"criterion_{_index}_description", StringField(f"Criterion {_n}: what it looks for"))
    setattr(AwardForm, f"criterion_{_index}_id", StringField(f"Criterion {_n}: short id (made from the name if blank)"))


class CycleForm(PageForm):
    """A cycle for a year: its dates come from the award's schedule unless given here."""

    year = IntegerField(
        "Year",
        validators=[InputRequired(REQUIRED), InRange(2000, 2100, "must be a year from 2000 to 2100")],
        invalid_value_message="must be a year such as 2027",
    )

    def dates(self) -> dict:
        return {field: self[field].data for field in DATE_FIELDS if self[field].data is not None}


for _field in DATE_FIELDS:
    setattr(
        CycleForm,
        _field,
        DateField(f"Day {DATE_LABELS[_field]} (optional)", validators=[Optional()], invalid_value_message=DATE),
    )


class ReasonForm(PageForm):
    """A change to a cycle's schedule or a grant, kept on the record with its reason."""

    reason = TextAreaField(
        "Reason (kept on the record)", validators=[Length(max=2000, message="must be at most 2000 characters")]
    )


class AdvanceForm(ReasonForm):
    """Moving the cycle on: the page carries the phase it showed, so a press on a page that
    has gone stale (someone moved the cycle since) is refused rather than moving it twice."""

    from_phase = HiddenField()


class MoveDateForm(ReasonForm):
    field = SelectField("Date to move", invalid_choice_message="must be one of the dates that can still move")
    date = DateField("New date", validators=[InputRequired(REQUIRED)], invalid_value_message=DATE)

    def refused(self, error: DomainError, aliases: dict[str, str] | None = None) -> None:
        """A date that would put another out of order is said on the new date."""
        moved = {name: rules for name, rules in error.errors.items() if name in DATE_FIELDS}
        for name, rules in moved.items():
            self.date.errors = [
                *self.date.errors,
                *(f"would put {DATE_LABELS[name]} out of order: it {rule}" for rule in rules),
            ]
        rest = {name: rules for name, rules in error.errors.items() if name not in moved}
        super().refused(DomainError(error.message, rest, error.status), aliases)
        if moved:
            self.refusal = "Nothing changed: the dates of a cycle stay in order."


class MemberForm(PageForm):
    email = StringField("Email of the new member", validators=[DataRequired(REQUIRED), Length(max=254), EMAIL])
    chair = BooleanField("Chair of the committee")

    ALIASES = {"person_id": "email"}


class ActionForm(PageForm):
    """A button that only needs its CSRF token (remove a member, nominate a suggestion)."""


class DecisionForm(PageForm):
    """The winners (checkboxes), a reason per nominee and a note. The reasons' fields are
    named ``reason-<nomination id>``, one per nominee on the ranking."""

    winners = SelectMultipleField("Winners", coerce=int, invalid_choice_message="must be nominees of this cycle")
    note = TextAreaField("Note for the record (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reasons: dict[str, str] = {}
        self.reason_errors: dict[str, list[str]] = {}

    def read_reasons(self, nomination_ids: list[int]) -> dict[str, str]:
        source = request.form if self.is_submitted() else {}
        self.reasons = {str(i): (source.get(f"{self._prefix}reason-{i}") or "") for i in nomination_ids}
        return self.reasons

    def refused(
        self, error: DomainError, aliases: dict[str, str] | None = None, names: dict[str, str] | None = None
    ) -> None:
        """A reason's refusal ("reasons.12") stays with that nominee's box, and the summary
        names the nominee (``names``: nomination id -> nominee)."""
        self.reason_errors = {
            name.split(".", 1)[1]: rules for name, rules in error.errors.items() if name.startswith("reasons.")
        }
        rest = {name: rules for name, rules in error.errors.items() if not name.startswith("reasons.")}
        super().refused(DomainError(error.message, rest, error.status), aliases)
        for key, rules in self.reason_errors.items():
            self.form_errors.append(f"Reason for {(names or {}).get(key, key)}: {'; '.join(rules)}")
        if self.reason_errors:
            self.refusal = "Nothing was recorded. Please correct what is marked below."
