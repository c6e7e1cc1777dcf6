"""/api/v1/people and /api/v1/divisions: who sees whom, roster changes, and divisions.

The test department (tests/support/department.py): CARD holds admin, director, mentor and
mentee; NEPH holds other_director, other_mentor, other_mentee, outsider and the two
committee members. mentor→mentee and other_mentor→other_mentee are formal mentorships.
"""

from __future__ import annotations

import pytest

from recognition.extensions import db
from recognition.people.models import Person
from tests.api.error_shape import assert_error

PEOPLE = "/api/v1/people"
DIVISIONS = "/api/v1/divisions"
# What anyone may read about a person. Self-identified gender and race are never returned.
PERSON_KEYS = {
    "id",
    "name",
    "email",
    "institutional_id",
    "division_id",
    "rank",
    "position",
    "appointed_on",
    "trained_here",
    "supervisor_id",
}
CARD = ["admin", "director", "mentor", "mentee"]
NEPH = ["other_director", "other_mentor", "other_mentee", "outsider", "award_committee", "promotion_committee"]


def assert_person_json(person: dict) -> None:
    assert set(person) == PERSON_KEYS, sorted(person)
    assert "gender" not in person and "race" not in person


def new_person(dept, division="CARD", **overrides) -> dict:
    return {
        "name": "New Person",
        "email": "new.person@test.example.org",
        "division_id": dept.divisions[division] if division else None,
        "rank": "assistant",
        "position": "clinician_scientist",
        "appointed_on": "2025-07-01",
        **overrides,
    }


def stored(app, person_id: int) -> Person:
    with app.app_context():
        person = db.session.get(Person, person_id)
        db.session.expunge(person)
        return person


# --- who sees whom ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("admin", CARD + NEPH),
        ("director", CARD),
        ("other_director", NEPH),
        ("mentor", ["mentor", "mentee"]),
        ("mentee", ["mentee", "mentor"]),
        ("other_mentee", ["other_mentee", "other_mentor"]),
        ("outsider", ["outsider"]),
    ],
)
def test_who_sees_whom(client, dept, auth, role, visible):
    response = client.get(PEOPLE, query_string={"per_page": 100}, headers=auth(role))
    assert response.status_code == 200
    assert {person["id"] for person in response.json["items"]} == {dept.ids[name] for name in visible}
    assert response.json["meta"]["total"] == len(visible)
    for person in response.json["items"]:
        assert_person_json(person)


def test_listing_people_needs_a_token(client):
    assert_error(client.get(PEOPLE), 401, "Authorization")


@pytest.mark.parametrize(
    ("viewer", "target", "status"),
    [
        ("mentor", "mentee", 200),
        ("mentee", "mentor", 200),
        ("director", "mentee", 200),
        ("admin", "outsider", 200),
        ("outsider", "outsider", 200),
        ("outsider", "mentor", 404),
        ("mentor", "other_mentee", 404),
        ("mentee", "director", 404),
        ("director", "outsider", 404),
        ("other_director", "mentee", 404),
    ],
)
def test_get_a_person_only_when_visible(client, dept, auth, viewer, target, status):
    response = client.get(f"{PEOPLE}/{dept.ids[target]}", headers=auth(viewer))
    if status == 200:
        assert response.status_code == 200
        assert response.json["id"] == dept.ids[target]
        assert_person_json(response.json)
    else:
        # Not 403: an invisible person is indistinguishable from no person at all.
        assert_error(response, 404)


def test_unknown_person_is_not_found(client, auth):
    assert_error(client.get(f"{PEOPLE}/99999", headers=auth("admin")), 404)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"division_id": "NEPH"}, NEPH),
        ({"rank": "associate"}, ["director", "mentor", "other_director", "other_mentor"]),
        ({"q": "mentee"}, ["mentee", "other_mentee"]),
        ({"q": "OTHER.MENTOR@"}, ["other_mentor"]),
        ({"position": "clinician_scientist"}, []),
    ],
)
def test_list_filters(client, dept, auth, query, expected):
    if "division_id" in query:
        query = {"division_id": dept.divisions[query["division_id"]]}
    response = client.get(PEOPLE, query_string={**query, "per_page": 100}, headers=auth("admin"))
    assert response.status_code == 200
    assert {person["id"] for person in response.json["items"]} == {dept.ids[name] for name in expected}


