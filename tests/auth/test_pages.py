"""Signing in and out on the pages: redirects, cookies, CSRF, and the security headers."""

from __future__ import annotations

import re

import pytest

from tests.support.department import PASSWORD

SIGN_IN_FAILED = "The email or password is not right."


def sign_in(client, dept, role="outsider", password=PASSWORD, next_url=None, **kwargs):
    query = {"next": next_url} if next_url is not None else {}
    return client.post("/login", query_string=query, data={"email": dept.email(role), "password": password}, **kwargs)


def session_cookie(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def test_the_sign_in_page_shows_the_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page


def test_a_good_sign_in_goes_home(client, dept):
    response = sign_in(client, dept)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Outsider Person" in home.get_data(as_text=True)


def test_a_bad_sign_in_says_so_and_signs_no_one_in(client, dept):
    response = sign_in(client, dept, password="wrong password")
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert SIGN_IN_FAILED in page and 'name="email"' in page
    assert client.get("/").status_code == 302  # still signed out: sent to /login


@pytest.mark.parametrize(
    ("email", "password"),
    [("", PASSWORD), ("outsider@test.example.org", ""), ("not an email", PASSWORD)],
)
def test_an_incomplete_form_is_re_rendered(client, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 422
    assert 'name="email"' in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_unknown_email_reads_like_a_wrong_password(client, dept):
    response = client.post("/login", data={"email": "nobody@test.example.org", "password": "wrong password"})
    assert response.status_code == 401
    assert SIGN_IN_FAILED in response.get_data(as_text=True)


def test_next_returns_to_the_page_asked_for(client, dept):
    response = sign_in(client, dept, next_url="/people/3?tab=mentors")
    assert response.headers["Location"] == "/people/3?tab=mentors"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/login",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "///evil.example",
    ],
)
def test_next_never_leaves_the_site(client, dept, target):
    response = sign_in(client, dept, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\\evil.example", "/\t/evil.example"])
def test_next_with_characters_browsers_rewrite_stays_a_local_path(client, dept, target):
    """Browsers read '/\\host' and '/<tab>/host' as '//host'. Whatever the app does with
    them, the Location it sends must not be read as another host."""
    location = sign_in(client, dept, next_url=target).headers["Location"]
    assert location.startswith("/") and not location.startswith("//")
    assert "\\" not in location and "\t" not in location


def test_the_session_cookie_is_httponly_and_samesite_lax(client, dept):
    cookie = session_cookie(sign_in(client, dept))
    attributes = [part.strip() for part in cookie.split(";")]
    assert "HttpOnly" in attributes
    assert "SameSite=Lax" in attributes
    assert "Secure" not in attributes  # plain http (a developer's machine): a Secure cookie would never come back


def test_the_session_cookie_is_secure_over_https(client, dept):
    response = sign_in(client, dept, base_url="https://localhost")
    attributes = [part.strip() for part in session_cookie(response).split(";")]
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= set(attributes)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_sign_out_needs_a_post(client, dept):
    sign_in(client, dept)
    response = client.get("/logout")
    assert response.status_code == 405
    assert client.get("/").status_code == 200  # a link or an <img> cannot sign anyone out

    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].startswith("/login")


# --- security headers ---------------------------------------------------------------------


def assert_security_headers(response) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("method", "url", "role", "status"),
    [
        ("get", "/login", None, 200),
        ("post", "/login", None, 422),
        ("get", "/", None, 302),
        ("get", "/no-such-page", None, 404),
        ("get", "/healthz", None, 200),
        ("get", "/api/v1/openapi.json", None, 200),
        ("get", "/api/v1/auth/me", "mentor", 200),
        ("get", "/api/v1/people", None, 401),
        ("get", "/api/v1/people/99999", "admin", 404),
        ("post", "/api/v1/auth/tokens", None, 422),
    ],
)
def test_every_response_carries_the_security_headers(client, auth, method, url, role, status):
    response = getattr(client, method)(url, headers=auth(role))
    assert response.status_code == status
    assert_security_headers(response)


def test_signed_in_pages_and_api_answers_are_not_cached(client, dept, auth):
    sign_in(client, dept)
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/auth/me", headers=auth("mentor")).headers["Cache-Control"] == "no-store"


# --- CSRF -------------------------------------------------------------------------------


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def test_sign_in_without_a_csrf_token_is_refused(csrf_client, dept):
    response = sign_in(csrf_client, dept)
    assert response.status_code == 400
    assert csrf_client.get("/").status_code == 302  # not signed in


def test_sign_in_with_the_forms_csrf_token_works(csrf_client, dept):
    token = csrf_token(csrf_client.get("/login").get_data(as_text=True))
    response = csrf_client.post(
        "/login", data={"email": dept.email("outsider"), "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_sign_out_without_a_csrf_token_is_refused(csrf_client, dept):
    token = csrf_token(csrf_client.get("/login").get_data(as_text=True))
    csrf_client.post("/login", data={"email": dept.email("outsider"), "password": PASSWORD, "csrf_token": token})
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.get("/").status_code == 200  # still signed in


def test_the_token_api_needs_no_csrf_token(csrf_client, dept):
    """The API authenticates with bearer tokens, never cookies: CSRF does not apply."""
    response = csrf_client.post("/api/v1/auth/tokens", json={"email": dept.email("mentor"), "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
