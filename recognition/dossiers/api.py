"""/api/v1/dossiers: a person's mentorship dossier, drafted or issued, and who looked at it.

The format of a download is chosen with ``format=json|csv|pdf`` (default json), the same
on drafts and issued dossiers, so a link says what it gives. A dossier is its person's,
their open case committees' (members not recused, for the case period) and the
administrators'; anyone else gets a 404 as if it did not exist. Every read is recorded.
"""

from __future__ import annotations

from ..apidoc import errors_for
from ..auth.current import api_actor
from ..clock import local_date, utcnow
from ..credits import canonical
from ..extensions import db
from ..keyset import paginate
from ..parsing import Blueprint
from . import service
from .downloads import download
from .models import Dossier, DossierAccess
from .schemas import (
    DossierAccessArgsSchema,
    DossierAccessPageSchema,
    DossierDraftArgsSchema,
    DossierFormatArgsSchema,
    DossierIssuedArgsSchema,
    DossierIssuedDocumentSchema,
    DossierIssuedListSchema,
    DossierIssuedSchema,
    DossierIssueInSchema,
)

URL = "/dossiers"
blp = Blueprint(
    "dossiers_api",
    __name__,
    description="Mentorship dossiers for promotion committees: draft, issue, download, who looked",
)
DRAFT_EXAMPLE = {
    "type": "recognition-dossier",
    "format": 1,
    "title": "Data Summary Table: Mentorship",
    "person": {"id": 42, "name": "Zoë Ångström-Nguyễn", "rank": "associate", "division": "Cardiology"},
    "period": {"start": "2021-07-01", "end": "2026-06-30"},
    "summary": {
        "mentees": 2,
        "mentorships": 2,
        "meetings": 4,
        "confirmed_meetings": 3,
        "contact_minutes": 255,
        "contact_hours": "4.3",
        "sustained_years": [2024, 2025],
        "years_of_sustained_mentoring": 2,
        "mentees_who_became_mentors": 1,
        "mentee_milestones": 1,
        "by_stage": ["…"],
        "sources": {"…": "…"},
    },
    "mentees": [
        {
            "row": 2,
            "mentee": "a mentee (assistant professor, Nephrology)",
            "named": False,
            "career_stage": "assistant",
            "kind": "sponsorship",
            "started_on": "2024-05-01",
            "ended_on": None,
            "meetings": 1,
            "confirmed_meetings": 1,
            "contact_minutes": 60,
            "contact_hours": "1.0",
            "milestones": [],
            "became_mentor_on": None,
            "entries": [
                {
                    "entry_id": 6,
                    "entry_hash": "…",
                    "seq": 6,
                    "kind": "meeting",
                    "date": "2025-03-01",
                    "minutes": 60,
                    "confirmed": True,
                    "confirmation": {"entry_id": 9, "entry_hash": "…"},
                }
            ],
        }
    ],
    "feedback": {
        "k": 3,
        "shown": False,
        "responses": None,
        "overall": None,
        "message": "fewer than 3 responses released for this period",
    },
    "awards": {"won": [], "nominations": [{"award": "Mentor of the Year", "year": 2026, "nominations": 1}]},
    "credits": [],
    "training": {"sessions": 1, "minutes": 120, "hours": "2.0", "entries": ["…"]},
    "philosophy": "Listen first.",
    "ledger_head": {"seq": 14, "hash": "…"},
}
DOWNLOADS = {
    "200": {
        "description": "The dossier in the format asked for",
        "content": {
            "application/json": {"schema": {"type": "object"}, "example": DRAFT_EXAMPLE},
            "text/csv": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


ISSUED_EXAMPLE = {
    "id": 7,
    "number": "DOS-00042-20210701-20260630-2",
    "person": {"id": 42, "name": "Zoë Ångström-Nguyễn"},
    "period_start": "2021-07-01",
    "period_end": "2026-06-30",
    "version": 2,
    "status": "current",
    "supersedes": "DOS-00042-20210701-20260630-1",
    "case_id": 3,
    "code": "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ",
    "verify_url": "https://mentoring.example.org/verify/ABCDEFGHJKLMNPQRSTUVWXYZ",
    "issued_at": "2026-07-02T14:05:00Z",
    "ledger_seq": 18234,
    "ledger_hash": "…",
    "content_hash": "…",
    "pdf_sha256": "…",
    "key_id": "…",
    "links": {
        "self": "/api/v1/dossiers/issued/7",
        "pdf": "/api/v1/dossiers/issued/7?format=pdf",
        "csv": "/api/v1/dossiers/issued/7?format=csv",
        "verify": "https://mentoring.example.org/verify/…",
    },
}
ACCESS_EXAMPLE = {
    "items": [
        {
            "id": 91,
            "person_id": 42,
            "viewer": {"id": 17, "name": "Dr. Committee Member"},
            "capacity": "committee",
            "case_id": 3,
            "dossier_id": None,
            "action": "download",
            "format": "pdf",
            "period_start": "2021-07-01",
            "period_end": "2026-06-30",
            "at": "2026-07-03T09:12:44Z",
        }
    ],
    "meta": {"page": 1, "per_page": 50, "total": 1, "pages": 1},
}


def links(dossier: Dossier) -> dict:
    here = f"/api/v1/dossiers/issued/{dossier.id}"
    return {
        "self": here,
        "pdf": f"{here}?format=pdf",
        "csv": f"{here}?format=csv",
        "verify": canonical.verify_url(dossier.code),
    }


def issued_view(dossier: Dossier, status: str) -> dict:
    return {
        "id": dossier.id,
        "number": dossier.number,
        "person": {"id": dossier.person_id, "name": dossier.person.name},
        "period_start": dossier.period_start,
        "period_end": dossier.period_end,
        "version": dossier.version,
        "status": status,
        "supersedes": dossier.supersedes.number if dossier.supersedes else None,
        "case_id": dossier.case_id,
        "code": canonical.format_code(dossier.code),
        "verify_url": canonical.verify_url(dossier.code),
        "issued_at": dossier.issued_at,
        "ledger_seq": dossier.ledger_seq,
        "ledger_hash": dossier.ledger_hash,
        "content_hash": dossier.content_hash,
        "pdf_sha256": dossier.pdf_sha256,
        "key_id": dossier.key_id,
        "links": links(dossier),
    }


@blp.get("")
@blp.arguments(DossierDraftArgsSchema, location="query")
@blp.doc(responses=DOWNLOADS)
@errors_for(401, 404, 422)
def draft(args):
    """A dossier as it stands now, for a person and a period: yours (any period), a
    candidate's (a member of their open case, not recused: the case's period) or anyone's
    (administrators). format=json|csv|pdf. The read is recorded in the person's access log"""
    actor = api_actor()
    now = utcnow()
    access = service.resolve(actor, args["person_id"], args["start"], args["end"], local_date(now))
    document = service.draft(access)
    service.record(access, actor, "download", args["format"], now)
    db.session.commit()
    return download(document, args["format"])


@blp.post("")
@blp.arguments(DossierIssueInSchema, example={"start": "2021-07-01", "end": "2026-06-30"})
@blp.response(201, DossierIssuedSchema, example=ISSUED_EXAMPLE)
@errors_for(401, 403, 404, 409, 422, 503)
def issue(body):
    """Issue a signed, verifiable dossier (yours; administrators: anyone's). Issuing
    again for the same period makes a new version that supersedes the last, and is refused
    (409) when nothing has changed. Committee members read dossiers; they do not issue them"""
    actor = api_actor()
    dossier = service.issue(body["person_id"], body["start"], body["end"], actor, utcnow(), body["case_id"])
    db.session.commit()
    return issued_view(dossier, "current")


@blp.get("/issued")
@blp.arguments(DossierIssuedArgsSchema, location="query")
@blp.response(200, DossierIssuedListSchema, example={"items": [ISSUED_EXAMPLE]})
@errors_for(401, 404, 422)
def issued(args):
    """A person's issued dossiers, newest first (yours by default)"""
    rows = service.issued(api_actor(), args["person_id"])
    states = service.statuses([row.id for row in rows])
    return {"items": [issued_view(row, states[row.id]) for row in rows]}


@blp.get("/issued/<int:dossier_id>")
@blp.arguments(DossierFormatArgsSchema, location="query")
@blp.response(200, DossierIssuedDocumentSchema)
@blp.doc(responses=DOWNLOADS)
@errors_for(401, 404, 422)
def one_issued(args, dossier_id):
    """One issued dossier: JSON (its facts, the signed document and signature), or
    format=pdf (byte for byte as issued) or format=csv. The read is recorded"""
    actor = api_actor()
    now = utcnow()
    dossier, access = service.get_issued(dossier_id, actor)
    service.record(access, actor, "download" if args["format"] != "json" else "view", args["format"], now, dossier)
    db.session.commit()
    signed = service.signed_json(dossier)
    if args["format"] != "json":
        return download(signed["document"], args["format"], dossier.pdf if args["format"] == "pdf" else None)
    return {**issued_view(dossier, service.status_of(dossier)), **signed}


@blp.get("/access-log")
@blp.arguments(DossierAccessArgsSchema, location="query")
@blp.response(200, DossierAccessPageSchema, example=ACCESS_EXAMPLE)
@errors_for(401, 404, 422)
def access_log(args):
    """Who looked at a dossier, newest first: yours (administrators may pass person_id)"""
    page = paginate(db.session, service.access_log(api_actor(), args["person_id"]), args, service.ACCESS_ORDER)
    page["items"] = [access_view(row) for row in page["items"]]
    return page


def access_view(row: DossierAccess) -> dict:
    return {
        "id": row.id,
        "person_id": row.person_id,
        "viewer": {"id": row.viewer.id, "name": row.viewer.name} if row.viewer else None,
        "capacity": row.capacity,
        "case_id": row.case_id,
        "dossier_id": row.dossier_id,
        "action": row.action,
        "format": row.format,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "at": row.at,
    }
