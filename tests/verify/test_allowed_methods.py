"""OPTIONS (and a 405) name the methods of the path asked about. ``/verify/<code>`` once
matched its static siblings too, so ``/api/v1/verify/signed`` advertised GET and a GET
looked for a certificate named "signed"."""

from __future__ import annotations

import pytest

from tests.api.error_shape import assert_error


def allowed(response) -> set[str]:
    return {method.strip() for method in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/verify/signed", {"POST", "OPTIONS"}),
        ("/api/v1/verify/credential", {"POST", "OPTIONS"}),
        ("/api/v1/verify/key", {"GET", "HEAD", "OPTIONS"}),
        ("/api/v1/verify/keys", {"GET", "HEAD", "OPTIONS"}),
        ("/api/v1/verify/ABCD-EFGH", {"GET", "HEAD", "OPTIONS"}),
        ("/api/v1/verify/ABCD-EFGH/pdf", {"POST", "OPTIONS"}),
        ("/verify/key.pem", {"GET", "HEAD", "OPTIONS"}),
        ("/verify/keys.json", {"GET", "HEAD", "OPTIONS"}),
        ("/verify/ABCD-EFGH", {"GET", "HEAD", "POST", "OPTIONS"}),
    ],
)
def test_options_advertises_the_methods_of_that_path(client, path, methods):
    response = client.options(path)
    assert response.status_code == 200
    assert allowed(response) == methods


@pytest.mark.parametrize("path", ["/api/v1/verify/signed", "/api/v1/verify/credential"])
def test_a_get_of_a_post_only_path_is_a_405_not_a_lookup(client, path):
    response = client.get(path)
    assert_error(response, 405)
    assert allowed(response) == {"POST", "OPTIONS"}


@pytest.mark.parametrize("code", ["signedx", "keyring", "credentials", "SIGNED"])
def test_codes_that_merely_resemble_a_sibling_are_still_looked_up(client, code):
    response = client.get(f"/api/v1/verify/{code}")
    assert_error(response, 404, "code")
