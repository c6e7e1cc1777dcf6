"""Changing one's password: the current one is asked for, the rules apply, every other
session ends (a copied cookie too) and this one stays; the owner is told by email."""

from __future__ import annotations

import re

import pytest

from recognition.auth.models import Account
from recognition.auth.oidc.service import UNUSABLE_PASSWORD
from recognition.extensions import db
from tests.support.department import PASSWORD

NEW = "a quiet harbour at dawn"
PAGE = "/account/password"


def change(client, current=PASSWORD, password=NEW, confirm=None):
    return client.post(
        PAGE,
        data={"current_password": current, "password": password, "confirm": password if confirm is None else confirm},
    )


def test_the_page_is_linked_beside_sign_out_and_needs_sign_in(app, client, login):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    browser = login(app.test_client(), "mentor")
    home = browser.get("/mentoring").get_data(as_text=True)
    assert f'href="{PAGE}">Change password</a>' in home
    page = browser.get(PAGE).get_data(as_text=True)
    for label in ("Current password", "New password", "New password again"):
        assert f">{label}</label>" in page
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page


def test_a_change_ends_every_other_session_and_keeps_this_one(app, login, dept, mail):
    browser = login(app.test_client(), "mentor")
    other = login(app.test_client(), "mentor")

    done = change(browser)
    assert done.status_code == 302
    followed = browser.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your password is changed. One other browser signed in as you has been signed out." in followed
    assert browser.get("/mentoring").status_code == 200
    assert other.get("/mentoring").status_code == 302

    fresh = app.test_client()
    assert fresh.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD}).status_code == 401
    assert fresh.post("/login", data={"email": dept.email("mentor"), "password": NEW}).status_code == 302
    ((recipient, subject, body),) = mail()
    assert recipient == dept.email("mentor") and "password was changed" in subject
    assert "/password/forgot" in body


def test_a_copied_cookie_of_another_browser_is_ended_by_a_change(app, login):
    victim = login(app.test_client(), "mentor")
    thief = app.test_client()
    thief.set_cookie("session", victim.get_cookie("session").value)
    owner = login(app.test_client(), "mentor")
    assert change(owner).status_code == 302
    for ended in (victim, thief):
        response = ended.get("/mentoring")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert owner.get("/mentoring").status_code == 200


@pytest.mark.parametrize(
    ("current", "password", "confirm", "said"),
    [
        ("a wrong guess", NEW, None, "Current password: is not your current password"),
        (PASSWORD, "short", None, "New password: must be at least 12 characters"),
        (PASSWORD, "ilovemyfamily", None, "New password: is on a list of common or breached passwords"),
        (PASSWORD, "mentor person again", None, "New password: must not contain your name or email address"),
        (PASSWORD, PASSWORD, None, "New password: must differ from your current password"),
        (PASSWORD, NEW, "not the same", "New password again: must match the new password"),
        ("", NEW, None, "Current password: is required"),
    ],
)
def test_a_refused_change_names_the_field_and_changes_nothing(app, login, dept, mail, current, password, confirm, said):
    browser = login(app.test_client(), "mentor")
    refused = change(browser, current, password, confirm)
    assert refused.status_code == 422
    assert said in refused.get_data(as_text=True)
    assert mail() == []
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD}).status_code == 302


def test_guessing_the_current_password_is_limited(app, login, dept):
    browser = login(app.test_client(), "mentor")
    for _ in range(app.config["PASSWORD_CHANGE_MAX_ATTEMPTS"]):
        assert change(browser, current="a wrong guess").status_code == 422
    refused = change(browser)  # even the right one, now
    assert refused.status_code == 429
    assert "Too many requests" in refused.get_data(as_text=True)


def test_the_form_needs_its_csrf_token(csrf_client, dept):
    token_page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
    csrf_client.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD, "csrf_token": token})
    assert change(csrf_client).status_code == 400


def test_someone_made_by_the_university_sign_in_is_told_how_to_get_a_password(app, login, dept):
    """An account made at a first university sign-in has no password; changing it would ask
    for a current password that does not exist, so the page says where to get one."""
    browser = login(app.test_client(), "mentor")
    with app.app_context():
        db.session.get(Account, dept.ids["mentor"]).password_hash = UNUSABLE_PASSWORD
        db.session.commit()
    refused = change(browser, current="anything at all")
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "You sign in through your university" in text and "Forgot your password?" in text
    with app.app_context():
        assert db.session.get(Account, dept.ids["mentor"]).password_hash == UNUSABLE_PASSWORD
