"""An invited person's first day, in real headless Chromium: the admin invites them from
their person page, they open the link from the outbox, choose a password, are signed in,
sign out, sign in again with it, and then sign in through the university (a real
oidc-provider) as the same person."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from recognition.auth.oidc import service as oidc
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.outbox import OutboxMessage
from recognition.people.models import Person
from tests.browser.conftest import serving, sign_in, sign_out
from tests.support.department import Department
from tests.support.oidc_provider import UNIVERSITY_PASSWORD, running_provider

pytestmark = pytest.mark.browser

CHOSEN = "a quiet harbour at dawn"


@pytest.fixture
def live_server(journey_app):
    with journey_app.app_context():
        dept = Department.build()
        person = Person(
            name="Nadia Newcomer",
            email="nadia@test.example.org",
            division_id=dept.divisions["CARD"],
            rank="assistant",
            position="clinician_teacher",
            appointed_on=date(2025, 7, 1),
            created_at=utcnow(),
        )
        db.session.add(person)
        db.session.commit()
        person_id = person.id
    with serving(journey_app) as base:
        yield base, dept, person_id


def invitation_link(app) -> str:
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "nadia@test.example.org"))
    found = re.search(r"http://\S+/password/set/\S+", body or "")
    assert found, body
    return found.group(0)


def test_an_invited_person_sets_a_password_signs_in_with_it_and_then_through_the_university(
    live_server, journey_app, page
):
    base, dept, person_id = live_server

    sign_in(page, base, dept.email("admin"))
    page.goto(f"{base}/people/{person_id}")
    account = page.get_by_role("region", name="Account")
    expect(account).to_contain_text("No account yet")
    account.get_by_role("button", name="Invite Nadia Newcomer").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to nadia@test.example.org")
    expect(page.get_by_role("region", name="Account")).to_contain_text("by Admin Person")
    sign_out(page)

    link = invitation_link(journey_app)
    assert link.startswith(base + "/password/set/")  # the address the admin used
    page.goto(link)
    expect(page.get_by_role("heading", name="Make your account")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("too short")
    page.get_by_role("button", name="Make my account").click()
    expect(page.get_by_role("alert")).to_contain_text("must be at least 12 characters")
    page.get_by_label("New password", exact=True).fill(CHOSEN)
    page.get_by_label("New password again").fill(CHOSEN)
    page.get_by_label("New password again").press("Enter")  # the keyboard is enough
    expect(page.get_by_role("status")).to_contain_text("Your password is set and you are signed in")
    expect(page.get_by_text("Welcome, Nadia Newcomer")).to_be_visible()
    sign_out(page)

    page.goto(link)  # a used link says so, and what to do instead
    expect(page.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    expect(page.get_by_text("already been used")).to_be_visible()

    page.goto(base + "/login")
    page.get_by_label("Email").fill("nadia@test.example.org")
    page.get_by_label("Password").fill(CHOSEN)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_text("Welcome, Nadia Newcomer")).to_be_visible()
    sign_out(page)

    university = {"client_id": "recognition", "client_secret": "journey-secret"}
    university["redirect_uris"] = [base + "/login/oidc/callback"]
    nadia = {"nadia.n": {"email": "Nadia@Test.Example.org", "email_verified": True}}
    with running_provider([university], nadia) as issuer:
        journey_app.config.update(
            OIDC_ISSUER=issuer,
            OIDC_CLIENT_ID="recognition",
            OIDC_CLIENT_SECRET="journey-secret",
            OIDC_BUTTON_LABEL="Sign in with University ID",
        )
        try:
            page.goto(base + "/login")
            page.get_by_role("link", name="Sign in with University ID").click()
            expect(page.get_by_role("heading", name="University sign-in")).to_be_visible()
            page.get_by_label("Username").fill("nadia.n")
            page.get_by_label("Password").fill(UNIVERSITY_PASSWORD)
            page.get_by_label("Password").press("Enter")
            expect(page.get_by_text("Welcome, Nadia Newcomer")).to_be_visible()
            assert page.url.startswith(base)
        finally:
            oidc.forget_provider()
    # The refused form (422) and the used link (410) are logged as failed loads; nothing
    # else (a Content-Security-Policy violation, a script error) may be.
    assert [text for text in page.console_problems if not text.startswith("Failed to load resource")] == []
