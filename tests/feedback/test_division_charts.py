"""The division's feedback view has the mentor report's charts (each item's distribution,
the overall compared across mentors, the trend), drawn from the figures the view shows
and no others: a mentor below k is in no chart, as in no table."""

from __future__ import annotations

import re

from recognition.clock import utcnow
from tests.feedback.test_pages import answer_extra, asked, period, released  # noqa: F401 (fixtures)


def test_the_division_view_draws_the_report_charts_from_what_it_shows(client, dept, login, feedback_kit, released):  # noqa: F811
    feedback_kit.answer(released["other"], 2, now=utcnow())  # one answer from a NEPH mentee: below k
    login(client, "admin")
    body = client.get("/admin/feedback").get_data(as_text=True)
    items = len(re.findall(r'<tr><td class="num">\d+</td>', body))
    assert items > 3
    assert body.count('class="chart chart-distribution"') == items
    comparison = re.search(r'<svg [^>]*class="chart chart-comparison"[^>]*aria-label="([^"]*)"', body).group(1)
    overall = re.search(r'<span class="score-value">([0-9.]+)</span>', body).group(1)
    assert f"Department (pooled): {overall}" in comparison
    assert "Mentor Person: " in comparison
    assert "Other Mentor Person" not in comparison and "Other Mentor Person" not in body
    assert "A trend appears once more than one recent period has released feedback." in body

    login(client, "director")
    own = client.get("/admin/feedback").get_data(as_text=True)
    assert "Cardiology (pooled)" in own and "Other Mentor Person" not in own
