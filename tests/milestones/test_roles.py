"""Who sees and does what with a person's milestones, through the API and the pages, for
every role: the person (mentor), their mentee, their director, another division's
director, an outsider, an admin, the award committee, a member of an open promotion case
about them, a recused member of it, and a member of a closed case. One department per
backend for the module; a refused request changes nothing, so the world stays as built."""

from __future__ import annotations

import pytest

from tests.api.error_shape import assert_error
from tests.support.department import PASSWORD

from .conftest import PROMOTION, counts

ROLES = (
    None,
    "mentor",
    "mentee",
    "director",
    "other_director",
    "outsider",
    "admin",
    "award_committee",
    "promotion_committee",
    "other_mentor",
    "other_mentee",
)
EVERYTHING = {"standing", "pending", "withdrawn", "mentees"}
SEES = {
    "mentor": {"standing", "pending", "withdrawn"},
    "mentee": {"mentees"},
    "director": EVERYTHING,
    "admin": EVERYTHING,
    "promotion_committee": {"standing"},
}


@pytest.mark.parametrize("role", ROLES, ids=[str(r) for r in ROLES])
def test_who_reads_the_mentors_milestones_through_the_api(world, role):
    client = world.app.test_client()
    headers = world.headers(role)
    listed = client.get("/api/v1/milestones", headers=headers)
    if role is None:
        assert_error(listed, 401, "Authorization")
        assert_error(client.get(f"/api/v1/milestones/{world.ids['standing']}"), 401, "Authorization")
        return
    assert listed.status_code == 200
    sees = SEES.get(role, set())
    assert sorted(item["id"] for item in listed.get_json()["items"]) == sorted(world.ids[name] for name in sees)
    for name, milestone_id in world.ids.items():
        one = client.get(f"/api/v1/milestones/{milestone_id}", headers=headers)
        if name in sees:
            assert one.status_code == 200 and one.get_json()["status"]["state"] == name.replace("mentees", "standing")
        else:
            assert_error(one, 404, "milestone_id")
            assert "Mentor Person" not in one.get_data(as_text=True)
    if sees:
        states = client.get("/api/v1/milestones", query_string={"status": "pending"}, headers=headers).get_json()
        assert [item["id"] for item in states["items"]] == ([world.ids["pending"]] if "pending" in sees else [])
    if role == "mentor":  # their mentee's milestones reach them only as evidence, never here
        assert_error(client.get(f"/api/v1/milestones/{world.ids['mentees']}", headers=headers), 404)
        filtered = client.get(
            "/api/v1/milestones", query_string={"person_id": world.dept.ids["mentee"]}, headers=headers
        )
        assert filtered.get_json()["items"] == []


# The refusals of every write, for everyone but those allowed (whose writes are in test_api.py):
# 404 where the milestone is not theirs to see, 403 where it is but the act is not theirs.
WRITERS = ("admin", "director")
REFUSED = {
    #                     create  confirm  withdraw correct
    None: (401, 401, 401, 401),
    "mentor": (None, 403, 403, 403),  # may report their own (create is a self-report)
    "mentee": (403, 404, 404, 404),
    "other_director": (403, 404, 404, 404),
    "outsider": (403, 404, 404, 404),
    "award_committee": (403, 404, 404, 404),
    "promotion_committee": (403, 404, 403, 403),  # reads the standing one, changes nothing
    "other_mentor": (403, 404, 404, 404),  # recused
    "other_mentee": (403, 404, 404, 404),  # the case is closed
}


@pytest.mark.parametrize("role", list(REFUSED), ids=[str(r) for r in REFUSED])
def test_who_may_not_change_the_mentors_milestones_through_the_api(world, role):
    client = world.app.test_client()
    headers = world.headers(role)
    mentor = world.dept.ids["mentor"]
    calls = (
        lambda: client.post(
            "/api/v1/milestones", json={**PROMOTION, "occurred_on": "2020-07-01", "person_id": mentor}, headers=headers
        ),
        lambda: client.post(f"/api/v1/milestones/{world.ids['pending']}/confirmation", headers=headers),
        lambda: client.post(
            f"/api/v1/milestones/{world.ids['standing']}/withdrawal", json={"reason": "No"}, headers=headers
        ),
        lambda: client.post(
            f"/api/v1/milestones/{world.ids['standing']}/corrections",
            json={"rank": "associate", "reason": "No"},
            headers=headers,
        ),
    )
    before = counts(world.app)
    for call, status in zip(calls, REFUSED[role]):
        if status is None:
            continue
        response = call()
        assert_error(response, status)
        assert counts(world.app) == before, role


PAGES = {
    #                     mine  person to-confirm  standing pending csv
    "mentor": (200, 302, 403, 200, 200, 200),
    "mentee": (200, 404, 403, 404, 404, 404),
    "director": (200, 200, 200, 200, 200, 200),
    "other_director": (200, 404, 200, 404, 404, 404),
    "outsider": (200, 404, 403, 404, 404, 404),
    "admin": (200, 200, 200, 200, 200, 200),
    "award_committee": (200, 404, 403, 404, 404, 404),
    "promotion_committee": (200, 200, 403, 200, 404, 200),
    "other_mentor": (200, 404, 403, 404, 404, 404),
    "other_mentee": (200, 404, 403, 404, 404, 404),
}


@pytest.mark.parametrize("role", [None, *PAGES], ids=[str(r) for r in [None, *PAGES]])
def test_who_opens_which_milestone_page(world, role):
    client = world.app.test_client()
    mentor = world.dept.ids["mentor"]
    urls = (
        "/milestones",
        f"/people/{mentor}/milestones",
        "/milestones/to-confirm",
        f"/milestones/{world.ids['standing']}",
        f"/milestones/{world.ids['pending']}",
        f"/people/{mentor}/milestones.csv",
    )
    if role is None:
        for url in urls:
            assert client.get(url).status_code == 302 and "/login" in client.get(url).headers["Location"]
        return
    assert client.post("/login", data={"email": world.dept.email(role), "password": PASSWORD}).status_code == 302
    for url, status in zip(urls, PAGES[role]):
        response = client.get(url)
        assert response.status_code == status, (role, url)
        html = response.get_data(as_text=True)
        if url in urls[1:3] and status == 200:  # the pending self-report: for those who may confirm it
            assert ("Mentoring outcomes in cardiology" in html) == (role in ("director", "admin"))
        if status == 404:
            assert "Promotion to Professor" not in html and "Professor" not in html
        if url == urls[5] and status == 200:  # the export holds what the page shows
            lines = html.splitlines()[1:]
            assert len(lines) == len(SEES[role] - {"mentees"}) and ("Mentoring outcomes" in html) == (
                role != "promotion_committee"
            )
    if role == "mentor":
        assert client.get(f"/people/{world.dept.ids['mentee']}/milestones").status_code == 404
        assert client.get(f"/milestones/{world.ids['mentees']}").status_code == 404
    if role in ("director", "admin", "promotion_committee"):
        html = client.get(f"/people/{mentor}/milestones").get_data(as_text=True)
        assert "Promotion to Professor" in html
        assert ("withdrawn" in html) == (role != "promotion_committee")
        assert ("Record a milestone" in html) == (role != "promotion_committee")
