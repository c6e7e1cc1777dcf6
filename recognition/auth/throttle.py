"""Failed sign-ins slow the guesser, not the owner (OWASP's Authentication and Credential
Stuffing cheat sheets).

Every failed sign-in is a ``LoginFailure`` row: the email tried (known or not, so a refusal
never tells them apart), the client address, and the device cookie's nonce if the browser
sent a valid one. Three counts decide whether an attempt is heard at all, each with growing
delays (``rules.Delays``):

* one email from one address: ``LOGIN_MAX_FAILURES`` failures, then 1, 2, 4 … minutes.
  Failures from other addresses never count here, so nobody can lock the owner out of
  their own address;
* one address, whatever emails it tries (password spraying, or everyone behind a NAT):
  ``LOGIN_ADDRESS_MAX_FAILURES`` failures, then growing delays;
* one device cookie. A browser that signed in to an account before holds a signed cookie
  naming that account (``remember_device``). With it, the address counts above do not
  apply to that account: its owner gets in whatever a guesser did from anywhere, their own
  address included. The cookie has its own count (``LOGIN_MAX_FAILURES``), so a stolen
  one buys a guesser no more than an address would.

A successful sign-in forgets the failures of its email from its address and of its device
cookie. Rows older than ``LOGIN_FAILURE_MEMORY_SECONDS`` are pruned as failures arrive;
nothing else changes them. Everyone, admins included, is treated alike. A password reset
link (sent by email) is not a sign-in and is not throttled by any of this.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from ..errors import DomainError
from ..extensions import db
from .models import LoginFailure
from .rules import Delays, minutes_phrase, seconds_until

DEVICE_COOKIE = "recognition_device"
# A browser remembers this many accounts (a shared office computer); the oldest goes first.
DEVICES_PER_BROWSER = 5


class Throttled(DomainError):
    """An attempt refused unheard: too many recent failures. Sent with Retry-After."""

    status = 429
    send_retry_after = True

    def __init__(self, retry_after: int):
        wait = minutes_phrase(retry_after)
        super().__init__(
            f"Too many failed sign-ins. Try again in {wait}.",
            {"email": [f"too many failed sign-ins; try again in {wait}"]},
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attempt:
    """Who is trying to sign in, as far as throttling cares: the email typed (lower-case),
    the client address, and the nonce of a valid device cookie for that email."""

    email: str
    address: str
    device: str | None = None


def _delays(config, threshold_key: str) -> Delays:
    return Delays(
        threshold=int(config[threshold_key]),
        first=int(config["LOGIN_DELAY_FIRST_SECONDS"]),
        longest=int(config["LOGIN_DELAY_LONGEST_SECONDS"]),
    )


def _since(now: datetime) -> datetime:
    return now - timedelta(seconds=int(current_app.config["LOGIN_FAILURE_MEMORY_SECONDS"]))


def _failures(now: datetime, *conditions) -> tuple[int, datetime | None]:
    count, latest = db.session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(LoginFailure.at > _since(now), *conditions)
    ).one()
    return count or 0, latest


def check(attempt: Attempt, now: datetime) -> None:
    """Raise ``Throttled`` if this attempt must wait; otherwise it may be heard."""
    config = current_app.config
    waits: list[datetime | None]
    if attempt.device is not None:
        # A browser the owner signed in on: only its own count applies.
        waits = [_delays(config, "LOGIN_MAX_FAILURES").open_at(*_failures(now, LoginFailure.device == attempt.device))]
    else:
        untrusted = LoginFailure.device.is_(None)
        pair = _failures(
            now, untrusted, LoginFailure.email == attempt.email, LoginFailure.remote_addr == attempt.address
        )
        address = _failures(now, untrusted, LoginFailure.remote_addr == attempt.address)
        waits = [
            _delays(config, "LOGIN_MAX_FAILURES").open_at(*pair),
            _delays(config, "LOGIN_ADDRESS_MAX_FAILURES").open_at(*address),
        ]
    shut_until = max((moment for moment in waits if moment is not None and moment > now), default=None)
    if shut_until is not None:
        raise Throttled(seconds_until(shut_until, now))


def failed(attempt: Attempt, now: datetime) -> None:
    """Record a failed attempt (and prune those too old to count). Flushes."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= _since(now)))
    db.session.add(
        LoginFailure(email=attempt.email[:254], remote_addr=attempt.address[:64], device=attempt.device, at=now)
    )
    db.session.flush()


def succeeded(attempt: Attempt) -> None:
    """Forget the failures this success answers: its email from its address, and its
    device cookie's. Failures from other addresses stay counted against them. Flushes."""
    db.session.execute(
        delete(LoginFailure).where(
            LoginFailure.email == attempt.email,
            LoginFailure.remote_addr == attempt.address,
            LoginFailure.device.is_(None),
        )
    )
    if attempt.device is not None:
        db.session.execute(delete(LoginFailure).where(LoginFailure.device == attempt.device))
    db.session.flush()


# The device cookie -----------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="recognition.device-cookie")


def _max_age() -> int:
    return int(current_app.config["LOGIN_DEVICE_COOKIE_DAYS"]) * 86_400


def _devices(cookie: str | None) -> list[list[str]]:
    """The (email, nonce) pairs a device cookie holds; none if it is missing, forged or old."""
    if not cookie:
        return []
    try:
        value = _serializer().loads(cookie, max_age=_max_age())
    except BadSignature:  # SignatureExpired is one too
        return []
    if not isinstance(value, list):
        return []
    return [
        pair for pair in value if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
    ]


def device_for(email: str, cookie: str | None) -> str | None:
    """The nonce of ``cookie``'s entry for ``email``, if the cookie is genuine and current."""
    return next((nonce for known, nonce in _devices(cookie) if known == email), None)


def attempt_for(email: str, address: str, cookie: str | None) -> Attempt:
    email = (email or "").strip().lower()
    return Attempt(email=email, address=address or "", device=device_for(email, cookie))


def request_cookie() -> str | None:
    return request.cookies.get(DEVICE_COOKIE)


def remember_device_after_request(email: str) -> None:
    """Give this request's response the device cookie for ``email`` (``remember_device``):
    after every sign-in that proved the person knows the account (a password; also a
    reset or an invitation link, if those pages want it)."""
    after_this_request(lambda response: remember_device(response, email))


def remember_device(response, email: str):
    """Set (or renew) this browser's device cookie for ``email`` on ``response``: a new nonce
    each sign-in, kept with the browser's other accounts. Returns the response."""
    email = email.strip().lower()
    kept = [pair for pair in _devices(request_cookie()) if pair[0] != email]
    devices = [*kept, [email, secrets.token_urlsafe(16)]][-DEVICES_PER_BROWSER:]
    secure = current_app.config.get("SESSION_COOKIE_SECURE")
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(devices),
        max_age=_max_age(),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure if secure is None else bool(secure),
    )
    return response
