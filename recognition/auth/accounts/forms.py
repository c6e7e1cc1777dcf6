from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ...forms import PageForm
from .models import MAX_REASON


class AccountChangeForm(PageForm):
    """Disable or enable an account: the reason is kept in its history."""

    reason = TextAreaField(
        "Reason",
        validators=[DataRequired(message="is required: say why"), Length(max=MAX_REASON)],
        description=f"Kept in the account's history, with your name and the time (at most {MAX_REASON} characters).",
    )
