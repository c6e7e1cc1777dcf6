"""The reflection form beside the mentor's own report: its charts and comments shown
exactly as the report shows them to the mentor, and the steps drafted from its numbers
(never from the comments)."""

from __future__ import annotations

import html
import re

from recognition.clock import utcnow
from recognition.feedback import service
from tests.feedback.conftest import every_item
from tests.feedback.test_pages import STRENGTH, asked, period, release_id_of

__all__ = ["asked"]  # the fixture, shared with the report pages' tests

CHALLENGES = "My mentor challenged me to reach beyond what I thought I could do."


def answer_with_a_low_item(feedback_kit, request_ids) -> None:
    """Every item 5 but "challenges" 3 (and 2 for the last mentee): the lowest mean, 2.67."""
    with feedback_kit.app.app_context():
        used = service.instrument("mentor-effectiveness", 1)
    for n, request_id in enumerate(request_ids):
        answers = {**every_item(used, 5), "challenges": 3 if n < 2 else 2}
        feedback_kit.answer(request_id, answers=answers, comments={"strengths": STRENGTH}, now=utcnow())


def field_text(body: str, name: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', body, re.DOTALL)
    assert found, name
    return html.unescape(found.group(1)).strip()


def test_the_form_shows_the_report_beside_the_steps_and_drafts_them(app, client, dept, login, feedback_kit, asked):
    answer_with_a_low_item(feedback_kit, asked["extra"])
    login(client, "mentor")
    release = release_id_of(app, dept)
    body = client.get(f"/reflections/new?release_id={release}&period={period()}").get_data(as_text=True)

    beside = body.split('<aside class="report-beside"')[1].split("</aside>")[0]
    assert f"Your feedback, {period()}" in beside
    assert beside.count('role="img"') >= 12 + 1  # a bar per item and the comparison chart
    assert "4.81" in beside  # overall: (11 x 5 x 3 + 3 + 3 + 2) / 36
    assert STRENGTH in beside  # the mentor's own comments, as on their report
    assert f"Reflection on feedback received: feedback report ({period()})" in body

    assert field_text(body, "area").startswith(f"“{CHALLENGES}”: the statement my mentees rated lowest (2.67")
    assert CHALLENGES in field_text(body, "question")
    comparison = field_text(body, "comparison")
    assert "My overall score for" in comparison and "4.81" in comparison and "from 3 responses" in comparison
    assert STRENGTH not in body.split("<aside")[0]  # comments are never copied into the draft
    assert field_text(body, "next_steps")
    assert field_text(body, "standards") == "" and field_text(body, "discussion") == ""


def test_a_period_with_nothing_released_shows_no_report_and_drafts_nothing(
    app, client, dept, login, feedback_kit, asked
):
    answer_with_a_low_item(feedback_kit, asked["extra"])
    login(client, "mentor")
    release = release_id_of(app, dept)
    earlier = str(int(period()) - 1)
    body = client.get(f"/reflections/new?release_id={release}&period={earlier}").get_data(as_text=True)
    assert "report-beside" not in body and STRENGTH not in body
    assert field_text(body, "area") == ""


def test_when_every_statement_scores_the_same_no_area_is_drafted(app, client, dept, login, feedback_kit, asked):
    for request_id in asked["extra"]:
        feedback_kit.answer(request_id, 5, now=utcnow())
    login(client, "mentor")
    release = release_id_of(app, dept)
    body = client.get(f"/reflections/new?release_id={release}&period={period()}").get_data(as_text=True)
    assert "report-beside" in body
    assert field_text(body, "area") == "" and field_text(body, "next_steps") == ""
    assert field_text(body, "comparison").endswith("Every statement has the same mean, 5.00.")


def test_others_never_get_the_report_beside_a_form(app, client, dept, login, feedback_kit, asked):
    answer_with_a_low_item(feedback_kit, asked["extra"])
    release = release_id_of(app, dept)
    login(client, "other_mentor")
    response = client.get(f"/reflections/new?release_id={release}&period={period()}")
    assert response.status_code == 404
    assert STRENGTH not in response.get_data(as_text=True)