def test_list_is_sorted_by_name_and_paged(client, auth):
    everyone = client.get(PEOPLE, query_string={"per_page": 100}, headers=auth("admin")).json["items"]
    names = [person["name"] for person in everyone]
    assert names == sorted(names)
    pages = [
        client.get(PEOPLE, query_string={"per_page": 4, "page": page}, headers=auth("admin")).json for page in (1, 2, 3)
    ]
    assert [page["meta"]["pages"] for page in pages] == [3, 3, 3]
    assert [person["name"] for page in pages for person in page["items"]] == names


@pytest.mark.parametrize(
    ("query", "field"),
    [({"rank": "emeritus"}, "rank"), ({"position": "surgeon"}, "position"), ({"q": ""}, "q"), ({"page": -1}, "page")],
)
def test_bad_list_query_names_the_parameter(client, auth, query, field):
    assert_error(client.get(PEOPLE, query_string=query, headers=auth("admin")), 422, field)


# --- create -------------------------------------------------------------------------------


def test_admin_adds_a_person(app, client, dept, auth, rows):
    before = rows()
    body = new_person(
        dept,
        "NEPH",
        name="  Ada Lovelace ",
        email="Ada.Lovelace@Test.Example.org",
        supervisor_id=dept.ids["other_director"],
        trained_here=True,
    )
    response = client.post(PEOPLE, json=body, headers=auth("admin"))
    assert response.status_code == 201, response.json
    person = response.json
    assert_person_json(person)
    assert person["name"] == "Ada Lovelace"
    assert person["email"] == "ada.lovelace@test.example.org"
    assert person["division_id"] == dept.divisions["NEPH"]
    assert person["supervisor_id"] == dept.ids["other_director"]
    assert person["trained_here"] is True and person["appointed_on"] == "2025-07-01"
    assert rows() == (before[0] + 1, before[1])
    assert client.get(f"{PEOPLE}/{person['id']}", headers=auth("admin")).json == person


@pytest.mark.parametrize(
    ("role", "division", "status"),
    [
        ("admin", "CARD", 201),
        ("admin", None, 201),
        ("director", "CARD", 201),
        ("director", "NEPH", 403),
        ("director", None, 403),
        ("other_director", "CARD", 403),
        ("mentor", "CARD", 403),
        ("outsider", "NEPH", 403),
        (None, "CARD", 401),
    ],
)
def test_who_may_add_people_where(client, dept, auth, rows, role, division, status):
    before = rows()
    response = client.post(PEOPLE, json=new_person(dept, division), headers=auth(role))
    if status == 201:
        assert response.status_code == 201, response.json
        assert rows()[0] == before[0] + 1
    else:
        assert_error(response, status)
        assert rows() == before


@pytest.mark.parametrize("email", ["mentee@test.example.org", "MENTEE@Test.Example.org"])
def test_duplicate_email_is_a_conflict(client, dept, auth, rows, email):
    before = rows()
    response = client.post(PEOPLE, json=new_person(dept, email=email), headers=auth("admin"))
    assert assert_error(response, 409, "email")["errors"]["email"] == ["must be unique"]
    assert rows() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rank": "professor"}, "rank"),
        ({"rank": None}, "rank"),
        ({"position": "surgeon"}, "position"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@" + "b" * 250 + ".org"}, "email"),
        ({"appointed_on": "2025-13-01"}, "appointed_on"),
        ({"appointed_on": "yesterday"}, "appointed_on"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"trained_here": "sometimes"}, "trained_here"),
        ({"gender": "x" * 61}, "gender"),
        ({"division_id": 99_999}, "division_id"),
        ({"supervisor_id": 99_999}, "supervisor_id"),
        ({"division_id": "CARD"}, "division_id"),
        ({"id": 5}, "id"),
        ({"nickname": "Ace"}, "nickname"),
    ],
)
def test_bad_person_names_the_field_and_adds_no_one(client, dept, auth, rows, overrides, field):
    before = rows()
    response = client.post(PEOPLE, json=new_person(dept, **overrides), headers=auth("admin"))
    assert_error(response, 422, field)
    assert rows() == before


