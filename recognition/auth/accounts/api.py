"""/api/v1/people/<id>/account: an account's state and history; disable and enable it
(administrators only)."""

from ...apidoc import errors_for
from ...clock import utcnow
from ...extensions import db
from ...parsing import Blueprint
from ..current import api_actor
from . import service
from .schemas import AccountChangeSchema, AccountSchema, ReasonSchema

URL = "/people"
blp = Blueprint("accounts_api", __name__, description="Accounts: disable and enable, with their history")


def _state(person_id: int, **extra) -> dict:
    person, account = service.account_of(person_id, api_actor())
    return {
        "person_id": person.id,
        "has_account": account is not None,
        "disabled": bool(account and account.disabled),
        "history": [
            {
                "action": event.action,
                "reason": event.reason,
                "actor_id": event.actor_id,
                "actor_name": event.actor.name if event.actor else "command line",
                "at": event.at,
            }
            for event in service.history(person.id)
        ],
        **extra,
    }


@blp.get("/<int:person_id>/account")
@blp.response(200, AccountSchema)
@errors_for(401, 403, 404)
def get_account(person_id):
    """A person's account: whether it is disabled, and every change with who, why and when (admins)"""
    return _state(person_id)


@blp.post("/<int:person_id>/account/disable")
@blp.arguments(ReasonSchema)
@blp.response(200, AccountChangeSchema)
@errors_for(401, 403, 404, 409, 422)
def disable(body, person_id):
    """Disable an account: it cannot sign in, and its browser sessions and API tokens end at once
    (admins; not your own, nor the last enabled administrator's)"""
    done = service.disable(person_id, body["reason"], api_actor(), utcnow())
    db.session.commit()
    return _state(person_id, sessions_ended=done.sessions_ended, tokens_revoked=done.tokens_revoked)


@blp.post("/<int:person_id>/account/enable")
@blp.arguments(ReasonSchema)
@blp.response(200, AccountChangeSchema)
@errors_for(401, 403, 404, 409, 422)
def enable(body, person_id):
    """Enable a disabled account; it signs in afresh (nothing that was ended comes back) (admins)"""
    service.enable(person_id, body["reason"], api_actor(), utcnow())
    db.session.commit()
    return _state(person_id, sessions_ended=0, tokens_revoked=0)
