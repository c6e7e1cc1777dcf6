"""Conflicts of interest of the award's managers, and ties that appear during the review.

The role × route matrix of a division award (Cardiology's) adds two rows to the
department award's (``test_api_roles``): a manager who is a nominee (Cardiology's
director, nominated for their own division's award and on its committee) and a director
outside the award (Nephrology's). The administrator, with no conflict, is the baseline.
"""

from __future__ import annotations

import pytest

from recognition.awards.nominations import suggestions
from tests.api.error_shape import assert_error

from .test_api import GOOD_SCORES, live

CONFLICT = "you have a conflict of interest in this cycle"
ROWS = ("admin", "director", "other_director")  # free manager, manager who is a nominee, director outside


@pytest.fixture
def division(app, dept):
    """Cardiology's award, its review over and the decision due: director (its manager and
    a committee member) and mentor nominated by mentee, a letter on each, every member's
    scores in."""
    return live(
        app,
        dept,
        "deciding",
        nominate=False,
        level="division",
        division_id=dept.divisions["CARD"],
        slug="cardiology-mentor",
        extra=(("director", "mentee", "Our director mentors us all."), ("mentor", "mentee", "mentor mentors well.")),
        letters=(("director", "mentee", "Dr Director Referee"), ("mentor", "mentee", "Dr Mentor Referee")),
    )


def routes(world, dept) -> list[tuple[str, str, dict | None, tuple[int, int, int]]]:
    """(method, url, body, statuses for ROWS). A read of the committee's work is a 404 for
    whoever may not see it; an action on a cycle one can see is a 403."""
    cycle = world.cycle_url
    own, other = world.url("director"), world.url("mentor")
    member = dept.ids["award_committee"]
    return [
        ("GET", cycle, None, (200, 200, 200)),
        ("GET", f"{cycle}/history", None, (200, 200, 404)),
        ("GET", f"{cycle}/recusals", None, (200, 200, 404)),
        ("GET", f"{cycle}/withdrawals", None, (200, 200, 404)),
        ("GET", f"{cycle}/suggestions", None, (200, 200, 404)),
        ("GET", f"{cycle}/decisions", None, (200, 200, 404)),
        ("GET", f"{cycle}/committee", None, (200, 200, 404)),
        ("GET", f"{cycle}/ranking", None, (200, 200, 404)),
        ("GET", f"{cycle}/ranking.csv", None, (200, 200, 404)),
        ("GET", f"{cycle}/ranking.pdf", None, (200, 200, 404)),
        ("GET", "/api/v1/nominations", None, (200, 200, 200)),
        ("GET", own, None, (200, 200, 404)),
        ("GET", f"{own}/evidence", None, (200, 200, 404)),
        ("GET", f"{own}/letters", None, (200, 403, 404)),
        ("GET", f"{own}/scores", None, (200, 403, 404)),
        ("GET", f"{own}/package", None, (200, 403, 404)),
        ("GET", other, None, (200, 200, 404)),
        ("GET", f"{other}/letters", None, (200, 200, 404)),
        ("GET", f"{other}/scores", None, (200, 200, 404)),
        ("GET", f"{other}/package", None, (200, 200, 404)),
        (
            "POST",
            f"{cycle}/dates",
            {"field": "announce_on", "date": world.dates["announce_on"].isoformat(), "reason": "Later"},
            (422, 403, 403),
        ),  # admin: the same date, refused as such
        ("POST", f"{cycle}/committee", {"person_id": dept.ids["promotion_committee"]}, (201, 403, 403)),
        ("DELETE", f"{cycle}/committee/{member}", None, (409, 403, 403)),  # admin: they scored, so they stay
        (
            "POST",
            f"{cycle}/advance",
            {"from_phase": "review", "reason": "Early"},
            (409, 403, 403),
        ),  # admin: record the winners first
        (
            "POST",
            f"{cycle}/decision",
            {
                "winners": [world.nomination_ids["mentor"]],
                "reasons": {str(world.nomination_ids["mentor"]): "The committee's choice."},
            },
            (201, 403, 403),
        ),
    ]


