"""Who sees and does what with a cycle's nominations, for every role in the department
and a recused committee member, during the review.

The cycle (see ``test_api.live``): committee award_committee, director and other_mentor
(who mentors other_mentee, so is recused from that nomination); nominations of mentor (by
promotion_committee, with a letter from the admin), other_mentee (by outsider) and other_director (by mentee, with a
letter, and by other_mentee). A nominee sees that they are nominated, the evidence and
their philosophy, never statements, letters or scores; a nominator sees their own
statement and the letters they uploaded, never the evidence; the managers and unrecused
members see everything.
"""

from __future__ import annotations

import pytest

from tests.api.error_shape import assert_error

from .test_api import GOOD_SCORES, live

ROLES = (
    "admin",
    "director",
    "mentor",
    "mentee",
    "other_mentor",
    "other_mentee",
    "other_director",
    "outsider",
    "award_committee",
    "promotion_committee",
)
NOMINEES = ("mentor", "other_mentee", "other_director")
MEMBERS = ("director", "award_committee", "other_mentor")
EXTRA = (("other_director", "other_mentee", "A second voice for other_director."),)
LETTERS = (("mentor", "admin", "Dr Mentor Referee"), ("other_director", "mentee", "Dr Director Referee"))
STATEMENTS = {
    "mentor": ["mentor mentors well."],
    "other_mentee": ["other_mentee mentors well."],
    "other_director": ["other_director mentors well.", "A second voice for other_director."],
}

# For each role, the nominations they may open (by nominee) and as what: "full" (everything),
# "nominator" (their own statement and the letters they uploaded; not the evidence) or
# "nominee" (the evidence; no statement, letter or score).
EVERYTHING = dict.fromkeys(NOMINEES, "full")
VIEWS = {
    "admin": EVERYTHING,
    "director": EVERYTHING,
    "award_committee": EVERYTHING,
    "other_mentor": {"mentor": "full", "other_director": "full"},  # recused from other_mentee
    "mentor": {"mentor": "nominee"},
    "mentee": {"other_director": "nominator"},
    "other_mentee": {"other_mentee": "nominee", "other_director": "nominator"},
    "other_director": {"other_director": "nominee"},
    "outsider": {"other_mentee": "nominator"},
    "promotion_committee": {"mentor": "nominator"},
}
# Who reads the ranking, and which rows (by nominee) show them no numbers.
RANKING = {"admin": set(), "director": set(), "award_committee": set(), "other_mentor": {"other_mentee"}}


@pytest.fixture
def world(app, dept):
    return live(app, dept, "review", extra=EXTRA, letters=LETTERS)


