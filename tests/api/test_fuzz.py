"""Property-based fuzzing of the whole /api/v1 surface with schemathesis.

Every operation in the OpenAPI document is called with generated requests (valid and
invalid), authenticated as an administrator so the happy paths are reached. Each
response must not be a server error and must match what the document promises: a
status the operation names, the documented content type, and a body that fits its
schema. No operation is excluded.

SQLite only: the fuzzer makes hundreds of requests per operation and the point is the
HTTP contract. What differs between engines is pinned by ordinary tests on both (NUL
characters, ids beyond the column range: see test_openapi.py).
"""

from __future__ import annotations

import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from recognition.apidoc import MAX_ID
from recognition.auth.tokens import issue_token
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.people.models import Person
from tests.support.department import Department

# The test department holds ten people, two divisions and two mentorships.
ID_SPREAD = 14
# The framework's own refusals, the same for every operation and documented once, by
# each operation's ``default`` response: a body that is not JSON (or nests too deep), a
# method not served, a body too large, a body sent as something other than JSON.
FRAMEWORK_STATUSES = {400, 405, 413, 415}


@schemathesis.check
def status_named_by_the_operation(ctx, response, case):
    """Every operation documents a ``default`` error response, so schemathesis's
    status-code check would accept any status at all. Hold each operation to the
    statuses it names."""
    if case.method.upper() != case.operation.method.upper():
        return  # a probe with another method (OPTIONS, TRACE …): not this operation's answer
    named = {code for code in case.operation.definition.raw["responses"] if code != "default"}
    if str(response.status_code) not in named and response.status_code not in FRAMEWORK_STATUSES:
        raise AssertionError(f"{case.operation.label} answered {response.status_code}; it documents {sorted(named)}")


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    status_named_by_the_operation,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def backend():
    """Overrides the conftest parametrisation: this module runs on SQLite only."""
    return "sqlite"


@pytest.fixture
def admin_headers(app):
    """A function giving a fresh admin bearer header for each call: the fuzzer revokes
    tokens (DELETE /auth/tokens/{id}) and trips the login throttle, and neither may stop
    the rest of the run from reaching the endpoints behind authentication."""
    with app.app_context():
        dept = Department.build()

    def fresh():
        with app.app_context():
            _, token = issue_token(db.session.get(Person, dept.ids["admin"]), "fuzz", utcnow())
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return fresh


def fold_ids(values):
    if not isinstance(values, dict):
        return values
    return {
        name: 1 + value % ID_SPREAD
        if name.endswith("id") and type(value) is int and ID_SPREAD < value <= MAX_ID
        else value
        for name, value in values.items()
    }


@pytest.fixture
def api_schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    # Random ids almost never name a stored row, so every PATCH, start and end would stop
    # at 404 or 422. Fold large valid ids onto the first few, which exist (or just do
    # not); ids out of range are left alone, to be refused.
    @schema.hook
    def map_path_parameters(context, path_parameters):
        return fold_ids(path_parameters)

    @schema.hook
    def map_query(context, query):
        return fold_ids(query)

    @schema.hook
    def map_body(context, body):
        return fold_ids(body)

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")
# The operations are fuzzed in four parts, so that two workers share the run. An
# operation's part follows from its label, so every operation is in exactly one.
PARTS = 4


def in_part(part: int):
    return lambda context: zlib.crc32(context.operation.label.encode()) % PARTS == part


def contract_test(part: int):
    @schema.include(in_part(part)).parametrize()
    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def test(case, admin_headers):
        # The generator fills the bearer header with random tokens; replace them with a real
        # one, or every call would stop at 401 and nothing behind authentication is fuzzed.
        case.headers = {**(case.headers or {}), **admin_headers()}
        case.call_and_validate(checks=CHECKS)

    return test


test_every_operation_keeps_its_documented_contract_part_1 = contract_test(0)
test_every_operation_keeps_its_documented_contract_part_2 = contract_test(1)
test_every_operation_keeps_its_documented_contract_part_3 = contract_test(2)
test_every_operation_keeps_its_documented_contract_part_4 = contract_test(3)
