"""``recognition feedback request | remind | instruments``: what they store, send and print."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.feedback.models import Request


def current() -> str:
    return str(today().year)


def requests(app) -> list[Request]:
    with app.app_context():
        rows = db.session.scalars(select(Request).order_by(Request.id)).all()
        db.session.expunge_all()
        return rows


def test_request_creates_and_mails_the_current_periods_requests(runner, app, dept, instance_path):
    result = runner.invoke(args=["feedback", "request"])

    assert result.exit_code == 0, result.output
    outbox = instance_path / "outbox"
    assert result.stdout.strip() == f"{current()}: created 2 requests, sent 2 ({outbox})."
    assert "Sending requests" in result.stderr  # the progress bar
    assert len(list(outbox.glob("*.eml"))) == 2
    rows = requests(app)
    assert {(r.period, r.mentee_id) for r in rows} == {
        (current(), dept.ids["mentee"]),
        (current(), dept.ids["other_mentee"]),
    }
    assert all(r.sent_at is not None for r in rows)

    again = runner.invoke(args=["feedback", "request", "--period", current()])
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == f"{current()}: created 0 requests, sent 0 (nothing to send)."
    assert len(requests(app)) == 2


def test_request_for_a_named_past_period(runner, app, dept):
    past = str(today().year - 1)
    result = runner.invoke(args=["feedback", "request", "--period", past])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{past}: created 2 requests, sent 2")
    assert {r.period for r in requests(app)} == {past}


def test_request_goes_through_smtp_when_configured(runner, app, dept, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            self.host = host

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, message):
            sent.append(message["To"])

    monkeypatch.setattr("recognition.mail.smtplib.SMTP", FakeSMTP)
    app.config["MAIL_SERVER"] = "smtp.test.example.org"

    result = runner.invoke(args=["feedback", "request"])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{current()}: created 2 requests, sent 2 (SMTP smtp.test.example.org)."
    assert sorted(sent) == sorted([dept.email("mentee"), dept.email("other_mentee")])


def test_a_wrong_period_is_refused_and_nothing_is_stored(runner, app, dept, instance_path):
    year = today().year
    for period, rule in (
        (f"{year}-{(year + 1) % 100:02d}", "must be a calendar period like 2025"),
        (str(year + 1), "must have started"),
    ):
        result = runner.invoke(args=["feedback", "request", "--period", period])
        assert result.exit_code == 1
        assert f"period {rule}" in result.stderr
        result = runner.invoke(args=["feedback", "remind", "--period", "soon"])
        assert result.exit_code == 1 and "period must be a calendar period" in result.stderr
    assert requests(app) == []
    assert not (instance_path / "outbox").exists()


def test_remind_reaches_only_those_due(runner, app, dept, instance_path):
    assert runner.invoke(args=["feedback", "request"]).exit_code == 0
    result = runner.invoke(args=["feedback", "remind"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{current()}: reminded 0 mentees."  # sent just now: not due yet

    with app.app_context():
        db.session.execute(update(Request).values(sent_at=utcnow() - timedelta(days=20)))
        db.session.commit()
    result = runner.invoke(args=["feedback", "remind"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{current()}: reminded 2 mentees ({instance_path / 'outbox'})."
    assert len(list((instance_path / "outbox").glob("*.eml"))) == 4
    assert [r.reminders for r in requests(app)] == [1, 1]

    assert runner.invoke(args=["feedback", "remind"]).stdout.strip() == f"{current()}: reminded 0 mentees."
    with app.app_context():
        assert db.session.scalar(select(func.sum(Request.reminders))) == 2


def test_instruments_lists_every_version(runner, app):
    result = runner.invoke(args=["feedback", "instruments"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Key", "Version", "Items", "Title"]
    assert lines[1].split() == ["*", "mentor-effectiveness", "1", "12", "Mentor", "effectiveness"]
    assert lines[2].split() == ["mentoring-competency", "1", "6", "Mentoring", "competencies"]
