"""Inviting a person: who may (page and API), what is refused, what is mailed and shown."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from recognition.auth.models import Account
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.support.department import PASSWORD

from .conftest import link_in

# Who may invite a newcomer in Cardiology (CARD): the admin and CARD's director. Everyone
# else cannot even see them (404), so they learn nothing about the roster.
MATRIX = [
    (None, 401, 302),
    ("outsider", 404, 404),
    ("mentee", 404, 404),
    ("mentor", 404, 404),
    ("other_mentor", 404, 404),
    ("award_committee", 404, 404),
    ("promotion_committee", 404, 404),
    ("other_director", 404, 404),
    ("director", 201, 302),
    ("admin", 201, 302),
]


@pytest.mark.parametrize(("role", "api_status", "page_status"), MATRIX)
def test_who_may_invite_through_the_api(client, auth, newcomer, mail, role, api_status, page_status):
    person_id = newcomer()
    response = client.post(f"/api/v1/people/{person_id}/invitation", headers=auth(role))
    if api_status == 201:
        assert response.status_code == 201, response.get_json()
        assert len(mail()) == 1
    else:
        assert_error(response, api_status)
        assert mail() == []


@pytest.mark.parametrize(("role", "api_status", "page_status"), MATRIX)
def test_who_may_invite_from_the_person_page(app, login, newcomer, mail, role, api_status, page_status):
    person_id = newcomer()
    browser = app.test_client() if role is None else login(app.test_client(), role)
    response = browser.post(f"/people/{person_id}/invitation")
    assert response.status_code == page_status
    if role is None:
        assert response.headers["Location"].startswith("/login")
    if page_status == 302 and role is not None:
        assert response.headers["Location"] == f"/people/{person_id}#account"
        assert len(mail()) == 1
    else:
        assert mail() == []


def test_a_mentor_who_can_see_a_person_still_may_not_invite_them(client, auth, dept, login, app):
    """The mentor sees their mentee's page, but inviting is for admins and directors."""
    response = client.post(f"/api/v1/people/{dept.ids['mentee']}/invitation", headers=auth("mentor"))
    assert_error(response, 403)
    page = login(app.test_client(), "mentor").get(f"/people/{dept.ids['mentee']}")
    assert page.status_code == 200
    assert 'id="account"' not in page.get_data(as_text=True)
    assert login(app.test_client(), "mentor").post(f"/people/{dept.ids['mentee']}/invitation").status_code == 403


def test_the_invitation_mail_names_the_inviter_and_carries_the_link(client, auth, newcomer, mail):
    person_id = newcomer()
    body = client.post(f"/api/v1/people/{person_id}/invitation", headers=auth("director")).get_json()
    assert body["person_id"] == person_id and body["invited_by"] == "Director Person"
    assert body["accepted_at"] is None and body["expires_at"] > body["sent_at"]
    ((recipient, subject, text),) = mail()
    assert recipient == "nadia@test.example.org"
    assert "invitation" in subject.lower()
    assert "Director Person invited you" in text and "nadia@test.example.org" in text
    assert text.count("http://127.0.0.1:5000/password/set/") == 1  # the configured BASE_URL
    assert link_in(text)


def test_someone_with_an_account_is_not_invited(app, client, auth, dept, login, mail):
    response = client.post(f"/api/v1/people/{dept.ids['mentee']}/invitation", headers=auth("admin"))
    body = assert_error(response, 409, "person_id")
    assert "already has an account" in body["message"] and "Forgot your password?" in body["message"]

    browser = login(app.test_client(), "admin")
    page = browser.post(f"/people/{dept.ids['mentee']}/invitation", follow_redirects=True)
    assert page.status_code == 200
    assert "already has an account" in page.get_data(as_text=True)
    assert mail() == []


def test_a_disabled_account_is_enabled_not_invited(app, client, auth, dept, mail):
    with app.app_context():
        db.session.execute(update(Account).where(Account.person_id == dept.ids["mentee"]).values(disabled=True))
        db.session.commit()
    response = client.post(f"/api/v1/people/{dept.ids['mentee']}/invitation", headers=auth("admin"))
    assert "disabled" in assert_error(response, 409, "person_id")["message"]
    assert mail() == []


def test_an_unknown_person_is_a_404(client, auth):
    assert_error(client.post("/api/v1/people/99999/invitation", headers=auth("admin")), 404)


def test_the_person_page_shows_who_invited_them_and_when(app, login, newcomer):
    person_id = newcomer()
    browser = login(app.test_client(), "director")
    page = browser.get(f"/people/{person_id}").get_data(as_text=True)
    assert "No account yet" in page and ">Invite Nadia Newcomer</button>" in page

    followed = browser.post(f"/people/{person_id}/invitation", follow_redirects=True).get_data(as_text=True)
    assert "Invitation sent to nadia@test.example.org" in followed
    assert "by Director Person" in followed and "the link works until" in followed
    assert ">Invite again Nadia Newcomer</button>" in followed


def test_the_api_lists_a_persons_invitations(client, auth, newcomer, dept):
    person_id = newcomer()
    client.post(f"/api/v1/people/{person_id}/invitation", headers=auth("admin"))
    client.post(f"/api/v1/people/{person_id}/invitation", headers=auth("director"))
    listed = client.get(f"/api/v1/people/{person_id}/invitations", headers=auth("director"))
    assert listed.status_code == 200
    assert [row["invited_by"] for row in listed.get_json()] == ["Director Person", "Admin Person"]
    assert_error(client.get(f"/api/v1/people/{person_id}/invitations", headers=auth("other_director")), 404)
    assert_error(client.get(f"/api/v1/people/{dept.ids['mentee']}/invitations", headers=auth("mentor")), 403)


def test_a_retried_invitation_with_its_idempotency_key_is_sent_once(client, auth, newcomer, mail):
    person_id = newcomer()
    headers = {**auth("admin"), "Idempotency-Key": "invite-nadia-1"}
    first = client.post(f"/api/v1/people/{person_id}/invitation", headers=headers)
    again = client.post(f"/api/v1/people/{person_id}/invitation", headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert len(mail()) == 1


def test_the_endpoints_are_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    post = paths["/api/v1/people/{person_id}/invitation"]["post"]
    assert {"201", "401", "403", "404", "409"} <= set(post["responses"])
    assert "get" in paths["/api/v1/people/{person_id}/invitations"]


def test_the_invite_button_needs_its_csrf_token(csrf_client, dept, newcomer, mail):
    person_id = newcomer()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', csrf_client.get("/login").get_data(as_text=True))
    csrf_client.post("/login", data={"email": dept.email("admin"), "password": PASSWORD, "csrf_token": token.group(1)})
    assert csrf_client.post(f"/people/{person_id}/invitation").status_code == 400
    assert mail() == []
    page = csrf_client.get(f"/people/{person_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert csrf_client.post(f"/people/{person_id}/invitation", data={"csrf_token": token}).status_code == 302
    assert len(mail()) == 1
