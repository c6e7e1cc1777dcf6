"""The mentor's page (/mentoring) and the mentee's page (/mentee): counts against the
expectation, logging a meeting, and confirming the counterpart's entries."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import render_template_string, request
from markupsafe import escape
from sqlalchemy import event, select
from wtforms import SelectChoice

from recognition.auth.service import load_actor
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.mentorships import desk
from recognition.mentorships import service as mentorships
from recognition.mentorships.forms import LogWorkForm
from recognition.people.models import Division, Person

from .conftest import first_of_year


def meeting_form(dept, **overrides) -> dict:
    return {
        "mentorship_id": str(dept.mentorship_id),
        "kind": "meeting",
        "occurred_on": today().isoformat(),
        "minutes": "50",
        "note": "Reviewed the grant draft",
        **overrides,
    }


def confirm_as(app, dept, role: str, entry_id: int) -> None:
    with app.app_context():
        ledger.confirm(db.session.get(LedgerEntry, entry_id), load_actor(dept.ids[role]), utcnow())
        db.session.commit()


def reverse_as(app, dept, role: str, entry_id: int, reason: str = "logged twice") -> None:
    with app.app_context():
        ledger.reverse(db.session.get(LedgerEntry, entry_id), reason, load_actor(dept.ids[role]), utcnow())
        db.session.commit()


def test_mentor_page_counts_this_years_meetings_against_the_expectation(app, client, dept, login, record):
    kept = [record("mentor", occurred_on=first_of_year()) for _ in range(3)]
    confirm_as(app, dept, "mentee", kept[0])
    reverse_as(app, dept, "mentor", record("mentor"))  # a reversed meeting does not count
    record("mentor", occurred_on=first_of_year() - timedelta(days=1))  # nor does last year's

    body = login(client, "mentor").get("/mentoring").get_data(as_text=True)

    assert "<h1>My mentoring</h1>" in body
    assert f'<a href="/mentorships/{dept.mentorship_id}">Mentee Person</a>' in body
    assert "<td>Cardiology</td>" in body and "<td>Formal</td>" in body and "<td>2024-01-01</td>" in body
    assert f"<td>{first_of_year().isoformat()}</td>" in body  # last meeting: the reversed one is ignored
    assert '<td class="num">3</td>' in body
    assert '<span class="status status-met">met</span>' in body
    assert '<td class="num">1 of 3</td>' in body  # confirmed


@pytest.mark.parametrize(
    ("meetings", "minimum", "maximum", "word"),
    [
        (0, 3, 4, "below"),
        (2, 3, 4, "below"),
        (3, 3, 4, "met"),
        (4, 3, 4, "met"),
        (5, 3, 4, "above"),
        (1, 1, 1, "met"),
        (2, 1, 1, "above"),
    ],
)
def test_status_word_follows_the_configured_expectation(
    app, client, dept, login, record, meetings, minimum, maximum, word
):
    app.config.update(MEETINGS_PER_YEAR_MIN=minimum, MEETINGS_PER_YEAR_MAX=maximum)
    for _ in range(meetings):
        record("mentor")
    body = login(client, "mentor").get("/mentoring").get_data(as_text=True)
    assert f'<span class="status status-{word}">{word}</span> <span class="muted">({minimum}–{maximum})</span>' in body


def test_no_expectation_is_claimed_for_an_informal_mentorship(app, client, dept, login):
    with app.app_context():
        dept.pair("mentor", "outsider", kind="informal")
        db.session.commit()
    body = login(client, "mentor").get("/mentoring").get_data(as_text=True)
    assert body.count("none for this kind") == 1
    assert body.count('class="status status-') == 1  # only the formal mentee has a status word


def test_logging_a_meeting_appends_one_entry(app, client, dept, login, ledger_rows):
    login(client, "mentor")
    before = ledger_rows()
    response = client.post("/mentoring", data=meeting_form(dept))
    assert response.status_code == 302
    assert response.headers["Location"] == "/mentoring"
    assert ledger_rows() == before + 1
    with app.app_context():
        entry = db.session.scalar(select(LedgerEntry).order_by(LedgerEntry.seq.desc()))
        assert (entry.kind, entry.minutes, entry.note, entry.occurred_on) == (
            "meeting",
            50,
            "Reviewed the grant draft",
            today(),
        )
        assert entry.recorded_by_id == entry.person_id == dept.ids["mentor"]
        assert entry.mentorship_id == dept.mentorship_id

    page = client.get("/mentoring").get_data(as_text=True)
    assert "Logged: meeting on" in page and "Mentee Person is emailed a link to confirm it." in page
    assert '<span class="badge badge-waiting">awaiting confirmation</span>' in page


def test_log_form_defaults_to_a_meeting_today(client, dept, login):
    body = login(client, "mentor").get("/mentoring").get_data(as_text=True)
    assert '<option selected value="meeting">Meeting</option>' in body
    assert f'name="occurred_on" required type="date" value="{today().isoformat()}"' in body
    for kind in ("Academic-plan review", "Peer-group session", "Sponsorship action"):
        assert f">{kind}</option>" in body
    assert '<label for="mentorship_id">Mentee</label>' in body


@pytest.mark.parametrize(
    ("role", "path", "label"), [("mentor", "/mentoring", "Mentee"), ("mentee", "/mentee", "Mentor")]
)
def test_the_blank_log_form_is_the_markup_of_the_log_form(app, client, dept, login, role, path, label):
    """A visit writes the blank log form as plain markup: it must be exactly what the form
    class draws through the field macros (as a refused submission is drawn), CSRF token
    included, so a change to the form shows here."""
    login(client, role)
    app.config["WTF_CSRF_ENABLED"] = True  # signed in without it; a GET needs no token
    body = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
    shown = re.search(r'<section aria-labelledby="log">.*?</section>', body, re.DOTALL).group(0)
    with app.test_request_context(path):
        form = LogWorkForm(formdata=None)
        form.mentorship_id.label.text = label
        form.mentorship_id.choices = [SelectChoice(dept.mentorship_id, f"{label} Person (formal)")]
        drawn = render_template_string(
            '{% from "mentorships/_entries.html" import log_form %}{{ log_form(form, endpoint, [1]) }}',
            form=form,
            endpoint=request.endpoint,
        )
        drawn = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+"', rf'\g<1>{token}"', drawn)
    assert f'<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">' in shown
    assert drawn.strip() == shown


REFUSALS = [
    ({"minutes": "-5"}, "minutes", "Minutes: must be between 0 and 1440"),
    ({"minutes": "0"}, "minutes", "Minutes: must be more than 0 for this kind"),
    ({"minutes": "an hour"}, "minutes", "Minutes: must be a whole number"),
    ({"occurred_on": (today() + timedelta(days=2)).isoformat()}, "occurred_on", "Date: must not be in the future"),
    ({"occurred_on": "2023-12-31"}, "occurred_on", "Date: must not be before the mentorship started (2024-01-01)"),
    ({"occurred_on": ""}, "occurred_on", "Date: is required"),
    ({"kind": "mentor_training"}, "kind", "Kind: Not a valid choice."),
    ({"note": "x" * 4001}, "note", "Note (optional): must be at most 4000 characters"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), REFUSALS, ids=[r[2] for r in REFUSALS])
def test_bad_meeting_is_refused_naming_the_field_and_changes_nothing(
    client, dept, login, ledger_rows, overrides, field, message
):
    login(client, "mentor")
    before = ledger_rows()
    response = client.post("/mentoring", data=meeting_form(dept, **overrides))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'<span class="error" id="{field}-error">{message}</span>' in body
    assert f'aria-describedby="{field}-error"' in body and 'aria-invalid="true"' in body
    assert "The meeting was not logged" in body
    assert ledger_rows() == before


def test_a_mentorship_of_someone_else_is_not_offered_nor_accepted(client, dept, login, ledger_rows):
    login(client, "mentor")
    before = ledger_rows()
    response = client.post("/mentoring", data=meeting_form(dept, mentorship_id=str(dept.other_mentorship_id)))
    assert response.status_code == 422
    assert "Mentee: Not a valid choice." in response.get_data(as_text=True)
    assert ledger_rows() == before


def test_mentee_confirms_a_meeting_the_mentor_logged(app, client, dept, login, record, ledger_rows):
    entry_id = record("mentor", note="Career plan")
    login(client, "mentee")
    page = client.get("/mentee").get_data(as_text=True)
    assert "<h1>My mentors</h1>" in page
    assert "Meeting with <strong>Mentor Person</strong>" in page and "Career plan" in page
    assert f'action="/contributions/{entry_id}/confirmation"' in page

    before = ledger_rows()
    response = client.post(f"/contributions/{entry_id}/confirmation", data={"next": "/mentee"})
    assert response.status_code == 302 and response.headers["Location"] == "/mentee"
    assert ledger_rows() == before + 1
    with app.app_context():
        confirmation = ledger.confirmation_of(entry_id)
        assert confirmation.recorded_by_id == dept.ids["mentee"]

    page = client.get("/mentee").get_data(as_text=True)
    assert "Confirmed: meeting on" in page
    assert f'action="/contributions/{entry_id}/confirmation"' not in page
    assert "Nothing to confirm. You are up to date." in page


def test_mentee_sees_only_unsettled_entries_the_mentor_recorded(app, client, dept, login, record):
    waiting = record("mentor")
    reversed_ = record("mentor")
    reverse_as(app, dept, "mentor", reversed_)
    confirmed = record("mentor")
    confirm_as(app, dept, "mentee", confirmed)
    own = record("mentee")
    training = record("mentor", kind="mentor_training", mentorship_id=None)

    page = login(client, "mentee").get("/mentee").get_data(as_text=True)
    offered = {
        e for e in (waiting, reversed_, confirmed, own, training) if f'action="/contributions/{e}/confirmation"' in page
    }
    assert offered == {waiting}
    assert "Logged by you, waiting for your mentor to confirm" in page


def test_mentee_logs_a_meeting_and_the_mentor_confirms_it(app, client, dept, login, ledger_rows):
    login(client, "mentee")
    page = client.get("/mentee").get_data(as_text=True)
    assert '<label for="mentorship_id">Mentor</label>' in page
    response = client.post("/mentee", data=meeting_form(dept, note="Asked about promotion"))
    assert response.status_code == 302 and response.headers["Location"] == "/mentee"
    with app.app_context():
        entry = db.session.scalar(select(LedgerEntry).order_by(LedgerEntry.seq.desc()))
        assert entry.recorded_by_id == dept.ids["mentee"] and entry.person_id == dept.ids["mentor"]
    client.post("/logout")

    login(client, "mentor")
    page = client.get("/mentoring").get_data(as_text=True)
    assert "Logged by your mentees, awaiting your confirmation" in page
    assert f'action="/contributions/{entry.id}/confirmation"' in page
    before = ledger_rows()
    assert client.post(f"/contributions/{entry.id}/confirmation", data={"next": "/mentoring"}).status_code == 302
    assert ledger_rows() == before + 1
    page = client.get("/mentoring").get_data(as_text=True)
    assert '<span class="badge badge-confirmed">confirmed</span>' in page
    assert '<td class="num">1 of 1</td>' in page


@pytest.mark.parametrize(
    ("recorder", "confirmer", "status"),
    [("mentee", "mentee", 403), ("mentor", "outsider", 404), ("mentor", "other_director", 404)],
)
def test_confirmation_is_refused_to_anyone_but_the_counterpart(
    client, dept, login, record, ledger_rows, recorder, confirmer, status
):
    entry_id = record(recorder)
    login(client, confirmer)
    before = ledger_rows()
    response = client.post(f"/contributions/{entry_id}/confirmation")
    assert response.status_code == status
    assert ledger_rows() == before


def test_confirming_twice_is_a_clear_no_op(client, dept, login, record, ledger_rows):
    entry_id = record("mentor")
    login(client, "mentee")
    assert client.post(f"/contributions/{entry_id}/confirmation").status_code == 302
    before = ledger_rows()
    response = client.post(f"/contributions/{entry_id}/confirmation", follow_redirects=True)
    assert response.status_code == 200
    assert f"Already confirmed: meeting on {today().isoformat()}, logged by Mentor Person. Nothing more to do." in (
        response.get_data(as_text=True)
    )
    assert ledger_rows() == before


def test_a_confirmation_never_redirects_off_site(client, dept, login, record):
    entry_id = record("mentor")
    login(client, "mentee")
    response = client.post(f"/contributions/{entry_id}/confirmation", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == f"/mentorships/{dept.mentorship_id}"


def test_ended_mentorships_move_to_the_past_section(app, client, dept, login):
    with app.app_context():
        mentorship = mentorships.get_mentorship(dept.mentorship_id, load_actor(dept.ids["admin"]))
        mentorships.end(mentorship, date(2025, 6, 30), "moved away", load_actor(dept.ids["admin"]), utcnow())
        db.session.commit()
    page = login(client, "mentor").get("/mentoring").get_data(as_text=True)
    assert '<h2 id="past">Past mentorships</h2>' in page
    assert "2024-01-01 to 2025-06-30" in page
    assert "You have no active mentees." in page
    assert '<h2 id="log">Log a meeting</h2>' not in page  # nothing active to log against


def statements_for(app, client, path: str) -> int:
    """How many SQL statements one request for ``path`` runs, but the one every transaction
    opens with (``recognition.database``: SQLite's ``BEGIN``, PostgreSQL's timeouts)."""
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement != "BEGIN" and not statement.startswith("SELECT set_config("):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return len(seen)


@pytest.mark.parametrize(("role", "path"), [("mentor", "/mentoring"), ("mentee", "/mentee")])
def test_the_own_pages_cost_the_same_statements_however_many_mentorships_and_entries(
    app, client, dept, login, record, role, path
):
    """No statement per mentorship, per entry or per follower: the page reads its lists
    from the person's history at once."""
    record("mentor")
    record("mentor", kind="mentor_training", mentorship_id=None)
    login(client, role)
    first = statements_for(app, client, path)
    assert first == 3  # the signed-in person, their mentorships, and their history

    with app.app_context():
        more = [
            dept.pair("mentor", "other_mentee"),
            dept.pair("mentor", "outsider"),
            dept.pair("other_mentor", "mentee"),
        ]
        db.session.commit()
    for mentorship_id, mentor, mentee in zip(
        more, ("mentor", "mentor", "other_mentor"), ("other_mentee", "outsider", "mentee"), strict=True
    ):
        confirm_as(app, dept, mentee, record(mentor, mentorship_id=mentorship_id))
        reverse_as(app, dept, mentor, record(mentor, mentorship_id=mentorship_id))
        record(mentee, mentorship_id=mentorship_id)
        disputed = record(mentor, mentorship_id=mentorship_id)
        with app.app_context():
            ledger.dispute(
                db.session.get(LedgerEntry, disputed), "not that day", load_actor(dept.ids[mentee]), utcnow()
            )
            db.session.commit()
    for _ in range(5):
        record("mentor")

    page = client.get(path).get_data(as_text=True)
    assert "disputed: not that day" in page and "badge-reversed" in page and "badge-confirmed" in page
    assert statements_for(app, client, path) == first


