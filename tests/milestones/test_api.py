"""/api/v1/milestones for those allowed to write: record, self-report, confirm, withdraw,
correct, with the one error shape for every refusal, paging and filters, and retries
with an Idempotency-Key."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.conftest import selected_backends

from .conftest import counts

URL = "/api/v1/milestones"
PROMOTION = {"kind": "promotion", "occurred_on": "2024-07-01", "rank": "full"}


def test_a_self_report_confirmed_by_the_director(client, dept, headers, app):
    reported = client.post(
        URL,
        json={
            "kind": "grant",
            "title": "Mentoring outcomes",
            "agency": "CIHR",
            "role": "Principal investigator",
            "year": 2023,
        },
        headers=headers("mentor"),
    )
    assert reported.status_code == 201, reported.get_json()
    body = reported.get_json()
    assert (body["source"], body["status"]["state"], body["occurred_on"], body["person"]["id"]) == (
        "self_reported",
        "pending",
        "2023-07-01",
        dept.ids["mentor"],
    )
    assert_error(client.post(f"{URL}/{body['id']}/confirmation", headers=headers("mentor")), 403, "milestone")
    confirmed = client.post(f"{URL}/{body['id']}/confirmation", headers=headers("director"))
    assert confirmed.status_code == 201
    status = confirmed.get_json()["status"]
    assert status["state"] == "standing" and status["confirmed_by"]["id"] == dept.ids["director"]
    assert status["confirmed_at"].endswith("+00:00")
    assert_error(client.post(f"{URL}/{body['id']}/confirmation", headers=headers("admin")), 409, "milestone")


def test_record_withdraw_and_correct(client, dept, headers):
    recorded = client.post(URL, json={**PROMOTION, "person_id": dept.ids["mentor"]}, headers=headers("director"))
    assert recorded.status_code == 201 and recorded.get_json()["source"] == "entered"
    first = recorded.get_json()["id"]
    corrected = client.post(
        f"{URL}/{first}/corrections",
        json={"rank": "associate", "reason": "Associate, not full"},
        headers=headers("admin"),
    )
    assert corrected.status_code == 201, corrected.get_json()
    second = corrected.get_json()
    assert (second["rank"], second["occurred_on"], second["corrects_id"], second["status"]["state"]) == (
        "associate",
        "2024-07-01",
        first,
        "standing",
    )
    old = client.get(f"{URL}/{first}", headers=headers("mentor")).get_json()["status"]
    assert (old["state"], old["reason"], old["corrected_by_id"]) == ("corrected", "Associate, not full", second["id"])
    withdrawn = client.post(
        f"{URL}/{second['id']}/withdrawal", json={"reason": "Not promoted after all"}, headers=headers("director")
    )
    assert withdrawn.status_code == 201
    assert withdrawn.get_json()["status"] == {
        "state": "withdrawn",
        "reason": "Not promoted after all",
        "corrected_by_id": None,
        "confirmed_at": None,
        "confirmed_by": None,
        "changed_at": withdrawn.get_json()["status"]["changed_at"],
        "changed_by": {"id": dept.ids["director"], "name": "Director Person"},
    }
    assert_error(
        client.post(f"{URL}/{second['id']}/withdrawal", json={"reason": "Again"}, headers=headers("admin")),
        409,
        "milestone",
    )


def test_bad_input_is_a_422_naming_the_field_and_the_rule_and_stores_nothing(client, dept, headers, app):
    before = counts(app)
    cases = [
        (
            {"kind": "promotion", "occurred_on": "2024-07-01"},
            {"rank": ["is required for a promotion (the rank reached)"]},
        ),
        (
            {"kind": "cfar", "occurred_on": "2024-07-01", "outcome": "failed"},
            {"outcome": ["must be passed or extended"]},
        ),
        ({"kind": "appointment", "occurred_on": "2999-01-01"}, {"occurred_on": ["must not be in the future"]}),
        ({"kind": "knighthood", "occurred_on": "2024-07-01"}, None),
        ({"kind": "appointment", "occurred_on": "1 July"}, None),
        ({"kind": "grant", "title": "T", "agency": "A", "role": "PI", "year": "2021"}, None),
    ]
    for body, errors in cases:
        response = client.post(URL, json={**body, "person_id": dept.ids["mentor"]}, headers=headers("admin"))
        found = assert_error(response, 422)
        if errors is not None:
            assert found["errors"] == errors, found
        else:
            assert set(found["errors"]) & {"kind", "occurred_on", "year"}, found
    assert_error(client.post(URL, json={**PROMOTION, "person_id": 999999}, headers=headers("admin")), 422, "person_id")
    assert_error(client.post(f"{URL}/1/withdrawal", json={"reason": ""}, headers=headers("admin")), 422, "reason")
    assert_error(client.post(f"{URL}/1/withdrawal", json={}, headers=headers("admin")), 422, "reason")
    assert counts(app) == before


def test_the_same_milestone_twice_is_a_409_naming_the_first(client, dept, headers, app):
    body = {**PROMOTION, "person_id": dept.ids["mentor"]}
    first = client.post(URL, json=body, headers=headers("admin")).get_json()["id"]
    before = counts(app)
    refused = assert_error(client.post(URL, json=body, headers=headers("director")), 409, "kind")
    assert f"milestone {first}" in refused["errors"]["kind"][0]
    assert counts(app) == before


def test_a_retried_post_with_its_key_records_once(client, dept, headers, app):
    keyed = {**headers("director"), "Idempotency-Key": "promotion-of-mentor-1"}
    body = {**PROMOTION, "person_id": dept.ids["mentor"]}
    first = client.post(URL, json=body, headers=keyed)
    before = counts(app)
    again = client.post(URL, json=body, headers=keyed)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert counts(app) == before


def test_the_list_filters_and_pages(client, dept, headers):
    mentor = dept.ids["mentor"]
    for day in ("2020-07-01", "2021-07-01", "2022-07-01"):
        assert (
            client.post(
                URL,
                json={
                    "kind": "leadership",
                    "title": "Chair",
                    "agency": "Committee",
                    "occurred_on": day,
                    "person_id": mentor,
                },
                headers=headers("admin"),
            ).status_code
            == 201
        )
    client.post(URL, json=PROMOTION, headers=headers("mentor"))
    page = client.get(
        URL, query_string={"person_id": mentor, "kind": "leadership", "per_page": 2}, headers=headers("director")
    ).get_json()
    assert [item["occurred_on"] for item in page["items"]] == ["2022-07-01", "2021-07-01"]
    assert page["meta"] | {"next": None} == {
        "page": 1,
        "per_page": 2,
        "total": 3,
        "pages": 2,
        "next": None,
        "previous": None,
    }
    rest = client.get(
        URL,
        query_string={"person_id": mentor, "kind": "leadership", "per_page": 2, "cursor": page["meta"]["next"]},
        headers=headers("director"),
    ).get_json()
    assert [item["occurred_on"] for item in rest["items"]] == ["2020-07-01"] and rest["meta"]["next"] is None
    pending = client.get(URL, query_string={"status": "pending"}, headers=headers("director")).get_json()
    assert [item["kind"] for item in pending["items"]] == ["promotion"]
    assert_error(client.get(URL, query_string={"status": "lost"}, headers=headers("admin")), 422, "status")


def test_the_openapi_document_describes_every_operation_with_the_error_shape(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    for path, method in (
        ("/api/v1/milestones", "get"),
        ("/api/v1/milestones", "post"),
        ("/api/v1/milestones/{milestone_id}", "get"),
        ("/api/v1/milestones/{milestone_id}/confirmation", "post"),
        ("/api/v1/milestones/{milestone_id}/withdrawal", "post"),
        ("/api/v1/milestones/{milestone_id}/corrections", "post"),
        ("/api/v1/milestones/imports", "post"),
    ):
        operation = paths[path][method]
        assert operation["summary"], path
        errors = [code for code in operation["responses"] if code.startswith("4")]
        assert errors and all(
            operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            == "#/components/schemas/Error"
            for code in errors
        ), path
    post = paths["/api/v1/milestones"]["post"]
    assert post["requestBody"]["content"]["application/json"]["example"]["kind"] == "promotion"


@pytest.mark.parametrize("backend", [name for name in selected_backends() if name == "postgresql"], indirect=True)
def test_a_milestone_takes_the_ledgers_lock_with_its_token_and_no_statement_of_its_own(app, client, dept, headers):
    """Each milestone write appends to the ledger: as the ledger's own appends do, the token's
    statement tries the append lock, so the write sends no statement to take it."""
    auth = headers("director")  # the token is issued before the statements are counted
    sent: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        recorded = client.post(URL, json={**PROMOTION, "person_id": dept.ids["mentor"]}, headers=auth)
        withdrawn = client.post(
            f"{URL}/{recorded.get_json()['id']}/withdrawal", json={"reason": "Wrong person"}, headers=auth
        )
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert (recorded.status_code, withdrawn.status_code) == (201, 201)
    assert sum("pg_try_advisory_xact_lock" in statement for statement in sent) == 2  # one with each token
    assert not any("pg_advisory_xact_lock(" in statement for statement in sent)
