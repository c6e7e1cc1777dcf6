"""Issuing a dossier: a signed snapshot with its PDF, superseded by a later issue for the same
period, refused when nothing changed; verified in public by its code (page and API), the
PDF compared byte for byte; its ledger head an anchor of ``ledger verify``."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from recognition.auth.service import load_actor
from recognition.credits import canonical, signing
from recognition.dossiers import service
from recognition.dossiers.models import Dossier, DossierAccess
from recognition.extensions import db
from recognition.ledger import anchors
from recognition.ledger import service as ledger
from tests.api.error_shape import assert_error

from .conftest import END, START

ISSUED_AT = datetime(2026, 2, 1, 9, 30)


@pytest.fixture(scope="module")
def versions(world):
    """Version 1 for the case period; then a new meeting; then version 2."""
    with world.app.app_context():
        mentor = load_actor(world.ids["mentor"])
        first = service.issue(None, START, END, mentor, ISSUED_AT, case_id=world.case_id)
        db.session.commit()
        ledger.record(
            {
                "kind": "meeting",
                "mentorship_id": json.loads(first.document)["mentees"][0]["mentorship_id"],
                "occurred_on": date(2025, 11, 3),
                "minutes": 30,
            },
            mentor,
            ISSUED_AT,
        )
        db.session.commit()
        second = service.issue(None, START, END, mentor, datetime(2026, 2, 2, 9, 30))
        db.session.commit()
        return {"first": (first.id, first.code), "second": (second.id, second.code)}


def test_an_issued_dossier_is_a_signed_numbered_snapshot_with_its_pdf(world, versions):
    with world.app.app_context():
        first = db.session.get(Dossier, versions["first"][0])
        document = json.loads(first.document)
        assert first.number == f"DOS-{world.ids['mentor']:05d}-20240101-20251231-1" == document["number"]
        assert (first.version, first.supersedes_id, first.case_id) == (1, None, world.case_id)
        assert document["case"] == {"id": world.case_id, "kind": "promotion"}
        key = signing.find(world.app, first.key_id)
        assert signing.verify(key.public, first.document.encode(), first.signature)
        assert canonical.sha256(first.document.encode()) == first.content_hash
        assert canonical.sha256(first.pdf) == first.pdf_sha256
        assert (document["ledger_head"]["seq"], document["ledger_head"]["hash"]) == (
            first.ledger_seq,
            first.ledger_hash,
        )
        assert document["verification"]["code"] == canonical.format_code(first.code)
        assert document["summary"]["confirmed_meetings"] == 3
        text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(first.pdf)).pages).split())
        assert first.number in text and canonical.format_code(first.code) in text
        assert f"entry {first.ledger_seq}, head hash {first.ledger_hash}" in text
        recorded = db.session.scalars(
            select(DossierAccess).where(DossierAccess.dossier_id == first.id, DossierAccess.action == "issue")
        ).all()
        assert [(r.viewer_id, r.capacity) for r in recorded] == [(world.ids["mentor"], "self")]


def test_a_reissue_supersedes_and_an_unchanged_one_is_refused(world, versions):
    with world.app.app_context():
        second = db.session.get(Dossier, versions["second"][0])
        assert (second.version, second.supersedes_id) == (2, versions["first"][0])
        assert json.loads(second.document)["supersedes"].endswith("-1")
        assert json.loads(second.document)["summary"]["meetings"] == 5
    client = world.app.test_client()
    response = client.post(
        "/api/v1/dossiers",
        json={"start": START.isoformat(), "end": END.isoformat()},
        headers=world.headers(client, "mentor"),
    )
    assert_error(response, 409, "period")
    assert "Nothing has changed" in response.get_json()["message"]


def test_verification_says_current_or_superseded_and_nothing_more(world, versions):
    client = world.app.test_client()
    old = client.get(f"/api/v1/verify/{canonical.format_code(versions['first'][1]).lower()}")
    new = client.get(f"/api/v1/verify/{versions['second'][1]}")
    assert old.status_code == new.status_code == 200
    old, new = old.get_json(), new.get_json()
    assert (old["kind"], old["status"], new["status"]) == ("dossier", "superseded", "current")
    assert old["current_verify_url"] == f"http://127.0.0.1:5000/verify/{versions['second'][1]}"
    assert old["name"] == "Mentor Person" and old["period_start"] == "2024-01-01" and old["period_end"] == "2025-12-31"
    assert set(old) == {
        "genuine",
        "status",
        "kind",
        "number",
        "name",
        "period",
        "period_start",
        "period_end",
        "issued_on",
        "revoked_on",
        "current_number",
        "current_verify_url",
        "content_hash",
        "pdf_sha256",
        "key_id",
    }
    page = client.get(f"/verify/{versions['first'][1]}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "superseded" in text and "Mentor Person" in text
    assert "Mentee Person" not in text and "a mentee" not in text


def test_the_issued_pdf_is_recognised_and_a_changed_one_is_not(world, versions):
    with world.app.app_context():
        pdf = db.session.get(Dossier, versions["second"][0]).pdf
    client = world.app.test_client()
    code = versions["second"][1]
    same = client.post(
        f"/api/v1/verify/{code}/pdf",
        data={"file": (io.BytesIO(pdf), "dossier.pdf")},
        content_type="multipart/form-data",
    )
    changed = client.post(
        f"/api/v1/verify/{code}/pdf",
        data={"file": (io.BytesIO(pdf + b"\n%"), "dossier.pdf")},
        content_type="multipart/form-data",
    )
    assert same.get_json()["identical"] is True and changed.get_json()["identical"] is False
    not_pdf = client.post(
        f"/api/v1/verify/{code}/pdf", data={"file": (io.BytesIO(b"hello"), "x.pdf")}, content_type="multipart/form-data"
    )
    assert_error(not_pdf, 422, "file")
    page = client.post(
        f"/verify/{code}", data={"pdf": (io.BytesIO(pdf), "dossier.pdf")}, content_type="multipart/form-data"
    )
    assert page.status_code == 200 and "Identical." in page.get_data(as_text=True)
    page = client.post(
        f"/verify/{code}", data={"pdf": (io.BytesIO(pdf[:-10]), "dossier.pdf")}, content_type="multipart/form-data"
    )
    assert page.status_code == 200 and "Different." in page.get_data(as_text=True)


def test_ledger_verify_takes_issued_dossiers_as_anchors(world, versions):
    with world.app.app_context():
        found = anchors.gather()
        named = {anchor.source: (anchor.seq, anchor.hash) for anchor in found.anchors}
        for dossier in db.session.scalars(select(Dossier)):
            assert named[f"dossier {dossier.number}"] == (dossier.ledger_seq, dossier.ledger_hash)
        assert not found.problems
        assert ledger.verify().valid


def test_the_issued_list_and_the_signed_json(world, versions):
    client = world.app.test_client()
    headers = world.headers(client, "mentor")
    listed = client.get("/api/v1/dossiers/issued", headers=headers).get_json()["items"]
    by_id = {item["id"]: item for item in listed}
    assert by_id[versions["first"][0]]["status"] == "superseded" and by_id[versions["second"][0]]["status"] == "current"
    one = client.get(f"/api/v1/dossiers/issued/{versions['second'][0]}", headers=headers).get_json()
    payload = {key: one[key] for key in ("document", "content_hash", "signature")}
    with world.app.app_context():
        assert canonical.check_signed(payload, signing.find(world.app, one["key_id"]).public)[0]
    page = world.login("mentor").get("/dossier", query_string={"start": START.isoformat(), "end": END.isoformat()})
    text = page.get_data(as_text=True)
    assert canonical.format_code(versions["second"][1]) in text and "superseded" in text


def test_the_page_issues_and_says_so(world):
    client = world.login("mentor")
    response = client.post("/dossier/issue", data={"start": "2024-03-01", "end": "2025-06-30"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Issued dossier DOS-" in page
    again = client.post("/dossier/issue", data={"start": "2024-03-01", "end": "2025-06-30"})
    assert again.status_code == 409 and "Nothing has changed" in again.get_data(as_text=True)


def test_a_retried_issue_with_the_same_idempotency_key_issues_once(world):
    client = world.app.test_client()
    headers = {**world.headers(client, "mentor"), "Idempotency-Key": "dossier-2024-04"}
    body = {"start": "2024-04-01", "end": "2025-12-31"}
    first = client.post("/api/v1/dossiers", json=body, headers=headers)
    again = client.post("/api/v1/dossiers", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.get_json() == first.get_json()
    with world.app.app_context():
        assert len(db.session.scalars(select(Dossier).where(Dossier.period_start == date(2024, 4, 1))).all()) == 1


def test_a_new_code_is_never_one_a_statement_award_or_dossier_has(world, versions, monkeypatch):
    taken = versions["first"][1]
    fresh = iter([taken, taken, "ABCDEFGHJKLMNPQRSTUVWXYZ"])
    monkeypatch.setattr(canonical, "new_code", lambda: next(fresh))
    with world.app.app_context():
        assert service.new_code() == "ABCDEFGHJKLMNPQRSTUVWXYZ"
