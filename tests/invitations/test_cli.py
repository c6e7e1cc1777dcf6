"""``recognition people invite`` and ``people set-password`` under the password rules."""

from __future__ import annotations

from sqlalchemy import select

from recognition.auth.invitations.models import Invitation
from recognition.extensions import db


def invitations(app) -> list[tuple[int, int | None]]:
    with app.app_context():
        return [(row.person_id, row.invited_by_id) for row in db.session.scalars(select(Invitation))]


def test_all_invites_everyone_without_an_account_once(runner, app, dept, newcomer, mail):
    first = newcomer(email="first@test.example.org", name="First Newcomer")
    second = newcomer(division="NEPH", email="second@test.example.org", name="Second Newcomer")

    result = runner.invoke(args=["people", "invite", "--all"])
    assert result.exit_code == 0, result.output
    assert "Inviting" in result.stderr  # the progress bar
    assert "Invited 2 people without an account." in result.stdout
    assert sorted(invitations(app)) == [(first, None), (second, None)]
    assert sorted(recipient for recipient, _, _ in mail()) == ["first@test.example.org", "second@test.example.org"]
    assert all("The administrator invited you" in body for _, _, body in mail())

    again = runner.invoke(args=["people", "invite", "--all"])
    assert again.exit_code == 0, again.output
    assert "Invited 0 people" in again.stdout  # their invitations still work
    assert len(mail()) == 2


def test_email_invites_one_person(runner, app, newcomer, mail):
    person_id = newcomer()
    result = runner.invoke(args=["people", "invite", "--email", "NADIA@test.example.org"])
    assert result.exit_code == 0, result.output
    assert "Invited Nadia Newcomer <nadia@test.example.org>" in result.stdout
    assert invitations(app) == [(person_id, None)]
    assert len(mail()) == 1


def test_someone_with_an_account_or_no_one_is_refused(runner, dept, mail):
    result = runner.invoke(args=["people", "invite", "--email", dept.email("mentor")])
    assert result.exit_code == 1
    assert "already has an account" in result.output
    result = runner.invoke(args=["people", "invite", "--email", "nobody@test.example.org"])
    assert result.exit_code == 1 and "No person with email nobody@test.example.org" in result.output
    assert mail() == []


def test_one_of_all_or_email_is_needed(runner, dept):
    for args in ([], ["--all", "--email", dept.email("mentor")]):
        result = runner.invoke(args=["people", "invite", *args])
        assert result.exit_code == 2
        assert "Give either --email EMAIL (one person) or --all" in result.output


def test_set_password_follows_the_rules(runner, dept):
    result = runner.invoke(args=["people", "set-password", dept.email("mentor")], input="password123\npassword123\n")
    assert result.exit_code == 1
    assert "Password: must be at least 12 characters." in result.output
    result = runner.invoke(
        args=["people", "set-password", dept.email("mentor")], input="ilovemyfamily\nilovemyfamily\n"
    )
    assert result.exit_code == 1 and "common or breached" in result.output
    result = runner.invoke(
        args=["people", "set-password", dept.email("mentor")],
        input="a quiet harbour at dawn\na quiet harbour at dawn\n",
    )
    assert result.exit_code == 0, result.output


def test_set_password_ends_the_persons_browser_sessions(runner, app, login, dept):
    browser = login(app.test_client(), "mentor")
    assert browser.get("/mentoring").status_code == 200
    result = runner.invoke(
        args=["people", "set-password", dept.email("mentor")],
        input="a quiet harbour at dawn\na quiet harbour at dawn\n",
    )
    assert result.exit_code == 0, result.output
    assert "1 browser session(s) signed in as them ended." in result.output
    assert browser.get("/mentoring").status_code == 302
