"""``recognition statements verify-file`` and ``key``: checking a downloaded signed
statement offline, and publishing the key that checks it."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from recognition.auth.service import load_actor
from recognition.credits import canonical, service, signing
from recognition.extensions import db

from .test_batch import ISSUED, MOC, YEAR, credited_people


@pytest.fixture
def signed_file(app, dept, tmp_path):
    """A statement's signed JSON, saved as a mentor would download it: (path, payload)."""
    person_id = credited_people(app, dept, 1)[0]
    with app.app_context():
        statement = service.issue(person_id, MOC, YEAR, load_actor(dept.ids["admin"]), ISSUED)
        db.session.commit()
        payload = canonical.signed_json(statement)
    path = tmp_path / "statement.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    return path, payload


def public_key_file(app, tmp_path):
    with app.app_context():
        pem = signing.app_key(app).public_pem()
    path = tmp_path / "key.pem"
    path.write_text(pem)
    return path


def test_a_genuine_statement_verifies_with_the_deployments_key(runner, signed_file):
    path, payload = signed_file
    result = runner.invoke(args=["statements", "verify-file", str(path)])
    assert result.exit_code == 0, result.output
    document = payload["document"]
    assert result.stdout.startswith(f"GENUINE: the document is intact and signed by key {payload['key_id']}")
    assert f"{document['number']}: Batch Person 000, Royal College MOC Program {YEAR}" in result.stdout
    assert f"{document['total']} credits" in result.stdout
    assert document["verification"]["url"] in result.stdout


def test_a_genuine_statement_verifies_with_the_published_key_file(app, runner, signed_file, tmp_path):
    path, _ = signed_file
    result = runner.invoke(
        args=["statements", "verify-file", str(path), "--public-key", str(public_key_file(app, tmp_path))]
    )
    assert result.exit_code == 0, result.output
    assert "GENUINE" in result.stdout and "key.pem" in result.stdout


@pytest.mark.parametrize(
    "change, reason",
    [
        (
            lambda p: p["document"].update(total="99.00"),
            "the document does not match its content hash (it was changed)",
        ),
        (lambda p: p["document"]["person"].update(name="Someone Else"), "the document does not match its content hash"),
        (
            lambda p: p["document"]["activities"].append(dict(p["document"]["activities"][0])),
            "does not match its content hash",
        ),
    ],
)
def test_a_changed_statement_is_not_genuine(runner, signed_file, change, reason):
    path, payload = signed_file
    change(payload)
    path.write_text(json.dumps(payload))
    result = runner.invoke(args=["statements", "verify-file", str(path)])
    assert result.exit_code == 1
    assert "NOT GENUINE" in result.stderr and reason in result.stderr
    assert "GENUINE:" not in result.stdout


def test_a_change_with_its_hash_recomputed_fails_the_signature(runner, signed_file):
    path, payload = signed_file
    payload["document"]["total"] = "99.00"
    payload["content_hash"] = canonical.sha256(canonical.canonical(payload["document"]))
    path.write_text(json.dumps(payload))
    result = runner.invoke(args=["statements", "verify-file", str(path)])
    assert result.exit_code == 1
    assert "NOT GENUINE: the signature does not match this key" in result.stderr


def test_the_wrong_key_says_which_key_signed(app, runner, signed_file, tmp_path):
    path, payload = signed_file
    other = tmp_path / "other.pem"
    other_public = Ed25519PrivateKey.generate().public_key()
    other.write_text(signing.public_pem(other_public))
    result = runner.invoke(args=["statements", "verify-file", str(path), "--public-key", str(other)])
    assert result.exit_code == 1
    assert "the signature does not match this key" in result.stderr
    assert f"It names key {payload['key_id']}; you checked with {signing.key_id(other_public)}" in result.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        (b"%PDF-1.4 not json", "it is not JSON"),
        (b"\xff\xfe\x00garbage", "it is not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "it is not JSON (arrays and objects nest more than 32 levels deep)"),
        (b"[1, 2, 3]", "it needs document and signature"),
        (b'{"document": {}, "signature": 12345, "content_hash": "x"}', "the signature must be a string"),
        (b'{"signature": "abc"}', "not a signed statement: it needs document and signature"),
    ],
)
def test_a_file_that_is_not_a_signed_statement_is_refused(app, runner, tmp_path, content, message):
    with app.app_context():
        signing.app_key(app)  # the deployment's key, as `recognition init` makes it
    path = tmp_path / "upload.json"
    path.write_bytes(content)
    result = runner.invoke(args=["statements", "verify-file", str(path)])
    assert result.exit_code == 1
    assert message in result.output


def test_a_key_file_that_is_not_a_public_key_is_refused(runner, signed_file, tmp_path):
    path, _ = signed_file
    bad = tmp_path / "bad.pem"
    bad.write_text("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n")
    result = runner.invoke(args=["statements", "verify-file", str(path), "--public-key", str(bad)])
    assert result.exit_code == 1
    assert f"{bad} is not an Ed25519 public key in PEM" in result.output


def test_key_prints_the_public_key_and_its_id(app, runner, signed_file):
    result = runner.invoke(args=["statements", "key"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        key = signing.app_key(app)
    published = signing.load_public_pem(result.stdout)  # stdout is the PEM alone, ready to save
    assert signing.key_id(published) == key.key_id
    assert result.stdout == key.public_pem()
    assert f"Key id: {key.key_id}" in result.stderr


def test_key_without_a_key_says_how_to_make_one(app, runner, instance_path):
    (instance_path / signing.KEY_FILE).unlink()
    result = runner.invoke(args=["statements", "key"])
    assert result.exit_code == 1
    assert "the signing key is missing" in result.output and "recognition init" in result.output
    assert not (instance_path / signing.KEY_FILE).exists()
