"""Confirmations in a real headless Chromium: the mentee confirms a logged meeting from the
emailed link with one button, signed out; and the mentee says a meeting did not happen,
the mentor sees why and reverses it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from recognition.auth.service import load_actor
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.ledger import confirmations
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.outbox import OutboxMessage
from tests.browser.conftest import serving, sign_in, sign_out
from tests.support.department import Department

pytestmark = pytest.mark.browser

REASON = "We did not meet that day: I was away at a conference."


@pytest.fixture
def live_server(journey_app):
    with journey_app.app_context():
        dept = Department.build()
    with serving(journey_app) as base:
        yield base, dept


def confirm_link(app, email: str) -> str:
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == email))
    found = re.search(r"http://\S+/confirm/\S+", body or "")
    assert found, body
    return found.group(0)


def test_the_mentee_confirms_a_meeting_from_the_email_with_one_button(live_server, journey_app, page):
    base, dept = live_server
    sign_in(page, base, dept.email("mentor"))
    page.get_by_label("Mentee", exact=True).select_option(label="Mentee Person (formal)")
    page.get_by_label("Minutes").fill("50")
    page.get_by_role("button", name="Log meeting").click()
    expect(page.get_by_role("status")).to_contain_text("Mentee Person is emailed a link to confirm it.")
    sign_out(page)

    link = confirm_link(journey_app, dept.email("mentee"))
    assert link.startswith(base + "/confirm/")
    page.goto(link)  # signed out, as from the email
    expect(page.get_by_role("heading", name="Did this happen?")).to_be_visible()
    expect(page.locator("#confirm-state")).to_contain_text("awaiting confirmation")
    page.get_by_role("button", name="Yes, confirm it").click()
    expect(page.get_by_role("status")).to_contain_text("Confirmed: meeting on")
    expect(page.locator("#confirm-state")).to_contain_text("confirmed")
    page.goto(link)  # the same link again: nothing more to do
    expect(page.get_by_text("This is confirmed. Nothing more to do")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, confirm it")).to_have_count(0)

    sign_in(page, base, dept.email("mentor"))
    recent = page.get_by_role("table").filter(has_text="Logged by")
    expect(recent.get_by_role("row").nth(1)).to_contain_text("confirmed")
    assert page.console_problems == []


def test_the_mentee_disputes_a_meeting_and_the_mentor_reverses_it(live_server, journey_app, page):
    base, dept = live_server
    with journey_app.app_context():
        data = {"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": date(2025, 5, 6), "minutes": 30}
        mentor = load_actor(dept.ids["mentor"])
        entry = ledger.record(data, mentor, utcnow())
        confirmations.ask(entry, mentor, utcnow())
        db.session.commit()
        entry_id = entry.id

    sign_in(page, base, dept.email("mentee"))
    waiting = page.get_by_role("listitem").filter(has_text="2025-05-06")
    waiting.get_by_role("link", name="This didn't happen…").click()
    dispute = page.get_by_role("region", name="This didn't happen")
    dispute.get_by_role("button", name="This didn't happen").click()  # no reason yet
    expect(page.get_by_role("alert")).to_contain_text("must not be blank")
    page.get_by_label("What did not happen as logged?").fill(REASON)
    page.get_by_role("button", name="This didn't happen").click()
    expect(page.get_by_role("status")).to_contain_text("Disputed: meeting on 2025-05-06")
    expect(page.locator("#entry-state")).to_contain_text(f"disputed: {REASON}")
    expect(page.get_by_role("button", name=re.compile("^Confirm"))).to_have_count(0)
    sign_out(page)

    sign_in(page, base, dept.email("mentor"))
    recent = page.get_by_role("table").filter(has_text="Logged by")
    expect(recent.get_by_role("row").filter(has_text="2025-05-06")).to_contain_text(f"disputed: {REASON}")
    page.goto(f"{base}/mentorships/{dept.mentorship_id}")
    history = page.locator(f"#entry-{entry_id}")
    expect(history).to_contain_text(f"disputed: {REASON}")
    history.get_by_text(re.compile(r"^Reverse this entry")).click()
    history.get_by_label(re.compile(r"^Why reverse")).fill("Logged the wrong day")
    history.get_by_role("button", name=re.compile(r"^Reverse #")).click()
    expect(page.get_by_role("status")).to_contain_text("Reversed entry")
    expect(page.locator(f"#entry-{entry_id}")).to_contain_text("reversed")
    with journey_app.app_context():
        assert ledger.reversal_of(entry_id) is not None
        assert db.session.get(LedgerEntry, entry_id) is not None
    # The blank reason was refused with 422 (the browser notes that status); nothing else went wrong.
    assert [p for p in page.console_problems if "422" not in p] == []
