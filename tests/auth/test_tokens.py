"""API tokens: issued once for a password, listed without their value, revoked for good."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from sqlalchemy import select

from recognition.auth.models import Account, ApiToken
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.support.department import PASSWORD

TOKENS = "/api/v1/auth/tokens"


def issue(client, dept, role, **extra):
    return client.post(TOKENS, json={"email": dept.email(role), "password": PASSWORD, **extra})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_is_shown_once_at_creation(app, client, dept):
    response = issue(client, dept, "mentor", name="My laptop")
    assert response.status_code == 201, response.json
    body = response.json
    assert set(body) == {"id", "name", "created_at", "expires_at", "revoked_at", "token"}
    assert body["name"] == "My laptop" and body["revoked_at"] is None
    assert body["token"].startswith("rcg_") and len(body["token"]) > 40
    # A timestamp a client can parse without guessing the zone.
    assert datetime.fromisoformat(body["created_at"]).utcoffset() is not None

    # Only a hash is stored: the database never holds the token itself.
    with app.app_context():
        row = db.session.get(ApiToken, body["id"])
        assert row.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
        assert body["token"] not in (row.token_hash, row.name)

    me = client.get("/api/v1/auth/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json["person_id"] == dept.ids["mentor"]
    assert me.json["name"] == "Mentor Person"
    assert "mentor" in me.json["roles"]


def test_tokens_default_to_a_generic_name(client, dept):
    assert issue(client, dept, "mentee").json["name"] == "API token"


@pytest.mark.parametrize(
    ("role", "roles", "divisions"),
    [
        ("admin", ["admin"], []),
        ("director", ["division_director"], ["CARD"]),
        ("mentee", ["mentee"], []),
        ("award_committee", ["award_committee"], []),
        ("outsider", [], []),
    ],
)
def test_me_names_the_roles(client, dept, auth, role, roles, divisions):
    body = client.get("/api/v1/auth/me", headers=auth(role)).json
    assert body["roles"] == roles
    assert body["directed_division_ids"] == [dept.divisions[code] for code in divisions]


def test_the_list_never_shows_a_token_value(client, dept):
    first = issue(client, dept, "mentor", name="laptop").json
    second = issue(client, dept, "mentor", name="script").json
    issue(client, dept, "mentee")  # someone else's: not listed
    response = client.get(TOKENS, headers=bearer(first["token"]))
    assert response.status_code == 200
    assert [item["name"] for item in response.json] == ["laptop", "script"]
    for item in response.json:
        assert set(item) == {"id", "name", "created_at", "expires_at", "revoked_at"}
    text = response.get_data(as_text=True)
    assert first["token"] not in text and second["token"] not in text


def test_a_revoked_token_stops_working(client, dept):
    keep = issue(client, dept, "mentor", name="keep").json
    drop = issue(client, dept, "mentor", name="drop").json
    assert client.get("/api/v1/auth/me", headers=bearer(drop["token"])).status_code == 200

    response = client.delete(f"{TOKENS}/{drop['id']}", headers=bearer(keep["token"]))
    assert response.status_code == 204

    for method, url in (("get", "/api/v1/auth/me"), ("get", TOKENS), ("get", "/api/v1/people")):
        refused = getattr(client, method)(url, headers=bearer(drop["token"]))
        assert assert_error(refused, 401, "Authorization")["errors"]["Authorization"] == ["token not valid"]
    listed = {item["name"]: item for item in client.get(TOKENS, headers=bearer(keep["token"])).json}
    assert listed["drop"]["revoked_at"] is not None and listed["keep"]["revoked_at"] is None


def test_a_token_can_revoke_itself(client, dept):
    token = issue(client, dept, "mentor").json
    assert client.delete(f"{TOKENS}/{token['id']}", headers=bearer(token["token"])).status_code == 204
    assert_error(client.get("/api/v1/auth/me", headers=bearer(token["token"])), 401)


def test_another_persons_token_is_not_found(client, dept):
    mine = issue(client, dept, "mentor").json
    theirs = issue(client, dept, "mentee").json
    assert_error(client.delete(f"{TOKENS}/{theirs['id']}", headers=bearer(mine["token"])), 404)
    assert client.get("/api/v1/auth/me", headers=bearer(theirs["token"])).status_code == 200


def test_an_unknown_token_id_is_not_found(client, dept):
    mine = issue(client, dept, "admin").json
    assert_error(client.delete(f"{TOKENS}/99999", headers=bearer(mine["token"])), 404)


def test_an_admin_can_revoke_anyones_token(client, dept):
    admin = issue(client, dept, "admin").json
    theirs = issue(client, dept, "mentee").json
    assert client.delete(f"{TOKENS}/{theirs['id']}", headers=bearer(admin["token"])).status_code == 204
    assert_error(client.get("/api/v1/auth/me", headers=bearer(theirs["token"])), 401)
    # ...and only that one.
    assert client.get("/api/v1/auth/me", headers=bearer(admin["token"])).status_code == 200


def test_a_disabled_account_loses_its_tokens_and_its_sign_in(app, client, dept):
    token = issue(client, dept, "mentor").json["token"]
    with app.app_context():
        db.session.get(Account, dept.ids["mentor"]).disabled = True
        db.session.commit()
    assert_error(client.get("/api/v1/auth/me", headers=bearer(token)), 401)
    assert_error(issue(client, dept, "mentor"), 401)


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic bWVudG9yOnB3", "Token rcg_abc", "Bearer rcg_not-a-real-token"],
)
def test_calls_without_a_valid_bearer_token_are_refused(client, dept, header):
    headers = {} if header is None else {"Authorization": header}
    body = assert_error(client.get("/api/v1/auth/me", headers=headers), 401, "Authorization")
    assert "Bearer" in body["message"] or "not valid" in body["message"]


# --- exchanging credentials -----------------------------------------------------------


def test_a_wrong_password_is_refused_in_the_error_shape(client, dept):
    response = client.post(TOKENS, json={"email": dept.email("mentor"), "password": "wrong password"})
    body = assert_error(response, 401, "password")
    assert body["message"] == "The email or password is not right."


def test_an_unknown_email_reads_exactly_like_a_wrong_password(client, dept):
    """Nobody can find out who has an account by trying addresses."""
    wrong = client.post(TOKENS, json={"email": dept.email("mentor"), "password": "wrong password"})
    unknown = client.post(TOKENS, json={"email": "nobody@test.example.org", "password": "wrong password"})
    assert (unknown.status_code, unknown.json) == (wrong.status_code, wrong.json)


def test_the_email_is_matched_without_regard_to_case(client, dept):
    response = client.post(TOKENS, json={"email": "MENTOR@Test.Example.org", "password": PASSWORD})
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"email", "password"}),
        ({"email": "mentor@test.example.org"}, {"password"}),
        ({"email": "not an email", "password": PASSWORD}, {"email"}),
        ({"email": "mentor@test.example.org", "password": ""}, {"password"}),
        ({"email": "mentor@test.example.org", "password": PASSWORD, "name": ""}, {"name"}),
        ({"email": "mentor@test.example.org", "password": PASSWORD, "scope": "all"}, {"scope"}),
    ],
)
def test_bad_credentials_body_names_the_field_and_issues_nothing(app, client, dept, body, fields):
    assert set(assert_error(client.post(TOKENS, json=body), 422)["errors"]) == fields
    with app.app_context():
        assert db.session.scalars(select(ApiToken)).all() == []


def test_passwords_are_stored_as_argon2id_with_the_configured_cost(app, dept):
    config = app.config
    expected = (
        f"$argon2id$v=19$m={config['ARGON2_MEMORY_COST_KIB']},"
        f"t={config['ARGON2_TIME_COST']},p={config['ARGON2_PARALLELISM']}$"
    )
    with app.app_context():
        hashes = db.session.scalars(select(Account.password_hash)).all()
    assert len(hashes) == len(dept.ids)
    for stored in hashes:
        assert stored.startswith(expected), stored
        assert PASSWORD not in stored
    # Same password, different salt: no two hashes alike.
    assert len(set(hashes)) == len(hashes)