@pytest.mark.parametrize("field", ["name", "email", "rank", "position"])
def test_required_fields_are_named(client, dept, auth, rows, field):
    before = rows()
    body = new_person(dept)
    del body[field]
    assert_error(client.post(PEOPLE, json=body, headers=auth("admin")), 422, field)
    assert rows() == before


# --- change -------------------------------------------------------------------------------


def patch(client, headers, person_id, **body):
    return client.patch(f"{PEOPLE}/{person_id}", json=body, headers=headers)


def test_admin_changes_a_record(app, client, dept, auth):
    response = patch(client, auth("admin"), dept.ids["mentee"], rank="associate", supervisor_id=dept.ids["director"])
    assert response.status_code == 200, response.json
    assert_person_json(response.json)
    assert response.json["rank"] == "associate"
    assert response.json["supervisor_id"] == dept.ids["director"]
    # Fields not sent are left alone.
    assert response.json["email"] == "mentee@test.example.org"
    assert stored(app, dept.ids["mentee"]).rank == "associate"


@pytest.mark.parametrize(
    ("role", "target", "body", "status"),
    [
        ("director", "mentee", {"rank": "associate"}, 200),
        ("director", "mentee", {"division_id": "CARD"}, 200),
        ("director", "mentee", {"division_id": "NEPH"}, 403),
        ("director", "outsider", {"rank": "associate"}, 404),
        ("admin", "mentee", {"division_id": "NEPH"}, 200),
        ("mentor", "mentee", {"rank": "associate"}, 403),
        ("mentor", "mentor", {"rank": "full"}, 403),
        ("outsider", "outsider", {"name": "Me"}, 403),
        (None, "mentee", {"rank": "associate"}, 401),
    ],
)
def test_who_may_change_whom(app, client, dept, auth, role, target, body, status):
    if "division_id" in body:
        body = {"division_id": dept.divisions[body["division_id"]]}
    before = stored(app, dept.ids[target])
    response = patch(client, auth(role), dept.ids[target], **body)
    if status == 200:
        assert response.status_code == 200, response.json
        assert all(response.json[key] == value for key, value in body.items())
    else:
        assert_error(response, status)
        after = stored(app, dept.ids[target])
        assert (after.rank, after.name, after.division_id) == (before.rank, before.name, before.division_id)


def test_changing_email_to_someone_elses_is_a_conflict(app, client, dept, auth):
    response = patch(client, auth("admin"), dept.ids["mentee"], email="MENTOR@test.example.org")
    assert_error(response, 409, "email")
    assert stored(app, dept.ids["mentee"]).email == "mentee@test.example.org"
    # Sending one's own email back is not a clash.
    same = patch(client, auth("admin"), dept.ids["mentee"], email="Mentee@test.example.org")
    assert same.status_code == 200, same.json


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"supervisor_id": "SELF"}, "supervisor_id"),
        ({"supervisor_id": 99_999}, "supervisor_id"),
        ({"division_id": 99_999}, "division_id"),
        ({"rank": "emeritus"}, "rank"),
        ({"email": None}, "email"),
        ({"name": "  "}, "name"),
        ({"appointed_on": "2025-02-29"}, "appointed_on"),
    ],
)
def test_bad_change_names_the_field_and_changes_nothing(app, client, dept, auth, body, field):
    if body.get("supervisor_id") == "SELF":
        body = {"supervisor_id": dept.ids["mentee"]}
    before = stored(app, dept.ids["mentee"])
    assert_error(patch(client, auth("admin"), dept.ids["mentee"], **body), 422, field)
    after = stored(app, dept.ids["mentee"])
    columns = ("name", "email", "rank", "division_id", "supervisor_id", "appointed_on")
    assert [getattr(after, c) for c in columns] == [getattr(before, c) for c in columns]


