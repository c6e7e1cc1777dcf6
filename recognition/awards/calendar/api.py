"""/api/v1/calendar/feed: your personal feed address, and replacing it when it leaked."""

from ... import idempotency
from ...apidoc import errors_for
from ...auth.current import api_person_id
from ...clock import utcnow
from ...extensions import db
from ...parsing import Blueprint
from . import service as calendar
from .schemas import FeedSchema

URL = "/calendar"
blp = Blueprint("calendar_api", __name__, description="Your deadlines calendar feed")


def _feed(person_id: int) -> dict:
    url = calendar.feed_url(person_id)
    return {
        "url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[-1],
        "rotated_at": calendar.rotated_at(person_id),
    }


@blp.get("/feed")
@blp.response(200, FeedSchema)
@errors_for(401)
def get_feed():
    """Your personal calendar feed address"""
    return _feed(api_person_id())


@blp.post("/feed/rotate")
@blp.response(200, FeedSchema)
@errors_for(401)
@idempotency.not_recorded  # the reply is the secret address; a retry simply replaces it again
def rotate_feed():
    """Replace your calendar feed address: the old one answers 404 from now on (a retry
    replaces it again, so the latest reply holds the address that works)"""
    person_id = api_person_id()
    calendar.rotate(person_id, utcnow())
    db.session.commit()
    return _feed(person_id)
