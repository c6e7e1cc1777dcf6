"""When a password link is refused: a table of the pure rule."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from recognition.auth.invitations import rules

MADE = datetime(2026, 3, 1, 12, 0, 0)
DAY = timedelta(days=1)
STATE = rules.fingerprint("$argon2id$v=19$m=1024,t=1,p=1$one")


@pytest.mark.parametrize(
    ("fingerprint_now", "disabled", "age", "lifetime", "refused"),
    [
        (STATE, False, timedelta(0), 14 * DAY, None),
        (STATE, False, 14 * DAY, 14 * DAY, None),  # the last second still works
        (STATE, False, 14 * DAY + timedelta(seconds=1), 14 * DAY, rules.EXPIRED),
        (STATE, False, timedelta(hours=2, seconds=1), timedelta(hours=2), rules.EXPIRED),
        (rules.fingerprint("$argon2id$v=19$m=1024,t=1,p=1$two"), False, timedelta(0), 14 * DAY, rules.USED),
        (rules.fingerprint(None), False, timedelta(0), 14 * DAY, rules.USED),
        (STATE, True, timedelta(0), 14 * DAY, rules.DISABLED),
        # expiry is said first: asking for a new link is the next step either way
        (rules.fingerprint("other"), False, 20 * DAY, 14 * DAY, rules.EXPIRED),
    ],
)
def test_refusal(fingerprint_now, disabled, age, lifetime, refused):
    claim = rules.Claim(7, "invitation", STATE, MADE)
    assert rules.refusal(claim, fingerprint_now, disabled, MADE + age, lifetime) == refused


def test_no_account_and_every_password_hash_have_different_fingerprints():
    assert rules.fingerprint(None) == rules.fingerprint(None)
    assert rules.fingerprint(None) != rules.fingerprint("x")
    assert rules.fingerprint("x") != rules.fingerprint("y")


def test_a_claim_survives_its_payload():
    claim = rules.Claim(7, "reset", STATE, MADE)
    assert rules.Claim.from_payload(claim.payload()) == claim


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "x",
        {},
        {"p": "7", "u": "reset", "f": STATE, "t": 1},
        {"p": 7, "u": "admin", "f": STATE, "t": 1},
        {"p": 7, "u": "reset", "f": 1, "t": 1},
        {"p": 7, "u": "reset", "f": STATE, "t": "1"},
        {"p": 7, "u": "reset", "f": STATE, "t": True},
    ],
)
def test_a_payload_this_app_does_not_make_is_no_claim(payload):
    assert rules.Claim.from_payload(payload) is None
