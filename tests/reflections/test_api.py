"""/api/v1/reflections: recording a reflection on feedback, its privacy, and its ledger
entry (the Section 3 evidence others may see, without the text)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from recognition.clock import today
from recognition.extensions import db
from recognition.ledger.models import LedgerEntry
from recognition.reflections.models import Reflection
from recognition.reflections.service import MAX_STEP, text_digest
from tests.api.error_shape import assert_error

from .conftest import release_for

URL = "/api/v1/reflections"
ROLES = ("mentee", "mentor", "director", "other_director", "admin", "outsider", None)
STEPS = {
    "area": "Giving critical feedback early",
    "question": "Do my mentees hear about problems in time to act?",
    "standards": "The department's mentoring expectations",
    "comparison": "Lower than the division on critique",
    "discussion": "Talked it over with a peer mentor",
    "next_steps": "Book a mid-year check-in with each mentee",
}


def external(**changes) -> dict:
    return {
        "source": "external",
        "source_name": "Teaching evaluation 2025",
        "occurred_on": today().isoformat(),
        "minutes": 45,
        **STEPS,
        **changes,
    }


def stored(app) -> tuple[int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Reflection, LedgerEntry))


def test_a_mentor_reflects_on_their_report(app, client, dept, headers, release_id):
    period = str(today().year)  # calendar periods, the default
    # Without a period, the latest the report covers.
    body = {"source": "report", "release_id": release_id, "occurred_on": today().isoformat(), "minutes": 40, **STEPS}
    response = client.post(URL, json=body, headers=headers("mentor"))

    assert response.status_code == 201, response.get_json()
    reflection = response.get_json()
    assert {key: reflection[key] for key in ("source", "release_id", "period", "minutes", "occurred_on")} == {
        "source": "report",
        "release_id": release_id,
        "period": period,
        "minutes": 40,
        "occurred_on": today().isoformat(),
    }
    assert reflection["source_name"] == f"Mentee feedback report, {period}"
    assert {key: reflection[key] for key in STEPS} == STEPS
    assert reflection["created_at"].endswith("+00:00")
    assert client.get(f"{URL}/{reflection['id']}", headers=headers("mentor")).get_json() == reflection
    # The report names the block to reflect on.
    report = client.get("/api/v1/feedback/reports", headers=headers("mentor")).get_json()
    assert report["release_ids"] == [release_id]


def test_an_external_reflection_and_its_ledger_entry(app, client, dept, headers):
    response = client.post(URL, json=external(), headers=headers("mentor"))
    assert response.status_code == 201, response.get_json()
    reflection = response.get_json()
    assert (reflection["source"], reflection["release_id"], reflection["period"]) == ("external", None, None)
    assert reflection["source_name"] == "Teaching evaluation 2025"

    entries = client.get(
        "/api/v1/contributions", query_string={"kind": "feedback_reflection"}, headers=headers("mentor")
    ).get_json()["items"]
    [entry] = entries
    assert entry["id"] == reflection["ledger_entry_id"]
    assert (entry["kind"], entry["minutes"], entry["person_id"]) == ("feedback_reflection", 45, dept.ids["mentor"])
    assert entry["occurred_on"] == today().isoformat()
    # The note commits to the text under the reflection's own salt (test_integrity.py).
    assert entry["note"] == text_digest({"source_name": "Teaching evaluation 2025", **STEPS}, reflection["salt"])
    assert entry["note"].startswith("hmac-sha256:")


def test_the_text_is_the_authors_alone_but_the_evidence_is_visible(app, client, dept, headers):
    reflection = client.post(URL, json=external(), headers=headers("mentor")).get_json()
    for role in ("director", "admin"):
        assert_error(client.get(f"{URL}/{reflection['id']}", headers=headers(role)), 404)
        assert client.get(URL, headers=headers(role)).get_json()["items"] == []
        response = client.get(
            "/api/v1/contributions", query_string={"kind": "feedback_reflection"}, headers=headers(role)
        )
        [entry] = response.get_json()["items"]
        assert entry["id"] == reflection["ledger_entry_id"] and entry["minutes"] == 45
        for text in STEPS.values():
            assert text not in response.get_data(as_text=True)


def test_the_list_is_your_own_newest_first_and_paged(app, client, dept, headers):
    ids = [
        client.post(URL, json=external(minutes=10 + n), headers=headers("mentor")).get_json()["id"] for n in range(3)
    ]
    client.post(URL, json=external(), headers=headers("other_mentor"))
    page = client.get(URL, query_string={"per_page": 2}, headers=headers("mentor")).get_json()
    assert [row["id"] for row in page["items"]] == ids[::-1][:2]
    assert page["meta"] | {"next": None} == {
        "page": 1,
        "per_page": 2,
        "total": 3,
        "pages": 2,
        "next": None,
        "previous": None,
    }
    assert page["meta"]["next"] is not None
    assert page["items"][0]["minutes"] == 12
    second = client.get(URL, query_string={"per_page": 2, "page": 2}, headers=headers("mentor")).get_json()
    assert [row["id"] for row in second["items"]] == [ids[0]]
    assert_error(client.get(URL, query_string={"per_page": 0}, headers=headers("mentor")), 422, "per_page")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"source": "report", "release_id": 999999}, "release_id"),
        ({"source": "report", "release_id": "other mentor's"}, "release_id"),
        ({"source": "report", "release_id": None}, "release_id"),
        ({"source": "report", "release_id": 0}, "release_id"),
        ({"source": "report", "release_id": "mine", "period": "2001"}, "period"),
        ({"period": "x" * 11}, "period"),
        ({"source_name": ""}, "source_name"),
        ({"source_name": "   "}, "source_name"),
        ({"source_name": "x" * 201}, "source_name"),
        ({"source": "hearsay"}, "source"),
        ({"source": None}, "source"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": -5}, "minutes"),
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"minutes": None}, "minutes"),
        ({"minutes": "lots"}, "minutes"),
        ({"area": ""}, "area"),
        ({"question": "  "}, "question"),
        ({"next_steps": ""}, "next_steps"),
        ({"discussion": "x" * (MAX_STEP + 1)}, "discussion"),
        ({"occurred_on": (today() + timedelta(days=1)).isoformat()}, "occurred_on"),
        ({"occurred_on": "last week"}, "occurred_on"),
        ({"occurred_on": "1900-01-01"}, "occurred_on"),
    ],
    ids=lambda value: str(value)[:40] if not isinstance(value, dict) else ",".join(value),
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    app, client, dept, headers, release_id, changes, field
):
    if changes.get("release_id") == "other mentor's":
        changes = {**changes, "release_id": release_for(app, dept, "other_mentor")}
    elif changes.get("release_id") == "mine":
        changes = {**changes, "release_id": release_id}
    body = external(**changes)
    before = stored(app)
    assert_error(client.post(URL, json=body, headers=headers("mentor")), 422, field)
    assert stored(app) == before


@pytest.mark.parametrize("missing", ["source", "occurred_on", "minutes"])
def test_required_fields(app, client, dept, headers, missing):
    body = external()
    del body[missing]
    before = stored(app)
    assert_error(client.post(URL, json=body, headers=headers("mentor")), 422, missing)
    assert stored(app) == before


def test_optional_steps_may_be_left_out(client, dept, headers):
    body = {key: value for key, value in external().items() if key not in ("standards", "comparison", "discussion")}
    response = client.post(URL, json=body, headers=headers("mentor"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["discussion"] == ""


# Who may do what ---------------------------------------------------------------------


@pytest.fixture
def reflection_id(client, dept, headers) -> int:
    response = client.post(URL, json=external(), headers=headers("mentor"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


#                        mentee mentor director other_director admin outsider no-token
MATRIX = {
    "record": (201, 201, 201, 201, 201, 201, 401),
    "list own": (200, 200, 200, 200, 200, 200, 401),
    "the mentor's": (404, 200, 404, 404, 404, 404, 401),
}
CASES = [
    (endpoint, role, status)
    for endpoint, statuses in MATRIX.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("endpoint", "role", "status"), CASES, ids=[f"{e}-{r}" for e, r, _ in CASES])
def test_who_may_do_what(app, client, headers, reflection_id, endpoint, role, status):
    before = stored(app)
    if endpoint == "record":  # other minutes: the same again would be asked about as a repeat
        response = client.post(URL, json=external(minutes=30), headers=headers(role))
    elif endpoint == "list own":
        response = client.get(URL, headers=headers(role))
    else:
        response = client.get(f"{URL}/{reflection_id}", headers=headers(role))
    assert response.status_code == status, response.get_json()
    if status >= 400:
        assert_error(response, status, *(["Authorization"] if role is None else []))
        assert stored(app) == before
        assert STEPS["area"] not in json.dumps(response.get_json())
    if endpoint == "list own" and status == 200:
        assert len(response.get_json()["items"]) == (1 if role == "mentor" else 0)
