"""The deadlines calendar: each person's feed holds the award and mentoring dates that
concern them and no others, parses as iCalendar, keeps its UIDs from fetch to fetch (so
calendar apps update instead of duplicating), opens by token for calendar apps that
cannot sign in, and keeps every date whole across a daylight-saving change."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta

import icalendar
import pytest

from recognition.auth.models import Account
from recognition.awards import notices
from recognition.awards.calendar import service as calendar
from recognition.awards.calendar import views as calendar_views
from recognition.awards.cycles import service as cycles
from recognition.awards.definitions import service as definitions
from recognition.awards.models import Cycle
from recognition.extensions import db
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from tests.credits.test_views import page_text
from tests.support.awards import DAYS, AwardWorld, actor, at

from . import recorded
from .test_verify_awards import announce_winner


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


TODAY = date(2026, 2, 1)  # nominations for Mentor of the Year 2026 open today
TITLE = "Mentor of the Year 2026"
HOST = "127.0.0.1"  # of the test BASE_URL, http://127.0.0.1:5000


@pytest.fixture
def world(app, dept, monkeypatch) -> AwardWorld:
    monkeypatch.setattr(calendar_views, "today", lambda: TODAY)
    with app.app_context():
        return AwardWorld.build(dept)


def events(body: bytes) -> dict[str, icalendar.Event]:
    """The feed's events by UID, checking each is a well-formed all-day event on the way."""
    parsed = icalendar.Calendar.from_ical(body)
    found = {}
    for event in parsed.walk("VEVENT"):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert type(start) is date and end == start + timedelta(days=1), event["uid"]
        assert event["dtstart"].params.get("VALUE") == "DATE"
        assert event.decoded("dtstamp").tzinfo is not None
        assert event["url"].startswith("http://127.0.0.1:5000/")
        assert str(event["url"]) in str(event["description"])
        assert str(event["uid"]) not in found, "UIDs are unique"
        found[str(event["uid"])] = event
    return found


def feed_of(app, dept, role: str, day: date = TODAY, now: datetime | None = None) -> dict[str, icalendar.Event]:
    with app.app_context():
        person = db.session.get(Person, dept.ids[role])
        return events(calendar.feed(person, day, now or at(day)))


def on(found: dict[str, icalendar.Event]) -> dict[str, tuple[date, str]]:
    return {uid: (event.decoded("dtstart"), str(event["summary"])) for uid, event in found.items()}


def uid(cycle_id: int, what: str) -> str:
    return f"cycle-{cycle_id}-{what}@{HOST}"


# The feed and what it holds --------------------------------------------------------------------


def test_the_feed_parses_back_as_a_published_calendar(app, client, dept, login, world):
    login(client, "mentor")
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="mentoring-deadlines.ics"'
    parsed = icalendar.Calendar.from_ical(response.data)
    assert str(parsed["version"]) == "2.0"
    assert str(parsed["prodid"]) == calendar.PRODID
    assert str(parsed["method"]) == "PUBLISH"
    assert str(parsed["x-wr-calname"]) == "Department of Medicine: mentoring deadlines"
    assert parsed.decoded("refresh-interval") == timedelta(hours=12)
    assert parsed["refresh-interval"].params["VALUE"] == "DURATION"
    assert str(parsed["x-published-ttl"]) == "PT12H"
    assert events(response.data)


def test_a_nominee_sees_the_season_their_philosophy_deadline_and_their_own_dates(app, dept, world):
    found = on(feed_of(app, dept, "mentor"))
    c = world.cycle_id
    assert found == {
        uid(c, "opens"): (date(2026, 2, 1), f"Nominations open: {TITLE}"),
        uid(c, "closes"): (date(2026, 3, 15), f"Nominations close: {TITLE}"),
        uid(c, "philosophy"): (date(2026, 3, 15), f"Add your mentoring philosophy by 15 March 2026: {TITLE}"),
        uid(c, "announcement"): (date(2026, 5, 15), f"Announcement: {TITLE}"),
        f"cfar-{dept.ids['mentor']}@{HOST}": (
            date(2026, 7, 1),
            "Your CFAR is due (Continuing Faculty Appointment Review)",
        ),
        f"mentorship-{dept.mentorship_id}-check-in@{HOST}": (date(2025, 7, 1), "1.5-year check-in with Mentee Person"),
    }


