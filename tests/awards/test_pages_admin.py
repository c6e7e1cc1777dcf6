"""The award pages of administrators and committee members: the awards, one award (read by
everyone, edited by admins), one cycle (its phase, schedule, committee, nominations,
recusals, suggestions and grants), the ranking with its downloads, and the decision.

Pages work on today's date, so a cycle whose actions depend on its phase is built around
today (``around_today``) and moved with ``lifecycle.step`` on the days the schedule would
use; pages that do not depend on the date use ``AwardWorld``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from recognition.awards import lifecycle
from recognition.awards.announcement import service as announce
from recognition.awards.committee import recusal
from recognition.awards.committee import service as committee
from recognition.awards.cycles import decision, phases
from recognition.awards.cycles import service as cycles
from recognition.awards.definitions import service as definitions
from recognition.awards.models import (
    Award,
    CommitteeMember,
    Cycle,
    CycleDateChange,
    CycleTransition,
    Decision,
    Grant,
    GrantRevocation,
    Nomination,
)
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.people.models import Person
from tests.pages.test_page_csrf import sign_in, token_from
from tests.support.awards import DAYS, MEMBERS, NOMINATIONS, SCHEDULE, AwardWorld, actor, at

# Days from today of a cycle's five dates, for a cycle at each stage today.
OFFSETS = {
    "scheduled": (5, 15, 30, 35, 40),
    "open": (-5, 5, 20, 25, 30),
    "scoring": (-40, -30, 10, 15, 20),  # in review, scores still open
    "review_ended": (-40, -30, -1, 5, 10),  # in review, scoring over: the decision can be recorded
}
# Weighted scores far apart, so the ranking is mentor, other_director, other_mentee.
SCORES = {"mentor": 5, "other_director": 3, "other_mentee": 2}


@dataclass
class Around:
    award_id: int = 0
    cycle_id: int = 0
    nomination_ids: dict[str, int] = field(default_factory=dict)  # nominee role -> nomination id


def around_today(app, dept, stage: str, nominate: bool = True, score: bool = True) -> Around:
    """An award whose cycle is at ``stage`` today, with AwardWorld's committee and, when
    ``nominate``, its nominations (made on the opening day) and, in review, everyone's scores."""
    with app.app_context():
        day, now = today(), utcnow()
        award = definitions.create(
            {
                "slug": "teaching-mentor",
                "name": "Teaching Mentor Award",
                "description": "For mentors who teach others to mentor.",
                **SCHEDULE,
            },
            now,
        )
        dates = {name: day + timedelta(days=offset) for name, offset in zip(cycles.DATE_FIELDS, OFFSETS[stage])}
        cycle = cycles.create_cycle(award, day.year, now, dates)
        for role in MEMBERS:
            committee.add_member(cycle, dept.ids[role], actor(dept, "admin"), now)
        made = Around(award.id, cycle.id)
        if stage != "scheduled":
            lifecycle.step(cycle, "open", cycle.opens_on, at(cycle.opens_on))
            if nominate:
                for nominee, nominator in NOMINATIONS:
                    nomination = committee_nominate(cycle, dept, nominee, nominator)
                    made.nomination_ids[nominee] = nomination.id
        if stage in ("scoring", "review_ended"):
            lifecycle.step(cycle, "closed", cycle.closes_on + timedelta(days=1), now)
            started = phases.review_starts(cycle)
            lifecycle.step(cycle, "review", started, now)
            if score:
                text = definitions.rubric_text(award)
                for role in MEMBERS:
                    for nominee, nomination_id in made.nomination_ids.items():
                        nomination = db.session.get(Nomination, nomination_id)
                        if not recusal.recused(nomination, dept.ids[role]):
                            values = {c.id: SCORES[nominee] for c in text.criteria}
                            committee.score(nomination, actor(dept, role), values, "", started, at(started))
        db.session.commit()
        return made


def committee_nominate(cycle, dept, nominee: str, nominator: str) -> Nomination:
    from recognition.awards.nominations import service as nominations

    return nominations.nominate(
        cycle, dept.ids[nominee], f"{nominee} mentors well.", actor(dept, nominator), cycle.opens_on, at(cycle.opens_on)
    )


@pytest.fixture
def world(app, dept) -> AwardWorld:
    """AwardWorld in review, everyone's scores in (the pages here read, they do not act)."""
    with app.app_context():
        made = AwardWorld.build(dept)
        made.to("closed")
        made.to("review")
        made.score_all(
            {
                nominee: dict.fromkeys(("impact", "commitment", "quality", "citizenship"), SCORES[nominee])
                for nominee in SCORES
            }
        )
        return made