def own_statements(dept, role: str, nominee: str) -> list[str]:
    mine = {
        ("mentor", "promotion_committee"): "mentor mentors well.",
        ("other_director", "mentee"): "other_director mentors well.",
        ("other_mentee", "outsider"): "other_mentee mentors well.",
        ("other_director", "other_mentee"): "A second voice for other_director.",
    }
    return [text for (n, nominator), text in mine.items() if n == nominee and nominator == role]


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_sees_of_each_nomination(client, dept, headers, world, role):
    views = VIEWS[role]
    listed = client.get("/api/v1/nominations", headers=headers(role)).get_json()
    assert sorted(item["nominee"]["id"] for item in listed["items"]) == sorted(dept.ids[n] for n in views), role

    for nominee in NOMINEES:
        response = client.get(world.url(nominee), headers=headers(role))
        view = views.get(nominee)
        if view is None:
            assert_error(response, 404, "nomination_id")
            assert "mentors well" not in response.get_data(as_text=True)
            for rest in ("/evidence", "/letters", "/scores"):
                assert_error(client.get(world.url(nominee, rest), headers=headers(role)), 404)
            continue
        body = response.get_json()
        assert response.status_code == 200 and body["nominee"]["id"] == dept.ids[nominee], (role, nominee)
        evidence = client.get(world.url(nominee, "/evidence"), headers=headers(role))
        letters = client.get(world.url(nominee, "/letters"), headers=headers(role))
        scores = client.get(world.url(nominee, "/scores"), headers=headers(role))
        if view == "full":
            assert sorted(s["text"] for s in body["statements"]) == sorted(STATEMENTS[nominee]), (role, nominee)
            assert "letters" in body and "score_sets" in body
            assert letters.status_code == 200 and scores.status_code == 200 and evidence.status_code == 200
        elif view == "nominator":
            assert [s["text"] for s in body["statements"]] == own_statements(dept, role, nominee), (role, nominee)
            assert "score_sets" not in body and "letters" in body
            # A nominator reads the letters they uploaded, not their colleagues', and never the evidence.
            uploaded = sorted(author for n, uploader, author in LETTERS if n == nominee and uploader == role)
            assert letters.status_code == 200 and sorted(x["author"] for x in letters.get_json()) == uploaded
            assert sorted(x["author"] for x in body["letters"]) == uploaded
            assert_error(evidence, 403, "evidence")
            assert "Mentee Person" not in evidence.get_data(as_text=True)
            assert_error(scores, 403, "scores")
        else:
            assert "statements" not in body and "letters" not in body and "score_sets" not in body
            assert "mentors well" not in response.get_data(as_text=True)
            assert "Referee" not in response.get_data(as_text=True)
            assert_error(letters, 403, "letter")
            assert_error(scores, 403, "scores")
            assert evidence.status_code == 200  # their own record
            assert body["roles"] == ["nominee"]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_score_which_nomination(client, dept, headers, world, role):
    for nominee in NOMINEES:
        response = client.put(
            world.url(nominee, "/scores"),
            json={"scores": GOOD_SCORES, "comment": f"{role} scored"},
            headers=headers(role),
        )
        view = VIEWS[role].get(nominee)
        if view is None:
            assert_error(response, 404, "nomination_id")
        elif role in MEMBERS:
            assert response.status_code == 200, (role, nominee, response.get_json())
            assert response.get_json()["member"]["id"] == dept.ids[role]
        else:
            assert_error(response, 403, "scores")  # an admin, a nominator or the nominee: visible, not theirs to score


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_ranking_and_which_rows_show_numbers(client, dept, headers, world, role):
    for member in MEMBERS:  # every member scores what they may, so every row has numbers to hide
        for nominee in NOMINEES:
            if nominee in VIEWS[member]:
                client.put(world.url(nominee, "/scores"), json={"scores": GOOD_SCORES}, headers=headers(member))
    response = client.get(f"{world.cycle_url}/ranking", headers=headers(role))
    if role not in RANKING:
        assert_error(response, 404, "cycle_id")
        assert_error(client.get(f"{world.cycle_url}/ranking.csv", headers=headers(role)), 404)
        return
    rows = {row["nominee"]["id"]: row for row in response.get_json()["rows"]}
    assert set(rows) == {dept.ids[n] for n in NOMINEES}
    for nominee in NOMINEES:
        row = rows[dept.ids[nominee]]
        if nominee in RANKING[role]:
            assert row["recused"] and row["raw_mean"] is None and row["normalised_mean"] is None
            assert row["reviews"] is None and row["spread"] is None and row["recusal_reasons"]
        else:
            assert not row["recused"] and row["raw_mean"] == pytest.approx(4.1) and row["reviews"] >= 2


@pytest.mark.parametrize("role", ROLES)
def test_only_managers_run_the_cycle(client, dept, headers, world, role):
    manager = role == "admin"
    member = role in MEMBERS
    url = world.cycle_url
    facts = client.get(url, headers=headers(role))
    assert facts.status_code == 200 and ("counts" in facts.get_json()) == manager
    for rest in ("/history", "/recusals", "/suggestions", "/decisions"):
        response = client.get(f"{url}{rest}", headers=headers(role))
        assert response.status_code == (200 if manager else 404), (role, rest)
    assert client.get(f"{url}/committee", headers=headers(role)).status_code == (200 if manager or member else 404)
    if not manager:
        for rest, body in (
            ("/advance", {"from_phase": "review", "reason": "Because"}),
            ("/dates", {"field": "announce_on", "date": world.dates["announce_on"].isoformat(), "reason": "Because"}),
            ("/committee", {"person_id": dept.ids["promotion_committee"]}),
            ("/decision", {"winners": [world.nomination_ids["mentor"]]}),
        ):
            assert_error(client.post(f"{url}{rest}", json=body, headers=headers(role)), 403)
        assert client.get(url, headers=headers("admin")).get_json()["counts"]["committee"] == 3
    assert_error(client.get(url, headers=headers(None)), 401, "Authorization")


def test_committee_members_see_no_nominations_while_nominations_are_open(app, client, dept, headers):
    world = live(app, dept, "open")
    for member in MEMBERS:
        assert client.get("/api/v1/nominations", headers=headers(member)).get_json()["items"] == []
        assert_error(client.get(world.url("mentor"), headers=headers(member)), 404)
        assert_error(client.get(f"{world.cycle_url}/ranking", headers=headers(member)), 404)
    assert client.get(f"{world.cycle_url}/ranking", headers=headers("admin")).status_code == 200


