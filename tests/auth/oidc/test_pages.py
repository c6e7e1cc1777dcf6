"""The sign-in page with and without the university's sign-in, the pages when the
provider cannot be reached, CSRF, and who may use the two routes."""

from __future__ import annotations

import pytest

from tests.auth.oidc.conftest import oidc_config
from tests.support.department import PASSWORD
from tests.support.oidc_provider import free_port

ROLES = [None, "outsider", "mentee", "mentor", "director", "other_director", "admin"]


def test_without_configuration_there_is_no_university_button_and_no_route(client, dept):
    page = client.get("/login").get_data(as_text=True)
    assert "/login/oidc" not in page
    assert 'type="password"' in page
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_half_a_configuration_offers_nothing(make_app, dept):
    client = make_app(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="recognition").test_client()
    assert "/login/oidc" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/oidc").status_code == 404


def test_the_university_link_is_labelled_and_password_sign_in_stays_beside_it(oidc_app, dept):
    page = oidc_app().test_client().get("/login").get_data(as_text=True)
    assert '<a class="button" href="/login/oidc">Sign in with University ID</a>' in page
    assert "Or with your email and password" in page and 'type="password"' in page


def test_a_provider_that_cannot_be_reached_is_a_readable_page(make_app, dept):
    client = make_app(**oidc_config(f"http://127.0.0.1:{free_port()}", OIDC_TIMEOUT_SECONDS=2)).test_client()
    response = client.get("/login/oidc")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    page = response.get_data(as_text=True)
    assert "The university&#39;s sign-in is not available" in page
    assert "You can also sign in with your email and password" in page
    assert client.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD}).status_code == 302
    only_university = make_app(**oidc_config(f"http://127.0.0.1:{free_port()}", PASSWORD_SIGN_IN=False))
    page = only_university.test_client().get("/login/oidc").get_data(as_text=True)
    assert "password" not in page


def test_with_csrf_protection_on_the_whole_sign_in_works(make_app, provider, university, dept):
    """The start is a link (a GET, which changes only this browser's session) and the
    answer is tied to the browser by its state, so CSRF protection stands in the way of neither."""
    client = make_app(WTF_CSRF_ENABLED=True, **oidc_config(provider)).test_client()
    response = client.get(university(client, "mentor"))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/mentoring").status_code == 200


def test_the_address_sent_to_the_provider_carries_pkce_state_and_nonce(oidc_app, provider, dept):
    from urllib.parse import parse_qs, urlsplit

    client = oidc_app().test_client()
    query = parse_qs(urlsplit(client.get("/login/oidc").headers["Location"]).query)
    assert query["client_id"] == ["recognition"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://127.0.0.1:5000/login/oidc/callback"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 43 and len(query["nonce"][0]) >= 43
    assert "openid" in query["scope"][0].split()
    with client.session_transaction() as cookie:
        assert cookie["_oidc_pending"]["state"] == query["state"][0]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_use_the_routes(oidc_app, provider, dept, role, login):
    """Both routes are the way in, so they answer everyone the same: a start goes to the
    provider, and an answer this browser did not start is refused, whoever asks."""
    client = oidc_app().test_client()
    if role:
        login(client, role)
    started = client.get("/login/oidc")
    assert started.status_code == 302 and started.headers["Location"].startswith(provider)
    other = oidc_app().test_client()
    if role:
        login(other, role)
    response = other.get("/login/oidc/callback?code=forged&state=forged")
    assert response.status_code == 400
    assert "was not started in this browser" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"OIDC_MATCH_CLAIM": "name"}, "OIDC_MATCH_CLAIM must be one of email, institutional_id, not 'name'"),
        ({"OIDC_MATCH_CLAIM": "institutional_id", "OIDC_ID_CLAIM": ""}, "OIDC_ID_CLAIM must name the ID-token claim"),
    ],
)
def test_the_app_refuses_to_start_with_a_matching_rule_that_matches_no_one(make_app, settings, message):
    from recognition.config import ConfigurationError

    with pytest.raises(ConfigurationError, match=message):
        make_app(**settings)
