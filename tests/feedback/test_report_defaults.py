"""Opened without a period, the report and the division view land on the newest period
that has something to show, not on an empty current period."""

from __future__ import annotations

from datetime import datetime, timedelta

from recognition.clock import today
from recognition.feedback import periods, service


def last_period_answered_by_three(app, feedback_kit) -> str:
    with app.app_context():
        kind = service.period_kind()
        last = periods.previous(periods.period_of(today(), kind), kind)
        _, end = periods.bounds(last, kind)
    when = datetime.combine(end - timedelta(days=10), datetime.min.time())
    mentees = feedback_kit.mentees(3)
    feedback_kit.ask(last, when)
    for mentee in mentees:
        feedback_kit.answer(feedback_kit.request_id(feedback_kit.dept.ids["mentor"], mentee, last), now=when)
    return last


def test_the_report_opens_on_the_newest_period_with_feedback(app, client, dept, login, feedback_kit):
    last = last_period_answered_by_three(app, feedback_kit)
    login(client, "mentor")
    page = client.get("/feedback/report").get_data(as_text=True)
    assert f'<option selected value="{last}">' in page
    assert f"Overall, {last}" in page


def test_the_division_view_opens_on_the_newest_period_with_feedback(app, client, dept, login, feedback_kit):
    last = last_period_answered_by_three(app, feedback_kit)
    login(client, "director")
    page = client.get("/admin/feedback").get_data(as_text=True)
    assert f'<option selected value="{last}">' in page
    assert "Mentor Person" in page


def test_with_nothing_released_the_current_period_is_shown(app, client, dept, login):
    login(client, "mentor")
    page = client.get("/feedback/report").get_data(as_text=True)
    with app.app_context():
        current = service.current_period(today())
    assert f'<option selected value="{current}">' in page
