"""Asking the counterpart to confirm work between two people, by email.

When a meeting (or plan review, peer-group session, sponsorship action) is logged, the
other person gets an email (through the outbox, so only if the recording commits) with a
one-click link; a scheduler job reminds them once after ``rules.REMIND_AFTER_DAYS``; after
``rules.UNCONFIRMED_AFTER_DAYS`` the entry reads "unconfirmed" and no more mail goes out.

The link is signed with the app's secret (itsdangerous, as the invitation links are),
names the entry and the person it was sent to, and works for ``CONFIRM_LINK_DAYS``. It
opens a page with one button: a GET never confirms, so a mail scanner that fetches every
link confirms nothing. The button confirms as that person without a sign-in (holding the
email is the proof, as for a password link); someone signed in as another person is
refused. A link does its work once: the confirmation is a ledger entry, so a second use
finds it and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import String, bindparam, exists, literal, select
from sqlalchemy.orm import aliased

from .. import links
from ..auth.models import Account
from ..auth.service import Actor
from ..clock import local_date
from ..errors import DomainError
from ..extensions import db
from ..outbox import SUBJECT_LENGTH, Message, queue, queue_selected, selected
from ..people.models import Person
from . import service
from .models import LedgerEntry
from .rules import CONFIRMABLE, LABELS, REMIND_AFTER_DAYS, UNCONFIRMED_AFTER_DAYS, reminder_due

SALT = "recognition.confirm-link"
_FOLLOWER = aliased(LedgerEntry, name="follower")
INVALID, EXPIRED = "invalid", "expired"


class LinkRefused(DomainError):
    """A confirm link that cannot be used: ``INVALID`` (400) or ``EXPIRED`` (410)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(
            f"This confirmation link cannot be used: it is {reason}. Sign in and confirm the meeting from your page.",
            {"token": [reason]},
            status=400 if reason == INVALID else 410,
        )


@dataclass(frozen=True)
class Link:
    entry: LedgerEntry
    person: Person
    issued_at: datetime


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=4)
def _serializer_for(secret_key: str | bytes) -> URLSafeSerializer:
    """Made once per secret (every append signs a link; it keeps no state between uses)."""
    return URLSafeSerializer(secret_key, salt=SALT)


def lifetime() -> timedelta:
    return timedelta(days=float(current_app.config["CONFIRM_LINK_DAYS"]))


def token_for(entry_id: int, person_id: int, now: datetime) -> str:
    """The link's token (``read_link`` reads it with the same serializer)."""
    return _serializer().dumps({"e": entry_id, "p": person_id, "t": int(now.replace(tzinfo=UTC).timestamp())})


def read_link(token: str, now: datetime) -> Link:
    """The entry and person a link names, if it is genuine and not expired; else LinkRefused."""
    try:
        payload = _serializer().loads(token)
    except BadData:
        raise LinkRefused(INVALID) from None
    values = [payload.get(key) for key in ("e", "p", "t")] if isinstance(payload, dict) else []
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if len(numbers) != 3:
        raise LinkRefused(INVALID)
    entry_id, person_id, issued = numbers
    issued_at = datetime.fromtimestamp(issued, UTC).replace(tzinfo=None)
    entry, person = db.session.get(LedgerEntry, entry_id), db.session.get(Person, person_id)
    if entry is None or person is None or person_id not in service.counterparts(entry):
        raise LinkRefused(INVALID)
    if now - issued_at > lifetime() or _disabled(person_id):
        raise LinkRefused(EXPIRED)
    return Link(entry, person, issued_at)


def _disabled(person_id: int) -> bool:
    return bool(db.session.scalar(select(Account.disabled).where(Account.person_id == person_id)))


# Mail --------------------------------------------------------------------------------


