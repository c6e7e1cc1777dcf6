"""Who may do what with /api/v1/cases, role by role, on one shared world per backend.

The open case is a promotion case about the mentee (CARD) with promotion_committee on its
committee, the mentee's mentor on it flagged and recused, and outsider removed from it;
the closed case is a CFAR case about the same mentee whose committee was other_mentor.
Refusals change nothing; each allowed write lands on a case made for it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from recognition.cases.models import Case, CaseMember, CaseOverride
from recognition.extensions import db
from tests.api.error_shape import assert_error

from .conftest import DUE, ROLES, fresh_candidate, scratch

URL = "/api/v1/cases"
IDS = [str(role) for role in ROLES]

#               admin director other_dir member recused closed removed candidate outsider anonymous
SEE_OPEN = (200, 200, 404, 200, 200, 404, 404, 200, 404, 401)
SEE_CLOSED = (200, 200, 404, 404, 404, 200, 404, 200, 404, 401)
CASE_CHECK = (200, 200, 404, 200, 403, 404, 404, 403, 404, 401)
ALONE_CHECK = (200, 200, 422, 403, 403, 403, 403, 403, 403, 401)
OPEN = (201, 201, 403, 403, 403, 403, 403, 403, 403, 401)
ADD = (201, 201, 404, 403, 403, 404, 404, 403, 404, 401)
REMOVE = (200, 200, 404, 403, 403, 404, 404, 403, 404, 401)
OVERRIDE = (201, 403, 404, 403, 403, 404, 404, 403, 404, 401)
EXPORT = (200, 200, 200, 403, 403, 403, 403, 403, 403, 401)
CLOSE = (200, 200, 404, 403, 403, 404, 404, 403, 404, 401)


def expected(row, role):
    return row[ROLES.index(role)]


def stored(world) -> tuple:
    with world.app.app_context():
        rows = [db.session.scalar(select(func.count()).select_from(m)) for m in (Case, CaseMember, CaseOverride)]
        opened = db.session.get(Case, world.open_id)
        removed = db.session.scalar(
            select(func.count()).select_from(CaseMember).where(CaseMember.removed_at.is_not(None))
        )
        return (*rows, opened.closed_at, removed)


def refused_and_unchanged(world, response, status, role, before):
    assert response.status_code == status, (role, response.get_data(as_text=True)[:300])
    body = assert_error(response, status, *(["Authorization"] if status == 401 else []))
    assert stored(world) == before, role
    return body


@pytest.mark.parametrize("role", ROLES, ids=IDS)
def test_reading_cases(world, role):
    client, headers = world.app.test_client(), world.headers(role)
    for case_id, row in ((world.open_id, SEE_OPEN), (world.closed_id, SEE_CLOSED)):
        response = client.get(f"{URL}/{case_id}", headers=headers)
        assert response.status_code == expected(row, role), (case_id, role, response.get_json())
        if response.status_code != 200:
            assert_error(response, response.status_code)
            assert "Promotion Committee Person" not in response.get_data(as_text=True)
    listed = client.get(URL, headers=headers)
    if role is None:
        assert_error(listed, 401, "Authorization")
        return
    assert listed.status_code == 200
    ids = {item["id"] for item in listed.get_json()["items"]}
    assert (world.open_id in ids) == (expected(SEE_OPEN, role) == 200), role
    assert (world.closed_id in ids) == (expected(SEE_CLOSED, role) == 200), role


@pytest.mark.parametrize("role", ROLES, ids=IDS)
def test_exporting_cases(world, role):
    response = world.app.test_client().get(f"{URL}/export.csv", headers=world.headers(role))
    assert response.status_code == expected(EXPORT, role), role
    if response.status_code != 200:
        assert_error(response, response.status_code)
        return
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("case,candidate,candidate_email,division,kind")
    mine = [line for line in lines[1:] if line.startswith(f"{world.open_id},")]
    if role == "other_director":  # the world's cases are all about CARD's people
        assert lines[1:] == []
        return
    assert len(mine) == 3
    assert any(
        ",Mentor Person,mentor@test.example.org,recused,the member has been in a mentorship with the candidate," in line
        for line in mine
    )
    assert any(",Outsider Person,outsider@test.example.org,removed,," in line for line in mine)


@pytest.mark.parametrize("role", ROLES, ids=IDS)
def test_checking_referees(world, role):
    client, headers = world.app.test_client(), world.headers(role)
    body = {"referee_emails": ["mentor@test.example.org", "outsider@test.example.org"]}
    response = client.post(f"{URL}/{world.open_id}/referee-check", json=body, headers=headers)
    assert response.status_code == expected(CASE_CHECK, role), (role, response.get_json())
    alone = client.post(
        f"{URL}/referee-check", json={**body, "candidate_id": world.dept.ids["mentee"]}, headers=headers
    )
    assert alone.status_code == expected(ALONE_CHECK, role), (role, alone.get_json())
    if alone.status_code == 422:
        assert_error(alone, 422, "candidate_id")
    for answer in (response, alone):
        if answer.status_code == 200:
            assert [(r["email"], r["tied"]) for r in answer.get_json()["referees"]] == [
                ("mentor@test.example.org", True),
                ("outsider@test.example.org", False),
            ]
        else:
            assert_error(answer, answer.status_code)


@pytest.mark.parametrize("role", ROLES, ids=IDS)
def test_changing_cases(world, role):
    """Each change, by this role: a refusal leaves every case as it was; an allowed change
    is made on a case of its own and answered with the case as the role sees it."""
    client, headers = world.app.test_client(), world.headers(role)
    mentee, mentor = world.dept.ids["mentee"], world.scratch_member  # mentor: flagged on every scratch case
    other_mentee = world.dept.ids["other_mentee"]
    calls = [
        (
            "open",
            OPEN,
            lambda candidate_id: client.post(
                URL,
                headers=headers,
                json={
                    "candidate_id": candidate_id,
                    "kind": "promotion",
                    "target_rank": "full",
                    "due_on": DUE.isoformat(),
                },
            ),
        ),
        (
            "add",
            ADD,
            lambda case_id: client.post(f"{URL}/{case_id}/members", json={"person_id": other_mentee}, headers=headers),
        ),
        ("remove", REMOVE, lambda case_id: client.post(f"{URL}/{case_id}/members/{mentor}/removal", headers=headers)),
        (
            "override",
            OVERRIDE,
            lambda case_id: client.post(
                f"{URL}/{case_id}/overrides",
                headers=headers,
                json={"member_id": mentor, "reason": "No one else in the field."},
            ),
        ),
        (
            "close",
            CLOSE,
            lambda case_id: client.post(f"{URL}/{case_id}/closure", json={"note": "Withdrawn."}, headers=headers),
        ),
    ]
    for action, row, call in calls:
        status = expected(row, role)
        if status >= 400:
            before = stored(world)
            target = mentee if action == "open" else world.open_id
            refused_and_unchanged(world, call(target), status, (action, role), before)
            continue
        target = fresh_candidate(world)[0] if action == "open" else scratch(world)
        response = call(target)
        assert response.status_code == status, (action, role, response.get_json())
        body = response.get_json()
        assert body["capacity"] == ("admin" if role == "admin" else "director")
        if action == "open":
            assert (body["candidate"]["id"], body["target_rank"], body["state"]) == (target, "full", "open")
        members = {m["person"]["id"]: m for m in body.get("committee", [])}
        if action == "add":
            assert members[other_mentee]["flags"] == [] and members[other_mentee]["removed_at"] is None
        if action == "remove":
            assert members[mentor]["removed_at"] is not None
        if action == "override":
            assert members[mentor]["recused"] is False
            assert members[mentor]["override"]["reason"] == "No one else in the field."
        if action == "close":
            assert (body["state"], body["closing_note"]) == ("closed", "Withdrawn.")


def test_what_each_reader_sees_of_the_open_case(world):
    client = world.app.test_client()

    def seen(role):
        return client.get(f"{URL}/{world.open_id}", headers=world.headers(role)).get_json()

    admin = seen("admin")
    committee = {
        m["person"]["name"]: (m["flags"], m["recused"], m["removed_at"] is not None) for m in admin["committee"]
    }
    assert committee == {
        "Promotion Committee Person": ([], False, False),
        "Mentor Person": (["the member has been in a mentorship with the candidate"], True, False),
        "Outsider Person": ([], False, True),
    }
    assert seen("director")["committee"] == admin["committee"]

    member = seen("member")
    assert [m["person"]["name"] for m in member["committee"]] == ["Promotion Committee Person", "Mentor Person"]
    assert all(set(m) == {"person"} for m in member["committee"])  # no one else's flags
    assert member["you"]["may_open_dossier"] is True
    assert member["dossier_url"].endswith(f"/cases/{world.open_id}/dossier")

    recused = seen("recused")
    assert recused["you"] == {
        "member": True,
        "flags": ["the member has been in a mentorship with the candidate"],
        "recused": True,
        "recused_because": ["the member has been in a mentorship with the candidate"],
        "overridden": False,
        "may_open_dossier": False,
    }
    assert recused["dossier_url"] is None

    candidate = seen("candidate")
    assert candidate["capacity"] == "candidate"
    assert {"committee", "you", "opened_by", "closing_note"}.isdisjoint(candidate)
    assert (candidate["due_on"], candidate["kind"], candidate["state"]) == (DUE.isoformat(), "promotion", "open")


def test_a_member_of_a_closed_case_sees_it_closed_without_the_dossier(world):
    client = world.app.test_client()
    listed = client.get(URL, headers=world.headers("closed_member")).get_json()["items"]
    assert [(c["id"], c["state"], c["you"]["may_open_dossier"], c["dossier_url"]) for c in listed] == [
        (world.closed_id, "closed", False, None)
    ]


def test_the_list_puts_open_cases_first_and_filters(world):
    client = world.app.test_client()
    items = client.get(URL, headers=world.headers("admin"), query_string={"per_page": 500}).get_json()["items"]
    states = [c["state"] for c in items]
    assert states == sorted(states, key=lambda s: s != "open")
    closed = client.get(URL, headers=world.headers("admin"), query_string={"state": "closed", "kind": "cfar"})
    assert [c["id"] for c in closed.get_json()["items"]] == [world.closed_id]
    bad = client.get(URL, headers=world.headers("admin"), query_string={"state": "shut"})
    assert_error(bad, 422, "state")
