"""/api/v1/people/<id>/account: disable and enable accounts, with who, why and when."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from recognition.auth.accounts.models import AccountEvent
from recognition.auth.models import Account, ApiToken, LoginSession
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.support.department import PEOPLE

from .support import SECOND_ADMIN, make_admin, signed_in

ROLES = [None, *PEOPLE]


def url(person_id: int, verb: str = "") -> str:
    return f"/api/v1/people/{person_id}/account" + (f"/{verb}" if verb else "")


def disable(client, headers, person_id, reason="Left the department"):
    return client.post(url(person_id, "disable"), json={"reason": reason}, headers=headers)


def enable(client, headers, person_id, reason="Came back"):
    return client.post(url(person_id, "enable"), json={"reason": reason}, headers=headers)


# Who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("verb", ["", "disable", "enable"])
def test_only_an_administrator_sees_or_changes_an_account(app, client, dept, headers, role, verb):
    """Directors included: an account opens every part of the app, not only a division."""
    target = dept.ids["mentee" if role != "mentee" else "mentor"]
    caller = headers(role)
    if verb == "enable":  # something to enable
        assert disable(client, headers("admin"), target).status_code == 200
    before = _events(app)
    response = (
        client.get(url(target), headers=caller)
        if verb == ""
        else client.post(url(target, verb), json={"reason": "because"}, headers=caller)
    )
    if role is None:
        assert_error(response, 401, "Authorization")
    elif role != "admin":
        assert "Only an administrator" in assert_error(response, 403)["message"]
    else:
        assert response.status_code == 200, response.json
    assert _events(app) == before + (1 if role == "admin" and verb else 0)


def test_a_disabled_administrator_can_do_nothing_more(app, client, dept, headers):
    make_admin(app, dept)
    old_admin = headers("admin")
    assert disable(client, headers(SECOND_ADMIN), dept.ids["admin"]).status_code == 200
    for response in (
        client.get(url(dept.ids["mentee"]), headers=old_admin),
        disable(client, old_admin, dept.ids["mentee"]),
        enable(client, old_admin, dept.ids["admin"]),
    ):
        assert_error(response, 401, "Authorization")
    # And they cannot get a new token either.
    assert_error(client.post("/api/v1/auth/tokens", json={"email": dept.email("admin"), "password": "x"}), 401)


# What disabling does ----------------------------------------------------------------------


def test_disabling_ends_every_session_and_token_at_once_and_enabling_brings_none_back(app, client, dept, headers):
    browser, thief = signed_in(app, dept, "mentor")
    token = headers("mentor")
    other_token = dept.headers(client, "mentor")
    assert (
        thief.get("/mentoring").status_code == 200 and client.get("/api/v1/auth/me", headers=token).status_code == 200
    )

    response = disable(client, headers("admin"), dept.ids["mentor"], "Left for another university")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["disabled"] is True and body["has_account"] is True
    assert (body["sessions_ended"], body["tokens_revoked"]) == (1, 2)

    for who in (browser, thief):
        refused = who.get("/mentoring")
        assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    for bearer_headers in (token, other_token):
        assert_error(client.get("/api/v1/auth/me", headers=bearer_headers), 401, "Authorization")

    assert enable(client, headers("admin"), dept.ids["mentor"]).status_code == 200
    assert browser.get("/mentoring").status_code == 302 and thief.get("/mentoring").status_code == 302
    for bearer_headers in (token, other_token):
        assert_error(client.get("/api/v1/auth/me", headers=bearer_headers), 401, "Authorization")
    with app.app_context():
        reasons = set(db.session.scalars(select(LoginSession.ended_reason)))
        assert reasons == {"account disabled"}
        assert db.session.scalar(select(ApiToken.id).where(ApiToken.revoked_at.is_(None))) is not None  # the admin's
    # Once enabled, they sign in afresh.
    fresh, _ = signed_in(app, dept, "mentor")
    assert fresh.get("/mentoring").status_code == 200
    assert client.get("/api/v1/auth/me", headers=dept.headers(client, "mentor")).status_code == 200


def test_disabling_touches_nobody_else(app, client, dept, headers):
    mentee_browser, _ = signed_in(app, dept, "mentee")
    mentee_token = headers("mentee")
    assert disable(client, headers("admin"), dept.ids["mentor"]).status_code == 200
    assert mentee_browser.get("/mentee").status_code == 200
    assert client.get("/api/v1/auth/me", headers=mentee_token).status_code == 200


def test_the_history_names_who_why_and_when_newest_first(app, client, dept, headers):
    admin = headers("admin")
    mentor = dept.ids["mentor"]
    disable(client, admin, mentor, "On leave until June")
    enable(client, admin, mentor, "Back from leave")
    disable(client, admin, mentor, "Retired")
    body = client.get(url(mentor), headers=admin).json
    assert body["disabled"] is True
    assert [(e["action"], e["reason"], e["actor_id"], e["actor_name"]) for e in body["history"]] == [
        ("disabled", "Retired", dept.ids["admin"], "Admin Person"),
        ("enabled", "Back from leave", dept.ids["admin"], "Admin Person"),
        ("disabled", "On leave until June", dept.ids["admin"], "Admin Person"),
    ]
    stamps = [e["at"] for e in body["history"]]
    assert stamps == sorted(stamps, reverse=True) and all(s.endswith("Z") or "+00:00" in s for s in stamps)


def test_an_account_never_touched_has_an_empty_history(client, dept, headers):
    body = client.get(url(dept.ids["mentor"]), headers=headers("admin")).json
    assert body == {"person_id": dept.ids["mentor"], "has_account": True, "disabled": False, "history": []}


# What is refused ----------------------------------------------------------------------------


def test_an_administrator_cannot_disable_themselves(app, client, dept, headers):
    make_admin(app, dept)  # not the last admin: the rule is about oneself
    body = assert_error(disable(client, headers("admin"), dept.ids["admin"]), 409, "person_id")
    assert "your own account" in body["message"]
    assert client.get("/api/v1/auth/me", headers=headers("admin")).status_code == 200


def test_two_administrators_cannot_disable_each_other_into_none(app, client, dept, headers):
    """Over the API the last enabled admin is protected by the self rule: whoever is left
    is the only one who could ask. (The command line and simultaneous requests meet the
    last-admin rule itself: test_cli, test_races.)"""
    make_admin(app, dept)
    admin, second = headers("admin"), headers(SECOND_ADMIN)
    assert disable(client, admin, dept.ids[SECOND_ADMIN]).status_code == 200
    body = assert_error(disable(client, second, dept.ids["admin"]), 401, "Authorization")
    assert body["errors"]["Authorization"] == ["token not valid"]
    assert assert_error(disable(client, admin, dept.ids["admin"]), 409, "person_id")
    with app.app_context():
        assert db.session.get(Account, dept.ids["admin"]).disabled is False


def test_only_enabled_administrators_count(app, client, dept, headers):
    make_admin(app, dept)
    admin = headers("admin")
    assert disable(client, admin, dept.ids[SECOND_ADMIN]).status_code == 200
    assert enable(client, admin, dept.ids[SECOND_ADMIN]).status_code == 200
    # Enabled again, the second admin may disable the first.
    assert disable(client, dept.headers(client, SECOND_ADMIN), dept.ids["admin"]).status_code == 200
    assert_error(client.get("/api/v1/auth/me", headers=admin), 401)


@pytest.mark.parametrize(
    ("state", "verb", "field"),
    [("enabled", "enable", "account"), ("disabled", "disable", "account")],
)
def test_changing_an_account_to_the_state_it_is_in_is_a_conflict(client, dept, headers, state, verb, field):
    admin = headers("admin")
    if state == "disabled":
        assert disable(client, admin, dept.ids["mentor"]).status_code == 200
    body = assert_error(client.post(url(dept.ids["mentor"], verb), json={"reason": "again"}, headers=admin), 409, field)
    assert f"already {state}" in body["message"]
    assert len(client.get(url(dept.ids["mentor"]), headers=admin).json["history"]) == (1 if state == "disabled" else 0)


def test_a_person_without_an_account_has_nothing_to_disable(app, client, dept, headers):
    admin = headers("admin")
    created = client.post(
        "/api/v1/people",
        json={
            "name": "New Person",
            "email": "new@test.example.org",
            "rank": "assistant",
            "position": "clinician_teacher",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.json
    person_id = created.json["id"]
    assert client.get(url(person_id), headers=admin).json["has_account"] is False
    body = assert_error(disable(client, admin, person_id), 409, "account")
    assert "no account" in body["message"]


@pytest.mark.parametrize("person_id", [99999])
def test_an_unknown_person_is_not_found(client, dept, headers, person_id):
    for response in (
        client.get(url(person_id), headers=headers("admin")),
        disable(client, headers("admin"), person_id),
    ):
        assert_error(response, 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        ({"reason": 12}, "reason"),
        ({"reason": None}, "reason"),
        ({"reason": "ok", "notify": True}, "notify"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(app, client, dept, headers, body, field):
    response = client.post(url(dept.ids["mentor"], "disable"), json=body, headers=headers("admin"))
    assert_error(response, 422, field)
    with app.app_context():
        assert db.session.get(Account, dept.ids["mentor"]).disabled is False
    assert _events(app) == 0


def test_a_body_that_is_not_json_is_refused_in_the_error_shape(client, dept, headers):
    response = client.post(
        url(dept.ids["mentor"], "disable"), data="reason=x", headers={**headers("admin"), "Content-Type": "text/plain"}
    )
    assert 400 <= response.status_code < 500
    assert set(response.json) == {"code", "message", "errors"}


def test_the_history_is_append_only(app, client, dept, headers):
    disable(client, headers("admin"), dept.ids["mentor"])
    with app.app_context():
        for statement in ("UPDATE account_events SET reason = 'edited'", "DELETE FROM account_events"):
            with pytest.raises(DBAPIError):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.scalars(select(AccountEvent.reason)).all() == ["Left the department"]


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/people/{person_id}/account/disable", "/api/v1/people/{person_id}/account/enable"):
        operation = paths[path]["post"]
        assert {"200", "401", "403", "404", "409", "422"} <= set(operation["responses"])
        assert operation["security"] == [{"bearerAuth": []}]
    assert "get" in paths["/api/v1/people/{person_id}/account"]


def _events(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(AccountEvent.id)).all())
