"""Dossier forms: the period picker (a GET form, nothing to protect) and issuing."""

from __future__ import annotations

from wtforms import DateField, HiddenField, StringField
from wtforms.validators import InputRequired, Optional

from ..forms import DATE, EMAIL, REQUIRED, PageForm


class PeriodForm(PageForm):
    class Meta:
        csrf = False

    start = DateField("From", validators=[Optional()], invalid_value_message=DATE)
    end = DateField("To", validators=[Optional()], invalid_value_message=DATE)


class IssueForm(PageForm):
    """Issue the dossier for the period shown (the page fills the hidden fields)."""

    start = DateField("From", invalid_value_message=DATE)
    end = DateField("To", invalid_value_message=DATE)
    person_id = HiddenField()


class LookupForm(PageForm):
    """An administrator opens anyone's dossier by their email."""

    class Meta:
        csrf = False

    email = StringField("Email of the person", validators=[InputRequired(REQUIRED), EMAIL])
