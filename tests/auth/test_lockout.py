"""Failed sign-ins slow the guesser, not the owner: limits per email and address, per
address and per device cookie, with growing delays, and a device cookie that lets the owner
in whatever a guesser did from anywhere (auth/throttle.py)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from recognition.auth import api as auth_api
from recognition.auth import throttle
from recognition.auth import views as auth_views
from recognition.auth.models import LoginFailure
from recognition.auth.service import authenticate
from recognition.errors import DomainError
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.support.department import PASSWORD

TOKENS = "/api/v1/auth/tokens"
OWNER_ADDRESS = "198.51.100.10"
GUESSER_ADDRESS = "203.0.113.66"
START = datetime(2026, 3, 2, 9, 0)


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    """The time the sign-in page and the token endpoint see, moved by the test."""
    fake = Clock()
    monkeypatch.setattr(auth_views, "utcnow", fake)
    monkeypatch.setattr(auth_api, "utcnow", fake)
    return fake


def browser(app, address):
    """A browser of its own (its own cookies) at ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def page_sign_in(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def api_sign_in(client, email, password):
    return client.post(TOKENS, json={"email": email, "password": password})


def retry_after(response) -> int:
    return int(response.headers["Retry-After"])


def failures(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginFailure))


def guess(client, email, times):
    """``times`` wrong passwords; each is refused, as a 401 or (once throttled) a 429."""
    for number in range(times):
        status = api_sign_in(client, email, f"guess number {number}").status_code
        assert status in (401, 429), status


# The owner is never locked out by someone else --------------------------------------


