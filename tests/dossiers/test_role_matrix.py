"""Who may read, download and issue the candidate's dossier, on the API and the pages.

The candidate themself, the members of an open case about them who are not recused, and
administrators. Everyone else, their mentor, mentee and division director included, gets
a 404 as if there were no dossier, and nothing is recorded; a member who was removed, is
recused, or sat on a case now closed is everyone else. Every read that is allowed is
recorded in the candidate's access log.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from recognition.auth.service import load_actor
from recognition.dossiers import service
from recognition.dossiers.models import Dossier, DossierAccess
from recognition.extensions import db
from tests.api.error_shape import assert_error

from .conftest import END, START

ROLES = (
    "mentor",
    "senior",
    "mentee",
    "director",
    "other_director",
    "outsider",
    "admin",
    "promotion_committee",
    "recused",
    "removed",
    "award_committee",
    None,
)
NAMES = {
    "mentor": "self",
    "senior": "their mentor",
    "mentee": "their mentee",
    "director": "their director",
    "other_director": "another director",
    "outsider": "outsider",
    "admin": "admin",
    "promotion_committee": "member of the open case",
    "recused": "recused member",
    "removed": "removed member",
    "award_committee": "member of a closed case",
    None: "anonymous",
}

#                    self mentor mentee dir other out admin member recused removed closed anon
API = {
    "draft json": (200, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 401),
    "draft pdf": (200, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 401),
    "draft csv": (200, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 401),
    "issued list": (200, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 401),
    "issued json": (200, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 401),
    "issued pdf": (200, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 401),
    "issued csv": (200, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 401),
    "access log": (200, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 401),
    "issue": (201, 404, 404, 404, 404, 404, 201, 403, 404, 404, 404, 401),
}
PAGES = {
    "person page": (200, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 302),
    "case page": (404, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 302),
    "case pdf": (404, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 302),
    "closed case": (404, 404, 404, 404, 404, 404, 200, 404, 404, 404, 404, 302),
    "draft download": (200, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 302),
    "issued download": (200, 404, 404, 404, 404, 404, 200, 200, 404, 404, 404, 302),
    "issue": (302, 404, 404, 404, 404, 404, 302, 403, 404, 404, 404, 302),
}


@pytest.fixture(scope="module")
def issued_id(world):
    with world.app.app_context():
        dossier = service.issue(
            world.ids["mentor"], START, END, load_actor(world.ids["mentor"]), datetime(2026, 1, 5, 12, 0)
        )
        db.session.commit()
        return dossier.id


def recorded(world) -> int:
    with world.app.app_context():
        return db.session.scalar(select(func.count()).select_from(DossierAccess))


def issued_count(world) -> int:
    with world.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Dossier))


def own_period(role, offset: int = 0) -> dict:
    """Self and admins issue for a period of their own (a second issue of the same would
    be refused as unchanged); anyone else asks for the case's."""
    if role in ("mentor", "admin"):
        start = START + timedelta(days=ROLES.index(role) + 1 + offset)
        return {"start": start.isoformat(), "end": END.isoformat()}
    return {"start": START.isoformat(), "end": END.isoformat()}


@pytest.mark.parametrize("role", ROLES, ids=[NAMES[r] for r in ROLES])
def test_who_may_use_the_dossier_api(world, issued_id, role):
    client = world.app.test_client()
    headers = world.headers(client, role)
    person = world.ids["mentor"]
    base = "/api/v1/dossiers"
    calls = {
        "draft json": lambda: client.get(base, query_string={"person_id": person}, headers=headers),
        "draft pdf": lambda: client.get(base, query_string={"person_id": person, "format": "pdf"}, headers=headers),
        "draft csv": lambda: client.get(base, query_string={"person_id": person, "format": "csv"}, headers=headers),
        "issued list": lambda: client.get(f"{base}/issued", query_string={"person_id": person}, headers=headers),
        "issued json": lambda: client.get(f"{base}/issued/{issued_id}", headers=headers),
        "issued pdf": lambda: client.get(f"{base}/issued/{issued_id}?format=pdf", headers=headers),
        "issued csv": lambda: client.get(f"{base}/issued/{issued_id}?format=csv", headers=headers),
        "access log": lambda: client.get(f"{base}/access-log", query_string={"person_id": person}, headers=headers),
        "issue": lambda: client.post(base, json={"person_id": person, **own_period(role)}, headers=headers),
    }
    column = ROLES.index(role)
    for action, statuses in API.items():
        expected = statuses[column]
        before, dossiers = recorded(world), issued_count(world)
        response = calls[action]()
        assert response.status_code == expected, (action, role, response.get_data(as_text=True)[:300])
        if expected >= 400:
            assert_error(response, expected, *(["Authorization"] if expected == 401 else []))
            assert "Mentor Person" not in response.get_data(as_text=True), (action, role)
            assert (recorded(world), issued_count(world)) == (before, dossiers), (action, role)
        elif action != "issued list" and action != "access log":
            assert recorded(world) == before + 1, (action, role)  # every read is on the record
        if action == "draft json" and expected == 200:
            period = response.get_json()["period"]
            if role == "promotion_committee":
                assert period == {"start": START.isoformat(), "end": END.isoformat()}
        if action == "draft pdf" and expected == 200:
            assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
        if action == "issued pdf" and expected == 200:
            with world.app.app_context():
                assert response.data == db.session.get(Dossier, issued_id).pdf