def test_changing_an_unknown_person_is_not_found(client, auth):
    assert_error(patch(client, auth("admin"), 99_999, rank="full"), 404)


# --- self-identified gender and race ------------------------------------------------------


def test_gender_and_race_are_stored_but_never_returned(app, client, dept, auth):
    body = new_person(dept, gender=" Woman ", race="Black; Indigenous")
    created = client.post(PEOPLE, json=body, headers=auth("admin"))
    assert created.status_code == 201, created.json
    assert_person_json(created.json)
    person_id = created.json["id"]
    person = stored(app, person_id)
    assert (person.gender, person.race) == ("Woman", "Black; Indigenous")

    changed = patch(client, auth("admin"), person_id, gender="Non-binary", race="   ")
    assert changed.status_code == 200
    assert_person_json(changed.json)
    person = stored(app, person_id)
    assert (person.gender, person.race) == ("Non-binary", None)

    # Every way a person is read: one, a page, as each role that can see them.
    assert_person_json(client.get(f"{PEOPLE}/{person_id}", headers=auth("admin")).json)
    for role in ("admin", "director"):
        items = client.get(PEOPLE, query_string={"per_page": 100}, headers=auth(role)).json["items"]
        assert person_id in {item["id"] for item in items}
        for item in items:
            assert_person_json(item)
    # And nowhere in the document of the API: a client cannot even ask for them.
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    for name, schema in schemas.items():
        for key in ("gender", "race"):
            if key in schema.get("properties", {}):
                assert schema["properties"][key].get("writeOnly") is True, (name, key)


def test_mentorships_name_people_without_their_identity(client, dept, auth):
    body = client.get(f"/api/v1/mentorships/{dept.mentorship_id}", headers=auth("admin")).json
    assert set(body["mentor"]) == {"id", "name"} and set(body["mentee"]) == {"id", "name"}


# --- divisions ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "director", "mentee", "outsider"])
def test_everyone_signed_in_lists_the_divisions(client, dept, auth, role):
    response = client.get(DIVISIONS, headers=auth(role))
    assert response.status_code == 200
    assert response.json == [
        {"id": dept.divisions["CARD"], "name": "Cardiology", "code": "CARD", "director_ids": [dept.ids["director"]]},
        {
            "id": dept.divisions["NEPH"],
            "name": "Nephrology",
            "code": "NEPH",
            "director_ids": [dept.ids["other_director"]],
        },
    ]


def test_divisions_need_a_token(client):
    assert_error(client.get(DIVISIONS), 401)


def test_get_one_division(client, dept, auth):
    response = client.get(f"{DIVISIONS}/{dept.divisions['NEPH']}", headers=auth("mentee"))
    assert response.status_code == 200 and response.json["code"] == "NEPH"
    assert_error(client.get(f"{DIVISIONS}/99999", headers=auth("admin")), 404)


def test_admin_adds_a_division(client, auth, rows):
    before = rows()
    response = client.post(DIVISIONS, json={"name": " Geriatrics ", "code": "GERI"}, headers=auth("admin"))
    assert response.status_code == 201, response.json
    assert response.json["name"] == "Geriatrics" and response.json["director_ids"] == []
    assert rows() == (before[0], before[1] + 1)


