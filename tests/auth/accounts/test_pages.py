"""The account panel on a person's page: disable and enable with a reason, and the history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from recognition.auth.accounts.models import AccountEvent
from recognition.auth.models import Account
from recognition.extensions import db
from tests.auth.test_pages import csrf_token
from tests.credits.test_views import page_text
from tests.support.department import PASSWORD, PEOPLE

from .support import SECOND_ADMIN, make_admin, signed_in

ROLES = [None, *PEOPLE]


def path(dept, role="mentor", verb=""):
    return f"/people/{dept.ids[role]}/account" + (f"/{verb}" if verb else "")


def events(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(select(AccountEvent.action, AccountEvent.reason))]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("verb", ["", "disable", "enable"])
def test_only_an_administrator_opens_or_changes_an_account(app, dept, login, role, verb):
    target = "mentee" if role != "mentee" else "mentor"
    client = app.test_client() if role is None else login(app.test_client(), role)
    if verb == "enable":
        admin = login(app.test_client(), "admin")
        assert admin.post(path(dept, target, "disable"), data={"reason": "setup"}).status_code == 302
    before = events(app)
    response = (
        client.get(path(dept, target)) if verb == "" else client.post(path(dept, target, verb), data={"reason": "why"})
    )
    if role is None:
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    elif role != "admin":
        assert response.status_code == 403
        assert "Only an administrator" in page_text(response)
    else:
        assert response.status_code == (200 if verb == "" else 302)
    assert len(events(app)) == len(before) + (1 if role == "admin" and verb else 0)


@pytest.mark.parametrize("role", [r for r in PEOPLE if r != "admin"])
def test_the_panel_is_on_the_persons_page_for_administrators_only(app, dept, login, role):
    page = login(app.test_client(), role).get(f"/people/{dept.ids[role]}")  # everyone sees their own record
    assert page.status_code == 200
    assert 'id="account-access"' not in page.get_data(as_text=True)
    admin_page = login(app.test_client(), "admin").get(f"/people/{dept.ids[role]}")
    assert 'id="account-access"' in admin_page.get_data(as_text=True)


def test_an_administrator_disables_from_the_persons_page_and_sees_the_history(app, dept, login):
    browser, thief = signed_in(app, dept, "mentor")
    admin = login(app.test_client(), "admin")
    page = admin.get(f"/people/{dept.ids['mentor']}").get_data(as_text=True)
    assert f'action="/people/{dept.ids["mentor"]}/account/disable"' in page
    assert '<label for="reason">Reason</label>' in page and "never been disabled" in page

    response = admin.post(path(dept, verb="disable"), data={"reason": "Left for another university"})
    assert response.status_code == 302 and response.headers["Location"] == f"/people/{dept.ids['mentor']}"
    shown = admin.get(response.headers["Location"])
    text = page_text(shown)
    assert "Mentor Person's account is disabled: 1 browser session ended, 0 API tokens revoked" in text
    assert "Status: disabled" in text
    assert "disabled Admin Person Left for another university" in text
    assert f'action="/people/{dept.ids["mentor"]}/account/enable"' in shown.get_data(as_text=True)
    for who in (browser, thief):
        assert who.get("/mentoring").status_code == 302

    assert admin.post(path(dept, verb="enable"), data={"reason": "Came back"}).status_code == 302
    text = page_text(admin.get(f"/people/{dept.ids['mentor']}"))
    assert "Status: enabled" in text
    assert text.index("enabled Admin Person Came back") < text.index("disabled Admin Person Left for another")
    assert thief.get("/mentoring").status_code == 302  # enabling brings no session back


@pytest.mark.parametrize(
    ("reason", "rule"),
    [
        ("", "Reason: is required: say why"),
        ("  ", "Reason: is required: say why"),
        ("x" * 501, "Reason: Field cannot be longer than 500 characters."),
    ],
)
def test_a_missing_or_long_reason_is_named_and_changes_nothing(app, dept, login, reason, rule):
    admin = login(app.test_client(), "admin")
    response = admin.post(path(dept, verb="disable"), data={"reason": reason})
    assert response.status_code == 422
    text = page_text(response)
    assert "The account was not changed" in text and rule in text
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert events(app) == []


def test_disabling_yourself_is_refused_with_the_rule(app, dept, login):
    make_admin(app, dept)
    admin = login(app.test_client(), "admin")
    response = admin.post(path(dept, "admin", "disable"), data={"reason": "Testing"})
    assert response.status_code == 409
    assert "You cannot disable your own account; ask another administrator." in page_text(response)
    assert admin.get("/admin/people").status_code == 200  # still signed in
    assert events(app) == []


def test_a_disabled_administrator_is_signed_out_of_the_pages(app, dept, login):
    make_admin(app, dept)
    first, copy = signed_in(app, dept, "admin")
    second = login(app.test_client(), SECOND_ADMIN)
    assert second.post(path(dept, "admin", "disable"), data={"reason": "Left"}).status_code == 302
    for who in (first, copy):
        response = who.post(path(dept, SECOND_ADMIN, "disable"), data={"reason": "revenge"})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        assert who.get(path(dept)).status_code == 302
    refused = app.test_client().post("/login", data={"email": dept.email("admin"), "password": PASSWORD})
    assert refused.status_code == 401
    with app.app_context():
        assert db.session.get(Account, dept.ids[SECOND_ADMIN]).disabled is False


def test_the_forms_need_their_csrf_token(csrf_client, dept):
    token = csrf_token(csrf_client.get("/login").get_data(as_text=True))
    csrf_client.post("/login", data={"email": dept.email("admin"), "password": PASSWORD, "csrf_token": token})
    page = csrf_client.get(f"/people/{dept.ids['mentor']}").get_data(as_text=True)
    assert csrf_client.post(path(dept, verb="disable"), data={"reason": "no token"}).status_code == 400
    response = csrf_client.post(path(dept, verb="disable"), data={"reason": "with", "csrf_token": csrf_token(page)})
    assert response.status_code == 302


def test_an_unknown_person_is_not_found(app, dept, login):
    admin = login(app.test_client(), "admin")
    assert admin.get("/people/99999/account").status_code == 404
    assert admin.post("/people/99999/account/disable", data={"reason": "x"}).status_code == 404
    assert admin.post(f"/people/{dept.ids['mentor']}/account/delete", data={"reason": "x"}).status_code in (404, 405)
