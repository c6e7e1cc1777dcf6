"""The core journey in a real headless Chromium, through the same forms a person uses:
a mentor logs a meeting, the mentee confirms it, the mentor sees it confirmed.

The app runs in a background thread on a free port, over a migrated SQLite copy, with
CSRF protection on and the production Content-Security-Policy (no inline script or style).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serving, sign_in, sign_out
from tests.support.department import Department

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/mentor.png"


@pytest.fixture
def live_server(journey_app):
    with journey_app.app_context():
        dept = Department.build()
    with serving(journey_app) as base:
        yield base, dept


def test_mentor_logs_mentee_confirms_mentor_sees_it_confirmed(live_server, page):
    base, dept = live_server

    sign_in(page, base, dept.email("mentor"))
    expect(page.get_by_role("heading", name="My mentoring")).to_be_visible()
    mentees = page.get_by_role("table").filter(has_text="Last meeting")
    expect(mentees.get_by_role("row").filter(has_text="Mentee Person")).to_contain_text("below")
    page.get_by_label("Mentee", exact=True).select_option(label="Mentee Person (formal)")
    expect(page.get_by_label("Kind")).to_have_value("meeting")
    page.get_by_label("Minutes").fill("45")
    page.get_by_label("Note (optional)").fill("Talked through the first grant application")
    page.get_by_role("button", name="Log meeting").click()
    expect(page.get_by_role("status")).to_contain_text("Logged: meeting on")
    recent = page.get_by_role("table").filter(has_text="Logged by")
    expect(recent.get_by_role("row").nth(1)).to_contain_text("awaiting confirmation")
    sign_out(page)

    sign_in(page, base, dept.email("mentee"))
    expect(page.get_by_role("heading", name="My mentors")).to_be_visible()
    waiting = page.get_by_role("listitem").filter(has_text="Talked through the first grant application")
    expect(waiting).to_contain_text("Mentor Person")
    waiting.get_by_role("button", name=re.compile(r"^Confirm meeting on \d{4}-\d\d-\d\d$")).click()
    expect(page.get_by_role("status")).to_contain_text("Confirmed: meeting on")
    expect(page.get_by_text("Nothing to confirm. You are up to date.")).to_be_visible()
    sign_out(page)

    sign_in(page, base, dept.email("mentor"))
    expect(page.get_by_role("heading", name="My mentoring")).to_be_visible()
    recent = page.get_by_role("table").filter(has_text="Logged by")
    expect(recent.get_by_role("row").nth(1)).to_contain_text("confirmed")
    expect(mentees.get_by_role("row").filter(has_text="Mentee Person")).to_contain_text("1 of 1")
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("link", name="Mentee Person").first.click()
    expect(page.get_by_role("heading", name="Mentor Person mentors Mentee Person")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Confirmed by Mentee Person on"))).to_be_visible()

    assert page.console_problems == []  # nothing blocked by the Content-Security-Policy
