"""/api/v1/people/<id>/invitation(s): invite a person to make an account, and list the
invitations sent to them."""

from ...apidoc import errors_for
from ...clock import utcnow
from ...errors import Forbidden
from ...extensions import db
from ...parsing import Blueprint
from ...people.service import get_person
from ..current import api_actor
from . import service
from .schemas import InvitationSchema

URL = ""
blp = Blueprint("invitations_api", __name__, description="Invitations to make an account")


@blp.post("/people/<int:person_id>/invitation")
@blp.response(201, InvitationSchema)
@errors_for(401, 403, 404, 409)
def create_invitation(person_id):
    """Email a person a link to choose a password and make their account (admins; directors
    for their divisions). Refused (409) when they already have an account: they can reset
    a forgotten password themselves. The link works once, for INVITATION_DAYS."""
    actor = api_actor()
    invitation = service.invite(get_person(person_id, actor), actor, utcnow())
    db.session.commit()
    return invitation


@blp.get("/people/<int:person_id>/invitations")
@blp.response(200, InvitationSchema(many=True))
@errors_for(401, 403, 404)
def list_invitations(person_id):
    """The invitations sent to a person, newest first (admins; directors for their divisions)"""
    actor = api_actor()
    person = get_person(person_id, actor)
    if not service.can_invite(actor, person):
        raise Forbidden("Only an administrator, or the director of this person's division, can see their invitations.")
    return service.invitations_of(person.id)
