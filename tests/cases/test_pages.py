"""The case pages, role by role, on the shared world: the Cases menu and list ("My
cases"), a case's page as each reader sees it, the forms that open a case, change its
committee, override a flag and close it, the referee check, and where a committee member
lands after signing in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from recognition.cases.models import Case, CaseMember, CaseOverride
from recognition.extensions import db

from .conftest import DUE, ROLES, fresh_candidate, scratch
from .test_api_roles import stored

IDS = [str(role) for role in ROLES]
HEADINGS = {403: "<h1>Not allowed</h1>", 404: "<h1>Not found</h1>"}

#                 admin director other_dir member recused closed removed candidate outsider anonymous
PAGES = {
    "cases": (200, 200, 200, 200, 200, 200, 403, 200, 403, 302),
    "case": (200, 200, 404, 200, 200, 404, 404, 200, 404, 302),
    "new": (200, 200, 200, 403, 403, 403, 403, 403, 403, 302),
    "referees": (200, 200, 404, 200, 403, 404, 404, 403, 404, 302),
    "alone": (200, 200, 200, 403, 403, 403, 403, 403, 403, 302),
    "export": (200, 200, 200, 403, 403, 403, 403, 403, 403, 302),
}
POSTS = {
    "open": (302, 302, 403, 403, 403, 403, 403, 403, 403, 302),
    "add": (302, 302, 404, 403, 403, 404, 404, 403, 404, 302),
    "remove": (302, 302, 404, 403, 403, 404, 404, 403, 404, 302),
    "override": (302, 403, 404, 403, 403, 404, 404, 403, 404, 302),
    "close": (302, 302, 404, 403, 403, 404, 404, 403, 404, 302),
}


def paths(world) -> dict:
    case = world.open_id
    return {
        "cases": "/cases",
        "case": f"/cases/{case}",
        "new": "/cases/new",
        "referees": f"/cases/{case}/referees",
        "alone": "/cases/referees",
        "export": "/cases/export.csv",
    }


@pytest.mark.parametrize("role", ROLES, ids=IDS)
def test_who_may_open_which_page(world, page_clients, role):
    client = page_clients[role]
    for page, path in paths(world).items():
        status = PAGES[page][ROLES.index(role)]
        response = client.get(path)
        assert response.status_code == status, (page, role)
        body = response.get_data(as_text=True)
        if status in HEADINGS:
            assert HEADINGS[status] in body and "Go to your home page" in body, (page, role)
        if status == 302:
            assert response.headers["Location"].startswith("/login?next=")
        if status != 200 or (page == "case" and role == "candidate"):
            main = body.split('<main id="main">')[-1]  # the header names who is signed in
            for name in ("Promotion Committee Person", "Mentor Person"):
                assert name not in main, (page, role, name)


@pytest.mark.parametrize("role", ROLES, ids=IDS)
def test_who_may_change_a_case_from_its_page(world, page_clients, role):
    """A refusal changes nothing; an allowed change is made on a case of its own."""
    client, column = page_clients[role], ROLES.index(role)
    mentor = world.scratch_member
    forms = {
        "open": (lambda case_id: "/cases/new", {"kind": "promotion", "target_rank": "full", "due_on": DUE.isoformat()}),
        "add": (lambda case_id: f"/cases/{case_id}/members", {"email": "other.mentee@test.example.org"}),
        "remove": (lambda case_id: f"/cases/{case_id}/members/{mentor}/removal", {}),
        "override": (
            lambda case_id: f"/cases/{case_id}/overrides/{mentor}",
            {f"override-{mentor}-member_id": str(mentor), f"override-{mentor}-reason": "No one else."},
        ),
        "close": (lambda case_id: f"/cases/{case_id}/closure", {"note": "Withdrawn by the candidate."}),
    }
    for action, (path, data) in forms.items():
        status = POSTS[action][column]
        if action == "open":  # refused about the mentee; allowed about a new candidate
            email = fresh_candidate(world)[1] if status == 302 and role else "mentee@test.example.org"
            data = {**data, "candidate_email": email}
        if status != 302 or role is None:
            before = stored(world)
            response = client.post(path(world.open_id), data=data)
            assert response.status_code == status, (action, role, response.get_data(as_text=True)[:400])
            assert stored(world) == before, (action, role)
            continue
        case_id = scratch(world)
        response = client.post(path(case_id), data=data)
        assert response.status_code == 302, (action, role, response.get_data(as_text=True)[:600])
        with world.app.app_context():
            if action == "open":
                case = db.session.scalar(select(Case).order_by(Case.id.desc()))
                assert (case.candidate.email, case.target_rank) == (data["candidate_email"], "full")
                assert response.headers["Location"] == f"/cases/{case.id}"
                continue
            case = db.session.get(Case, case_id)
            members = {
                m.person_id: m for m in db.session.scalars(select(CaseMember).where(CaseMember.case_id == case_id))
            }
            if action == "add":
                assert members[world.dept.ids["other_mentee"]].removed_at is None
            if action == "remove":
                assert members[mentor].removed_at is not None
            if action == "override":
                assert (
                    db.session.scalar(select(CaseOverride.reason).where(CaseOverride.case_id == case_id))
                    == "No one else."
                )
            if action == "close":
                assert case.closing_note == "Withdrawn by the candidate."


def test_a_member_sees_the_committee_and_a_link_to_the_dossier(world, page_clients):
    client = page_clients["member"]
    listed = client.get("/cases").get_data(as_text=True)
    assert "<h1>My cases</h1>" in listed and f'href="/cases/{world.open_id}/dossier"' in listed
    assert DUE.isoformat() in listed
    page = client.get(f"/cases/{world.open_id}").get_data(as_text=True)
    assert f'href="/cases/{world.open_id}/dossier"' in page
    assert "Promotion Committee Person" in page and "Mentor Person" in page
    assert "mentorship with the candidate" not in page  # another member's flag is not theirs to see
    assert "Outsider Person" not in page  # removed


def test_a_recused_member_is_told_why_and_gets_no_dossier(world, page_clients):
    page = page_clients["recused"].get(f"/cases/{world.open_id}").get_data(as_text=True)
    assert "<strong>You are recused</strong> because you have been in a mentorship with the candidate." in page
    assert "You cannot open the dossier." in page
    assert f"/cases/{world.open_id}/dossier" not in page  # (the menu links to everyone's own, /dossier)
    listed = page_clients["recused"].get("/cases").get_data(as_text=True)
    assert "You are recused" in listed and f"/cases/{world.open_id}/dossier" not in listed


def test_a_member_of_a_closed_case_sees_it_closed(world, page_clients):
    listed = page_clients["closed_member"].get("/cases").get_data(as_text=True)
    assert "closed" in listed and f"/cases/{world.closed_id}/dossier" not in listed
    page = page_clients["closed_member"].get(f"/cases/{world.closed_id}").get_data(as_text=True)
    assert "This case is closed. The dossier is no longer open to its committee." in page


def test_the_candidate_sees_the_case_but_not_its_committee(world, page_clients):
    page = page_clients["candidate"].get(f"/cases/{world.open_id}").get_data(as_text=True)
    assert DUE.isoformat() in page and "Who sits on it is not shown to you" in page
    assert "Mentor Person" not in page and "Admin Person" not in page


def test_managers_see_the_flags_and_admins_the_override_form(world, page_clients):
    admin = page_clients["admin"].get(f"/cases/{world.open_id}").get_data(as_text=True)
    assert "the member has been in a mentorship with the candidate" in admin
    assert "Override the flag" in admin and "Close the case" in admin
    # The add-member field suggests the promotion committee and the candidate's division,
    # but neither the candidate nor a current member.
    assert 'list="people-emails"' in admin and '<option value="director@test.example.org">' in admin
    for email in ("mentee", "mentor", "promotions"):
        assert f'<option value="{email}@test.example.org">' not in admin
    assert f'href="/cases/{world.open_id}/dossier"' in admin
    assert '<option value="other.mentee@test.example.org">' not in admin
    director = page_clients["director"].get(f"/cases/{world.open_id}").get_data(as_text=True)
    assert "the member has been in a mentorship with the candidate" in director
    assert "Override the flag" not in director and "Close the case" in director


@pytest.mark.parametrize(
    "role, shown",
    [
        ("admin", True),
        ("director", True),
        ("other_director", True),
        ("member", True),
        ("closed_member", True),
        ("removed", False),
        ("candidate", False),
        ("outsider", False),
    ],
)
def test_the_cases_menu(world, page_clients, role, shown):
    body = page_clients[role].get("/awards").get_data(as_text=True)
    assert ('<a href="/cases">Cases</a>' in body) == shown


@pytest.mark.parametrize(
    "role, lands",
    [
        ("member", "/cases"),
        ("recused", "/mentoring"),
        ("closed_member", "/mentoring"),
        ("admin", "/admin/people"),
        ("candidate", "/mentee"),
    ],
)
def test_a_committee_member_with_an_open_case_lands_on_their_cases(world, page_clients, role, lands):
    assert page_clients[role].get("/").headers["Location"] == lands


def test_refused_forms_say_why_and_change_nothing(world, page_clients):
    admin = page_clients["admin"]
    before = stored(world)
    opened = admin.post(
        "/cases/new",
        data={
            "candidate_email": "mentee@test.example.org",
            "kind": "promotion",
            "target_rank": "assistant",
            "due_on": (DUE - timedelta(days=400)).isoformat(),
            "member_emails": "mentee@test.example.org\nnobody@test.example.org",
        },
    )
    assert opened.status_code == 422
    body = opened.get_data(as_text=True)
    assert "nobody@test.example.org" in body and "The case was not opened" in body
    mentor = world.dept.ids["mentor"]
    override = admin.post(
        f"/cases/{world.open_id}/overrides/{mentor}",
        data={f"override-{mentor}-member_id": str(mentor), f"override-{mentor}-reason": ""},
    )
    assert override.status_code == 422
    assert "is required: say why the member may sit despite the flag" in override.get_data(as_text=True)
    closed = admin.post(f"/cases/{world.open_id}/closure", data={"note": ""})
    assert closed.status_code == 422 and "is required: say how the case ended" in closed.get_data(as_text=True)
    outsider = world.dept.ids["award_committee"]  # on no committee
    stray = admin.post(
        f"/cases/{world.open_id}/overrides/{outsider}",
        data={f"override-{outsider}-member_id": str(outsider), f"override-{outsider}-reason": "Why not"},
    )
    assert stray.status_code == 422 and "must name a current member of this committee" in stray.get_data(as_text=True)
    added = admin.post(f"/cases/{world.open_id}/members", data={"email": "mentee@test.example.org"})
    assert added.status_code == 422 and "must not be the candidate" in added.get_data(as_text=True)
    assert stored(world) == before


def test_the_referee_check_page(world, page_clients):
    page = page_clients["member"].post(
        f"/cases/{world.open_id}/referees",
        data={"referee_emails": "mentor@test.example.org\noutsider@test.example.org"},
    )
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "1 of 2 proposed referees tied to the candidate" in body
    assert "has been in a mentorship with the candidate (either way)" in body
    alone = page_clients["director"].post(
        "/cases/referees",
        data={"candidate_email": "mentee@test.example.org", "referee_emails": "nobody@test.example.org"},
    )
    assert alone.status_code == 422 and "nobody@test.example.org" in alone.get_data(as_text=True)
    blank = page_clients["director"].post("/cases/referees", data={"referee_emails": "mentor@test.example.org"})
    assert blank.status_code == 422 and "is required" in blank.get_data(as_text=True)
