"""What the dashboard's filters may send (a GET form: no CSRF token)."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired

from ..forms import REQUIRED, PageForm


class DashboardForm(FlaskForm):
    """The year and the division the dashboard shows; the service decides who may see
    which division, and refuses a year out of range naming the field."""

    class Meta:
        csrf = False

    year = SelectField("Year", validate_choice=False)
    division = SelectField("Division", validate_choice=False)


class ReportIssueForm(PageForm):
    """Issue a closed year's program report (administrators); the service checks the year."""

    year = IntegerField("Year", validators=[InputRequired(message=REQUIRED)])
