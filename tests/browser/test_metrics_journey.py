"""The program dashboard in a real headless Chromium, by keyboard alone: a division
director signs in, opens the metrics from the navigation, sees their division and the
department's totals (each chart with its table, never another division), jumps to what
needs attention, and follows a mentorship with no meeting this year to its page, which
shows no meeting this year.

A screenshot of the dashboard goes to /tmp.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from recognition.auth.service import load_actor
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger
from tests.browser.conftest import serving, sign_in
from tests.support.department import Department

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/metrics-dashboard.png"


@pytest.fixture
def live_server(journey_app):
    """The small department; its Cardiology mentorship met last year and not this year."""
    with journey_app.app_context():
        dept = Department.build()
        last_year = date(today().year - 1, 5, 12)
        ledger.record(
            {"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": last_year, "minutes": 45},
            load_actor(dept.ids["mentor"]),
            utcnow(),
        )
        db.session.commit()
    with serving(journey_app) as base:
        yield base, dept


def tab_to(page, target, presses: int = 200) -> None:
    """Press Tab until ``target`` has the focus: it must be reachable by keyboard."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} is not reachable with the Tab key")


def test_a_director_follows_needs_attention_to_a_mentorship(live_server, page):
    base, dept = live_server
    year = today().year
    sign_in(page, base, dept.email("director"))

    metrics_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Metrics")
    tab_to(page, metrics_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Program metrics, {year}")

    # Every metric has a chart (an image with its text) and a table; the director's tables
    # hold the department and Cardiology, never Nephrology.
    pool = page.locator("article", has=page.get_by_role("heading", name="Mentor pool", exact=True))
    expect(pool.get_by_role("img").first).to_have_attribute("aria-label", "Mentor pool, Mentors. " + _described(pool))
    table = pool.get_by_role("table").last
    expect(table.get_by_role("rowheader")).to_have_text(["Department", "Cardiology"])
    assert page.get_by_role("img").count() >= 2 * 16
    assert page.locator("table").count() >= 2 * 16  # a table for each chart and each trend
    assert "Nephrology" not in page.locator("main").inner_text().split("What needs attention")[-1]
    page.screenshot(path=SCREENSHOT, full_page=True)

    attention_link = page.get_by_role("navigation", name="On this page").get_by_role(
        "link", name="What needs attention"
    )
    tab_to(page, attention_link)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/metrics#attention")
    expect(page.get_by_role("heading", name="Check-ins overdue (", exact=False)).to_be_visible()
    # The mentee was appointed on 1 July 2023: their 18-month check-in was due on 1 January 2025.
    expect(page.get_by_role("link", name="Mentee Person: check-in due 2025-01-01, none recorded")).to_be_visible()

    item = page.get_by_role("link", name=f"Mentor Person and Mentee Person: no meeting recorded in {year}")
    tab_to(page, item)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Mentor Person mentors Mentee Person")
    expect(page.locator(".lede")).to_contain_text(f"In {year}: 0 meetings, 0 confirmed")
    # Last year's meeting is in the history: the pair did meet, just not this year.
    expect(page.get_by_role("main")).to_contain_text(f"{year - 1}-05-12")
    assert not page.console_problems, page.console_problems


def _described(article) -> str:
    """The chart's text alternative says each row's value: read it from the table."""
    rows = article.get_by_role("table").last.get_by_role("row").all()[1:]
    return "; ".join(
        f"{row.get_by_role('rowheader').inner_text()}: {row.get_by_role('cell').first.inner_text().strip()}"
        for row in rows
    )
