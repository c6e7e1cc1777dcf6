"""/api/v1/awards, /api/v1/cycles and /api/v1/nominations: each endpoint's happy path,
bad input named by field, and what is refused to whom.

The API works on the real date (``today()``), so the cycles here are built with dates
around today (``live``), never on a fixed calendar: a phase is "now" whatever day the
suite runs on.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from recognition.auth.service import load_actor
from recognition.awards import lifecycle
from recognition.awards.announcement import badges
from recognition.awards.committee import recusal
from recognition.awards.committee import service as committee
from recognition.awards.cycles import decision, phases
from recognition.awards.cycles import service as cycles
from recognition.awards.definitions import service as definitions
from recognition.awards.models import Cycle, Grant, Letter, Nomination, ScoreRevision
from recognition.awards.nominations import letters as nomination_letters
from recognition.awards.nominations import service as nominations
from recognition.clock import today
from recognition.credits.signing import app_key
from recognition.extensions import db
from recognition.people.models import Person
from tests.api.error_shape import assert_error
from tests.support.awards import MEMBERS, NOMINATIONS, SCHEDULE, at

# Days from today of opens_on, closes_on, review_ends_on, decision_on, announce_on, so that
# the cycle is in the named phase today.
PLANS = {
    "scheduled": (5, 15, 25, 30, 35),
    "open": (-10, 10, 20, 30, 40),
    "closed": (-10, -1, 20, 30, 40),
    "review": (-20, -10, 10, 20, 30),
    "deciding": (-40, -30, -5, -1, 15),  # still in review, the review over and the decision overdue
    "announced": (-60, -50, -30, -20, -10),
}
# Scored so the ranking is mentor, other_director, other_mentee.
SCORES = {
    "mentor": {"impact": 5, "commitment": 5, "quality": 4, "citizenship": 4},
    "other_mentee": {"impact": 2, "commitment": 3, "quality": 3, "citizenship": 2},
    "other_director": {"impact": 3, "commitment": 4, "quality": 3, "citizenship": 3},
}
GOOD_SCORES = {"impact": 4, "commitment": 5, "quality": 4, "citizenship": 3}


@dataclass
class Live:
    """An award and its cycle, in a phase today, with the committee and nominations of
    ``tests.support.awards`` (made while it was open) and, if asked, letters."""

    award_id: int = 0
    cycle_id: int = 0
    nomination_ids: dict[str, int] = field(default_factory=dict)  # nominee role -> nomination id
    dates: dict[str, date] = field(default_factory=dict)

    def url(self, nominee: str, rest: str = "") -> str:
        return f"/api/v1/nominations/{self.nomination_ids[nominee]}{rest}"

    @property
    def cycle_url(self) -> str:
        return f"/api/v1/cycles/{self.cycle_id}"


def live(
    app, dept, phase: str, *, nominate: bool = True, extra=(), letters=(), slug="mentor-of-the-year", **settings
) -> Live:
    """Build the world of ``phase`` (see PLANS). ``extra``: more (nominee, nominator,
    statement) while open; ``letters``: (nominee, uploader, author) PDFs while open."""
    day = today()
    world = Live()
    with app.app_context():
        admin = load_actor(dept.ids["admin"])
        world.dates = {name: day + timedelta(days=offset) for name, offset in zip(cycles.DATE_FIELDS, PLANS[phase])}
        award = definitions.create(
            {
                "slug": slug,
                "name": "Mentor of the Year",
                "description": "For sustained, generous mentorship.",
                **SCHEDULE,
                **settings,
            },
            at(day - timedelta(days=90)),
        )
        cycle = cycles.create_cycle(award, day.year, at(day - timedelta(days=90)), world.dates)
        world.award_id, world.cycle_id = award.id, cycle.id
        for role in MEMBERS:
            committee.add_member(cycle, dept.ids[role], admin, at(day - timedelta(days=90)))
        db.session.commit()
        if phase == "scheduled":
            return world
        opens = world.dates["opens_on"]
        lifecycle.catch_up(cycle, opens, at(opens))
        if nominate or extra:
            for nominee, nominator in NOMINATIONS if nominate else ():
                made = nominations.nominate(
                    cycle,
                    dept.ids[nominee],
                    f"{nominee} mentors well.",
                    load_actor(dept.ids[nominator]),
                    opens,
                    at(opens),
                )
                world.nomination_ids[nominee] = made.id
            for nominee, nominator, text in extra:
                made = nominations.nominate(
                    cycle, dept.ids[nominee], text, load_actor(dept.ids[nominator]), opens, at(opens)
                )
                world.nomination_ids.setdefault(nominee, made.id)
            for nominee, uploader, author in letters:
                nomination_letters.add_letter(
                    db.session.get(Nomination, world.nomination_ids[nominee]),
                    letter_pdf(author),
                    f"{author}.pdf",
                    author,
                    load_actor(dept.ids[uploader]),
                    opens,
                    at(opens),
                )
            db.session.commit()
        if phase in ("deciding", "announced"):
            review = phases.review_starts(cycle)
            lifecycle.catch_up(cycle, review, at(review))
            text = definitions.rubric_text(award)
            for role in MEMBERS:
                for nominee, nomination_id in world.nomination_ids.items():
                    nomination = db.session.get(Nomination, nomination_id)
                    if not recusal.recused(nomination, dept.ids[role]):
                        values = SCORES.get(nominee) or {c.id: text.high for c in text.criteria}
                        committee.score(
                            nomination, load_actor(dept.ids[role]), values, f"{role} on {nominee}", review, at(review)
                        )
            db.session.commit()
        if phase == "announced":
            after = world.dates["review_ends_on"] + timedelta(days=1)
            decision.decide(cycle, [world.nomination_ids["mentor"]], {}, "", admin, after, at(after))
            db.session.commit()
        lifecycle.catch_up(cycle, day, at(day))
        assert db.session.get(Cycle, cycle.id).phase == ("review" if phase == "deciding" else phase)
    return world


def letter_pdf(text: str = "Letter of support", pages: int = 1) -> bytes:
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer)
    for page in range(pages):
        document.drawString(72, 720, f"{text}, page {page + 1}")
        document.showPage()
    document.save()
    return buffer.getvalue()


def upload(client, headers, role, url, data: bytes, author: str | None = "Dr. Ada Lovelace", filename="letter.pdf"):
    form = {"letter": (io.BytesIO(data), filename)}
    if author is not None:
        form["author"] = author
    return client.post(url, data=form, content_type="multipart/form-data", headers=headers(role))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


AWARD = {
    "slug": "early-career-mentor",
    "name": "Early Career Mentor Award",
    "description": "For mentors in their first decade.",
    "winners": 2,
    "eligibility": {"max_years_on_faculty": 10, "ranks": ["assistant", "associate"]},
    "rubric": {
        "low": 1,
        "high": 7,
        "criteria": [
            {"id": "impact", "name": "Impact", "description": "Mentees' milestones", "weight": 2},
            {"id": "reach", "name": "Reach", "weight": 1},
        ],
    },
    "opens": "09-01",
    "closes": "10-15",
    "review_ends": "11-15",
    "decision": "11-30",
    "announcement": "12-10",
}


# Awards ------------------------------------------------------------------------------------


def test_admins_make_and_change_awards_and_everyone_reads_them(client, headers):
    made = client.post("/api/v1/awards", json=AWARD, headers=headers("admin"))
    assert made.status_code == 201, made.get_json()
    award = made.get_json()
    assert award["eligibility"] == {
        "min_years_mentoring": None,
        "min_mentees": None,
        "max_years_on_faculty": 10,
        "ranks": ["assistant", "associate"],
        "past_winner_exclusion_years": None,
    }
    assert award["rubric"]["high"] == 7 and [c["id"] for c in award["rubric"]["criteria"]] == ["impact", "reach"]
    assert award["schedule"] == {
        key: AWARD[key] for key in ("opens", "closes", "review_ends", "decision", "announcement")
    }
    assert award["level"] == "department" and award["division"] is None and award["winners"] == 2

    listed = client.get("/api/v1/awards", headers=headers("mentee")).get_json()
    assert [item["slug"] for item in listed["items"]] == ["early-career-mentor"] and listed["meta"]["total"] == 1
    assert client.get(f"/api/v1/awards/{award['id']}", headers=headers("outsider")).get_json()["name"] == AWARD["name"]

    changed = client.patch(
        f"/api/v1/awards/{award['id']}", json={"winners": 1, "closes": "10-31"}, headers=headers("admin")
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["winners"] == 1 and changed.get_json()["schedule"]["closes"] == "10-31"
    assert changed.get_json()["rubric"] == award["rubric"]  # untouched: only what is sent changes

    assert_error(client.post("/api/v1/awards", json={**AWARD, "slug": "another"}, headers=headers("director")), 403)
    assert_error(client.patch(f"/api/v1/awards/{award['id']}", json={"winners": 3}, headers=headers("mentor")), 403)
    assert_error(client.get("/api/v1/awards/999", headers=headers("admin")), 404, "award_id")
    assert_error(client.get("/api/v1/awards", headers=headers(None)), 401, "Authorization")
    inactive = client.get("/api/v1/awards", query_string={"active": "false"}, headers=headers("admin")).get_json()
    assert inactive["items"] == []


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"opens": "13-40"}, ["opens"]),
        ({"closes": "08-01"}, ["closes"]),
        ({"slug": "Not A Slug!"}, ["slug"]),
        ({"name": None}, ["name"]),
        ({"winners": 0}, ["winners"]),
        ({"level": "division"}, ["division_id"]),
        (
            {"eligibility": {"min_mentees": -1, "favourite_colour": "blue"}},
            ["eligibility.min_mentees", "eligibility.favourite_colour"],
        ),
        ({"eligibility": {"ranks": ["emeritus"]}}, ["eligibility.ranks.0"]),
        (
            {"rubric": {"low": 5, "high": 1, "criteria": [{"id": "impact", "name": "Impact", "weight": 1}]}},
            ["rubric.high"],
        ),
        (
            {"rubric": {"criteria": [{"id": "Impact!", "name": "", "weight": 0}]}},
            ["rubric.criteria.0.id", "rubric.criteria.0.name", "rubric.criteria.0.weight"],
        ),
        ({"rubric": {"criteria": []}}, ["rubric.criteria"]),
    ],
)
def test_bad_award_settings_are_refused_naming_each_field(app, client, headers, change, fields):
    response = client.post("/api/v1/awards", json={**AWARD, **change}, headers=headers("admin"))
    assert_error(response, 422, *fields)
    assert client.get("/api/v1/awards", headers=headers("admin")).get_json()["items"] == []


def test_a_slug_in_use_and_a_rubric_under_review_are_refused(app, client, dept, headers):
    world = live(app, dept, "review")
    assert_error(
        client.post("/api/v1/awards", json={**AWARD, "slug": "mentor-of-the-year"}, headers=headers("admin")),
        422,
        "slug",
    )
    response = client.patch(
        f"/api/v1/awards/{world.award_id}", json={"rubric": AWARD["rubric"]}, headers=headers("admin")
    )
    assert "being scored" in assert_error(response, 422, "rubric")["errors"]["rubric"][0]
    renamed = client.patch(
        f"/api/v1/awards/{world.award_id}", json={"name": "Mentor of the Year Award"}, headers=headers("admin")
    )
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Mentor of the Year Award"


# Cycles ------------------------------------------------------------------------------------


def test_a_cycle_created_with_todays_dates_is_open_at_once(client, headers):
    award = client.post("/api/v1/awards", json=AWARD, headers=headers("admin")).get_json()
    day = today()
    dates = {
        name: (day + timedelta(days=offset)).isoformat()
        for name, offset in zip(cycles.DATE_FIELDS, (-1, 9, 20, 25, 30))
    }
    made = client.post(
        "/api/v1/cycles", json={"award_id": award["id"], "year": day.year, "dates": dates}, headers=headers("admin")
    )
    assert made.status_code == 201, made.get_json()
    cycle = made.get_json()
    assert cycle["phase"] == "open" and cycle["nominating_open"] and not cycle["scoring_open"]
    assert cycle["opens_on"] == dates["opens_on"]
    assert cycle["review_starts_on"] == (day + timedelta(days=13)).isoformat()  # closes + 1 + 3 days' gap
    assert cycle["counts"] == {"nominations": 0, "committee": 0, "recusals": 0, "score_sets": 0, "decisions": 0}

    assert_error(
        client.post("/api/v1/cycles", json={"award_id": award["id"], "year": day.year}, headers=headers("admin")),
        409,
        "year",
    )
    later = client.post(
        "/api/v1/cycles", json={"award_id": award["id"], "year": day.year + 1}, headers=headers("admin")
    )
    assert later.status_code == 201 and later.get_json()["phase"] == "scheduled"
    assert later.get_json()["opens_on"] == f"{day.year + 1}-09-01"  # from the award's schedule

    assert_error(
        client.post(
            "/api/v1/cycles",
            json={"award_id": award["id"], "year": day.year + 2, "dates": {"closes_on": f"{day.year + 2}-08-01"}},
            headers=headers("admin"),
        ),
        422,
        "closes_on",
    )
    assert_error(
        client.post("/api/v1/cycles", json={"award_id": 999, "year": day.year + 2}, headers=headers("admin")),
        422,
        "award_id",
    )
    assert_error(
        client.post("/api/v1/cycles", json={"award_id": award["id"], "year": "soon"}, headers=headers("admin")),
        422,
        "year",
    )
    assert_error(
        client.post(
            "/api/v1/cycles", json={"award_id": award["id"], "year": day.year + 2}, headers=headers("director")
        ),
        403,
    )

    listed = client.get("/api/v1/cycles", query_string={"award_id": award["id"]}, headers=headers("mentee")).get_json()
    assert [item["year"] for item in listed["items"]] == [day.year + 1, day.year]
    assert "counts" not in listed["items"][0]
    only_open = client.get("/api/v1/cycles", query_string={"phase": "open"}, headers=headers("mentee")).get_json()
    assert [item["id"] for item in only_open["items"]] == [cycle["id"]]
    assert_error(
        client.get("/api/v1/cycles", query_string={"phase": "asleep"}, headers=headers("mentee")), 422, "phase"
    )


def test_anyone_reads_a_cycles_facts_and_managers_its_counts(app, client, dept, headers):
    world = live(app, dept, "review")
    mentee = client.get(world.cycle_url, headers=headers("mentee")).get_json()
    assert mentee["phase"] == "review" and mentee["scoring_open"] and "counts" not in mentee
    assert mentee["you"] == {"manager": False, "committee_member": False, "may_see_ranking": False}
    member = client.get(world.cycle_url, headers=headers("award_committee")).get_json()
    assert member["you"] == {"manager": False, "committee_member": True, "may_see_ranking": True}
    admin = client.get(world.cycle_url, headers=headers("admin")).get_json()
    assert admin["counts"] == {"nominations": 3, "committee": 3, "recusals": 1, "score_sets": 0, "decisions": 0}
    assert_error(client.get("/api/v1/cycles/999", headers=headers("admin")), 404, "cycle_id")


def test_managers_move_dates_and_advance_with_reasons_kept_in_the_history(app, client, dept, headers):
    world = live(app, dept, "open")
    later = (world.dates["closes_on"] + timedelta(days=5)).isoformat()
    body = {"field": "closes_on", "date": later, "reason": "Two divisions asked for more time"}
    assert_error(client.post(f"{world.cycle_url}/dates", json=body, headers=headers("director")), 403)
    assert_error(
        client.post(f"{world.cycle_url}/dates", json={**body, "reason": " "}, headers=headers("admin")), 422, "reason"
    )
    assert_error(
        client.post(f"{world.cycle_url}/dates", json={**body, "date": "2001-01-01"}, headers=headers("admin")),
        422,
        "date",
    )
    assert_error(
        client.post(f"{world.cycle_url}/dates", json={**body, "field": "opens_on"}, headers=headers("admin")),
        409,
        "field",
    )
    assert_error(
        client.post(f"{world.cycle_url}/dates", json={**body, "field": "tomorrow"}, headers=headers("admin")),
        422,
        "field",
    )
    moved = client.post(f"{world.cycle_url}/dates", json=body, headers=headers("admin"))
    assert moved.status_code == 200 and moved.get_json()["closes_on"] == later

    assert_error(
        client.post(
            f"{world.cycle_url}/advance", json={"from_phase": "open", "reason": "Enough"}, headers=headers("mentor")
        ),
        403,
    )
    assert_error(client.post(f"{world.cycle_url}/advance", json={}, headers=headers("admin")), 422, "reason")
    advanced = client.post(
        f"{world.cycle_url}/advance",
        json={"from_phase": "open", "reason": "Every division has nominated"},
        headers=headers("admin"),
    )
    assert advanced.status_code == 200 and advanced.get_json()["phase"] == "closed"
    # Closing early moves the closing date too: the dates say when nominations were taken.
    assert advanced.get_json()["closes_on"] == (today() - timedelta(days=1)).isoformat()
    evidence = client.get(world.url("mentor", "/evidence"), headers=headers("admin")).get_json()
    assert evidence["hash"] and evidence["frozen_at"] and evidence["intact"]

    history = client.get(f"{world.cycle_url}/history", headers=headers("admin"))
    assert history.status_code == 200
    steps = [
        (item["kind"], item.get("phase") or item.get("field"), item.get("source"), item["reason"])
        for item in history.get_json()
    ]
    assert steps == [
        ("transition", "open", "schedule", None),
        ("date_change", "closes_on", None, "Two divisions asked for more time"),
        ("date_change", "closes_on", None, "Every division has nominated"),
        ("transition", "closed", "admin", "Every division has nominated"),
    ]
    assert history.get_json()[1]["new"] == later and history.get_json()[2]["old"] == later
    assert history.get_json()[3]["by"]["id"] == dept.ids["admin"]
    assert_error(client.get(f"{world.cycle_url}/history", headers=headers("award_committee")), 404)


def test_deciding_needs_the_winners_recorded_first(app, client, dept, headers):
    world = live(app, dept, "deciding")
    response = client.post(
        f"{world.cycle_url}/advance", json={"from_phase": "review", "reason": "Time"}, headers=headers("admin")
    )
    assert "winners" in assert_error(response, 409, "phase")["message"]


def test_managers_choose_the_committee_and_members_see_it(app, client, dept, headers):
    world = live(app, dept, "closed")
    url = f"{world.cycle_url}/committee"
    members = client.get(url, headers=headers("admin")).get_json()
    assert sorted(m["person"]["id"] for m in members) == sorted(dept.ids[role] for role in MEMBERS)
    assert client.get(url, headers=headers("other_mentor")).status_code == 200
    assert_error(client.get(url, headers=headers("outsider")), 404)

    added = client.post(
        url, json={"person_id": dept.ids["promotion_committee"], "chair": True}, headers=headers("admin")
    )
    assert added.status_code == 201 and added.get_json()["chair"] is True
    assert client.get(url, headers=headers("admin")).get_json()[0]["person"]["id"] == dept.ids["promotion_committee"]
    assert_error(
        client.post(url, json={"person_id": dept.ids["promotion_committee"]}, headers=headers("admin")),
        409,
        "person_id",
    )
    assert_error(client.post(url, json={"person_id": 99999}, headers=headers("admin")), 422, "person_id")
    assert_error(client.post(url, json={"chair": True}, headers=headers("admin")), 422, "person_id")
    assert_error(client.post(url, json={"person_id": dept.ids["outsider"]}, headers=headers("award_committee")), 403)

    assert client.delete(f"{url}/{dept.ids['promotion_committee']}", headers=headers("admin")).status_code == 204
    assert_error(client.delete(f"{url}/{dept.ids['promotion_committee']}", headers=headers("admin")), 404, "person_id")
    assert_error(client.delete(f"{url}/{dept.ids['director']}", headers=headers("director")), 403)


def test_managers_see_the_recusals_recorded(app, client, dept, headers):
    world = live(app, dept, "closed")
    recusals = client.get(f"{world.cycle_url}/recusals", headers=headers("admin")).get_json()
    assert [(r["member"]["id"], r["nominee"]["id"], r["source"]) for r in recusals] == [
        (dept.ids["other_mentor"], dept.ids["other_mentee"], "detected")
    ]
    assert "mentorship" in recusals[0]["reason"]
    assert_error(client.get(f"{world.cycle_url}/recusals", headers=headers("other_mentor")), 404)


def test_managers_turn_ledger_suggestions_into_nominations(app, client, dept, headers):
    world = live(app, dept, "open")
    url = f"{world.cycle_url}/suggestions"
    suggested = client.get(url, headers=headers("admin"))
    assert suggested.status_code == 200
    # The department's mentors are mentor (nominated already) and other_mentor.
    assert [s["person"]["id"] for s in suggested.get_json()] == [dept.ids["other_mentor"]]
    assert suggested.get_json()[0]["mentees"] == 1 and suggested.get_json()[0]["points"] >= 5
    assert_error(client.get(url, headers=headers("director")), 404)
    assert_error(client.get(url, query_string={"limit": 0}, headers=headers("admin")), 422, "limit")

    assert_error(client.post(f"{url}/{dept.ids['other_mentor']}", headers=headers("director")), 403)
    assert_error(client.post(f"{url}/99999", headers=headers("admin")), 404, "person_id")
    made = client.post(f"{url}/{dept.ids['other_mentor']}", headers=headers("admin"))
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["suggested"] is True and made.get_json()["nominee"]["id"] == dept.ids["other_mentor"]
    assert "Suggested from the mentorship ledger" in made.get_json()["statements"][0]["text"]
    assert client.get(url, headers=headers("admin")).get_json() == []


# Ranking and decision ------------------------------------------------------------------------


def test_the_ranking_as_json_csv_and_pdf(app, client, dept, headers):
    world = live(app, dept, "deciding")
    with app.app_context():  # a name typed as a spreadsheet formula must stay text
        db.session.get(Person, dept.ids["other_director"]).name = '=HYPERLINK("http://evil.example")'
        db.session.commit()
    ranking = client.get(f"{world.cycle_url}/ranking", headers=headers("admin")).get_json()
    order = [row["nomination_id"] for row in ranking["rows"]]
    assert order == [world.nomination_ids[role] for role in ("mentor", "other_director", "other_mentee")]
    top = ranking["rows"][0]
    assert top["position"] == 1 and top["reviews"] == 3 and not top["recused"]
    assert top["raw_mean"] == pytest.approx(0.35 * 5 + 0.25 * 5 + 0.25 * 4 + 0.15 * 4)
    assert ranking["rows"][2]["reviews"] == 2  # other_mentor is recused from other_mentee
    assert "normalised mean" in ranking["tie_break"] and "lower nomination number" in ranking["tie_break"]

    response = client.get(f"{world.cycle_url}/ranking.csv", headers=headers("admin"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == [
        "Position",
        "Nominee",
        "Division",
        "Raw mean",
        "Normalised mean (z)",
        "Reviews",
        "Could review",
        "Spread (sd)",
        "Recused",
        "Status",
    ]
    assert [row[1] for row in rows[1:4]] == [
        "Mentor Person",
        '\'=HYPERLINK("http://evil.example")',
        "Other Mentee Person",
    ]
    # other_mentee has 2 reviews, the others 3: the sheet says so under the table.
    assert rows[4:] == [[], ["Warning", ranking["warnings"][0]]] and "unequal numbers of reviews" in rows[5][1]
    assert float(rows[1][3]) == pytest.approx(top["raw_mean"]) and rows[1][5:7] == ["3", "3"]
    assert rows[1][8:] == ["no", "ranked"]

    recused = client.get(f"{world.cycle_url}/ranking.csv", headers=headers("other_mentor")).get_data().decode("utf-8")
    mine = list(csv.reader(io.StringIO(recused[1:])))
    assert mine[3][1] == "Other Mentee Person" and mine[3][3:] == ["", "", "", "", "", "yes", "recused"]
    assert mine[1][3] != ""

    pdf = client.get(f"{world.cycle_url}/ranking.pdf", headers=headers("other_mentor"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    sheet = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages).split())
    assert "Mentor of the Year" in sheet and "Mentor Person" in sheet and "recused: scores and place not shown" in sheet
    assert "Impact on mentees" in sheet

    for suffix in ("", ".csv", ".pdf"):
        assert_error(client.get(f"{world.cycle_url}/ranking{suffix}", headers=headers("mentor")), 404)


def test_the_decision_records_winners_with_reasons_and_versions(app, client, dept, headers):
    world = live(app, dept, "deciding")
    url = f"{world.cycle_url}/decision"
    second = world.nomination_ids["other_director"]
    refused = client.post(url, json={"winners": [second]}, headers=headers("admin"))
    assert "outside the top 1" in assert_error(refused, 422, f"reasons.{second}")["errors"][f"reasons.{second}"][0]
    assert_error(client.post(url, json={"winners": []}, headers=headers("admin")), 422, "winners")
    assert_error(client.post(url, json={"winners": [99999]}, headers=headers("admin")), 422, "winners")
    assert_error(client.post(url, json={"winners": [second]}, headers=headers("award_committee")), 403)

    decided = client.post(
        url,
        json={
            "winners": [second],
            "reasons": {str(second): "Her letters outweigh a point"},
            "note": "Discussed on the call",
        },
        headers=headers("admin"),
    )
    assert decided.status_code == 201, decided.get_json()
    decision = decided.get_json()
    assert decision["version"] == 1 and decision["phase"] == "decided"  # the decision date has passed
    assert decision["winners"] == [
        {
            "nomination_id": second,
            "nominee": {"id": dept.ids["other_director"], "name": "Other Director Person"},
            "position": 1,
            "ranked_position": 2,
            "reason": "Her letters outweigh a point",
        }
    ]
    assert decision["ranking"][0]["nomination_id"] == world.nomination_ids["mentor"]

    again = client.post(url, json={"winners": [world.nomination_ids["mentor"]]}, headers=headers("admin"))
    assert again.status_code == 201 and again.get_json()["version"] == 2
    versions = client.get(f"{world.cycle_url}/decisions", headers=headers("admin")).get_json()
    assert [d["version"] for d in versions] == [1, 2] and versions[1]["winners"][0]["reason"] is None
    assert_error(client.get(f"{world.cycle_url}/decisions", headers=headers("award_committee")), 404)


def test_no_decision_before_the_review_ends(app, client, dept, headers):
    world = live(app, dept, "review")
    response = client.post(
        f"{world.cycle_url}/decision", json={"winners": [world.nomination_ids["mentor"]]}, headers=headers("admin")
    )
    assert_error(response, 409, "winners")


# Grants --------------------------------------------------------------------------------------


def test_a_winner_downloads_their_award_and_an_admin_revokes_it(app, client, dept, headers):
    live(app, dept, "announced")
    mine = client.get("/api/v1/awards/grants", headers=headers("mentor")).get_json()
    assert mine["meta"]["total"] == 1
    grant = mine["items"][0]
    assert grant["person"]["id"] == dept.ids["mentor"] and grant["status"] == "current"
    assert grant["award"]["name"] == "Mentor of the Year" and grant["verify_url"].endswith(
        grant["code"].replace("-", "")
    )
    url = grant["links"]["self"]
    assert client.get(url, headers=headers("mentor")).get_json() == grant

    credential = client.get(f"{url}/credential", headers=headers("mentor"))
    assert credential.status_code == 200 and credential.mimetype == "application/json"
    with app.app_context():
        stored = db.session.scalar(select(Grant)).credential
        public = app_key(app).public
    assert credential.get_data(as_text=True) == stored
    ok, why = badges.check(json.loads(stored), public)
    assert ok, why
    pdf = client.get(f"{url}/pdf", headers=headers("mentor"))
    assert pdf.mimetype == "application/pdf"
    assert "Mentor Person" in PdfReader(io.BytesIO(pdf.get_data())).pages[0].extract_text()

    for role in ("mentee", "director", "award_committee"):
        for suffix in ("", "/credential", "/pdf"):
            assert_error(client.get(f"{url}{suffix}", headers=headers(role)), 404, "grant_id")
    assert client.get("/api/v1/awards/grants", headers=headers("mentee")).get_json()["items"] == []
    theirs = client.get(
        "/api/v1/awards/grants", query_string={"person_id": dept.ids["mentor"]}, headers=headers("admin")
    ).get_json()
    assert [g["id"] for g in theirs["items"]] == [grant["id"]]
    assert_error(
        client.get("/api/v1/awards/grants", query_string={"person_id": dept.ids["mentor"]}, headers=headers("mentee")),
        404,
        "person_id",
    )

    assert_error(client.post(f"{url}/revocation", json={"reason": "Mine to give back"}, headers=headers("mentor")), 403)
    assert_error(client.post(f"{url}/revocation", json={"reason": ""}, headers=headers("admin")), 422, "reason")
    revoked = client.post(
        f"{url}/revocation", json={"reason": "Granted on a miscounted ranking"}, headers=headers("admin")
    )
    assert revoked.status_code == 201
    assert revoked.get_json()["status"] == "revoked"
    assert revoked.get_json()["revocation_reason"] == "Granted on a miscounted ranking"
    assert_error(client.post(f"{url}/revocation", json={"reason": "Twice"}, headers=headers("admin")), 409)
    code = grant["code"]
    assert client.get(f"/api/v1/verify/{code}").get_json()["status"] == "revoked"


# Nominations ---------------------------------------------------------------------------------


def test_colleagues_nominate_and_a_second_nominator_joins_the_nomination(app, client, dept, headers):
    world = live(app, dept, "open")
    body = {"cycle_id": world.cycle_id, "nominee_id": dept.ids["mentor"], "statement": "Tireless with every fellow."}
    joined = client.post("/api/v1/nominations", json=body, headers=headers("outsider"))
    assert joined.status_code == 201, joined.get_json()
    nomination = joined.get_json()
    assert nomination["id"] == world.nomination_ids["mentor"] and nomination["roles"] == ["nominator"]
    assert [s["text"] for s in nomination["statements"]] == ["Tireless with every fellow."]  # their own only
    assert len(client.get(world.url("mentor"), headers=headers("admin")).get_json()["statements"]) == 2

    again = client.post("/api/v1/nominations", json=body, headers=headers("outsider"))
    assert_error(again, 409, "nominee_id")
    self_nomination = client.post(
        "/api/v1/nominations", json={**body, "nominee_id": dept.ids["mentee"]}, headers=headers("mentee")
    )
    assert "self-nomination" in assert_error(self_nomination, 422, "nominee_id")["errors"]["nominee_id"][0]
    assert_error(
        client.post("/api/v1/nominations", json={**body, "statement": "  "}, headers=headers("director")),
        422,
        "statement",
    )
    assert_error(
        client.post("/api/v1/nominations", json={"cycle_id": world.cycle_id}, headers=headers("director")),
        422,
        "nominee_id",
        "statement",
    )
    assert_error(
        client.post("/api/v1/nominations", json={**body, "cycle_id": 99999}, headers=headers("director")),
        422,
        "cycle_id",
    )
    assert_error(
        client.post("/api/v1/nominations", json={**body, "nominee_id": 99999}, headers=headers("director")),
        422,
        "nominee_id",
    )

    fresh = client.post(
        "/api/v1/nominations", json={**body, "nominee_id": dept.ids["promotion_committee"]}, headers=headers("director")
    )
    assert fresh.status_code == 201 and fresh.get_json()["id"] not in world.nomination_ids.values()
    listed = client.get("/api/v1/nominations", query_string={"cycle_id": world.cycle_id}, headers=headers("director"))
    assert [item["nominee"]["id"] for item in listed.get_json()["items"]] == [dept.ids["promotion_committee"]]
    assert (
        client.get("/api/v1/nominations", query_string={"cycle_id": 99999}, headers=headers("admin")).get_json()[
            "items"
        ]
        == []
    )
    paged = client.get("/api/v1/nominations", query_string={"per_page": 2, "page": 2}, headers=headers("admin"))
    assert paged.get_json()["meta"] == {"page": 2, "per_page": 2, "total": 4, "pages": 2}
    assert len(paged.get_json()["items"]) == 2


def test_nominations_are_taken_only_while_open(app, client, dept, headers):
    world = live(app, dept, "scheduled")
    response = client.post(
        "/api/v1/nominations",
        json={"cycle_id": world.cycle_id, "nominee_id": dept.ids["mentor"], "statement": "Early bird."},
        headers=headers("mentee"),
    )
    assert "not open yet" in assert_error(response, 409, "cycle_id")["message"]


def test_nominators_edit_and_withdraw_their_statement(app, client, dept, headers):
    world = live(app, dept, "open")
    edited = client.put(
        world.url("mentor", "/statement"),
        json={"statement": "Generous and exacting."},
        headers=headers("promotion_committee"),
    )
    assert edited.status_code == 200
    assert [s["text"] for s in edited.get_json()["statements"]] == ["Generous and exacting."]
    assert_error(
        client.put(world.url("mentor", "/statement"), json={"statement": "Me!"}, headers=headers("mentor")),
        403,
        "statement",
    )
    assert_error(
        client.put(world.url("mentor", "/statement"), json={"statement": "x"}, headers=headers("outsider")),
        404,
        "nomination_id",
    )
    assert_error(
        client.put(world.url("mentor", "/statement"), json={"text": "x"}, headers=headers("promotion_committee")),
        422,
        "statement",
    )

    assert client.delete(world.url("other_director", "/statement"), headers=headers("mentee")).status_code == 204
    assert_error(client.get(world.url("other_director"), headers=headers("admin")), 404)  # no statement left
    assert_error(client.delete(world.url("mentor", "/statement"), headers=headers("mentor")), 403, "statement")


def test_the_nominee_writes_their_philosophy_and_reads_the_evidence(app, client, dept, headers):
    world = live(app, dept, "open")
    saved = client.put(
        world.url("mentor", "/philosophy"), json={"philosophy": "Ask, then listen."}, headers=headers("mentor")
    )
    assert saved.status_code == 200 and saved.get_json()["philosophy"] == "Ask, then listen."
    assert client.get(world.url("mentor"), headers=headers("admin")).get_json()["philosophy"] == "Ask, then listen."
    assert_error(
        client.put(world.url("mentor", "/philosophy"), json={"philosophy": "Mine"}, headers=headers("admin")),
        403,
        "philosophy",
    )
    assert_error(
        client.put(world.url("mentor", "/philosophy"), json={"philosophy": ""}, headers=headers("mentor")),
        422,
        "philosophy",
    )

    evidence = client.get(world.url("mentor", "/evidence"), headers=headers("mentor")).get_json()
    assert evidence["hash"] is None and evidence["frozen_at"] is None  # live until nominations close
    assert evidence["table"]["totals"]["mentees"] == 1
    assert evidence["table"]["mentorships"][0]["mentee"] == "Mentee Person"
    assert_error(client.get(world.url("mentor", "/evidence"), headers=headers("outsider")), 404)


def test_philosophy_and_statements_are_frozen_once_nominations_close(app, client, dept, headers):
    world = live(app, dept, "closed")
    assert_error(
        client.put(world.url("mentor", "/philosophy"), json={"philosophy": "Late"}, headers=headers("mentor")),
        409,
        "philosophy",
    )
    assert_error(
        client.put(
            world.url("mentor", "/statement"), json={"statement": "Late"}, headers=headers("promotion_committee")
        ),
        409,
        "statement",
    )
    evidence = client.get(world.url("mentor", "/evidence"), headers=headers("mentor")).get_json()
    assert (
        len(evidence["hash"]) == 64
        and evidence["intact"]
        and evidence["table"]["as_of"] == (world.dates["closes_on"].isoformat())
    )


def test_letters_are_uploaded_as_real_pdfs_and_kept_from_the_nominee(app, client, dept, headers):
    # Small limits: the test client spools a body over 500 KB to a file it never closes.
    app.config.update(MAX_CONTENT_LENGTH=50_000, AWARD_LETTER_MAX_BYTES=20 * 1024)
    world = live(app, dept, "open")
    url = world.url("mentor", "/letters")
    data = letter_pdf("Dr. Ada Lovelace supports this nomination")
    made = upload(client, headers, "admin", url, data, filename="ada.pdf")
    assert made.status_code == 201, made.get_json()
    letter = made.get_json()
    assert letter["author"] == "Dr. Ada Lovelace" and letter["pages"] == 1 and 0 < letter["size"] <= len(data)
    assert letter["filename"] == "ada.pdf"

    assert [item["id"] for item in client.get(url, headers=headers("admin")).get_json()] == [letter["id"]]
    downloaded = client.get(letter["links"]["pdf"], headers=headers("admin"))
    assert downloaded.mimetype == "application/pdf" and len(downloaded.get_data()) == letter["size"]
    assert "Dr. Ada Lovelace supports" in PdfReader(io.BytesIO(downloaded.get_data())).pages[0].extract_text()
    assert [item["id"] for item in client.get(world.url("mentor"), headers=headers("admin")).get_json()["letters"]] == [
        letter["id"]
    ]
    nominee_view = client.get(world.url("mentor"), headers=headers("mentor"))
    assert "letters" not in nominee_view.get_json() and "Lovelace" not in nominee_view.get_data(as_text=True)
    assert_error(client.get(url, headers=headers("mentor")), 403, "letter")
    assert_error(client.get(letter["links"]["pdf"], headers=headers("mentor")), 403, "letter")
    assert_error(upload(client, headers, "mentor", url, data), 403, "letter")
    assert_error(client.get(url, headers=headers("outsider")), 404)
    assert_error(client.get(f"{url}/99999/pdf", headers=headers("admin")), 404, "letter_id")

    limit = app.config["AWARD_LETTER_MAX_BYTES"]
    refusals = [
        (b"Dear committee, I support this nomination.", "letter"),
        (b"%PDF-1.4\n" + b"0" * limit, "letter"),
        (b"%PDF-1.7\nthis is no PDF at all", "letter"),
        (letter_pdf(pages=3), "letter"),
    ]
    for content, field_name in refusals:
        assert_error(upload(client, headers, "admin", url, content), 422, field_name)
    assert_error(upload(client, headers, "admin", url, data, author=None), 422, "author")
    assert_error(
        client.post(url, data={"author": "No file"}, content_type="multipart/form-data", headers=headers("admin")),
        422,
        "letter",
    )
    assert count(app, Letter) == 1

    assert_error(client.delete(f"{url}/{letter['id']}", headers=headers("outsider")), 404)
    assert client.delete(f"{url}/{letter['id']}", headers=headers("admin")).status_code == 204
    assert count(app, Letter) == 0


def test_a_nomination_takes_at_most_five_letters(app, client, dept, headers):
    world = live(app, dept, "open")
    url = world.url("other_director", "/letters")
    for number in range(5):
        assert upload(client, headers, "mentee", url, letter_pdf(f"Letter {number}")).status_code == 201
    assert_error(upload(client, headers, "mentee", url, letter_pdf("One too many")), 409, "letter")
    theirs = client.get(url, headers=headers("mentee")).get_json()
    assert_error(client.delete(f"{url}/{theirs[0]['id']}", headers=headers("other_mentee")), 404)
    assert client.delete(f"{url}/{theirs[0]['id']}", headers=headers("admin")).status_code == 204


def test_an_oversized_request_is_refused_naming_the_letter(app, client, dept, headers):
    app.config.update(MAX_CONTENT_LENGTH=50_000)  # see the test above
    world = live(app, dept, "open")
    huge = b"%PDF-1.4\n" + b"0" * 50_000
    assert_error(upload(client, headers, "admin", world.url("mentor", "/letters"), huge), 413, "letter")


# Scores and conflicts ------------------------------------------------------------------------


def test_members_score_during_the_review_and_keep_their_history(app, client, dept, headers):
    world = live(app, dept, "review")
    url = world.url("mentor", "/scores")
    first = client.put(
        url, json={"scores": GOOD_SCORES, "comment": "Strong letters."}, headers=headers("award_committee")
    )
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["revision"] == 1 and first.get_json()["scores"] == GOOD_SCORES
    changed = client.put(
        url,
        json={"scores": {**GOOD_SCORES, "impact": 5}, "comment": "On reflection, stronger."},
        headers=headers("award_committee"),
    )
    assert changed.get_json()["revision"] == 2
    assert [r["scores"]["impact"] for r in changed.get_json()["revisions"]] == [4, 5]
    assert count(app, ScoreRevision) == 2

    read = client.get(url, headers=headers("award_committee")).get_json()
    assert read["scoring_open"] and read["own"]["comment"] == "On reflection, stronger."
    assert [s["member"]["id"] for s in read["score_sets"]] == [dept.ids["award_committee"]]
    assert read["score_sets"][0]["yours"] and [c["id"] for c in read["rubric"]["criteria"]] == [
        "impact",
        "commitment",
        "quality",
        "citizenship",
    ]
    by_director = client.get(url, headers=headers("director")).get_json()  # not scored yet: others' scores wait
    assert by_director["own"] is None and by_director["score_sets"] == [] and by_director["score_sets_withheld"]
    admin = client.get(world.url("mentor"), headers=headers("admin")).get_json()
    assert [s["scores"]["impact"] for s in admin["score_sets"]] == [5]

    missing = {key: value for key, value in GOOD_SCORES.items() if key != "citizenship"}
    assert_error(client.put(url, json={"scores": missing}, headers=headers("director")), 422, "scores.citizenship")
    assert_error(
        client.put(url, json={"scores": {**GOOD_SCORES, "impact": 9}}, headers=headers("director")),
        422,
        "scores.impact",
    )
    assert_error(
        client.put(url, json={"scores": {**GOOD_SCORES, "charm": 3}}, headers=headers("director")), 422, "scores.charm"
    )
    for bad in ("lots", 4.5, True):  # 4.5 is refused, not read as 4
        response = client.put(url, json={"scores": {**GOOD_SCORES, "impact": bad}}, headers=headers("director"))
        assert any(name.startswith("scores.impact") for name in assert_error(response, 422)["errors"]), bad
    assert_error(client.put(url, json={"comment": "No scores"}, headers=headers("director")), 422, "scores")
    assert client.get(url, headers=headers("director")).get_json()["own"] is None  # nothing saved


def test_no_scores_before_the_review(app, client, dept, headers):
    world = live(app, dept, "closed")
    response = client.put(world.url("mentor", "/scores"), json={"scores": GOOD_SCORES}, headers=headers("director"))
    assert "opens on" in assert_error(response, 409, "scores")["message"]


def test_a_member_declares_a_conflict_and_steps_aside_at_once(app, client, dept, headers):
    world = live(app, dept, "review")
    assert_error(
        client.post(world.url("mentor", "/conflicts"), json={"reason": ""}, headers=headers("director")), 422, "reason"
    )
    assert_error(
        client.post(world.url("mentor", "/conflicts"), json={"reason": "Mine"}, headers=headers("mentor")),
        403,
        "reason",
    )
    declared = client.post(
        world.url("mentor", "/conflicts"), json={"reason": "We co-supervise a fellow."}, headers=headers("director")
    )
    assert declared.status_code == 201, declared.get_json()
    assert declared.get_json()["source"] == "declared" and declared.get_json()["member"]["id"] == dept.ids["director"]

    assert_error(client.get(world.url("mentor"), headers=headers("director")), 404, "nomination_id")
    assert_error(
        client.put(world.url("mentor", "/scores"), json={"scores": GOOD_SCORES}, headers=headers("director")), 404
    )
    # Still scoring: the ranking waits until they have scored every nominee they review.
    withheld = client.get(f"{world.cycle_url}/ranking", headers=headers("director")).get_json()
    left = [n["nomination_id"] for n in withheld["to_score"]]
    assert withheld["withheld"] and withheld["rows"] == [] and left
    assert world.nomination_ids["mentor"] not in left
    for nomination_id in left:
        saved = client.put(
            f"/api/v1/nominations/{nomination_id}/scores", json={"scores": GOOD_SCORES}, headers=headers("director")
        )
        assert saved.status_code == 200, saved.get_json()
    rows = client.get(f"{world.cycle_url}/ranking", headers=headers("director")).get_json()["rows"]
    mine = next(row for row in rows if row["nomination_id"] == world.nomination_ids["mentor"])
    assert mine["recused"] and mine["raw_mean"] is None
    assert mine["recusal_reasons"] == ["declared: We co-supervise a fellow."]
    recorded = client.get(f"{world.cycle_url}/recusals", headers=headers("admin")).get_json()
    assert ("declared", dept.ids["director"]) in {(r["source"], r["member"]["id"]) for r in recorded}
