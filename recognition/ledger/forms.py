"""Forms behind the ledger pages."""

from __future__ import annotations

from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import PageForm
from .rules import MAX_DISPUTE_REASON


class ReverseForm(PageForm):
    """Why an entry is being reversed. One per entry on a page, told apart by ``prefix``."""

    reason = StringField(
        "Reason for reversing",
        validators=[
            DataRequired("must not be blank: say why"),
            Length(max=2000, message="must be at most 2000 characters"),
        ],
    )

    @classmethod
    def for_entry(cls, entry_id: int, **kwargs) -> ReverseForm:
        return cls(prefix=f"reverse-{entry_id}", **kwargs)


class DisputeForm(PageForm):
    """The counterpart's "this did not happen", with the reason the recorder will read."""

    reason = StringField(
        "What did not happen as logged?",
        validators=[
            DataRequired("must not be blank: say what did not happen as logged"),
            Length(max=MAX_DISPUTE_REASON, message=f"must be at most {MAX_DISPUTE_REASON} characters"),
        ],
    )

    @classmethod
    def for_entry(cls, entry_id: int, **kwargs) -> DisputeForm:
        return cls(prefix=f"dispute-{entry_id}", **kwargs)


class ConfirmLinkForm(PageForm):
    """The one button behind an emailed confirm link (a GET never confirms)."""


class VerifyForm(PageForm):
    """The chain check, optionally against a head recorded earlier."""

    head = StringField(
        "A head you recorded (optional)",
        validators=[
            Optional(),
            Regexp(
                r"^\s*[0-9]{1,18}[: ][0-9a-fA-F]{64}\s*$",
                message="must be SEQ:HASH, a position and a 64-digit hex hash",
            ),
        ],
    )


SECOND_ACTIVITY = "Yes, this is a second, separate activity"


def confirm_duplicate_field() -> BooleanField:
    """The checkbox a form shows when the ledger refuses a repeat (409 on
    ``confirm_duplicate``): ticked, the entry is recorded as a second activity."""
    return BooleanField(SECOND_ACTIVITY, default=False)
