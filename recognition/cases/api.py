"""/api/v1/cases: CFAR and promotion cases, their committees and the referee check.

What each reader sees is in ``visibility``: administrators every case and the committee's
conflict flags; the director of the candidate's division the same for their division;
a committee member the case, the committee's names and their own standing; the candidate
that the case exists (kind, target rank, period, due date, state), never its committee.
Anyone else gets a 404. Changing a case one may see but not manage is a 403.
"""

from __future__ import annotations

from flask import Response

from ..apidoc import errors_for
from ..auth.current import api_actor
from ..clock import utcnow
from ..errors import Forbidden
from ..extensions import db
from ..keyset import paginate
from ..parsing import Blueprint
from . import exports, referees, service
from .models import Case
from .schemas import (
    CaseArgsSchema,
    CaseClosureInSchema,
    CaseInSchema,
    CaseMemberInSchema,
    CaseOverrideInSchema,
    CasePageSchema,
    CaseRefereeCheckSchema,
    CaseRefereesInSchema,
    CaseSchema,
    CaseStandaloneRefereesInSchema,
)
from .visibility import CANDIDATE, OPEN_FIRST, describe, get_case, known_capacity, visible_cases

URL = "/cases"
blp = Blueprint("cases_api", __name__, description="CFAR and promotion cases: committees, conflicts, referee checks")


@blp.get("")
@blp.arguments(CaseArgsSchema, location="query")
@blp.response(200, CasePageSchema)
@errors_for(401, 422)
def list_cases(args):
    """List the cases you may see: open ones first, soonest due first.

    Members see their cases (closed ones as closed, without dossier access); the candidate
    sees their own cases without the committee."""
    actor = api_actor()
    statement = visible_cases(actor)
    if "state" in args:
        statement = statement.where(
            Case.closed_at.is_(None) if args["state"] == "open" else Case.closed_at.is_not(None)
        )
    if "kind" in args:
        statement = statement.where(Case.kind == args["kind"])
    if "candidate_id" in args:
        statement = statement.where(Case.candidate_id == args["candidate_id"])
    page = paginate(db.session, statement, args, OPEN_FIRST)
    page["items"] = [describe(case, known_capacity(case, actor), actor, full=False) for case in page["items"]]
    return page


