"""/api/v1/feedback: instruments, the mentee's requests and answer, the admins' period
actions, the mentor's report and the division views.

The API reads the real clock, so everything here happens in the current period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from recognition.auth.service import set_password
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.feedback import instruments, service
from recognition.feedback.models import Answer, Comment, Receipt, Release, Request, Response
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from tests.api.error_shape import assert_error
from tests.support.department import PASSWORD

URL = "/api/v1/feedback"
EFFECTIVENESS = instruments.load_all()[("mentor-effectiveness", 1)]
ROLES = ("mentee", "mentor", "director", "other_director", "admin", "outsider", None)


def current() -> str:
    return str(today().year)  # calendar periods, the default


def good_answers(value: int | None = 5) -> dict:
    return {item.id: value for item in EFFECTIVENESS.items}


def stored(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Request, Response, Answer, Comment, Receipt, Release)
        }


def ask(app, period: str | None = None) -> None:
    """Create and send the period's requests, as the admin endpoint does."""
    with app.app_context():
        now = utcnow()
        service.send_requests(service.request_feedback(period or current(), now), now)
        db.session.commit()


def request_id(app, mentee_id: int, period: str | None = None) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Request.id).where(Request.mentee_id == mentee_id, Request.period == (period or current()))
        )


def extra_mentees(app, dept, count: int, mentor: str = "mentor") -> list[dict]:
    """More mentees of ``mentor``, each with [id, bearer headers] for the API."""
    made = []
    with app.app_context():
        for n in range(count):
            person = Person(
                name=f"Extra Mentee {n + 1}",
                email=f"extra{n + 1}@test.example.org",
                division_id=dept.divisions["CARD"],
                rank="assistant",
                position="clinician_teacher",
                appointed_on=date(2023, 7, 1),
                created_at=utcnow(),
            )
            db.session.add(person)
            db.session.flush()
            set_password(person, PASSWORD, utcnow())
            db.session.add(
                Mentorship(
                    mentor_id=dept.ids[mentor],
                    mentee_id=person.id,
                    kind="formal",
                    started_on=date(2024, 1, 1),
                    created_at=utcnow(),
                )
            )
            made.append((person.id, person.email))
        db.session.commit()
    return [{"id": person_id, "email": email} for person_id, email in made]


