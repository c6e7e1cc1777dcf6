"""The guard against unstorable text walks a JSON body only when its bytes could hold a NUL
or an unpaired surrogate; a body it skips never holds one, however it was encoded."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recognition.fields import text_problem
from recognition.parsing import loads
from recognition.security import CSP, _may_hold_unstorable

# A form's two types, as clients send them (with and without parameters).
FORM_TYPES_SENT = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "multipart/form-data",
]

# Any code point, surrogates and NUL included: what a client's JSON may carry.
text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=8)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


def unstorable(value) -> bool:
    if isinstance(value, str):
        return text_problem(value) is not None
    if isinstance(value, dict):
        return any(unstorable(key) or unstorable(inner) for key, inner in value.items())
    if isinstance(value, list):
        return any(unstorable(inner) for inner in value)
    return False


@given(values, st.booleans(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"]))
def test_a_body_the_guard_skips_holds_no_unstorable_text(value, ascii_only, encoding):
    body = json.dumps(value, ensure_ascii=ascii_only).encode(encoding, "surrogatepass")
    if not _may_hold_unstorable(body):
        assert not unstorable(loads(body))


def test_a_surrogate_sent_as_raw_bytes_is_refused_naming_the_field(client, dept, headers):
    body = b'{"kind": "meeting", "occurred_on": "2025-03-01", "note": "\xed\xa0\x80"}'

    response = client.post(
        "/api/v1/contributions", data=body, content_type="application/json", headers=headers("mentor")
    )

    assert response.status_code == 422
    assert "surrogate" in response.get_json()["errors"]["note"][0]


def test_a_response_keeps_its_own_security_headers_and_gets_the_others_once(app):
    @app.get("/own-headers")
    def own_headers():
        return "text", 200, {"Cache-Control": "private, no-store", "x-frame-options": "SAMEORIGIN"}

    response = app.test_client().get("/own-headers")

    assert response.headers.getlist("Cache-Control") == ["private, no-store"]
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert response.headers.getlist("Content-Security-Policy") == [CSP]


@pytest.mark.parametrize("content_type", FORM_TYPES_SENT)
def test_a_nul_in_a_form_field_is_refused_naming_the_field(client, content_type):
    response = client.post("/login", data={"email": "ada\x00@example.org", "password": "x"}, content_type=content_type)

    assert response.status_code == 422
    assert "NUL" in response.get_data(as_text=True)
    assert "email" in response.get_data(as_text=True)


def test_a_json_body_is_not_read_as_a_form(client, dept, headers):
    """A body sent as JSON is walked as JSON, even when it looks like a form's fields."""
    response = client.post(
        "/api/v1/contributions", data=b"note=a%00b", content_type="application/json", headers=headers("mentor")
    )

    assert response.status_code == 400
    assert "must be valid JSON" in response.get_json()["errors"]["body"][0]
