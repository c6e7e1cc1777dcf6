"""Invitation and reset links: they set a password once, expire, are outdated by a newer
password, cannot be forged, and setting a password ends every other session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from recognition.auth.invitations import service
from recognition.auth.invitations import views as invitation_views
from recognition.auth.invitations.models import Invitation
from recognition.auth.models import Account
from recognition.clock import utcnow
from recognition.extensions import db
from tests.support.department import PASSWORD

from .conftest import link_in

NEW_PASSWORD = "a quiet harbour at dawn"


def invite(client, auth, person_id, role="admin"):
    response = client.post(f"/api/v1/people/{person_id}/invitation", headers=auth(role))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def invitation_link(client, auth, mail, person_id) -> str:
    invite(client, auth, person_id)
    return link_in(mail()[-1][2])


def reset_link(app, dept, mail, role="mentor") -> str:
    browser = app.test_client()
    assert browser.post("/password/forgot", data={"email": dept.email(role)}).status_code == 200
    return link_in(mail()[-1][2])


def choose(client, path, password=NEW_PASSWORD, confirm=None):
    return client.post(path, data={"password": password, "confirm": password if confirm is None else confirm})


def signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


def test_an_invited_person_makes_their_account_and_is_signed_in(app, client, auth, dept, mail, newcomer):
    person_id = newcomer()
    path = invitation_link(client, auth, mail, person_id)
    browser = app.test_client()

    page = browser.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Make your account" in html and "nadia@test.example.org" in html
    assert 'autocomplete="new-password"' in html and "At least 12 characters" in html

    done = choose(browser, path)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Welcome, Nadia Newcomer" in browser.get("/").get_data(as_text=True)
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).where(Invitation.person_id == person_id))
        assert invitation.accepted_at is not None
        assert db.session.get(Account, person_id) is not None

    other = app.test_client()
    signed = other.post("/login", data={"email": "nadia@test.example.org", "password": NEW_PASSWORD})
    assert signed.status_code == 302


def test_a_link_works_once(app, client, auth, dept, mail, newcomer):
    path = invitation_link(client, auth, mail, newcomer())
    assert choose(app.test_client(), path).status_code == 302

    again = app.test_client()
    for response in (again.get(path), choose(again, path, "another fine passphrase")):
        assert response.status_code == 410
        html = response.get_data(as_text=True)
        assert "already been used" in html
        assert 'href="/password/forgot"' in html and 'href="/login"' in html
    assert not signed_in(again)
    login = again.post("/login", data={"email": "nadia@test.example.org", "password": "another fine passphrase"})
    assert login.status_code == 401


def test_a_reset_link_sets_a_new_password(app, dept, mail):
    path = reset_link(app, dept, mail)
    browser = app.test_client()
    assert "Choose a new password" in browser.get(path).get_data(as_text=True)
    assert choose(browser, path).status_code == 302
    assert signed_in(browser)
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD}).status_code == 401
    assert fresh.post("/login", data={"email": dept.email("mentor"), "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    ("purpose", "age", "works"),
    [
        ("invitation", timedelta(days=13, hours=23), True),
        ("invitation", timedelta(days=14, minutes=1), False),
        ("reset", timedelta(hours=1, minutes=59), True),
        ("reset", timedelta(hours=2, minutes=1), False),
    ],
)
def test_links_expire(app, client, auth, dept, mail, newcomer, monkeypatch, purpose, age, works):
    path = invitation_link(client, auth, mail, newcomer()) if purpose == "invitation" else reset_link(app, dept, mail)
    later = utcnow() + age
    monkeypatch.setattr(invitation_views, "utcnow", lambda: later)
    browser = app.test_client()
    page = browser.get(path)
    if works:
        assert page.status_code == 200
        assert choose(browser, path).status_code == 302
    else:
        assert page.status_code == 410
        assert "has expired" in page.get_data(as_text=True)
        assert choose(browser, path).status_code == 410
        assert not signed_in(browser)


def test_the_lifetimes_are_configuration(make_app, dept, app, mail):
    short = make_app(RESET_HOURS=1).test_client()
    assert short.post("/password/forgot", data={"email": dept.email("mentor")}).status_code == 200
    path = link_in(mail()[-1][2])
    with app.app_context():
        made_earlier = service.token_for(dept.ids["mentor"], "reset", utcnow() - timedelta(minutes=90))
    assert short.get(f"/password/set/{made_earlier}").status_code == 410
    assert short.get(path).status_code == 200


def test_a_newer_password_outdates_every_older_link(app, dept, mail, monkeypatch):
    earlier = utcnow() - timedelta(minutes=30)
    monkeypatch.setattr(invitation_views, "utcnow", lambda: earlier)
    older = reset_link(app, dept, mail)
    monkeypatch.setattr(invitation_views, "utcnow", utcnow)
    newer = reset_link(app, dept, mail)
    assert older != newer
    assert app.test_client().get(older).status_code == 200  # both work until one is used
    assert choose(app.test_client(), newer).status_code == 302
    refused = app.test_client().get(older)
    assert refused.status_code == 410 and "already been used" in refused.get_data(as_text=True)


def test_changing_the_password_outdates_a_reset_link(app, client, dept, mail, login):
    path = reset_link(app, dept, mail)
    login(client, "mentor")
    changed = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert changed.status_code == 302
    assert app.test_client().get(path).status_code == 410


@pytest.mark.parametrize(
    "damage",
    [
        # The signature's first character: its last one also carries base64 padding bits,
        # which decoding ignores, so changing it can leave the signature as it was.
        lambda token: (lambda head, sig: f"{head}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}")(*token.rsplit(".", 1)),
        lambda token: ("e" if token[0] != "e" else "f") + token[1:],  # the claim
        lambda token: token[: len(token) // 2],  # cut short
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_link_is_refused(app, dept, mail, damage):
    path = reset_link(app, dept, mail)
    token = path.rsplit("/", 1)[1]
    browser = app.test_client()
    refused = browser.get(f"/password/set/{damage(token)}")
    assert refused.status_code == 400
    assert "not one we sent" in refused.get_data(as_text=True)
    assert choose(browser, f"/password/set/{damage(token)}").status_code == 400
    assert not signed_in(browser)


def test_a_link_signed_with_another_key_is_refused(app, make_app, dept):
    other = make_app(SECRET_KEY="another deployment")
    with other.app_context():
        token = service.token_for(dept.ids["admin"], "reset", utcnow())
    assert app.test_client().get(f"/password/set/{token}").status_code == 400


def test_a_reset_link_of_a_disabled_account_is_refused(app, dept, mail):
    path = reset_link(app, dept, mail)
    with app.app_context():
        db.session.execute(update(Account).where(Account.person_id == dept.ids["mentor"]).values(disabled=True))
        db.session.commit()
    refused = app.test_client().get(path)
    assert refused.status_code == 410 and "disabled" in refused.get_data(as_text=True)


def test_the_new_password_follows_the_rules_and_a_refusal_keeps_the_link(app, client, auth, dept, mail, newcomer):
    path = invitation_link(client, auth, mail, newcomer())
    browser = app.test_client()
    for password, confirm, said in [
        ("short", None, "New password: must be at least 12 characters"),
        ("ilovemyfamily", None, "New password: is on a list of common or breached passwords"),
        ("nadia newcomer rocks", None, "New password: must not contain your name or email address"),
        (NEW_PASSWORD, "something else entirely", "New password again: must match the new password"),
        ("", None, "New password: is required"),
    ]:
        refused = choose(browser, path, password, confirm)
        assert refused.status_code == 422, password
        assert said in refused.get_data(as_text=True)
    assert not signed_in(browser)
    assert choose(browser, path).status_code == 302


def test_a_reset_ends_every_session_of_the_person_even_copied_cookies(app, dept, mail, login):
    owner = login(app.test_client(), "mentor")
    thief = app.test_client()
    thief.set_cookie("session", owner.get_cookie("session").value)
    assert thief.get("/mentoring").status_code == 200

    path = reset_link(app, dept, mail)
    browser = app.test_client()
    assert choose(browser, path).status_code == 302

    assert browser.get("/mentoring").status_code == 200
    for ended in (owner, thief):
        response = ended.get("/mentoring")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_reset_lets_the_owner_in_while_their_email_is_locked_out(app, dept, mail):
    stranger = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        stranger.post("/login", data={"email": dept.email("mentor"), "password": "a wrong guess"})
    assert stranger.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD}).status_code == 429

    path = reset_link(app, dept, mail)  # the lockout does not stop the owner asking for a link
    assert choose(app.test_client(), path).status_code == 302
    owner = app.test_client()
    assert owner.post("/login", data={"email": dept.email("mentor"), "password": NEW_PASSWORD}).status_code == 302


def test_someone_else_signed_in_on_the_browser_is_signed_out_first(app, client, auth, dept, mail, newcomer, login):
    path = invitation_link(client, auth, mail, newcomer())
    shared = login(app.test_client(), "mentor")
    assert choose(shared, path).status_code == 302
    assert "Welcome, Nadia Newcomer" in shared.get("/").get_data(as_text=True)


def test_of_two_uses_at_the_same_moment_only_one_sets_the_password(app, dept, mail, monkeypatch):
    """The second use read the link while it still worked, and writes after the first:
    the password is changed only over the state the link was made for."""
    path = reset_link(app, dept, mail)
    token = path.rsplit("/", 1)[1]
    with app.app_context():
        stale = service.read_link(token, utcnow())
    assert choose(app.test_client(), path).status_code == 302
    monkeypatch.setattr(service, "read_link", lambda token, now: stale)
    with app.app_context(), pytest.raises(service.LinkRefused) as refused:
        service.use_link(token, "a second quiet harbour", utcnow())
    assert refused.value.reason == "used"
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": dept.email("mentor"), "password": NEW_PASSWORD}).status_code == 302


def test_the_form_needs_its_csrf_token(app, csrf_client, dept, mail):
    path = reset_link(app, dept, mail)
    assert csrf_client.get(path).status_code == 200
    assert choose(csrf_client, path).status_code == 400
    assert app.test_client().get(path).status_code == 200  # still unused