def test_long_lists_to_confirm_are_capped_and_say_where_the_rest_are(app, client, dept, login, record, monkeypatch):
    """The oldest entries are listed; the rest are counted by mentorship and linked to its
    history, where every one of them can be confirmed."""
    monkeypatch.setattr(desk, "LISTED", 2)
    logged = [record("mentor", note=f"Meeting {n}") for n in range(3)]
    for n in range(4):
        record("mentee", note=f"Own {n}")
    login(client, "mentee")
    page = client.get("/mentee").get_data(as_text=True)
    history = f'href="/mentorships/{dept.mentorship_id}"'
    assert [f"/contributions/{e}/confirmation" in page for e in logged] == [True, True, False]
    assert f"And 1 more, the most recent ones; every entry is on the mentorship's history:\n  <a {history}>" in page
    waiting = page.split('id="awaiting"', 1)[1].split("</section>", 1)[0]
    assert waiting.count("<li>") == 2
    assert f"And 2 more, the most recent ones; every entry is on the mentorship's history:\n  <a {history}>" in waiting
    mentorship_page = client.get(f"/mentorships/{dept.mentorship_id}").get_data(as_text=True)
    assert f"/contributions/{logged[2]}/confirmation" in mentorship_page


def test_a_long_history_is_read_from_this_year_and_the_recent_entries_on(app, client, dept, login, record):
    """Before January 1 (or the date of the twentieth most recent entry, if earlier) the
    page reads only what waits for a confirmation: what it shows stays the whole history's."""
    last_year = date(today().year - 1, 3, 1)
    waiting = record("mentor", occurred_on=date(2024, 2, 1), note="Still waiting")
    for n in range(desk.RECENT + 1):
        confirm_as(app, dept, "mentee", record("mentor", occurred_on=last_year + timedelta(days=n)))
    body = login(client, "mentor").get("/mentoring").get_data(as_text=True)
    newest = last_year + timedelta(days=desk.RECENT)
    assert f'<td>{newest.isoformat()}</td>\n        <td class="num">0</td>' in body  # last meeting; none this year
    recent = body.split('id="recent"', 1)[1].split("</section>", 1)[0]
    assert recent.count("<tr") == 1 + desk.RECENT  # the header and the twenty most recent
    assert f"<td>{newest.isoformat()}</td>" in recent and f"<td>{last_year.isoformat()}</td>" not in recent
    awaiting = body.split('id="awaiting"', 1)[1].split("</section>", 1)[0]
    assert awaiting.count("<li>") == 1 and "on 2024-02-01" in awaiting
    assert f'href="/contributions/{waiting}' not in awaiting  # listed, not confirmable by its recorder


