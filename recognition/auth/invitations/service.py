"""Invitations, password resets and password changes. Each operation flushes; the caller
commits. Mail goes through the outbox, so it is sent only if the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import ColumnElement, CursorResult, and_, delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from ... import links
from ...clock import zone
from ...errors import Conflict, DomainError, Forbidden
from ...extensions import db
from ...outbox import Message, OutboxMessage, queue
from ...people.models import Person
from ...ratelimit import RateLimited, hit
from .. import sessions
from ..models import Account, LoginFailure
from ..oidc.service import UNUSABLE_PASSWORD
from ..passwords import check_password_rules
from ..service import Actor, hash_password, hasher, set_password
from . import rules
from .models import Invitation

SALT = "recognition.password-link"
# The window the change-password attempts are counted in.
CHANGE_WINDOW_SECONDS = 15 * 60


class LinkRefused(DomainError):
    """A password link that cannot be used; ``reason`` is one of ``rules``' refusals."""

    def __init__(self, reason: str, purpose: str | None):
        self.reason, self.purpose = reason, purpose
        status = 400 if reason == rules.INVALID else 410
        super().__init__(f"This link cannot be used: it is {reason}.", {"token": [reason]}, status=status)


# Links -------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def lifetime(purpose: str) -> timedelta:
    config = current_app.config
    if purpose == "invitation":
        return timedelta(days=float(config["INVITATION_DAYS"]))
    return timedelta(hours=float(config["RESET_HOURS"]))


def _account(person_id: int) -> Account | None:
    return db.session.get(Account, person_id)


def token_for(person_id: int, purpose: str, now: datetime) -> str:
    account = _account(person_id)
    claim = rules.Claim(person_id, purpose, rules.fingerprint(account.password_hash if account else None), now)
    return _serializer().dumps(claim.payload())


def link_for(person_id: int, purpose: str, now: datetime) -> str:
    path = f"/password/set/{token_for(person_id, purpose, now)}"
    return links.url(path) if purpose == "invitation" else _trusted_base() + path


def _trusted_base() -> str:
    """Where a reset link points. Anyone may ask for one, for anyone's email, so its address
    must not come from the asker's Host header (a link to their own server would hand them
    the token): BASE_URL, or the request's host when Flask's TRUSTED_HOSTS vets it, else
    the address ``serve``/``demo`` was started on. Invitations are asked for by signed-in
    administrators and directors, so theirs names the address they use (``links.url``)."""
    if links.is_configured(current_app) or current_app.config.get("TRUSTED_HOSTS"):
        return links.base_url()
    return current_app.extensions.get(links.SERVED, links.FALLBACK)


def read_link(token: str, now: datetime) -> tuple[rules.Claim, Person]:
    """The claim of a link that may set a password now, and its person; else LinkRefused."""
    try:
        claim = rules.Claim.from_payload(_serializer().loads(token))
    except BadData:
        claim = None
    person = db.session.get(Person, claim.person_id) if claim else None
    if claim is None or person is None:
        raise LinkRefused(rules.INVALID, claim.purpose if claim else None)
    account = _account(person.id)
    reason = rules.refusal(
        claim,
        rules.fingerprint(account.password_hash if account else None),
        bool(account and account.disabled),
        now,
        lifetime(claim.purpose),
    )
    if reason:
        raise LinkRefused(reason, claim.purpose)
    return claim, person


def use_link(token: str, password: str, now: datetime) -> tuple[Person, str]:
    """Set the password a link was sent for; the person and the link's purpose. Every
    session of theirs ends (the caller signs this browser in), and the failed sign-ins
    counted against their email are forgotten: the owner is back in."""
    claim, person = read_link(token, now)
    account = _account(person.id)
    if claim.fingerprint != rules.fingerprint(account.password_hash if account else None):
        raise LinkRefused(rules.USED, claim.purpose)  # changed since the link was read
    if account is None:
        try:
            with db.session.begin_nested():
                set_password(person, password, now)
        except IntegrityError:  # the same link used at the same moment elsewhere made the account
            raise LinkRefused(rules.USED, claim.purpose) from None
    else:
        # Only over the password state the link was made for: of two uses at once, one wins.
        check_password_rules(password, person.name, person.email)
        changed = db.session.execute(
            update(Account)
            .where(Account.person_id == person.id, Account.password_hash == account.password_hash)
            .values(password_hash=hash_password(password))
        )
        if cast("CursorResult[Any]", changed).rowcount != 1:
            raise LinkRefused(rules.USED, claim.purpose)
        db.session.refresh(account)
    reason = "password reset" if claim.purpose == "reset" else "password set by invitation"
    sessions.end_sessions(person.id, reason, now)
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == person.email))
    if claim.purpose == "invitation":
        for invitation in db.session.scalars(
            select(Invitation).where(Invitation.person_id == person.id, Invitation.accepted_at.is_(None))
        ):
            invitation.accepted_at = now
    db.session.flush()
    return person, claim.purpose