@pytest.mark.parametrize(
    ("role", "body", "status", "fields"),
    [
        ("director", {"name": "Geriatrics", "code": "GERI"}, 403, []),
        (None, {"name": "Geriatrics", "code": "GERI"}, 401, []),
        ("admin", {"name": "Cardiology", "code": "GERI"}, 409, ["name"]),
        ("admin", {"name": " Cardiology ", "code": "GERI"}, 409, ["name"]),
        ("admin", {"name": "Geriatrics", "code": "CARD"}, 409, ["code"]),
        ("admin", {"name": "Geriatrics", "code": "GE RI"}, 422, ["code"]),
        ("admin", {"name": "   ", "code": "GERI"}, 422, ["name"]),
        ("admin", {"name": "Geriatrics"}, 422, ["code"]),
        ("admin", {"code": "GERI", "name": "x" * 121}, 422, ["name"]),
    ],
)
def test_bad_division_is_refused_and_adds_nothing(client, auth, rows, role, body, status, fields):
    before = rows()
    errors = assert_error(client.post(DIVISIONS, json=body, headers=auth(role)), status, *fields)["errors"]
    if status == 409:
        assert set(errors) == set(fields)
    assert rows() == before


def test_directors_are_appointed_and_removed(client, dept, auth):
    card = dept.divisions["CARD"]
    # Before: the mentor sees themselves and their mentee only.
    assert len(client.get(PEOPLE, headers=auth("mentor")).json["items"]) == 2

    response = client.post(
        f"{DIVISIONS}/{card}/directors", json={"person_id": dept.ids["mentor"]}, headers=auth("admin")
    )
    assert response.status_code == 201, response.json
    assert set(response.json["director_ids"]) == {dept.ids["director"], dept.ids["mentor"]}
    # Appointing twice changes nothing.
    again = client.post(f"{DIVISIONS}/{card}/directors", json={"person_id": dept.ids["mentor"]}, headers=auth("admin"))
    assert again.status_code == 201 and again.json["director_ids"] == response.json["director_ids"]
    # A director sees their whole division.
    assert len(client.get(PEOPLE, headers=auth("mentor")).json["items"]) == len(CARD)

    removed = client.delete(f"{DIVISIONS}/{card}/directors/{dept.ids['mentor']}", headers=auth("admin"))
    assert removed.status_code == 204
    assert client.get(f"{DIVISIONS}/{card}", headers=auth("admin")).json["director_ids"] == [dept.ids["director"]]
    assert len(client.get(PEOPLE, headers=auth("mentor")).json["items"]) == 2


@pytest.mark.parametrize(
    ("role", "division", "person", "status", "field"),
    [
        ("director", "CARD", "mentor", 403, None),
        ("mentor", "CARD", "mentor", 403, None),
        (None, "CARD", "mentor", 401, None),
        ("admin", "CARD", 99_999, 422, "person_id"),
        ("admin", 99_999, "mentor", 404, None),
    ],
)
def test_bad_appointment_is_refused(client, dept, auth, role, division, person, status, field):
    division_id = dept.divisions.get(division, division)
    person_id = dept.ids.get(person, person)
    response = client.post(f"{DIVISIONS}/{division_id}/directors", json={"person_id": person_id}, headers=auth(role))
    assert_error(response, status, *([field] if field else []))
    directors = client.get(f"{DIVISIONS}/{dept.divisions['CARD']}", headers=auth("admin")).json["director_ids"]
    assert directors == [dept.ids["director"]]


@pytest.mark.parametrize(
    ("role", "person", "status"),
    [("director", "director", 403), ("admin", "mentor", 404), (None, "director", 401)],
)
def test_bad_removal_is_refused(client, dept, auth, role, person, status):
    card = dept.divisions["CARD"]
    assert_error(client.delete(f"{DIVISIONS}/{card}/directors/{dept.ids[person]}", headers=auth(role)), status)
    assert client.get(f"{DIVISIONS}/{card}", headers=auth("admin")).json["director_ids"] == [dept.ids["director"]]
