"""Anonymous feedback in a real headless Chromium, through the pages people use: the
administrator asks for feedback, three mentees answer on a phone-sized screen, the
mentor's report stays withheld until the third answer, then the mentor reflects on it
and finds the reflection in their ledger.

Screenshots of the form (390×844, a phone) and of the report go to /tmp.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from recognition.auth.service import set_password
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.feedback import periods
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from tests.browser.conftest import serving, sign_in, sign_out
from tests.support.department import PASSWORD, Department

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FORM_SCREENSHOT = "/tmp/feedback-form-phone.png"
REPORT_SCREENSHOT = "/tmp/feedback-report.png"
EXTRA_MENTEES = ("second.mentee@test.example.org", "third.mentee@test.example.org")


@pytest.fixture
def live_server(journey_app):
    """The app on a free port with CSRF on; the department plus two more mentees of the
    mentor, each with an account."""
    app = journey_app
    with app.app_context():
        dept = Department.build()
        now = utcnow()
        for number, email in enumerate(EXTRA_MENTEES, start=2):
            person = Person(
                name=f"Mentee Number {number}",
                email=email,
                division_id=dept.divisions["CARD"],
                rank="assistant",
                position="clinician_teacher",
                appointed_on=date(2024, 7, 1),
                created_at=now,
            )
            db.session.add(person)
            db.session.flush()
            set_password(person, PASSWORD, now)
            db.session.add(
                Mentorship(
                    mentor_id=dept.ids["mentor"],
                    mentee_id=person.id,
                    kind="formal",
                    started_on=date(2024, 9, 1),
                    created_at=now,
                )
            )
        db.session.commit()
    with serving(app) as base:
        yield base, dept


def answer_on_a_phone(page, base: str, email: str, value: str, comment: str, screenshot: str | None = None) -> None:
    page.set_viewport_size(PHONE)
    sign_in(page, base, email)
    page.get_by_role("link", name="Feedback", exact=True).click()
    expect(page.get_by_role("heading", name="Feedback on your mentors")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Give feedback on Mentor Person")).click()
    expect(page.get_by_role("heading", name="Feedback on Mentor Person’s mentoring")).to_be_visible()
    expect(page.get_by_text("Your answers are anonymous.")).to_be_visible()
    groups = page.get_by_role("group")
    expect(groups).to_have_count(12)
    if screenshot:
        page.screenshot(path=screenshot, full_page=True)
    # The first item by keyboard alone: Tab to the group, arrow keys move the choice.
    first = groups.first.get_by_role("radio")
    first.first.focus()
    page.keyboard.press("Space")
    for _ in range(int(value) - 1):
        page.keyboard.press("ArrowDown")
    expect(first.nth(int(value) - 1)).to_be_checked()
    for index in range(1, 12):
        group = groups.nth(index)
        if index == 11:
            group.get_by_text("Not applicable").click()
        else:
            group.get_by_role("radio").nth(int(value) - 1).check()
    page.get_by_label("What does your mentor do that helps you most?").fill(comment)
    page.get_by_role("button", name="Send my feedback").click()
    expect(page.get_by_role("heading", name="Thank you: your feedback is sent")).to_be_visible()
    page.get_by_role("link", name="Back to your feedback requests").click()
    expect(page.get_by_text("answered — thank you")).to_be_visible()
    sign_out(page)
    page.set_viewport_size(DESKTOP)


def report_is_withheld(page, base: str, dept, period: str) -> None:
    sign_in(page, base, dept.email("mentor"))
    page.get_by_role("link", name="Feedback report").click()
    expect(page.get_by_role("heading", name=f"Withheld for {period}")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(0)
    sign_out(page)


def test_three_mentees_answer_and_only_then_the_mentor_sees_and_reflects(live_server, page):
    base, dept = live_server
    period = periods.period_of(today(), periods.CALENDAR)

    sign_in(page, base, dept.email("admin"))
    page.get_by_role("link", name="Feedback", exact=True).click()
    page.get_by_role("button", name=f"Ask mentees for feedback for {period}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Asked 4 mentees for feedback for {period}")
    sign_out(page)

    answer_on_a_phone(page, base, dept.email("mentee"), "5", "Generous with time", screenshot=FORM_SCREENSHOT)
    report_is_withheld(page, base, dept, period)
    answer_on_a_phone(page, base, EXTRA_MENTEES[0], "6", "Honest feedback on drafts")
    report_is_withheld(page, base, dept, period)
    answer_on_a_phone(page, base, EXTRA_MENTEES[1], "4", "Introduced me to collaborators")

    sign_in(page, base, dept.email("mentor"))
    page.get_by_role("link", name="Feedback report").click()
    expect(page.get_by_role("heading", name=f"Overall, {period}")).to_be_visible()
    expect(page.locator(".score-value")).to_have_text("5.00")
    expect(page.get_by_role("img", name=re.compile(r"^Overall score compared"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^Item 1, how many chose each answer"))).to_be_visible()
    for comment in ("Generous with time", "Honest feedback on drafts", "Introduced me to collaborators"):
        expect(page.get_by_text(comment)).to_be_visible()
    page.screenshot(path=REPORT_SCREENSHOT, full_page=True)

    page.get_by_role("link", name="Reflect on this feedback").first.click()
    expect(page.get_by_role("heading", name="Reflect on feedback you received")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile(r"^Your mentee feedback report for"))).to_be_checked()
    page.get_by_label("Minutes spent reviewing and reflecting").fill("50")
    page.get_by_label("1. Area to improve").fill("Helping mentees set goals")
    page.get_by_label("2. Performance question").fill("Do my mentees leave each meeting with a clear goal?")
    page.get_by_label("3. Standards (optional)").fill("Goals are specific, dated and written down")
    page.get_by_label("4. How the feedback compares (optional)").fill("Strong on support, weaker on goals")
    page.get_by_label("5. Discussion with a trusted peer or mentor (optional)").fill("Talked it over with a colleague")
    page.get_by_label("6. Next steps").fill("End every meeting by writing the next goal together")
    page.get_by_role("button", name="Record reflection").click()

    expect(page.get_by_role("heading", name="Your reflections on feedback")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("is in the ledger as entry #")
    reflection = page.get_by_role("article")
    expect(reflection).to_contain_text("End every meeting by writing the next goal together")
    expect(reflection).to_contain_text(re.compile(r"in the ledger as entry #\d+, Section 3 evidence"))

    page.get_by_role("link", name="My mentoring").click()
    recent = page.get_by_role("table").filter(has_text="Logged by")
    row = recent.get_by_role("row").filter(has_text="Reflection on feedback received")
    expect(row).to_contain_text("50")
    expect(page.get_by_text("End every meeting by writing the next goal together")).to_have_count(0)

    assert page.console_problems == []  # nothing blocked by the Content-Security-Policy