def _letter(
    entry: LedgerEntry | service.Appended, person_id: int, recorder: str, now: datetime, reminder: bool
) -> Message:
    """The message to ``person_id`` but for their address and name: ``recipient`` is
    empty and ``body`` is what follows "Dear <name>" (``GREETING``). ``recorder``: the
    name of whoever recorded the entry."""
    department, base = current_app.config["DEPARTMENT_NAME"], links.base_url()  # the address, read once
    what = f"{LABELS[entry.kind or 'meeting'].lower()} on {entry.occurred_on.isoformat()} ({entry.minutes} minutes)"
    until = local_date(now + lifetime()).isoformat()
    opening = (
        f"A reminder: {recorder} logged a {what} with you {REMIND_AFTER_DAYS} days ago, and it still waits for "
        "your confirmation."
        if reminder
        else f"{recorder} logged a {what} with you in the {department} mentoring app."
    )
    text = (
        f",\n\n{opening}\n\n"
        f"If it happened, confirm it here (one button, no password needed):\n\n"
        f"    {base}/confirm/{token_for(entry.id, person_id, now)}\n\n"
        f"The link works until {until}. If it did not happen as logged, sign in and say so, with a reason "
        f"(the entry then stops counting, and {recorder} sees why):\n\n"
        f"    {base}/contributions/{entry.id}\n\n"
        f"After {UNCONFIRMED_AFTER_DAYS} days an entry nobody confirmed is shown as unconfirmed.\n"
    )
    kind = "reminder" if reminder else "request"
    subject = ("Reminder: please confirm" if reminder else "Please confirm") + f" a {what} with {recorder}"
    key = f"ledger-confirm:{entry.id}:{person_id}:{kind}"
    return Message(key=key, recipient="", subject=subject[:SUBJECT_LENGTH], body=text)


GREETING = "Dear "


def _message(entry: LedgerEntry, person: Person, now: datetime, reminder: bool) -> Message:
    letter = _letter(entry, person.id, entry.recorded_by.name, now, reminder)
    return replace(letter, recipient=person.email, body=GREETING + person.name + letter.body)


def ask(entry: LedgerEntry | service.Appended, actor: Actor, now: datetime) -> int:
    """Queue the request to confirm ``entry``, which ``actor`` has just recorded
    (``service.record``), to its counterpart(s); how many were queued (none for work that
    is not between two people). Part of the caller's transaction. One statement on a
    meeting's append: ``record`` says whom to ask, and the database writes each person's
    address and name into their message as it inserts it (``queue_selected``), so neither
    the mentorship nor the people are read first."""
    return queue_selected(_ADDRESSED, _requests(entry, actor, now), now)


def asking(actor: Actor, now: datetime):
    """``ask`` as a statement for ``service.record_values`` to send with the entry's
    insert (``along``): given the entry and the database's dialect, the outbox insert
    and its parameters, or None for work that is not between two people."""

    def statement(entry: service.Appended, dialect: str):
        values = _requests(entry, actor, now)
        return selected(_ADDRESSED, values, dialect, now) if values else None

    return statement


def _requests(entry: LedgerEntry | service.Appended, actor: Actor, now: datetime) -> list[dict]:
    """The parameters of ``_ADDRESSED`` for each person asked to confirm ``entry``."""
    people = sorted(entry.counterpart_ids)
    if not people:
        return []
    assert entry.recorded_by_id == actor.person_id  # the mail names the actor as the recorder
    letters = [(person_id, _letter(entry, person_id, actor.name, now, reminder=False)) for person_id in people]
    return [
        {"person_id": person_id, "key": letter.key, "subject": letter.subject, "rest": letter.body}
        for person_id, letter in letters
    ]


# A letter (``_letter``) to one person, with their address and name as stored.
_ADDRESSED = select(
    bindparam("key", type_=String).label("key"),
    Person.email.label("recipient"),
    bindparam("subject", type_=String).label("subject"),
    (literal(GREETING) + Person.name + bindparam("rest", type_=String)).label("body"),
).where(Person.id == bindparam("person_id"))


def remind(now: datetime) -> int:
    """Queue one reminder for every request still open inside the reminder window
    (``rules.reminder_due``); how many were queued. The outbox key makes a second run,
    or a run after a crash, queue nothing twice."""
    # A day's slack either side: the window is counted in the department's days.
    earliest = now - timedelta(days=UNCONFIRMED_AFTER_DAYS + 1)
    latest = now - timedelta(days=REMIND_AFTER_DAYS - 1)
    open_entries = db.session.scalars(
        select(LedgerEntry)
        .where(
            LedgerEntry.entry_type == "contribution",
            LedgerEntry.kind.in_(CONFIRMABLE),
            LedgerEntry.mentorship_id.is_not(None),
            LedgerEntry.recorded_at >= earliest,
            LedgerEntry.recorded_at <= latest,
            # Confirmed, disputed or reversed: the request is closed.
            ~exists().where(_FOLLOWER.target_id == LedgerEntry.id),
        )
        .order_by(LedgerEntry.seq)
    ).all()
    today = local_date(now)
    messages = []
    for entry in open_entries:
        if not reminder_due(local_date(entry.recorded_at), today):
            continue
        for person_id in sorted(service.counterparts(entry)):
            person = db.session.get(Person, person_id)
            if person is not None:
                messages.append(_message(entry, person, now, reminder=True))
    return queue(messages, now)
