"""The ranking as each reader sees it: a member recused from a nominee (or who is one)
learns nothing of where that nominee stands, in the page, the API, the CSV or the PDF;
coverage is shown and a minimum number of reviews keeps a thinly reviewed nominee
unranked; members see the others' scores only once they have given their own."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from recognition.auth.service import load_actor
from recognition.awards.committee import chart, exports, recusal
from recognition.awards.committee import service as committee
from recognition.awards.definitions import service as definitions
from recognition.awards.models import Nomination, ScoreSet
from recognition.awards.nominations import service as nominations
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.awards.test_api import GOOD_SCORES, live
from tests.support.awards import DAYS, AwardWorld, actor, at

LOWEST = {"impact": 1, "commitment": 1, "quality": 1, "citizenship": 1}
HIGHEST = {"impact": 5, "commitment": 5, "quality": 5, "citizenship": 5}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def ranking_table(html: str) -> str:
    return html[html.index('<table class="ranking">') : html.index("</table>")]


def ranking_plot(html: str) -> str:
    """The dot plot above the table, with its caption."""
    return html[html.index('<figure class="ranking-plot"') : html.index("</figure>")]


def set_scores(app, nomination_id: int, values: dict) -> None:
    """Change every counted score set of a nomination (the review is over: straight in the table)."""
    with app.app_context():
        for found in db.session.scalars(db.select(ScoreSet).where(ScoreSet.nomination_id == nomination_id)):
            found.scores = json.dumps(values, sort_keys=True)
        db.session.commit()


def everything(client, headers, login_client, world, role) -> dict:
    """What ``role`` reads of the ranking in every form."""
    url = world.cycle_url
    api = client.get(f"{url}/ranking", headers=headers(role))
    csv_bytes = client.get(f"{url}/ranking.csv", headers=headers(role))
    pdf = client.get(f"{url}/ranking.pdf", headers=headers(role))
    page = login_client.get(f"/awards/cycles/{world.cycle_id}/ranking")
    page_csv = login_client.get(f"/awards/cycles/{world.cycle_id}/ranking.csv")
    assert {api.status_code, csv_bytes.status_code, pdf.status_code, page.status_code, page_csv.status_code} == {200}
    return {
        "api": api.get_json(),
        "csv": csv_bytes.get_data(),
        "pdf": pdf_text(pdf.get_data()),
        "page": ranking_table(page.get_data(as_text=True)),
        "plot": ranking_plot(page.get_data(as_text=True)),
        "page_csv": page_csv.get_data(),
    }


def check_hidden_row_tells_nothing(app, client, headers, login, dept, role, hidden_nominee, extra=()):
    world = live(app, dept, "deciding", extra=extra)
    hidden = world.nomination_ids[hidden_nominee]
    set_scores(app, hidden, HIGHEST)  # the hidden nominee first in the full ranking
    top = client.get(f"{world.cycle_url}/ranking", headers=headers("admin")).get_json()["rows"]
    assert top[0]["nomination_id"] == hidden and top[0]["position"] == 1
    seen_when_first = everything(client, headers, login(app.test_client(), role), world, role)
    set_scores(app, hidden, LOWEST)  # and now last
    bottom = client.get(f"{world.cycle_url}/ranking", headers=headers("admin")).get_json()["rows"]
    assert [r["nomination_id"] for r in bottom if r["position"] is not None][-1] == hidden
    seen_when_last = everything(client, headers, login(app.test_client(), role), world, role)

    assert seen_when_first == seen_when_last  # the table, the plot, the exports
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-ranking"' in seen_when_first["plot"]
    assert hidden_nominee.replace("_", " ").title() + " Person" not in seen_when_first["plot"]
    rows = seen_when_first["api"]["rows"]
    assert [r["position"] for r in rows] == [*range(1, len(rows)), None]  # 1, 2 … among the others
    assert rows[-1]["nomination_id"] == hidden and rows[-1]["recused"]
    assert (rows[-1]["raw_mean"], rows[-1]["normalised_mean"], rows[-1]["reviews"], rows[-1]["spread"]) == (
        None,
        None,
        None,
        None,
    )
    table = list(csv.reader(io.StringIO(seen_when_first["csv"].decode("utf-8")[1:])))
    assert [line[0] for line in table[1 : len(rows) + 1]] == [*map(str, range(1, len(rows))), ""]
    assert seen_when_first["page_csv"] == seen_when_first["csv"]
    return world


def test_a_recused_member_cannot_tell_where_the_hidden_nominee_stands(app, client, dept, headers, login):
    check_hidden_row_tells_nothing(app, client, headers, login, dept, "other_mentor", "other_mentee")


def test_a_member_who_is_nominated_cannot_tell_where_they_stand(app, client, dept, headers, login):
    world = check_hidden_row_tells_nothing(
        app,
        client,
        headers,
        login,
        dept,
        "award_committee",
        "award_committee",
        extra=(("award_committee", "promotion_committee", "A generous mentor."),),
    )
    rows = client.get(f"{world.cycle_url}/ranking", headers=headers("award_committee")).get_json()["rows"]
    assert rows[-1]["recusal_reasons"] == ["the member is the nominee"]


# The property: whatever the hidden nominee's scores, and however many reviews it has.


def reader_view(cycle, reader, day) -> tuple:
    found = exports.sheet(cycle, reader, day)
    rows = [{key: value for key, value in row.items() if key != "person"} for row in found.rows]
    scale = definitions.rubric_text(cycle)
    return (
        rows,  # with each reviewer's points, which the plot draws
        str(chart.dot_plot(found.rows, scale.low, scale.high, "The ranking.")),
        found.warnings,
        exports.ranking_csv(cycle, reader, day),
        pdf_text(exports.ranking_pdf(cycle, reader, "In review", day)),
    )


def property_world(dept) -> AwardWorld:
    """The test award in review, with a fourth nomination, of committee member
    ``award_committee``; every counted score given except those of the hidden nominees."""
    world = AwardWorld.build(dept)
    made = nominations.nominate(
        world.cycle,
        dept.ids["award_committee"],
        "A generous mentor.",
        actor(dept, "admin"),
        DAYS["open"],
        at(DAYS["open"]),
    )
    world.nomination_ids["award_committee"] = made.id
    db.session.commit()
    world.to("closed")
    world.to("review")
    return world


SCORE = st.fixed_dictionaries({c: st.integers(1, 5) for c in GOOD_SCORES})


def spread_scores(nomination_id: int, index: int) -> dict:
    return {c: 1 + (index * 2 + nomination_id + i) % 5 for i, c in enumerate(GOOD_SCORES)}


def test_whatever_the_hidden_nominees_scores_a_recused_reader_sees_the_same_ranking(app, dept):
    with app.app_context():
        world = property_world(dept)
        cycle, day = world.cycle, DAYS["review"] + timedelta(days=40)  # the review is over: nothing withheld
        hidden_from = {
            "other_mentor": world.nomination_ids["other_mentee"],
            "award_committee": world.nomination_ids["award_committee"],
        }
        scored_by = {}
        for nomination_id in world.nomination_ids.values():
            nomination = db.session.get(Nomination, nomination_id)
            scored_by[nomination_id] = [
                m.person_id for m in recusal.members(cycle.id) if not recusal.recused(nomination, m.person_id)
            ]
            if nomination_id in hidden_from.values():
                continue  # scored in each example, below
            for index, member in enumerate(scored_by[nomination_id]):
                committee.score(
                    nomination,
                    load_actor(member),
                    spread_scores(nomination_id, index),
                    "",
                    DAYS["review"],
                    at(DAYS["review"]),
                )
        db.session.commit()
        for nomination_id in hidden_from.values():
            assert len(scored_by[nomination_id]) == 2  # a hidden nominee can have 0, 1 or 2 reviews

        def view_with(role: str, hidden_scores: list[dict | None]) -> tuple:
            """``role``'s view when their hidden nominee has ``hidden_scores`` (None: no review by
            that member) and every other nomination has its fixed scores."""
            hidden = hidden_from[role]
            added = []
            for nomination_id in hidden_from.values():
                for index, member in enumerate(scored_by[nomination_id]):
                    values = hidden_scores[index] if nomination_id == hidden else spread_scores(nomination_id, index)
                    if values is not None:
                        added.append(
                            ScoreSet(
                                nomination_id=nomination_id,
                                member_id=member,
                                revision=1,
                                scores=json.dumps(values, sort_keys=True),
                                comment="",
                                created_at=at(DAYS["review"]),
                                updated_at=at(DAYS["review"]),
                            )
                        )
            db.session.add_all(added)
            db.session.flush()
            try:
                return reader_view(cycle, load_actor(dept.ids[role]), day)
            finally:
                for found in added:
                    db.session.delete(found)
                db.session.flush()

        baseline = {role: view_with(role, [None, None]) for role in hidden_from}
        for role, (rows, *_rest) in baseline.items():
            assert [r["position"] for r in rows] == [1, 2, 3, None]
            assert rows[-1]["nomination_id"] == hidden_from[role] and rows[-1]["reviews"] is None

        @settings(max_examples=25, deadline=None, database=None)
        @given(
            role=st.sampled_from(sorted(hidden_from)), hidden_scores=st.lists(st.none() | SCORE, min_size=2, max_size=2)
        )
        def same_ranking(role, hidden_scores):
            assert view_with(role, hidden_scores) == baseline[role]

        same_ranking()


# Coverage and the minimum number of reviews ------------------------------------------------


def test_coverage_a_minimum_of_reviews_and_a_warning_when_reviews_are_unequal(app, client, dept, headers, login):
    world = live(app, dept, "deciding", min_reviews=3)
    thin = world.nomination_ids["other_mentee"]  # 2 reviews: other_mentor is recused from them
    ranking = client.get(f"{world.cycle_url}/ranking", headers=headers("admin")).get_json()
    assert ranking["min_reviews"] == 3
    rows = [(r["nomination_id"], r["position"], r["reviews"], r["reviewers"], r["status"]) for r in ranking["rows"]]
    assert rows == [
        (world.nomination_ids["mentor"], 1, 3, 3, "ranked"),
        (world.nomination_ids["other_director"], 2, 3, 3, "ranked"),
        (thin, None, 2, 2, "not yet ranked (2 of 3 reviews needed)"),
    ]
    assert ranking["rows"][2]["raw_mean"] is None  # no numbers to compare a thin row by
    assert any("unequal numbers of reviews (from 2 to 3)" in w for w in ranking["warnings"])
    assert any(
        "Other Mentee Person cannot be ranked: the award needs 3 reviews and only 2 committee members" in w
        for w in ranking["warnings"]
    )

    lines = list(
        csv.reader(
            io.StringIO(
                client.get(f"{world.cycle_url}/ranking.csv", headers=headers("admin")).get_data().decode("utf-8")[1:]
            )
        )
    )
    assert lines[3][0] == "" and lines[3][5:7] == ["2", "2"] and lines[3][9] == "not yet ranked (2 of 3 reviews needed)"
    assert ["Warning", ranking["warnings"][0]] in lines
    text = pdf_text(client.get(f"{world.cycle_url}/ranking.pdf", headers=headers("admin")).get_data())
    assert "not yet ranked (2 of 3 reviews needed)" in text and "Warning: Nominees have unequal" in text
    page = login(app.test_client(), "admin").get(f"/awards/cycles/{world.cycle_id}/ranking").get_data(as_text=True)
    assert "not yet ranked (2 of 3 reviews needed)" in page and "2 of 2" in page and "3 of 3" in page
    assert "Nominees have unequal numbers of reviews" in page

    # Choosing a nominee the ranking did not place needs a reason, like any out-of-order winner.
    refused = client.post(f"{world.cycle_url}/decision", json={"winners": [thin]}, headers=headers("admin"))
    assert_error(refused, 422, f"reasons.{thin}")
    assert "did not place this nominee" in refused.get_json()["errors"][f"reasons.{thin}"][0]
    decided = client.post(
        f"{world.cycle_url}/decision",
        json={"winners": [thin], "reasons": {str(thin): "Unanimous."}},
        headers=headers("admin"),
    )
    assert decided.status_code == 201, decided.get_json()
    assert decided.get_json()["winners"][0]["ranked_position"] is None
    assert decided.get_json()["ranking"][2] == {**decided.get_json()["ranking"][2], "position": None, "reviews": 2}


def test_the_minimum_number_of_reviews_is_an_award_setting(app, client, dept, headers, login):
    body = {
        "slug": "steady-mentor",
        "name": "Steady Mentor",
        "opens": "02-01",
        "closes": "03-15",
        "review_ends": "04-15",
        "decision": "04-30",
        "announcement": "05-15",
    }
    made = client.post("/api/v1/awards", json=body, headers=headers("admin"))
    assert made.status_code == 201 and made.get_json()["min_reviews"] == 1  # as every existing award
    url = f"/api/v1/awards/{made.get_json()['id']}"
    for bad in (0, 51, "2", True, None):
        assert_error(client.patch(url, json={"min_reviews": bad}, headers=headers("admin")), 422, "min_reviews")
    assert client.get(url, headers=headers("admin")).get_json()["min_reviews"] == 1
    changed = client.patch(url, json={"min_reviews": 2}, headers=headers("admin"))
    assert changed.status_code == 200 and changed.get_json()["min_reviews"] == 2
    with app.app_context():
        assert definitions.check({**body, "slug": "other-award", "min_reviews": 3})["min_reviews"] == 3

    page = login(app.test_client(), "admin")
    award_id = made.get_json()["id"]
    edit = page.get(f"/awards/{award_id}").get_data(as_text=True)
    assert "Reviews needed to be ranked" in edit and re.search(r'<input[^>]*name="min_reviews"[^>]*value="2"', edit)


# Scores hidden until the member has scored -------------------------------------------------


def test_members_see_the_others_scores_and_the_ranking_only_after_giving_their_own(app, client, dept, headers, login):
    world = live(app, dept, "review")
    target = world.url("mentor", "/scores")
    saved = client.put(
        target, json={"scores": GOOD_SCORES, "comment": "Outstanding letters."}, headers=headers("director")
    )
    assert saved.status_code == 200, saved.get_json()

    before = client.get(target, headers=headers("award_committee")).get_json()
    assert before["score_sets"] == [] and before["score_sets_withheld"] is True
    assert client.get(world.url("mentor"), headers=headers("award_committee")).get_json()["score_sets"] == []
    member_page = login(app.test_client(), "award_committee")
    html = member_page.get(f"/awards/nominations/{world.nomination_ids['mentor']}").get_data(as_text=True)
    assert "shown once you have saved your own" in html and "Outstanding letters." not in html
    admin = client.get(target, headers=headers("admin")).get_json()  # a manager who does not review sees all
    assert [s["comment"] for s in admin["score_sets"]] == ["Outstanding letters."] and not admin["score_sets_withheld"]

    # The ranking waits for every nominee the member reviews.
    withheld = client.get(f"{world.cycle_url}/ranking", headers=headers("award_committee")).get_json()
    assert withheld["withheld"] and withheld["rows"] == []
    assert sorted(n["nomination_id"] for n in withheld["to_score"]) == sorted(world.nomination_ids.values())
    for download in ("ranking.csv", "ranking.pdf"):
        assert_error(client.get(f"{world.cycle_url}/{download}", headers=headers("award_committee")), 409, "ranking")
    html = member_page.get(f"/awards/cycles/{world.cycle_id}/ranking").get_data(as_text=True)
    assert "Score your nominees first" in html and '<table class="ranking">' not in html

    assert client.put(target, json={"scores": GOOD_SCORES}, headers=headers("award_committee")).status_code == 200
    after = client.get(target, headers=headers("award_committee")).get_json()
    assert sorted(s["comment"] for s in after["score_sets"]) == ["", "Outstanding letters."]
    assert not after["score_sets_withheld"]
    for nominee in ("other_mentee", "other_director"):
        response = client.put(
            world.url(nominee, "/scores"), json={"scores": GOOD_SCORES}, headers=headers("award_committee")
        )
        assert response.status_code == 200, response.get_json()
    shown = client.get(f"{world.cycle_url}/ranking", headers=headers("award_committee")).get_json()
    assert not shown["withheld"] and [r["position"] for r in shown["rows"]] == [1, 2, 3]
    assert client.get(f"{world.cycle_url}/ranking.csv", headers=headers("award_committee")).status_code == 200


def test_once_scoring_has_ended_nothing_is_withheld(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("closed")
        world.to("review")
        member = actor(dept, "award_committee")
        nomination = db.session.get(Nomination, world.nomination_ids["mentor"])
        committee.score(nomination, actor(dept, "director"), GOOD_SCORES, "", DAYS["review"], at(DAYS["review"]))
        db.session.commit()
        last_day = world.cycle.review_ends_on
        assert committee.scores_withheld(nomination, member, last_day)
        assert committee.score_sets(nomination, member, last_day) == []
        assert exports.sheet(world.cycle, member, last_day).withheld
        after = last_day + timedelta(days=1)
        assert not committee.scores_withheld(nomination, member, after)
        assert len(committee.score_sets(nomination, member, after)) == 1
        assert not exports.sheet(world.cycle, member, after).withheld
        assert date(2026, 4, 16) == after
