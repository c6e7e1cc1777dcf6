"""Layout: on a 375 px phone no main page of any role is wider than the screen (wide
tables scroll inside their own box or stack); the administrator's menu fits at 1,280 px;
a date input shows the focus ring every other control shows."""

from __future__ import annotations

import pytest

from tests.site.conftest import ROLES, signed_in_context
from tests.site.pages import main_pages

PHONE = 375


@pytest.mark.parametrize("role", ROLES)
def test_no_main_page_is_wider_than_a_phone(browser, served_demo, role):
    base, demo = served_demo
    context = signed_in_context(browser, base, demo, role, width=PHONE)
    try:
        page = context.new_page()
        widths = {}
        for path in main_pages(context):
            page.goto(base + path)
            widths[path] = page.evaluate("document.documentElement.scrollWidth")
        too_wide = {path: width for path, width in widths.items() if width > PHONE}
        assert not too_wide, f"{role}: wider than {PHONE} px: {too_wide}"
        assert len(widths) > 2
    finally:
        context.close()


def test_the_administrators_menu_fits_on_one_line_at_1280_px(browser, served_demo):
    base, demo = served_demo
    context = signed_in_context(browser, base, demo, "admin", width=1280)
    try:
        page = context.new_page()
        page.goto(base + "/")
        tops = page.eval_on_selector_all("header.site nav li", "items => items.map(item => item.offsetTop)")
        assert len(tops) >= 14 and len(set(tops)) == 1, tops
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    finally:
        context.close()


def test_a_date_input_shows_the_focus_ring_other_controls_show(browser, served_demo):
    base, demo = served_demo
    context = signed_in_context(browser, base, demo, "mentor")
    try:
        page = context.new_page()
        page.goto(base + "/mentoring")
        date_input = page.locator("main input[type=date]").first
        other = page.locator("main select, main input[type=number]").first
        rings = []
        for control in (other, date_input):
            control.focus()
            page.keyboard.press("Tab")
            page.keyboard.press("Shift+Tab")  # focused from the keyboard, as a person tabbing
            rings.append(
                control.evaluate("el => [getComputedStyle(el).outlineStyle, getComputedStyle(el).outlineWidth]")
            )
        assert rings[0] == ["solid", "3px"]
        assert rings[1] == rings[0]
    finally:
        context.close()
