"""Loose input is refused everywhere, walking the OpenAPI document so no operation and no
field is left out, those added later included.

For every field of every JSON body: an integer must be a JSON integer (not 1.5, 2.0, "60"
or true), a number a JSON number, a boolean true or false (not 0, 1 or "yes"), a string
a string holding storable text (no unpaired surrogate, no NUL). Each is a 422 naming
the field, and nothing is stored. JSON nested too deep is a 400 naming the body on every
route, pages and /healthz included; a PATCH that names no field is a 422.
"""

from __future__ import annotations

import re

import flask_smorest
import pytest
from sqlalchemy import func, select

from recognition.extensions import db
from recognition.parsing import MAX_JSON_DEPTH, Parser
from tests.api.error_shape import assert_error, assert_error_shape
from tests.support.awards import AwardWorld

DOCUMENT = "/api/v1/openapi.json"
BAD = {
    "integer": [1.5, 2.0, "60", True],
    "number": ["2.5", True, False],
    "boolean": [0, 1, "true", "yes"],
    "string": ["\ud800", "a\x00b", 12, False],
}
DEEP = ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000]


@pytest.fixture
def document(client):
    return client.get(DOCUMENT).json


def resolve(document: dict, schema: dict) -> dict:
    """A property's schema with references, single ``allOf`` and nullable ``anyOf`` undone."""
    while True:
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif len(schema.get("allOf", ())) == 1:
            schema = schema["allOf"][0]
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if "$ref" in s or "properties" in s)
        else:
            return schema


def leaves(document: dict, schema: dict, path: tuple = ()):
    """(path, schema) of every field a client sends, inside nested objects and arrays too.
    Free-form objects (answers, scores, a credential's proof) are the services' to check."""
    for name, prop in resolve(document, schema).get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        prop = resolve(document, prop)
        here = path + (name,)
        if "properties" in prop:
            yield from leaves(document, prop, here)
        elif prop.get("type") == "array":
            items = resolve(document, prop.get("items", {}))
            if "properties" in items:
                yield from leaves(document, items, here + (0,))
            elif "type" in items:
                yield here + (0,), items
        elif "type" in prop and prop["type"] != "object":
            yield here, prop


def body_at(path: tuple, value):
    for step in reversed(path):
        value = [value] if isinstance(step, int) else {step: value}
    return value


def json_operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"post", "put", "patch", "delete"}:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield method, path, content["application/json"]["schema"]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.fixture
def row_counts(app):
    """``row_counts()``: how many rows every table holds now."""

    def counts() -> dict[str, int]:
        with app.app_context():
            return {
                table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables
            }

    return counts


def test_every_api_blueprint_reads_its_input_through_the_strict_parser(app):
    """A blueprint made from ``flask_smorest.Blueprint`` directly would read query strings
    with JSON's strictness and JSON bodies without the checks here."""
    api_blueprints = [bp for bp in app.blueprints.values() if isinstance(bp, flask_smorest.Blueprint)]
    assert len(api_blueprints) > 10
    for blueprint in api_blueprints:
        assert isinstance(blueprint.ARGUMENTS_PARSER, Parser), blueprint.name


@pytest.mark.parametrize("kind", list(BAD))
def test_every_json_field_takes_only_its_own_type(client, document, auth, row_counts, kind):
    admin = auth("admin")
    before = row_counts()
    checked, failures = set(), []
    for method, path, schema in json_operations(document):
        for field_path, field in leaves(document, schema):
            if field.get("type") != kind:
                continue
            name = ".".join(map(str, field_path))
            checked.add(f"{path} {name}")
            for value in BAD[kind]:
                response = client.open(
                    concrete(path), method=method.upper(), headers=admin, json=body_at(field_path, value)
                )
                body = response.get_json(silent=True) or {}
                if response.status_code != 422 or name not in body.get("errors", {}):
                    failures.append((method, path, name, value, response.status_code, body))
                else:
                    assert_error_shape(response)
    assert not failures, failures[:10]
    assert row_counts() == before
    assert checked, f"no {kind} field found in any JSON body"
    # The fields the issue named are among those walked.
    named = {
        "integer": "/api/v1/contributions minutes",
        "boolean": "/api/v1/people trained_here",
        "string": "/api/v1/auth/tokens email",
        "number": "/api/v1/awards rubric.criteria.0.weight",
    }
    assert named[kind] in checked


def test_json_nested_too_deep_is_a_400_naming_the_body_on_every_json_operation(client, document, auth, row_counts):
    admin = auth("admin")
    before = row_counts()
    just_too_deep = '{"name": ' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}"
    failures = []
    operations = list(json_operations(document))
    assert ("post", "/api/v1/auth/tokens") in {(method, path) for method, path, _ in operations}
    for method, path, _ in operations:
        for data in (*DEEP, just_too_deep):
            response = client.open(
                concrete(path), method=method.upper(), headers=admin, data=data, content_type="application/json"
            )
            if response.status_code != 400 or "body" not in (response.get_json(silent=True) or {}).get("errors", {}):
                failures.append((method, path, data[:20], response.status_code, response.get_data(as_text=True)[:200]))
            else:
                assert_error_shape(response)
    assert not failures, failures[:10]
    assert row_counts() == before


