"""HTML pages for the ledger: the entries about you, one entry (where you confirm,
dispute or reverse it), the emailed confirm link, the admin's chain check, and the public
checkpoints."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import keyset
from ..auth.current import page_actor
from ..auth.service import load_actor, require_admin
from ..clock import utcnow
from ..credits.verification import count_verification
from ..errors import Conflict, DomainError, Forbidden
from ..extensions import db
from ..links import id_url, safe_next
from ..mentorships.history import kind_label, render_detail
from ..mentorships.service import get_mentorship
from ..ratelimit import RateLimited
from . import anchors, confirmations, service
from . import checkpoints as published
from .badges import confirmation_badge
from .forms import ConfirmLinkForm, DisputeForm, ReverseForm, VerifyForm

blp = Blueprint("ledger", __name__)
PAGE_SIZE = 50


@blp.app_template_global()
def entry_url(endpoint: str, entry_id: int) -> str:
    """``url_for(endpoint, entry_id=entry_id)``, for the pages that link many entries."""
    return id_url(endpoint, "entry_id", entry_id)


blp.add_app_template_global(confirmation_badge)


@blp.get("/contributions")
@login_required
def mine():
    """Every entry about you, whoever recorded it, newest first: where you see what an
    administrator or your mentee recorded in your ledger, and correct it."""
    actor = page_actor()
    assert actor.person_id is not None  # a page's actor is a signed-in person
    found = keyset.browse(
        db.session, service.about(actor.person_id), service.NEWEST_FIRST, per_page=PAGE_SIZE, args=request.args
    )
    service.annotate(found["items"])
    return render_template(
        "ledger/mine.html",
        actor=actor,
        page=found,
        admins=service.administrators([e.recorded_by_id for e in found["items"]]),
    ), (422 if found["meta"].get("refused") else 200)


@blp.get("/contributions/<int:entry_id>")
@login_required
def entry(entry_id: int):
    """One entry, who recorded it, its confirmation or reversal, and the form to reverse it."""
    actor = page_actor()
    found = service.get_entry(entry_id, actor)
    if found.entry_type != "contribution":  # a reversal or confirmation is shown with what it follows
        return redirect(url_for("ledger.entry", entry_id=found.target_id))
    return render_entry(found, actor)


def render_entry(
    entry, actor, form: ReverseForm | None = None, status: int = 200, dispute_form: DisputeForm | None = None
):
    service.annotate([entry])
    may_reverse = entry.reversed_by_entry_id is None and service.may_reverse_entry(entry, actor)
    if may_reverse and form is None:
        form = ReverseForm.for_entry(entry.id, formdata=None)
    counterpart = actor.person_id in service.counterparts(entry)
    may_dispute = counterpart and entry.confirmation_state in ("awaiting", "unconfirmed")
    if may_dispute and dispute_form is None:
        dispute_form = DisputeForm.for_entry(entry.id, formdata=None)
    return render_template(
        "ledger/entry.html",
        actor=actor,
        entry=entry,
        form=form if may_reverse else None,
        dispute_form=dispute_form if may_dispute else None,
        may_confirm=may_dispute,
        by_admin=bool(service.administrators([entry.recorded_by_id])),
        reversal=service.reversal_of(entry.id),
        confirmation=service.confirmation_of(entry.id),
        dispute=entry.disputed_by,
    ), status


@blp.post("/contributions/<int:entry_id>/confirmation")
@login_required
def confirm(entry_id: int):
    """The counterpart confirms a meeting; the confirmation is its own ledger entry."""
    actor = page_actor()
    entry = service.get_entry(entry_id, actor)
    _confirm_once(entry, actor)
    return redirect(
        safe_next(request.form.get("next")) or url_for("mentorships.detail", mentorship_id=entry.mentorship_id)
    )


def _confirm_once(entry, actor) -> None:
    """Confirm and say so; confirming what is already confirmed says that, and changes
    nothing (a second click, an old email). Any other refusal renders the error page."""
    try:
        service.confirm(entry, actor, utcnow())
    except Conflict as error:
        db.session.rollback()
        if error.errors.get("target") != ["already confirmed"]:
            raise
        flash(f"Already confirmed: {_described(entry)}. Nothing more to do.", "info")
        return
    db.session.commit()
    flash(f"Confirmed: {_described(entry)}.", "success")


def _described(entry) -> str:
    return f"{kind_label(entry.kind).lower()} on {entry.occurred_on.isoformat()}, logged by {entry.recorded_by.name}"


@blp.post("/contributions/<int:entry_id>/dispute")
@login_required
def dispute(entry_id: int):
    """The counterpart says a meeting did not happen as logged, with a reason."""
    actor = page_actor()
    entry = service.get_entry(entry_id, actor)
    form = DisputeForm.for_entry(entry_id)
    status = _with_reason(form, lambda reason: service.dispute(entry, reason, actor, utcnow()))
    if status is None:
        flash(
            f"Disputed: {_described(entry)}. It no longer counts; {entry.recorded_by.name} sees your reason "
            "and can reverse it.",
            "success",
        )
        return redirect(url_for("ledger.entry", entry_id=entry.id))
    return render_entry(entry, actor, status=status, dispute_form=form)


def _with_reason(form, act) -> int | None:
    """``act(reason)`` for a valid ``form``, committed: None when done, else the status to
    show the form again with (422 for the form's own errors, or a refusal about the reason,
    put on the form). Any other refusal (confirmed, reversed, not theirs) propagates."""
    if not form.validate_on_submit():
        return 422
    try:
        act(form.reason.data)
    except DomainError as error:
        db.session.rollback()
        if "reason" not in error.errors:
            raise
        form.refused(error)
        return error.status
    db.session.commit()
    return None


@blp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_link(token: str):
    """The link in a request to confirm: GET shows the meeting and one button, which
    POSTs (a mail scanner fetching the link confirms nothing). It works without a sign-in
    for the person it was sent to, and refuses anyone signed in as someone else."""
    try:
        link = confirmations.read_link(token, utcnow())
    except confirmations.LinkRefused as error:
        db.session.rollback()
        return render_template("ledger/confirm_refused.html", reason=error.reason), error.status
    if current_user.is_authenticated and page_actor().person_id != link.person.id:
        raise Forbidden(
            f"This link was sent to {link.person.name}, and only they can use it. Sign out first if this is "
            "their browser.",
            {"token": ["sent to someone else"]},
        )
    entry = link.entry
    service.annotate([entry])
    form = ConfirmLinkForm()
    if form.validate_on_submit():
        actor = load_actor(link.person.id)
        assert actor is not None  # the person the link names exists (read_link)
        _confirm_once(entry, actor)  # disputed or reversed meanwhile: the error page says so
        return redirect(url_for("ledger.confirm_link", token=token))
    status = 422 if request.method == "POST" else 200
    return render_template("ledger/confirm_link.html", entry=entry, person=link.person, form=form), status


@blp.post("/contributions/<int:entry_id>/reversal")
@login_required
def reverse(entry_id: int):
    """Correct a mistake with a reversing entry that names the original and says why."""
    actor = page_actor()
    entry = service.get_entry(entry_id, actor)
    form = ReverseForm.for_entry(entry_id)
    status = _with_reason(form, lambda reason: service.reverse(entry, reason, actor, utcnow()))
    if status is None:
        flash(f"Reversed entry #{entry.seq}. It stays in the history, struck through, with your reason.", "success")
        back = url_for("mentorships.detail", mentorship_id=entry.mentorship_id) if entry.mentorship_id else None
        if request.form.get("from") == "entry":
            back = url_for("ledger.entry", entry_id=entry.id)
        return redirect(safe_next(request.form.get("next")) or back or url_for("ledger.entry", entry_id=entry.id))
    if entry.mentorship_id is None or request.form.get("from") == "entry":
        return render_entry(entry, actor, form, status)
    mentorship = get_mentorship(entry.mentorship_id, actor)
    return render_detail(mentorship, actor, reverse_forms={entry.id: form}, status=status)


@blp.route("/admin/ledger", methods=["GET", "POST"])
@login_required
def admin_chain():
    """The chain head to write down elsewhere, and a button that checks the whole chain."""
    actor = page_actor()
    require_admin(actor)
    form = VerifyForm()
    verdict, status = None, 200
    if form.validate_on_submit():
        heads = [anchors.parse_head(form.head.data)] if form.head.data else []
        verdict = service.verify(heads=heads)
    elif form.errors:
        status = 422
    return render_template(
        "ledger/admin_chain.html", head=service.head(), form=form, verdict=verdict, checkpoint=published.latest()
    ), status


@blp.get("/ledger/checkpoints.json")
def checkpoints():
    """The signed checkpoints, for anyone (no sign-in): the same as /api/v1/ledger/checkpoints."""
    try:
        count_verification(request.remote_addr, utcnow(), "checkpoints")
    except RateLimited as error:
        db.session.rollback()
        window = str(current_app.config["VERIFY_RATE_WINDOW_SECONDS"])
        return jsonify(code=429, message=error.message, errors=error.errors), 429, {"Retry-After": window}
    db.session.commit()
    return jsonify(published.listing())
