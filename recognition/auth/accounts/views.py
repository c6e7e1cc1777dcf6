"""Disable and enable an account from the person's page (administrators only).

The person's page (``people.detail``) shows the account panel (``_panel.html``, through
the ``account_panel`` template global); a refused change is shown on the account's own
page, which names the field and the rule.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required

from ...clock import utcnow
from ...errors import DomainError
from ...extensions import db
from ..current import page_actor
from . import service
from .forms import AccountChangeForm

blp = Blueprint("accounts", __name__)
VERBS = {"disable": service.disable, "enable": service.enable}


@blp.app_template_global()
def account_panel(person_id: int) -> dict:
    """The account's state, history and change form, for an administrator's view of a person."""
    person, account = service.account_of(person_id, page_actor())
    return {
        "person": person,
        "account": account,
        "history": service.history(person.id),
        "form": AccountChangeForm(formdata=None),
    }


@blp.get("/people/<int:person_id>/account")
@login_required
def account(person_id: int):
    """The account of one person: enabled or not, why, and the form to change it."""
    return _page(person_id, AccountChangeForm(formdata=None))


@blp.post("/people/<int:person_id>/account/<any(disable, enable):verb>")
@login_required
def change(person_id: int, verb: str):
    actor = page_actor()
    person, _ = service.account_of(person_id, actor)  # anyone but an admin is refused before reading the form
    form = AccountChangeForm()
    status = 422
    if form.validate_on_submit():
        try:
            done = VERBS[verb](person_id, form.reason.data, actor, utcnow())
        except DomainError as error:
            db.session.rollback()
            form.refused(error)
            status = error.status
        else:
            db.session.commit()
            name = person.name
            if verb == "disable":
                flash(
                    f"{name}'s account is disabled: {_count(done.sessions_ended, 'browser session')} ended, "
                    f"{_count(done.tokens_revoked, 'API token')} revoked, calendar feed address replaced.",
                    "success",
                )
            else:
                flash(f"{name}'s account is enabled. They sign in again with their password.", "success")
            return redirect(url_for("people.detail", person_id=person_id))
    return _page(person_id, form), status


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _page(person_id: int, form: AccountChangeForm) -> str:
    return render_template("accounts/account.html", panel={**account_panel(person_id), "form": form}, form=form)
