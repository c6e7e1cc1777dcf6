"""The password pages: forgot password, set a password from a link, change one's
password; and the person page's "Invite" button."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...clock import utcnow
from ...errors import DomainError
from ...extensions import db
from ...people.service import get_person
from .. import sessions
from ..current import User, page_actor
from ..service import load_actor
from . import service
from .forms import RULES_HINT, ChangePasswordForm, ForgotForm, SetPasswordForm

blp = Blueprint("invitations", __name__)


@blp.app_template_global("account_summary")
def account_summary(person_id: int) -> service.AccountSummary:
    """For the person page: the account and the invitations sent."""
    return service.account_summary(person_id, utcnow())


@blp.app_template_global("can_invite")
def can_invite(person) -> bool:
    return current_user.is_authenticated and service.can_invite(page_actor(), person)


@blp.app_template_filter("department_time")
def moment_text(value) -> str:
    return service.when(value)


@blp.route("/password/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for a reset link. The answer is the same whether or not the email is known."""
    form = ForgotForm()
    if form.validate_on_submit():
        try:
            service.request_reset(form.email.data, request.remote_addr or "", utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            return render_template("auth/password_forgot_sent.html", email=form.email.data.strip().lower())
        return render_template("auth/password_forgot.html", form=form), form.refusal_status
    status = 422 if request.method == "POST" else 200
    return render_template("auth/password_forgot.html", form=form), status


@blp.route("/password/set/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Choose a password from an invitation or reset link; then this browser is signed in."""
    now = utcnow()
    try:
        claim, person = service.read_link(token, now)
    except service.LinkRefused as error:
        return _refused(error)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            person, purpose = service.use_link(token, form.password.data, now)
        except service.LinkRefused as error:  # used in another tab meanwhile
            db.session.rollback()
            return _refused(error)
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
        else:
            if current_user.is_authenticated:
                sessions.sign_out(now)  # someone else was signed in on this browser
            actor = load_actor(person.id)
            assert actor is not None  # the person the link was made for
            sessions.sign_in(User(actor), purpose, now)  # commits the new password too
            flash(
                "Your password is set and you are signed in. Any other browser signed in as you has been signed out.",
                "success",
            )
            return redirect(url_for("auth.home"))
    status = form.refusal_status if request.method == "POST" else 200
    return render_template(
        "auth/password_set.html", form=form, person=person, purpose=claim.purpose, hint=RULES_HINT
    ), status


def _refused(error: service.LinkRefused):
    return render_template("auth/password_link_refused.html", reason=error.reason, purpose=error.purpose), error.status


@blp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change my password; every other browser signed in as me is signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ended = service.change_password(
                page_actor(),
                form.current_password.data,
                form.password.data,
                utcnow(),
                keep=sessions.current_cookie_id(),
            )
        except DomainError as error:
            # A wrong current password still counts towards the attempt limit.
            if "current_password" in error.errors:
                db.session.commit()
            else:
                db.session.rollback()
            form.refused(error)
        else:
            db.session.commit()
            others = {0: "", 1: " One other browser signed in as you has been signed out."}.get(
                ended, f" {ended} other browsers signed in as you have been signed out."
            )
            flash("Your password is changed." + others, "success")
            return redirect(url_for("invitations.change_password"))
    status = form.refusal_status if request.method == "POST" else 200
    return render_template("auth/account_password.html", form=form, hint=RULES_HINT), status


@blp.post("/people/<int:person_id>/invitation")
@login_required
def invite(person_id: int):
    """The person page's "Invite" button (admins; directors for their divisions)."""
    actor = page_actor()
    person = get_person(person_id, actor)
    try:
        invitation = service.invite(person, actor, utcnow())
    except DomainError as error:
        db.session.rollback()
        if error.status == 403:
            raise
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            f"Invitation sent to {person.email}. The link works until {service.when(invitation.expires_at)}.",
            "success",
        )
    return redirect(url_for("people.detail", person_id=person.id) + "#account")
