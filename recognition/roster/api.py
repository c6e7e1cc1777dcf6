"""/api/v1/roster: imports of people, mentorships and milestones from spreadsheets (CSV)."""

from flask import current_app

from ..apidoc import errors_for
from ..auth.current import api_actor
from ..clock import utcnow
from ..errors import Forbidden
from ..extensions import db
from . import importer
from .schemas import ImportRequestSchema, ImportResultSchema
from .uploads import UploadBlueprint, too_large

URL = "/roster"


blp = UploadBlueprint("roster_api", __name__, description="Roster imports from spreadsheets (CSV)")


@blp.post("/imports")
@blp.arguments(ImportRequestSchema, location="form_and_files")
@blp.response(201, ImportResultSchema, description="Every row was stored")
@blp.alt_response(200, schema=ImportResultSchema, description="Dry run: every row would be stored; nothing was")
@errors_for(401, 403, 413, 422)
def import_roster(body):
    """Import people, mentorships and/or milestones from CSV, all or nothing (admins; directors for their divisions)

    Send `people`, `mentorships` and/or `milestones` as files in one multipart/form-data
    body, and `dry_run=true` to check without storing. The files are one transaction: if
    any row of any of them has a problem, nothing is stored.

    **People columns** (header row; case, spaces and punctuation in headings are ignored):
    Name*, Email*, Division* (name or code; blank = no division, admins only), Rank*
    (Lecturer, Assistant Professor, Associate Professor, Professor), Position*
    (Clinician Scientist, Clinician Investigator, Clinician Teacher, Clinician Educator,
    Clinician in Quality and Innovation, Other), Appointment date, Trained here
    (yes/no/true/false/1/0/blank), Supervisor email (someone on the roster or in the file),
    Gender, Race. **Mentorships columns**: Mentor email*, Mentee email*, Kind* (Formal,
    Peer group, Sponsorship, Informal), Start date*, Group name, End date. **Milestones
    columns**: Person* (email or roster id), Kind* (Appointment, CFAR, Promotion, Grant,
    External award, Leadership), Date, Outcome (CFAR: passed/extended), Rank, Title,
    Agency, Role, Year, Note, with the rules of POST /api/v1/milestones. Dates are
    written 2019-07-01, 1 Jul 2019 or Jul 1, 2019 (07/01/2019 is refused as ambiguous).
    Unknown columns are refused, so a misspelt heading never drops data silently.
    Files are UTF-8 (Excel's byte-order mark is fine), comma-, semicolon- or tab-separated,
    at most 5,000 rows each and 5 MB for the whole upload.

    **422 errors** keep the usual shape; each key of `errors` says where the problem is:
    `people` or `mentorships` (the whole file), `people.row3` (a row, or a heading the
    import does not know), `people.row3.Email` (a cell: file, spreadsheet row, where the
    header is row 1, and the column's canonical name above). Every problem in both files
    is listed, not just the first.
    """
    actor = api_actor()
    if not importer.may_import(actor):
        raise Forbidden("Only an administrator or a division director can import a roster.")
    loaded = importer.read(
        importer.uploaded(body.get("people")),
        importer.uploaded(body.get("mentorships")),
        importer.Limits.from_config(current_app.config),
        milestones_file=importer.uploaded(body.get("milestones")),
    )
    outcome = importer.run(loaded, actor, utcnow(), dry_run=body["dry_run"])
    result = {
        "created": {
            "people": outcome.people,
            "mentorships": outcome.mentorships,
            "milestones": outcome.milestones or 0,
        },
        "dry_run": outcome.dry_run,
    }
    if outcome.dry_run:
        db.session.rollback()
        return result, 200
    db.session.commit()
    return result


blp.errorhandler(413)(too_large)  # an upload over the cap, in the API error shape
