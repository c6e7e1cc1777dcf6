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


class BlankReverseForms:
    """Unfilled reverse forms for a page that offers one per entry (a mentorship's
    history): one form is built for the page, and each entry's form is its two fields
    bound afresh under the entry's prefix. The same HTML as ``ReverseForm.for_entry``
    (the CSRF token is the page's either way) at a twentieth of the cost."""

    def __init__(self) -> None:
        self.blank = ReverseForm(prefix="reverse-0", formdata=None)

    def for_entry(self, entry_id: int) -> BlankReverseForm:
        return BlankReverseForm(self.blank, f"reverse-{entry_id}-")


class BlankReverseForm:
    """What a page reads of an unfilled ``ReverseForm``: its fields, and no errors."""

    refusal = None

    def __init__(self, blank: ReverseForm, prefix: str) -> None:
        unbound = [("reason", ReverseForm.reason)]
        if blank.meta.csrf:
            unbound += blank._csrf.setup_form(blank)
        self._fields = {name: field.bind(form=blank, name=name, prefix=prefix) for name, field in unbound}
        for field in self._fields.values():
            field.process(None)
        self.reason = self._fields["reason"]
        self.csrf_token = self._fields.get("csrf_token")
        self.errors: dict = {}
        self.form_errors: list = []

    def __iter__(self):
        return iter(self._fields.values())


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
