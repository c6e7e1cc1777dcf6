"""/api/v1/mentorships."""

from sqlalchemy.orm import selectinload

from ..apidoc import errors_for
from ..auth.current import api_actor
from ..clock import utcnow
from ..extensions import db
from ..keyset import paginate
from ..parsing import Blueprint
from . import service
from .models import Mentorship
from .schemas import EndMentorshipSchema, MentorshipArgsSchema, MentorshipPageSchema, MentorshipSchema

URL = "/mentorships"
blp = Blueprint("mentorships_api", __name__, description="Mentorships")


@blp.get("")
@blp.arguments(MentorshipArgsSchema, location="query")
@blp.response(200, MentorshipPageSchema)
@errors_for(401, 422)
def list_mentorships(args):
    """List the mentorships you may see"""
    statement = service.filtered(service.visible_mentorships(api_actor()), args)
    # Who started each one, in one query for the page rather than one per mentorship.
    statement = statement.options(selectinload(Mentorship.created_by))
    return paginate(db.session, statement, args, (Mentorship.started_on.desc(), Mentorship.id.desc()))


@blp.post("")
@blp.arguments(MentorshipSchema)
@blp.response(201, MentorshipSchema)
@errors_for(401, 403, 409, 422)
def start_mentorship(body):
    """Start a mentorship (admins; the director of the mentee's division)"""
    mentorship = service.start(body, api_actor(), utcnow())
    db.session.commit()
    return mentorship


@blp.get("/<int:mentorship_id>")
@blp.response(200, MentorshipSchema)
@errors_for(401, 404)
def get_mentorship(mentorship_id):
    """One mentorship"""
    return service.get_mentorship(mentorship_id, api_actor())


@blp.post("/<int:mentorship_id>/end")
@blp.arguments(EndMentorshipSchema)
@blp.response(200, MentorshipSchema)
@errors_for(401, 403, 404, 409, 422)
def end_mentorship(body, mentorship_id):
    """End a mentorship; it stays in the history"""
    actor = api_actor()
    mentorship = service.end(
        service.get_mentorship(mentorship_id, actor), body["ended_on"], body["reason"], actor, utcnow()
    )
    db.session.commit()
    return mentorship