def test_a_division_director_manages_their_divisions_award(app, client, dept, headers):
    world = live(app, dept, "open", nominate=False, level="division", division_id=dept.divisions["CARD"])
    cycle = client.get(world.cycle_url, headers=headers("director")).get_json()
    assert cycle["you"]["manager"] and cycle["counts"]["nominations"] == 0
    assert client.get(world.cycle_url, headers=headers("other_director")).get_json()["you"]["manager"] is False

    suggestions = client.get(f"{world.cycle_url}/suggestions", headers=headers("director")).get_json()
    assert [s["person"]["id"] for s in suggestions] == [dept.ids["mentor"]]  # other_mentor is in Nephrology
    made = client.post(f"{world.cycle_url}/suggestions/{dept.ids['mentor']}", headers=headers("director"))
    assert made.status_code == 201 and made.get_json()["roles"] == ["manager", "nominator"]
    assert_error(client.get(f"{world.cycle_url}/suggestions", headers=headers("other_director")), 404)
    assert_error(
        client.post(
            f"{world.cycle_url}/advance",
            json={"from_phase": "open", "reason": "Early"},
            headers=headers("other_director"),
        ),
        403,
    )
    outside = client.post(
        "/api/v1/nominations",
        headers=headers("mentee"),
        json={"cycle_id": world.cycle_id, "nominee_id": dept.ids["other_mentor"], "statement": "Across the hall."},
    )
    assert "Cardiology" in assert_error(outside, 422, "nominee_id")["errors"]["nominee_id"][0]
    # Creating awards stays the administrators' work.
    assert_error(
        client.patch(f"/api/v1/awards/{world.award_id}", json={"winners": 2}, headers=headers("director")), 403
    )


def test_a_committee_member_who_is_nominated_sees_it_only_as_its_nominee(app, client, dept, headers):
    world = live(
        app,
        dept,
        "review",
        extra=(("award_committee", "mentee", "Our own committee's best mentor."),),
        letters=(("award_committee", "mentee", "Dr Confidential Referee"),),
    )
    response = client.get(world.url("award_committee"), headers=headers("award_committee"))
    assert response.status_code == 200 and response.get_json()["roles"] == ["nominee"]
    assert not {"statements", "letters", "score_sets"} & set(response.get_json())
    assert "Referee" not in response.get_data(as_text=True) and "best mentor" not in response.get_data(as_text=True)
    assert_error(
        client.get(world.url("award_committee", "/letters"), headers=headers("award_committee")), 403, "letter"
    )
    assert_error(client.get(world.url("award_committee", "/scores"), headers=headers("award_committee")), 403)
    assert_error(
        client.put(
            world.url("award_committee", "/scores"), json={"scores": GOOD_SCORES}, headers=headers("award_committee")
        ),
        403,
        "scores",
    )
    client.put(world.url("award_committee", "/scores"), json={"scores": GOOD_SCORES}, headers=headers("director"))
    for nominee in ("mentor", "other_mentee", "other_director"):  # the ranking waits for their own scores
        client.put(world.url(nominee, "/scores"), json={"scores": GOOD_SCORES}, headers=headers("award_committee"))
    rows = client.get(f"{world.cycle_url}/ranking", headers=headers("award_committee")).get_json()["rows"]
    own = next(row for row in rows if row["nomination_id"] == world.nomination_ids["award_committee"])
    assert own["recused"] and own["raw_mean"] is None and own["recusal_reasons"] == ["the member is the nominee"]
    # The rest of the committee's work is theirs as before.
    assert client.get(world.url("mentor"), headers=headers("award_committee")).get_json()["statements"]


def test_a_withdrawal_leaves_a_record_the_managers_read(app, client, dept, headers):
    world = live(app, dept, "open", extra=EXTRA, letters=(("other_mentee", "outsider", "Dr Outsider Referee"),))
    gone = client.delete(world.url("other_mentee", "/statement"), headers=headers("outsider"))
    assert gone.status_code == 204
    assert_error(client.get(world.url("other_mentee"), headers=headers("admin")), 404)  # no statement left: removed
    kept = client.delete(world.url("other_director", "/statement"), headers=headers("other_mentee"))
    assert kept.status_code == 204

    response = client.get(f"{world.cycle_url}/withdrawals", headers=headers("admin"))
    assert response.status_code == 200
    rows = [
        (w["nominator"]["id"], w["nominee"]["id"], w["nomination_removed"], w["letters_removed"])
        for w in response.get_json()
    ]
    assert rows == [
        (dept.ids["outsider"], dept.ids["other_mentee"], True, 1),
        (dept.ids["other_mentee"], dept.ids["other_director"], False, 0),
    ]
    for role in ("outsider", "other_mentee", "director", "award_committee"):
        assert_error(client.get(f"{world.cycle_url}/withdrawals", headers=headers(role)), 404, "cycle_id")

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from recognition.extensions import db

    with app.app_context():
        for statement in ("UPDATE nomination_withdrawals SET reason = 'changed'", "DELETE FROM nomination_withdrawals"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
                db.session.flush()
            db.session.rollback()
    assert len(client.get(f"{world.cycle_url}/withdrawals", headers=headers("admin")).get_json()) == 2
