"""What is stored for a response, read back with raw SQL as an administrator with database
access would: no column, value, ordering or timestamp links a response to its mentee.

Identifier ranges are pulled apart first (people from 3000, mentorships from 2000,
requests from 1000), so "no stored value is a mentee's id, a mentorship id or a request
id" is an exact check, not one a coincidence of small integers could pass or fail.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime

import pytest
from sqlalchemy import inspect, text

from recognition.extensions import db
from recognition.feedback import service
from recognition.feedback.models import Request
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person

from .conftest import NOW, FeedbackKit

ANONYMOUS_TABLES = ("feedback_responses", "feedback_answers", "feedback_comments")
LINKING_WORDS = re.compile(
    r"mentee|mentorship|request|receipt|person|people|user|email|created|updated|"
    r"submitted|answered|time|date|_at$|_on$|seq|order|position|ts$",
    re.IGNORECASE,
)
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
LOOKS_LIKE_A_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}")


def rows(sql: str, **params) -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(text(sql), params)]


def column(sql: str, **params) -> list:
    return [row[0] for row in db.session.execute(text(sql), params)]


def start_ids_at(session) -> None:
    """Filler rows with high ids (and, on PostgreSQL, sequences moved past them) so the
    ids made next are 3001+ for people, 2001+ for mentorships and 1001+ for requests."""
    for person_id in (2999, 3000):
        session.add(
            Person(
                id=person_id,
                name=f"Filler {person_id}",
                email=f"filler{person_id}@example.org",
                rank="assistant",
                position="other",
                created_at=NOW,
            )
        )
    session.flush()
    session.add(
        Mentorship(
            id=2000, mentor_id=2999, mentee_id=3000, kind="informal", started_on=date(2020, 1, 1), created_at=NOW
        )
    )
    session.flush()
    session.add(
        Request(
            id=1000,
            period="2020",
            mentor_id=2999,
            mentee_id=3000,
            mentorship_id=2000,
            instrument_key="mentor-effectiveness",
            instrument_version=1,
            created_at=NOW,
        )
    )
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        for table, value in (("people", 3000), ("mentorships", 2000), ("feedback_requests", 1000)):
            session.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :value)"), {"table": table, "value": value}
            )
    session.commit()


@pytest.fixture
def answered(app, dept, feedback_kit: FeedbackKit, monkeypatch):
    """Two mentors (CARD and NEPH); five and three mentees answer in a known, interleaved
    order, some with comments. Returns what a linking attack would look for."""
    with app.app_context():
        start_ids_at(db.session)
    made_ids = []
    real_token_hex = secrets.token_hex

    def recording_token_hex(nbytes=None):
        made_ids.append(real_token_hex(nbytes))
        return made_ids[-1]

    monkeypatch.setattr(service.secrets, "token_hex", recording_token_hex)
    kit = feedback_kit
    mentor_a = kit.person("Ada Mentor", "CARD")
    mentor_b = kit.person("Ben Mentor", "NEPH")
    a_mentees = kit.mentees(5, mentor=mentor_a, prefix="Alma")
    b_mentees = kit.mentees(3, mentor=mentor_b, division="NEPH", prefix="Bea")
    kit.ask("2026")
    with app.app_context():
        requests_before = rows("SELECT * FROM feedback_requests ORDER BY id")
        mentorship_ids = column(
            "SELECT id FROM mentorships WHERE mentee_id IN ({})".format(",".join(str(m) for m in a_mentees + b_mentees))
        )
    order = [
        (mentor_a, a_mentees[0], None),
        (mentor_b, b_mentees[0], {"strengths": "Listens well"}),
        (mentor_a, a_mentees[1], {"strengths": "Clear advice", "suggestions": "Meet more often"}),
        (mentor_a, a_mentees[2], None),
        (mentor_b, b_mentees[1], None),
        (mentor_a, a_mentees[3], {"suggestions": "Introduce me to people"}),
        (mentor_b, b_mentees[2], {"suggestions": "Earlier replies please"}),
        (mentor_a, a_mentees[4], None),
    ]
    arrival = []
    for n, (mentor, mentee, comments) in enumerate(order):
        with app.app_context():
            before = set(column("SELECT id FROM feedback_responses"))
        kit.answer(kit.request_id(mentor, mentee, "2026"), value=1 + n % 6, comments=comments)
        with app.app_context():
            new = set(column("SELECT id FROM feedback_responses")) - before
        assert len(new) == 1
        arrival.append(new.pop())
    with app.app_context():
        people = rows(
            "SELECT id, name, email FROM people WHERE id IN ({})".format(
                ",".join(str(m) for m in a_mentees + b_mentees)
            )
        )
    # The ranges really are apart.
    assert min(a_mentees + b_mentees) > 3000 and min(mentorship_ids) > 2000
    assert min(r["id"] for r in requests_before) >= 1000
    return {
        "mentors": (mentor_a, mentor_b),
        "mentees": a_mentees + b_mentees,
        "people": people,
        "request_ids": [r["id"] for r in requests_before],
        "requests_before": requests_before,
        "mentorship_ids": mentorship_ids,
        "arrival": arrival,
        "made_ids": made_ids,
        "comments": {text for _, _, comments in order for text in (comments or {}).values()},
    }


def test_no_column_of_a_response_names_a_mentee_a_mentorship_a_request_or_a_moment(app, answered):
    with app.app_context():
        inspector = inspect(db.engine)
        columns = {table: {c["name"] for c in inspector.get_columns(table)} for table in ANONYMOUS_TABLES}
        assert columns == {
            "feedback_responses": {"id", "mentor_id", "period", "instrument_key", "instrument_version", "release_id"},
            "feedback_answers": {"response_id", "item_id", "value"},
            "feedback_comments": {"response_id", "prompt_id", "text"},
        }
        for table, names in columns.items():
            assert not [name for name in names if LINKING_WORDS.search(name)], table
        references = {
            table: {fk["referred_table"] for fk in inspector.get_foreign_keys(table)} for table in ANONYMOUS_TABLES
        }
        assert references == {
            "feedback_responses": {"people", "feedback_releases"},
            "feedback_answers": {"feedback_responses"},
            "feedback_comments": {"feedback_responses"},
        }
        # Only a response's own answers and comments point at it; nothing anywhere else does.
        pointing = {
            table
            for table in inspector.get_table_names()
            for fk in inspector.get_foreign_keys(table)
            if fk["referred_table"] == "feedback_responses"
        }
        assert pointing == {"feedback_answers", "feedback_comments"}
        # The receipt says who answered, and nothing about which response is theirs.
        assert {c["name"] for c in inspector.get_columns("feedback_receipts")} == {"period", "mentor_id", "mentee_id"}
        assert {fk["referred_table"] for fk in inspector.get_foreign_keys("feedback_receipts")} == {"people"}


def test_every_stored_value_is_accounted_for_and_none_identifies_a_mentee(app, answered):
    mentee_ids = set(answered["mentees"])
    forbidden_ints = mentee_ids | set(answered["mentorship_ids"]) | set(answered["request_ids"])
    forbidden_texts = (
        {p["email"].lower() for p in answered["people"]}
        | {p["name"].lower() for p in answered["people"]}
        | {str(i) for i in forbidden_ints}
    )
    with app.app_context():
        used = service.instrument("mentor-effectiveness", 1)
        responses = rows("SELECT * FROM feedback_responses")
        answers = rows("SELECT * FROM feedback_answers")
        comments = rows("SELECT * FROM feedback_comments")
        releases = set(column("SELECT id FROM feedback_releases"))

    assert len(responses) == 8 and len(answers) == 8 * 12 and len(comments) == 5
    response_ids = {r["id"] for r in responses}
    for r in responses:  # every value is one of a handful of non-identifying things
        assert HEX_ID.match(r["id"])
        assert r["mentor_id"] in answered["mentors"]
        assert r["period"] == "2026"
        assert (r["instrument_key"], r["instrument_version"]) == ("mentor-effectiveness", 1)
        assert r["release_id"] is None or r["release_id"] in releases
    for a in answers:
        assert a["response_id"] in response_ids
        assert a["item_id"] in {item.id for item in used.items}
        assert a["value"] is None or used.scale_min <= a["value"] <= used.scale_max
    for c in comments:
        assert c["response_id"] in response_ids
        assert c["prompt_id"] in {p.id for p in used.prompts}
        assert c["text"] in answered["comments"]
    # And, checked directly: no value is a mentee's id or email or name, a mentorship or
    # request id, or a date or time.
    for row in responses + answers + comments:
        for key, value in row.items():
            assert not isinstance(value, (date, datetime)), key
            if isinstance(value, int) and key != "value":  # an answer's value is a point on the scale
                assert value not in forbidden_ints, (key, value)
            if isinstance(value, str):
                assert value.lower() not in forbidden_texts, (key, value)
                assert not any(needle in value.lower() for needle in forbidden_texts if not needle.isdigit()), key
                assert not LOOKS_LIKE_A_MOMENT.search(value), (key, value)
    assert not mentee_ids & set(answered["mentors"])


def test_response_ids_are_random_and_do_not_follow_arrival(app, answered):
    arrival = answered["arrival"]
    assert all(HEX_ID.match(response_id) for response_id in arrival)
    assert len(set(arrival)) == len(arrival)
    # Every stored id came straight from the CSPRNG (secrets.token_hex, 16 bytes = 128 bits).
    assert arrival == answered["made_ids"]
    assert all(len(made) == 32 for made in answered["made_ids"])


def storage_orders(rows_: list[dict]) -> list[list[str]]:
    """The orders a plain ``SELECT id`` may return that depend on stored values alone: the
    id, or an index's key then the id (SQLite may scan a covering index instead)."""

    def by(*columns):
        return [
            r["id"]
            for r in sorted(
                rows_,
                key=lambda r: tuple((r[c] is not None, r[c] if r[c] is not None else 0) for c in columns) + (r["id"],),
            )
        ]

    return [by(), by("release_id"), by("mentor_id", "period")]