def bearer(client, email: str) -> dict:
    response = client.post("/api/v1/auth/tokens", json={"email": email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def respond(client, request_id: int, headers: dict, answers=None, comments=None):
    body = {"answers": good_answers() if answers is None else answers}
    if comments is not None:
        body["comments"] = comments
    return client.post(f"{URL}/requests/{request_id}/response", json=body, headers=headers)


# Instruments --------------------------------------------------------------------------


def test_instruments_are_listed_with_scale_items_and_prompts(client, headers):
    response = client.get(f"{URL}/instruments", headers=headers("mentee"))
    assert response.status_code == 200
    listed = {(row["key"], row["version"]): row for row in response.get_json()}
    assert set(listed) >= {("mentor-effectiveness", 1), ("mentoring-competency", 1)}
    first = listed[("mentor-effectiveness", 1)]
    assert first["title"] == "Mentor effectiveness" and first["description"]
    assert first["scale"] == {"min": 1, "max": 6, "labels": list(EFFECTIVENESS.labels)}
    assert first["not_applicable"] is True
    assert [item["id"] for item in first["items"]] == [item.id for item in EFFECTIVENESS.items]
    assert first["items"][0] == {"id": "accessible", "text": EFFECTIVENESS.items[0].text}
    assert first["prompts"][0] == {"id": "strengths", "prompt": EFFECTIVENESS.prompts[0].prompt, "max_length": 1000}
    assert len(listed[("mentoring-competency", 1)]["items"]) == 6


def test_one_instrument_version(client, headers):
    response = client.get(f"{URL}/instruments/mentoring-competency/1", headers=headers("outsider"))
    assert response.status_code == 200
    assert response.get_json()["scale"]["max"] == 7
    for missing in ("mentoring-competency/2", "no-such-thing/1"):
        assert_error(client.get(f"{URL}/instruments/{missing}", headers=headers("admin")), 404)


# Requests ------------------------------------------------------------------------------


def test_a_mentee_lists_and_opens_their_requests(app, client, dept, headers):
    ask(app)
    response = client.get(f"{URL}/requests", headers=headers("mentee"))
    assert response.status_code == 200
    [row] = response.get_json()
    deadline = date(today().year, 12, 31) + timedelta(days=app.config["FEEDBACK_ANSWER_DAYS_AFTER_PERIOD"])
    assert row == {
        "id": request_id(app, dept.ids["mentee"]),
        "period": current(),
        "mentor": {"id": dept.ids["mentor"], "name": "Mentor Person"},
        "answered": False,
        "open": True,
        "deadline": deadline.isoformat(),
    }

    detail = client.get(f"{URL}/requests/{row['id']}", headers=headers("mentee")).get_json()
    assert {key: detail[key] for key in row} == row
    assert (detail["instrument"]["key"], detail["instrument"]["version"]) == ("mentor-effectiveness", 1)
    assert len(detail["instrument"]["items"]) == 12
    # The mentor is no mentee: they have no requests, and the mentee's is not theirs to open.
    assert client.get(f"{URL}/requests", headers=headers("mentor")).get_json() == []
    assert_error(client.get(f"{URL}/requests/{row['id']}", headers=headers("mentor")), 404)
    assert_error(client.get(f"{URL}/requests/999999", headers=headers("mentee")), 404)


def test_a_past_periods_request_is_closed(app, client, dept, headers):
    past = str(today().year - 2)
    ask(app, past)
    [row] = client.get(f"{URL}/requests", headers=headers("mentee")).get_json()
    assert (row["period"], row["open"]) == (past, False)
    before = stored(app)
    body = assert_error(respond(client, row["id"], headers("mentee")), 409, "request")
    assert "closed" in body["message"]
    assert stored(app) == before


# Answering ---------------------------------------------------------------------------


def test_a_mentee_answers_once_and_gets_nothing_back_but_a_receipt(app, client, dept, headers):
    ask(app)
    rid = request_id(app, dept.ids["mentee"])
    before = stored(app)
    answers = {**good_answers(4), "accessible": 6, "challenges": None}  # null: not applicable, allowed here
    response = respond(
        client, rid, headers("mentee"), answers, {"strengths": "Always makes time.", "suggestions": "  "}
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"received", "message"} and body["received"] is True
    assert "cannot be seen or changed" in body["message"]
    after = stored(app)
    assert after["feedback_responses"] == before["feedback_responses"] + 1
    assert after["feedback_answers"] == before["feedback_answers"] + 12
    assert after["feedback_comments"] == before["feedback_comments"] + 1  # the blank one is dropped
    assert after["feedback_receipts"] == before["feedback_receipts"] + 1
    with app.app_context():
        assert db.session.scalar(select(Answer.value).where(Answer.item_id == "challenges")) is None
    [row] = client.get(f"{URL}/requests", headers=headers("mentee")).get_json()
    assert row["answered"] is True
    assert client.get(f"{URL}/requests/{rid}", headers=headers("mentee")).get_json()["answered"] is True

    second = respond(client, rid, headers("mentee"), good_answers(1))
    body = assert_error(second, 409, "request")
    assert "already given feedback on Mentor Person" in body["message"]
    assert stored(app) == after


@pytest.mark.parametrize(
    ("answers", "comments", "field"),
    [
        ({key: value for key, value in good_answers().items() if key != "accessible"}, None, "answers.accessible"),
        ({**good_answers(), "accessible": 7}, None, "answers.accessible"),
        ({**good_answers(), "accessible": 0}, None, "answers.accessible"),
        ({**good_answers(), "accessible": -1}, None, "answers.accessible"),
        ({**good_answers(), "accessible": True}, None, "answers.accessible"),
        ({**good_answers(), "accessible": "5"}, None, "answers.accessible"),
        ({**good_answers(), "accessible": 4.5}, None, "answers.accessible"),
        ({**good_answers(), "bogus": 3}, None, "answers.bogus"),
        (good_answers(), {"strengths": "x" * 1001}, "comments.strengths"),
        (good_answers(), {"bogus": "hello"}, "comments.bogus"),
        (good_answers(), {"strengths": 5}, "comments.strengths"),
        ({}, None, "answers.integrity"),
        ([5] * 12, None, "answers"),
        ("all fives", None, "answers"),
    ],
    ids=[
        "missing item",
        "above the scale",
        "zero",
        "negative",
        "bool",
        "text",
        "fraction",
        "unknown item",
        "comment too long",
        "unknown prompt",
        "comment not text",
        "nothing answered",
        "a list",
        "a string",
    ],
)
def test_a_bad_answer_is_refused_naming_the_field_and_nothing_is_stored(
    app, client, dept, headers, answers, comments, field
):
    ask(app)
    rid = request_id(app, dept.ids["mentee"])
    before = stored(app)

    assert_error(respond(client, rid, headers("mentee"), answers, comments), 422, field)

    assert stored(app) == before
    # Nothing was used up: the mentee can still answer properly.
    assert respond(client, rid, headers("mentee")).status_code == 201


def test_answers_must_be_sent(app, client, dept, headers):
    ask(app)
    rid = request_id(app, dept.ids["mentee"])
    before = stored(app)
    assert_error(
        client.post(f"{URL}/requests/{rid}/response", json={"comments": {}}, headers=headers("mentee")), 422, "answers"
    )
    assert stored(app) == before


def test_a_comment_at_the_limit_is_kept(app, client, dept, headers):
    ask(app)
    response = respond(
        client, request_id(app, dept.ids["mentee"]), headers("mentee"), comments={"strengths": "x" * 1000}
    )
    assert response.status_code == 201, response.get_json()


def test_not_applicable_is_refused_where_the_instrument_has_none(app, client, dept, headers, instance_path):
    strict = json.loads(EFFECTIVENESS.definition)
    strict.update(key="strict-scale", title="No not-applicable")
    strict["scale"]["not_applicable"] = False
    (instance_path / "instruments").mkdir()
    (instance_path / "instruments" / "strict.json").write_text(json.dumps(strict), encoding="utf-8")
    app.config["FEEDBACK_INSTRUMENT"] = "strict-scale"
    ask(app)
    rid = request_id(app, dept.ids["mentee"])
    before = stored(app)

    body = assert_error(
        respond(client, rid, headers("mentee"), {**good_answers(), "accessible": None}), 422, "answers.accessible"
    )
    assert "no not-applicable" in body["errors"]["answers.accessible"][0]
    assert stored(app) == before
    assert respond(client, rid, headers("mentee")).status_code == 201


# Periods (admins) --------------------------------------------------------------------


def test_an_admin_asks_for_a_period_and_the_requests_are_mailed(app, client, dept, headers, instance_path):
    response = client.post(f"{URL}/periods/{current()}/requests", headers=headers("admin"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 2, "sent": 2, "sent_to": str(instance_path / "outbox")}
    assert len(list((instance_path / "outbox").glob("*.eml"))) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Request).where(Request.sent_at.is_(None))) == 0

    again = client.post(f"{URL}/periods/{current()}/requests", headers=headers("admin"))
    assert again.get_json() == {"created": 0, "sent": 0, "sent_to": "nothing to send"}
    assert len(list((instance_path / "outbox").glob("*.eml"))) == 2


def test_reminders_go_to_those_who_have_not_answered(app, client, dept, headers, instance_path):
    ask(app)
    assert client.post(f"{URL}/periods/{current()}/reminders", headers=headers("admin")).get_json() == {"reminded": 0}
    with app.app_context():  # the requests went out three weeks ago
        db.session.execute(update(Request).values(sent_at=utcnow() - timedelta(days=21)))
        db.session.commit()
    assert respond(client, request_id(app, dept.ids["mentee"]), headers("mentee")).status_code == 201

    response = client.post(f"{URL}/periods/{current()}/reminders", headers=headers("admin"))
    assert response.status_code == 200
    assert response.get_json() == {"reminded": 1}
    with app.app_context():
        reminded = db.session.scalars(select(Request).where(Request.reminders == 1)).all()
        assert [r.mentee_id for r in reminded] == [dept.ids["other_mentee"]]
    assert client.post(f"{URL}/periods/{current()}/reminders", headers=headers("admin")).get_json() == {"reminded": 0}


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("post", "/periods/{academic}/requests", "period"),
        ("post", "/periods/20x5/requests", "period"),
        ("post", "/periods/{next}/requests", "period"),
        ("post", "/periods/{academic}/reminders", "period"),
        ("post", "/periods/1/reminders", "period"),
        ("get", "/reports?period={academic}", "period"),
        ("get", "/reports?period=2025-1", "period"),
        ("get", "/reports?period=" + "9" * 30, "period"),
        ("get", "/divisions/{card}?period=last", "period"),
        ("get", "/department?period={academic}", "period"),
        ("get", "/reports?mentor_id=0", "mentor_id"),
        ("get", f"/reports?mentor_id={2**40}", "mentor_id"),
    ],
)
def test_a_wrong_period_is_refused_naming_it(app, client, dept, headers, method, path, field):
    year = today().year
    url = URL + path.format(academic=f"{year}-{(year + 1) % 100:02d}", next=year + 1, card=dept.divisions["CARD"])
    before = stored(app)
    assert_error(getattr(client, method)(url, headers=headers("admin")), 422, field)
    assert stored(app) == before


