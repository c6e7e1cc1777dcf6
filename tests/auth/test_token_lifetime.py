"""API tokens expire (API_TOKEN_DAYS, or fewer if asked) and are rotated by their owner."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from recognition.auth import api as auth_api
from recognition.auth import current
from recognition.auth.models import ApiToken
from recognition.extensions import db
from recognition.idempotency import IdempotencyKey
from tests.api.error_shape import assert_error
from tests.support.department import PASSWORD

TOKENS = "/api/v1/auth/tokens"
ME = "/api/v1/auth/me"
ISSUED = datetime(2026, 3, 1, 9, 30)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clock(monkeypatch):
    """``clock(moment)``: the time the API issues tokens at and checks them against."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(auth_api, "utcnow", lambda: moment)
        monkeypatch.setattr(current, "utcnow", lambda: moment)

    set_to(ISSUED)
    return set_to


def issue(client, dept, role="mentor", **extra):
    return client.post(TOKENS, json={"email": dept.email(role), "password": PASSWORD, **extra})


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=None)


def test_a_token_lives_the_configured_days_and_is_refused_from_its_expiry_on(client, dept, clock):
    body = issue(client, dept).json
    assert parse(body["expires_at"]) == ISSUED + timedelta(days=90)
    expires = parse(body["expires_at"])

    clock(expires - timedelta(microseconds=1))
    assert client.get(ME, headers=bearer(body["token"])).status_code == 200

    clock(expires)
    refused = assert_error(client.get(ME, headers=bearer(body["token"])), 401, "Authorization")
    assert refused["errors"]["Authorization"] == ["token expired"]
    assert "expired" in refused["message"] and expires.strftime("%Y-%m-%d") in refused["message"]
    # Every other call says the same, not only /me.
    assert_error(client.get("/api/v1/people", headers=bearer(body["token"])), 401, "Authorization")


def test_the_list_shows_each_tokens_expiry(client, dept, clock):
    first = issue(client, dept, name="laptop").json
    issue(client, dept, name="script", days=7)
    listed = {item["name"]: item for item in client.get(TOKENS, headers=bearer(first["token"])).json}
    assert parse(listed["laptop"]["expires_at"]) == ISSUED + timedelta(days=90)
    assert parse(listed["script"]["expires_at"]) == ISSUED + timedelta(days=7)


def test_the_configured_lifetime_is_the_longest(app, client, dept, clock):
    app.config["API_TOKEN_DAYS"] = 30
    assert parse(issue(client, dept).json["expires_at"]) == ISSUED + timedelta(days=30)
    assert parse(issue(client, dept, days=30).json["expires_at"]) == ISSUED + timedelta(days=30)
    body = assert_error(issue(client, dept, days=31), 422, "days")
    assert body["errors"]["days"] == ["must be between 1 and 30"]


@pytest.mark.parametrize("days", [0, -1, 91, 10_000, "soon", 1.5, None])
def test_a_lifetime_out_of_range_names_the_field_and_issues_nothing(app, client, dept, clock, days):
    assert_error(issue(client, dept, days=days), 422, "days")
    with app.app_context():
        assert db.session.query(ApiToken).count() == 0


def test_a_short_lived_token_expires_on_its_day(client, dept, clock):
    token = issue(client, dept, days=1).json["token"]
    clock(ISSUED + timedelta(hours=23, minutes=59))
    assert client.get(ME, headers=bearer(token)).status_code == 200
    clock(ISSUED + timedelta(days=1))
    assert_error(client.get(ME, headers=bearer(token)), 401, "Authorization")


# Rotation -------------------------------------------------------------------------------


def rotate(client, token_id: int, token: str):
    return client.post(f"{TOKENS}/{token_id}/rotate", headers=bearer(token))


def test_a_token_rotates_itself_into_a_new_one_with_the_same_name_and_a_fresh_expiry(app, client, dept, clock):
    old = issue(client, dept, name="nightly export", days=10).json
    clock(ISSUED + timedelta(days=9))
    response = rotate(client, old["id"], old["token"])
    assert response.status_code == 201, response.json
    new = response.json
    assert set(new) == {"id", "name", "created_at", "expires_at", "revoked_at", "token"}
    assert new["name"] == "nightly export" and new["id"] != old["id"] and new["token"] != old["token"]
    assert parse(new["created_at"]) == ISSUED + timedelta(days=9)
    assert parse(new["expires_at"]) == ISSUED + timedelta(days=99)  # a full lifetime, not the old 10 days

    assert_error(client.get(ME, headers=bearer(old["token"])), 401, "Authorization")
    assert client.get(ME, headers=bearer(new["token"])).json["person_id"] == dept.ids["mentor"]
    listed = {item["id"]: item for item in client.get(TOKENS, headers=bearer(new["token"])).json}
    assert parse(listed[old["id"]]["revoked_at"]) == ISSUED + timedelta(days=9)
    assert listed[new["id"]]["revoked_at"] is None


