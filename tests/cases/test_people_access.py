"""A case committee's member may look the candidate up on the roster (page and API) while
the case is open and they are not recused; nobody else gains anyone by a case."""

from __future__ import annotations

import pytest

from .conftest import ROLES

# The candidate is the mentee; the matrix's roles and whether each may see them.
SEES_CANDIDATE = {
    "admin": True,
    "director": True,  # directs the candidate's division anyway
    "other_director": False,
    "member": True,  # on the open case, no tie: through the case
    "recused": True,  # the candidate's mentor: through the mentorship, not the case
    "closed_member": False,  # the case is closed
    "removed": False,  # removed from the open case
    "candidate": True,  # themself
    "outsider": False,
}


@pytest.mark.parametrize("role", [r for r in ROLES if r is not None])
def test_the_roster_opens_the_candidate_to_the_open_case_s_members(world, page_clients, role):
    candidate = world.dept.ids["mentee"]
    page = page_clients[role].get(f"/people/{candidate}")
    api = world.app.test_client().get(f"/api/v1/people/{candidate}", headers=world.headers(role))
    expected = 200 if SEES_CANDIDATE[role] else 404
    assert (page.status_code, api.status_code) == (expected, expected), role
    listed = world.app.test_client().get("/api/v1/people?per_page=100", headers=world.headers(role)).get_json()
    ids = {person["id"] for person in listed["items"]} if "items" in listed else {p["id"] for p in listed}
    assert (candidate in ids) is SEES_CANDIDATE[role], role


def test_a_member_sees_no_one_else_through_the_case(world):
    """Only the candidate: not the rest of the candidate's division, nor the other members."""
    listed = world.app.test_client().get("/api/v1/people?per_page=100", headers=world.headers("member")).get_json()
    ids = {person["id"] for person in listed["items"]} if "items" in listed else {p["id"] for p in listed}
    assert ids == {world.person("member"), world.dept.ids["mentee"]}
