"""Names become email addresses: folded to ASCII, never colliding."""

from __future__ import annotations

import random

import pytest

from recognition.demo import names
from recognition.demo.department import _Namer


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("Zoë", "zoe"),
        ("Ångström", "angstrom"),
        ("Núñez", "nunez"),
        ("Nguyễn", "nguyen"),
        ("Hạnh", "hanh"),
        ("O'Connor", "oconnor"),
        ("Siobhán", "siobhan"),
        ("Þóra", "thora"),
        ("Sigurðardóttir", "sigurdardottir"),
        ("Østergaard", "ostergaard"),
        ("Wiśniewska", "wisniewska"),
        ("Yılmaz", "yilmaz"),
        ("Van der Berg", "vanderberg"),
        ("Jean-Philippe", "jean-philippe"),
        ("Maria Clara", "mariaclara"),
    ],
)
def test_email_part_folds_to_ascii(name, part):
    assert names.email_part(name) == part


def test_emails_are_numbered_when_names_repeat():
    namer = _Namer(random.Random(1))
    emails = [namer.email("José", "Núñez") for _ in range(3)]
    assert emails == ["jose.nunez@demo.example.org", "jose.nunez2@demo.example.org", "jose.nunez3@demo.example.org"]


def test_every_name_group_can_name_anyone():
    for group in names.GROUPS:
        assert group.female and group.male and group.family
        assert not group.family_first or (group.middle_female and group.middle_male)
        assert group.race in names.RACE_LABELS
