"""Who may do what with the mentor's credits and statement: a statement and a summary are
their owner's and the admins'. Anyone else (directors and committees included) gets a
404, as if they did not exist; only verification by code is everyone's."""

from __future__ import annotations

import pytest

from tests.api.error_shape import assert_error

from .test_api import YEAR, issue, record_work, stored_statements

ROLES = (
    "admin",
    "mentor",
    "director",
    "mentee",
    "other_mentor",
    "outsider",
    "award_committee",
    "promotion_committee",
    None,
)

#                  admin mentor director mentee other_mentor outsider award promotion no-token
MATRIX = {
    "list": (200, 200, 200, 200, 200, 200, 200, 200, 401),
    "see": (200, 200, 404, 404, 404, 404, 404, 404, 401),
    "pdf": (200, 200, 404, 404, 404, 404, 404, 404, 401),
    "signed": (200, 200, 404, 404, 404, 404, 404, 404, 401),
    "summary": (200, 200, 404, 404, 404, 404, 404, 404, 401),
    "profile": (200, 200, 404, 404, 404, 404, 404, 404, 401),
    "export": (200, 200, 404, 404, 404, 404, 404, 404, 401),
    "issue for": (201, 201, 404, 404, 404, 404, 404, 404, 401),
    "verify": (200, 200, 200, 200, 200, 200, 200, 200, 200),
    "revoke": (201, 403, 404, 404, 404, 404, 404, 404, 401),  # last: it changes the statement
}


@pytest.mark.parametrize("role", ROLES, ids=[str(role) for role in ROLES])
def test_who_may_do_what_with_the_mentors_statement(app, client, dept, headers, role):
    record_work(client, headers)
    statement = issue(client, headers)
    mentor = dept.ids["mentor"]
    base = f"/api/v1/statements/{statement['id']}"
    calls = {
        "list": lambda h: client.get("/api/v1/statements", headers=h),
        "see": lambda h: client.get(base, headers=h),
        "pdf": lambda h: client.get(f"{base}/pdf", headers=h),
        "signed": lambda h: client.get(f"{base}/signed", headers=h),
        "summary": lambda h: client.get("/api/v1/credits/summary", query_string={"person_id": mentor}, headers=h),
        "profile": lambda h: client.get("/api/v1/credits/profile", query_string={"person_id": mentor}, headers=h),
        "export": lambda h: client.get(
            "/api/v1/credits/export", query_string={"year": YEAR, "person_id": mentor}, headers=h
        ),
        "issue for": lambda h: client.post(
            "/api/v1/statements", json={"year": YEAR, "person_id": mentor, "framework_id": "ama_pra"}, headers=h
        ),
        "verify": lambda h: client.get(f"/api/v1/verify/{statement['code']}", headers=h),
        "revoke": lambda h: client.post(f"{base}/revocation", json={"reason": "Checked by the matrix"}, headers=h),
    }
    column = ROLES.index(role)
    for action, statuses in MATRIX.items():
        expected = statuses[column]
        before = stored_statements(app)
        response = calls[action](headers(role))
        assert response.status_code == expected, (action, role, response.get_data(as_text=True)[:300])
        if expected >= 400:
            assert_error(response, expected, *(["Authorization"] if expected == 401 else []))
            assert "Mentor Person" not in response.get_data(as_text=True), (action, role)
            assert stored_statements(app) == before, (action, role)
        if action == "list" and expected == 200:
            numbers = [item["number"] for item in response.get_json()["items"]]
            assert numbers == ([statement["number"]] if role in ("admin", "mentor") else []), role