def test_recent_entries_name_who_logged_them_when_a_third_person_did(app, client, dept, login, record):
    """An administrator's entry in the mentorship names them (read in one more statement,
    only then); the counterpart's entry names the counterpart, the person's own says "you"."""
    record("admin", minutes=25)
    record("mentee", minutes=35)
    record("mentor", minutes=45)
    login(client, "mentor")
    recent = client.get("/mentoring").get_data(as_text=True).split('id="recent"', 1)[1].split("</section>", 1)[0]
    cells = re.findall(r'<td class="num">(\d+)</td>\n        <td>([^<]+)</td>', recent)
    assert sorted(cells) == [("25", "Admin Person"), ("35", "Mentee Person"), ("45", "you")]
    assert statements_for(app, client, "/mentoring") == 4


HOSTILE = "Ada <script>alert(1)</script> \"Lovelace\" & 'co'"


def test_names_notes_and_reasons_are_escaped_on_the_own_pages(app, client, dept, login, record):
    """The lists drawn in Python (``mentorships.rows``) escape every value the template
    would: names, the division, a note, a dispute's reason, on the own pages and on the
    mentorship's history."""
    with app.app_context():
        for role in ("mentor", "mentee", "admin"):
            db.session.get(Person, dept.ids[role]).name = f"{HOSTILE} {role}"
        db.session.get(Division, dept.divisions["CARD"]).name = f"{HOSTILE} division"
        db.session.commit()
    record("mentor", note=HOSTILE)  # waits for the mentee: listed on both pages
    record("admin")  # a third person's entry names them
    disputed = record("mentee")
    with app.app_context():
        ledger.dispute(db.session.get(LedgerEntry, disputed), HOSTILE, load_actor(dept.ids["mentor"]), utcnow())
        db.session.commit()

    mentor_page = login(client, "mentor").get("/mentoring").get_data(as_text=True)
    mentee_page = login(client, "mentee").get("/mentee").get_data(as_text=True)

    for page in (mentor_page, mentee_page):
        assert "<script>" not in page and '"Lovelace"' not in page
    safe = str(escape(HOSTILE))
    recent = mentor_page.split('id="recent"', 1)[1].split("</section>", 1)[0]
    assert f'<a href="/mentorships/{dept.mentorship_id}">{safe} mentee</a>' in recent
    assert f"<td>{safe} admin</td>" in recent and f"<td>{safe} mentee</td>" in recent
    assert f'<span class="dispute-reason">disputed: {safe}</span>' in recent
    assert f"<td>{safe} division</td>" in mentor_page  # the mentee's division, in the mentees table
    awaiting = mentor_page.split('id="awaiting"', 1)[1].split("</section>", 1)[0]
    assert f"Meeting with {safe} mentee on " in awaiting
    to_confirm = mentee_page.split('id="to-confirm"', 1)[1].split("</section>", 1)[0]
    assert f"with <strong>{safe} mentor</strong>" in to_confirm and f"“{safe}”" in to_confirm

    history = client.get(f"/mentorships/{dept.mentorship_id}").get_data(as_text=True)  # the history page's entries
    assert "<script>" not in history and '"Lovelace"' not in history
    assert f" min · {safe}</p>" in history and f"Logged by {safe} admin on " in history
    assert f'<span class="dispute-reason">disputed: {safe}</span> ({safe} mentor, ' in history
    assert f'this did not happen as logged.</p>\n      <p class="entry-meta">Reason: {safe}</p>' in history


