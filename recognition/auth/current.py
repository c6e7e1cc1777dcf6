"""The actor behind a request: a session cookie for pages, a bearer token for the API."""

from __future__ import annotations

from functools import partial

from flask import current_app, g, request
from flask_login import UserMixin, current_user

from ..clock import utcnow
from ..database import AheadOfLock
from ..errors import DomainError
from ..extensions import login_manager
from . import sessions
from .service import Actor
from .tokens import actor_for_append


class User(UserMixin):
    """A signed-in browser: the actor, and the id of its session (``sessions.sign_in``
    sets it) that Flask-Login keeps in the cookie."""

    def __init__(self, actor: Actor, session_id: str = ""):
        self.actor = actor
        self.id = session_id


@login_manager.user_loader
def _load_user(session_id: str):
    actor = sessions.actor_for_cookie(session_id)
    return User(actor, session_id) if actor else None


login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.login_message_category = "info"


class Unauthenticated(DomainError):
    status = 401


def api_actor(append_lock: int | None = None, reads=None) -> Actor:
    """The token's owner, or a 401 in the API error shape; for a view that appends, the
    append lock taken with it, and what was read with it for the append
    (``tokens.actor_for_append``; ``read_ahead`` hands it over)."""
    if "api_actor" in g:
        return g.api_actor
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "Send an API token as 'Authorization: Bearer <token>' (get one from POST /api/v1/auth/tokens).",
            {"Authorization": ["a bearer token is required"]},
        )
    actor, ahead = actor_for_append(token.strip(), utcnow(), append_lock, reads)
    if actor is None:
        raise Unauthenticated("The API token is not valid or has been revoked.", {"Authorization": ["token not valid"]})
    g.api_actor = actor
    if ahead is not None:
        g.append_ahead = ahead
    return actor


def read_ahead() -> AheadOfLock | None:
    """What the token's statement read for this request's append (``database.appends``),
    once: None when it read nothing, or did not take the append lock."""
    return g.pop("append_ahead", None)


def api_person_id() -> int:
    """The token owner's id (the key idempotency records keys under)."""
    person_id = api_actor().person_id
    assert person_id is not None  # tokens are issued to people; only the command line acts as no one
    return person_id


def require_token() -> None:
    """``before_request`` of every API blueprint: authenticate before any input is read,
    so a call without a valid token is a 401 whatever else is wrong with it, and a view
    that forgets to ask for the actor is still closed. Views documented as public
    (``errors_for(public=True)``) are let through."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method == "OPTIONS" or getattr(view, "public", False):
        return
    reads = getattr(view, "append_reads", None)
    if reads is not None:  # for the body as sent (checked later), given the database's kind
        reads = partial(reads, request.get_json(silent=True) if request.is_json else None)
    api_actor(getattr(view, "append_lock", None), reads)


def page_actor() -> Actor:
    return current_user.actor
