"""HTML pages for the ledger: confirm and reverse an entry, and the admin's chain check."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..auth.current import page_actor
from ..auth.service import require_admin
from ..auth.views import _safe_next as safe_next
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from ..mentorships.service import get_mentorship
from ..mentorships.views import kind_label, render_detail
from . import service
from .forms import ReverseForm, VerifyForm

blp = Blueprint("ledger", __name__)


@blp.post("/contributions/<int:entry_id>/confirmation")
@login_required
def confirm(entry_id: int):
    """The counterpart confirms a meeting; the confirmation is its own ledger entry."""
    actor = page_actor()
    entry = service.get_entry(entry_id, actor)
    service.confirm(entry, actor, utcnow())  # a refusal renders the error page
    db.session.commit()
    flash(
        f"Confirmed: {kind_label(entry.kind).lower()} on {entry.occurred_on.isoformat()}, "
        f"logged by {entry.recorded_by.name}.",
        "success",
    )
    return redirect(safe_next(request.form.get("next")) or url_for("mentorships.detail", mentorship_id=entry.mentorship_id))


@blp.post("/contributions/<int:entry_id>/reversal")
@login_required
def reverse(entry_id: int):
    """Correct a mistake with a reversing entry that names the original and says why."""
    actor = page_actor()
    entry = service.get_entry(entry_id, actor)
    form = ReverseForm.for_entry(entry_id)
    status = 422
    if form.validate_on_submit():
        try:
            service.reverse(entry, form.reason.data, actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            if "reason" not in error.errors:  # not about the form: already reversed, not theirs
                raise
            form.refused(error)
            status = error.status
        else:
            db.session.commit()
            flash(f"Reversed entry #{entry.seq}. It stays in the history, struck through, with your reason.", "success")
            back = url_for("mentorships.detail", mentorship_id=entry.mentorship_id) if entry.mentorship_id else None
            return redirect(safe_next(request.form.get("next")) or back or url_for("auth.home"))
    if entry.mentorship_id is None:  # personal work has no history page to show the form on
        errors = {name: list(rules) for name, rules in form.errors.items() if name}
        raise DomainError(form.refusal or "The reversal needs a reason.", errors, status=status)
    mentorship = get_mentorship(entry.mentorship_id, actor)
    return render_detail(mentorship, actor, reverse_forms={entry.id: form}, status=status)


@blp.route("/admin/ledger", methods=["GET", "POST"])
@login_required
def admin_chain():
    """The chain head to write down elsewhere, and a button that checks the whole chain."""
    actor = page_actor()
    require_admin(actor)
    form = VerifyForm()
    verdict = service.verify() if form.validate_on_submit() else None
    return render_template("ledger/admin_chain.html", head=service.head(), form=form, verdict=verdict)