def test_another_valid_token_of_the_owner_rotates_one_even_after_it_expired(client, dept, clock):
    old = issue(client, dept, name="old", days=1).json
    keep = issue(client, dept, name="keep").json
    clock(ISSUED + timedelta(days=2))
    assert_error(client.get(ME, headers=bearer(old["token"])), 401)
    new = rotate(client, old["id"], keep["token"])
    assert new.status_code == 201 and new.json["name"] == "old"
    assert client.get(ME, headers=bearer(new.json["token"])).status_code == 200
    assert client.get(ME, headers=bearer(keep["token"])).status_code == 200  # the caller's token is untouched


def test_an_expired_token_cannot_rotate_itself(client, dept, clock):
    old = issue(client, dept, days=1).json
    clock(ISSUED + timedelta(days=1))
    assert_error(rotate(client, old["id"], old["token"]), 401, "Authorization")


def test_a_revoked_token_cannot_rotate(app, client, dept, clock):
    old = issue(client, dept, name="gone").json
    keep = issue(client, dept, name="keep").json
    assert client.delete(f"{TOKENS}/{old['id']}", headers=bearer(keep["token"])).status_code == 204
    # Not with itself...
    assert_error(rotate(client, old["id"], old["token"]), 401, "Authorization")
    # ...nor with another token of the owner.
    body = assert_error(rotate(client, old["id"], keep["token"]), 409, "token_id")
    assert "revoked" in body["message"]
    # A rotated token is revoked too, so it cannot be rotated twice into two live tokens.
    rotated = rotate(client, keep["id"], keep["token"]).json
    assert_error(rotate(client, keep["id"], rotated["token"]), 409, "token_id")
    with app.app_context():
        live = db.session.query(ApiToken).filter(ApiToken.revoked_at.is_(None)).all()
        assert [row.id for row in live] == [rotated["id"]]


def test_a_rotation_stores_no_reply_under_its_idempotency_key(app, client, dept, clock):
    """The reply holds the new token, which is never stored; a retry meets the revoked one."""
    old = issue(client, dept).json
    retry = {**bearer(old["token"]), "Idempotency-Key": "rotate-1"}
    first = client.post(f"{TOKENS}/{old['id']}/rotate", headers=retry)
    assert first.status_code == 201
    new = first.json["token"]
    with app.app_context():
        assert db.session.query(IdempotencyKey).count() == 0
    retry["Authorization"] = f"Bearer {new}"
    assert_error(client.post(f"{TOKENS}/{old['id']}/rotate", headers=retry), 409, "token_id")


@pytest.mark.parametrize("caller", ["mentee", "admin"])
def test_nobody_but_the_owner_rotates_a_token(app, client, dept, clock, caller):
    mine = issue(client, dept, "mentor").json
    theirs = issue(client, dept, caller).json
    assert_error(rotate(client, mine["id"], theirs["token"]), 404, "token_id")
    assert client.get(ME, headers=bearer(mine["token"])).status_code == 200
    with app.app_context():
        assert db.session.query(ApiToken).count() == 2


@pytest.mark.parametrize("token_id", [99999, 0])
def test_an_unknown_token_is_not_found(client, dept, clock, token_id):
    mine = issue(client, dept).json
    assert_error(rotate(client, token_id, mine["token"]), 404)


def test_rotation_needs_a_token(client, dept, clock):
    mine = issue(client, dept).json
    assert_error(client.post(f"{TOKENS}/{mine['id']}/rotate"), 401, "Authorization")
    assert client.get(ME, headers=bearer(mine["token"])).status_code == 200


def test_rotation_and_expiry_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/auth/tokens/{token_id}/rotate"]["post"]
    assert {"201", "401", "404", "409"} <= set(operation["responses"])
    schemas = spec["components"]["schemas"]
    assert "expires_at" in schemas["Token"]["properties"]
    assert "days" in schemas["TokenRequest"]["properties"]
