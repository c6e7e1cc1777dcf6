"""What the password pages may send."""

from __future__ import annotations

from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from ...forms import EMAIL, REQUIRED, PageForm
from ..passwords import MAX_LENGTH, MIN_LENGTH

RULES_HINT = (
    f"At least {MIN_LENGTH} characters. A few unrelated words make a good one; common passwords "
    "and your own name or email are refused."
)


def _new_password(label: str) -> PasswordField:
    # The length rules are checked with the others (passwords.check_password_rules), so
    # every broken rule is named at once; this bound only keeps hashing cheap.
    return PasswordField(label, validators=[DataRequired(message=REQUIRED), Length(max=MAX_LENGTH * 4)])


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
        "Current password", validators=[DataRequired(message=REQUIRED), Length(max=MAX_LENGTH * 4)]
    )
    password = _new_password("New password")
    confirm = _again()
