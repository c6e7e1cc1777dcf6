"""POST /api/v1/roster/imports: the role matrix, the error scheme, the OpenAPI document."""

from __future__ import annotations

import io

import pytest

from .conftest import counts, mentorships_csv, people_csv, person_row

URL = "/api/v1/roster/imports"


def upload(people: bytes | None = None, mentorships: bytes | None = None, **form) -> dict:
    data = dict(form)
    if people is not None:
        data["people"] = (io.BytesIO(people), "people.csv")
    if mentorships is not None:
        data["mentorships"] = (io.BytesIO(mentorships), "mentorships.csv")
    return data


def post(client, headers=None, **data):
    return client.post(URL, data=upload(**data), headers=headers or {}, content_type="multipart/form-data")


def assert_error_shape(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == status and body["message"]
    assert all(isinstance(rules, list) and all(isinstance(r, str) for r in rules) for rules in body["errors"].values())
    return body


def test_admin_imports_both_files(client, app, headers):
    response = post(
        client,
        headers("admin"),
        people=people_csv(person_row(1), person_row(2, Division="NEPH")),
        mentorships=mentorships_csv(["new2@test.example.org", "new1@test.example.org", "Formal", "2025-01-01", "", ""]),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"created": {"people": 2, "mentorships": 1, "milestones": 0}, "dry_run": False}
    assert counts(app) == (12, 3)


def test_director_imports_their_own_division(client, app, headers):
    response = post(client, headers("director"), people=people_csv(person_row(1, Division="Cardiology")))
    assert response.status_code == 201, response.get_json()
    assert counts(app) == (11, 2)


def test_director_rows_for_another_division_are_refused_by_row(client, app, headers):
    response = post(
        client,
        headers("director"),
        people=people_csv(person_row(1), person_row(2, Division="NEPH")),
        mentorships=mentorships_csv(
            ["mentor@test.example.org", "other.mentee@test.example.org", "Informal", "2025-01-01", "", ""]
        ),
    )
    body = assert_error_shape(response, 422)
    assert body["errors"] == {
        "people.row3.Division": [
            "must be a division you direct (a director imports people into their own divisions only)"
        ],
        "mentorships.row2.Mentee email": [
            "must be someone in a division you direct (a director imports mentorships only for mentees in their own divisions)"
        ],
    }
    assert counts(app) == (10, 2)


@pytest.mark.parametrize("role", ["mentor", "mentee", "outsider", "promotion_committee"])
def test_other_roles_are_forbidden(client, app, headers, role):
    assert_error_shape(post(client, headers(role), people=people_csv(person_row(1))), 403)
    assert counts(app) == (10, 2)


def test_no_token_is_401(client, app, dept):
    body = assert_error_shape(post(client, people=people_csv(person_row(1))), 401)
    assert "Authorization" in body["errors"]
    assert counts(app) == (10, 2)


def test_dry_run_answers_200_and_stores_nothing(client, app, headers):
    response = post(client, headers("admin"), people=people_csv(person_row(1), person_row(2)), dry_run="true")
    assert response.status_code == 200
    assert response.get_json() == {"created": {"people": 2, "mentorships": 0, "milestones": 0}, "dry_run": True}
    assert counts(app) == (10, 2)


def test_every_problem_is_keyed_by_file_row_and_column(client, app, headers):
    response = post(
        client,
        headers("admin"),
        people=people_csv(person_row(1), person_row(2, Email="NEW1@test.example.org", Rank="Dean")),
        mentorships=b"Mentor email,Mentee email,Kind\r\n",
    )
    body = assert_error_shape(response, 422)
    assert body["errors"]["people.row3.Email"] == ["must be unique (already used by row 2)"]
    assert body["errors"]["people.row3.Rank"][0].startswith("must be one of")
    assert body["errors"]["mentorships.row1.Start date"] == ["required column is missing"]
    assert body["errors"]["mentorships"] == ["has a header row but no rows below it"]
    assert body["message"] == (
        "Nothing was imported: 4 problems (2 in the people file and 2 in the mentorships file). Fix them and "
        "import again. The rows of the mentorships file could not be checked until the problems with the file "
        "itself are fixed."
    )
    assert counts(app) == (10, 2)


def test_file_level_problems_are_keyed_by_file(client, headers):
    body = assert_error_shape(post(client, headers("admin"), people=b"PK\x03\x04"), 422)
    assert list(body["errors"]) == ["people"]
    assert "Excel workbook" in body["errors"]["people"][0]


def test_no_files_is_422(client, headers):
    body = assert_error_shape(post(client, headers("admin")), 422)
    assert body["errors"] == {"files": ["send people, mentorships, milestones, or several of them"]}


def test_unknown_form_fields_are_refused(client, headers):
    body = assert_error_shape(post(client, headers("admin"), people=people_csv(person_row(1)), dryrun="1"), 422)
    assert "dryrun" in body["errors"]


def test_uploads_over_the_cap_are_413(client, app, headers):
    token = headers("admin")
    app.config["MAX_CONTENT_LENGTH"] = 2000
    rows = [person_row(n) for n in range(1, 40)]
    body = assert_error_shape(post(client, token, people=people_csv(*rows)), 413)
    assert body["errors"] == {"files": ["must be at most 2,000 bytes together"]}
    assert counts(app) == (10, 2)


def test_openapi_describes_the_multipart_upload(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/roster/imports"]["post"]
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    schema = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]] if "$ref" in body else body
    assert schema["properties"]["people"] == {**schema["properties"]["people"], "type": "string", "format": "binary"}
    assert schema["properties"]["mentorships"]["format"] == "binary"
    assert schema["properties"]["dry_run"]["type"] == "boolean"
    assert [parameter["name"] for parameter in operation["parameters"]] == ["Idempotency-Key"]  # no form field
    assert {"200", "201", "401", "403", "413", "422"} <= set(operation["responses"])
    assert "people.row3.Email" in operation["description"]
    assert operation["security"] == [{"bearerAuth": []}]
