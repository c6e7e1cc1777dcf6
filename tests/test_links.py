"""Absolute links (emails, certificates, signed statements, calendar feeds) name the
configured BASE_URL; without one, the address a request came to, or the address
``recognition serve``/``demo`` was started on."""

from __future__ import annotations

import json
import socket

import pytest

from recognition import create_app, links
from tests.conftest import app_config, dispose_engines
from tests.credits.test_api import YEAR, record_work
from tests.support.department import PASSWORD, Department


@pytest.mark.parametrize(
    "host, port, hostname, expected",
    [
        ("127.0.0.1", 8123, "ward7", "http://127.0.0.1:8123"),
        ("localhost", 5000, "ward7", "http://localhost:5000"),
        ("mentoring.example.org", 80, "ward7", "http://mentoring.example.org"),
        ("0.0.0.0", 8123, "ward7", "http://ward7:8123"),  # every address: the machine's name
        ("::", 8000, "ward7", "http://ward7:8000"),
        ("", 8000, "", "http://localhost:8000"),  # a machine with no name
        ("::1", 8123, "ward7", "http://[::1]:8123"),  # an IPv6 address is bracketed
        ("[::1]", 8123, "ward7", "http://[::1]:8123"),
    ],
)
def test_the_served_address_is_derived_from_host_and_port(host, port, hostname, expected):
    assert links.derive(host, port, hostname) == expected


def test_outside_a_request_links_name_the_served_address_and_a_configured_one_wins(app):
    app.config["BASE_URL"] = None
    with app.app_context():
        assert links.url("/verify/x") == links.FALLBACK + "/verify/x"
    assert links.serving_on(app, "0.0.0.0", 8123) == f"http://{socket.gethostname()}:8123"
    with app.app_context():
        assert links.url("/verify/x") == f"http://{socket.gethostname()}:8123/verify/x"
    assert links.unconfigured_warning(app).startswith("Warning: BASE_URL is not set")

    app.config["BASE_URL"] = "https://mentoring.example.org/"
    assert links.serving_on(app, "127.0.0.1", 8123) == "https://mentoring.example.org"
    with app.app_context():
        assert links.url("/verify/x") == "https://mentoring.example.org/verify/x"
    assert links.unconfigured_warning(app) is None


def test_a_statement_issued_in_a_request_names_the_address_the_request_came_to(app, client, headers):
    app.config["BASE_URL"] = None
    record_work(client, headers)
    response = client.post(
        "/api/v1/statements", json={"year": YEAR}, headers=headers("mentor"), base_url="http://ward7.example.org:8123"
    )
    assert response.status_code == 201, response.get_json()
    statement = response.get_json()
    code = statement["code"].replace("-", "")
    assert statement["verify_url"] == f"http://ward7.example.org:8123/verify/{code}"
    signed = client.get(statement["links"]["signed"], headers=headers("mentor")).get_json()
    document = json.loads(signed["document"]) if isinstance(signed.get("document"), str) else signed["document"]
    assert document["issuer"]["base_url"] == "http://ward7.example.org:8123"
    assert document["verification"]["url"] == statement["verify_url"]


def test_behind_a_trusted_proxy_links_name_the_public_address(database_url, instance_path):
    app = create_app(app_config(database_url, BASE_URL=None, TRUSTED_PROXIES=1))
    try:
        with app.app_context():
            dept = Department.build()
        client = app.test_client()
        assert client.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD}).status_code == 302
        page = client.get(
            "/calendar", headers={"X-Forwarded-Host": "mentoring.example.org", "X-Forwarded-Proto": "https"}
        ).get_data(as_text=True)
        assert f'value="https://mentoring.example.org/calendar/{dept.ids["mentor"]}/' in page
        assert 'href="webcal://mentoring.example.org/calendar/' in page
    finally:
        dispose_engines(app)


def test_serve_names_the_address_links_will_use(app, runner, monkeypatch):
    app.config["BASE_URL"] = None
    served = {}
    monkeypatch.setattr(
        "recognition.cli.run_simple",
        lambda host, port, application, **kw: served.update(host=host, port=port, app=application),
    )
    result = runner.invoke(args=["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"], served["app"]) == ("0.0.0.0", 8123, app)
    expected = f"http://{socket.gethostname()}:8123"
    assert "Serving on every address of this machine, port 8123" in result.output
    assert f"Links in emails and certificates name {expected}," in result.output
    with app.app_context():
        assert links.base_url() == expected


def test_serve_refuses_a_port_out_of_range(runner):
    result = runner.invoke(args=["serve", "--port", "70000"])
    assert result.exit_code == 2
    assert "--port" in result.output and "65535" in result.output


def test_trusted_hosts_keep_a_forged_host_out_of_links(app, client, headers):
    """Unset BASE_URL takes the request's host: Flask's TRUSTED_HOSTS decides which are taken."""
    app.config.update(BASE_URL=None, TRUSTED_HOSTS=["mentoring.example.org", "localhost"])
    record_work(client, headers)
    forged = client.post(
        "/api/v1/statements", json={"year": YEAR}, headers=headers("mentor"), base_url="http://attacker.example"
    )
    assert forged.status_code == 400
    issued = client.post(
        "/api/v1/statements", json={"year": YEAR}, headers=headers("mentor"), base_url="https://mentoring.example.org"
    )
    assert issued.status_code == 201, issued.get_json()
    assert issued.get_json()["verify_url"].startswith("https://mentoring.example.org/verify/")
