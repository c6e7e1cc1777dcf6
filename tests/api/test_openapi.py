"""The OpenAPI document is valid and complete, and every error is in the one shape.

Integrations are written against /api/v1/openapi.json: a route missing from it, an
undocumented error, or an error in another shape breaks them silently.
"""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from sqlalchemy import func, select

from recognition.extensions import db
from recognition.people.models import Division, Person
from tests.api.error_shape import assert_error, assert_error_shape

DOCUMENT = "/api/v1/openapi.json"
# The token exchange, and verification, which anyone holding a certificate may use.
PUBLIC = {
    ("post", "/api/v1/auth/tokens"),
    ("get", "/api/v1/verify/key"),
    ("get", "/api/v1/verify/keys"),
    ("get", "/api/v1/ledger/checkpoints"),
    ("post", "/api/v1/verify/signed"),
    ("post", "/api/v1/verify/credential"),
    ("get", "/api/v1/verify/{code}"),
    ("post", "/api/v1/verify/{code}/pdf"),
}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def document(client):
    response = client.get(DOCUMENT)
    assert response.status_code == 200
    return response.json


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_the_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"].startswith("3.")
    assert document["info"]["version"] == "v1"


def test_every_api_route_is_documented(app, document):
    """Every method of every /api/v1 rule, except the document itself."""
    documented = {(method, path) for method, path, _ in operations(document)}
    served = {
        (method.lower(), openapi_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != DOCUMENT
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served, "no /api/v1 routes found"
    assert served - documented == set()
    assert documented - served == set()


def test_the_fixed_collections_are_documented(document):
    """The resource names PRODUCT.md fixes; the ones built so far must be under /api/v1."""
    paths = set(document["paths"])
    for collection in (
        "people",
        "divisions",
        "mentorships",
        "contributions",
        "reflections",
        "statements",
        "awards",
        "cycles",
        "nominations",
    ):
        assert f"/api/v1/{collection}" in paths


def test_every_operation_but_the_token_exchange_needs_a_bearer_token(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    for method, path, operation in operations(document):
        if (method, path) in PUBLIC:
            assert not operation.get("security"), (method, path)
        else:
            assert operation.get("security") == [{"bearerAuth": []}], (method, path)


def test_every_operation_documents_its_errors(document):
    """401 for a missing token; 404 where the path names a resource; 422 where it takes
    input; and every error response in the shared Error schema."""
    error_ref = {"$ref": "#/components/schemas/Error"}
    for method, path, operation in operations(document):
        responses = operation["responses"]
        errors = {code for code in responses if code[0] in "45"}
        assert errors, (method, path)
        for code in errors:
            assert responses[code]["content"]["application/json"]["schema"] == error_ref, (method, path, code)
        if (method, path) not in PUBLIC:
            assert "401" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        takes_input = "requestBody" in operation or any(
            parameter["in"] == "query" for parameter in operation.get("parameters", [])
        )
        if takes_input:
            assert "422" in responses, (method, path)


def test_the_error_schema_is_the_one_shape(document):
    schema = document["components"]["schemas"]["Error"]
    assert set(schema["required"]) == {"code", "message", "errors"}
    assert schema["properties"]["code"]["type"] == "integer"
    assert schema["properties"]["message"]["type"] == "string"
    assert schema["properties"]["errors"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_protected_operation_refuses_a_missing_token_in_the_error_shape(client, document):
    """Not only documented: actually enforced, before any input is looked at."""
    for method, path, _operation in operations(document):
        if (method, path) in PUBLIC:
            continue
        response = client.open(concrete(path), method=method.upper(), json={} if method != "get" else None)
        assert_error(response, 401, "Authorization")


def test_bad_requests_all_answer_in_the_error_shape(client, dept):
    admin = dept.headers(client, "admin")
    outsider = dept.headers(client, "outsider")
    samples = [
        # (method, url, request keyword arguments, status, fields the error must name)
        ("get", "/api/v1/people", {}, 401, ["Authorization"]),
        ("get", "/api/v1/people", {"headers": {"Authorization": "Bearer nope"}}, 401, ["Authorization"]),
        ("get", "/api/v1/people/99999", {"headers": admin}, 404, []),
        ("get", f"/api/v1/people/{2**40}", {"headers": admin}, 404, []),
        ("patch", f"/api/v1/people/{2**31}", {"headers": admin, "json": {"rank": "full"}}, 404, []),
        ("get", f"/api/v1/mentorships?mentor_id={2**63}", {"headers": admin}, 422, ["mentor_id"]),
        ("get", f"/api/v1/people?page={2**63}", {"headers": admin}, 422, ["page"]),
        ("get", "/api/v1/mentorships/99999", {"headers": admin}, 404, []),
        ("get", "/api/v1/nothing-here", {"headers": admin}, 404, []),
        ("delete", "/api/v1/people/1", {"headers": admin}, 405, []),
        ("post", "/api/v1/people", {"headers": admin, "json": {"email": "x"}}, 422, ["email", "name", "rank"]),
        ("post", "/api/v1/people", {"headers": admin, "data": "{", "content_type": "application/json"}, 400, []),
        (
            "post",
            "/api/v1/people",
            {
                "headers": outsider,
                "json": {
                    "name": "X",
                    "email": "x@test.example.org",
                    "rank": "full",
                    "position": "other",
                    "division_id": dept.divisions["CARD"],
                },
            },
            403,
            [],
        ),
        (
            "post",
            "/api/v1/people",
            {
                "headers": admin,
                "json": {"name": "X", "email": dept.email("mentor"), "rank": "full", "position": "other"},
            },
            409,
            ["email"],
        ),
        ("get", "/api/v1/mentorships?per_page=9999", {"headers": admin}, 422, ["per_page"]),
        (
            "post",
            "/api/v1/mentorships",
            {
                "headers": admin,
                "json": {"mentor_id": dept.ids["director"], "mentee_id": dept.ids["mentee"], "kind": "formal"},
            },
            422,
            ["mentor_id"],
        ),
        (
            "post",
            "/api/v1/auth/tokens",
            {"json": {"email": dept.email("mentor"), "password": "wrong"}},
            401,
            ["password"],
        ),
        ("post", "/api/v1/contributions", {"headers": admin, "json": {"kind": "meeting"}}, 422, ["occurred_on"]),
        (
            "post",
            "/api/v1/people",
            {"headers": admin, "data": "x" * (6 * 1024 * 1024), "content_type": "application/json"},
            413,
            [],
        ),
    ]
    for method, url, kwargs, status, fields in samples:
        response = getattr(client, method)(url, **kwargs)
        body = assert_error(response, status, *fields)
        assert body["code"] == status, (method, url)


def test_the_login_throttle_answers_in_the_error_shape(app, client, dept):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/api/v1/auth/tokens", json={"email": dept.email("mentor"), "password": "wrong"})
    response = client.post("/api/v1/auth/tokens", json={"email": dept.email("mentor"), "password": "wrong"})
    assert response.status_code == 429
    assert_error_shape(response)


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "field"),
    [
        ("post", "/api/v1/divisions", {"json": {"name": "Geri\x00atrics", "code": "GERI"}}, "name"),
        (
            "post",
            "/api/v1/people",
            {
                "json": {
                    "name": "Ada",
                    "email": "ada@test.example.org",
                    "rank": "full",
                    "position": "other",
                    "race": "\x00",
                }
            },
            "race",
        ),
        ("get", "/api/v1/people?q=ad%00a", {}, "q"),
        ("post", "/api/v1/mentorships/1/end", {"json": {"reason": "moved\x00"}}, "reason"),
    ],
)
def test_nul_characters_are_refused_the_same_on_both_engines(app, client, dept, method, url, kwargs, field):
    """PostgreSQL cannot hold U+0000 in text (SQLite can): it used to be a 500 there."""

    def counts():
        with app.app_context():
            return [db.session.scalar(select(func.count()).select_from(model)) for model in (Person, Division)]

    before = counts()
    response = getattr(client, method)(url, headers=dept.headers(client, "admin"), **kwargs)
    assert assert_error(response, 422, field)["errors"][field] == ["must not contain NUL characters"]
    assert counts() == before


def test_a_nul_character_in_the_sign_in_form_is_refused(client, dept):
    response = client.post("/login", data={"email": "mentor@test.example.org\x00", "password": "x"})
    assert response.status_code == 422
    assert "NUL" in response.get_data(as_text=True)
