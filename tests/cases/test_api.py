"""/api/v1/cases: bad input is a 422 naming the field and changes nothing, a retried POST
with its Idempotency-Key opens one case, and the OpenAPI document describes every route."""

from __future__ import annotations

from sqlalchemy import func, select

from recognition.cases.models import Case, CaseOverride
from recognition.extensions import db
from tests.api.error_shape import assert_error

from .conftest import DUE

URL = "/api/v1/cases"


def cases(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Case))


def test_opening_a_case_returns_it_with_its_flagged_committee(app, client, dept, auth):
    response = client.post(
        URL,
        headers=auth("director"),
        json={
            "candidate_id": dept.ids["mentee"],
            "kind": "promotion",
            "target_rank": "associate",
            "due_on": DUE.isoformat(),
            "member_ids": [dept.ids["mentor"], dept.ids["promotion_committee"]],
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["period_start"], body["period_end"], body["due_on"]) == (
        "2023-07-01",
        DUE.isoformat(),
        DUE.isoformat(),
    )
    assert body["opened_by"] == {"id": dept.ids["director"], "name": "Director Person"}
    assert [(m["person"]["name"], m["recused"]) for m in body["committee"]] == [
        ("Mentor Person", True),
        ("Promotion Committee Person", False),
    ]
    assert client.get(f"{URL}/{body['id']}", headers=auth("director")).get_json() == body


def test_bad_input_names_the_field_and_opens_nothing(app, client, dept, auth):
    base = {
        "candidate_id": dept.ids["mentee"],
        "kind": "promotion",
        "target_rank": "associate",
        "due_on": DUE.isoformat(),
    }
    for change, field in (
        ({"kind": "tenure"}, "kind"),
        ({"due_on": "31/03/2027"}, "due_on"),
        ({"due_on": None}, "due_on"),
        ({"target_rank": "assistant"}, "target_rank"),
        ({"member_ids": [dept.ids["mentee"]]}, "member_ids"),
        ({"candidate_id": "7"}, "candidate_id"),
        ({"period_start": "2030-01-01"}, "period_end"),
        ({"candidate_id": 99999}, "candidate_id"),
    ):
        response = client.post(URL, json={**base, **change}, headers=auth("admin"))
        assert_error(response, 422, field)
    missing = client.post(URL, json={"kind": "cfar"}, headers=auth("admin"))
    assert_error(missing, 422, "candidate_id", "due_on")
    assert cases(app) == 0


def test_member_override_and_closure_bodies_are_checked(app, client, dept, auth):
    opened = client.post(
        URL,
        headers=auth("admin"),
        json={
            "candidate_id": dept.ids["mentee"],
            "kind": "cfar",
            "due_on": DUE.isoformat(),
            "member_ids": [dept.ids["mentor"]],
        },
    ).get_json()
    base = f"{URL}/{opened['id']}"
    assert_error(client.post(f"{base}/members", json={}, headers=auth("admin")), 422, "person_id")
    assert_error(
        client.post(f"{base}/members", json={"email": "nobody@test.example.org"}, headers=auth("admin")), 422, "email"
    )
    assert_error(
        client.post(f"{base}/members", json={"person_id": dept.ids["mentor"]}, headers=auth("admin")), 409, "person_id"
    )
    assert_error(
        client.post(f"{base}/overrides", json={"member_id": dept.ids["mentor"], "reason": " "}, headers=auth("admin")),
        422,
        "reason",
    )
    assert_error(
        client.post(f"{base}/overrides", json={"member_id": dept.ids["mentor"]}, headers=auth("admin")), 422, "reason"
    )
    assert_error(client.post(f"{base}/closure", json={"note": ""}, headers=auth("admin")), 422, "note")
    assert_error(client.post(f"{base}/members/{dept.ids['outsider']}/removal", headers=auth("admin")), 422, "person_id")
    assert_error(
        client.post(f"{URL}/referee-check", json={"candidate_id": dept.ids["mentee"]}, headers=auth("admin")),
        422,
        "referee_ids",
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseOverride)) == 0
    shown = client.get(base, headers=auth("admin")).get_json()
    assert shown["state"] == "open" and shown["committee"][0]["recused"] is True


def test_a_retried_open_with_its_key_opens_one_case(app, client, dept, auth):
    headers = {**auth("admin"), "Idempotency-Key": "open-case-1"}
    body = {"candidate_id": dept.ids["mentee"], "kind": "cfar", "due_on": DUE.isoformat()}
    first = client.post(URL, json=body, headers=headers)
    again = client.post(URL, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    assert cases(app) == 1
    other = client.post(URL, json={**body, "kind": "promotion", "target_rank": "full"}, headers=headers)
    assert_error(other, 422, "Idempotency-Key")


def test_the_openapi_document_describes_every_case_route(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    expected = {
        "/api/v1/cases": {"get", "post"},
        "/api/v1/cases/{case_id}": {"get"},
        "/api/v1/cases/{case_id}/members": {"post"},
        "/api/v1/cases/{case_id}/members/{person_id}/removal": {"post"},
        "/api/v1/cases/{case_id}/overrides": {"post"},
        "/api/v1/cases/{case_id}/closure": {"post"},
        "/api/v1/cases/{case_id}/referee-check": {"post"},
        "/api/v1/cases/referee-check": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation["summary"] and "401" in operation["responses"], (path, method)
            if method == "post":
                assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"]), path