# Reports -----------------------------------------------------------------------------


def test_the_report_is_withheld_until_k_responses_then_shown(app, client, dept, headers):
    extras = extra_mentees(app, dept, 2)
    mentees = [(dept.ids["mentee"], headers("mentee"))] + [(m["id"], bearer(client, m["email"])) for m in extras]
    values = [6, 5, 4]
    said = ["Clear and kind.", "Makes time for me.", "Pushes me to publish."]

    def report(role="mentor", **query):
        response = client.get(f"{URL}/reports", query_string=query, headers=headers(role))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    before_asking = report()
    assert (before_asking["shown"], before_asking["waiting"], before_asking["summary"]) == (False, False, None)
    ask(app)
    asked = report()
    assert (asked["shown"], asked["waiting"], asked["summary"]) == (False, True, None)
    assert asked["mentor"] == {"id": dept.ids["mentor"], "name": "Mentor Person"}
    assert (asked["period"], asked["k"]) == (current(), 3)
    assert "at least 3 responses" in asked["withheld"]
    assert asked["instrument"] is asked["division"] is asked["department"] is None
    assert asked["trend"] == asked["comments"] == asked["pooled_periods"] == asked["release_ids"] == []

    seen = []
    for (mentee_id, mentee_headers), value, text in zip(mentees[:2], values[:2], said[:2], strict=True):
        assert (
            respond(
                client, request_id(app, mentee_id), mentee_headers, good_answers(value), {"strengths": text}
            ).status_code
            == 201
        )
        seen.append(report())
    # No count, not even "someone answered": after no answer, one and two, the report is
    # the same, word for word, and so is what a director or an admin sees.
    assert seen == [asked, asked]
    for role in ("director", "admin"):
        assert report(role, mentor_id=dept.ids["mentor"]) == asked

    mentee_id, mentee_headers = mentees[2]
    assert (
        respond(
            client,
            request_id(app, mentee_id),
            mentee_headers,
            good_answers(values[2]),
            {"strengths": said[2], "suggestions": "More structure."},
        ).status_code
        == 201
    )
    shown = report()
    assert (shown["shown"], shown["waiting"], shown["withheld"]) == (True, False, None)
    assert shown["pooled_periods"] == [current()]
    assert len(shown["release_ids"]) == 1
    assert shown["instrument"]["key"] == "mentor-effectiveness" and "prompts" not in shown["instrument"]
    summary = shown["summary"]
    assert (summary["responses"], summary["overall"]) == (3, 5.0)
    first = summary["items"][0]
    assert first == {
        "item_id": "accessible",
        "text": EFFECTIVENESS.items[0].text,
        "answered": 3,
        "not_applicable": 0,
        "mean": 5.0,
        "distribution": [0, 0, 0, 1, 1, 1],
    }
    assert shown["department"]["responses"] == shown["division"]["responses"] == 3
    assert shown["division"]["items"][0] == {"item_id": "accessible", "mean": 5.0}
    assert shown["trend"] == [{"periods": [current()], "responses": 3, "overall": 5.0}]
    comments = {group["prompt"]: sorted(group["texts"]) for group in shown["comments"]}
    assert comments == {
        EFFECTIVENESS.prompts[0].prompt: sorted(said),
        EFFECTIVENESS.prompts[1].prompt: ["More structure."],
    }

    # Directors and admins: the same aggregates, never a comment.
    for role in ("director", "admin"):
        response = client.get(f"{URL}/reports", query_string={"mentor_id": dept.ids["mentor"]}, headers=headers(role))
        body = response.get_json()
        assert body["comments"] == []
        assert body["summary"] == summary
        for text in [*said, "More structure."]:
            assert text not in response.get_data(as_text=True)


