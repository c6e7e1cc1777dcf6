"""A promotion case in a real headless Chromium: the committee member signs in, lands on
their cases, opens the case and the candidate's dossier, downloads the issued dossier PDF
and checks it at /verify, where a changed copy is told apart from the issued one.

Screenshots of the case, the dossier and the verification page go to /tmp.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from recognition.auth.service import COMMAND_LINE, load_actor
from recognition.cases import service as cases
from recognition.clock import local_date, utcnow
from recognition.dossiers import service as dossiers
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.people.models import Person
from tests.browser.conftest import serving, sign_in, sign_out
from tests.support.department import Department

pytestmark = pytest.mark.browser

CANDIDATE = "Zoë Ångström-Nguyễn"
CASE_SCREENSHOT = "/tmp/promotion-case.png"
DOSSIER_SCREENSHOT = "/tmp/case-dossier.png"
VERIFY_SCREENSHOT = "/tmp/verify-dossier.png"


@pytest.fixture
def live_server(journey_app):
    """The mentor (renamed) is a candidate for promotion; the promotion-committee person
    sits on the case; the mentor has issued their dossier with two confirmed meetings."""
    with journey_app.app_context():
        dept = Department.build()
        mentor = db.session.get(Person, dept.ids["mentor"])
        mentor.name = CANDIDATE
        now = utcnow()
        today = local_date(now)  # the department's day: in the evening in Toronto, UTC is already tomorrow
        for days_ago in (200, 100):
            entry = ledger.record(
                {
                    "kind": "meeting",
                    "mentorship_id": dept.mentorship_id,
                    "occurred_on": today - timedelta(days=days_ago),
                    "minutes": 45,
                },
                load_actor(mentor.id),
                now,
            )
            ledger.confirm(entry, load_actor(dept.ids["mentee"]), now)
        case = cases.open_case(
            {
                "candidate_id": mentor.id,
                "kind": "promotion",
                "target_rank": "full",
                "period_start": date(2023, 7, 1),
                "period_end": today,
                "due_on": today + timedelta(days=60),
                "member_ids": [dept.ids["promotion_committee"]],
            },
            COMMAND_LINE,
            now,
        )
        issued = dossiers.issue(mentor.id, date(2023, 7, 1), today, load_actor(mentor.id), now)
        db.session.commit()
        facts = {"case_id": case.id, "number": issued.number}
    with serving(journey_app) as base:
        yield base, dept, facts


def test_a_committee_member_downloads_the_dossier_and_checks_it_at_verify(live_server, page, tmp_path):
    base, dept, facts = live_server

    sign_in(page, base, dept.email("promotion_committee"))
    # A member with an open case lands on their cases.
    expect(page.get_by_role("heading", level=1)).to_contain_text("cases")
    page.get_by_role("link", name=re.compile(f"^Open the dossier.*{CANDIDATE}")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CANDIDATE)
    page.screenshot(path=DOSSIER_SCREENSHOT, full_page=True)

    issued = page.get_by_role("table").filter(has_text=facts["number"])
    with page.expect_download() as downloading:
        issued.get_by_role("link", name="PDF").first.click()
    saved = tmp_path / "dossier.pdf"
    downloading.value.save_as(saved)
    reader = PdfReader(saved)
    text = "".join(p.extract_text() for p in reader.pages)
    assert CANDIDATE in text and "Data Summary Table" in text
    assert [item.title for item in reader.outline if not isinstance(item, list)][:2] == ["Summary", "Mentees"]

    issued.get_by_role("link", name=re.compile(r"^([A-Z2-7]{4}-){5}[A-Z2-7]{4}$")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Genuine dossier: mentorship evidence of {CANDIDATE}")
    expect(page.get_by_role("status").filter(has_text="Genuine.")).to_contain_text("Status: current")

    page.get_by_label("Certificate PDF").set_input_files(str(saved))
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("status").filter(has_text="Identical.")).to_be_visible()
    page.screenshot(path=VERIFY_SCREENSHOT, full_page=True)

    changed = tmp_path / "changed.pdf"
    changed.write_bytes(
        saved.read_bytes().replace(b"Data Summary", b"Data Sunmary", 1)
        if b"Data Summary" in saved.read_bytes()
        else saved.read_bytes() + b"\n% changed\n"
    )
    page.get_by_label("Certificate PDF").set_input_files(str(changed))
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("alert").filter(has_text="Different.")).to_be_visible()

    page.goto(base + "/cases")
    page.get_by_role("link", name=CANDIDATE).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"case: {CANDIDATE}")
    page.screenshot(path=CASE_SCREENSHOT, full_page=True)
    assert page.console_problems == []
    sign_out(page)

    # The candidate sees that the committee member looked, and how.
    sign_in(page, base, dept.email("mentor"))
    page.goto(base + "/dossier")
    looked = page.get_by_role("table").filter(has_text="Promotion Committee Person")
    expect(looked.first).to_contain_text("download PDF of an issued version")
