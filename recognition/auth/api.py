"""/api/v1/auth: exchange credentials for a token, list, rotate and revoke tokens."""

from flask import request

from .. import idempotency
from ..apidoc import errors_for
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from ..parsing import Blueprint
from . import throttle
from .current import api_actor
from .schemas import MeSchema, NewTokenSchema, TokenRequestSchema, TokenSchema
from .service import authenticate
from .tokens import issue_token, lifetime, revoke_token, rotate_token, tokens_of

URL = "/auth"
blp = Blueprint("auth_api", __name__, description="API tokens")


@blp.post("/tokens")
@blp.arguments(TokenRequestSchema)
@blp.response(201, NewTokenSchema)
@blp.doc(
    responses={
        "429": {
            "description": "Too many failed sign-ins for this email from this address (or from this address, or "
            "with this device cookie): the attempt was not checked; retry after Retry-After seconds",
            "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
        },
    }
)
@errors_for(401, 403, 422, 429, public=True)
def create_token(body):
    """Exchange an email and password for an API token (403 when PASSWORD_SIGN_IN is off).
    The token expires after API_TOKEN_DAYS, or the fewer ``days`` asked for. Failed attempts
    are counted per email and address, and per address; past the limits, attempts wait with
    growing delays (429 with Retry-After). Unknown emails are answered exactly as wrong
    passwords. The answer sets a signed device cookie (recognition_device): a client that
    sends it back is exempt from the limits failed guesses from its address ran up for this
    email."""
    lifetime(body.get("days"))  # a refused lifetime costs no password check
    try:
        person = authenticate(
            body["email"], body["password"], request.remote_addr or "", utcnow(), throttle.request_cookie()
        )
    except DomainError:
        db.session.commit()  # keep the failed attempt: it counts towards the throttle
        raise
    row, token = issue_token(person, body["name"], utcnow(), body.get("days"))
    db.session.commit()
    # A client that keeps cookies is recognised as the owner's next time (auth/throttle.py).
    throttle.remember_device_after_request(person.email)
    return _shown_once(row, token)


def _shown_once(row, token: str) -> dict:
    """The new token's row and the token itself, shown once and never stored."""
    return {
        "id": row.id,
        "name": row.name,
        "created_at": row.created_at,
        "expires_at": row.expires_at,
        "revoked_at": row.revoked_at,
        "token": token,
    }


@blp.get("/tokens")
@blp.response(200, TokenSchema(many=True))
@errors_for(401)
def list_tokens():
    """List your API tokens (never the tokens themselves)"""
    return tokens_of(api_actor())


@blp.delete("/tokens/<int:token_id>")
@blp.response(204)
@errors_for(401, 404)
def delete_token(token_id):
    """Revoke an API token (yours, or anyone's if you are an admin)"""
    revoke_token(token_id, api_actor(), utcnow())
    db.session.commit()


@blp.post("/tokens/<int:token_id>/rotate")
@blp.response(201, NewTokenSchema)
@errors_for(401, 404, 409)
@idempotency.not_recorded  # the reply holds the new token, which is never stored
def rotate(token_id):
    """Rotate one of your API tokens: it is revoked at once, and a new one with the same name
    and a fresh expiry is returned (call it with any valid token of yours, the old one
    included). A retry finds the old token revoked (409): the first call arrived"""
    row, token = rotate_token(token_id, api_actor(), utcnow())
    db.session.commit()
    return _shown_once(row, token)


@blp.get("/me")
@blp.response(200, MeSchema)
@errors_for(401)
def me():
    """Who the token belongs to, and their roles"""
    actor = api_actor()
    return {
        "person_id": actor.person_id,
        "name": actor.name,
        "roles": sorted(actor.roles),
        "directed_division_ids": sorted(actor.directed_division_ids),
    }