def test_the_route_matrix_of_a_manager_who_is_a_nominee_and_a_director_outside_the_award(
    client, dept, headers, division
):
    for method, url, body, statuses in routes(division, dept):
        for role, status in zip(ROWS[::-1], statuses[::-1]):  # the admin last: their actions change the cycle
            response = client.open(url, method=method, json=body, headers=headers(role))
            assert response.status_code == status, (role, method, url, response.get_data(as_text=True)[:300])
            if status == 403 and role == "director":
                field = next(iter(response.get_json()["errors"]))
                if method != "GET":
                    assert response.get_json()["errors"][field] == [CONFLICT], (method, url)
                    assert "Admin Person" in response.get_json()["message"]  # who can act instead


def test_a_manager_who_is_a_nominee_sees_nothing_of_their_own_nomination(client, dept, headers, division):
    director = headers("director")
    cycle = client.get(division.cycle_url, headers=director).get_json()
    assert cycle["you"]["manager"] and cycle["you"]["may_act"] is False
    assert cycle["you"]["conflicts"] == [
        {"nomination_id": division.nomination_ids["director"], "reasons": ["the manager is the nominee"]}
    ]
    assert [p["name"] for p in cycle["you"]["free_managers"]] == ["Admin Person"]

    own = client.get(division.url("director"), headers=director)
    assert own.get_json()["roles"] == ["nominee"]
    assert not {"statements", "letters", "score_sets"} & set(own.get_json())
    assert "Our director mentors us all" not in own.get_data(as_text=True)
    assert "Dr Director Referee" not in own.get_data(as_text=True)

    rows = {
        r["nomination_id"]: r for r in client.get(f"{division.cycle_url}/ranking", headers=director).get_json()["rows"]
    }
    mine = rows[division.nomination_ids["director"]]
    assert mine["recused"] and mine["position"] is None and mine["raw_mean"] is None and mine["reviews"] is None
    assert mine["recusal_reasons"] == ["the manager is the nominee"]
    assert rows[division.nomination_ids["mentor"]]["raw_mean"] is not None  # the competitor's row, as a manager
    csv = client.get(f"{division.cycle_url}/ranking.csv", headers=director).get_data(as_text=True)
    line = next(text for text in csv.splitlines() if "Director Person" in text)
    assert not any(char.isdigit() for char in line.replace("Director Person", "")), line

    # The free manager decides; the conflicted one learns the result at the announcement.
    mentor = division.nomination_ids["mentor"]
    decided = client.post(
        f"{division.cycle_url}/decision",
        headers=headers("admin"),
        json={"winners": [mentor], "reasons": {str(mentor): "The committee's choice."}},
    )
    assert decided.status_code == 201
    assert client.get(f"{division.cycle_url}/decisions", headers=director).get_json() == []
    assert len(client.get(f"{division.cycle_url}/decisions", headers=headers("admin")).get_json()) == 1


def test_the_pages_of_a_manager_who_is_a_nominee_and_a_director_outside_the_award(app, client, dept, login, division):
    cycle_page = f"/awards/cycles/{division.cycle_id}"
    own_page = f"/awards/nominations/{division.nomination_ids['director']}"
    other_page = f"/awards/nominations/{division.nomination_ids['mentor']}"
    expected = {  # page: (admin, director, other_director)
        cycle_page: (200, 200, 200),
        f"{cycle_page}/ranking": (200, 200, 404),
        own_page: (200, 200, 404),
        f"{own_page}/package.pdf": (200, 404, 404),
        other_page: (200, 200, 404),
    }
    for role in ROWS:
        browser = login(app.test_client(), role)
        for page, statuses in expected.items():
            status = statuses[ROWS.index(role)]
            assert browser.get(page).status_code == status, (role, page)
    director = login(app.test_client(), "director")
    text = director.get(cycle_page).get_data(as_text=True)
    assert "Your conflicts of interest" in text and "the manager is the nominee" in text and "Admin Person" in text
    own = director.get(own_page).get_data(as_text=True)
    assert "Our director mentors us all" not in own and "Dr Director Referee" not in own
    ranking = director.get(f"{cycle_page}/ranking").get_data(as_text=True)
    assert "You have a conflict of interest with a nominee" in ranking and 'name="decision-winners"' not in ranking
    refused = director.post(
        f"/awards/cycles/{division.cycle_id}/decision", data={"decision-winners": [division.nomination_ids["mentor"]]}
    )
    assert refused.status_code == 403 and "conflict of interest" in refused.get_data(as_text=True)


