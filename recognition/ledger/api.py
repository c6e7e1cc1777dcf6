"""/api/v1/contributions (the ledger) and /api/v1/ledger (chain checks, admins; the
signed checkpoints, public)."""

from flask import current_app, request

from ..apidoc import errors_for
from ..auth.current import api_actor, read_ahead
from ..auth.service import require_admin
from ..clock import utcnow
from ..credits.verification import count_verification
from ..database import appends
from ..extensions import db
from ..parsing import Blueprint
from . import anchors, confirmations, service
from . import checkpoints as published
from .models import LedgerEntry
from .schemas import (
    ChainHeadSchema,
    CheckpointListSchema,
    ContributionInSchema,
    DisputeInSchema,
    EntryArgsSchema,
    EntryPageSchema,
    EntrySchema,
    ReversalInSchema,
    VerdictSchema,
    VerifyArgsSchema,
    cursor_for,
)

URL = ""
blp = Blueprint("ledger_api", __name__, description="The contribution ledger (append-only, hash-chained)")


@blp.get("/contributions")
@blp.arguments(EntryArgsSchema, location="query")
@blp.response(200, EntryPageSchema)
@errors_for(401, 422)
def list_entries(args):
    """List ledger entries you may see, newest first, with their confirmation and reversal"""
    seen = service.visibility(api_actor())
    per_page = args.get("per_page") or current_app.config["API_PAGE_SIZE"]
    after = args.get("cursor")
    offset = 0 if after is not None else (args["page"] - 1) * per_page
    # One more than the page: whether a next page exists, without counting.
    items = service.listing(seen, args, limit=per_page + 1, offset=offset, after=after)
    meta: dict = {"per_page": per_page, "next": cursor_for(items[per_page - 1]) if len(items) > per_page else None}
    if after is None:
        meta["page"] = args["page"]
    if args.get("with_total", after is None and service.counts_cheaply(seen, args)):
        meta["total"] = service.count_visible(seen, args)
        meta["pages"] = max(1, -(-meta["total"] // per_page))
    return {"items": service.annotate(items[:per_page]), "meta": meta}


@blp.post("/contributions")
@appends(service.LEDGER_LOCK, service.reads_ahead)
@blp.arguments(ContributionInSchema)
@blp.response(201, EntrySchema)
@errors_for(401, 403, 404, 409, 422)
def record_contribution(body):
    """Record mentoring work (a meeting, a plan review, training …). Personal work is
    recorded by the person or an administrator; a repeat of an unreversed entry is 409
    unless confirm_duplicate is true"""
    now, actor = utcnow(), api_actor()
    # Answered from the values it was stored with: it never joins the session. The other
    # person is asked to confirm it as it is stored (one statement on PostgreSQL). The
    # token's statement read the mentorship and the chain head with the lock (on
    # PostgreSQL, from before it took it): if an append it could not see took the
    # position, read again under the lock.
    asking = confirmations.asking(actor, now)
    try:
        entry = service.record_values(body, actor, now, along=asking, ahead=read_ahead())
    except service.StaleRead:
        db.session.rollback()
        entry = service.record_values(body, actor, now, along=asking)
    db.session.commit()
    return entry


def _committed(entry: LedgerEntry) -> LedgerEntry:
    """Commit a new entry and answer with it as it was appended: every value it has is
    known (``service.append`` sets them all, and nothing follows it yet), so it leaves the
    session first and the reply does not read the row again after the commit."""
    db.session.expunge(entry)
    db.session.commit()
    return entry


@blp.get("/contributions/<int:entry_id>")
@blp.response(200, EntrySchema)
@errors_for(401, 404)
def get_entry(entry_id):
    """One ledger entry"""
    return service.annotate([service.get_entry(entry_id, api_actor())])[0]


@blp.post("/contributions/<int:entry_id>/reversal")
@appends(service.LEDGER_LOCK)
@blp.arguments(ReversalInSchema)
@blp.response(201, EntrySchema)
@errors_for(401, 403, 404, 409, 422)
def reverse_entry(body, entry_id):
    """Correct a mistake: append a reversing entry that names the original and says why"""
    actor = api_actor()
    return _committed(service.reverse(service.get_entry(entry_id, actor), body["reason"], actor, utcnow()))


@blp.post("/contributions/<int:entry_id>/confirmation")
@appends(service.LEDGER_LOCK)
@blp.response(201, EntrySchema)
@errors_for(401, 403, 404, 409)
def confirm_entry(entry_id):
    """Confirm, as the other person in the mentorship, that this happened"""
    actor = api_actor()
    return _committed(service.confirm(service.get_entry(entry_id, actor), actor, utcnow()))


@blp.post("/contributions/<int:entry_id>/dispute")
@appends(service.LEDGER_LOCK)
@blp.arguments(DisputeInSchema)
@blp.response(201, EntrySchema)
@errors_for(401, 403, 404, 409, 422)
def dispute_entry(body, entry_id):
    """Say, as the other person in the mentorship, that this did not happen as logged, and
    why: the entry stops counting and cannot be confirmed; whoever logged it sees the
    reason and may reverse it"""
    actor = api_actor()
    return _committed(service.dispute(service.get_entry(entry_id, actor), body["reason"], actor, utcnow()))


@blp.get("/ledger/head")
@blp.response(200, ChainHeadSchema)
@errors_for(401, 403)
def chain_head():
    """The current chain head, to record outside the database (admins)"""
    require_admin(api_actor())
    return service.head()


@blp.get("/ledger/verify")
@blp.arguments(VerifyArgsSchema, location="query")
@blp.response(200, VerdictSchema)
@errors_for(401, 403, 422)
def verify_chain(args):
    """Check the whole hash chain against every recorded head (signed checkpoints, issued
    statements, and any head given); names the anchor that disagreed and the first bad entry (admins)"""
    require_admin(api_actor())
    return service.verify(heads=[anchors.parse_head(text) for text in args["head"]])


@blp.get("/ledger/checkpoints")
@blp.response(200, CheckpointListSchema)
@errors_for(429, public=True)
def checkpoints():
    """Every signed checkpoint of the chain head, oldest first (public: keep a copy, and
    check the ledger against it later with ``recognition ledger verify --checkpoints``)"""
    count_verification(request.remote_addr, utcnow(), "checkpoints")
    db.session.commit()
    return published.listing()