def test_json_nested_too_deep_is_never_a_server_error_on_any_route(app, client):
    """Every route reads a JSON body it is sent, before it asks who is calling (to refuse
    NUL characters): pages, the API and /healthz alike."""
    failures = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data=DEEP[0], content_type="application/json")
            # /readyz answers 503 here for its own reason (this test app has no signing key):
            # it must still be the probe's answer, naming the key, not a failure to read the body.
            probe = url == "/readyz" and response.status_code == 503 and "signing_key" in response.get_json()["errors"]
            if response.status_code >= 500 and not probe:
                failures.append((method, url, response.status_code))
    assert not failures, failures
    response = client.get("/healthz", data=DEEP[0], content_type="application/json")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_a_page_sent_unreadable_json_says_why(client):
    response = client.post("/login", data=DEEP[1], content_type="application/json")
    assert response.status_code == 400
    assert f"nest more than {MAX_JSON_DEPTH} levels deep" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"json": {}}, {"data": "", "content_type": "application/json"}],
    ids=["no body", "empty object", "empty JSON body"],
)
def test_a_patch_that_names_no_field_is_refused(app, client, document, dept, auth, row_counts, kwargs):
    admin = auth("admin")
    with app.app_context():
        award_id = AwardWorld.build(dept, nominate=False).award_id
    targets = {"/api/v1/people/{person_id}": dept.ids["mentor"], "/api/v1/awards/{award_id}": award_id}
    patches = [path for path, item in document["paths"].items() if "patch" in item]
    assert set(patches) <= set(targets), "a new PATCH route: give it an existing resource here"
    before = row_counts()
    for path in patches:
        url = re.sub(r"\{[^}]+\}", str(targets[path]), path)
        shown = client.get(url, headers=admin).json
        response = client.patch(url, headers=admin, **kwargs)
        assert assert_error(response, 422, "body")["errors"]["body"] == [
            "must change at least one field (send a JSON object naming them)"
        ]
        assert client.get(url, headers=admin).json == shown
    assert row_counts() == before


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        ("[]", "must be a JSON object"),
        ("null", "must be a JSON object"),
        ('"text"', "must be a JSON object"),
    ],
)
def test_a_body_that_is_not_an_object_is_refused_naming_the_body(client, auth, row_counts, data, rule):
    admin = auth("admin")
    before = row_counts()
    response = client.post("/api/v1/contributions", headers=admin, data=data, content_type="application/json")
    assert assert_error(response, 422, "body")["errors"]["body"] == [rule]
    assert row_counts() == before


def test_a_body_in_another_content_type_is_a_415_not_ignored(client, dept, auth, row_counts):
    admin = auth("admin")
    before = row_counts()
    url = f"/api/v1/people/{dept.ids['mentor']}"
    shown = client.get(url, headers=admin).json
    response = client.patch(url, headers=admin, data='{"name": "Changed"}', content_type="text/plain")
    assert assert_error(response, 415, "Content-Type")["errors"]["Content-Type"] == ["must be application/json"]
    response = client.post(
        "/api/v1/contributions",
        headers=admin,
        data={"kind": "mentoring_preparation", "occurred_on": "2024-01-01", "minutes": "60"},
    )
    assert_error(response, 415, "Content-Type")
    assert client.get(url, headers=admin).json == shown
    assert row_counts() == before


def test_query_strings_are_read_as_text_but_strictly(client, document, auth):
    admin = auth("admin")
    failures, checked = [], 0
    for path, item in document["paths"].items():
        operation = item.get("get")
        if not operation or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            kind = resolve(document, parameter.get("schema", {})).get("type")
            bad = {"integer": ["1.5", "1e3", "six", "٦"], "boolean": ["maybe", "2"]}.get(kind, [])
            for value in bad:
                checked += 1
                response = client.get(path, headers=admin, query_string={parameter["name"]: value})
                if response.status_code != 422 or parameter["name"] not in response.json["errors"]:
                    failures.append((path, parameter["name"], value, response.status_code))
    assert not failures, failures
    assert checked
    # Text that is a whole number or a yes/no word is read as one.
    response = client.get(
        "/api/v1/mentorships", headers=admin, query_string={"page": "1", "per_page": "5", "active": "true"}
    )
    assert response.status_code == 200
    assert response.json["meta"]["per_page"] == 5


def test_a_nul_in_an_uploaded_files_name_is_refused_naming_the_file_field(app, client, dept, headers, row_counts):
    """A letter keeps the name it was uploaded under; PostgreSQL cannot store a NUL in it."""
    from tests.awards.test_api import letter_pdf, live, upload

    app.config.update(MAX_CONTENT_LENGTH=50_000, AWARD_LETTER_MAX_BYTES=20 * 1024)
    world = live(app, dept, "open")
    url = world.url("mentor", "/letters")
    headers("admin")
    before = row_counts()
    refused = upload(client, headers, "admin", url, letter_pdf(), filename="ada\x00.pdf")
    assert assert_error(refused, 422, "letter")["errors"]["letter"] == ["must not contain NUL characters"]
    assert row_counts() == before
    assert upload(client, headers, "admin", url, letter_pdf(), filename="ada.pdf").status_code == 201
