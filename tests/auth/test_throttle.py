"""Failed-login throttling: counted in the database, so it holds across worker processes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from recognition.auth.models import LoginFailure
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.support.department import PASSWORD

TOKENS = "/api/v1/auth/tokens"


def attempt(client, dept, password, role="mentor"):
    return client.post(TOKENS, json={"email": dept.email(role), "password": password})


def fail(client, dept, times=1, role="mentor"):
    for _ in range(times):
        assert_error(attempt(client, dept, "wrong password", role), 401)


def assert_throttled(response):
    body = assert_error(response, 429, "email")
    assert "Too many failed sign-ins" in body["message"]


def test_after_the_limit_even_the_right_password_is_refused(app, client, dept):
    limit = app.config["LOGIN_MAX_FAILURES"]
    fail(client, dept, limit)
    assert_throttled(attempt(client, dept, PASSWORD))
    assert_throttled(attempt(client, dept, "wrong password"))


def test_one_failure_short_of_the_limit_the_right_password_works(app, client, dept):
    fail(client, dept, app.config["LOGIN_MAX_FAILURES"] - 1)
    assert attempt(client, dept, PASSWORD).status_code == 201


def test_a_successful_sign_in_clears_the_count(app, client, dept):
    limit = app.config["LOGIN_MAX_FAILURES"]
    fail(client, dept, limit - 1)
    assert attempt(client, dept, PASSWORD).status_code == 201
    fail(client, dept, limit - 1)
    assert attempt(client, dept, PASSWORD).status_code == 201


def test_the_throttle_is_per_account(app, client, dept):
    fail(client, dept, app.config["LOGIN_MAX_FAILURES"], role="mentor")
    assert_throttled(attempt(client, dept, PASSWORD, role="mentor"))
    assert attempt(client, dept, PASSWORD, role="mentee").status_code == 201


@pytest.mark.parametrize("limit", [1, 3])
def test_the_limit_is_configuration(make_app, dept, limit):
    client = make_app(LOGIN_MAX_FAILURES=limit).test_client()
    fail(client, dept, limit)
    assert_throttled(attempt(client, dept, PASSWORD))


def test_the_limit_holds_across_worker_processes(app, make_app, dept):
    """Two app objects on one database, as two gunicorn workers are: each has its own
    engine and connections, and they share nothing in memory. Failing alternately, neither
    sees the limit on its own; together they reach it, and both refuse."""
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert limit >= 2, "alternating between two workers needs a limit of at least two"
    workers = [app.test_client(), make_app().test_client()]
    for number in range(limit):
        fail(workers[number % 2], dept)
    for worker in workers:
        assert_throttled(attempt(worker, dept, PASSWORD))
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(LoginFailure))
    assert stored == limit


def test_the_sign_in_page_and_the_api_share_one_count(app, client, dept):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for number in range(limit):
        if number % 2:
            fail(client, dept)
        else:
            page = client.post("/login", data={"email": dept.email("mentor"), "password": "wrong password"})
            assert page.status_code == 401
    page = client.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD})
    assert page.status_code == 429
    assert "Too many failed sign-ins" in page.get_data(as_text=True)
    assert_throttled(attempt(client, dept, PASSWORD))
