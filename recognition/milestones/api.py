"""/api/v1/milestones: career milestones recorded as facts.

An administrator records anyone's, a division director their division's; a person reports
their own (pending until confirmed). A milestone is never edited: it is confirmed,
withdrawn with a reason, or corrected by a new one that names it. Anyone who may not see
a person's milestones gets a 404, as if there were none.
"""

from flask import current_app

from ..apidoc import errors_for
from ..auth.current import api_actor
from ..clock import utcnow
from ..database import appends
from ..errors import Forbidden
from ..extensions import db
from ..keyset import paginate
from ..ledger.service import LEDGER_LOCK
from ..roster import importer
from ..roster.uploads import UploadBlueprint, too_large
from . import service
from .schemas import (
    CorrectionInSchema,
    MilestoneArgsSchema,
    MilestoneImportResultSchema,
    MilestoneImportSchema,
    MilestoneInSchema,
    MilestonePageSchema,
    MilestoneSchema,
    WithdrawalInSchema,
)

URL = "/milestones"
blp = UploadBlueprint(
    "milestones_api",
    __name__,
    description="Career milestones: appointment, CFAR, promotion, grants, external awards, leadership, check-ins",
)

blp.errorhandler(413)(too_large)  # an upload over the cap, said as the roster import says it

EXAMPLE = {
    "person_id": 42,
    "kind": "promotion",
    "occurred_on": "2024-07-01",
    "rank": "associate",
    "note": "Promotion committee letter of 2024-05-14",
}


@blp.get("")
@blp.arguments(MilestoneArgsSchema, location="query")
@blp.response(200, MilestonePageSchema)
@errors_for(401, 422)
def list_milestones(args):
    """The milestones you may see, newest first: your own; your division's (directors);
    everyone's (administrators); and the standing milestones of a candidate whose open case
    you sit on, not recused. Filter by person_id, kind and status"""
    statement = service.filtered(service.visible(api_actor()), args)
    page = paginate(db.session, statement, args, service.NEWEST_FIRST)
    service.annotate(page["items"])
    return page


@blp.post("")
@appends(LEDGER_LOCK)
@blp.arguments(MilestoneInSchema, example=EXAMPLE)
@blp.response(201, MilestoneSchema)
@errors_for(401, 403, 409, 422)
def create_milestone(body):
    """Record a milestone. For someone else (administrators; directors for their division)
    it stands at once (source entered); for yourself it is a self-report, pending until an
    administrator or your director confirms it. Which fields a kind takes: appointment
    (occurred_on, rank optional), cfar (occurred_on, outcome), promotion (occurred_on, rank),
    grant (title, agency, role, and year and/or occurred_on), external_award and leadership
    (title, agency, occurred_on), check_in (occurred_on, role optional: who held it). A field another kind takes is refused (422 naming it); the
    same milestone recorded twice is a 409"""
    actor = api_actor()
    if body.get("person_id") in (None, actor.person_id):
        milestone = service.self_report(body, actor, utcnow())
    else:
        milestone = service.record(body, actor, utcnow())
    db.session.commit()
    return service.annotate([milestone])[0]


@blp.get("/<int:milestone_id>")
@blp.response(200, MilestoneSchema)
@errors_for(401, 404)
def get_milestone(milestone_id):
    """One milestone with its status"""
    return service.get(milestone_id, api_actor())


@blp.post("/<int:milestone_id>/confirmation")
@appends(LEDGER_LOCK)
@blp.response(201, MilestoneSchema)
@errors_for(401, 403, 404, 409)
def confirm_milestone(milestone_id):
    """Confirm a self-report (an administrator or the person's division director; never the
    person themself): it becomes standing evidence"""
    actor = api_actor()
    milestone = service.get(milestone_id, actor)
    service.confirm(milestone, actor, utcnow())
    db.session.commit()
    return service.get(milestone_id, actor)


@blp.post("/<int:milestone_id>/withdrawal")
@appends(LEDGER_LOCK)
@blp.arguments(WithdrawalInSchema, example={"reason": "Entered for the wrong person"})
@blp.response(201, MilestoneSchema)
@errors_for(401, 403, 404, 409, 422)
def withdraw_milestone(body, milestone_id):
    """Withdraw a milestone with a reason (administrators, the person's director; the person
    for a self-report not yet confirmed). It stays in the record, marked withdrawn"""
    actor = api_actor()
    milestone = service.get(milestone_id, actor)
    service.withdraw(milestone, body["reason"], actor, utcnow())
    db.session.commit()
    return service.get(milestone_id, actor)


@blp.post("/<int:milestone_id>/corrections")
@appends(LEDGER_LOCK)
@blp.arguments(CorrectionInSchema, example={"occurred_on": "2024-07-01", "reason": "The letter gives 1 July"})
@blp.response(201, MilestoneSchema)
@errors_for(401, 403, 404, 409, 422)
def correct_milestone(body, milestone_id):
    """Correct a milestone: the old one is marked corrected, with the reason, and the new one
    (returned) names it in corrects_id. Fields not sent keep their values"""
    actor = api_actor()
    milestone = service.get(milestone_id, actor)
    reason = body.pop("reason")
    corrected = service.correct(milestone, body, reason, actor, utcnow())
    db.session.commit()
    return service.annotate([corrected])[0]


@blp.post("/imports")
@blp.arguments(MilestoneImportSchema, location="form_and_files")
@blp.response(201, MilestoneImportResultSchema, description="Every row was stored")
@blp.alt_response(
    200, schema=MilestoneImportResultSchema, description="Dry run: every row would be stored; nothing was"
)
@errors_for(401, 403, 413, 422)
def import_milestones(body):
    """Import milestones from CSV, all or nothing (administrators; directors for people in
    their divisions), as the roster import's milestones file

    Columns (header row): Person* (email or roster id), Kind* (Appointment, CFAR, Promotion,
    Grant, External award, Leadership), Date, Outcome, Rank, Title, Agency, Role, Year, Note.
    Each row obeys the rules of POST /api/v1/milestones. **422 errors** are keyed
    `milestones.row3.Date` (file, spreadsheet row with the header as row 1, column), every
    problem listed; nothing is stored if there is any. `dry_run=true` checks without storing.
    """
    actor = api_actor()
    if not importer.may_import(actor):
        raise Forbidden("Only an administrator or a division director can import milestones.")
    created = importer.import_milestones(
        importer.uploaded(body.get("milestones")),
        actor,
        utcnow(),
        dry_run=body["dry_run"],
        limits=importer.Limits.from_config(current_app.config),
    )
    result = {"created": created, "dry_run": body["dry_run"]}
    if body["dry_run"]:
        db.session.rollback()
        return result, 200
    db.session.commit()
    return result
