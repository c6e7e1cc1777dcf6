"""``/healthz`` (alive, can render) and ``/readyz`` (can serve and write), each problem named."""

from __future__ import annotations

import pytest
from sqlalchemy import text

import recognition.app
from recognition.credits import signing
from recognition.extensions import db


@pytest.fixture
def build(app_on):
    """``build(database_url, **config)``: an app like the ``app`` fixture's; disposed after."""
    return app_on


@pytest.fixture
def signed(app, instance_path):
    """The app with its signing key made, as ``recognition init`` makes it."""
    signing.ensure_key(instance_path)
    return app


def unavailable(response) -> dict[str, list[str]]:
    assert response.status_code == 503, response.get_data(as_text=True)
    body = response.json
    assert body["code"] == 503 and body["message"]
    assert response.headers["Cache-Control"] == "no-store"
    return body["errors"]


def test_ready_when_the_database_the_key_and_the_pages_are(signed, backend):
    response = signed.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "database": backend}
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_that_cannot_render_fail_both_probes_and_every_page_says_why(
    database_url, build, monkeypatch, tmp_path, instance_path
):
    """An installation without its templates: 503s that say so, never a 500."""
    monkeypatch.setattr(recognition.app, "TEMPLATES_DIR", tmp_path / "no-templates")
    signing.ensure_key(instance_path)
    client = build(database_url).test_client()

    errors = unavailable(client.get("/healthz"))
    assert list(errors) == ["templates"]
    assert any("base.html is missing" in rule for rule in errors["templates"])
    assert list(unavailable(client.get("/readyz"))) == ["templates"]

    page = client.get("/login")
    assert page.status_code == 503
    assert page.mimetype == "text/html"
    assert "missing its page templates" in page.get_data(as_text=True)


def test_a_missing_signing_key_is_named_and_not_made(client, instance_path):
    (instance_path / signing.KEY_FILE).unlink()
    errors = unavailable(client.get("/readyz"))
    assert list(errors) == ["signing_key"]
    assert "is missing" in errors["signing_key"][0]
    assert not (instance_path / signing.KEY_FILE).exists()
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_an_unreadable_signing_key_is_named(client, instance_path):
    (instance_path / signing.KEY_FILE).write_text("not a key")
    errors = unavailable(client.get("/readyz"))
    assert list(errors) == ["signing_key"]
    assert errors["signing_key"][0].startswith("cannot be loaded: it must be an unencrypted Ed25519 private key in PEM")
    assert "recognition keys rotate --lost" in errors["signing_key"][0]
    assert (instance_path / signing.KEY_FILE).read_text() == "not a key"  # never replaced behind the operator's back


def test_a_key_lost_or_broken_while_serving_fails_readiness_at_the_next_probe(signed, instance_path, caplog):
    """A key loaded once is not trusted for ever: readiness follows the file on disk."""
    client = signed.test_client()
    assert client.get("/readyz").status_code == 200
    key = instance_path / signing.KEY_FILE
    saved = key.read_bytes()
    key.unlink()
    assert "is missing" in unavailable(client.get("/readyz"))["signing_key"][0]
    assert "does not exist" in caplog.text
    key.write_bytes(saved[:40])
    assert unavailable(client.get("/readyz"))["signing_key"][0].startswith("cannot be loaded")
    key.write_bytes(saved)
    assert client.get("/readyz").status_code == 200


def test_a_damaged_key_ring_is_named(signed, instance_path):
    (instance_path / signing.RING_FILE).write_text('{"keys": [{"public_key_pem": "no"}]}')
    errors = unavailable(signed.test_client().get("/readyz"))
    assert errors == {"signing_keys": ["cannot be read: restore signing-keys.json from the backup"]}


def test_a_full_disk_is_named(signed, monkeypatch, instance_path, caplog):
    """Every write (the database, the outbox, uploads) fails on a full disk: not ready."""
    real = recognition.health.checks.shutil.disk_usage
    full = {str(instance_path)}

    def usage(folder):
        found = real(folder)
        return found._replace(free=5 * 1024 * 1024) if str(folder) in full else found

    monkeypatch.setattr(recognition.health.checks.shutil, "disk_usage", usage)
    client = signed.test_client()
    errors = unavailable(client.get("/readyz"))
    assert errors == {
        "disk": ["is almost full: 5 MB free where the app writes, it needs at least 64 MB (READY_MIN_FREE_MB)"]
    }
    assert str(instance_path) in caplog.text  # the operator's log says which disk
    assert client.get("/healthz").status_code == 200  # a full disk restarts no worker
    signed.config["READY_MIN_FREE_MB"] = 4
    assert client.get("/readyz").status_code == 200


def test_a_database_behind_the_code_is_told_to_migrate(signed, backend):
    with signed.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '0004_scheduler'"))
        db.session.commit()
    errors = unavailable(signed.test_client().get("/readyz"))
    assert list(errors) == ["database"]
    assert errors["database"][0].startswith("schema is at 0004_scheduler")
    assert "recognition init" in errors["database"][0]


def test_a_database_without_the_schema_is_told_to_run_init(signed):
    with signed.app_context():
        db.session.execute(text("DROP TABLE alembic_version"))
        db.session.commit()
    errors = unavailable(signed.test_client().get("/readyz"))
    assert errors == {"database": ["has no schema: run `recognition init`"]}


def test_an_unreachable_database_is_named(backend, build, tmp_path, instance_path):
    signing.ensure_key(instance_path)
    url = (
        f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
        if backend == "sqlite"
        else "postgresql://nobody@127.0.0.1:1/nothing?connect_timeout=2"
    )
    client = build(url).test_client()
    assert unavailable(client.get("/readyz")) == {"database": ["cannot be reached"]}
    assert client.get("/healthz").status_code == 200  # a database outage restarts no worker


def test_a_read_only_database_is_named(backend, database_url, build, monkeypatch, instance_path):
    signing.ensure_key(instance_path)
    if backend == "sqlite":
        # The suite runs as root, for whom every file is writable: play a read-only file.
        path = database_url.removeprefix("sqlite:///")
        real_access = recognition.health.checks.os.access
        monkeypatch.setattr(
            recognition.health.checks.os, "access", lambda p, mode: False if str(p) == path else real_access(p, mode)
        )
        app = build(database_url)
    else:
        app = build(database_url + "?options=-c%20default_transaction_read_only%3Don")
    errors = unavailable(app.test_client().get("/readyz"))
    assert list(errors) == ["database"]
    assert errors["database"][0].startswith("is read-only")


def test_probes_answer_anyone_in_the_error_shape_of_the_api(client):
    assert client.get("/readyz", headers={"Accept": "text/html"}).is_json
