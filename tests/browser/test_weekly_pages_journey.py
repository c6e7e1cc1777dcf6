"""The pages people use every week, in a real headless Chromium: My credits at a glance,
the reflection form with the report beside it, lists in the order people think, and
messages that say plainly what happened.

Screenshots of My credits and of the reflection form go to /tmp."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from recognition.auth.service import load_actor
from recognition.clock import today, utcnow
from recognition.credits import service as credits
from recognition.credits.models import Statement
from recognition.extensions import db
from recognition.feedback import periods
from recognition.feedback import service as feedback
from recognition.ledger import service as ledger
from recognition.reflections import service as reflections
from tests.awards.test_pages_nominations import around_today
from tests.browser.conftest import serving, sign_in
from tests.feedback.conftest import FeedbackKit, every_item
from tests.support.department import Department

pytestmark = pytest.mark.browser

LAST_YEAR = utcnow().year - 1
CREDITS_SCREENSHOT = "/tmp/my-credits-at-a-glance.png"
REFLECTION_SCREENSHOT = "/tmp/reflection-beside-report.png"
STRENGTH = "Always makes time for my grant drafts"


@pytest.fixture
def department(journey_app):
    with journey_app.app_context():
        dept = Department.build()
        db.session.commit()
    return dept


def record(app, dept, role: str, **entry) -> None:
    with app.app_context():
        ledger.record(entry, load_actor(dept.ids[role]), utcnow())
        db.session.commit()


def test_my_credits_lead_with_the_cycle_and_list_only_what_earns(journey_app, department, page):
    dept = department
    for weeks in range(1, 7):  # six meetings this year: mentoring time earns no MOC credit
        record(
            journey_app,
            dept,
            "mentor",
            kind="meeting",
            mentorship_id=dept.mentorship_id,
            occurred_on=today() - timedelta(weeks=weeks),
            minutes=60,
        )
    with journey_app.app_context():  # 90 minutes reflecting last year: 4.50 Section 3 credits at 3 an hour
        reflections.record(
            {
                "source": "external",
                "source_name": "360 review",
                "occurred_on": date(LAST_YEAR, 3, 1),
                "minutes": 90,
                "area": "Goal setting",
                "question": "Do my mentees leave with a goal?",
                "next_steps": "Write goals down",
            },
            load_actor(dept.ids["mentor"]),
            utcnow(),
        )
        db.session.commit()
    # Two hours of unaccredited training last year: 0.5 credit an hour, 1.00 in Section 1.
    record(journey_app, dept, "mentor", kind="mentor_training", occurred_on=date(LAST_YEAR, 5, 2), minutes=120)

    with serving(journey_app) as base:
        sign_in(page, base, dept.email("mentor"))
        page.goto(base + "/credits")
        cycle = page.get_by_role("region", name="Your cycle")
        total = cycle.get_by_role("progressbar", name="Total for the cycle")
        expect(total).to_have_attribute("value", "5.50")
        expect(total).to_have_attribute("max", "250.00")
        expect(cycle).to_contain_text("Total for the cycle 5.50 of 250.00 credits, not yet")
        expect(cycle.get_by_role("progressbar", name=f"This year ({LAST_YEAR + 1})")).to_have_attribute("value", "0.00")
        section3 = cycle.get_by_role("progressbar", name="Section 3: Assessment")
        expect(section3).to_have_attribute("value", "4.50")
        expect(section3).to_have_attribute("max", "25.00")
        feedback = cycle.get_by_role("progressbar", name="“Feedback received” activities")
        expect(feedback).to_have_attribute("value", "1")
        expect(cycle).to_contain_text("“Feedback received” activities 1 of 1, met")
        expect(cycle).to_contain_text(
            f"Next deadline: report your {LAST_YEAR + 1} credits by 31 January {LAST_YEAR + 2}"
        )
        # The cycle comes before any list.
        assert (
            cycle.bounding_box()["y"]
            < page.get_by_role("heading", name="Activities that earn credits").bounding_box()["y"]
        )

        listed = page.get_by_role("region", name="Activities that earn credits")
        expect(listed.get_by_role("heading", name=f"{LAST_YEAR}: 5.50 credits")).to_be_visible()
        expect(listed.get_by_role("table")).to_have_count(1)  # this year earned nothing: no table for it
        expect(listed.get_by_role("row")).to_have_count(3)  # a header and the two activities that earn
        expect(listed.get_by_role("table")).not_to_contain_text("Meeting")
        line = listed.locator(".uncredited-line")
        expect(line).to_contain_text("6 other activities (meeting; 6.00 hours), which earn no credits")
        expect(line).to_contain_text("time spent supervising, teaching or mentoring earns no credit")
        page.screenshot(path=CREDITS_SCREENSHOT, full_page=True)
    assert page.console_problems == []


def test_the_reflection_form_has_the_report_beside_it_and_a_draft_to_edit(journey_app, department, page):
    dept = department
    kit = FeedbackKit(journey_app, dept)
    current = periods.period_of(today(), periods.CALENDAR)
    extra = kit.mentees(3)
    kit.ask(current, now=utcnow())
    with journey_app.app_context():
        from recognition.feedback.models import Request

        request_ids = [
            db.session.query(Request.id).filter_by(mentor_id=dept.ids["mentor"], mentee_id=m, period=current).scalar()
            for m in extra
        ]
        used = feedback.instrument("mentor-effectiveness", 1)
    for n, request_id in enumerate(request_ids):  # all 5 but "challenges", the one to work on
        answers = {**every_item(used, 5), "challenges": 3 if n else 2}
        kit.answer(request_id, answers=answers, comments={"strengths": STRENGTH}, now=utcnow())

    with serving(journey_app) as base:
        sign_in(page, base, dept.email("mentor"))
        page.goto(base + f"/feedback/report?period={current}")
        page.get_by_role("link", name="Reflect on this feedback").first.click()
        expect(page.get_by_role("heading", name="Reflect on feedback you received")).to_be_visible()

        beside = page.get_by_role("complementary", name=f"Your feedback, {current}")
        expect(beside).to_be_visible()
        expect(beside).to_contain_text(STRENGTH)
        assert beside.get_by_role("img").count() >= 13  # a bar per item and the comparison chart
        # Beside the steps, not under them, on a desktop screen.
        form_box = page.get_by_label("1. Area to improve").bounding_box()
        assert beside.bounding_box()["x"] > form_box["x"] + form_box["width"]

        draft = page.get_by_role("region", name="Your Section 3 activity, drafted from your report")
        expect(draft).to_contain_text(f"Reflection on feedback received: feedback report ({current})")
        area = page.get_by_label("1. Area to improve")
        expect(area).to_have_value(re.compile("challenged me.*the statement my mentees rated lowest \\(2\\.67"))
        expect(page.get_by_label("6. Next steps")).not_to_have_value("")
        page.screenshot(path=REFLECTION_SCREENSHOT, full_page=True)

        area.fill(area.input_value() + " I will ask about it at every meeting.")
        page.get_by_label("Minutes spent reviewing and reflecting").fill("45")
        page.get_by_role("button", name="Record reflection").click()
        expect(page.get_by_role("status")).to_contain_text("Recorded: your reflection")

        page.goto(base + "/credits")
        listed = page.get_by_role("region", name="Activities that earn credits")
        expect(listed).to_contain_text(f"Reflection on feedback received: feedback report ({current})")
        expect(listed).to_contain_text("2.25")  # 45 minutes at 3 credits an hour
    assert page.console_problems == []


def test_recent_entries_follow_the_date_of_the_work_and_starting_a_mentorship_comes_first(
    journey_app, department, page
):
    dept = department
    recent, late = today() - timedelta(days=10), today() - timedelta(days=200)
    meeting = {"kind": "meeting", "mentorship_id": dept.mentorship_id, "minutes": 45}
    record(journey_app, dept, "mentor", **meeting, occurred_on=recent)
    record(journey_app, dept, "mentor", **meeting, occurred_on=late)  # logged last, happened first

    with serving(journey_app) as base:
        sign_in(page, base, dept.email("mentor"))
        page.goto(base + "/mentoring")
        rows = page.get_by_role("region", name="Recent entries").get_by_role("row")
        expect(rows.nth(1)).to_contain_text(recent.isoformat())
        expect(rows.nth(2)).to_contain_text(late.isoformat())
        page.get_by_role("button", name="Sign out").click()

        sign_in(page, base, dept.email("admin"))
        page.goto(base + "/admin/mentorships")
        start = page.get_by_role("heading", name="Start a mentorship")
        table = page.get_by_role("table").first
        assert start.bounding_box()["y"] < table.bounding_box()["y"]
        assert start.bounding_box()["y"] < page.viewport_size["height"]  # on the first screen
    assert page.console_problems == []


def test_messages_say_plainly_what_happened(journey_app, department, page):
    dept = department
    world = around_today(journey_app, dept, "open", nominate=False, eligibility={"min_mentees": 1})
    with journey_app.app_context():
        reflections.record(
            {
                "source": "external",
                "source_name": "360 review",
                "occurred_on": date(LAST_YEAR, 3, 1),
                "minutes": 90,
                "area": "Goal setting",
                "question": "Do my mentees leave with a goal?",
                "next_steps": "Write goals down",
            },
            load_actor(dept.ids["mentor"]),
            utcnow(),
        )
        statement = credits.issue(
            dept.ids["mentor"], "royal_college_moc", LAST_YEAR, load_actor(dept.ids["mentor"]), utcnow()
        )
        db.session.flush()
        credits.revoke(
            db.session.get(Statement, statement.id), "Issued in error", load_actor(dept.ids["admin"]), utcnow()
        )
        code = statement.code
        db.session.commit()

    with serving(journey_app) as base:
        # Searching for yourself says why you are not listed.
        sign_in(page, base, dept.email("outsider"))
        page.goto(base + f"/awards/cycles/{world.cycle_id}/nominate")
        page.get_by_label("Name or email").fill("outsider")
        page.get_by_role("button", name="Search").click()
        status = page.get_by_role("status").filter(has_text="outsider")
        expect(status).to_contain_text("You cannot nominate yourself")
        expect(status).not_to_contain_text("Nobody matches")
        page.get_by_role("button", name="Sign out").click()

        # An ineligible colleague's reason is said once.
        sign_in(page, base, dept.email("director"))
        page.goto(base + f"/awards/cycles/{world.cycle_id}/nominate")
        page.get_by_label("Name or email").fill("outsider")
        page.get_by_role("button", name="Search").click()
        page.get_by_label("Outsider Person", exact=False).check()
        page.get_by_role("textbox", name="Your nomination statement").fill("Kind to all.")
        page.get_by_role("button", name="Nominate").click()
        expect(page.get_by_role("alert")).to_contain_text("The nomination was not made.")
        expect(page.get_by_text(re.compile("needs at least 1 mentee"))).to_have_count(1)
        assert page.console_problems == [
            "Failed to load resource: the server responded with a status of 422 (UNPROCESSABLE ENTITY)"
        ]
        page.console_problems.clear()  # that refusal was asked for
        page.get_by_role("button", name="Sign out").click()

        # A revoked certificate is not headed "Genuine certificate".
        page.goto(base + f"/verify/{code}")
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("Revoked certificate: RCM-")
        expect(heading).not_to_contain_text("Genuine")
        verdict = page.get_by_role("status")
        expect(verdict).to_contain_text(f"Revoked on {today().day} {today():%B %Y}: do not rely on it.")
        expect(verdict).to_contain_text("It is genuine")
        expect(page.get_by_text("Issued in error")).to_have_count(0)
    assert page.console_problems == []
