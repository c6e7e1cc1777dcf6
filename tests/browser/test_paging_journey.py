"""Paging a long list in a real headless Chromium, by keyboard: Next and Previous are
links named for the list they page, reached and followed with the keyboard, and the
filters stay as they were."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from recognition.clock import utcnow
from recognition.extensions import db
from recognition.people.models import Person
from tests.browser.conftest import serving, sign_in
from tests.support.department import Department

pytestmark = pytest.mark.browser


def test_the_roster_pages_by_keyboard_and_keeps_its_filters(journey_app, page):
    with journey_app.app_context():
        dept = Department.build()
        db.session.add_all(
            Person(
                name=f"Lecturer {i:02d}",
                email=f"lecturer{i:02d}@test.example.org",
                division_id=dept.divisions["NEPH"],
                rank="lecturer",
                position="other",
                created_at=utcnow(),
            )
            for i in range(55)
        )
        db.session.commit()
    with serving(journey_app) as base:
        sign_in(page, base, dept.email("admin"))
        page.goto(base + "/admin/people")
        filters = page.get_by_role("search", name="Filter the roster")
        filters.get_by_label("Rank").select_option("lecturer")
        filters.get_by_role("button", name="Filter").press("Enter")
        expect(page.get_by_text("Page 1 of 2 · 55 in all")).to_be_visible()
        pager = page.get_by_role("navigation", name="Pages of people")
        expect(pager.get_by_role("link", name="Previous page of people")).to_have_count(0)

        following = pager.get_by_role("link", name="Next page of people")
        following.focus()
        expect(following).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_text("Page 2 of 2 · 55 in all")).to_be_visible()
        assert re.search(r"[?&]rank=lecturer(&|$)", page.url) and "cursor=" in page.url
        expect(filters.get_by_label("Rank")).to_have_value("lecturer")
        expect(page.locator(".roster table tbody tr")).to_have_count(5)

        back = pager.get_by_role("link", name="Previous page of people")
        back.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_text("Page 1 of 2 · 55 in all")).to_be_visible()
        expect(page.locator(".roster table tbody tr").first).to_contain_text("Lecturer 00")
        assert page.console_problems == []
