"""Confirmations that do not rot: the counterpart is emailed a one-click link when work
between the two is logged, reminded once at day 14, the entry reads "unconfirmed" from
day 60; a link confirms only for the person it was sent to, once, until it expires, and
never on a GET."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from recognition.auth.service import load_actor
from recognition.clock import local_date, today, utcnow, zone
from recognition.extensions import db
from recognition.ledger import confirmations, service
from recognition.ledger.models import LedgerEntry
from recognition.ledger.rules import confirmation_state, reminder_due
from recognition.outbox import OutboxMessage
from recognition.scheduler import jobs
from tests.ledger.conftest import NOW

URL = "/api/v1/contributions"
DAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("days", "due", "state"),
    [
        (0, False, "awaiting"),
        (13, False, "awaiting"),
        (14, True, "awaiting"),
        (59, True, "awaiting"),
        (60, False, "unconfirmed"),
        (900, False, "unconfirmed"),
    ],
)
def test_reminders_and_unconfirmed_are_counted_in_days_since_recording(days, due, state):
    today = DAY + timedelta(days=days)
    assert reminder_due(DAY, today) is due
    assert confirmation_state("meeting", DAY, today, confirmed=False, reversed_=False, disputed=False) == state


@pytest.mark.parametrize(
    ("flags", "state"),
    [
        ({"confirmed": True}, "confirmed"),
        ({"disputed": True}, "disputed"),
        ({"reversed_": True}, "reversed"),
        ({"reversed_": True, "disputed": True}, "reversed"),
    ],
)
def test_what_followed_an_entry_outweighs_its_age(flags, state):
    settled = {"confirmed": False, "reversed_": False, "disputed": False, **flags}
    assert confirmation_state("meeting", DAY, DAY + timedelta(days=400), **settled) == state
    assert confirmation_state("mentor_training", DAY, DAY, **settled) is None  # nobody confirms one's own training


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def _link(message: OutboxMessage) -> str:
    found = re.search(r"http://\S+(/confirm/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def test_logging_a_meeting_emails_the_other_person_a_link_and_training_emails_no_one(app, client, dept, headers):
    response = client.post(
        URL,
        json={"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": "2025-03-01", "minutes": 45},
        headers=headers("mentor"),
    )
    assert response.status_code == 201
    entry_id = response.get_json()["id"]
    assert response.get_json()["confirmation_state"] == "awaiting"

    [message] = _outbox(app)
    assert message.recipient == dept.email("mentee")
    assert message.key == f"ledger-confirm:{entry_id}:{dept.ids['mentee']}:request"
    assert message.body.startswith("Dear Mentee Person,\n\nMentor Person logged a meeting on 2025-03-01 (45 minutes)")
    assert _link(message).startswith("/confirm/")
    assert f"/contributions/{entry_id}" in message.body  # where to say it did not happen

    client.post(
        URL, json={"kind": "mentor_training", "occurred_on": "2025-03-02", "minutes": 60}, headers=headers("mentor")
    )
    assert len(_outbox(app)) == 1


def test_a_meeting_an_administrator_logs_for_the_pair_asks_both_each_by_name(app, client, dept, headers):
    body = {"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": "2025-03-04", "minutes": 30}
    entry_id = client.post(URL, json=body, headers=headers("admin")).get_json()["id"]

    messages = _outbox(app)
    assert [(m.recipient, m.key) for m in messages] == [
        (dept.email(role), f"ledger-confirm:{entry_id}:{dept.ids[role]}:request") for role in ("mentor", "mentee")
    ]
    greetings = [m.body.split(",", 1)[0] for m in messages]
    assert greetings == ["Dear Mentor Person", "Dear Mentee Person"]
    for message, role in zip(messages, ("mentor", "mentee"), strict=True):
        assert message.subject == "Please confirm a meeting on 2025-03-04 (30 minutes) with Admin Person"
        with app.app_context():
            assert (
                confirmations.read_link(_link(message).removeprefix("/confirm/"), utcnow()).person.id == dept.ids[role]
            )


def test_the_reminder_goes_out_on_day_14_once_and_never_for_settled_or_old_entries(app, dept, record):
    waiting = record("mentor")
    confirmed = record("mentor", occurred_on=date(2025, 3, 2))
    with app.app_context():
        service.confirm(db.session.get(LedgerEntry, confirmed), load_actor(dept.ids["mentee"]), NOW)
        db.session.commit()
        assert confirmations.remind(NOW + timedelta(days=13)) == 0
        assert confirmations.remind(NOW + timedelta(days=14)) == 1
        db.session.commit()
        assert confirmations.remind(NOW + timedelta(days=14)) == 0  # a rerun, or a run after a crash
        assert confirmations.remind(NOW + timedelta(days=30)) == 0  # once per entry
        db.session.commit()
    reminders = [m for m in _outbox(app) if m.key.endswith(":reminder")]
    assert [m.key for m in reminders] == [f"ledger-confirm:{waiting}:{dept.ids['mentee']}:reminder"]
    assert reminders[0].subject.startswith("Reminder: please confirm")
    assert _link(reminders[0]).startswith("/confirm/")

    late = record("mentor", occurred_on=date(2025, 3, 3))  # nobody ran the job between day 14 and 59
    with app.app_context():
        assert confirmations.remind(NOW + timedelta(days=60)) == 0
        assert db.session.get(LedgerEntry, late) is not None


def test_the_scheduler_job_reminds_and_delivers(app, dept, record):
    record("mentor", now=utcnow() - timedelta(days=20))
    with app.app_context():
        assert "confirmation_reminders" in jobs.JOBS
        summary = jobs.confirmation_reminders(today())
        assert summary.startswith("queued 1 confirmation reminder; delivered")
        assert jobs.confirmation_reminders(today()).startswith("queued 0 confirmation reminders")


def test_an_entry_reads_unconfirmed_from_day_60_in_the_api_and_on_both_pages(app, client, dept, headers, record, login):
    old = record("mentor", now=utcnow() - timedelta(days=60, hours=2), occurred_on=date(2025, 3, 1))
    recent = record("mentor", now=utcnow() - timedelta(days=59) + timedelta(hours=2), occurred_on=date(2025, 3, 2))
    with app.app_context():
        entry = db.session.get(LedgerEntry, old)
        # Day 60 begins at the department's midnight: 60 days of its calendar, which a
        # change of daylight saving time in between makes an hour more or less than 60 × 24 h.
        day_60 = local_date(entry.recorded_at) + timedelta(days=60)
        begins = datetime.combine(day_60, time(), tzinfo=zone(app.config)).astimezone(UTC).replace(tzinfo=None)
        assert service.annotate([entry], begins - timedelta(seconds=1))[0].confirmation_state == "awaiting"
        assert service.annotate([entry], begins)[0].confirmation_state == "unconfirmed"

    def state(entry_id: int) -> str:
        return client.get(f"{URL}/{entry_id}", headers=headers("mentor")).get_json()["confirmation_state"]

    assert (state(old), state(recent)) == ("unconfirmed", "awaiting")
    listed = {e["id"]: e["confirmation_state"] for e in client.get(URL, headers=headers("mentee")).get_json()["items"]}
    assert listed[old] == "unconfirmed"

    for role, path in (("mentee", "/mentee"), ("mentor", "/mentoring")):
        login(client, role)
        page = client.get(path).get_data(as_text=True)
        assert "unconfirmed</span>" in page and "nobody confirmed it within 60 days" in page
        client.post("/logout")


def _token(app, entry_id: int, role_id: int, now=None) -> str:
    with app.app_context():
        return confirmations.token_for(entry_id, role_id, now or utcnow())


def test_a_get_never_confirms_and_the_button_confirms_once(app, client, dept, record):
    entry_id = record("mentor")
    path = f"/confirm/{_token(app, entry_id, dept.ids['mentee'])}"

    shown = client.get(path)  # a mail scanner fetching the link
    assert shown.status_code == 200
    assert "Yes, confirm it" in shown.get_data(as_text=True)
    with app.app_context():
        assert service.confirmation_of(entry_id) is None

    done = client.post(path, follow_redirects=True)
    assert done.status_code == 200
    assert "Confirmed: meeting on 2025-03-01, logged by Mentor Person." in done.get_data(as_text=True)
    with app.app_context():
        confirmation = service.confirmation_of(entry_id)
        assert confirmation is not None and confirmation.recorded_by_id == dept.ids["mentee"]

    again = client.post(path, follow_redirects=True)
    assert again.status_code == 200
    assert "Already confirmed" in again.get_data(as_text=True) or "This is confirmed" in again.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(LedgerEntry.id).where(LedgerEntry.target_id == entry_id).where(LedgerEntry.id != confirmation.id)
            )
            is None
        )


def test_a_link_works_only_for_its_person_and_until_it_expires(app, client, dept, record, login):
    entry_id = record("mentor")
    mine = f"/confirm/{_token(app, entry_id, dept.ids['mentee'])}"

    assert (
        client.get(f"/confirm/{_token(app, entry_id, dept.ids['mentee'], utcnow() - timedelta(days=31))}").status_code
        == 410
    )
    assert client.get(mine[:-3] + "xyz").status_code == 400  # tampered
    assert client.get(f"/confirm/{_token(app, entry_id, dept.ids['mentor'])}").status_code == 400  # the recorder
    assert client.get(f"/confirm/{_token(app, entry_id, dept.ids['outsider'])}").status_code == 400

    login(client, "outsider")  # someone else's browser
    refused = client.post(mine)
    assert refused.status_code == 403
    assert "only they can use it" in refused.get_data(as_text=True)
    with app.app_context():
        assert service.confirmation_of(entry_id) is None


def test_a_page_confirm_twice_is_a_clear_no_op(app, client, dept, record, login):
    entry_id = record("mentor")
    login(client, "mentee")
    client.post(f"/contributions/{entry_id}/confirmation", data={"next": "/mentee"})
    again = client.post(f"/contributions/{entry_id}/confirmation", data={"next": "/mentee"}, follow_redirects=True)
    assert again.status_code == 200
    assert "Already confirmed: meeting on 2025-03-01, logged by Mentor Person. Nothing more to do." in again.get_data(
        as_text=True
    )


@pytest.mark.parametrize("secret", ["a secret key", b"\x00\xffbytes as the key"])
def test_a_link_token_is_the_one_itsdangerous_signs(secret):
    """The token is signed by a signer kept between appends, and read by the serializer:
    every link already mailed, and every one made now, must be the serializer's own,
    compressed or not."""
    from flask import Flask
    from itsdangerous import URLSafeSerializer

    serializer = URLSafeSerializer(secret, salt=confirmations.SALT)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret
    cases = [
        (1, 2, datetime(2025, 3, 1, 9, 30)),
        (123456, 98765, datetime(2038, 1, 19, 3, 14, 8)),
        (10**9, 10**9, datetime(2001, 9, 9, 1, 46, 40)),  # repeats enough for zlib to shorten it
    ]
    with app.app_context():
        tokens = [confirmations.token_for(entry_id, person_id, now) for entry_id, person_id, now in cases]
    for token, (entry_id, person_id, now) in zip(tokens, cases, strict=True):
        expected = {"e": entry_id, "p": person_id, "t": int(now.replace(tzinfo=UTC).timestamp())}
        assert token == serializer.dumps(expected)
        assert serializer.loads(token) == expected
    assert [token.startswith(".") for token in tokens] == [False, False, True]
