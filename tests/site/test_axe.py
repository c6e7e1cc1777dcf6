"""axe-core (the copy axe-playwright-python bundles) finds no accessibility violation on
the main pages of any role."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.site.conftest import ROLES, signed_in_context
from tests.site.pages import main_pages

AXE = Axe()


def violations(page) -> list[str]:
    """One line per violation: the rule, and the first few elements it names."""
    found = AXE.run(page).response["violations"]
    return [f"{v['id']}: {[node['target'] for node in v['nodes'][:3]]}" for v in found]


@pytest.mark.parametrize("role", ROLES)
def test_the_main_pages_of_each_role_have_no_accessibility_violations(browser, served_demo, role):
    base, demo = served_demo
    context = signed_in_context(browser, base, demo, role)
    try:
        page = context.new_page()
        found = {}
        pages = main_pages(context)
        for path in pages:
            page.goto(base + path)
            if problems := violations(page):
                found[path] = problems
        assert not found, f"{role}: {found}"
        assert len(pages) > 2
    finally:
        context.close()