# Invitations -------------------------------------------------------------------------


def can_invite(actor: Actor, person: Person) -> bool:
    return actor.is_admin or actor.directs(person.division_id)


def invite(person: Person, actor: Actor, now: datetime) -> Invitation:
    """Email ``person`` a link to make their account."""
    if not can_invite(actor, person):
        raise Forbidden("Only an administrator, or the director of this person's division, can invite them.")
    account = _account(person.id)
    if account is not None and account.disabled:
        raise Conflict(
            f"{person.name}'s account is disabled: enable it instead of inviting them.",
            {"person_id": ["the account is disabled"]},
        )
    if account is not None:
        raise Conflict(
            f"{person.name} already has an account. If they have forgotten the password, they can use "
            "“Forgot your password?” on the sign-in page.",
            {"person_id": ["already has an account"]},
        )
    invitation = Invitation(
        person_id=person.id,
        invited_by_id=actor.person_id,
        sent_at=now,
        expires_at=now + lifetime("invitation"),
    )
    db.session.add(invitation)
    db.session.flush()
    inviter = db.session.get(Person, actor.person_id) if actor.person_id is not None else None
    queue([_invitation_message(invitation, person, inviter, now)], now)
    return invitation


def uninvited(now: datetime) -> list[Person]:
    """Everyone without an account and without an invitation that still works: whom
    ``people invite --all`` invites (a second run skips those invited by the first)."""
    pending = select(Invitation.person_id).where(Invitation.expires_at > now, Invitation.accepted_at.is_(None))
    return list(
        db.session.scalars(
            select(Person)
            .outerjoin(Account, Account.person_id == Person.id)
            .where(Account.person_id.is_(None), Person.id.not_in(pending))
            .order_by(Person.name, Person.id)
        )
    )


def invitations_of(person_id: int) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.person_id == person_id)
            .order_by(Invitation.sent_at.desc(), Invitation.id.desc())
        )
    )


@dataclass(frozen=True)
class AccountSummary:
    """What the person page says about someone's account."""

    account: Account | None
    invitations: list[Invitation]
    now: datetime

    @property
    def latest(self) -> Invitation | None:
        return self.invitations[0] if self.invitations else None


def account_summary(person_id: int, now: datetime) -> AccountSummary:
    return AccountSummary(_account(person_id), invitations_of(person_id), now)


# Account states on the roster -----------------------------------------------------------


def account_state_clause(state: str, now: datetime) -> ColumnElement[bool]:
    """A condition on ``Person`` true for the people whose account is in ``state`` (a key of
    ``rules.ACCOUNT_STATES``): "invited" is no account and an invitation whose link still works;
    "none" is no account and no such invitation."""
    working_invitation = exists().where(
        Invitation.person_id == Person.id, Invitation.accepted_at.is_(None), Invitation.expires_at > now
    )
    if state in ("active", "disabled"):
        return exists().where(Account.person_id == Person.id, Account.disabled.is_(state == "disabled"))
    has_account = exists().where(Account.person_id == Person.id)
    if state == "invited":
        return and_(~has_account, working_invitation)
    return and_(~has_account, ~working_invitation)


def account_states(person_ids: list[int], now: datetime) -> dict[int, str]:
    """Each person's account state (a key of ``rules.ACCOUNT_STATES``), in two queries whatever
    the number of people."""
    rows = db.session.execute(select(Account.person_id, Account.disabled).where(Account.person_id.in_(person_ids)))
    accounts: dict[int, bool] = {row.person_id: row.disabled for row in rows}
    invited = set(
        db.session.scalars(
            select(Invitation.person_id).where(
                Invitation.person_id.in_(person_ids), Invitation.accepted_at.is_(None), Invitation.expires_at > now
            )
        )
    )
    return {
        person_id: (
            ("disabled" if accounts[person_id] else "active")
            if person_id in accounts
            else ("invited" if person_id in invited else "none")
        )
        for person_id in person_ids
    }


# Resets ------------------------------------------------------------------------------


def _email_key(email: str) -> str:
    return hashlib.sha256(email.encode("utf-8")).hexdigest()