def pair(mentorship_id: int) -> desk.Pair:
    mentor = desk.Party(1, "Mentor", None, None, None)
    mentee = desk.Party(2, "Mentee", None, None, None)
    return desk.Pair(mentorship_id, 1, 2, "formal", date(2020, 1, 1), None, mentor, mentee)


@pytest.mark.parametrize(
    ("levels", "since"),
    [
        # One mentorship with twenty entries: from its twentieth most recent.
        ({1: (date(2026, 10, 1), date(2026, 6, 1), date(2025, 3, 1))}, date(2025, 3, 1)),
        # Two with ten each: from the earlier of their tenth most recent dates.
        (
            {1: (date(2026, 11, 1), date(2026, 9, 1), None), 2: (date(2026, 8, 1), date(2025, 5, 1), None)},
            date(2025, 5, 1),
        ),
        # Four with five each in this year: from January 1, for this year's meetings.
        ({n: (date(2026, 6, n), None, None) for n in range(1, 5)}, date(2026, 1, 1)),
        # Four with five each, one of them back to last year: from that one's fifth.
        (
            {1: (date(2025, 7, 1), None, None), **{n: (date(2026, 6, n), None, None) for n in range(2, 5)}},
            date(2025, 7, 1),
        ),
        # Fewer than twenty in all: the whole history.
        ({1: (date(2026, 6, 1), None, None), 2: (date(2026, 5, 1), date(2026, 1, 1), None)}, date.min),
    ],
)
def test_the_history_read_holds_the_twenty_most_recent_entries(levels, since):
    """Levels of several mentorships add up: the page reads from the latest date on which
    they count twenty entries, never later than January 1."""
    found = desk.Found([pair(n) for n in levels], dict(levels), {})
    assert desk._window(found, found.mentorships, date(2026, 12, 7)) == since
