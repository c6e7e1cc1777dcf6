"""Retries do not duplicate: every API POST that needs a token takes ``Idempotency-Key``.

A client whose request was stored but whose reply was lost sends it again with the same
key and gets the first reply back (``Idempotent-Replayed: true``), with nothing done
twice; the same key on another request is a 422 naming the header. Keys belong to the
person (a new token of theirs replays, another person's never), expire, and a refused
request uses none.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import func, select, update

from recognition import idempotency
from recognition.awards.models import Award
from recognition.clock import today, utcnow
from recognition.credits.models import Statement
from recognition.extensions import db
from recognition.feedback import service as feedback_service
from recognition.feedback.models import Request
from recognition.idempotency import HEADER, REPLAYED, IdempotencyKey
from recognition.mentorships.models import Mentorship
from recognition.people.models import Division, Person
from tests.api.error_shape import assert_error
from tests.api.test_database_busy import psycopg_url, write_lock_held
from tests.credits.test_summary import mentor_year
from tests.roster.conftest import people_csv, person_row

KEY = "6f1c2a9e-4d1b-4b7e-9a53-2f0c7d8e1a11"
CONTRIBUTIONS = "/api/v1/contributions"


def meeting(dept, minutes: int = 45, **changes) -> dict:
    return {
        "kind": "meeting",
        "mentorship_id": dept.mentorship_id,
        "occurred_on": "2025-03-01",
        "minutes": minutes,
        "note": "Talked about the grant.",
        **changes,
    }


def with_key(headers: dict, key: str = KEY) -> dict:
    return {**headers, HEADER: key}


def rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def assert_replay(first, again) -> None:
    assert again.status_code == first.status_code, again.get_data(as_text=True)
    assert again.get_json() == first.get_json()
    assert again.headers.get(REPLAYED) == "true"
    assert again.headers.get("Location") == first.headers.get("Location")
    assert REPLAYED not in first.headers


# The kill-test case: the ledger append ---------------------------------------------------------


def test_a_retried_append_returns_the_first_reply_and_appends_once(client, dept, headers, ledger_rows):
    mentor = with_key(headers("mentor"))
    first = client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor)
    assert first.status_code == 201, first.get_json()
    # The same data sent again, spaced and ordered differently, is the same request.
    text = json.dumps(dict(reversed(list(meeting(dept).items()))), indent=2)
    again = client.post(CONTRIBUTIONS, data=text, content_type="application/json", headers=mentor)
    assert_replay(first, again)
    # A new token of the same person (the client signed in again) still finds its key.
    renewed = client.post(CONTRIBUTIONS, json=meeting(dept), headers=with_key(dept.headers(client, "mentor")))
    assert_replay(first, renewed)
    assert ledger_rows() == 1


def test_the_same_key_on_another_request_is_refused_naming_it(client, dept, headers, ledger_rows):
    mentor = with_key(headers("mentor"))
    first = client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor)
    assert first.status_code == 201
    other_body = assert_error(client.post(CONTRIBUTIONS, json=meeting(dept, minutes=50), headers=mentor), 422, HEADER)
    assert other_body["errors"][HEADER] == ["was used for a request with another body"]
    elsewhere = client.post(
        f"{CONTRIBUTIONS}/{first.get_json()['id']}/reversal", json={"reason": "Twice."}, headers=mentor
    )
    assert "POST /api/v1/contributions" in assert_error(elsewhere, 422, HEADER)["errors"][HEADER][0]
    assert ledger_rows() == 1


def test_a_key_is_the_persons_own(client, dept, headers, ledger_rows):
    """Another person's key never replays someone else's reply: the same key is theirs to use."""
    mine = client.post(CONTRIBUTIONS, json=meeting(dept), headers=with_key(headers("mentor")))
    theirs = client.post(
        CONTRIBUTIONS,
        json=meeting(dept, mentorship_id=dept.other_mentorship_id),
        headers=with_key(headers("other_mentor")),
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert REPLAYED not in theirs.headers
    assert theirs.get_json()["id"] != mine.get_json()["id"]
    assert theirs.get_json()["mentorship_id"] == dept.other_mentorship_id
    assert ledger_rows() == 2


@pytest.mark.parametrize(
    "key",
    ["", "has space", "x" * 256, "caf\u00e9", "tab\there"],
    ids=["empty", "space", "too-long", "not-ascii", "control"],
)
def test_an_unusable_key_is_refused_and_changes_nothing(client, dept, headers, ledger_rows, key):
    body = assert_error(
        client.post(CONTRIBUTIONS, json=meeting(dept), headers=with_key(headers("mentor"), key)), 422, HEADER
    )
    assert body["errors"][HEADER] == [idempotency.KEY_RULE]
    assert ledger_rows() == 0


def test_the_key_is_sent_once(client, dept, headers, ledger_rows):
    sent = list(headers("mentor").items()) + [(HEADER, "one"), (HEADER, "two")]
    assert_error(client.post(CONTRIBUTIONS, json=meeting(dept), headers=sent), 422, HEADER)
    assert ledger_rows() == 0


def test_a_refused_request_uses_no_key(client, dept, headers, ledger_rows):
    """A 422 changes nothing and is not kept: the corrected request goes through with the key."""
    mentor = with_key(headers("mentor"))
    assert_error(client.post(CONTRIBUTIONS, json=meeting(dept, minutes=-5), headers=mentor), 422, "minutes")
    fixed = client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor)
    assert fixed.status_code == 201 and REPLAYED not in fixed.headers
    assert ledger_rows() == 1


def test_a_retried_reversal_reverses_once(client, dept, headers, ledger_rows):
    mentor = headers("mentor")
    entry = client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor).get_json()
    url = f"{CONTRIBUTIONS}/{entry['id']}/reversal"
    first = client.post(url, json={"reason": "Entered twice."}, headers=with_key(mentor))
    assert first.status_code == 201, first.get_json()
    assert_replay(first, client.post(url, json={"reason": "Entered twice."}, headers=with_key(mentor)))
    # Without a key the retry is what it always was: the entry is already reversed.
    assert_error(client.post(url, json={"reason": "Entered twice."}, headers=mentor), 409)
    assert ledger_rows() == 2


def test_an_expired_key_starts_a_new_request(app, client, dept, headers, ledger_rows):
    mentor = with_key(headers("mentor"))
    body = meeting(dept, confirm_duplicate=True)
    first = client.post(CONTRIBUTIONS, json=body, headers=mentor)
    with app.app_context():
        hours = app.config["IDEMPOTENCY_KEY_HOURS"]
        db.session.execute(
            update(IdempotencyKey).values(created_at=IdempotencyKey.created_at - timedelta(hours=hours, minutes=1))
        )
        db.session.commit()
    later = client.post(CONTRIBUTIONS, json=body, headers=mentor)
    assert later.status_code == 201 and REPLAYED not in later.headers
    assert later.get_json()["id"] != first.get_json()["id"]
    assert ledger_rows() == 2
    assert rows(app, IdempotencyKey) == 1  # the expired key is gone


def test_a_key_whose_reply_is_not_stored_yet_is_a_409_to_retry(app, client, dept, headers, ledger_rows):
    mentor = with_key(headers("mentor"))
    assert client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor).status_code == 201
    with app.app_context():  # as if the first request had committed and not yet kept its reply
        db.session.execute(update(IdempotencyKey).values(status=None, body=None))
        db.session.commit()
    waiting = client.post(CONTRIBUTIONS, json=meeting(dept), headers=mentor)
    assert "still being carried out" in assert_error(waiting, 409, HEADER)["message"]
    assert waiting.headers["Retry-After"] == "1"
    assert ledger_rows() == 1


def test_a_racing_request_with_the_same_key_is_undone_and_answered(client, dept, headers, ledger_rows, monkeypatch):
    """Two workers take the same retry at once: the second looked before the first committed,
    so it does the work too, but the key's unique index refuses its commit; it is rolled back
    and answered with the first one's reply."""
    mentor, body = with_key(headers("mentor")), meeting(dept, confirm_duplicate=True)
    first = client.post(CONTRIBUTIONS, json=body, headers=mentor)
    real_find, looks = idempotency._find, []

    def find_after_the_race(owner_id, key):
        looks.append(key)
        return None if len(looks) == 1 else real_find(owner_id, key)

    monkeypatch.setattr(idempotency, "_find", find_after_the_race)
    assert_replay(first, client.post(CONTRIBUTIONS, json=body, headers=mentor))
    assert len(looks) == 2
    assert ledger_rows() == 1


