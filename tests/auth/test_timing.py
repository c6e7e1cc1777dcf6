"""A sign-in with an unknown email costs what one with a known email costs, measured with
the production argon2 parameters (the rest of the suite makes hashing cheap)."""

from __future__ import annotations

import statistics
import time

import pytest
from sqlalchemy import update

from recognition.auth.models import Account
from recognition.auth.service import dummy_hash, hash_password
from recognition.config import Defaults
from recognition.extensions import db
from tests.support.department import PASSWORD

ROUNDS = 7
# Generous for a shared machine; the gap this guards against was 20–90 times.
LOW, HIGH = 0.7, 1.4


@pytest.fixture
def real_app(make_app, dept):
    """The app with the default (production) argon2 parameters and limits high enough that
    the measurement is never throttled; the accounts timed have passwords hashed with those
    parameters (the department was built with cheap ones), and one of them is disabled."""
    built = make_app(
        ARGON2_TIME_COST=Defaults.ARGON2_TIME_COST,
        ARGON2_MEMORY_COST_KIB=Defaults.ARGON2_MEMORY_COST_KIB,
        ARGON2_PARALLELISM=Defaults.ARGON2_PARALLELISM,
        LOGIN_MAX_FAILURES=10_000,
        LOGIN_ADDRESS_MAX_FAILURES=10_000,
    )
    with built.app_context():
        strong = hash_password(PASSWORD)
        timed_ids = [dept.ids[role] for role in ("mentor", "mentee", "other_mentee")]
        db.session.execute(update(Account).where(Account.person_id.in_(timed_ids)).values(password_hash=strong))
        db.session.execute(update(Account).where(Account.person_id == dept.ids["other_mentee"]).values(disabled=True))
        db.session.commit()
    return built


def timed(post) -> float:
    started = time.perf_counter()
    response = post()
    elapsed = time.perf_counter() - started
    assert response.status_code == 401, response.get_data(as_text=True)[:300]
    return elapsed


def medians(attempts: dict) -> dict[str, float]:
    """Each kind of attempt ``ROUNDS`` times, interleaved so load on the machine hits all
    kinds alike; the median of each (after one warm-up round)."""
    times: dict[str, list[float]] = {name: [] for name in attempts}
    for number in range(ROUNDS + 1):
        for name, post in attempts.items():
            elapsed = timed(post)
            if number:
                times[name].append(elapsed)
    return {name: statistics.median(values) for name, values in times.items()}


def assert_alike(found: dict[str, float]) -> None:
    reference = found["known"]
    for name, median in found.items():
        assert LOW <= median / reference <= HIGH, (name, found)


def test_the_token_endpoint_takes_as_long_for_unknown_and_disabled_emails(real_app, dept):
    client = real_app.test_client()

    def post(email):
        return lambda: client.post("/api/v1/auth/tokens", json={"email": email, "password": "not the password"})

    found = medians(
        {
            "known": post(dept.email("mentor")),
            "unknown": post("nobody.at.all@test.example.org"),
            "disabled": post(dept.email("other_mentee")),
        }
    )
    assert found["known"] > 0.005, found  # real parameters: a verification is not free
    assert_alike(found)


def test_the_sign_in_page_takes_as_long_for_unknown_emails(real_app, dept):
    client = real_app.test_client()

    def post(email):
        return lambda: client.post("/login", data={"email": email, "password": "not the password"})

    assert_alike(medians({"known": post(dept.email("mentee")), "unknown": post("nobody.at.all@test.example.org")}))


def test_the_dummy_hash_follows_the_current_parameters(real_app):
    with real_app.app_context():
        strong = dummy_hash()
        assert f"m={Defaults.ARGON2_MEMORY_COST_KIB},t={Defaults.ARGON2_TIME_COST}" in strong
        assert dummy_hash() is strong  # made once
        real_app.config["ARGON2_TIME_COST"] = 1
        assert ",t=1," in dummy_hash()
