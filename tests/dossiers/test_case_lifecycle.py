"""A committee member's access follows the case as it changes: a flagged member reads
nothing until an administrator overrides the flag, and everyone loses access when the
case closes or they are removed."""

from __future__ import annotations

from datetime import date, datetime

from recognition.cases.models import Case, CaseMember, CaseOverride
from recognition.extensions import db
from tests.api.error_shape import assert_error

NOW = datetime(2026, 1, 10, 12, 0)


def test_access_follows_the_flag_its_override_removal_and_the_close(app, client, dept, headers):
    with app.app_context():
        case = Case(
            candidate_id=dept.ids["mentor"],
            kind="promotion",
            target_rank="full",
            period_start=date(2024, 1, 1),
            period_end=date(2025, 12, 31),
            due_on=date(2026, 6, 30),
            opened_at=NOW,
        )
        db.session.add(case)
        db.session.flush()
        member = CaseMember(case_id=case.id, person_id=dept.ids["mentee"], added_at=NOW)  # their mentee: flagged
        db.session.add(member)
        db.session.commit()
        case_id, member_id = case.id, member.id

    def read() -> int:
        return client.get(
            "/api/v1/dossiers", query_string={"person_id": dept.ids["mentor"]}, headers=headers("mentee")
        ).status_code

    assert read() == 404
    with app.app_context():
        db.session.add(
            CaseOverride(
                case_id=case_id,
                member_id=dept.ids["mentee"],
                flags="mentorship",
                reason="The only cardiologist free to sit",
                by_id=dept.ids["admin"],
                at=NOW,
            )
        )
        db.session.commit()
    assert read() == 200
    response = client.get("/api/v1/dossiers", query_string={"person_id": dept.ids["mentor"]}, headers=headers("mentee"))
    assert response.get_json()["period"] == {"start": "2024-01-01", "end": "2025-12-31"}

    with app.app_context():
        db.session.get(CaseMember, member_id).removed_at = NOW
        db.session.commit()
    assert read() == 404
    with app.app_context():
        db.session.get(CaseMember, member_id).removed_at = None
        db.session.commit()
    assert read() == 200
    with app.app_context():
        db.session.get(Case, case_id).closed_at = NOW
        db.session.commit()
    assert_error(
        client.get("/api/v1/dossiers", query_string={"person_id": dept.ids["mentor"]}, headers=headers("mentee")),
        404,
        "person_id",
    )
