"""/api/v1/feedback: instruments, requests, answers, reports, division views.

Per-object authorisation: a request exists only for its mentee and a report only for
those who may read it (404 to everyone else). Division views refuse (403) rather than
hide: which divisions exist is no secret.
"""

from sqlalchemy import select

from .. import idempotency
from ..apidoc import errors_for
from ..auth.current import api_actor
from ..auth.service import require_admin
from ..clock import today, utcnow
from ..extensions import db
from ..parsing import Blueprint
from ..people.models import Person
from . import reports, service
from .models import Request
from .schemas import (
    DivisionViewSchema,
    InstrumentSchema,
    PeriodArgsSchema,
    ReceivedSchema,
    RemindedSchema,
    ReportArgsSchema,
    ReportSchema,
    RequestDetailSchema,
    RequestSchema,
    RequestsSentSchema,
    ResponseInSchema,
)

URL = "/feedback"
blp = Blueprint("feedback_api", __name__, description="Anonymous mentee feedback")

RECEIVED = (
    "Thank you: your feedback was received. It is stored without your name and shown to your mentor only "
    "pooled with at least {k} responses from at least {k} different mentees. It cannot be seen or changed again."
)


# Instruments -------------------------------------------------------------------------


@blp.get("/instruments")
@blp.response(200, InstrumentSchema(many=True))
@errors_for(401)
def list_instruments():
    """The feedback instruments available, every version"""
    return [found for _, found in sorted(service.available_instruments().items())]


@blp.get("/instruments/<key>/<int:version>")
@blp.response(200, InstrumentSchema)
@errors_for(401, 404)
def get_instrument(key, version):
    """One instrument version (also a retired one that requests still use)"""
    found = service.available_instruments().get((key, version))
    return found or service.instrument(key, version)


# Requests and answers (the mentee's) -------------------------------------------------


def _request_view(request: Request, mentor) -> dict:
    deadline = service.answer_deadline(request.period)
    return {
        "id": request.id,
        "period": request.period,
        "mentor": mentor,
        "answered": service.answered(request),
        "open": today() <= deadline,
        "deadline": deadline,
    }


@blp.get("/requests")
@blp.response(200, RequestSchema(many=True))
@errors_for(401)
def list_requests():
    """Your feedback requests as a mentee, newest period first"""
    return [
        {"id": row["request"].id, "period": row["request"].period, **row}
        for row in service.requests_of(api_actor(), today())
    ]


@blp.get("/requests/<int:request_id>")
@blp.response(200, RequestDetailSchema)
@errors_for(401, 404)
def get_request(request_id):
    """One of your feedback requests, with the instrument to answer"""
    request = service.get_request(request_id, api_actor())
    view = _request_view(request, db.session.get(Person, request.mentor_id))
    view["instrument"] = service.instrument(request.instrument_key, request.instrument_version)
    return view


@blp.post("/requests/<int:request_id>/response")
@blp.arguments(ResponseInSchema)
@blp.response(201, ReceivedSchema)
@errors_for(401, 404, 409, 422)
@idempotency.not_recorded
def submit_response(body, request_id):
    """Answer a request, once. The response is stored without your name and can never be
    seen or changed again, by you or anyone"""
    actor = api_actor()
    service.submit(service.get_request(request_id, actor), body["answers"], body["comments"], actor, utcnow())
    db.session.commit()
    return {"received": True, "message": RECEIVED.format(k=service.k())}


# Periods (admins) --------------------------------------------------------------------


@blp.post("/periods/<period>/requests")
@blp.response(200, RequestsSentSchema)
@errors_for(401, 403, 404, 422)
def send_period_requests(period):
    """Ask every mentee of an active mentorship for feedback on the period, and email
    the requests not sent yet (admins). Rerunning asks only those not asked"""
    require_admin(api_actor())
    now = utcnow()
    created = service.request_feedback(period, now)
    unsent = db.session.scalars(
        select(Request).where(Request.period == period, Request.sent_at.is_(None)).order_by(Request.id)
    ).all()
    where = service.send_requests(unsent, now)
    db.session.commit()
    return {"created": len(created), "sent": len(unsent), "sent_to": where}


@blp.post("/periods/<period>/reminders")
@blp.response(200, RemindedSchema)
@errors_for(401, 403, 404, 422)
def send_period_reminders(period):
    """Remind the mentees who have not answered for the period (admins); each at most
    once per reminder interval"""
    require_admin(api_actor())
    reminded = service.remind(period, utcnow())
    db.session.commit()
    return {"reminded": len(reminded)}


# Reports -----------------------------------------------------------------------------


@blp.get("/reports")
@blp.arguments(ReportArgsSchema, location="query")
@blp.response(200, ReportSchema)
@errors_for(401, 404, 422)
def get_report(args):
    """A mentor's feedback report for a period (default: yours, the current period). Shown
    only from released blocks of at least k responses; comments only to the mentor"""
    actor = api_actor()
    return reports.mentor_report(args.get("mentor_id") or actor.person_id, _period(args), actor)


@blp.get("/divisions/<int:division_id>")
@blp.arguments(PeriodArgsSchema, location="query")
@blp.response(200, DivisionViewSchema)
@errors_for(401, 403, 404, 422)
def get_division_view(args, division_id):
    """A division's pooled feedback for a period (admins; the division's directors)"""
    return reports.division_view(division_id, _period(args), api_actor())


@blp.get("/department")
@blp.arguments(PeriodArgsSchema, location="query")
@blp.response(200, DivisionViewSchema)
@errors_for(401, 403, 422)
def get_department_view(args):
    """The whole department's pooled feedback for a period (admins)"""
    return reports.division_view(None, _period(args), api_actor())


def _period(args) -> str:
    return args.get("period") or service.current_period(today())
