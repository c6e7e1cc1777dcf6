"""Credits in a real headless Chromium: a mentor logs accredited training on My credits,
issues last year's statement, downloads the certificate and opens its verification page;
then a visitor who is not signed in types the code, dashes and all, and sees the same.

Screenshots of My credits, the statement and the verification page go to /tmp.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from recognition.auth.service import load_actor
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.people.models import Person
from recognition.reflections import service as reflections
from tests.browser.conftest import serving, sign_in, sign_out
from tests.support.department import Department

pytestmark = pytest.mark.browser

NAME = "Zoë Ångström-Nguyễn"
LAST_YEAR = utcnow().year - 1
CREDITS_SCREENSHOT = "/tmp/my-credits.png"
STATEMENT_SCREENSHOT = "/tmp/credit-statement.png"
VERIFY_SCREENSHOT = "/tmp/verify-certificate.png"


@pytest.fixture
def live_server(journey_app):
    """The department, the mentor renamed to an accented name, and a reflection of theirs
    on a 360 review last year (90 minutes: 4.50 Section 3 credits)."""
    with journey_app.app_context():
        dept = Department.build()
        db.session.get(Person, dept.ids["mentor"]).name = NAME
        db.session.commit()
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
    with serving(journey_app) as base:
        yield base, dept


def test_a_mentor_downloads_a_certificate_and_anyone_can_verify_it(live_server, page, tmp_path):
    base, dept = live_server

    sign_in(page, base, dept.email("mentor"))
    page.get_by_role("link", name="My credits").click()
    expect(page.get_by_role("heading", name="My credits", exact=True)).to_be_visible()

    # Accredited training last year, logged with the form: 3 hours, Section 1 at 1 credit an hour.
    page.get_by_label("What you did").select_option(label="Mentor training completed")
    page.get_by_label("Date").fill(f"{LAST_YEAR}-06-15")
    page.get_by_label("Minutes").fill("180")
    page.get_by_label("Accreditation (mentor training only, optional)").fill(
        "Royal College accredited mentoring workshop"
    )
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_role("status")).to_contain_text("Logged: 180 minutes of mentor training completed")
    by_year = page.get_by_role("table", name=re.compile(r"^Credits by year and section"))
    expect(by_year.get_by_role("row").filter(has_text=str(LAST_YEAR))).to_contain_text("7.50")
    page.screenshot(path=CREDITS_SCREENSHOT, full_page=True)

    page.get_by_role("button", name=f"Issue statement for {LAST_YEAR}").click()
    expect(page.get_by_role("status")).to_contain_text("Issued statement RCM-")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"Statement RCM-\d{4}-\d{5}-1"))
    expect(heading).to_contain_text("current")
    code = page.locator("dt:text-is('Verification code') + dd code").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4}-){5}[A-Z2-7]{4}", code)
    page.screenshot(path=STATEMENT_SCREENSHOT, full_page=True)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download PDF").click()
    download = downloading.value
    assert re.fullmatch(r"RCM-\d{4}-\d{5}-1\.pdf", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = "".join(p.extract_text() for p in PdfReader(saved).pages)
    assert NAME in text
    assert "7.50" in text

    page.get_by_role("link", name="Verification page").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Genuine certificate: RCM-")
    verdict = page.get_by_role("status").filter(has_text="Genuine.")
    expect(verdict).to_contain_text("Status: current")
    expect(page.locator("dl.facts")).to_contain_text(NAME)
    sign_out(page)

    # A visitor, not signed in, types the code with its dashes.
    page.goto(base + "/verify")
    expect(page.get_by_role("heading", name="Verify a certificate")).to_be_visible()
    page.get_by_label("Verification code").fill(code.lower())
    page.get_by_label("Verification code").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Genuine certificate: RCM-")
    expect(page.get_by_role("status").filter(has_text="Genuine.")).to_contain_text("Status: current")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(NAME)
    expect(facts).to_contain_text("7.50 credits")
    expect(page.get_by_text(dept.email("mentor"))).to_have_count(0)

    # The downloaded file is byte for byte the one issued.
    page.get_by_label("Certificate PDF").set_input_files(str(saved))
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("status").filter(has_text="Identical.")).to_be_visible()
    page.screenshot(path=VERIFY_SCREENSHOT, full_page=True)

    assert page.console_problems == []  # nothing blocked by the Content-Security-Policy
