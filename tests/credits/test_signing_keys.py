"""Signing keys: made by ``init``, replaced only by ``keys rotate``, never behind anyone's
back. A missing or broken key stops signing with a clear error and changes nothing; every
public key ever used stays published, so what a retired key signed still verifies."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from recognition import cli
from recognition.awards.announcement import badges
from recognition.credits import canonical, signing
from recognition.credits.models import Statement
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.credits.test_api import YEAR, issue, record_work
from tests.credits.test_views import page_text

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:click")


def statement_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Statement))


def signed_payload(client, headers, statement, role="mentor") -> dict:
    return json.loads(client.get(statement["links"]["signed"], headers=headers(role)).data)


def rotate(runner, *args) -> str:
    result = runner.invoke(args=["keys", "rotate", *args])
    assert result.exit_code == 0, result.output
    return result.output


# --- a missing or broken key: an error, never a new key ----------------------------------------


@pytest.mark.parametrize("damage", ["missing", "broken"])
def test_no_request_makes_a_key_and_signing_without_one_changes_nothing(
    app, client, dept, headers, login, instance_path, runner, caplog, damage
):
    record_work(client, headers)
    key = instance_path / signing.KEY_FILE
    if damage == "missing":
        key.unlink()
    else:
        key.write_text("-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n")

    # Anyone's request for the public key: 503, and no key appears.
    page = client.get("/verify/key.pem")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "Nothing can be signed now" in page_text(page)
    assert_error(client.get("/api/v1/verify/key"), 503, "signing_key")
    rule = signing.MISSING if damage == "missing" else signing.UNREADABLE
    assert client.get("/api/v1/verify/key").get_json()["errors"] == {"signing_key": [rule]}

    # Issuing through the API, the page and the command line: refused, nothing stored.
    refused = client.post("/api/v1/statements", json={"year": YEAR}, headers=headers("mentor"))
    assert_error(refused, 503, "signing_key")
    assert refused.get_json()["message"].startswith("Nothing can be signed now: the signing key")
    page = login(app.test_client(), "mentor").post(
        "/credits/statements", data={"framework": "royal_college_moc", "year": str(YEAR)}
    )
    assert page.status_code == 503
    assert "Nothing can be signed now" in page_text(page)
    result = runner.invoke(args=["statements", "issue", "--year", str(YEAR)])
    assert result.exit_code == 1
    assert "Nothing can be signed now" in result.output and "Traceback" not in result.output
    assert statement_count(app) == 0

    assert ("does not exist" if damage == "missing" else "cannot be loaded") in caplog.text
    if damage == "missing":
        assert not key.exists()
    else:
        assert "broken" in key.read_text()


def test_init_never_replaces_the_key_of_a_deployment_that_has_signed(
    instance_path, database_url, script_apps, monkeypatch
):
    """``init`` (and ``serve``, which runs it) makes the first key only: a lost one is
    restored from the backup, or replaced on purpose with ``keys rotate --lost``."""
    monkeypatch.setenv("RECOGNITION_DATABASE_URL", database_url)
    monkeypatch.setenv("RECOGNITION_SECRET_KEY", "test")
    (instance_path / signing.KEY_FILE).unlink()
    known = json.loads((instance_path / "signing-keys.json").read_text())["keys"][0]["key_id"]

    result = CliRunner().invoke(cli.init_command)
    assert result.exit_code == 1
    assert f"has signed with key {known}" in result.output and "keys rotate --lost" in result.output
    assert not (instance_path / signing.KEY_FILE).exists()

    (instance_path / "signing-keys.json").unlink()  # a new deployment: no key was ever used
    result = CliRunner().invoke(cli.init_command)
    assert result.exit_code == 0, result.output
    assert "Made the statement signing key" in result.output
    assert (instance_path / signing.KEY_FILE).exists()


# --- rotation: the old key stays published, what it signed still verifies -----------------


def test_a_statement_signed_before_a_rotation_still_verifies_everywhere(
    app, client, dept, headers, runner, tmp_path, caplog
):
    record_work(client, headers)
    record_work(client, headers, role="other_mentor")
    before = issue(client, headers)
    old = signed_payload(client, headers, before)

    output = rotate(runner)
    assert f"Retired key {old['key_id']}" in output
    assert "Rotated the signing key" in caplog.text
    after = issue(client, headers, role="other_mentor")
    new = signed_payload(client, headers, after, "other_mentor")
    assert new["key_id"] != old["key_id"]
    assert new["document"]["issuer"]["key_id"] == new["key_id"]

    # The API checks each against the key it names.
    for payload in (old, new):
        checked = client.post("/api/v1/verify/signed", json=payload).get_json()
        assert checked["genuine"] is True, checked
        assert checked["key_id"] == payload["key_id"]
    assert "retired on" in client.post("/api/v1/verify/signed", json=old).get_json()["message"]

    # Both keys are published, with their periods; key.pem is the current one.
    ring = client.get("/api/v1/verify/keys").get_json()
    assert ring["current_key_id"] == new["key_id"]
    assert [entry["key_id"] for entry in ring["keys"]] == [old["key_id"], new["key_id"]]
    retired, current = ring["keys"]
    assert retired["valid_until"] is not None and retired["current"] is False
    assert current["valid_until"] is None and current["valid_from"] == retired["valid_until"]
    page = client.get("/verify/keys.json").get_json()

    def moment(text):
        return text and datetime.fromisoformat(text)

    assert [(e["key_id"], e["public_key_pem"], moment(e["valid_until"])) for e in page["keys"]] == [
        (e["key_id"], e["public_key_pem"], moment(e["valid_until"])) for e in ring["keys"]
    ]
    assert signing.key_id(signing.load_public_pem(client.get("/verify/key.pem").data)) == new["key_id"]

    # So does the command line, with nothing but the file.
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    result = runner.invoke(args=["statements", "verify-file", str(path)])
    assert result.exit_code == 0, result.output
    assert f"signed by key {old['key_id']}" in result.output and "retired on" in result.output

    listed = runner.invoke(args=["keys", "list"])
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.output.splitlines()] == [old["key_id"], new["key_id"]]
    assert "(retired)" in listed.output and "now (current)" in listed.output


def test_a_document_naming_a_key_that_is_not_ours_fails_with_the_reason(client, dept, headers, runner, tmp_path):
    record_work(client, headers)
    payload = signed_payload(client, headers, issue(client, headers))
    forged = {**payload, "key_id": "0123456789abcdef"}

    checked = client.post("/api/v1/verify/signed", json=forged).get_json()
    assert checked["genuine"] is False and checked["key_id"] is None
    assert "names key 0123456789abcdef, which is not one of the keys" in checked["message"]

    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    result = runner.invoke(args=["statements", "verify-file", str(path)])
    assert result.exit_code == 1
    assert (
        "it names key 0123456789abcdef, which is not one of the keys this deployment has signed with" in result.output
    )


def test_a_credential_signed_by_a_retired_key_still_verifies(app, client, runner):
    with app.app_context():
        old = signing.app_key(app)
    document = badges.credential(
        url="http://127.0.0.1:5000/verify/NOCODE",
        issuer_url="http://127.0.0.1:5000",
        issuer_name="Dept",
        achievement_url="http://127.0.0.1:5000/recognition/x",
        award_name="Mentor of the Year",
        description="",
        criteria="Chosen",
        year=2025,
        recipient_name="Zoë",
        recipient_email="zoe@example.org",
        awarded_on=datetime(2025, 5, 1).date(),
        issued_at=datetime(2025, 5, 1, tzinfo=UTC),
    )
    signed = badges.sign(document, old, datetime(2025, 5, 1, tzinfo=UTC))
    rotate(runner)

    checked = client.post("/api/v1/verify/credential", json=signed).get_json()
    assert checked["genuine"] is True, checked
    assert checked["key_id"] == old.key_id

    stranger = signing.SigningKey(signing.Ed25519PrivateKey.generate(), old.path)
    checked = client.post("/api/v1/verify/credential", json=badges.sign(document, stranger, datetime.now(UTC)))
    assert checked.get_json()["genuine"] is False
    assert "another key than this department's" in checked.get_json()["message"]


def test_every_worker_signs_with_the_new_key_after_a_rotation(app, app_on, database_url, instance_path):
    """Another process's rotation is seen at the next signature: nothing keeps the old
    private key in memory for ever."""
    other = app_on(database_url)
    with app.app_context():
        before = signing.app_key(app).key_id
    with other.app_context():
        assert signing.app_key(other).key_id == before
    retired, new = signing.rotate(instance_path, None, datetime(2026, 3, 1, 12, tzinfo=UTC))
    assert retired.key_id == before and retired.valid_until == datetime(2026, 3, 1, 12, tzinfo=UTC)
    for worker in (app, other):
        with worker.app_context():
            assert signing.app_key(worker).key_id == new.key_id
            assert [entry.key_id for entry in signing.published(worker)] == [before, new.key_id]


def test_rotating_a_lost_or_broken_key_needs_lost_and_keeps_the_broken_file(instance_path, runner):
    key = instance_path / signing.KEY_FILE
    known = signing.read_ring(instance_path / signing.RING_FILE)[0].key_id
    key.write_text("damaged")

    refused = runner.invoke(args=["keys", "rotate"])
    assert refused.exit_code == 1
    assert "cannot be loaded" in refused.output and "--lost" in refused.output
    assert key.read_text() == "damaged"

    rotate(runner, "--lost")
    assert [path.read_text() for path in instance_path.glob(f"{signing.KEY_FILE}.unreadable-*")] == ["damaged"]
    ring = signing.read_ring(instance_path / signing.RING_FILE)
    assert ring[0].key_id == known and not ring[0].current  # its public key still verifies what it signed
    assert ring[1].current and ring[1].key_id == signing.load_key(key).key_id


def test_what_a_retired_key_signs_after_its_retirement_is_not_genuine(
    app, client, dept, headers, runner, tmp_path, instance_path
):
    """A key is retired because it may have been taken: a document it signs later, however
    sound its signature, is refused (beyond a few minutes for clocks that differ)."""
    record_work(client, headers)
    payload = signed_payload(client, headers, issue(client, headers))
    with app.app_context():
        old = signing.app_key(app)
    retired_at = datetime.now(UTC).replace(microsecond=0)
    signing.rotate(instance_path, None, retired_at)

    later = {**payload["document"], "issued_at": "2099-01-01T00:00:00Z"}
    content = canonical.canonical(later)
    forged = {**payload, "document": later, "content_hash": canonical.sha256(content), "signature": old.sign(content)}
    checked = client.post("/api/v1/verify/signed", json=forged).get_json()
    assert checked["genuine"] is False
    assert f"after key {old.key_id} was retired on" in checked["message"]
    assert client.post("/api/v1/verify/signed", json=payload).get_json()["genuine"] is True  # signed before

    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    result = runner.invoke(args=["statements", "verify-file", str(path)])
    assert result.exit_code == 1 and f"after key {old.key_id} was retired on" in result.output

    credential = badges.sign(
        badges.credential(
            url="http://127.0.0.1:5000/verify/NOCODE",
            issuer_url="http://127.0.0.1:5000",
            issuer_name="Dept",
            achievement_url="http://127.0.0.1:5000/recognition/x",
            award_name="Mentor of the Year",
            description="",
            criteria="Chosen",
            year=2099,
            recipient_name="Zoë",
            recipient_email="zoe@example.org",
            awarded_on=datetime(2099, 1, 1).date(),
            issued_at=datetime(2099, 1, 1, tzinfo=UTC),
        ),
        old,
        datetime(2099, 1, 1, tzinfo=UTC),
    )
    checked = client.post("/api/v1/verify/credential", json=credential).get_json()
    assert checked["genuine"] is False and "was retired on" in checked["message"]


def test_a_retired_key_put_back_from_an_old_backup_signs_nothing(app, client, dept, headers, runner, instance_path):
    record_work(client, headers)
    key = instance_path / signing.KEY_FILE
    backup = key.read_bytes()
    rotate(runner)
    key.write_bytes(backup)  # an operator restores last month's backup of the key

    refused = client.post("/api/v1/statements", json={"year": YEAR}, headers=headers("mentor"))
    assert_error(refused, 503, "signing_key")
    assert refused.get_json()["errors"]["signing_key"][0].startswith("was retired on")
    assert statement_count(app) == 0
    assert client.get("/readyz").get_json()["errors"]["signing_key"][0].startswith("was retired on")
    rotate(runner)  # a new key from now on; the old ones stay published
    first, second, third = client.get("/verify/keys.json").get_json()["keys"]
    assert first["valid_until"] <= second["valid_from"] <= second["valid_until"] <= third["valid_from"]
    assert third["current"] and not first["current"] and not second["current"]
    issue(client, headers)