def request_reset(email: str, remote_addr: str, now: datetime) -> None:
    """Queue a reset link if ``email`` belongs to an enabled account; the same answer, and
    the same work, whatever the email: a caller learns nothing about which emails are known.
    At most PASSWORD_RESET_MAX_PER_EMAIL links an hour go to one address (more are dropped
    quietly: the owner has the earlier ones); one client address asking more than
    PASSWORD_RESET_MAX_PER_ADDRESS times an hour is refused (RateLimited)."""
    config = current_app.config
    email = (email or "").strip().lower()
    hit("password-reset-addr", remote_addr, int(config["PASSWORD_RESET_MAX_PER_ADDRESS"]), 3600, now, field="email")
    try:
        hit("password-reset-email", _email_key(email), int(config["PASSWORD_RESET_MAX_PER_EMAIL"]), 3600, now, "email")
        allowed = True
    except RateLimited:
        allowed = False
    account = db.session.scalar(select(Account).join(Person).where(Person.email == email))
    eligible = allowed and account is not None and not account.disabled
    # The link and the message are made for everyone (for person 0 when none), so both
    # paths cost the same; only the known, enabled account's message is queued.
    person_id = account.person_id if account is not None else 0
    message = Message(
        key=f"password-reset:{person_id}:{rules.epoch(now)}:{secrets.token_hex(4)}",
        recipient=email,
        subject=f"Reset your password · {config['DEPARTMENT_NAME']} mentoring",
        body=_reset_text(email, link_for(person_id, "reset", now), now),
    )
    if eligible:
        queue([message], now)
    else:
        db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_([message.key]))).all()


# Changing one's password -------------------------------------------------------------


def _matches(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(actor: Actor, current: str, new: str, now: datetime, keep: str | None) -> int:
    """Change the signed-in person's password; end their other sessions (all but the
    cookie id ``keep``) and tell them by email. How many sessions ended. Attempts are
    limited (PASSWORD_CHANGE_MAX_ATTEMPTS per 15 minutes), so a browser left signed in
    cannot be used to guess the password."""
    assert actor.person_id is not None  # a signed-in person, never the command line
    person = db.session.get(Person, actor.person_id)
    account = _account(actor.person_id)
    if person is None or account is None:
        raise Forbidden("You have no password to change.")
    if account.password_hash == UNUSABLE_PASSWORD:
        raise Forbidden(
            "You sign in through your university and have no password here to change. To have one "
            "as well, sign out and use \u201cForgot your password?\u201d on the sign-in page.",
            {"current_password": ["you have no password here: you sign in through your university"]},
        )
    check_password_rules(new, person.name, person.email)
    limit = int(current_app.config["PASSWORD_CHANGE_MAX_ATTEMPTS"])
    hit("password-change", str(person.id), limit, CHANGE_WINDOW_SECONDS, now, field="current_password")
    if not _matches(account.password_hash, current):
        raise DomainError.field(
            "current_password", "is not your current password", "The current password is not right."
        )
    if _matches(account.password_hash, new):
        raise DomainError.field("password", "must differ from your current password")
    set_password(person, new, now)
    ended = sessions.end_sessions(person.id, "password changed", now, keep=keep)
    queue([_changed_message(person, now)], now)
    return ended


# Mail --------------------------------------------------------------------------------


def when(moment: datetime) -> str:
    """A moment as a person reads it: in the department's time zone, named."""
    config = current_app.config
    local = moment.replace(tzinfo=UTC).astimezone(zone(config))
    return f"{local.day} {local:%B %Y, %H:%M} ({config['SCHEDULER_TIMEZONE']})"


def _invitation_message(invitation: Invitation, person: Person, inviter: Person | None, now: datetime) -> Message:
    department = current_app.config["DEPARTMENT_NAME"]
    by = inviter.name if inviter else "The administrator"
    ask = inviter.name if inviter else "your division director or the administrator"
    text = (
        f"Dear {person.name},\n\n"
        f"{by} invited you to the {department} mentoring app, where the department keeps its mentoring "
        "ledger, feedback, credit statements and awards.\n\n"
        f"Choose a password to make your account (you will sign in as {person.email}):\n\n"
        f"    {link_for(person.id, 'invitation', now)}\n\n"
        f"The link works once, until {when(invitation.expires_at)}. If it has expired, ask {ask} for a new "
        "invitation.\n"
    )
    return Message(
        key=f"invitation:{invitation.id}",
        recipient=person.email,
        subject=f"Your invitation to the {department} mentoring app",
        body=text,
    )


def _reset_text(email: str, link: str, now: datetime) -> str:
    hours = current_app.config["RESET_HOURS"]
    return (
        f"Someone, probably you, asked to reset the password of the account {email}.\n\n"
        f"Choose a new password here:\n\n    {link}\n\n"
        f"The link works once, until {when(now + lifetime('reset'))} ({hours} hours). If you did not ask, "
        "ignore this message: your password stays as it is.\n"
    )


def _changed_message(person: Person, now: datetime) -> Message:
    department = current_app.config["DEPARTMENT_NAME"]
    text = (
        f"Dear {person.name},\n\n"
        f"The password of your {department} mentoring account ({person.email}) was changed on {when(now)}, "
        "and every other browser signed in as you was signed out.\n\n"
        "If you did not change it, reset it now and tell the administrator:\n\n"
        f"    {links.url('/password/forgot')}\n"
    )
    return Message(
        key=f"password-changed:{person.id}:{rules.epoch(now)}:{secrets.token_hex(4)}",
        recipient=person.email,
        subject=f"Your password was changed · {department} mentoring",
        body=text,
    )
