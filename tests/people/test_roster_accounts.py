"""The roster says whose account is active, disabled, invited or missing, and filters by it,
so an administrator can see who still needs an invitation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from recognition.auth.invitations.models import Invitation
from recognition.auth.models import Account
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.people.models import Person

ROSTER = "/admin/people"


@pytest.fixture
def newcomers(app, dept):
    """Three people without accounts in cardiology: one invited (link working), one whose
    invitation expired, one never invited; and the other mentee's account disabled."""
    now = utcnow()
    with app.app_context():
        added = {}
        for key, name in (("invited", "Ines Invited"), ("expired", "Ezra Expired"), ("never", "Nora Never")):
            person = Person(
                name=name,
                email=f"{key}@test.example.org",
                division_id=dept.divisions["CARD"],
                rank="assistant",
                position="clinician_teacher",
                created_at=now,
            )
            db.session.add(person)
            db.session.flush()
            added[key] = person.id
        for key, expires in (("invited", now + timedelta(days=3)), ("expired", now - timedelta(days=1))):
            db.session.add(
                Invitation(person_id=added[key], invited_by_id=dept.ids["admin"], sent_at=now, expires_at=expires)
            )
        db.session.get(Account, dept.ids["other_mentee"]).disabled = True
        db.session.commit()
    return added


def rows(response) -> dict[str, str]:
    """Name → the Account column, for each row of the roster table."""
    page = response.get_data(as_text=True)
    found = {}
    for row in re.findall(r"<tr>\s*<td><a href=\"/people/\d+\">(.*?)</a></td>(.*?)</tr>", page, re.DOTALL):
        cells = re.findall(r"<td>(.*?)</td>", row[1], re.DOTALL)
        found[row[0]] = cells[-1].strip()
    return found


def test_every_row_says_what_account_the_person_has(app, login, newcomers):
    admin = login(app.test_client(), "admin")
    shown = rows(admin.get(ROSTER))
    assert shown["Ines Invited"] == "Invited"
    assert shown["Ezra Expired"] == "No account"  # the link no longer works
    assert shown["Nora Never"] == "No account"
    assert shown["Other Mentee Person"] == "Disabled"
    assert shown["Mentor Person"] == "Active"


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("invited", {"Ines Invited"}),
        ("none", {"Ezra Expired", "Nora Never"}),
        ("disabled", {"Other Mentee Person"}),
    ],
)
def test_the_filter_keeps_only_that_state(app, login, newcomers, state, expected):
    admin = login(app.test_client(), "admin")
    response = admin.get(ROSTER, query_string={"account": state})
    assert response.status_code == 200
    assert set(rows(response)) == expected


def test_active_accounts_are_everyone_else(app, login, dept, newcomers):
    admin = login(app.test_client(), "admin")
    active = set(rows(admin.get(ROSTER, query_string={"account": "active"})))
    assert "Mentor Person" in active and "Admin Person" in active
    assert not active & {"Ines Invited", "Ezra Expired", "Nora Never", "Other Mentee Person"}


def test_a_director_sees_the_states_of_their_divisions_only(app, login, newcomers):
    director = login(app.test_client(), "director")
    shown = rows(director.get(ROSTER, query_string={"account": "none"}))
    assert shown == {"Ezra Expired": "No account", "Nora Never": "No account"}
    other = login(app.test_client(), "other_director")
    assert rows(other.get(ROSTER, query_string={"account": "none"})) == {}


def test_an_unknown_state_is_refused_and_named(app, login, newcomers):
    admin = login(app.test_client(), "admin")
    response = admin.get(ROSTER, query_string={"account": "sleeping"})
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["mentor", "mentee", "outsider", "award_committee"])
def test_the_roster_stays_closed_to_everyone_else(app, login, newcomers, role):
    assert login(app.test_client(), role).get(ROSTER, query_string={"account": "none"}).status_code == 403