def test_storage_order_is_id_order_not_arrival_order(app, answered, backend):
    with app.app_context():
        stored = column("SELECT id FROM feedback_responses")
        stored_rows = rows("SELECT id, mentor_id, period, release_id FROM feedback_responses")
        answer_ids = column("SELECT response_id FROM feedback_answers")
        comment_ids = column("SELECT response_id FROM feedback_comments")
    assert sorted(stored) == sorted(answered["arrival"])
    groups: dict[tuple, list[str]] = {}
    for row in stored_rows:
        groups.setdefault((row["mentor_id"], row["release_id"]), []).append(row["id"])
    if backend == "sqlite":
        # WITHOUT ROWID tables are B-trees keyed on the random id.
        assert stored in storage_orders(stored_rows)
        assert answer_ids == sorted(answer_ids) and comment_ids == sorted(comment_ids)
    # On both engines each mentor's released block, and their waiting responses, come out
    # in id order: nothing within them follows arrival.
    for ids in groups.values():
        assert [i for i in stored if i in ids] == sorted(ids)
        assert [i for i in dict.fromkeys(answer_ids) if i in ids] == sorted(ids)
        assert [i for i in comment_ids if i in ids] == sorted(i for i in comment_ids if i in ids)


def test_storage_order_follows_ids_even_when_ids_arrive_in_a_telling_order(app, dept, feedback_kit, monkeypatch):
    """The ids are random, so by chance they could sort in arrival order. Here they are
    made to arrive in a known shuffled order: storage must still follow the id."""
    chosen = iter(["c" * 32, "a" * 32, "e" * 32, "b" * 32, "d" * 32])
    monkeypatch.setattr(service.secrets, "token_hex", lambda nbytes=None: next(chosen))
    mentees = [dept.ids["mentee"], *feedback_kit.mentees(4)]
    feedback_kit.ask("2026")
    for mentee in mentees:
        feedback_kit.answer(feedback_kit.request_id(dept.ids["mentor"], mentee, "2026"))
    with app.app_context():
        stored = column("SELECT id FROM feedback_responses")
        by_release = rows("SELECT id, release_id FROM feedback_responses")
    released = sorted(r["id"] for r in by_release if r["release_id"] is not None)
    waiting = sorted(r["id"] for r in by_release if r["release_id"] is None)
    assert released == ["a" * 32, "c" * 32, "e" * 32] and waiting == ["b" * 32, "d" * 32]
    assert stored in (released + waiting, waiting + released, sorted(stored))
    assert stored != ["c" * 32, "a" * 32, "e" * 32, "b" * 32, "d" * 32]