def test_the_review_end_goes_to_committee_members_only(app, dept, world):
    key = uid(world.cycle_id, "review-ends")
    member = feed_of(app, dept, "award_committee")
    assert on(member)[key] == (date(2026, 4, 15), f"Committee review ends: {TITLE}")
    assert "score the nominees" in str(member[key]["description"])
    for role in ("mentor", "outsider", "mentee", "admin"):
        assert key not in feed_of(app, dept, role), role


def test_the_decision_goes_to_the_awards_managers(app, dept, world):
    key = uid(world.cycle_id, "decision")
    assert on(feed_of(app, dept, "admin"))[key] == (date(2026, 4, 30), f"Decision due: {TITLE}")
    # A division director does not run a department award.
    for role in ("director", "award_committee", "mentor"):
        assert key not in feed_of(app, dept, role), role


def test_a_division_awards_dates_go_to_that_division_only(app, dept, world):
    with app.app_context():
        award = definitions.create(
            {
                "slug": "cardiology-mentor",
                "name": "Cardiology Mentor Award",
                "level": "division",
                "division_id": dept.divisions["CARD"],
                "opens": "02-10",
                "closes": "03-20",
                "review_ends": "04-20",
                "decision": "05-01",
                "announcement": "05-20",
            },
            at(TODAY),
        )
        cycle = cycles.create_cycle(award, 2026, at(TODAY))
        db.session.commit()
        cycle_id = cycle.id
        audience = {p.id for p in notices.audience(cycle)}
    opens = uid(cycle_id, "opens")
    for role, person_id in dept.ids.items():
        found = feed_of(app, dept, role)
        assert (opens in found) == (person_id in audience), role
        assert (uid(cycle_id, "announcement") in found) == (person_id in audience), role
    assert {role for role, pid in dept.ids.items() if pid in audience} == {"admin", "director", "mentor", "mentee"}
    # Its decision: the admins and the division's director, not the other division's.
    assert uid(cycle_id, "decision") in feed_of(app, dept, "director")
    assert uid(cycle_id, "decision") in feed_of(app, dept, "admin")
    assert uid(cycle_id, "decision") not in feed_of(app, dept, "other_director")


def test_only_formal_mentorships_that_reach_their_check_in_are_in(app, dept, world):
    with app.app_context():
        informal = dept.pair("mentor", "other_mentee", kind="informal", started_on=date(2025, 1, 1))
        ended = dept.pair("mentor", "outsider", started_on=date(2025, 1, 1))
        early = dept.pair("mentor", "other_director", started_on=date(2025, 3, 1))
        db.session.get(Mentorship, ended).ended_on = date(2026, 3, 1)  # before 1 July 2026, its 18 months
        db.session.commit()
    found = feed_of(app, dept, "mentor")
    assert f"mentorship-{informal}-check-in@{HOST}" not in found
    assert f"mentorship-{ended}-check-in@{HOST}" not in found
    assert on(found)[f"mentorship-{early}-check-in@{HOST}"] == (
        date(2026, 9, 1),
        "1.5-year check-in with Other Director Person",
    )
    # The mentee sees the check-in of their mentorship too, named for the mentor.
    assert on(feed_of(app, dept, "mentee"))[f"mentorship-{dept.mentorship_id}-check-in@{HOST}"] == (
        date(2025, 7, 1),
        "1.5-year check-in with Mentor Person",
    )


def test_past_dates_stay_a_year_then_drop_off(app, dept):
    granted = announce_winner(app, dept)
    with app.app_context():
        cycle_id = db.session.scalar(db.select(Cycle.id))
    assert granted.code
    a_year_on = DAYS["announced"] + timedelta(days=365)
    held = feed_of(app, dept, "mentor", day=a_year_on)
    assert uid(cycle_id, "announcement") in held and uid(cycle_id, "philosophy") in held
    gone = feed_of(app, dept, "mentor", day=a_year_on + timedelta(days=1))
    assert not any(key.startswith(f"cycle-{cycle_id}-") for key in gone)
    # The CFAR (1 July 2026) and check-in (1 July 2025) leave the same way.
    assert f"cfar-{dept.ids['mentor']}@{HOST}" in feed_of(app, dept, "mentor", day=date(2027, 7, 1))
    assert f"cfar-{dept.ids['mentor']}@{HOST}" not in feed_of(app, dept, "mentor", day=date(2027, 7, 2))
    assert f"mentorship-{dept.mentorship_id}-check-in@{HOST}" not in held


