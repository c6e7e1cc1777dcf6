"""/api/v1/people (with each person's own profile) and /api/v1/divisions."""

from sqlalchemy import select

from ..apidoc import errors_for
from ..auth.current import api_actor
from ..clock import utcnow
from ..errors import NotFound
from ..extensions import db
from ..keyset import paginate
from ..parsing import Blueprint
from . import profiles, service
from .models import Division, Person
from .schemas import (
    DirectorSchema,
    DivisionSchema,
    PersonArgsSchema,
    PersonPageSchema,
    PersonProfileSchema,
    PersonSchema,
    PersonUpdateSchema,
)

URL = ""
blp = Blueprint("people_api", __name__, description="Divisions and people")


@blp.get("/people")
@blp.arguments(PersonArgsSchema, location="query")
@blp.response(200, PersonPageSchema)
@errors_for(401, 422)
def list_people(args):
    """List the people you may see (admins: everyone; directors: their divisions; others:
    themselves and their mentoring counterparts)"""
    statement = service.visible_people(api_actor())
    for key in ("division_id", "rank", "position"):
        if key in args:
            statement = statement.where(getattr(Person, key) == args[key])
    if "q" in args:
        statement = statement.where(service.text_matches(args["q"], Person.email, Person.name))
    return paginate(db.session, statement, args, (Person.name, Person.id))


@blp.post("/people")
@blp.arguments(PersonSchema)
@blp.response(201, PersonSchema)
@errors_for(401, 403, 409, 422)
def create_person(body):
    """Add a person to the roster (admins; directors in their division)"""
    person = service.create_person(body, api_actor(), utcnow())
    db.session.commit()
    return person


@blp.get("/people/<int:person_id>")
@blp.response(200, PersonSchema)
@errors_for(401, 404)
def get_person(person_id):
    """One person"""
    return service.get_person(person_id, api_actor())


@blp.patch("/people/<int:person_id>")
@blp.arguments(PersonUpdateSchema)
@blp.response(200, PersonSchema)
@errors_for(401, 403, 404, 409, 422)
def update_person(body, person_id):
    """Change a person's roster record (admins; directors in their division)"""
    actor = api_actor()
    person = service.update_person(service.get_person(person_id, actor), body, actor)
    db.session.commit()
    return person


@blp.get("/people/me/profile")
@blp.response(200, PersonProfileSchema)
@errors_for(401, 404)
def get_my_profile():
    """Your profile: whether you may be named in other people's promotion dossiers, and
    your mentoring philosophy (defaults until you first save it: named, no philosophy)"""
    actor = api_actor()
    if actor.person_id is None:
        raise NotFound("The command line has no profile.", {"person_id": ["no such person"]})
    return profiles.read_profile(actor.person_id, actor)


@blp.put("/people/me/profile")
@blp.arguments(
    PersonProfileSchema, example={"named_in_dossiers": False, "philosophy": "I mentor by asking, not telling."}
)
@blp.response(200, PersonProfileSchema)
@errors_for(401, 403, 422)
def put_my_profile(body):
    """Set your profile (both fields; only you can change yours)"""
    profile = profiles.update_profile(api_actor(), body, utcnow())
    db.session.commit()
    return profile


@blp.get("/people/<int:person_id>/profile")
@blp.response(200, PersonProfileSchema)
@errors_for(401, 404)
def get_profile(person_id):
    """A person's profile (the person themself, and administrators)"""
    return profiles.read_profile(person_id, api_actor())


@blp.get("/divisions")
@blp.response(200, DivisionSchema(many=True))
@errors_for(401)
def list_divisions():
    """All divisions"""
    api_actor()
    return db.session.scalars(select(Division).order_by(Division.name)).all()


@blp.post("/divisions")
@blp.arguments(DivisionSchema)
@blp.response(201, DivisionSchema)
@errors_for(401, 403, 409, 422)
def create_division(body):
    """Add a division (admins)"""
    division = service.create_division(body["name"], body["code"], api_actor())
    db.session.commit()
    return division


@blp.get("/divisions/<int:division_id>")
@blp.response(200, DivisionSchema)
@errors_for(401, 404)
def get_division(division_id):
    """One division"""
    api_actor()
    return service.get_division(division_id)


@blp.post("/divisions/<int:division_id>/directors")
@blp.arguments(DirectorSchema)
@blp.response(201, DivisionSchema)
@errors_for(401, 403, 404, 422)
def appoint_director(body, division_id):
    """Make a person a director of the division (admins)"""
    actor = api_actor()
    division = service.get_division(division_id)
    service.appoint_director(division, body["person_id"], actor)
    db.session.commit()
    return division


@blp.delete("/divisions/<int:division_id>/directors/<int:person_id>")
@blp.response(204)
@errors_for(401, 403, 404)
def remove_director(division_id, person_id):
    """Remove a director from the division (admins)"""
    actor = api_actor()
    service.remove_director(service.get_division(division_id), person_id, actor)
    db.session.commit()
