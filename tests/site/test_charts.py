"""In a real browser: the committee ranking's dot plot above its table, and the division
feedback view's charts, drawn, described in words and free of accessibility violations."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from recognition.awards.models import Cycle
from recognition.extensions import db
from tests.site.conftest import signed_in_context
from tests.site.test_axe import violations


def test_the_ranking_plot_draws_each_review_of_each_ranked_nominee(browser, served_demo):
    base, demo = served_demo
    with demo.app.app_context():
        cycle_id = db.session.scalar(select(Cycle.id).where(Cycle.phase == "review"))
    context = signed_in_context(browser, base, demo, "admin")
    try:
        page = context.new_page()
        page.goto(f"{base}/awards/cycles/{cycle_id}/ranking")
        plot = page.locator("figure.ranking-plot svg.chart-ranking")
        expect(plot).to_be_visible()
        ranked = page.locator("table.ranking tbody tr:not(.unranked):not(.recused)")
        reviews = [int(text.split(" of ")[0]) for text in ranked.locator("td:nth-child(5)").all_inner_texts()]
        assert reviews and plot.locator("circle").count() == 2 * sum(reviews)  # raw and normalised
        first = ranked.first.locator("th").inner_text()
        assert f"1. {first}" in plot.get_attribute("aria-label")
        box_plot, box_table = plot.bounding_box(), page.locator("table.ranking").bounding_box()
        assert box_plot["y"] < box_table["y"]  # above the table
        assert plot.locator("circle[fill='#fff']").count() == 2 * reviews.count(1)  # a single review: hollow
        assert not violations(page)
    finally:
        context.close()


def test_the_division_feedback_view_has_the_report_charts(browser, served_demo):
    base, demo = served_demo
    context = signed_in_context(browser, base, demo, "division_director")
    try:
        page = context.new_page()
        page.goto(f"{base}/admin/feedback")
        items = page.locator("table.division-items tbody tr")
        assert items.count() > 3
        expect(page.locator("table.division-items svg.chart-distribution")).to_have_count(items.count())
        comparison = page.locator("svg.chart-comparison")
        expect(comparison).to_be_visible()
        mentors = page.locator("section[aria-labelledby=mentors] tbody tr td:first-child").all_inner_texts()
        label = comparison.get_attribute("aria-label")
        assert mentors and all(f"{name}: " in label for name in mentors)
        assert page.locator("svg.chart-trend").count() + page.get_by_text("A trend appears once").count() == 1
        assert not violations(page)
    finally:
        context.close()