# (label, recorded CFARs of the mentor (appointed 1 July 2023): (day, outcome, source), the due date or None, SEQUENCE)
CFARS = [
    ("none recorded: due from the appointment", [], date(2026, 7, 1), 0),
    ("passed: no deadline", [(date(2026, 1, 20), "passed", "entered")], None, 0),
    ("extended: the re-review two years on", [(date(2026, 1, 20), "extended", "imported")], date(2028, 1, 20), 1),
    (
        "a self-reported pass waiting for confirmation does not count",
        [(date(2026, 1, 20), "passed", "self_reported")],
        date(2026, 7, 1),
        0,
    ),
]


@pytest.mark.parametrize(("label", "rows", "due", "sequence"), CFARS, ids=[row[0] for row in CFARS])
def test_the_cfar_is_only_ever_due_and_follows_what_is_recorded(
    app, client, dept, login, monkeypatch, label, rows, due, sequence
):
    monkeypatch.setattr(calendar_views, "today", lambda: TODAY)
    with app.app_context():
        for day, outcome, source in rows:
            recorded.milestone(
                dept.ids["mentor"], "cfar", day, dept.ids["admin"], at(TODAY), outcome=outcome, source=source
            )
        db.session.commit()
    key = f"cfar-{dept.ids['mentor']}@{HOST}"
    found = feed_of(app, dept, "mentor")
    text = page_text(login(client, "mentor").get("/calendar"))
    if due is None:
        assert key not in found and "Your CFAR" not in text, label
        return
    event = found[key]
    assert (event.decoded("dtstart"), str(event["summary"])) == (
        due,
        "Your CFAR is due (Continuing Faculty Appointment Review)",
    )
    assert int(event["sequence"]) == sequence
    description = str(event["description"])
    assert "reached" not in description
    if sequence:
        assert "Your CFAR was extended on 20 January 2026; the re-review is due 2 years later." in description
    else:
        assert "Your CFAR is due 3 years after your appointment on 1 July 2023." in description
    assert f"{_long(due)} Your CFAR is due" in text


# Stable identities, moved dates and daylight saving ------------------------------------------


def test_uids_are_stable_across_fetches_and_a_moved_date_updates_its_event(app, client, dept, login, world):
    login(client, "award_committee")
    first = events(client.get("/calendar.ics").data)
    second = events(client.get("/calendar.ics").data)
    assert set(first) == set(second)
    assert on(first) == on(second)
    key = uid(world.cycle_id, "closes")
    assert int(first[key]["sequence"]) == 0
    with app.app_context():
        cycles.move_date(
            world.cycle,
            "closes_on",
            date(2026, 3, 22),
            actor(dept, "admin"),
            "Extended: the call went out late",
            TODAY,
            at(TODAY),
        )
        db.session.commit()
    moved = events(client.get("/calendar.ics").data)
    assert set(moved) == set(first), "the same events, not new ones"
    assert moved[key].decoded("dtstart") == date(2026, 3, 22)
    assert int(moved[key]["sequence"]) == 1
    assert int(moved[uid(world.cycle_id, "opens")]["sequence"]) == 0


def test_a_deadline_on_a_daylight_saving_day_keeps_its_date(app, client, dept, login, monkeypatch):
    """8 March 2026: clocks in Toronto (SCHEDULER_TIMEZONE) spring forward at 02:00."""
    monkeypatch.setattr(calendar_views, "today", lambda: date(2026, 1, 5))
    with app.app_context():
        award = definitions.create(
            {
                "slug": "spring-award",
                "name": "Spring Award",
                "opens": "02-01",
                "closes": "03-08",
                "review_ends": "03-31",
                "decision": "04-10",
                "announcement": "11-01",
            },
            at(date(2026, 1, 5)),
        )
        cycle = cycles.create_cycle(award, 2026, at(date(2026, 1, 5)))
        db.session.commit()
        cycle_id = cycle.id
    assert app.config["SCHEDULER_TIMEZONE"] == "America/Toronto"
    login(client, "mentor")
    body = client.get("/calendar.ics").data
    closes = events(body)[uid(cycle_id, "closes")]
    assert closes.decoded("dtstart") == date(2026, 3, 8)
    assert closes.decoded("dtend") == date(2026, 3, 9)
    text = body.decode()
    assert "DTSTART;VALUE=DATE:20260308" in text and "DTEND;VALUE=DATE:20260309" in text
    # The announcement on 1 November 2026, when clocks fall back, stays put too.
    assert events(body)[uid(cycle_id, "announcement")].decoded("dtstart") == date(2026, 11, 1)
    assert "TZID" not in text


