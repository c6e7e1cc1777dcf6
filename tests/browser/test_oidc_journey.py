"""Institutional sign-in in a real headless Chromium: the university link on the
sign-in page, the provider's own sign-in page (a real oidc-provider), and back home."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from recognition.auth.oidc import service
from tests.browser.conftest import serving, sign_out
from tests.support.department import Department
from tests.support.oidc_provider import UNIVERSITY_PASSWORD, running_provider

pytestmark = pytest.mark.browser


def test_a_mentor_signs_in_through_the_university(journey_app, page):
    with journey_app.app_context():
        dept = Department.build()
    with serving(journey_app) as base:
        client = {
            "client_id": "recognition",
            "client_secret": "browser-secret",
            "redirect_uris": [base + "/login/oidc/callback"],
        }
        accounts = {"mentor.p": {"email": dept.email("mentor"), "email_verified": True}}
        with running_provider([client], accounts) as issuer:
            journey_app.config.update(
                OIDC_ISSUER=issuer,
                OIDC_CLIENT_ID="recognition",
                OIDC_CLIENT_SECRET="browser-secret",
                OIDC_BUTTON_LABEL="Sign in with University ID",
            )
            try:
                page.goto(base + "/mentoring")  # a page that needs signing in first
                expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
                page.get_by_role("link", name="Sign in with University ID").click()

                expect(page.get_by_role("heading", name="University sign-in")).to_be_visible()
                assert page.url.startswith(issuer)
                page.get_by_label("Username").fill("mentor.p")
                page.get_by_label("Password").fill(UNIVERSITY_PASSWORD)
                page.get_by_label("Password").press("Enter")

                expect(page.get_by_role("heading", name="My mentoring")).to_be_visible()
                assert page.url == base + "/mentoring"
                sign_out(page)
            finally:
                service.forget_provider()
