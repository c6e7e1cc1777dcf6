"""Public verification pages: /verify and /verify/<code>, no sign-in.

A verification page says whether a certificate is genuine and whether it still stands,
with the minimum facts needed to match it to the paper (``verification.verification`` for a
credit statement, ``announce.verification`` for an award, ``dossiers.service.verification``
for an issued dossier: codes of all three share one space)
and nothing else about the person. Lookups are rate-limited per address, so codes cannot
be guessed by trying many.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from .. import ratelimit
from ..clock import local_date, utcnow
from ..credits import canonical, signing, verification
from ..extensions import db
from .forms import CodeForm, UploadForm
from .service import award_facts, dossier_facts

blp = Blueprint("verify", __name__)


@blp.app_template_filter("long_date")
def long_date(day: date | datetime) -> str:
    """1 January 2026: unambiguous in every country. A moment (naive UTC, as stored) is
    dated in the department's zone."""
    if isinstance(day, datetime):
        day = local_date(day)
    return f"{day.day} {day:%B %Y}"


@blp.app_template_filter("iso_day")
def iso_day(moment: datetime) -> str:
    """2026-01-01: the department's day of a stored moment (naive UTC)."""
    return local_date(moment).isoformat()


@blp.get("/verify")
def start():
    """A box to type the code in; the code as typed (dashes, spaces, lower case) is fine."""
    if "code" not in request.args:
        return render_template("verify/start.html", form=CodeForm(formdata=None))
    form = CodeForm(formdata=request.args)
    if form.validate():
        code = canonical.normalise_code(form.code.data)
        if code:
            return redirect(url_for("verify.check", code=code))
        form.code.errors.append("must be the letters and digits printed on the certificate")
    return render_template("verify/start.html", form=form), 422


@blp.get("/verify/key.pem")
def public_key():
    """The department's current public key, for checking a signed statement offline; 503
    (never a new key) when it is missing or cannot be loaded."""
    return Response(signing.app_key(current_app).public_pem(), mimetype="text/plain")


@blp.get("/verify/keys.json")
def key_ring():
    """Every public key the department has signed with and the period each signed in, so
    a statement signed before a rotation is checked against the key it names."""
    keys = signing.published(current_app)
    return {
        "algorithm": signing.ALGORITHM,
        "current_key_id": current.key_id if (current := signing.current_of(keys)) else None,
        "keys": [{**entry.as_json(), "current": entry.current} for entry in keys],
    }


@blp.route("/verify/<other_than(key.pem, keys.json):code>", methods=["GET", "POST"])
def check(code: str):
    """Genuine or not, current, superseded or revoked (a statement), current or revoked
    (an award); and, for an uploaded PDF, whether it is byte for byte the certificate
    that was issued."""
    config = current_app.config
    window = config["VERIFY_RATE_WINDOW_SECONDS"]
    try:
        verification.count_verification(request.remote_addr, utcnow())
    except ratelimit.RateLimited as error:
        db.session.rollback()
        return render_template("verify/limited.html", message=error.message), 429, {"Retry-After": str(window)}
    db.session.commit()
    facts = verification.verification(code) or award_facts(code) or dossier_facts(code)
    if facts is None:
        return render_template("verify/unknown.html", code=code, form=CodeForm(formdata=None)), 404
    form = UploadForm()
    identical, status = None, 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            identical = verification.same_pdf(form.pdf.data.read(), facts["pdf_sha256"])
            if identical is not None:
                status = 200
            else:
                form.pdf.errors.append("must be a PDF file; this file is not one (it does not start with %PDF-)")
    page = {"award": "verify/award.html", "dossier": "verify/dossier.html"}.get(facts["kind"], "verify/result.html")
    return render_template(
        page,
        facts=facts,
        code=canonical.normalise_code(code),
        printed=canonical.format_code(canonical.normalise_code(code)),
        form=form,
        identical=identical,
        uploaded=form.pdf.data.filename if identical is not None else None,
    ), status