def test_two_tries_at_once_with_one_key_append_once(app, client, backend, database_url, dept, headers, ledger_rows):
    """The retry arrives while the first try still waits for the ledger: both pass the key
    lookup before either commits; the database lets only one of them keep its work."""
    mentor, body = with_key(headers("mentor")), meeting(dept, confirm_duplicate=True)
    replies = []

    def send():
        replies.append(client.post(CONTRIBUTIONS, json=body, headers=mentor))

    tries = [threading.Thread(target=send) for _ in range(2)]
    with write_lock_held(backend, database_url):
        for one in tries:
            one.start()
        wait_for_waiters(backend, database_url, 2)
    for one in tries:
        one.join(timeout=30)
    assert [one.is_alive() for one in tries] == [False, False]
    assert ledger_rows() == 1
    done = [reply for reply in replies if reply.status_code == 201]
    assert len(done) >= 1 and all(reply.get_json() == done[0].get_json() for reply in done)
    assert sum(REPLAYED not in reply.headers for reply in done) == 1
    for reply in replies:
        if reply.status_code != 201:  # the loser came before the winner had kept its reply
            assert_error(reply, 409, HEADER)


def wait_for_waiters(backend: str, database_url: str, count: int) -> None:
    """Until ``count`` requests wait behind the held lock (on SQLite, unseen: a moment)."""
    if backend == "sqlite":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 10
    with psycopg.connect(psycopg_url(database_url), autocommit=True) as watcher:
        query = "SELECT count(*) FROM pg_locks WHERE NOT granted"
        while watcher.execute(query).fetchone()[0] < count:
            assert time.monotonic() < deadline, "the two tries never both waited"
            time.sleep(0.01)


