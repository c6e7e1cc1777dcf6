"""Form pieces every page uses: a form that shows a service's refusal on its fields, and
the validators whose messages read as rules ("Email: must be an email address")."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import NumberRange, Regexp

from .errors import DomainError

EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="must be an email address")
REQUIRED = "is required"
DATE = "must be a date written as YYYY-MM-DD"


class PageForm(FlaskForm):
    """A form that can show a service's refusal on the fields it names."""

    refusal: str | None = None
    refusal_status = 422  # the status of the re-rendered page: the refusal's, or 422

    def refused(self, error: DomainError, aliases: dict[str, str] | None = None) -> None:
        self.refusal = error.message
        self.refusal_status = error.status
        for name, rules in error.errors.items():
            field = getattr(self, (aliases or {}).get(name, name), None)
            if isinstance(field, Field):
                field.errors = [*field.errors, *rules]
            else:
                self.form_errors.append(f"{name}: {'; '.join(rules)}")


class InRange(NumberRange):
    """NumberRange that keeps quiet when the value could not be read: that is said already."""

    def __call__(self, form, field):
        if field.data is not None:
            super().__call__(form, field)


def optional_int(value):
    return int(value) if value not in (None, "") else None
