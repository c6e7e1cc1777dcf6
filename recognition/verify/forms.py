"""The verification pages' forms: the code as typed, and a PDF to compare."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..forms import REQUIRED, PageForm


class CodeForm(FlaskForm):
    """The verification code as typed (dashes, spaces and lower case are fine)."""

    class Meta:
        csrf = False

    code = StringField(
        "Verification code",
        validators=[DataRequired(REQUIRED), Length(max=60, message="must be at most 60 characters")],
    )


class UploadForm(PageForm):
    """A certificate PDF to compare, byte for byte, with the one issued."""

    pdf = FileField("Certificate PDF", validators=[FileRequired("is required: choose the PDF file to check")])
