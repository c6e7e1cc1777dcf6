"""/mentorships/<id>: the ledger history in chain order, reversing an entry with a reason,
and ending the mentorship (admins and the mentee's division director)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import render_template_string

from recognition.auth.service import load_actor
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.forms import ReverseForm
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship

from .test_mentoring_pages import confirm_as, reverse_as, statements_for


def history(client, dept) -> str:
    response = client.get(f"/mentorships/{dept.mentorship_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_history_lists_every_entry_in_chain_order_with_confirmations_and_reversals(app, client, dept, login, record):
    first = record("mentor", note="Set goals", minutes=40)
    second = record("mentor", note="Logged twice")
    with app.app_context():
        confirmation = ledger.confirm(db.session.get(LedgerEntry, first), load_actor(dept.ids["mentee"]), utcnow()).id
        reversal = ledger.reverse(
            db.session.get(LedgerEntry, second), "Same meeting as #1", load_actor(dept.ids["mentor"]), utcnow()
        ).id
        db.session.commit()

    body = history(login(client, "mentee"), dept)

    order = [int(i) for i in re.findall(r'<li id="entry-(\d+)"', body)]
    assert order == [first, second, confirmation, reversal]
    assert "Set goals" in body and "40 min" in body and "Logged by Mentor Person on" in body
    assert re.search(r"Confirmed by Mentee Person on \d{4}-\d\d-\d\d \d\d:\d\d UTC", body)
    assert f'<li id="entry-{second}" class="entry entry-contribution reversed">' in body
    assert f'Reversed by <a href="#entry-{reversal}">#4</a>: Same meeting as #1' in body
    assert f'Reversal of <a href="#entry-{second}">#2</a>' in body
    assert "Reason: Same meeting as #1" in body
    assert f'Confirmation of <a href="#entry-{first}">#1</a>' in body


def test_the_two_people_and_an_admin_are_offered_a_reverse_form(client, dept, login, record):
    """The mentor reverses what the mentee wrote about them; the mentee disputes what the
    mentor logged; a director who is neither does not."""
    by_mentor, by_mentee = record("mentor"), record("mentee")
    forms = lambda body: {e for e in (by_mentor, by_mentee) if f'action="/contributions/{e}/reversal"' in body}  # noqa: E731
    assert forms(history(login(client, "mentor"), dept)) == {by_mentor, by_mentee}
    client.post("/logout")
    assert forms(history(login(client, "mentee"), dept)) == {by_mentor, by_mentee}
    client.post("/logout")
    assert forms(history(login(client, "admin"), dept)) == {by_mentor, by_mentee}
    client.post("/logout")
    assert forms(history(login(client, "director"), dept)) == set()


def test_reversing_with_a_reason_appends_a_reversal(app, client, dept, login, record, ledger_rows):
    entry_id = record("mentor")
    login(client, "mentor")
    before = ledger_rows()
    response = client.post(f"/contributions/{entry_id}/reversal", data={f"reverse-{entry_id}-reason": "Wrong date"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/mentorships/{dept.mentorship_id}"
    assert ledger_rows() == before + 1
    with app.app_context():
        reversal = ledger.reversal_of(entry_id)
        assert (reversal.reason, reversal.recorded_by_id) == ("Wrong date", dept.ids["mentor"])
    body = history(client, dept)
    assert f'<li id="entry-{entry_id}" class="entry entry-contribution reversed">' in body
    assert f'action="/contributions/{entry_id}/reversal"' not in body  # nothing left to reverse


@pytest.mark.parametrize("reason", ["", "   "])
def test_reversing_without_a_reason_is_refused_and_changes_nothing(client, dept, login, record, ledger_rows, reason):
    entry_id = record("mentor")
    login(client, "mentor")
    before = ledger_rows()
    response = client.post(f"/contributions/{entry_id}/reversal", data={f"reverse-{entry_id}-reason": reason})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert (
        f'<span class="error" id="reverse-{entry_id}-reason-error">Why reverse #1?: must not be blank: say why</span>'
        in body
    )
    assert '<details class="reverse" open>' in body  # the refused form is shown open
    assert ledger_rows() == before


def test_reversing_someone_elses_entry_is_refused(client, dept, login, record, ledger_rows):
    entry_id = record("mentor")
    login(client, "director")  # sees the division's entries, but is neither of the two
    before = ledger_rows()
    response = client.post(f"/contributions/{entry_id}/reversal", data={f"reverse-{entry_id}-reason": "not mine"})
    assert response.status_code == 403
    assert "Only the person the entry is about, whoever recorded it" in response.get_data(as_text=True)
    assert ledger_rows() == before


def test_reversing_twice_is_refused(client, dept, login, record, ledger_rows):
    entry_id = record("mentor")
    login(client, "admin")
    data = {f"reverse-{entry_id}-reason": "duplicate"}
    assert client.post(f"/contributions/{entry_id}/reversal", data=data).status_code == 302
    before = ledger_rows()
    response = client.post(f"/contributions/{entry_id}/reversal", data=data)
    assert response.status_code == 409
    assert f"Entry {entry_id} is already reversed." in response.get_data(as_text=True)
    assert ledger_rows() == before


def test_managers_see_start_and_end_and_an_end_form(client, dept, login):
    body = history(login(client, "director"), dept)
    assert '<h2 id="admin">Start and end</h2>' in body
    assert "<dt>Started</dt><dd>2024-01-01" in body and "still active" in body
    assert f'action="/mentorships/{dept.mentorship_id}/end"' in body
    client.post("/logout")
    body = history(login(client, "mentor"), dept)
    assert "Start and end" not in body and "/end" not in body
    assert 'To log a meeting, use <a href="/mentoring">your mentoring page</a>' in body


def test_ending_a_mentorship_keeps_it_with_its_end(app, client, dept, login):
    login(client, "admin")
    yesterday = (today() - timedelta(days=1)).isoformat()
    response = client.post(
        f"/mentorships/{dept.mentorship_id}/end", data={"ended_on": yesterday, "reason": "Mentee left"}
    )
    assert response.status_code == 302
    with app.app_context():
        mentorship = db.session.get(Mentorship, dept.mentorship_id)
        assert (mentorship.ended_on.isoformat(), mentorship.end_reason) == (yesterday, "Mentee left")
    body = history(client, dept)
    assert f"<dt>Ended</dt><dd>{yesterday}: Mentee left</dd>" in body
    assert "End this mentorship" not in body


@pytest.mark.parametrize(
    ("ended_on", "message"),
    [
        ("2023-12-31", "End date: must not be before the mentorship started"),
        ((today() + timedelta(days=3)).isoformat(), "End date: must not be in the future"),
        ("", "End date: is required"),
        ("31/12/2025", "End date: must be a date written as YYYY-MM-DD"),
    ],
)
def test_a_bad_end_date_is_refused_and_changes_nothing(app, client, dept, login, ended_on, message):
    login(client, "director")
    response = client.post(f"/mentorships/{dept.mentorship_id}/end", data={"ended_on": ended_on})
    assert response.status_code == 422
    assert f'<span class="error" id="ended_on-error">{message}</span>' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Mentorship, dept.mentorship_id).ended_on is None


@pytest.mark.parametrize(
    ("role", "status"), [("mentor", 403), ("mentee", 403), ("other_director", 404), ("outsider", 404)]
)
def test_only_managers_may_end_a_mentorship(app, client, dept, login, role, status):
    login(client, role)
    response = client.post(f"/mentorships/{dept.mentorship_id}/end", data={"ended_on": today().isoformat()})
    assert response.status_code == status
    with app.app_context():
        assert db.session.get(Mentorship, dept.mentorship_id).ended_on is None


def test_a_blank_reverse_form_is_the_markup_of_the_reverse_form(app, client, dept, login, record):
    """The history page writes each blank reverse form as plain markup: it must be exactly
    what the form class draws, so a change to the form shows here."""
    entry = record("mentor")
    body = history(login(client, "mentor"), dept)
    with app.test_request_context("/"):
        form = ReverseForm.for_entry(entry, formdata=None)
        form.reason.label.text = "Why reverse #1?"
        drawn = render_template_string(
            '{% from "_forms.html" import field %}{{ rf.csrf_token }}\n          '
            '{{ field(rf.reason, hint="Only if the entry is wrong. It stays in the history, struck through, '
            'with your reason.") }}',
            rf=form,
        )
    assert drawn.strip() in body


def test_the_history_costs_the_same_statements_however_many_entries(app, client, dept, login, record):
    """No statement per entry or per follower: one read of the mentorship's history."""
    record("mentor")
    login(client, "mentee")
    path = f"/mentorships/{dept.mentorship_id}"
    first = statements_for(app, client, path)
    for _ in range(3):
        confirm_as(app, dept, "mentee", record("mentor"))
        reverse_as(app, dept, "mentor", record("mentee"))
    disputed = record("mentor")
    with app.app_context():
        ledger.dispute(db.session.get(LedgerEntry, disputed), "not that day", load_actor(dept.ids["mentee"]), utcnow())
        db.session.commit()
    body = history(client, dept)
    assert "badge-reversed" in body and "badge-confirmed" in body and "not that day" in body
    assert statements_for(app, client, path) == first


def test_a_blank_reverse_form_carries_the_pages_csrf_token(app, client, dept, login, record):
    entry = record("mentor")
    login(client, "mentor")
    app.config["WTF_CSRF_ENABLED"] = True  # signed in without it; a GET needs no token
    body = history(client, dept)
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    assert (
        f'<input id="reverse-{entry}-csrf_token" name="reverse-{entry}-csrf_token" type="hidden" value="{token}">'
        in body
    )
