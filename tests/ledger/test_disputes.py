"""Disputes: the other person of a meeting says it did not happen, with a reason. The
dispute is its own entry after the original; the recorder (and the division director, and
administrators) see it and the reason, nobody else does; a disputed entry cannot be
confirmed, earns no credit and is no evidence, and the recorder answers by reversing it."""

from __future__ import annotations

from datetime import date

import pytest

from recognition.credits.activities import activities_of
from recognition.evidence.service import mentorships_as_mentor
from recognition.extensions import db
from recognition.ledger import service
from recognition.ledger.models import LedgerEntry

URL = "/api/v1/contributions"
REASON = "We did not meet that week; I was on service."


def _dispute(client, headers, entry_id: int, role: str, reason=REASON):
    return client.post(f"{URL}/{entry_id}/dispute", json={"reason": reason}, headers=headers(role))


def test_the_counterpart_disputes_with_a_reason_and_the_entry_stops_counting(app, client, dept, headers, record):
    entry_id = record("mentor", kind="sponsorship_action", minutes=0, occurred_on=date(2025, 3, 1))
    with app.app_context():
        assert [s.entry_id for s, _ in activities_of([dept.ids["mentor"]])[dept.ids["mentor"]]] == [entry_id]

    response = _dispute(client, headers, entry_id, "mentee")

    assert response.status_code == 201, response.get_json()
    dispute = response.get_json()
    assert (dispute["entry_type"], dispute["target_id"], dispute["reason"]) == ("dispute", entry_id, REASON)
    seen = client.get(f"{URL}/{entry_id}", headers=headers("mentor")).get_json()
    assert seen["confirmation_state"] == "disputed"
    assert (seen["disputed_by_entry_id"], seen["dispute_reason"]) == (dispute["id"], REASON)
    with app.app_context():
        assert activities_of([dept.ids["mentor"]]).get(dept.ids["mentor"], []) == []  # no credit
        assert service.verify().valid


def test_a_disputed_meeting_is_no_evidence(app, client, dept, headers, record):
    kept, disputed = record("mentor"), record("mentor", occurred_on=date(2025, 3, 8))
    _dispute(client, headers, disputed, "mentee")
    with app.app_context():
        [evidence] = mentorships_as_mentor(dept.ids["mentor"], date(2025, 12, 31))
        assert [e.id for e in evidence.entries] == [kept]


@pytest.mark.parametrize(
    ("reason", "rule"),
    [("   ", "must not be blank: say what did not happen as logged"), ("", "Length must be between 1 and 2000.")],
)
def test_a_dispute_needs_a_reason(client, dept, headers, record, reason, rule):
    entry_id = record("mentor")
    response = _dispute(client, headers, entry_id, "mentee", reason)
    assert response.status_code == 422
    assert rule in str(response.get_json()["errors"]["reason"])


def test_once_disputed_it_cannot_be_confirmed_and_the_recorder_reverses_it(client, dept, headers, record):
    entry_id = record("mentor")
    _dispute(client, headers, entry_id, "mentee")

    confirmed = client.post(f"{URL}/{entry_id}/confirmation", headers=headers("mentee"))
    assert confirmed.status_code == 409
    assert "was disputed (We did not meet that week" in confirmed.get_json()["message"]
    assert _dispute(client, headers, entry_id, "mentee").status_code == 409  # already disputed

    reversed_ = client.post(
        f"{URL}/{entry_id}/reversal", json={"reason": "Logged the wrong week"}, headers=headers("mentor")
    )
    assert reversed_.status_code == 201
    assert client.get(f"{URL}/{entry_id}", headers=headers("mentee")).get_json()["confirmation_state"] == "reversed"


def test_a_confirmed_entry_is_reversed_not_disputed(client, dept, headers, record):
    entry_id = record("mentor")
    client.post(f"{URL}/{entry_id}/confirmation", headers=headers("mentee"))
    refused = _dispute(client, headers, entry_id, "mentee")
    assert refused.status_code == 409
    assert "reverse it with a reason instead" in refused.get_json()["message"]


@pytest.mark.parametrize(
    ("role", "status"), [("mentor", 403), ("director", 403), ("admin", 403), ("outsider", 404), ("other_mentee", 404)]
)
def test_only_the_other_person_disputes_or_confirms(client, dept, headers, record, role, status):
    entry_id = record("mentor")
    assert _dispute(client, headers, entry_id, role).status_code == status
    assert client.post(f"{URL}/{entry_id}/confirmation", headers=headers(role)).status_code == status


def test_the_dispute_is_seen_by_the_pair_and_the_director_and_not_by_the_mentors_other_mentee(
    app, client, dept, headers, record
):
    with app.app_context():
        dept.pair("mentor", "outsider")  # the outsider is now another mentee of the same mentor
        db.session.commit()
    entry_id = record("mentor")
    dispute_id = _dispute(client, headers, entry_id, "mentee").get_json()["id"]

    for role in ("mentor", "mentee", "director", "admin"):
        shown = client.get(f"{URL}/{entry_id}", headers=headers(role)).get_json()
        assert shown["dispute_reason"] == REASON, role
        assert client.get(f"{URL}/{dispute_id}", headers=headers(role)).status_code == 200
    for role in ("outsider", "other_mentor", "other_director"):
        assert client.get(f"{URL}/{entry_id}", headers=headers(role)).status_code == 404, role
        assert client.get(f"{URL}/{dispute_id}", headers=headers(role)).status_code == 404, role
        listed = client.get(URL, query_string={"per_page": 100}, headers=headers(role)).get_json()["items"]
        assert dispute_id not in {e["id"] for e in listed}, role


def test_the_pages_show_the_dispute_to_the_recorder_with_the_reverse_action(app, client, dept, headers, record, login):
    entry_id = record("mentor")
    login(client, "mentee")
    entry_page = client.get(f"/contributions/{entry_id}").get_data(as_text=True)
    assert "This didn't happen" in entry_page
    blank = client.post(f"/contributions/{entry_id}/dispute", data={f"dispute-{entry_id}-reason": " "})
    assert blank.status_code == 422
    assert "must not be blank: say what did not happen as logged" in blank.get_data(as_text=True)
    done = client.post(
        f"/contributions/{entry_id}/dispute", data={f"dispute-{entry_id}-reason": REASON}, follow_redirects=True
    )
    assert "Disputed: meeting on 2025-03-01" in done.get_data(as_text=True)
    client.post("/logout")

    login(client, "mentor")
    history = client.get(f"/mentorships/{dept.mentorship_id}").get_data(as_text=True)
    assert f"disputed: {REASON}" in history
    assert "Reverse this entry" in history
    mine = client.get(f"/contributions/{entry_id}").get_data(as_text=True)
    assert f"disputed: {REASON}" in mine and "Reverse this entry" in mine
    with app.app_context():
        assert db.session.get(LedgerEntry, entry_id) is not None
