"""The two pages of institutional sign-in: leaving for the university's sign-in, and
coming back from it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from ...clock import utcnow
from ...config import ConfigurationError
from ...extensions import db
from ...links import safe_next
from ...links import url as absolute_url
from .. import sessions
from ..current import User
from ..service import load_actor
from . import service
from .rules import MATCH_CLAIMS

blp = Blueprint("oidc", __name__)

# Where the session keeps what ``service.begin`` returned until the browser comes back.
PENDING = "_oidc_pending"


@blp.record_once
def check_configuration(state) -> None:
    """Refuse to start with a matching rule that could match no one, rather than fail at
    someone's first sign-in."""
    match = state.app.config["OIDC_MATCH_CLAIM"]
    if match not in MATCH_CLAIMS:
        raise ConfigurationError(f"OIDC_MATCH_CLAIM must be one of {', '.join(MATCH_CLAIMS)}, not {match!r}.")
    if match == "institutional_id" and not state.app.config["OIDC_ID_CLAIM"]:
        raise ConfigurationError("OIDC_ID_CLAIM must name the ID-token claim that holds the institutional id.")


@blp.app_context_processor
def institution_sign_in() -> dict:
    """What the sign-in page needs to offer the university's sign-in."""
    config = current_app.config
    return {
        "institution_sign_in": service.is_configured(config),
        "institution_label": config["OIDC_BUTTON_LABEL"],
        "password_sign_in": bool(config["PASSWORD_SIGN_IN"]),
    }


def redirect_uri() -> str:
    return absolute_url(url_for("oidc.callback"))


@blp.get("/login/oidc")
def start():
    """Send the browser to the university, remembering where it was going (only a path
    on this site) and the secrets that tie the answer to this browser. A link, so it
    changes nothing but this browser's own session: a page elsewhere that links here can
    only send the person to their university's sign-in."""
    config = current_app.config
    if not service.is_configured(config):
        abort(404)
    next_url = safe_next(request.args.get("next"))
    try:
        address, pending = service.begin(config, redirect_uri(), next_url, utcnow())
    except service.ProviderUnavailable as error:
        return refused(error, "The university's sign-in is not available")
    session[PENDING] = pending
    return redirect(address)


@blp.get("/login/oidc/callback")
def callback():
    """The university's answer. What ``start`` kept is taken out of the session first, so
    an answer is used once whatever happens next."""
    config = current_app.config
    if not service.is_configured(config):
        abort(404)
    pending = session.pop(PENDING, None)
    try:
        claims = service.finish(config, pending, request.args, redirect_uri(), utcnow())
        person = service.person_for(config, claims, utcnow())
    except service.SignInRefused as error:
        db.session.rollback()
        return refused(error, "Sign-in did not complete")
    except service.Unmatched as error:
        db.session.rollback()
        return refused(error, "We could not find you on the department's roster", contact=config["OIDC_HELP_CONTACT"])
    except service.AccountDisabled as error:
        db.session.rollback()
        return refused(error, "Your account is disabled", contact=config["OIDC_HELP_CONTACT"])
    except service.ProviderUnavailable as error:
        db.session.rollback()
        return refused(error, "The university's sign-in is not available")
    db.session.commit()  # an account made for someone the roster knows
    actor = load_actor(person.id)
    assert actor is not None  # person_for has just found them
    if current_user.is_authenticated:  # someone else's (or an older) session in this browser ends first
        sessions.sign_out(utcnow())
    sessions.sign_in(User(actor), "oidc", utcnow())
    return redirect(safe_next((pending or {}).get("next")) or url_for("auth.home"))


def refused(error, heading: str, contact: str | None = None) -> tuple[str, int, dict[str, str]]:
    """The page that says why nobody was signed in, and what to do next."""
    page = render_template(
        "auth/oidc/refused.html", heading=heading, message=error.message, contact=contact, status=error.status
    )
    headers = {"Retry-After": str(error.retry_after)} if error.status == 503 else {}
    return page, error.status, headers
