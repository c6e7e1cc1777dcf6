"""An award committee in a real headless Chromium, with the keyboard and the mouse.

A cycle in review today: three nominees, a committee of three. The award committee member
opens Awards, finds their committee work, scores every nominee on the rubric and sees the
ranking with raw and normalised means side by side. The second member mentors one of the
nominees: the cycle page says they are recused from that nominee, the nomination is not
in their list, its address answers "not found", and the ranking shows that row without
numbers. A member sees the ranking once they have scored every nominee they review.

Screenshots of the scoring form and the ranking go to /tmp.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from recognition.auth.service import load_actor
from recognition.awards import lifecycle
from recognition.awards.committee import service as committee
from recognition.awards.cycles import service as cycles
from recognition.awards.definitions import service as definitions
from recognition.awards.nominations import service as nominations
from recognition.clock import today, utcnow
from recognition.extensions import db
from tests.browser.conftest import serving, sign_in, sign_out
from tests.support.department import Department

pytestmark = pytest.mark.browser

SCORING_SCREENSHOT = "/tmp/award-scoring.png"
RANKING_SCREENSHOT = "/tmp/award-ranking.png"
# nominee role -> the award committee member's scores, criterion by criterion
SCORES = {"mentor": "5544", "other_mentee": "2332", "other_director": "3333"}


@pytest.fixture
def live_server(journey_app):
    """The department; a cycle opened 20 days ago, closed 5 days ago, in review until 10
    days from now; members award_committee, other_mentor (who mentors other_mentee) and
    director; three nominations."""
    day, now = today(), utcnow()
    with journey_app.app_context():
        dept = Department.build()
        admin = load_actor(dept.ids["admin"])
        award = definitions.create(
            {
                "slug": "mentor-of-the-year",
                "name": "Mentor of the Year",
                "opens": "02-01",
                "closes": "03-15",
                "review_ends": "04-15",
                "decision": "04-30",
                "announcement": "05-15",
            },
            now,
        )
        opened, closed = day - timedelta(days=20), day - timedelta(days=5)
        cycle = cycles.create_cycle(
            award,
            day.year,
            now,
            dates={
                "opens_on": opened,
                "closes_on": closed,
                "review_ends_on": day + timedelta(days=10),
                "decision_on": day + timedelta(days=12),
                "announce_on": day + timedelta(days=15),
            },
        )
        for role in ("award_committee", "other_mentor", "director"):
            committee.add_member(cycle, dept.ids[role], admin, now)
        lifecycle.step(cycle, "open", opened, now)
        ids = {}
        for nominee, nominator in (("mentor", "admin"), ("other_mentee", "outsider"), ("other_director", "mentee")):
            ids[nominee] = nominations.nominate(
                cycle,
                dept.ids[nominee],
                f"{nominee} is a generous mentor.",
                load_actor(dept.ids[nominator]),
                opened,
                now,
            ).id
        lifecycle.step(cycle, "closed", closed + timedelta(days=1), now)
        lifecycle.step(cycle, "review", day, now)
        db.session.commit()
        cycle_id = cycle.id
        names = {role: db.session.get(nominations.Person, dept.ids[role]).name for role in SCORES}
    with serving(journey_app) as base:
        yield base, dept, cycle_id, ids, names


def test_a_member_scores_and_ranks_and_a_conflicted_member_cannot_see_or_score(live_server, page):
    base, dept, cycle_id, ids, names = live_server

    sign_in(page, base, dept.email("award_committee"))
    page.get_by_role("link", name="Awards", exact=True).click()
    work = page.get_by_role("region", name="Committee work")
    expect(work).to_contain_text("you have scored 0 of 3 nominations")
    work.get_by_role("link", name=f"Mentor of the Year {today().year}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mentor of the Year")

    def score(role: str, digits: str, screenshot: bool = False) -> None:
        page.get_by_role("region", name="Your committee work").get_by_role("link", name=names[role]).click()
        expect(page.get_by_role("heading", name="Scores", exact=True)).to_be_visible()
        groups = page.locator("fieldset.scale")
        expect(groups).to_have_count(len(digits))
        for index, digit in enumerate(digits):
            groups.nth(index).get_by_label(digit, exact=False).first.check()
        page.get_by_label("Comment for the committee (optional)").fill(f"Scored {names[role]} on the evidence.")
        if screenshot:
            page.screenshot(path=SCORING_SCREENSHOT, full_page=True)
        page.get_by_role("button", name="Save my scores").click()
        expect(page.get_by_role("status")).to_contain_text(f"Your scores for {names[role]} are saved (revision 1)")
        page.go_back()

    for role, digits in SCORES.items():
        score(role, digits, screenshot=role == "mentor")
        page.go_back()
        page.reload()

    expect(page.get_by_role("region", name="Your committee work")).to_contain_text("You have scored 3 of the 3")
    page.get_by_role("link", name="See the ranking").first.click()
    ranking = page.get_by_role("table", name="3 nominees, in ranking order")
    rows = ranking.get_by_role("row")
    expect(rows.nth(1)).to_contain_text(names["mentor"])
    expect(rows.nth(1).get_by_role("cell").nth(1)).to_have_text("4.60")  # 5*.35 + 5*.25 + 4*.25 + 4*.15
    expect(rows.nth(3)).to_contain_text(names["other_mentee"])
    for header in ("Raw weighted mean", "Normalised mean (z)", "Reviews", "Spread (sd)"):
        expect(ranking.get_by_role("columnheader", name=header)).to_be_visible()
    page.screenshot(path=RANKING_SCREENSHOT, full_page=True)
    sign_out(page)

    # The member who mentors other_mentee: recused from that nominee, told so, never shown it.
    sign_in(page, base, dept.email("other_mentor"))
    page.goto(f"{base}/awards/cycles/{cycle_id}")
    mine = page.get_by_role("region", name="Your committee work")
    expect(mine).to_contain_text(f"You are recused from {names['other_mentee']}")
    expect(mine.get_by_role("link", name=names["other_mentee"])).to_have_count(0)
    expect(mine.get_by_role("link", name=names["mentor"])).to_be_visible()
    response = page.goto(f"{base}/awards/nominations/{ids['other_mentee']}")
    assert response.status == 404
    assert page.console_problems == ["Failed to load resource: the server responded with a status of 404 (NOT FOUND)"]
    page.console_problems.clear()  # that one was asked for
    page.goto(f"{base}/awards/cycles/{cycle_id}/ranking")  # not before scoring their own nominees
    expect(page.get_by_role("heading", name="Score your nominees first")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    expect(page.get_by_role("link", name=names["other_mentee"])).to_have_count(0)
    for role in ("mentor", "other_director"):
        page.goto(f"{base}/awards/cycles/{cycle_id}")
        score(role, SCORES[role])
    page.goto(f"{base}/awards/cycles/{cycle_id}/ranking")
    hidden = page.get_by_role("row").filter(has_text=names["other_mentee"])
    expect(hidden).to_contain_text("recused")
    expect(hidden).not_to_contain_text("2.")
    visible = page.get_by_role("row").filter(has_text=names["mentor"])
    expect(visible).to_contain_text("4.60")
    # The nominees they are not recused from, they score like anyone on the committee.
    page.goto(f"{base}/awards/nominations/{ids['mentor']}")
    expect(page.get_by_role("button", name="Save my scores")).to_be_visible()
    # Having scored, they read the other member's scores beside their own.
    expect(page.get_by_role("row").filter(has_text="Award Committee Person")).to_contain_text(
        f"Scored {names['mentor']} on the evidence."
    )
    assert not page.console_problems, page.console_problems