def test_a_tie_made_during_the_review_is_recorded_with_its_source_before_any_score_stops_counting(
    app, client, dept, headers, login
):
    """The issue's case: a director who manages nothing in a department award back-dates an
    informal mentorship to 2015 that gives a committee member (award_committee) a mentee
    shared with a nominee (mentor mentors mentee). The member's scores stop counting only
    with a recusal recorded, on the managers' list, naming the mentorship and who made it."""
    world = live(app, dept, "review")
    for member in ("award_committee", "director", "other_mentor"):
        for nominee in ("mentor", "other_director"):
            assert (
                client.put(
                    world.url(nominee, "/scores"), json={"scores": GOOD_SCORES}, headers=headers(member)
                ).status_code
                == 200
            )
    admin = headers("admin")

    def reviews() -> int:
        rows = client.get(f"{world.cycle_url}/ranking", headers=admin).get_json()["rows"]
        return next(r["reviews"] for r in rows if r["nomination_id"] == world.nomination_ids["mentor"])

    assert reviews() == 3
    tie = {
        "mentor_id": dept.ids["award_committee"],
        "mentee_id": dept.ids["mentee"],
        "kind": "informal",
        "started_on": "2015-03-01",
    }
    assert_error(client.post("/api/v1/mentorships", json=tie, headers=headers("director")), 422, "backdate_reason")
    made = client.post(
        "/api/v1/mentorships",
        json={**tie, "backdate_reason": "Informal mentoring since 2015."},
        headers=headers("director"),
    )
    assert made.status_code == 201 and made.get_json()["backdated"] is True

    found = [
        r
        for r in client.get(f"{world.cycle_url}/recusals", headers=admin).get_json()
        if r["member"]["id"] == dept.ids["award_committee"] and r["nomination_id"] == world.nomination_ids["mentor"]
    ]
    assert len(found) == 1, "recorded, not silently applied"
    recusal = found[0]
    assert recusal["source"] == "detected" and recusal["found_during_review"] is True
    assert recusal["reason"].startswith("the member and the nominee share a mentee (detected during the review")
    for said in (
        f"mentorship #{made.get_json()['id']}",
        "started 2015-03-01",
        "by Director Person",
        "back-dated: Informal mentoring since 2015.",
        "no longer count",
    ):
        assert said in recusal["reason"], said
    assert recusal["mentorship"]["id"] == made.get_json()["id"] and recusal["mentorship"]["backdated"] is True
    assert recusal["mentorship"]["created_by"]["name"] == "Director Person"
    assert reviews() == 2  # dropped now, with the recusal on the list

    page = login(app.test_client(), "admin").get(f"/awards/cycles/{world.cycle_id}").get_data(as_text=True)
    assert "Recusals found during the review" in page and "back-dated: Informal mentoring since 2015." in page


def test_a_suggestion_turned_into_a_nomination_is_the_office_not_a_conflict(app, dept):
    """A manager turning a ledger suggestion into a nomination acts for the award; a
    manager who nominates a colleague themself has a conflict with that nomination."""
    from recognition.awards import managers
    from recognition.awards.nominations import service as nominations
    from recognition.extensions import db
    from tests.support.awards import DAYS, AwardWorld, actor, at

    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)
        world.to("open")
        admin = actor(dept, "admin")
        suggested = suggestions.nominate_suggestion(
            world.cycle, dept.ids["mentor"], admin, DAYS["open"], at(DAYS["open"])
        )
        assert managers.conflicts_of(world.cycle, dept.ids["admin"]) == {}
        personal = nominations.nominate(
            world.cycle, dept.ids["other_mentor"], "A colleague I admire.", admin, DAYS["open"], at(DAYS["open"])
        )
        db.session.commit()
        assert managers.conflicts_of(world.cycle, dept.ids["admin"]) == {personal.id: ["the manager nominated them"]}
        assert suggested.id not in managers.conflicts_of(world.cycle, dept.ids["admin"])