# Signing in and the token ------------------------------------------------------------------


def expected_token(person_id: int) -> str:
    return hmac.new(b"test", f"calendar:{person_id}".encode(), hashlib.sha256).hexdigest()[:32]


def test_the_token_url_works_signed_out(app, client, dept, world):
    person_id = dept.ids["award_committee"]
    response = client.get(f"/calendar/{person_id}/{expected_token(person_id)}.ics")  # nobody signed in
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert uid(world.cycle_id, "review-ends") in events(response.data)
    with app.app_context():
        assert calendar.feed_url(person_id) == (
            f"http://127.0.0.1:5000/calendar/{person_id}/{expected_token(person_id)}.ics"
        )


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/{id}/{wrong}.ics",
        "/calendar/{id}/{other}.ics",
        "/calendar/{id}/{token_upper}.ics",
        "/calendar/{id}/{short}.ics",
        "/calendar/{id}/{token}.ics.txt",
        "/calendar/999999/{token}.ics",
        "/calendar/{id}/é.ics",
    ],
)
def test_a_wrong_token_is_a_404(client, dept, world, path):
    person_id = dept.ids["award_committee"]
    token = expected_token(person_id)
    url = path.format(
        id=person_id,
        token=token,
        wrong="0" * 32,
        other=expected_token(dept.ids["mentor"]),
        token_upper=token.upper(),
        short=token[:31],
    )
    assert client.get(url).status_code == 404


def test_a_disabled_accounts_feed_stops(app, client, dept, world):
    person_id = dept.ids["mentor"]
    url = f"/calendar/{person_id}/{expected_token(person_id)}.ics"
    assert client.get(url).status_code == 200
    with app.app_context():
        db.session.get(Account, person_id).disabled = True
        db.session.commit()
    assert client.get(url).status_code == 404


def test_the_signed_in_doors_need_a_sign_in(client, dept, world):
    for path in ("/calendar", "/calendar.ics"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


# The page -----------------------------------------------------------------------------------


def test_the_page_lists_the_deadlines_ahead_and_the_address_to_subscribe(app, client, dept, login, world):
    login(client, "award_committee")
    response = client.get("/calendar")
    assert response.status_code == 200
    text = page_text(response)
    assert "Your deadlines calendar" in text
    assert "What the calendar holds" in text
    for line in (
        f"1 February 2026 Nominations open: {TITLE}",
        f"15 March 2026 Nominations close: {TITLE}",
        f"15 April 2026 Committee review ends: {TITLE}",
        f"15 May 2026 Announcement: {TITLE}",
    ):
        assert line in text, line
    assert "1 July 2026 Your CFAR is due" in text
    assert "check-in" not in text.split("Deadlines ahead")[1].split("Subscribe")[0], "no mentorship of theirs"
    body = response.get_data(as_text=True)
    person_id = dept.ids["award_committee"]
    address = f"http://127.0.0.1:5000/calendar/{person_id}/{expected_token(person_id)}.ics"
    assert '<label for="feed-url">' in body and f'value="{address}"' in body
    assert f'href="webcal://127.0.0.1:5000/calendar/{person_id}/{expected_token(person_id)}.ics"' in body
    assert 'href="/calendar.ics"' in body
    assert '<th scope="col">Date</th>' in body


def test_the_page_leaves_out_deadlines_that_have_passed(app, client, dept, login, world, monkeypatch):
    monkeypatch.setattr(calendar_views, "today", lambda: date(2026, 4, 1))
    login(client, "mentor")
    text = page_text(client.get("/calendar"))
    section = text.split("Deadlines ahead")[1].split("Subscribe")[0]
    assert "Nominations open" not in section and "Nominations close" not in section
    assert f"15 May 2026 Announcement: {TITLE}" in section
    # The feed itself keeps them: a calendar shows the past too.
    login(client, "mentor")
    assert uid(world.cycle_id, "opens") in events(client.get("/calendar.ics").data)
