"""The iCalendar feed of the deadlines that concern each person, and the page that explains how to subscribe.

The feed has two doors: ``/calendar.ics`` for a signed-in browser (a download), and a
personal URL with a token for calendar apps, which cannot sign in. A wrong token is a
404, as if the feed did not exist.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import login_required

from ...auth.current import page_actor
from ...clock import today, utcnow
from ...extensions import db
from ...people.models import Person
from . import service as calendar
from .forms import RotateFeedForm

blp = Blueprint("calendar", __name__)
MEDIA_TYPE = "text/calendar; charset=utf-8"


def _ics(person: Person) -> Response:
    body = calendar.feed(person, today(), utcnow())
    return Response(
        body, content_type=MEDIA_TYPE, headers={"Content-Disposition": 'inline; filename="mentoring-deadlines.ics"'}
    )


def _own_person() -> Person:
    """The signed-in person; an account that is no person in the department has no calendar."""
    person_id = page_actor().person_id
    person = db.session.get(Person, person_id) if person_id is not None else None
    if person is None:
        abort(404)
    return person


@blp.get("/calendar")
@login_required
def page():
    """What the feed holds, the deadlines ahead, and the personal URL to subscribe with."""
    person = _own_person()
    url = calendar.feed_url(person.id)
    return render_template(
        "calendar/page.html",
        deadlines=calendar.upcoming(person, today()),
        feed_url=url,
        webcal_url="webcal://" + url.split("://", 1)[-1],
        check_in_months=int(current_app.config["CHECK_IN_MONTHS"]),
        rotate_form=RotateFeedForm(),
        rotated_at=calendar.rotated_at(person.id),
    )


@blp.post("/calendar/rotate")
@login_required
def rotate():
    """Replace the personal feed address; the old one answers 404 from now on."""
    person = _own_person()
    if not RotateFeedForm().validate_on_submit():
        abort(400)
    calendar.rotate(person.id, utcnow())
    db.session.commit()
    flash(
        "Your calendar has a new address: the old one no longer works. "
        "Replace the subscription in your calendar app with the address below.",
        "success",
    )
    return redirect(url_for("calendar.page") + "#subscribe")


@blp.get("/calendar.ics")
@login_required
def mine_ics():
    return _ics(_own_person())


@blp.get("/calendar/<int:person_id>/<token>.ics")
def feed(person_id: int, token: str):
    """Public: the token is the key. An unknown person, a wrong token or a disabled
    account all answer 404 alike."""
    if not calendar.token_matches(person_id, token):
        abort(404)
    person = calendar.subscriber(person_id)
    if person is None:
        abort(404)
    return _ics(person)
