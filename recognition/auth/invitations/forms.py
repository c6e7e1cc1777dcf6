"""What the password pages may send."""

from __future__ import annotations

from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ...forms import EMAIL, REQUIRED, PageForm
from ..passwords import MAX_LENGTH, MIN_LENGTH, broken_rules

RULES_HINT = (
    f"At least {MIN_LENGTH} characters. A few unrelated words make a good one; common passwords "
    "and your own name or email are refused."
)


def _follows_the_rules(form, field) -> None:
    """The rules that need no account (length, the common list) are said with the form's
    other errors; the service checks them all again, with the person's name and email."""
    field.errors.extend(broken_rules(field.data or ""))


def _new_password(label: str) -> PasswordField:
    return PasswordField(label, validators=[DataRequired(message=REQUIRED), _follows_the_rules])


def _again() -> PasswordField:
    return PasswordField(
        "New password again",
        validators=[DataRequired(message=REQUIRED), EqualTo("password", message="must match the new password")],
    )


class ForgotForm(PageForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(message=REQUIRED), EMAIL, Length(max=254)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


class SetPasswordForm(PageForm):
    password = _new_password("New password")
    confirm = _again()


class ChangePasswordForm(PageForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(message=REQUIRED), Length(max=MAX_LENGTH)]
    )
    password = _new_password("New password")
    confirm = _again()
