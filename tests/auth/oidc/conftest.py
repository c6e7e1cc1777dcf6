"""One real OpenID provider per test process, and the app configured to sign in with it."""

from __future__ import annotations

import pytest

from recognition.auth.oidc import service
from tests.support.oidc_provider import running_provider, university_sign_in

CLIENT_ID, CLIENT_SECRET = "recognition", "recognition-client-secret"
# Another application registered at the same university, with the same return address.
OTHER_CLIENT_ID, OTHER_CLIENT_SECRET = "another-app", "another-app-secret"
BASE_URL = "http://127.0.0.1:5000"  # the tests' BASE_URL (tests/conftest.py)
CALLBACK = BASE_URL + "/login/oidc/callback"
HELP_CONTACT = "the Faculty Affairs office (faculty.affairs@test.example.org)"

# The university's accounts, by username. The email's case differs from the roster's on
# purpose: emails are matched case-insensitively.
ACCOUNTS = {
    "mentor": {"email": "Mentor@Test.Example.org", "email_verified": True, "employee_id": "E-1003"},
    "mentee": {"email": "mentee@test.example.org", "email_verified": True, "employee_id": "E-1004"},
    "admin": {"email": "admin@test.example.org", "email_verified": False, "employee_id": "E-1001"},
    "outsider": {"email": "outsider@test.example.org", "email_verified": True, "employee_id": "E-1008"},
    "newcomer": {"email": "newcomer@test.example.org", "email_verified": True, "employee_id": "E-2001"},
    "stranger": {"email": "stranger@elsewhere.example.org", "email_verified": True, "employee_id": "E-9999"},
}


@pytest.fixture(scope="session")
def provider():
    """The issuer URL of a running oidc-provider that knows both applications."""
    clients = [
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]},
        {"client_id": OTHER_CLIENT_ID, "client_secret": OTHER_CLIENT_SECRET, "redirect_uris": [CALLBACK]},
    ]
    with running_provider(clients, ACCOUNTS) as issuer:
        yield issuer
    service.forget_provider()


def oidc_config(issuer: str, **overrides) -> dict:
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_BUTTON_LABEL": "Sign in with University ID",
        "OIDC_HELP_CONTACT": HELP_CONTACT,
        **overrides,
    }


@pytest.fixture
def oidc_app(make_app, provider, dept):
    """``oidc_app(**config)``: the app on the test's department, signing in with the provider."""
    return lambda **overrides: make_app(**oidc_config(provider, **overrides))


@pytest.fixture
def university():
    """``university(client, username, next=None)``: follow the university link, sign in at
    the provider as ``username``, and return where the provider sends the browser back
    (the callback's path and query, for ``client.get``). ``rewrite`` changes the address
    the app sends the browser to first."""

    def run(client, username: str, next: str | None = None, rewrite=None) -> str:
        started = client.get("/login/oidc", query_string={"next": next} if next else {})
        assert started.status_code == 302, started.get_data(as_text=True)
        authorize = started.headers["Location"]
        return university_sign_in(rewrite(authorize) if rewrite else authorize, username, CALLBACK)

    return run
