"""The one API error shape, checked the same way by every API test.

``{"code": <http status>, "message": "...", "errors": {<field>: [<rule>, ...]}}``
"""

from __future__ import annotations


def assert_error_shape(response) -> dict:
    """The response is a JSON error in the documented shape; returns the body."""
    assert response.is_json, (response.status_code, response.content_type, response.get_data(as_text=True)[:200])
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"}, body
    assert body["code"] == response.status_code, body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    assert isinstance(body["errors"], dict), body
    for field, rules in body["errors"].items():
        assert isinstance(field, str) and field, body
        assert isinstance(rules, list) and rules, body
        assert all(isinstance(rule, str) and rule for rule in rules), body
    return body


def assert_error(response, status: int, *fields: str) -> dict:
    """An error with this status, naming (at least) these fields; returns the body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = assert_error_shape(response)
    for field in fields:
        assert field in body["errors"], (field, body)
    return body