def text_of(response) -> str:
    """The page as a reader hears it: tags dropped, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def section(response, anchor: str) -> str:
    """The HTML of the <section> whose heading has id ``anchor``."""
    body = response.get_data(as_text=True)
    start = body.index(f'aria-labelledby="{anchor}"')
    return body[start : body.index("</section>", start)]


def in_app(app, work):
    with app.app_context():
        return work()


# The awards ----------------------------------------------------------------------------


def test_the_awards_list_shows_each_role_its_awards_open_cycles_and_committee_work(app, client, dept, login):
    made = around_today(app, dept, "open")
    login(client, "award_committee")
    page = client.get("/awards")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for href in (
        "/awards/nominations",
        "/awards/mine",
        "/recognition",
        "/calendar",
        f"/awards/cycles/{made.cycle_id}/nominate",
        f"/awards/{made.award_id}",
    ):
        assert f'href="{href}"' in body
    assert "Committee work" in body
    assert "the nominations reach the committee when nominations close" in text_of(page)
    assert 'href="/awards/new"' not in body

    client.post("/logout")
    outsider = login(client, "promotion_committee").get("/awards")
    assert "Committee work" not in outsider.get_data(as_text=True)
    assert "Teaching Mentor Award" in text_of(outsider) and "Open for nominations" in text_of(outsider)

    client.post("/logout")
    admin = login(client, "admin").get("/awards").get_data(as_text=True)
    assert 'href="/awards/new"' in admin and "New award" in admin


def test_a_member_sees_what_is_left_to_score_and_whom_they_are_recused_from(app, client, dept, login):
    around_today(app, dept, "scoring", score=False)
    page = text_of(login(client, "other_mentor").get("/awards"))
    assert "you have scored 0 of 2 nominations" in page and "2 still to score" in page
    assert "You are recused from: Other Mentee Person." in page


def test_everyone_reads_an_award_and_only_admins_change_it(app, client, dept, login):
    made = around_today(app, dept, "scheduled")
    login(client, "mentor")
    page = client.get(f"/awards/{made.award_id}")
    assert page.status_code == 200
    words = text_of(page)
    for expected in (
        "For mentors who teach others to mentor.",
        "Past winners of this award are not eligible again.",
        "Nobody may nominate themself.",
        "Impact on mentees' careers",
        "35%",
        "Nominations open 1 February",
        "Announcement 15 May",
    ):
        assert expected in words
    assert 'name="slug"' not in page.get_data(as_text=True)
    refused = client.post(f"/awards/{made.award_id}", data={"name": "Taken over", "slug": "taken-over"})
    assert refused.status_code == 403
    assert in_app(app, lambda: db.session.get(Award, made.award_id).name) == "Teaching Mentor Award"
    assert client.get("/awards/new").status_code == 403
    assert client.get(f"/awards/{made.award_id + 100}").status_code == 404
    assert client.post(f"/awards/{made.award_id}/cycles", data={"cycle-year": "2030"}).status_code == 403


def settings_form(**changes) -> dict:
    """The award form as an admin fills it: two criteria with a blank row between them."""
    data = {
        "name": "Early Career Mentor Award",
        "slug": "early-career",
        "description": "For mentors in their first years.",
        "level": "department",
        "division_id": "",
        "winners": "2",
        "active": "y",
        "min_years_mentoring": "",
        "min_mentees": "2",
        "max_years_on_faculty": "10",
        "ranks": ["assistant", "associate"],
        "past_winners": "years",
        "past_winner_years": "3",
        "low": "1",
        "high": "5",
        "opens": "02-01",
        "closes": "03-15",
        "review_ends": "04-15",
        "decision": "04-30",
        "announcement": "05-15",
        "criterion_0_name": "Impact on careers",
        "criterion_0_weight": "2",
        "criterion_0_description": "Milestones.",
        "criterion_2_name": "Commitment",
        "criterion_2_weight": "1",
        "criterion_2_id": "commitment",
    }
    data.update(changes)
    return data


def test_an_admin_creates_an_award_and_edits_it(app, client, dept, login):
    login(client, "admin")
    form = client.get("/awards/new").get_data(as_text=True)
    assert 'id="criterion_5_name"' in form and "Impact on mentees" in form  # six rows, the default rubric
    created = client.post("/awards/new", data=settings_form())
    assert created.status_code == 302
    award_id = int(re.fullmatch(r"/awards/(\d+)", created.headers["Location"]).group(1))

    def stored():
        award = db.session.get(Award, award_id)
        return award.name, award.winners, json.loads(award.eligibility), json.loads(award.rubric)

    name, winners, rules, rubric = in_app(app, stored)
    assert (name, winners) == ("Early Career Mentor Award", 2)
    assert rules == {
        "min_years_mentoring": None,
        "min_mentees": 2,
        "max_years_on_faculty": 10,
        "ranks": ["assistant", "associate"],
        "past_winner_exclusion_years": 3,
    }
    assert [(c["id"], c["name"], c["weight"]) for c in rubric["criteria"]] == [
        ("impact_on_careers", "Impact on careers", 2.0),
        ("commitment", "Commitment", 1.0),
    ]

    page = client.get(created.headers["Location"])
    words = text_of(page)
    assert "At least 2 mentees." in words and "At most 10 years on faculty" in words
    assert "Open to these ranks only: assistant, associate." in words
    assert "Past winners are not eligible for 3 years after winning." in words
    body = page.get_data(as_text=True)
    assert 'name="criterion_0_name" type="text" value="Impact on careers"' in body
    assert '<input checked id="past_winners-1" name="past_winners" type="radio" value="years">' in body

    edited = client.post(
        created.headers["Location"],
        data=settings_form(name="Early Career Mentor Prize", past_winners="no_limit", ranks=[], criterion_2_weight="3"),
    )
    assert edited.status_code == 302
    name, winners, rules, rubric = in_app(app, stored)
    assert name == "Early Career Mentor Prize"
    assert rules["past_winner_exclusion_years"] == 0 and rules["ranks"] is None
    assert [c["weight"] for c in rubric["criteria"]] == [2.0, 3.0]


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"closes": "01-15"}, "Nominations close (MM-DD): must not be before nominations open"),
        ({"decision": "13-01"}, "Decision (MM-DD): must be a month and day as MM-DD"),
        ({"criterion_2_weight": "0"}, "Criterion 3: weight: must be a number above 0 and at most 100"),
        ({"low": "5", "high": "3"}, "Highest score: must be above low"),
        (
            {
                "criterion_0_name": "",
                "criterion_0_weight": "",
                "criterion_0_description": "",
                "criterion_2_name": "",
                "criterion_2_weight": "",
                "criterion_2_id": "",
            },
            "Rubric criteria: must list 1 to 12 criteria",
        ),
        ({"min_mentees": "-1"}, "At least this many mentees: must be a whole number from 0 to 500"),
        ({"past_winner_years": ""}, "Years a past winner is excluded: is required when past winners are excluded"),
        ({"slug": "Bad Slug!"}, "Short name for links (slug): must be 3 to 60 lower-case letters"),
        ({"min_reviews": "0"}, "Reviews needed before a nominee is ranked: must be a whole number from 1 to 50"),
        ({"min_reviews": "two"}, "Reviews needed before a nominee is ranked: must be a whole number"),
    ],
)
def test_bad_settings_are_refused_on_their_field_and_change_nothing(app, client, dept, login, changes, says):
    made = around_today(app, dept, "scheduled")
    login(client, "admin")

    def snapshot():
        award = db.session.get(Award, made.award_id)
        return award.name, award.rubric, award.eligibility, definitions.schedule(award), award.min_reviews

    before = in_app(app, snapshot)
    refused = client.post(f"/awards/{made.award_id}", data=settings_form(**changes))
    assert refused.status_code == 422
    assert says in text_of(refused)
    assert in_app(app, snapshot) == before

    # A new award with the same problem is not created either.
    def count():
        return db.session.scalar(select(func.count()).select_from(Award))

    awards = in_app(app, count)
    assert client.post("/awards/new", data=settings_form(**{"slug": "another-award", **changes})).status_code == 422
    assert in_app(app, count) == awards


def test_the_rubric_cannot_change_while_a_cycle_is_scored(app, client, dept, login):
    made = around_today(app, dept, "scoring")

    def rubric():
        return db.session.get(Award, made.award_id).rubric

    before = in_app(app, rubric)
    refused = login(client, "admin").post(f"/awards/{made.award_id}", data=settings_form())
    assert refused.status_code == 422
    assert f"Rubric: cannot change while the {today().year} cycle is being scored or decided" in text_of(refused)
    assert in_app(app, rubric) == before


def test_an_admin_adds_a_cycle_and_a_second_for_the_same_year_is_refused(app, client, dept, login):
    made = around_today(app, dept, "scheduled")
    login(client, "admin")
    year = today().year + 1
    added = client.post(
        f"/awards/{made.award_id}/cycles", data={"cycle-year": str(year), "cycle-closes_on": f"{year}-03-20"}
    )
    assert added.status_code == 302
    cycle = in_app(
        app, lambda: db.session.scalar(select(Cycle).where(Cycle.award_id == made.award_id, Cycle.year == year))
    )
    assert added.headers["Location"] == f"/awards/cycles/{cycle.id}"
    assert (cycle.opens_on.isoformat(), cycle.closes_on.isoformat()) == (f"{year}-02-01", f"{year}-03-20")

    again = client.post(f"/awards/{made.award_id}/cycles", data={"cycle-year": str(year)})
    assert again.status_code == 409
    assert "Year: already has a cycle" in text_of(again)
    unordered = client.post(
        f"/awards/{made.award_id}/cycles",
        data={"cycle-year": str(year + 1), "cycle-review_ends_on": f"{year + 1}-03-01"},
    )
    assert unordered.status_code == 422
    assert "Day the review ends (optional): must be after nominations close" in text_of(unordered)
    assert (
        in_app(
            app,
            lambda: db.session.scalar(select(func.count()).select_from(Cycle).where(Cycle.award_id == made.award_id)),
        )
        == 2
    )


# One cycle ---------------------------------------------------------------------------


def test_the_cycle_page_shows_each_role_what_it_may_see(app, client, dept, login, world):
    ids = world.nomination_ids
    path = f"/awards/cycles/{world.cycle_id}"

    public = login(client, "promotion_committee").get(path)
    assert public.status_code == 200
    body = public.get_data(as_text=True)
    assert re.search(r'<li class="phase-current" aria-current="step">\s*Committee review', body)
    assert body.count('aria-current="step"') == 1
    assert "Nominations open</dt><dd>1 February 2026" in body
    for hidden in ("Mentor Person", "Other Mentee Person", "History", 'id="committee"', 'id="recusals"', "/ranking"):
        assert hidden not in body

    client.post("/logout")
    member = login(client, "award_committee").get(path).get_data(as_text=True)
    assert "Your committee work" in member and f'href="/awards/cycles/{world.cycle_id}/ranking"' in member
    assert all(f'href="/awards/nominations/{i}"' in member for i in ids.values())
    assert "You have scored 3 of the 3 nominations you review." in text_of(client.get(path))
    assert 'id="committee"' not in member

    client.post("/logout")
    recused = login(client, "other_mentor").get(path)
    body = recused.get_data(as_text=True)
    assert f'href="/awards/nominations/{ids["other_mentee"]}"' not in body
    assert f'href="/awards/nominations/{ids["mentor"]}"' in body
    assert "You are recused from Other Mentee Person" in text_of(recused)

    client.post("/logout")
    admin = login(client, "admin").get(path)
    assert "Your committee work" not in admin.get_data(as_text=True)
    nominations = section(admin, "nominations")
    assert all(f'href="/awards/nominations/{i}"' in nominations for i in ids.values())
    assert re.search(r"Mentor Person</a></th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">0</td>", nominations)
    reviews = dict(re.findall(r'>([\w ]+ Person)</a>.*?<td class="num">(\d+)</td>\s*</tr>', nominations, re.DOTALL))
    assert reviews == {
        "Mentor Person": "3",
        "Other Mentee Person": "2",
        "Other Director Person": "3",
    }  # the recused one uncounted
    assert "Other Mentor Person" in section(admin, "recusals") and "Detected" in section(admin, "recusals")
    committee_html = section(admin, "committee")
    assert all(name in committee_html for name in ("Award Committee Person", "Other Mentor Person", "Director Person"))
    history = text_of(admin)
    assert "Scheduled → Open for nominations" in history and "By the schedule" in history
    assert 'id="suggestions"' not in admin.get_data(as_text=True)  # nominations are closed


def test_an_unknown_cycle_is_not_found(client, dept, login):
    assert login(client, "admin").get("/awards/cycles/999").status_code == 404


def test_advancing_needs_a_reason_and_is_recorded(app, client, dept, login):
    made = around_today(app, dept, "scheduled")
    path = f"/awards/cycles/{made.cycle_id}"

    def phase():
        return db.session.get(Cycle, made.cycle_id).phase

    assert (
        login(client, "award_committee")
        .post(f"{path}/advance", data={"advance-reason": "early", "advance-from_phase": "scheduled"})
        .status_code
        == 403
    )
    client.post("/logout")
    login(client, "admin")
    refused = client.post(f"{path}/advance", data={"advance-reason": "  ", "advance-from_phase": "scheduled"})
    assert refused.status_code == 422
    assert "Reason (kept on the record): is required" in text_of(refused)
    assert in_app(app, phase) == "scheduled"

    moved = client.post(
        f"{path}/advance", data={"advance-reason": "The chair asked to open early.", "advance-from_phase": "scheduled"}
    )
    assert (moved.status_code, moved.headers["Location"]) == (302, f"{path}#schedule")
    assert in_app(app, phase) == "open"
    transition = in_app(app, lambda: db.session.scalars(select(CycleTransition)).one())
    assert (transition.source, transition.reason, transition.by_id) == (
        "admin",
        "The chair asked to open early.",
        dept.ids["admin"],
    )
    page = text_of(client.get(path))
    assert (
        "Scheduled → Open for nominations" in page
        and "By Admin Person" in page
        and "The chair asked to open early." in page
    )


def test_moving_a_date_needs_a_reason_keeps_the_order_and_is_recorded(app, client, dept, login):
    made = around_today(app, dept, "open", nominate=False)
    path = f"/awards/cycles/{made.cycle_id}"

    def closes():
        return db.session.get(Cycle, made.cycle_id).closes_on

    before = in_app(app, closes)
    later = (before + timedelta(days=3)).isoformat()
    login(client, "admin")
    form = client.get(path).get_data(as_text=True)
    assert '<option value="closes_on">' in form and '<option value="opens_on">' not in form  # open: opening has passed

    for data, status, says in [
        (
            {"move-field": "closes_on", "move-date": later, "move-reason": ""},
            422,
            "Reason (kept on the record): is required",
        ),
        (
            {"move-field": "closes_on", "move-date": (today() - timedelta(days=1)).isoformat(), "move-reason": "x"},
            422,
            "New date: must not be in the past",
        ),
        (
            {"move-field": "closes_on", "move-date": (today() + timedelta(days=60)).isoformat(), "move-reason": "x"},
            422,
            "New date: would put the review ends out of order: it must be after nominations close",
        ),
        (
            {"move-field": "opens_on", "move-date": later, "move-reason": "x"},
            422,
            "Date to move: must be one of the dates",
        ),
    ]:
        refused = client.post(f"{path}/dates", data=data)
        assert refused.status_code == status, data
        assert says in text_of(refused)
        assert in_app(app, closes) == before

    moved = client.post(
        f"{path}/dates",
        data={"move-field": "closes_on", "move-date": later, "move-reason": "Two departments asked for more time."},
    )
    assert moved.status_code == 302
    assert in_app(app, closes).isoformat() == later
    change = in_app(app, lambda: db.session.scalars(select(CycleDateChange)).one())
    assert (change.field, change.old, change.reason) == ("closes_on", before, "Two departments asked for more time.")
    assert f"Moved the day nominations close from {before.isoformat()} to {later}" in text_of(client.get(path))


def test_an_admin_adds_and_removes_committee_members(app, client, dept, login):
    made = around_today(app, dept, "scheduled")
    path = f"/awards/cycles/{made.cycle_id}"

    def members():
        return sorted(
            m.person_id
            for m in db.session.scalars(select(CommitteeMember).where(CommitteeMember.cycle_id == made.cycle_id))
        )

    before = in_app(app, members)
    assert (
        login(client, "director").post(f"{path}/committee", data={"member-email": dept.email("outsider")}).status_code
        == 403
    )
    client.post("/logout")
    login(client, "admin")
    picker = client.get(path).get_data(as_text=True)
    assert '<datalist id="committee-people">' in picker
    assert 'list="committee-people"' in picker
    assert f'<option value="{dept.email("other_director")}">Other Director Person</option>' in picker  # a director
    assert f'value="{dept.email("director")}"' not in picker.split("<datalist")[1]  # a member already
    assert f'value="{dept.email("promotion_committee")}"' not in picker

    unknown = client.post(f"{path}/committee", data={"member-email": "nobody@test.example.org"})
    assert unknown.status_code == 422 and "must be the email of someone on the roster" in text_of(unknown)
    twice = client.post(f"{path}/committee", data={"member-email": dept.email("director")})
    assert twice.status_code == 409 and "Director Person is already on the committee." in text_of(twice)
    assert in_app(app, members) == before

    added = client.post(f"{path}/committee", data={"member-email": dept.email("outsider"), "member-chair": "y"})
    assert (added.status_code, added.headers["Location"]) == (302, f"{path}#committee")
    assert dept.ids["outsider"] in in_app(app, members)
    assert "Outsider Person" in section(client.get(path), "committee")

    removed = client.post(f"{path}/committee/{dept.ids['outsider']}/remove")
    assert removed.status_code == 302
    assert in_app(app, members) == before


def test_a_division_director_runs_their_division_awards_cycles_only(app, client, dept, login):
    with app.app_context():
        award = definitions.create(
            {
                "slug": "cardiology-mentor",
                "name": "Cardiology Mentor Award",
                "level": "division",
                "division_id": dept.divisions["CARD"],
                **SCHEDULE,
            },
            utcnow(),
        )
        award_id, cycle_id = award.id, cycles.create_cycle(award, today().year + 1, utcnow()).id
        db.session.commit()
    path = f"/awards/cycles/{cycle_id}"
    assert (
        login(client, "other_director")
        .post(f"{path}/committee", data={"member-email": dept.email("mentor")})
        .status_code
        == 403
    )
    assert 'id="committee"' not in client.get(path).get_data(as_text=True)
    client.post("/logout")
    login(client, "director")
    page = client.get(path)
    assert "Mentee Person" in section(page, "committee")  # the picker offers the division's people
    assert client.post(f"{path}/committee", data={"member-email": dept.email("mentor")}).status_code == 302
    assert in_app(app, lambda: recusal.is_member(cycle_id, dept.ids["mentor"]))
    assert (
        client.post(f"/awards/{award_id}/cycles", data={"cycle-year": "2040"}).status_code == 403
    )  # admins add cycles


def test_a_member_who_scored_cannot_be_removed(app, client, dept, login):
    made = around_today(app, dept, "scoring")
    login(client, "admin")
    refused = client.post(f"/awards/cycles/{made.cycle_id}/committee/{dept.ids['director']}/remove")
    assert refused.status_code == 409
    assert "Director Person has scored 3 nomination(s)" in text_of(refused)
    assert in_app(app, lambda: recusal.is_member(made.cycle_id, dept.ids["director"]))


def test_a_suggestion_becomes_a_nomination(app, client, dept, login):
    made = around_today(app, dept, "open", nominate=False)
    path = f"/awards/cycles/{made.cycle_id}"
    login(client, "admin")
    page = client.get(path)
    suggestions = section(page, "suggestions")
    assert (
        "points = 5 per mentee + 1 per confirmed meeting + 2 per released feedback response + 3 per mentee milestone"
        in " ".join(re.sub(r"<[^>]+>", " ", suggestions).split())
    )
    action = f'action="/awards/cycles/{made.cycle_id}/suggestions/{dept.ids["mentor"]}"'
    assert action in suggestions and "Mentor Person" in suggestions

    client.post("/logout")
    assert login(client, "award_committee").post(f"{path}/suggestions/{dept.ids['mentor']}").status_code == 403
    client.post("/logout")
    login(client, "admin")
    assert client.post(f"{path}/suggestions/999999").status_code == 422
    nominated = client.post(f"{path}/suggestions/{dept.ids['mentor']}")
    assert (nominated.status_code, nominated.headers["Location"]) == (302, f"{path}#nominations")
    nomination = in_app(app, lambda: db.session.scalars(select(Nomination)).one())
    assert (nomination.nominee_id, nomination.suggested) == (dept.ids["mentor"], True)
    after = client.get(path)
    assert action not in section(after, "suggestions")
    assert f'href="/awards/nominations/{nomination.id}"' in section(after, "nominations")


# The ranking -------------------------------------------------------------------------


def ranking_rows(response) -> dict[str, str]:
    """Each row of the ranking table by nominee name, as text."""
    table = response.get_data(as_text=True).split('<table class="ranking">')[1].split("</table>")[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>.*?</tr>", table.split("<tbody>")[1], re.DOTALL):
        words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        name = next(n for n in ("Other Mentee Person", "Other Director Person", "Mentor Person") if n in words)
        rows[name] = words
    return rows


def test_the_ranking_shows_members_the_numbers_except_where_they_are_recused(app, client, dept, login, world):
    path = f"/awards/cycles/{world.cycle_id}/ranking"
    admin = login(client, "admin").get(path)
    assert admin.status_code == 200
    rows = ranking_rows(admin)
    assert rows["Mentor Person"].startswith("1 Mentor Person 5.00")
    assert rows["Other Mentee Person"].startswith("3 Other Mentee Person 2.00")
    words = text_of(admin)
    assert "the higher raw mean comes first; then the one with more reviews" in words
    assert "z-scores" in words and "Decision" in words

    client.post("/logout")
    member = login(client, "award_committee").get(path)
    assert ranking_rows(member)["Other Mentee Person"].startswith("3 Other Mentee Person 2.00")
    assert 'id="decision"' not in member.get_data(as_text=True)

    client.post("/logout")
    recused = ranking_rows(login(client, "other_mentor").get(path))
    assert recused["Other Mentee Person"] == (
        "— Other Mentee Person recused: you do not see this nominee's scores or "
        "place, and the others are ranked without them"
    )
    assert not re.search(r"\d", recused["Other Mentee Person"])
    assert recused["Mentor Person"].startswith("1 Mentor Person 5.00")
    assert list(recused) == ["Mentor Person", "Other Director Person", "Other Mentee Person"]  # the hidden row last

    for role in ("mentor", "outsider", "promotion_committee"):  # a nominee, a nominator, a stranger
        client.post("/logout")
        login(client, role)
        assert client.get(path).status_code == 404
        assert client.get(path + ".csv").status_code == 404
        assert client.get(path + ".pdf").status_code == 404


def test_members_see_no_ranking_while_nominations_are_open(app, client, dept, login):
    made = around_today(app, dept, "open")
    assert login(client, "award_committee").get(f"/awards/cycles/{made.cycle_id}/ranking").status_code == 404


def test_the_ranking_downloads_parse_and_hide_what_the_reader_may_not_see(app, client, dept, login, world):
    def rename():
        db.session.get(Person, dept.ids["other_director"]).name = '=HYPERLINK("http://x")'
        db.session.commit()

    in_app(app, rename)
    path = f"/awards/cycles/{world.cycle_id}/ranking"
    login(client, "admin")
    download = client.get(path + ".csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"] == 'attachment; filename="mentor-of-the-year-2026-ranking.csv"'
    assert download.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
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
    assert [row[:3] for row in rows[1:4]] == [
        ["1", "Mentor Person", "Cardiology"],
        ["2", '\'=HYPERLINK("http://x")', "Nephrology"],
        ["3", "Other Mentee Person", "Nephrology"],
    ]
    assert rows[1][3:] == ["5.000000", rows[1][4], "3", "3", "0.000000", "no", "ranked"] and float(rows[3][4]) < 0

    pdf = client.get(path + ".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Mentor of the Year 2026" in text and "Mentor Person" in text and "Normalised mean" in text

    client.post("/logout")
    login(client, "other_mentor")
    rows = list(csv.reader(io.StringIO(client.get(path + ".csv").data.decode("utf-8-sig"))))
    assert rows[-1] == ["", "Other Mentee Person", "Nephrology", "", "", "", "", "", "yes", "recused"]
    assert len(rows) == 4
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(client.get(path + ".pdf").data)).pages
    )
    assert "Other Mentee Person Nephrology recused: scores and place not shown" in text


# The decision ------------------------------------------------------------------------


def test_a_winner_outside_the_top_places_needs_a_reason(app, client, dept, login):
    made = around_today(app, dept, "review_ended")
    ids = made.nomination_ids
    path = f"/awards/cycles/{made.cycle_id}"

    def decisions():
        return db.session.scalar(select(func.count()).select_from(Decision))

    login(client, "admin")
    cycle_page = client.get(path)
    assert f'action="{path}/advance"' not in cycle_page.get_data(as_text=True)  # decided needs the winners first
    assert "The cycle moves to decided once the winners are recorded: record them on the ranking page" in text_of(
        cycle_page
    )
    page = client.get(f"{path}/ranking").get_data(as_text=True)
    assert f'name="decision-winners" value="{ids["other_director"]}"' in page

    refused = client.post(f"{path}/decision", data={"decision-winners": [str(ids["other_director"])]})
    assert refused.status_code == 422
    assert (
        "Reason for Other Director Person: is required: the ranking placed this nominee 2, outside the top 1"
        in text_of(refused)
    )
    assert f'aria-invalid="true" aria-describedby="reason-{ids["other_director"]}-error"' in refused.get_data(
        as_text=True
    )
    too_many = client.post(
        f"{path}/decision", data={"decision-winners": [str(ids["mentor"]), str(ids["other_director"])]}
    )
    assert too_many.status_code == 422 and "must list at most 1" in text_of(too_many)
    none = client.post(f"{path}/decision", data={})
    assert none.status_code == 422 and "Winners: must list one or more" in text_of(none)
    assert in_app(app, decisions) == 0

    recorded = client.post(
        f"{path}/decision",
        data={
            "decision-winners": [str(ids["other_director"])],
            f"decision-reason-{ids['other_director']}": "Built the division's peer mentoring program.",
            "decision-note": "Unanimous.",
        },
    )
    assert (recorded.status_code, recorded.headers["Location"]) == (302, f"{path}/ranking#decision")
    decision = in_app(
        app,
        lambda: [
            (d.version, d.note, [(w.nomination_id, w.ranked_position, w.reason) for w in d.winners])
            for d in db.session.scalars(select(Decision))
        ],
    )
    assert decision == [(1, "Unanimous.", [(ids["other_director"], 2, "Built the division's peer mentoring program.")])]
    words = text_of(client.get(f"{path}/ranking"))
    assert (
        "Version 1" in words
        and "Other Director Person (ranked 2): Built the division's peer mentoring program." in words
    )

    client.post("/logout")
    login(client, "award_committee")
    assert client.post(f"{path}/decision", data={"decision-winners": [str(ids["mentor"])]}).status_code == 403
    assert in_app(app, decisions) == 1


def test_the_decision_form_waits_for_the_review_to_end(app, client, dept, login):
    made = around_today(app, dept, "scoring")
    login(client, "admin")
    page = client.get(f"/awards/cycles/{made.cycle_id}/ranking")
    assert 'name="decision-winners"' not in page.get_data(as_text=True)
    assert "The winners are recorded after the review ends" in text_of(page)
    early = client.post(
        f"/awards/cycles/{made.cycle_id}/decision", data={"decision-winners": [str(made.nomination_ids["mentor"])]}
    )
    assert early.status_code == 409
    assert in_app(app, lambda: db.session.scalar(select(func.count()).select_from(Decision))) == 0


# Grants ------------------------------------------------------------------------------


def test_an_admin_revokes_a_grant_with_a_reason(app, client, dept, login, world):
    with app.app_context():
        day = DAYS["decided"]
        decision.decide(world.cycle, [world.nomination_ids["mentor"]], {}, "", actor(dept, "admin"), day, at(day))
        db.session.commit()
        world.to("announced")
        grant_id = db.session.scalars(select(Grant.id)).one()
    path = f"/awards/cycles/{world.cycle_id}"
    revoke = f"/awards/grants/{grant_id}/revoke"

    assert (
        login(client, "mentor").post(revoke, data={f"revoke-{grant_id}-reason": "mine"}).status_code == 403
    )  # the winner
    client.post("/logout")
    assert login(client, "outsider").post(revoke, data={f"revoke-{grant_id}-reason": "x"}).status_code == 404
    client.post("/logout")
    login(client, "admin")
    grants = section(client.get(path), "grants")
    assert "Mentor Person" in grants and f'action="{revoke}"' in grants
    refused = client.post(revoke, data={f"revoke-{grant_id}-reason": ""})
    assert refused.status_code == 422 and "Reason (kept on the record): is required" in text_of(refused)
    assert in_app(app, lambda: db.session.get(GrantRevocation, grant_id)) is None

    revoked = client.post(revoke, data={f"revoke-{grant_id}-reason": "Awarded in error."})
    assert (revoked.status_code, revoked.headers["Location"]) == (302, f"{path}#grants")
    code = in_app(app, lambda: db.session.get(Grant, grant_id).code)
    assert in_app(app, lambda: announce.verification(code)["status"]) == "revoked"
    assert f'action="{revoke}"' not in section(client.get(path), "grants")
    again = client.post(revoke, data={f"revoke-{grant_id}-reason": "Again."})
    assert again.status_code == 409 and "This award was revoked already." in text_of(again)
    award_page = text_of(client.get(f"/awards/{world.award_id}"))
    assert "2026 Announced none" in award_page  # a revoked award is no longer listed as won


# CSRF ----------------------------------------------------------------------------------

FORMS = [
    # the page that holds the form, where it posts, its fields besides the token
    ("/awards/new", "/awards/new", lambda d, m: settings_form()),
    ("/awards/{award}", "/awards/{award}/cycles", lambda d, m: {"cycle-year": str(today().year + 1)}),
    (
        "/awards/cycles/{cycle}",
        "/awards/cycles/{cycle}/advance",
        lambda d, m: {"advance-reason": "Early.", "advance-from_phase": "scheduled"},
    ),
    ("/awards/cycles/{cycle}", "/awards/cycles/{cycle}/committee", lambda d, m: {"member-email": d.email("outsider")}),
    ("/awards/cycles/{cycle}", "/awards/cycles/{cycle}/committee/{member}/remove", lambda d, m: {}),
]


def award_state(app) -> tuple:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Award)),
            db.session.scalar(select(func.count()).select_from(Cycle)),
            db.session.scalar(select(func.count()).select_from(CycleTransition)),
            db.session.scalar(select(func.count()).select_from(CommitteeMember)),
        )


@pytest.mark.parametrize(("page", "action", "fields"), FORMS, ids=[f[1] for f in FORMS])
def test_an_award_form_without_its_csrf_token_is_refused(app, csrf_client, dept, page, action, fields):
    made = around_today(app, dept, "scheduled")
    where = {"award": made.award_id, "cycle": made.cycle_id, "member": dept.ids["director"]}
    sign_in(csrf_client, dept.email("admin"))
    before = award_state(app)
    refused = csrf_client.post(action.format(**where), data=fields(dept, made))
    assert refused.status_code == 400 and "The CSRF token is missing." in refused.get_data(as_text=True)
    assert award_state(app) == before

    token = token_from(csrf_client.get(page.format(**where)).get_data(as_text=True))
    accepted = csrf_client.post(action.format(**where), data={**fields(dept, made), "csrf_token": token})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    assert award_state(app) != before
