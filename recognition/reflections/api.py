"""/api/v1/reflections: reflections on feedback received, private to their author.

A reflection's text exists only for its author: to anyone else, administrators included,
it is a 404. Its ledger entry (date, minutes, a digest of the text) is the evidence
others may see, in /api/v1/contributions.
"""

from sqlalchemy import select

from ..apidoc import errors_for
from ..auth.current import api_actor
from ..clock import utcnow
from ..extensions import db
from ..keyset import KeysetArgsSchema, paginate
from ..parsing import Blueprint
from . import service
from .models import Reflection
from .schemas import ReflectionInSchema, ReflectionPageSchema, ReflectionSchema

URL = "/reflections"
blp = Blueprint("reflections_api", __name__, description="Reflections on feedback received (private to their author)")


@blp.get("")
@blp.arguments(KeysetArgsSchema, location="query")
@blp.response(200, ReflectionPageSchema)
@errors_for(401, 422)
def list_reflections(args):
    """Your reflections, newest first"""
    statement = select(Reflection).where(Reflection.person_id == api_actor().person_id)
    return paginate(db.session, statement, args, (Reflection.id.desc(),))


@blp.post("")
@blp.arguments(ReflectionInSchema)
@blp.response(201, ReflectionSchema)
@errors_for(401, 409, 422)
def record_reflection(body):
    """Record a reflection on a feedback report of yours (or on other feedback you
    received): it becomes a ledger entry of kind feedback_reflection, Section 3 evidence.
    A report is reflected on once (409 for a second); a reflection is not dated before its
    report existed (422 on occurred_on)"""
    reflection = service.record(body, api_actor(), utcnow())
    db.session.commit()
    return reflection


@blp.get("/<int:reflection_id>")
@blp.response(200, ReflectionSchema)
@errors_for(401, 404)
def get_reflection(reflection_id):
    """One of your reflections"""
    return service.get(reflection_id, api_actor())