# One creating POST of each other domain ----------------------------------------------------------


def roster_upload(n: int):
    return {"people": (io.BytesIO(people_csv(person_row(n))), "people.csv")}


CASES = {
    "mentorships": (
        "admin",
        "/api/v1/mentorships",
        Mentorship,
        lambda dept: {
            "json": {
                "mentor_id": dept.ids["other_mentor"],
                "mentee_id": dept.ids["mentee"],
                "kind": "informal",
                "started_on": today().isoformat(),
            }
        },
    ),
    "divisions": (
        "admin",
        "/api/v1/divisions",
        Division,
        lambda dept: {"json": {"name": "Geriatrics", "code": "GERI"}},
    ),
    "awards": (
        "admin",
        "/api/v1/awards",
        Award,
        lambda dept: {
            "json": {
                "slug": "teaching-mentor",
                "name": "Teaching Mentor Award",
                "description": "For teaching.",
                "opens": "09-01",
                "closes": "10-15",
                "review_ends": "11-15",
                "decision": "11-30",
                "announcement": "12-10",
            }
        },
    ),
    "statements": ("mentor", "/api/v1/statements", Statement, lambda dept: {"json": {"year": 2025}}),
    # Multipart: each try has a new boundary, the same fields and files.
    "roster-import": (
        "admin",
        "/api/v1/roster/imports",
        Person,
        lambda dept: {"data": roster_upload(1), "content_type": "multipart/form-data"},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_retried_creating_post_creates_once(app, client, dept, headers, case):
    role, url, model, request = CASES[case]
    if case == "statements":
        with app.app_context():
            mentor_year(dept)
    before = rows(app, model)
    first = client.post(url, headers=with_key(headers(role)), **request(dept))
    assert first.status_code in (200, 201), first.get_json()
    assert_replay(first, client.post(url, headers=with_key(headers(role)), **request(dept)))
    assert rows(app, model) == before + 1
    if case == "roster-import":  # another file under the same key is another request
        other = {
            "data": {"people": (io.BytesIO(people_csv(person_row(2))), "people.csv")},
            "content_type": "multipart/form-data",
        }
        assert_error(client.post(url, headers=with_key(headers(role)), **other), 422, HEADER)
        assert rows(app, model) == before + 1


def test_a_feedback_answer_leaves_no_key_behind_and_a_retry_is_already_answered(app, client, dept, headers):
    """A key row would say who answered and when, which feedback storage never says: the
    key is checked, nothing is kept, and the retry meets the answer's own once-only rule."""
    with app.app_context():
        period = feedback_service.current_period(today())
        feedback_service.request_feedback(period, utcnow())
        db.session.commit()
        request_id = db.session.scalar(select(Request.id).where(Request.mentee_id == dept.ids["mentee"]))
        request = db.session.get(Request, request_id)
        items = feedback_service.instrument(request.instrument_key, request.instrument_version).items
    url, body = f"/api/v1/feedback/requests/{request_id}/response", {"answers": {item.id: 5 for item in items}}
    mentee = with_key(headers("mentee"))
    assert_error(client.post(url, json=body, headers=with_key(headers("mentee"), "not a key")), 422, HEADER)
    assert client.post(url, json=body, headers=mentee).status_code == 201
    again = client.post(url, json=body, headers=mentee)
    assert_error(again, 409)
    assert REPLAYED not in again.headers
    assert rows(app, IdempotencyKey) == 0


# Every route, found from the app: a new POST without support fails here -------------------------


def token_posts(app) -> list[str]:
    """Every /api/v1 POST rule whose view needs a token."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "POST" in rule.methods and rule.rule.startswith("/api/v1/") and not getattr(view, "public", False):
            found.append(rule.rule)
    return sorted(found)


def test_every_post_that_needs_a_token_takes_the_key(app, client, dept, headers):
    routes = token_posts(app)
    assert "/api/v1/contributions" in routes and "/api/v1/nominations/<int:nomination_id>/letters" in routes
    admin = headers("admin")
    for rule in routes:
        url = re.sub(r"<[^>]+>", "2025", re.sub(r"<int:[^>]+>", "1", rule))
        response = client.post(url, json={}, headers=with_key(admin, "not a key"))
        assert_error(response, 422, HEADER)
    document = client.get("/api/v1/openapi.json").get_json()
    for rule in routes:
        path = re.sub(r"<(?:int:)?([^>]+)>", r"{\1}", rule)
        operation = document["paths"][path]["post"]
        assert [p["in"] for p in operation["parameters"] if p["name"] == HEADER] == ["header"], path