@pytest.mark.parametrize("role", ["mentor", "admin"])
@pytest.mark.parametrize("guesser_address", [GUESSER_ADDRESS, OWNER_ADDRESS])
def test_the_owner_with_a_device_cookie_signs_in_after_fifty_failures_from_elsewhere(
    app, dept, clock, role, guesser_address
):
    owner = browser(app, OWNER_ADDRESS)
    assert page_sign_in(owner, dept.email(role), PASSWORD).status_code == 302
    assert owner.get_cookie(throttle.DEVICE_COOKIE) is not None
    assert owner.post("/logout").status_code == 302
    guesser = browser(app, guesser_address)
    guess(guesser, dept.email(role), 50)
    assert page_sign_in(guesser, dept.email(role), PASSWORD).status_code == 429  # the guesser is held back
    response = page_sign_in(owner, dept.email(role), PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert api_sign_in(owner, dept.email(role), PASSWORD).status_code == 201


@pytest.mark.parametrize("role", ["mentor", "admin"])
def test_the_owner_without_a_cookie_signs_in_from_their_own_address_after_failures_elsewhere(app, dept, clock, role):
    guesser = browser(app, GUESSER_ADDRESS)
    guess(guesser, dept.email(role), 50)
    assert api_sign_in(guesser, dept.email(role), PASSWORD).status_code == 429
    owner = browser(app, OWNER_ADDRESS)  # a browser that never signed in: no device cookie
    assert page_sign_in(owner, dept.email(role), PASSWORD).status_code == 302
    assert api_sign_in(browser(app, OWNER_ADDRESS), dept.email(role), PASSWORD).status_code == 201


def test_a_success_forgets_only_its_own_addresss_failures(app, dept, clock):
    guesser = browser(app, GUESSER_ADDRESS)
    guess(guesser, dept.email("mentor"), 5)
    assert page_sign_in(browser(app, OWNER_ADDRESS), dept.email("mentor"), PASSWORD).status_code == 302
    assert api_sign_in(browser(app, GUESSER_ADDRESS), dept.email("mentor"), PASSWORD).status_code == 429


# The guesser is slowed, more and more --------------------------------------------------


def test_the_guesser_waits_longer_after_every_further_failure(app, dept, clock):
    guesser = browser(app, GUESSER_ADDRESS)
    email = dept.email("mentor")
    guess(guesser, email, app.config["LOGIN_MAX_FAILURES"])
    waits = []
    for _ in range(6):
        refused = api_sign_in(guesser, email, PASSWORD)
        body = assert_error(refused, 429, "email")
        waits.append(retry_after(refused))
        assert f"Try again in {waits[-1] // 60} minute" in body["message"]
        clock.advance(waits[-1])
        assert_error(api_sign_in(guesser, email, "yet another guess"), 401)
    assert waits == [60, 120, 240, 480, 900, 900]


def test_refused_attempts_are_not_heard_and_do_not_lengthen_the_wait(app, dept, clock):
    guesser = browser(app, GUESSER_ADDRESS)
    guess(guesser, dept.email("mentor"), 5)
    assert failures(app) == 5
    clock.advance(20)
    for _ in range(10):
        refused = api_sign_in(guesser, dept.email("mentor"), "guess")
        assert refused.status_code == 429
        assert retry_after(refused) == 40
    assert failures(app) == 5
    clock.advance(40)
    assert api_sign_in(guesser, dept.email("mentor"), PASSWORD).status_code == 201


def test_the_sign_in_page_says_when_to_try_again(app, dept, clock):
    guesser = browser(app, GUESSER_ADDRESS)
    guess(guesser, dept.email("mentor"), 6 - 1)
    page = page_sign_in(guesser, dept.email("mentor"), PASSWORD)
    assert page.status_code == 429
    assert page.headers["Retry-After"] == "60"
    text = page.get_data(as_text=True)
    assert "Too many failed sign-ins. Try again in 1 minute." in text
    assert 'name="email"' in text  # the form is still there to try again


def test_a_refusal_never_says_whether_the_email_exists(app, dept, clock):
    known, unknown = dept.email("mentor"), "nobody.here@test.example.org"
    answers = {}
    for email, address in ((known, "192.0.2.1"), (unknown, "192.0.2.2")):
        client = browser(app, address)
        wrong = api_sign_in(client, email, "wrong password")
        guess(client, email, 4)
        refused = api_sign_in(client, email, "wrong password")
        answers[email] = [(r.status_code, r.get_json(), r.headers.get("Retry-After")) for r in (wrong, refused)]
    assert answers[known] == answers[unknown]


# Per address: spraying many accounts, or a NAT ------------------------------------------


def test_an_address_spraying_many_emails_is_slowed_but_the_owners_browser_there_is_not(app, dept, clock):
    owner = browser(app, GUESSER_ADDRESS)  # the owner sits behind the same NAT
    assert page_sign_in(owner, dept.email("mentee"), PASSWORD).status_code == 302
    sprayer = browser(app, GUESSER_ADDRESS)
    limit = app.config["LOGIN_ADDRESS_MAX_FAILURES"]
    for number in range(limit):
        email = dept.email("mentor") if number % 4 == 0 else f"someone{number}@test.example.org"
        assert_error(api_sign_in(sprayer, email, "Winter2026!"), 401)
    # Any further attempt from that address without a device cookie waits, even a right password.
    refused = api_sign_in(sprayer, dept.email("other_mentor"), PASSWORD)
    assert_error(refused, 429, "email")
    assert retry_after(refused) == 60
    assert api_sign_in(browser(app, GUESSER_ADDRESS), dept.email("mentee"), PASSWORD).status_code == 429
    # The mentee's own browser there is recognised and let in.
    assert page_sign_in(owner, dept.email("mentee"), PASSWORD).status_code == 302
    # And other addresses are untouched.
    assert api_sign_in(browser(app, OWNER_ADDRESS), dept.email("other_mentor"), PASSWORD).status_code == 201


def test_a_device_cookie_for_one_account_exempts_no_other(app, dept, clock):
    attacker = browser(app, GUESSER_ADDRESS)
    assert page_sign_in(attacker, dept.email("outsider"), PASSWORD).status_code == 302  # their own account
    guess(attacker, dept.email("mentor"), 5)
    assert api_sign_in(attacker, dept.email("mentor"), PASSWORD).status_code == 429


# The device cookie itself ---------------------------------------------------------------


def test_a_device_cookie_has_its_own_limit(app, dept, clock):
    owner = browser(app, OWNER_ADDRESS)
    assert page_sign_in(owner, dept.email("mentor"), PASSWORD).status_code == 302
    stolen = browser(app, GUESSER_ADDRESS)
    stolen.set_cookie(throttle.DEVICE_COOKIE, owner.get_cookie(throttle.DEVICE_COOKIE).value)
    guess(stolen, dept.email("mentor"), app.config["LOGIN_MAX_FAILURES"])
    refused = api_sign_in(stolen, dept.email("mentor"), PASSWORD)
    assert_error(refused, 429, "email")
    assert retry_after(refused) == 60
    # The owner's address was never charged for those, so the owner gets in from there.
    assert api_sign_in(browser(app, OWNER_ADDRESS), dept.email("mentor"), PASSWORD).status_code == 201


@pytest.mark.parametrize("cookie", ["", "garbage", "W1sibWVudG9yQHRlc3QuZXhhbXBsZS5vcmciLCAiYWJjIl1d.forged.sig"])
def test_a_forged_device_cookie_exempts_nothing(app, dept, clock, cookie):
    guesser = browser(app, GUESSER_ADDRESS)
    guesser.set_cookie(throttle.DEVICE_COOKIE, cookie)
    guess(guesser, dept.email("mentor"), 5)
    assert api_sign_in(guesser, dept.email("mentor"), PASSWORD).status_code == 429


def test_a_device_cookie_from_another_app_secret_exempts_nothing(app, make_app, dept, clock):
    other = make_app(SECRET_KEY="someone else's secret")
    minted = browser(other, GUESSER_ADDRESS)
    assert page_sign_in(minted, dept.email("mentor"), PASSWORD).status_code == 302
    guesser = browser(app, GUESSER_ADDRESS)
    guesser.set_cookie(throttle.DEVICE_COOKIE, minted.get_cookie(throttle.DEVICE_COOKIE).value)
    guess(guesser, dept.email("mentor"), 5)
    assert api_sign_in(guesser, dept.email("mentor"), PASSWORD).status_code == 429


def test_an_expired_device_cookie_exempts_nothing(app, dept, clock, monkeypatch):
    owner = browser(app, OWNER_ADDRESS)
    assert page_sign_in(owner, dept.email("mentor"), PASSWORD).status_code == 302
    guess(browser(app, OWNER_ADDRESS), dept.email("mentor"), 5)
    days = app.config["LOGIN_DEVICE_COOKIE_DAYS"]
    later = int(time.time()) + (days + 1) * 86_400  # the cookie's signature carries the wall clock
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    assert api_sign_in(owner, dept.email("mentor"), PASSWORD).status_code == 429


def test_the_device_cookie_is_http_only_and_remembers_several_accounts(app, dept, clock):
    shared = browser(app, OWNER_ADDRESS)
    response = page_sign_in(shared, dept.email("mentor"), PASSWORD)
    header = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith(throttle.DEVICE_COOKIE + "="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Max-Age=" in header
    shared.post("/logout")
    assert page_sign_in(shared, dept.email("mentee"), PASSWORD).status_code == 302
    shared.post("/logout")
    guesser = browser(app, OWNER_ADDRESS)
    guess(guesser, dept.email("mentor"), 30)
    guess(guesser, dept.email("mentee"), 30)
    assert page_sign_in(shared, dept.email("mentor"), PASSWORD).status_code == 302
    shared.post("/logout")
    assert page_sign_in(shared, dept.email("mentee"), PASSWORD).status_code == 302


# Whatever a guesser does, the owner's browser gets in -----------------------------------

ADDRESSES = st.sampled_from([GUESSER_ADDRESS, OWNER_ADDRESS, "192.0.2.9", "2001:db8::1"])
EMAILS = st.sampled_from(["mentor", "admin", "nobody@test.example.org", "MENTOR@test.example.org "])
FAILURES = st.lists(st.tuples(ADDRESSES, EMAILS, st.integers(min_value=0, max_value=1200)), max_size=40)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=FAILURES)
def test_no_sequence_of_failures_elsewhere_stops_the_owners_device_cookie_sign_in(app, dept, sequence):
    owner = browser(app, OWNER_ADDRESS)
    assert page_sign_in(owner, dept.email("mentor"), PASSWORD).status_code == 302
    cookie = owner.get_cookie(throttle.DEVICE_COOKIE).value
    now = START
    with app.app_context():
        for address, who, gap in sequence:
            now += timedelta(seconds=gap)
            email = dept.email(who) if "@" not in who else who
            try:
                authenticate(email, "a wrong guess", address, now)
            except DomainError as error:
                assert error.status in (401, 429)
            db.session.commit()
        person = authenticate(dept.email("mentor"), PASSWORD, OWNER_ADDRESS, now, cookie)
        assert person.id == dept.ids["mentor"]
        db.session.rollback()


def test_the_api_documents_the_wait(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"][TOKENS]["post"]
    refused = operation["responses"]["429"]
    assert "Retry-After" in refused["headers"]
    assert refused["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "device cookie" in operation["summary"] + operation.get("description", "")
