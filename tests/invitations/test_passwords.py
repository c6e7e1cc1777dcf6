"""The password rules: long enough, not too long, not common, not the person's own name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recognition.auth import passwords
from recognition.auth.passwords import COMMON, PERSONAL, TOO_LONG, TOO_SHORT, broken_rules, check_password_rules
from recognition.demo.builder import DEMO_PASSWORD
from recognition.errors import DomainError
from tests.support.department import PASSWORD, PEOPLE

COMMON_LIST = sorted(passwords.common_passwords())
LONG_COMMON = [word for word in COMMON_LIST if len(word) >= passwords.MIN_LENGTH]


def test_the_shipped_list_is_the_well_kept_one():
    assert len(COMMON_LIST) > 19_000
    assert {"password", "123456", "qwerty", "iloveyou"} <= set(COMMON_LIST)
    assert LONG_COMMON, "the list holds long passwords too, which the length rule alone would let through"


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("", [TOO_SHORT]),
        ("a" * 11, [TOO_SHORT]),
        ("tunnel vision", []),
        ("a" * 1024, []),
        ("a" * 1025, [TOO_LONG]),
        ("ilovemyfamily", [COMMON]),
        ("ILoveMyFamily", [COMMON]),
        ("  cookiemonster ", [COMMON]),
        ("1234567890qwertyuiop", [COMMON]),
    ],
)
def test_the_rules(password, broken):
    assert broken_rules(password) == broken


@pytest.mark.parametrize(
    "password",
    ["Nadia Newcomer 2026", "newcomer-newcomer", "my nadia.newcomer pw", "NEWCOMER!!seaside"],
)
def test_the_persons_own_name_or_email_is_refused(password):
    assert broken_rules(password, "Nadia Newcomer", "nadia.newcomer@test.example.org") == [PERSONAL]


def test_a_short_name_part_does_not_rule_out_everything():
    assert broken_rules("an ocean of lights", "Al Li", "al@test.example.org") == []


def test_the_test_and_demo_passwords_pass():
    for role, (email, _) in PEOPLE.items():
        assert broken_rules(PASSWORD, role.replace("_", " ").title() + " Person", email) == []
    assert broken_rules(DEMO_PASSWORD) == []


def test_a_refusal_names_the_field_and_every_rule_broken():
    with pytest.raises(DomainError) as refused:
        check_password_rules("Nadia" + "seaside42x", "Nadia Newcomer", "nadia@test.example.org", field="password")
    assert refused.value.errors == {"password": [PERSONAL]}
    with pytest.raises(DomainError) as refused:
        check_password_rules("short")
    assert refused.value.errors == {"password": [TOO_SHORT]}
    assert "at least 12 characters" in refused.value.message


def _any_case(word: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c for c, flip in zip(word, flips + [False] * len(word)))


@given(st.sampled_from(COMMON_LIST), st.lists(st.booleans(), max_size=40))
def test_every_password_on_the_list_is_refused_in_any_case(word, flips):
    assert broken_rules(_any_case(word, flips))


@given(st.sampled_from(LONG_COMMON), st.lists(st.booleans(), max_size=40))
def test_every_long_password_on_the_list_is_refused_as_common(word, flips):
    assert COMMON in broken_rules(_any_case(word, flips))


@given(st.one_of(st.text(max_size=40), st.sampled_from(LONG_COMMON), st.text(min_size=1000, max_size=1100)))
def test_every_accepted_password_is_long_enough_and_off_the_list(password):
    if not broken_rules(password):
        assert passwords.MIN_LENGTH <= len(password) <= passwords.MAX_LENGTH
        assert password.strip().casefold() not in passwords.common_passwords()
