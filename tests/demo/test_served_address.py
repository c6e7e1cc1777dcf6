"""``recognition demo --port P`` loads history whose certificates, signed statements,
credentials and emails name the address the demo is served on, not port 5000."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from recognition.awards.models import Grant
from recognition.credits.models import Statement
from recognition.extensions import db
from recognition.outbox import OutboxMessage

SERVED = "http://127.0.0.1:8123"

# Which address the links name is decided in Python from the command's options and config,
# never by the database; the demo itself loads on both backends in the other demo tests.
pytestmark = pytest.mark.dialect_independent


def test_demo_links_name_the_port_it_is_started_on(app, runner):
    app.config["BASE_URL"] = None  # not configured: derived from --host and --port
    result = runner.invoke(args=["demo", "--no-serve", "--scale", "0.1", "--seed", "3", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert f"Links in emails and certificates name {SERVED}," in result.output
    with app.app_context():
        statements = db.session.scalars(select(Statement).options(undefer(Statement.document))).all()
        assert statements
        for statement in statements:
            document = json.loads(statement.document)
            assert document["issuer"]["base_url"] == SERVED
            assert document["verification"]["url"] == f"{SERVED}/verify/{statement.code}"
        grants = db.session.scalars(select(Grant).options(undefer(Grant.credential))).all()
        assert grants
        for grant in grants:
            assert json.loads(grant.credential)["id"] == f"{SERVED}/verify/{grant.code}"
        bodies = db.session.scalars(select(OutboxMessage.body)).all()
        assert any(SERVED in body for body in bodies)
        assert not any(":5000" in body for body in bodies)


def test_a_configured_base_url_wins_over_the_port(app, runner):
    app.config["BASE_URL"] = "https://mentoring.example.org"
    result = runner.invoke(args=["demo", "--no-serve", "--scale", "0.1", "--seed", "3", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "Links in emails and certificates name https://mentoring.example.org (BASE_URL)." in result.output
    with app.app_context():
        documents = db.session.scalars(select(Statement.document)).all()
        assert documents and all(
            json.loads(d)["issuer"]["base_url"] == "https://mentoring.example.org" for d in documents
        )


def test_a_second_run_on_another_port_says_the_loaded_demo_names_the_first(app, runner):
    app.config["BASE_URL"] = None
    assert runner.invoke(args=["demo", "--no-serve", "--scale", "0.1", "--seed", "3"]).exit_code == 0
    result = runner.invoke(args=["demo", "--no-serve", "--scale", "0.1", "--seed", "3", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert (
        "The demo was loaded earlier for http://127.0.0.1:5000: its certificates and emails name that "
        "address (--reset loads it afresh for this one)."
    ) in result.output
