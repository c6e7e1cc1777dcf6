"""``recognition people disable`` and ``enable``: the operator's way, in the same history."""

from __future__ import annotations

from sqlalchemy import select

from recognition.auth.accounts.models import AccountEvent
from recognition.auth.models import Account
from recognition.extensions import db
from tests.api.error_shape import assert_error

from .support import bearer, signed_in


def test_the_operator_disables_and_enables_an_account(app, client, dept, runner):
    browser, thief = signed_in(app, dept, "mentor")
    token = dept.token(client, "mentor")
    result = runner.invoke(args=["people", "disable", "MENTOR@test.example.org", "--reason", "Left the department"])
    assert result.exit_code == 0, result.output
    assert "1 browser session(s) ended, 1 API token(s) revoked" in result.output
    assert thief.get("/mentoring").status_code == 302 and browser.get("/mentoring").status_code == 302
    assert_error(client.get("/api/v1/auth/me", headers=bearer(token)), 401)

    result = runner.invoke(args=["people", "enable", dept.email("mentor"), "--reason", "Rehired"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Account, dept.ids["mentor"]).disabled is False
        events = db.session.execute(select(AccountEvent.action, AccountEvent.reason, AccountEvent.actor_id)).all()
    assert [tuple(e) for e in events] == [("disabled", "Left the department", None), ("enabled", "Rehired", None)]
    assert thief.get("/mentoring").status_code == 302  # nothing comes back


def test_the_history_on_the_page_names_the_command_line(app, dept, runner, login):
    runner.invoke(args=["people", "disable", dept.email("mentor"), "--reason", "Asked by HR"])
    page = login(app.test_client(), "admin").get(f"/people/{dept.ids['mentor']}").get_data(as_text=True)
    assert "command line" in page and "Asked by HR" in page


def test_the_last_enabled_administrator_cannot_be_disabled(app, dept, runner):
    result = runner.invoke(args=["people", "disable", dept.email("admin"), "--reason", "Testing"])
    assert result.exit_code == 1
    assert "last administrator whose account is enabled" in result.output
    with app.app_context():
        assert db.session.get(Account, dept.ids["admin"]).disabled is False
        assert db.session.scalars(select(AccountEvent)).all() == []


def test_the_commands_say_what_is_wrong(app, dept, runner):
    cases = [
        (["people", "disable", "nobody@test.example.org", "--reason", "x"], "No person with email nobody@"),
        (["people", "disable", dept.email("mentor")], "Missing option '--reason'"),
        (["people", "disable", dept.email("mentor"), "--reason", "  "], "Say why"),
        (["people", "enable", dept.email("mentor"), "--reason", "x"], "already enabled"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
