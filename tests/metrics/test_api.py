"""/api/v1/metrics as every role: administrators see every division, a director their own
with the department's totals, everyone else 403; bad input names the field."""

from __future__ import annotations

import pytest

ROLES = ("admin", "director", "other_director", "mentor", "mentee", "outsider", "award_committee")
PATHS = (
    "/api/v1/metrics",
    "/api/v1/metrics/definitions",
    "/api/v1/metrics/attention",
    "/api/v1/metrics/trends",
    "/api/v1/metrics/reports",
)
# Asking for CARD by name: its director and the administrators; NEPH's director gets a
# 404 (as if it were not there), anyone who directs nothing a 403.
OF_CARD = ("/api/v1/metrics?division=CARD", "/api/v1/metrics/attention?division=CARD")


@pytest.mark.parametrize("path", PATHS)
def test_who_may_read_the_metrics(app, dept, client, path):
    assert client.get(path).status_code == 401
    for role in ROLES:
        response = client.get(path, headers=dept.headers(client, role))
        expected = 200 if role in ("admin", "director", "other_director") else 403
        assert response.status_code == expected, (role, response.get_json())


@pytest.mark.parametrize("path", OF_CARD)
def test_who_may_read_one_division(app, dept, client, path):
    assert client.get(path).status_code == 401
    expected = {"admin": 200, "director": 200, "other_director": 404}
    for role in ROLES:
        response = client.get(path, headers=dept.headers(client, role))
        assert response.status_code == expected.get(role, 403), (role, response.get_json())


def _groups(payload) -> set[str]:
    return {row["group"] for result in payload["results"] for row in result["rows"]}


def test_rows_follow_the_divisions_a_reader_manages(app, dept, client):
    assert _groups(client.get("/api/v1/metrics", headers=dept.headers(client, "admin")).get_json()) == {
        "department",
        "CARD",
        "NEPH",
    }
    assert _groups(client.get("/api/v1/metrics", headers=dept.headers(client, "director")).get_json()) == {
        "department",
        "CARD",
    }
    chosen = client.get("/api/v1/metrics?division=NEPH", headers=dept.headers(client, "admin")).get_json()
    assert _groups(chosen) == {"department", "NEPH"}
    # Another director's division is not theirs to ask for: 404, as if it were not there.
    refused = client.get("/api/v1/metrics?division=NEPH", headers=dept.headers(client, "director"))
    assert refused.status_code == 404
    assert refused.get_json()["errors"]["division"] == ["must be the code of a division you manage"]


def test_small_cells_are_marked_withheld_never_zero(app, dept, client):
    payload = client.get("/api/v1/metrics?year=2025", headers=dept.headers(client, "admin")).get_json()
    assert payload["min_cell"] == 5
    cells = [cell for result in payload["results"] for row in result["rows"] for cell in row["cells"]]
    assert cells, "every metric has rows"
    for cell in cells:
        if cell["state"] != "shown":
            assert cell["value"] is None and cell["people"] is None
        else:
            assert (cell["people"] == 0 and cell["value"] == 0) or cell["people"] >= 5
    # The test department is small: its two-person formal mentorships are withheld.
    pool = next(r for r in payload["results"] if r["metric"]["id"] == "mentor_pool")
    card = next(row for row in pool["rows"] if row["group"] == "CARD")
    assert {cell["series"]: cell["state"] for cell in card["cells"]} == {
        "mentors": "withheld",
        "per_mentor": "withheld",
    }


@pytest.mark.parametrize(
    ("query", "field", "rule"),
    [
        ("year=1999", "year", "must be a year from 2000 to"),
        ("year=3000", "year", "must be a year from 2000 to"),
        ("year=next", "year", "must be a whole number"),
        ("division=", "division", "Length must be between 1 and 20."),
    ],
)
def test_bad_input_names_the_field(app, dept, client, query, field, rule):
    response = client.get(f"/api/v1/metrics?{query}", headers=dept.headers(client, "admin"))
    assert response.status_code == 422, response.get_json()
    assert any(rule in message for message in response.get_json()["errors"][field])


def test_definitions_say_what_each_metric_is(app, dept, client):
    found = client.get("/api/v1/metrics/definitions", headers=dept.headers(client, "director")).get_json()
    assert {d["level"] for d in found} == {"relationship", "department", "academic_medicine"}
    lapsed = next(d for d in found if d["id"] == "lapsed_relationships")
    assert lapsed["params"] == {"months": 12} and lapsed["unit"] == "percent" and lapsed["min_cell"] == 5


def test_attention_for_a_director_names_only_their_division(app, dept, client):
    payload = client.get("/api/v1/metrics/attention", headers=dept.headers(client, "other_director")).get_json()
    assert [found["kind"] for found in payload["lists"]] == [
        "no_meeting",
        "unconfirmed",
        "check_in_overdue",
        "no_mentor",
    ]
    mentorships = {item["mentorship_id"] for found in payload["lists"] for item in found["items"]}
    assert dept.mentorship_id not in mentorships  # Cardiology's pair is not Nephrology's director's