@pytest.mark.parametrize("role", ROLES, ids=[NAMES[r] for r in ROLES])
def test_who_may_use_the_dossier_pages(world, issued_id, role):
    client = world.login(role)
    person = world.ids["mentor"]
    period = {"start": START.isoformat(), "end": END.isoformat()}
    issue_period = own_period(role, offset=20)
    calls = {
        "person page": lambda: client.get(f"/people/{person}/dossier"),
        "case page": lambda: client.get(f"/cases/{world.case_id}/dossier"),
        "case pdf": lambda: client.get(f"/cases/{world.case_id}/dossier.pdf"),
        "closed case": lambda: client.get(f"/cases/{world.closed_case_id}/dossier"),
        "draft download": lambda: client.get(f"/dossier/{person}/draft.csv", query_string=period),
        "issued download": lambda: client.get(f"/dossier/issued/{issued_id}.pdf"),
        "issue": lambda: client.post("/dossier/issue", data={"person_id": person, **issue_period}),
    }
    column = ROLES.index(role)
    for action, statuses in PAGES.items():
        expected = statuses[column]
        before, dossiers = recorded(world), issued_count(world)
        response = calls[action]()
        assert response.status_code == expected, (action, role, response.get_data(as_text=True)[:300])
        if expected == 302 and role is None:
            assert "/login" in response.headers["Location"]
        if expected >= 400 or role is None:
            if role != "mentor":  # the page header names whoever is signed in
                assert "Mentor Person" not in response.get_data(as_text=True), (action, role)
            assert (recorded(world), issued_count(world)) == (before, dossiers), (action, role)
        elif action != "issue":
            assert recorded(world) == before + 1, (action, role)
        if action in ("case page", "person page") and expected == 200:
            page = response.get_data(as_text=True)
            assert "Data Summary Table: Mentorship" in page and "a mentee (assistant professor, Nephrology)" in page
            assert "Quinn" not in page


@pytest.mark.parametrize("role", ROLES[:-1], ids=[NAMES[r] for r in ROLES[:-1]])
def test_everyone_signed_in_has_their_own_dossier_page(world, role):
    page = world.login(role).get("/dossier")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "My dossier" in text and "Who looked at my dossier" in text


def test_the_committee_member_may_read_only_the_case_period(world):
    client = world.app.test_client()
    headers = world.headers(client, "promotion_committee")
    response = client.get(
        "/api/v1/dossiers",
        query_string={"person_id": world.ids["mentor"], "start": "2020-01-01", "end": END.isoformat()},
        headers=headers,
    )
    assert_error(response, 422, "start", "end")
    assert date.fromisoformat(START.isoformat()) == START


@pytest.mark.parametrize(
    "role, email, expected",
    [
        ("admin", "mentor@test.example.org", 302),
        ("admin", "nobody@test.example.org", 422),
        ("admin", "not an email", 422),
        ("director", "mentor@test.example.org", 404),
        ("promotion_committee", "mentor@test.example.org", 404),
    ],
)
def test_an_administrator_opens_anyones_dossier_by_email(world, role, email, expected):
    response = world.login(role).get("/people/dossier", query_string={"email": email})
    assert response.status_code == expected
    if expected == 302:
        assert response.headers["Location"].endswith(f"/people/{world.ids['mentor']}/dossier")
    if expected == 422:
        assert "Email of the person:" in response.get_data(as_text=True)


def test_a_member_opens_the_dossier_from_the_case_page(world):
    member = world.login("promotion_committee")
    case_page = member.get(f"/cases/{world.case_id}")
    assert case_page.status_code == 200
    link = f'href="/cases/{world.case_id}/dossier"'
    assert link in case_page.get_data(as_text=True)
    dossier = member.get(f"/cases/{world.case_id}/dossier")
    assert dossier.status_code == 200 and "Dossier of Mentor Person" in dossier.get_data(as_text=True)
