"""Searching people for "%" or "_" finds names holding those characters, not everyone:
LIKE's wildcards are escaped on the API, the roster page and the mentorships list."""

from __future__ import annotations

import pytest

from recognition.clock import utcnow
from recognition.extensions import db
from recognition.people.models import Person

PEOPLE = "/api/v1/people"


@pytest.fixture
def odd_names(app, dept):
    """Two people whose names hold a LIKE wildcard, and one whose name holds a backslash."""
    with app.app_context():
        added = {}
        for key, name, email in (
            ("percent", "Dana 100% Ready", "dana@test.example.org"),
            ("underscore", "Sam Under_Score", "sam@test.example.org"),
            ("backslash", "Back\\Slash Kim", "kim@test.example.org"),
        ):
            person = Person(
                name=name,
                email=email,
                division_id=dept.divisions["CARD"],
                rank="assistant",
                position="clinician_teacher",
                created_at=utcnow(),
            )
            db.session.add(person)
            db.session.flush()
            added[key] = person.id
        db.session.commit()
    return added


@pytest.mark.parametrize(
    ("query", "expected"),
    [("%", ["percent"]), ("_", ["underscore"]), ("0%", ["percent"]), ("a_y", []), ("\\", ["backslash"])],
)
def test_the_api_search_matches_wildcards_literally(client, auth, odd_names, query, expected):
    response = client.get(PEOPLE, query_string={"q": query, "per_page": 100}, headers=auth("admin"))
    assert response.status_code == 200
    assert {person["id"] for person in response.json["items"]} == {odd_names[key] for key in expected}


def test_the_api_search_still_ignores_case(client, auth, odd_names):
    response = client.get(PEOPLE, query_string={"q": "UNDER_s"}, headers=auth("admin"))
    assert [person["id"] for person in response.json["items"]] == [odd_names["underscore"]]


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [("%", "Dana 100% Ready", "Sam Under_Score"), ("_", "Sam Under_Score", "Dana 100% Ready")],
)
def test_the_roster_search_matches_wildcards_literally(client, login, odd_names, query, shown, hidden):
    login(client, "admin")
    response = client.get("/admin/people", query_string={"q": query})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert shown in page
    assert hidden not in page
    assert "Mentor Person" not in page


def test_the_mentorships_search_matches_wildcards_literally(client, login, dept):
    login(client, "admin")
    everything = client.get("/admin/mentorships").get_data(as_text=True)
    assert "Mentee Person" in everything
    for query in ("%", "_"):
        page = client.get("/admin/mentorships", query_string={"q": query}).get_data(as_text=True)
        assert "Mentee Person" not in page
    underscore = client.get("/admin/mentorships", query_string={"q": "mentee"}).get_data(as_text=True)
    assert "Mentee Person" in underscore
