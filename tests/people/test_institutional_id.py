"""A person's institutional id (what institutional sign-in may match on): set through the
API, the roster page and the roster import (tests/roster/test_institutional_id.py), unique, and shown on the person's page."""

from __future__ import annotations

import pytest

from recognition.extensions import db
from recognition.people.models import Person
from tests.api.error_shape import assert_error

PEOPLE = "/api/v1/people"


def new_person(dept, **overrides) -> dict:
    return {
        "name": "New Person",
        "email": "new.person@test.example.org",
        "division_id": dept.divisions["CARD"],
        "rank": "assistant",
        "position": "clinician_scientist",
        **overrides,
    }


def institutional_id_of(app, person_id: int) -> str | None:
    with app.app_context():
        return db.session.get(Person, person_id).institutional_id


def test_the_api_creates_and_edits_a_person_with_an_institutional_id(app, client, dept, auth):
    created = client.post(PEOPLE, json=new_person(dept, institutional_id="E0012345"), headers=auth("admin"))
    assert created.status_code == 201, created.json
    assert created.json["institutional_id"] == "E0012345"
    person_id = created.json["id"]
    changed = client.patch(f"{PEOPLE}/{person_id}", json={"institutional_id": "E0099999"}, headers=auth("admin"))
    assert changed.status_code == 200, changed.json
    assert institutional_id_of(app, person_id) == "E0099999"
    cleared = client.patch(f"{PEOPLE}/{person_id}", json={"institutional_id": None}, headers=auth("admin"))
    assert cleared.status_code == 200 and cleared.json["institutional_id"] is None
    # Many people may have none.
    other = client.post(PEOPLE, json=new_person(dept, email="other@test.example.org"), headers=auth("admin"))
    assert other.status_code == 201 and other.json["institutional_id"] is None


def test_an_institutional_id_is_unique(app, client, dept, auth):
    assert (
        client.patch(
            f"{PEOPLE}/{dept.ids['mentee']}", json={"institutional_id": "E1"}, headers=auth("admin")
        ).status_code
        == 200
    )
    response = client.post(PEOPLE, json=new_person(dept, institutional_id="E1"), headers=auth("admin"))
    assert assert_error(response, 409, "institutional_id")["errors"]["institutional_id"] == ["must be unique"]
    response = client.patch(f"{PEOPLE}/{dept.ids['mentor']}", json={"institutional_id": "E1"}, headers=auth("admin"))
    assert_error(response, 409, "institutional_id")
    assert institutional_id_of(app, dept.ids["mentor"]) is None


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "Length must be between 1 and 100."),
        ("x" * 101, "Length must be between 1 and 100."),
        (" E1", "must not start or end with a space"),
        (12, "must be a string"),
    ],
)
def test_a_bad_institutional_id_is_refused_naming_the_field(client, dept, auth, value, rule):
    response = client.post(PEOPLE, json=new_person(dept, institutional_id=value), headers=auth("admin"))
    assert rule in assert_error(response, 422, "institutional_id")["errors"]["institutional_id"]


def test_the_person_page_shows_it_and_the_roster_page_sets_it(app, client, dept, login):
    login(client, "admin")
    response = client.post(
        "/admin/people",
        data={
            "new-name": "Page Person",
            "new-email": "page.person@test.example.org",
            "new-institutional_id": "  E-777 ",
            "new-division_id": str(dept.divisions["CARD"]),
            "new-rank": "assistant",
            "new-position": "clinician_teacher",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Institutional id</dt><dd>E-777</dd>" in page
    again = client.post(
        "/admin/people",
        data={
            "new-name": "Second Person",
            "new-email": "second.person@test.example.org",
            "new-institutional_id": "E-777",
            "new-division_id": str(dept.divisions["CARD"]),
            "new-rank": "assistant",
            "new-position": "clinician_teacher",
        },
    )
    assert again.status_code == 409
    assert "Institutional id (optional): must be unique" in again.get_data(as_text=True)
