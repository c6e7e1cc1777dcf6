"""Every view and download of a dossier is on the record, and the person reads the record:
who (by name, administrators included), in what capacity, when, what and which period.
A period a dossier cannot cover is refused, naming the field, and records nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from recognition.dossiers.models import DossierAccess
from recognition.extensions import db
from tests.api.error_shape import assert_error

from .conftest import END, START


def rows(world) -> list[DossierAccess]:
    with world.app.app_context():
        found = db.session.scalars(select(DossierAccess).order_by(DossierAccess.id)).all()
        db.session.expunge_all()
        return found


def test_each_look_is_recorded_with_who_why_what_and_which_period(world):
    before = len(rows(world))
    member = world.login("promotion_committee")
    assert member.get(f"/cases/{world.case_id}/dossier").status_code == 200
    assert member.get(f"/cases/{world.case_id}/dossier.csv").status_code == 200
    admin = world.app.test_client()
    assert (
        admin.get(
            "/api/v1/dossiers",
            query_string={
                "person_id": world.ids["mentor"],
                "format": "pdf",
                "start": "2024-06-01",
                "end": "2025-06-30",
            },
            headers=world.headers(admin, "admin"),
        ).status_code
        == 200
    )
    own = world.login("mentor")
    assert own.get("/dossier", query_string={"start": "2024-02-01", "end": "2025-01-31"}).status_code == 200
    new = rows(world)[before:]
    assert [
        (r.viewer_id, r.capacity, r.case_id, r.action, r.format, r.period_start.isoformat(), r.period_end.isoformat())
        for r in new
    ] == [
        (world.ids["promotion_committee"], "committee", world.case_id, "view", "html", "2024-01-01", "2025-12-31"),
        (world.ids["promotion_committee"], "committee", world.case_id, "download", "csv", "2024-01-01", "2025-12-31"),
        (world.ids["admin"], "admin", None, "download", "pdf", "2024-06-01", "2025-06-30"),
        (world.ids["mentor"], "self", None, "view", "html", "2024-02-01", "2025-01-31"),
    ]
    assert all(r.person_id == world.ids["mentor"] and r.dossier_id is None for r in new)

    page = own.get("/dossier").get_data(as_text=True)
    assert "Who looked at my dossier" in page
    for name, role in (("Promotion Committee Person", "committee member"), ("Admin Person", "administrator")):
        assert name in page and role in page

    client = world.app.test_client()
    log = client.get("/api/v1/dossiers/access-log", headers=world.headers(client, "mentor")).get_json()
    latest = {(item["viewer"]["name"], item["capacity"], item["action"], item["format"]) for item in log["items"]}
    assert {
        ("Promotion Committee Person", "committee", "download", "csv"),
        ("Admin Person", "admin", "download", "pdf"),
    } <= latest
    assert log["meta"]["total"] >= 4


def test_the_log_is_the_persons_own_and_the_admins(world):
    client = world.app.test_client()
    theirs = client.get(
        "/api/v1/dossiers/access-log",
        query_string={"person_id": world.ids["mentor"]},
        headers=world.headers(client, "admin"),
    )
    assert theirs.status_code == 200 and theirs.get_json()["items"]
    own = client.get("/api/v1/dossiers/access-log", headers=world.headers(client, "promotion_committee"))
    assert own.status_code == 200 and own.get_json()["items"] == []  # nobody looked at theirs
    assert_error(
        client.get(
            "/api/v1/dossiers/access-log",
            query_string={"person_id": world.ids["mentor"]},
            headers=world.headers(client, "promotion_committee"),
        ),
        404,
        "person_id",
    )


@pytest.mark.parametrize(
    "query, field",
    [
        ({"start": "2025-01-01", "end": "2024-12-31"}, "end"),
        ({"start": "2024-01-01", "end": "2999-01-01"}, "end"),
        ({"start": "1900-01-01", "end": "2024-12-31"}, "start"),
        ({"start": "01/02/2024", "end": "2024-12-31"}, "start"),
        ({"start": "2024-01-01", "end": "2024-02-30"}, "end"),
        ({"format": "docx"}, "format"),
        ({"person_id": "x"}, "person_id"),
    ],
    ids=["end before start", "future end", "too early", "not ISO", "no such day", "unknown format", "bad person"],
)
def test_a_bad_period_is_a_422_naming_the_field_and_records_nothing(world, query, field):
    client = world.app.test_client()
    with world.app.app_context():
        before = db.session.scalar(select(func.count()).select_from(DossierAccess))
    response = client.get("/api/v1/dossiers", query_string=query, headers=world.headers(client, "mentor"))
    assert_error(response, 422, field)
    if field in ("start", "end"):  # the page takes only the period
        page = world.login("mentor").get("/dossier", query_string=query)
        assert page.status_code == 422
        assert "That period cannot be shown" in page.get_data(as_text=True)
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DossierAccess)) == before


def test_issuing_a_bad_period_is_a_422_and_issues_nothing(world):
    client = world.app.test_client()
    response = client.post(
        "/api/v1/dossiers",
        json={"start": START.isoformat(), "end": "2999-12-31"},
        headers=world.headers(client, "mentor"),
    )
    assert_error(response, 422, "end")
    page = world.login("mentor").post("/dossier/issue", data={"start": END.isoformat(), "end": START.isoformat()})
    assert page.status_code == 422 and "must be on or after the start" in page.get_data(as_text=True)
    bad_case = client.post("/api/v1/dossiers", json={"case_id": 999999}, headers=world.headers(client, "mentor"))
    assert_error(bad_case, 422, "case_id")
