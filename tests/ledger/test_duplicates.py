"""The same work recorded twice is asked about before it counts twice (issue 10, item 4).

An entry with the same person, kind, date, minutes and mentorship as an unreversed one is
refused with 409, naming the entry it repeats, unless the request confirms it is a second,
separate activity."""

from __future__ import annotations

import pytest

from recognition.ledger.forms import SECOND_ACTIVITY
from tests.api.error_shape import assert_error

from .conftest import ledger_count

URL = "/api/v1/contributions"


def training(**changes) -> dict:
    return {"kind": "mentor_training", "occurred_on": "2025-03-01", "minutes": 90, "note": "Workshop", **changes}


def meeting(dept, **changes) -> dict:
    return {
        "kind": "meeting",
        "mentorship_id": dept.mentorship_id,
        "occurred_on": "2025-03-01",
        "minutes": 45,
        **changes,
    }


def test_the_same_training_twice_is_refused_naming_the_first(app, client, dept, headers):
    first = client.post(URL, json=training(), headers=headers("mentor")).get_json()

    response = client.post(URL, json=training(note="Workshop (again)"), headers=headers("mentor"))

    body = assert_error(response, 409, "confirm_duplicate")
    assert f"#{first['seq']}" in body["message"]
    assert f"#{first['seq']}" in body["errors"]["confirm_duplicate"][0]
    assert ledger_count(app) == 1


def test_a_confirmed_second_activity_is_recorded(app, client, dept, headers):
    client.post(URL, json=training(), headers=headers("mentor"))
    response = client.post(URL, json=training(confirm_duplicate=True), headers=headers("mentor"))
    assert response.status_code == 201, response.get_json()
    assert ledger_count(app) == 2


def test_the_mentee_logging_the_meeting_the_mentor_logged_is_asked_too(app, client, dept, headers):
    assert client.post(URL, json=meeting(dept), headers=headers("mentor")).status_code == 201
    assert_error(client.post(URL, json=meeting(dept), headers=headers("mentee")), 409, "confirm_duplicate")
    assert ledger_count(app) == 1


def test_a_reversed_entry_is_no_duplicate(app, client, dept, headers):
    first = client.post(URL, json=training(minutes=60), headers=headers("mentor")).get_json()
    client.post(f"{URL}/{first['id']}/reversal", json={"reason": "Wrong minutes."}, headers=headers("mentor"))
    assert client.post(URL, json=training(minutes=60), headers=headers("mentor")).status_code == 201


@pytest.mark.parametrize(
    "changes",
    [
        {"occurred_on": "2025-03-02"},
        {"minutes": 91},
        {"kind": "mentoring_preparation"},
    ],
    ids=["another day", "other minutes", "another kind"],
)
def test_different_work_is_not_a_duplicate(app, client, dept, headers, changes):
    client.post(URL, json=training(), headers=headers("mentor"))
    assert client.post(URL, json=training(**changes), headers=headers("mentor")).status_code == 201


def test_someone_elses_identical_training_is_not_a_duplicate(app, client, dept, headers):
    client.post(URL, json=training(), headers=headers("mentor"))
    assert client.post(URL, json=training(), headers=headers("other_mentor")).status_code == 201


def test_the_same_meeting_in_another_mentorship_is_not_a_duplicate(app, client, dept, headers):
    with app.app_context():
        from recognition.extensions import db

        second = dept.pair("mentor", "other_mentee")
        db.session.commit()
    client.post(URL, json=meeting(dept), headers=headers("mentor"))
    assert client.post(URL, json=meeting(dept, mentorship_id=second), headers=headers("mentor")).status_code == 201


def test_the_openapi_document_describes_confirm_duplicate(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    contribution = next(schema for name, schema in schemas.items() if name.startswith("ContributionIn"))
    assert contribution["properties"]["confirm_duplicate"]["type"] == "boolean"
    assert "409" in contribution["properties"]["confirm_duplicate"]["description"]
    reflection = next(schema for name, schema in schemas.items() if name.startswith("ReflectionIn"))
    assert reflection["properties"]["confirm_duplicate"]["type"] == "boolean"
    operation = document["paths"]["/api/v1/contributions"]["post"]
    assert "409" in operation["responses"]


# Pages -------------------------------------------------------------------------------


def test_the_credits_page_asks_before_logging_the_same_training_again(app, client, dept, login, ledger_rows):
    login(client, "mentor")
    form = {"kind": "mentor_training", "occurred_on": "2025-03-01", "minutes": "90", "note": "Workshop"}
    assert client.post("/credits/work", data=form).status_code == 302

    again = client.post("/credits/work", data=form)

    assert again.status_code == 409
    text = again.get_data(as_text=True)
    assert "already records 90 minutes of mentor training completed on 2025-03-01" in text
    assert SECOND_ACTIVITY in text and 'name="confirm_duplicate"' in text
    assert ledger_rows() == 1
    confirmed = client.post("/credits/work", data={**form, "confirm_duplicate": "y"})
    assert confirmed.status_code == 302
    assert ledger_rows() == 2


def test_the_mentoring_page_asks_before_logging_the_same_meeting_again(app, client, dept, login, ledger_rows):
    login(client, "mentor")
    form = {"mentorship_id": dept.mentorship_id, "kind": "meeting", "occurred_on": "2025-03-01", "minutes": "45"}
    assert client.post("/mentoring", data=form).status_code == 302
    login(client, "mentee")

    again = client.post("/mentee", data=form)

    assert again.status_code == 409
    assert SECOND_ACTIVITY in again.get_data(as_text=True)
    assert ledger_rows() == 1
    assert client.post("/mentee", data={**form, "confirm_duplicate": "y"}).status_code == 302
    assert ledger_rows() == 2