def test_receipts_are_stored_in_mentee_order_and_requests_are_untouched(app, answered):
    mentor_a, mentor_b = answered["mentors"]
    with app.app_context():
        for mentor, mentees in ((mentor_a, answered["mentees"][:5]), (mentor_b, answered["mentees"][5:])):
            stored = column(
                "SELECT mentee_id FROM feedback_receipts WHERE period = '2026' AND mentor_id = :m", m=mentor
            )
            assert stored == sorted(mentees)
        receipts = rows("SELECT * FROM feedback_receipts")
        assert {tuple(sorted(r)) for r in receipts} == {("mentee_id", "mentor_id", "period")}
        arrival = set(answered["arrival"])
        assert not [r for r in receipts for v in r.values() if v in arrival]
        # Answering writes nothing to the request: no flag, no timestamp, no count.
        assert rows("SELECT * FROM feedback_requests ORDER BY id") == answered["requests_before"]


def test_answering_writes_nothing_outside_the_anonymous_tables_and_the_receipt(app, dept, feedback_kit):
    """An audit log, a ledger entry or a 'last seen' column written at submit time would
    carry the mentee and the moment next to the response."""
    mentees = [dept.ids["mentee"], *feedback_kit.mentees(2)]
    feedback_kit.ask("2026")
    with app.app_context():
        tables = inspect(db.engine).get_table_names()

    def snapshot():
        with app.app_context():
            return {table: rows(f"SELECT * FROM {table}") for table in tables}

    for mentee in mentees:
        before = snapshot()
        feedback_kit.answer(feedback_kit.request_id(dept.ids["mentor"], mentee, "2026"))
        after = snapshot()
        changed = {table for table in tables if sorted(map(repr, before[table])) != sorted(map(repr, after[table]))}
        assert changed <= {
            "feedback_responses",
            "feedback_answers",
            "feedback_comments",
            "feedback_receipts",
            "feedback_releases",
        }, changed