def test_division_and_department_views_show_released_blocks_only(app, client, dept, headers):
    extras = extra_mentees(app, dept, 2)
    ask(app)
    card = dept.divisions["CARD"]

    def view(url, role):
        response = client.get(url, headers=headers(role))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    mentees = [(dept.ids["mentee"], headers("mentee"))] + [(m["id"], bearer(client, m["email"])) for m in extras]
    for mentee_id, mentee_headers in mentees[:2]:
        respond(client, request_id(app, mentee_id), mentee_headers, comments={"strengths": "secret words"})
    waiting = view(f"{URL}/divisions/{card}", "director")
    assert waiting == {
        "division": {"id": card, "name": "Cardiology", "code": "CARD"},
        "period": current(),
        "k": 3,
        "instrument": None,
        "summary": None,
        "mentors": [],
    }
    assert view(f"{URL}/department", "admin")["summary"] is None

    respond(client, request_id(app, mentees[2][0]), mentees[2][1])
    for url, role in (
        (f"{URL}/divisions/{card}", "director"),
        (f"{URL}/divisions/{card}", "admin"),
        (f"{URL}/department", "admin"),
    ):
        body = view(url, role)
        assert body["summary"]["responses"] == 3
        assert body["mentors"] == [
            {"mentor": {"id": dept.ids["mentor"], "name": "Mentor Person"}, "responses": 3, "overall": 5.0}
        ]
        assert "secret words" not in json.dumps(body)
    assert view(f"{URL}/department", "admin")["division"] is None
    nephrology = view(f"{URL}/divisions/{dept.divisions['NEPH']}", "other_director")
    assert nephrology["summary"] is None and nephrology["mentors"] == []
    assert_error(client.get(f"{URL}/divisions/999999", headers=headers("admin")), 404)


