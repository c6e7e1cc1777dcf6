"""Sessions that end: a cookie copied before sign-out stops working with the original."""

from __future__ import annotations

from recognition.auth import sessions
from recognition.clock import utcnow
from recognition.extensions import db
from tests.support.department import PASSWORD


def signed_in_copy(app, client, dept, role="mentor"):
    """Sign ``client`` in and return a second client holding a copy of its cookie."""
    assert client.post("/login", data={"email": dept.email(role), "password": PASSWORD}).status_code == 302
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_copied_cookie_works_until_the_owner_signs_out(app, client, dept):
    thief = signed_in_copy(app, client, dept)
    assert thief.get("/mentoring").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/mentoring").status_code == 302
    copied = thief.get("/mentoring")
    assert copied.status_code == 302
    assert copied.headers["Location"].startswith("/login")


def test_sign_out_ends_only_that_browsers_session(app, client, dept):
    other = app.test_client()
    assert other.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD}).status_code == 302
    thief = signed_in_copy(app, client, dept)
    assert client.post("/logout").status_code == 302
    assert thief.get("/mentoring").status_code == 302
    assert other.get("/mentoring").status_code == 200


def test_ending_a_persons_sessions_signs_out_every_browser_but_the_one_kept(app, client, dept):
    kept = signed_in_copy(app, client, dept)
    other = app.test_client()
    assert other.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD}).status_code == 302
    with client.session_transaction() as cookie:
        kept_id = cookie["_user_id"]
    with app.app_context():
        ended = sessions.end_sessions(dept.ids["mentor"], "password changed", utcnow(), keep=kept_id)
        db.session.commit()
    assert ended == 1
    assert kept.get("/mentoring").status_code == 200
    assert other.get("/mentoring").status_code == 302


def test_the_cookie_names_no_password_and_a_forged_session_id_is_refused(app, client, dept):
    assert client.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD}).status_code == 302
    with client.session_transaction() as cookie:
        person, _, secret = cookie["_user_id"].partition(":")
        assert person == str(dept.ids["mentor"]) and len(secret) >= 24
        cookie["_user_id"] = person  # the old style: a bare person id
    assert client.get("/mentoring").status_code == 302
    with client.session_transaction() as cookie:
        cookie["_user_id"] = f"{dept.ids['admin']}:{secret}"  # someone else's id, this secret
    assert client.get("/admin/people").status_code == 302
