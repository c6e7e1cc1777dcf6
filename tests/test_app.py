"""The application shell: factory, configuration layers, health, API document, headers."""

from __future__ import annotations

import pytest

from recognition import create_app


def test_healthz_names_the_database(client, backend):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == backend


def test_openapi_document_describes_the_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3")
    assert document["paths"]
    assert "Error" in document["components"]["schemas"]


def test_unknown_api_path_answers_in_the_error_shape(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.is_json
    body = response.json
    assert body["code"] == 404
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_missing_secret_key_tells_the_operator_to_run_init(instance_path):
    """An empty instance folder means the app was never initialised: refuse to start."""
    with pytest.raises(RuntimeError, match="recognition init"):
        create_app()


def test_environment_overrides_instance_config(instance_path, monkeypatch):
    (instance_path / "config.py").write_text(
        'SECRET_KEY = "from-instance"\nDEPARTMENT_NAME = "Department of Surgery"\n'
    )
    assert create_app().config["DEPARTMENT_NAME"] == "Department of Surgery"

    monkeypatch.setenv("RECOGNITION_DEPARTMENT_NAME", "Department of Pediatrics")
    app = create_app()
    assert app.config["DEPARTMENT_NAME"] == "Department of Pediatrics"
    assert app.config["SECRET_KEY"] == "from-instance"
