"""Sign in and out, and the home page that sends each person where their work is."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup

from ..cases.visibility import has_open_work
from ..clock import utcnow
from ..errors import DomainError
from ..extensions import db
from ..links import fixed_url, safe_next
from . import sessions, throttle
from .current import User, page_actor
from .forms import LoginForm
from .service import Actor, authenticate, load_actor

blp = Blueprint("auth", __name__)
# Every page's menu, style sheet and own form name addresses that take no id.
blp.add_app_template_global(fixed_url)


MENUS = "recognition.menus"


@blp.app_template_global()
def main_menu(actor: Actor, cases: bool) -> Markup:
    """The main menu's items for ``actor`` (``_menu.html``), and the Cases item when
    ``cases``. Drawn once per app, mount point and combination of what it depends on
    (the roles, whether they administer or direct, the Cases item): the same for everyone
    alike, so nothing personal is kept, and no page draws it again."""
    key = (request.script_root, actor.roles, actor.is_admin, bool(actor.directed_division_ids), cases)
    menus = current_app.extensions.setdefault(MENUS, {})
    menu = menus.get(key)
    if menu is None:
        menu = menus[key] = Markup(
            current_app.jinja_env.get_template("_menu.html").render(
                roles=actor.roles, is_admin=key[2], directs=key[3], cases=cases
            )
        )
    return menu


@blp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "POST" and not current_app.config["PASSWORD_SIGN_IN"]:
        refusal = "Password sign-in is switched off here: sign in through your university instead."
        return render_template("auth/login.html", form=form, refusal=refusal), 403
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            person = authenticate(
                form.email.data, form.password.data, request.remote_addr or "", utcnow(), throttle.request_cookie()
            )
        except DomainError as error:
            db.session.commit()  # the failed attempt counts towards the throttle
            form.password.errors.append(error.message)
            status = error.status
            if error.send_retry_after:
                headers["Retry-After"] = str(error.retry_after)
        else:
            db.session.commit()
            actor = load_actor(person.id)
            assert actor is not None  # authenticate has just found them, with an account
            sessions.sign_in(User(actor), "password", utcnow())
            throttle.remember_device_after_request(person.email)
            return redirect(safe_next(request.args.get("next")) or url_for("auth.home"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status, headers


@blp.post("/logout")
def logout():
    sessions.sign_out(utcnow())
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@blp.get("/")
@login_required
def home():
    actor = page_actor()
    if actor.is_admin or actor.directed_division_ids:
        return redirect(url_for("people.roster"))
    if has_open_work(actor.person_id):  # a case committee member with a dossier to read
        return redirect(url_for("cases.index"))
    if "mentor" in actor.roles:
        return redirect(url_for("mentorships.my_mentoring"))
    if "mentee" in actor.roles:
        return redirect(url_for("mentorships.my_mentors"))
    return render_template("auth/home.html", actor=actor)