@blp.get("/export.csv")
@blp.response(
    200,
    {"type": "string"},
    content_type="text/csv",
    description="UTF-8 with a byte-order mark, for spreadsheets: one row per committee member (removed "
    "ones too) with their standing, flags and any override's reason",
)
@errors_for(401, 403)
def export_cases():
    """The cases you manage, with their committees, as CSV (administrators; directors for their divisions)"""
    actor = api_actor()
    if not (actor.is_admin or actor.directed_division_ids):
        raise Forbidden("Only administrators and division directors can export cases.")
    return Response(
        exports.to_csv(exports.rows(actor)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"', "Cache-Control": "private, no-store"},
    )


@blp.post("")
@blp.arguments(
    CaseInSchema,
    examples={
        "promotion": {
            "value": {
                "candidate_id": 42,
                "kind": "promotion",
                "target_rank": "full",
                "due_on": "2027-03-31",
                "member_ids": [7, 12, 19],
            }
        }
    },
)
@blp.response(201, CaseSchema)
@errors_for(401, 403, 409, 422)
def open_case(body):
    """Open a case (administrators; the director of the candidate's division); one open case of each kind per candidate"""
    actor = api_actor()
    case = service.open_case(body, actor, utcnow())
    db.session.commit()
    return describe(case, known_capacity(case, actor), actor)


@blp.get("/<int:case_id>")
@blp.response(200, CaseSchema)
@errors_for(401, 404)
def get_one(case_id):
    """One case, as you may see it"""
    actor = api_actor()
    case, seen_as = get_case(case_id, actor)
    return describe(case, seen_as, actor)


@blp.post("/<int:case_id>/members")
@blp.arguments(
    CaseMemberInSchema,
    examples={"by id": {"value": {"person_id": 12}}, "by email": {"value": {"email": "a.chen@example.org"}}},
)
@blp.response(201, CaseSchema)
@errors_for(401, 403, 404, 409, 422)
def add_member(body, case_id):
    """Put someone on the committee (a removed member comes back)"""
    actor = api_actor()
    case, seen_as = get_case(case_id, actor)
    service.add_member(case, service.roster_person(body["person_id"], body["email"]), actor, utcnow())
    db.session.commit()
    return describe(case, seen_as, actor)


@blp.post("/<int:case_id>/members/<int:person_id>/removal")
@blp.response(200, CaseSchema)
@errors_for(401, 403, 404, 409, 422)
def remove_member(case_id, person_id):
    """Take someone off the committee (they stay listed, with when)"""
    actor = api_actor()
    case, seen_as = get_case(case_id, actor)
    service.remove_member(case, person_id, actor, utcnow())
    db.session.commit()
    return describe(case, seen_as, actor)


@blp.post("/<int:case_id>/overrides")
@blp.arguments(CaseOverrideInSchema)
@blp.response(201, CaseSchema)
@errors_for(401, 403, 404, 409, 422)
def override(body, case_id):
    """Lift a member's conflict flag, with a reason (administrators only; never the candidate)"""
    actor = api_actor()
    case, seen_as = get_case(case_id, actor)
    service.override(case, body["member_id"], body["reason"], actor, utcnow())
    db.session.commit()
    return describe(case, seen_as, actor)


@blp.post("/<int:case_id>/closure")
@blp.arguments(CaseClosureInSchema)
@blp.response(200, CaseSchema)
@errors_for(401, 403, 404, 409, 422)
def close(body, case_id):
    """Close the case with a note: its committee no longer opens the dossier"""
    actor = api_actor()
    case, seen_as = get_case(case_id, actor)
    service.close(case, body["note"], actor, utcnow())
    db.session.commit()
    return describe(case, seen_as, actor)


@blp.post("/<int:case_id>/referee-check")
@blp.arguments(
    CaseRefereesInSchema, examples={"mixed": {"value": {"referee_ids": [31], "referee_emails": ["b.osei@example.org"]}}}
)
@blp.response(200, CaseRefereeCheckSchema)
@errors_for(401, 403, 404, 422)
def check_case_referees(body, case_id):
    """Are these proposed referees tied to the case's candidate? (nothing is stored)"""
    actor = api_actor()
    case, seen_as = get_case(case_id, actor)
    if seen_as == CANDIDATE:
        raise Forbidden("The candidate cannot check referees for their own case.")
    found = referees.check_for_case(case, body["referee_ids"], body["referee_emails"], actor)
    return _checked(case.candidate, found, case.id)


@blp.post("/referee-check")
@blp.arguments(
    CaseStandaloneRefereesInSchema,
    examples={
        "by email": {"value": {"candidate_id": 42, "referee_emails": ["b.osei@example.org", "c.diaz@example.org"]}}
    },
)
@blp.response(200, CaseRefereeCheckSchema)
@errors_for(401, 403, 422)
def check_referees(body):
    """Are these proposed referees tied to a candidate? (administrators; directors for their divisions)"""
    candidate, found = referees.check_standalone(
        body["candidate_id"], body["referee_ids"], body["referee_emails"], api_actor()
    )
    return _checked(candidate, found, None)


def _checked(candidate, found: list[dict], case_id: int | None) -> dict:
    return {
        "candidate": {"id": candidate.id, "name": candidate.name},
        "case_id": case_id,
        "referees": [
            {
                "person": {"id": r["person"].id, "name": r["person"].name},
                "email": r["person"].email,
                "tied": r["tied"],
                "reasons": r["reasons"],
            }
            for r in found
        ],
    }
