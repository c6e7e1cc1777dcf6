"""The pure rules of institutional sign-in: which roster key the claims name, and when a
sign-in begun here has expired."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recognition.auth.oidc.rules import ClaimProblem, RosterKey, has_expired, is_verified, roster_key

STARTED = datetime(2026, 3, 8, 6, 59, 30)


@pytest.mark.parametrize(
    ("claims", "match", "id_claim", "expected"),
    [
        ({"email": " Ada@Example.ORG ", "email_verified": True}, "email", "sub", RosterKey("email", "ada@example.org")),
        ({"email": "ada@example.org", "email_verified": "true"}, "email", "sub", RosterKey("email", "ada@example.org")),
        (
            {"sub": "u1", "employee_id": " E-1 "},
            "institutional_id",
            "employee_id",
            RosterKey("institutional_id", "E-1"),
        ),
        ({"sub": "abc"}, "institutional_id", "sub", RosterKey("institutional_id", "abc")),
        ({"employee_id": 12345}, "institutional_id", "employee_id", RosterKey("institutional_id", "12345")),
    ],
)
def test_the_key_the_claims_name(claims, match, id_claim, expected):
    assert roster_key(claims, match, id_claim) == expected


@pytest.mark.parametrize(
    ("claims", "match", "id_claim", "rule"),
    [
        ({}, "email", "sub", "did not send an email address"),
        ({"email": "  "}, "email", "sub", "did not send an email address"),
        ({"email": "ada@example.org"}, "email", "sub", "has not verified the email address ada@example.org"),
        ({"email": "ada@example.org", "email_verified": False}, "email", "sub", "has not verified"),
        ({"email": "ada@example.org", "email_verified": "false"}, "email", "sub", "has not verified"),
        ({"email": "ada@example.org", "email_verified": 1}, "email", "sub", "has not verified"),
        ({"sub": "u1"}, "institutional_id", "employee_id", "did not send an institutional id"),
        ({"employee_id": True}, "institutional_id", "employee_id", "did not send an institutional id"),
        ({"employee_id": ["E1"]}, "institutional_id", "employee_id", "did not send an institutional id"),
    ],
)
def test_claims_that_name_no_one(claims, match, id_claim, rule):
    with pytest.raises(ClaimProblem) as problem:
        roster_key(claims, match, id_claim)
    assert rule in problem.value.rule


def test_an_unknown_match_claim_is_a_configuration_error():
    with pytest.raises(ValueError, match="OIDC_MATCH_CLAIM must be one of email, institutional_id"):
        roster_key({"email": "a@b.org", "email_verified": True}, "name", "sub")


@given(email=st.emails(), verified=st.one_of(st.none(), st.just(False), st.integers(), st.text(max_size=8)))
def test_an_email_not_verified_never_names_anyone(email, verified):
    if isinstance(verified, str) and verified.strip().lower() == "true":
        return
    with pytest.raises(ClaimProblem):
        roster_key({"email": email, "email_verified": verified}, "email", "sub")


@pytest.mark.parametrize(
    ("after", "expired"),
    [
        (timedelta(0), False),
        (timedelta(minutes=9, seconds=59), False),
        (timedelta(minutes=10), False),
        (timedelta(minutes=10, seconds=1), True),
        (timedelta(hours=5), True),
        (timedelta(seconds=-30), False),  # clocks of two workers a little apart
        (timedelta(minutes=-2), True),
    ],
)
def test_when_a_sign_in_has_expired(after, expired):
    assert has_expired(STARTED, STARTED + after, 10) is expired


@given(minutes=st.integers(min_value=1, max_value=120), late=st.integers(min_value=1, max_value=10**7))
def test_a_sign_in_is_never_accepted_after_its_minutes(minutes, late):
    assert has_expired(STARTED, STARTED + timedelta(minutes=minutes, seconds=late), minutes)


def test_is_verified_accepts_only_true():
    assert is_verified(True) and is_verified("TRUE")
    assert not any(is_verified(value) for value in (False, None, 1, "yes", "", "false"))