# Who may do what ---------------------------------------------------------------------


@dataclass
class World:
    request_id: int
    division_id: int
    mentor_id: int


@pytest.fixture
def world(app, dept) -> World:
    ask(app)
    return World(request_id(app, dept.ids["mentee"]), dept.divisions["CARD"], dept.ids["mentor"])


ENDPOINTS = {
    "instruments": ("get", lambda w: "/instruments"),
    "instrument": ("get", lambda w: "/instruments/mentor-effectiveness/1"),
    "own requests": ("get", lambda w: "/requests"),
    "request": ("get", lambda w: f"/requests/{w.request_id}"),
    "answer": ("post", lambda w: f"/requests/{w.request_id}/response"),
    "ask for a period": ("post", lambda w: f"/periods/{current()}/requests"),
    "remind for a period": ("post", lambda w: f"/periods/{current()}/reminders"),
    "own report": ("get", lambda w: "/reports"),
    "the mentor's report": ("get", lambda w: f"/reports?mentor_id={w.mentor_id}"),
    "division view": ("get", lambda w: f"/divisions/{w.division_id}"),
    "department view": ("get", lambda w: "/department"),
}
# The request is the mentee's; the mentor and division are CARD's.
#                          mentee mentor director other_director admin outsider no-token
MATRIX = {
    "instruments": (200, 200, 200, 200, 200, 200, 401),
    "instrument": (200, 200, 200, 200, 200, 200, 401),
    "own requests": (200, 200, 200, 200, 200, 200, 401),
    "request": (200, 404, 404, 404, 404, 404, 401),
    "answer": (201, 404, 404, 404, 404, 404, 401),
    "ask for a period": (403, 403, 403, 403, 200, 403, 401),
    "remind for a period": (403, 403, 403, 403, 200, 403, 401),
    "own report": (200, 200, 200, 200, 200, 200, 401),
    "the mentor's report": (404, 200, 200, 404, 200, 404, 401),
    "division view": (403, 403, 200, 403, 200, 403, 401),
    "department view": (403, 403, 403, 403, 200, 403, 401),
}
CASES = [
    (endpoint, role, status)
    for endpoint, statuses in MATRIX.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("endpoint", "role", "status"), CASES, ids=[f"{e}-{r}" for e, r, _ in CASES])
def test_who_may_do_what(app, client, headers, world, endpoint, role, status):
    method, path = ENDPOINTS[endpoint]
    before = stored(app)
    kwargs = {"json": {"answers": good_answers()}} if method == "post" else {}
    response = getattr(client, method)(URL + path(world), headers=headers(role), **kwargs)
    assert response.status_code == status, response.get_json()
    if status >= 400:
        assert_error(response, status, *(["Authorization"] if role is None else []))
        assert stored(app) == before
    if endpoint == "own requests" and status == 200:
        assert len(response.get_json()) == (1 if role == "mentee" else 0)
