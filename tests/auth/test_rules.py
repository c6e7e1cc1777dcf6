"""The growing delays after failed sign-ins (auth/rules.py), as a table and as properties."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recognition.auth.rules import Delays, minutes_phrase, seconds_until

PAIR = Delays(threshold=5, first=60, longest=900)
AT = datetime(2026, 3, 2, 9, 0)


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(0, 0), (1, 0), (4, 0), (5, 60), (6, 120), (7, 240), (8, 480), (9, 900), (10, 900), (10_000, 900)],
)
def test_the_wait_grows_from_the_threshold_up_to_the_longest(failures, wait):
    assert PAIR.wait_after(failures) == wait


@pytest.mark.parametrize(
    ("delays", "failures", "wait"),
    [
        (Delays(threshold=20, first=60, longest=900), 19, 0),
        (Delays(threshold=20, first=60, longest=900), 20, 60),
        (Delays(threshold=1, first=30, longest=100), 1, 30),
        (Delays(threshold=1, first=30, longest=100), 3, 100),
        (Delays(threshold=0, first=10, longest=10), 0, 0),  # a threshold of 0 behaves as 1
        (Delays(threshold=0, first=10, longest=10), 1, 10),
    ],
)
def test_other_settings(delays, failures, wait):
    assert delays.wait_after(failures) == wait


@pytest.mark.parametrize(
    ("failures", "latest", "expected"),
    [
        (4, AT, None),
        (5, None, None),
        (5, AT, datetime(2026, 3, 2, 9, 1)),
        (9, AT, datetime(2026, 3, 2, 9, 15)),
    ],
)
def test_open_at(failures, latest, expected):
    assert PAIR.open_at(failures, latest) == expected


@pytest.mark.parametrize(
    ("seconds", "phrase"),
    [(1, "1 minute"), (60, "1 minute"), (61, "2 minutes"), (240, "4 minutes"), (900, "15 minutes")],
)
def test_minutes_phrase_rounds_up(seconds, phrase):
    assert minutes_phrase(seconds) == phrase


@pytest.mark.parametrize(
    ("moment", "seconds"),
    [
        (datetime(2026, 3, 2, 9, 1), 60),
        (datetime(2026, 3, 2, 9, 0, 0, 1), 1),
        (datetime(2026, 3, 2, 9, 0, 59, 500_000), 60),
        (AT, 1),
    ],
)
def test_seconds_until_rounds_up_and_is_never_zero(moment, seconds):
    assert seconds_until(moment, AT) == seconds


@given(
    threshold=st.integers(min_value=1, max_value=50),
    first=st.integers(min_value=1, max_value=600),
    extra=st.integers(min_value=0, max_value=3600),
    failures=st.integers(min_value=0, max_value=10_000),
)
def test_more_failures_never_shorten_the_wait_nor_pass_the_longest(threshold, first, extra, failures):
    delays = Delays(threshold=threshold, first=first, longest=first + extra)
    assert delays.wait_after(failures) <= delays.wait_after(failures + 1) <= delays.longest
    assert (delays.wait_after(failures) == 0) == (failures < threshold)
