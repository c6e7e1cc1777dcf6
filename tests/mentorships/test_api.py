"""/api/v1/mentorships: start, end, history, filters, and who may do what.

The test department (tests/support/department.py): CARD has director, mentor, mentee and
admin; NEPH has other_director, other_mentor, other_mentee, outsider and the committee
members. mentor→mentee and other_mentor→other_mentee are formal, since 2024-01-01.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from recognition.clock import today
from recognition.extensions import db
from recognition.people.models import Person
from tests.api.error_shape import assert_error

URL = "/api/v1/mentorships"
REPORTS_TO = "a formal mentor cannot be someone the mentee reports to"


def start(client, headers, **body):
    return client.post(URL, json=body, headers=headers)


def set_supervisor(app, dept, person: str, supervisor: str) -> None:
    with app.app_context():
        db.session.get(Person, dept.ids[person]).supervisor_id = dept.ids[supervisor]
        db.session.commit()


# --- start ------------------------------------------------------------------------------


def test_start_returns_the_new_mentorship(client, dept, auth):
    response = start(
        client,
        auth("admin"),
        mentor_id=dept.ids["other_mentor"],
        mentee_id=dept.ids["mentee"],
        kind="formal",
        started_on="2025-01-06",
        backdate_reason="Agreed in January 2025; entered now.",
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["backdated"] is True and body["backdate_reason"] == "Agreed in January 2025; entered now."
    assert body["created_by"] == {"id": dept.ids["admin"], "name": "Admin Person"}
    assert body["mentor_id"] == dept.ids["other_mentor"]
    assert body["mentee_id"] == dept.ids["mentee"]
    assert body["mentor"] == {"id": dept.ids["other_mentor"], "name": "Other Mentor Person"}
    assert body["mentee"] == {"id": dept.ids["mentee"], "name": "Mentee Person"}
    assert body["kind"] == "formal"
    assert body["started_on"] == "2025-01-06"
    assert body["ended_on"] is None and body["end_reason"] is None

    fetched = client.get(f"{URL}/{body['id']}", headers=auth("admin"))
    assert fetched.status_code == 200
    assert fetched.json == body


def test_a_back_dated_start_needs_a_reason_and_is_flagged(app, client, dept, auth, mentorship_rows):
    """A director back-dating an informal mentorship to 2015 (the issue's manufactured
    conflict) must say why; the reason is kept, shown, and never changes."""
    body = {
        "mentor_id": dept.ids["mentor"],
        "mentee_id": dept.ids["other_mentee"],
        "kind": "informal",
        "started_on": "2015-03-01",
    }
    before = mentorship_rows()
    refused = assert_error(start(client, auth("admin"), **body), 422, "backdate_reason")
    assert refused["errors"]["backdate_reason"][0].startswith("is required: the start date is more than 30 days")
    assert_error(start(client, auth("admin"), **body, backdate_reason="   "), 422, "backdate_reason")
    assert mentorship_rows() == before

    recent = start(
        client,
        auth("admin"),
        mentor_id=dept.ids["other_mentor"],
        mentee_id=dept.ids["mentee"],
        kind="informal",
        started_on=(today() - timedelta(days=30)).isoformat(),
    )
    assert recent.status_code == 201 and recent.json["backdated"] is False and recent.json["backdate_reason"] is None

    made = start(client, auth("admin"), **body, backdate_reason="Mentored informally since residency.")
    assert made.status_code == 201 and made.json["backdated"] is True
    listed = client.get(URL, headers=auth("admin"), query_string={"mentee_id": dept.ids["other_mentee"]}).json
    assert {m["id"]: m["backdated"] for m in listed["items"]}[made.json["id"]] is True

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with app.app_context():
        with pytest.raises(DBAPIError, match="back-dated"):
            db.session.execute(
                text("UPDATE mentorships SET backdate_reason = 'rewritten' WHERE id = :id"), {"id": made.json["id"]}
            )
            db.session.flush()
        db.session.rollback()
    assert client.get(f"{URL}/{made.json['id']}", headers=auth("admin")).json["backdate_reason"] == (
        "Mentored informally since residency."
    )


def test_start_defaults_to_today(client, dept, auth):
    response = start(
        client, auth("admin"), mentor_id=dept.ids["other_mentor"], mentee_id=dept.ids["mentee"], kind="informal"
    )
    assert response.status_code == 201, response.json
    assert response.json["started_on"] == today().isoformat()


def test_a_person_cannot_be_their_own_mentor(client, dept, auth, mentorship_rows):
    before = mentorship_rows()
    response = start(client, auth("admin"), mentor_id=dept.ids["mentee"], mentee_id=dept.ids["mentee"], kind="formal")
    body = assert_error(response, 422, "mentor_id")
    assert body["errors"]["mentor_id"] == ["a person cannot be their own mentor"]
    assert mentorship_rows() == before


def test_formal_mentor_cannot_be_the_mentees_division_director(client, dept, auth, mentorship_rows):
    before = mentorship_rows()
    response = start(client, auth("admin"), mentor_id=dept.ids["director"], mentee_id=dept.ids["mentee"], kind="formal")
    body = assert_error(response, 422, "mentor_id")
    reason = "the mentor directs the mentee's division; " + REPORTS_TO
    assert body["errors"]["mentor_id"] == [reason]
    assert reason in body["message"]
    assert "Director Person" in body["message"] and "Mentee Person" in body["message"]
    assert mentorship_rows() == before


def test_formal_mentor_cannot_be_the_supervisor_on_record(app, client, dept, auth, mentorship_rows):
    set_supervisor(app, dept, "mentee", "outsider")
    before = mentorship_rows()
    response = start(client, auth("admin"), mentor_id=dept.ids["outsider"], mentee_id=dept.ids["mentee"], kind="formal")
    body = assert_error(response, 422, "mentor_id")
    reason = "the mentor is the mentee's supervisor on record; " + REPORTS_TO
    assert body["errors"]["mentor_id"] == [reason]
    assert reason in body["message"]
    assert mentorship_rows() == before


def test_another_divisions_director_may_be_a_formal_mentor(client, dept, auth):
    """Only the mentee's own division director is someone they report to."""
    response = start(
        client, auth("admin"), mentor_id=dept.ids["other_director"], mentee_id=dept.ids["mentee"], kind="formal"
    )
    assert response.status_code == 201, response.json


@pytest.mark.parametrize("kind", ["peer_group", "sponsorship", "informal"])
def test_non_formal_kinds_allow_the_director_and_the_supervisor(app, client, dept, auth, kind):
    set_supervisor(app, dept, "mentee", "outsider")
    for mentor in ("director", "outsider"):
        response = start(client, auth("admin"), mentor_id=dept.ids[mentor], mentee_id=dept.ids["mentee"], kind=kind)
        assert response.status_code == 201, (mentor, response.json)
        assert response.json["kind"] == kind


def test_a_second_open_mentorship_of_the_same_kind_is_a_conflict(client, dept, auth, mentorship_rows):
    before = mentorship_rows()
    response = start(client, auth("admin"), mentor_id=dept.ids["mentor"], mentee_id=dept.ids["mentee"], kind="formal")
    body = assert_error(response, 409, "mentee_id")
    assert f"mentorship {dept.mentorship_id}" in body["message"]
    assert mentorship_rows() == before


def test_the_same_pair_may_have_another_kind_or_start_again_after_ending(client, dept, auth):
    admin = auth("admin")
    pair = {"mentor_id": dept.ids["mentor"], "mentee_id": dept.ids["mentee"]}
    assert start(client, admin, kind="sponsorship", **pair).status_code == 201
    assert client.post(f"{URL}/{dept.mentorship_id}/end", json={}, headers=admin).status_code == 200
    again = start(client, admin, kind="formal", **pair)
    assert again.status_code == 201, again.json
    assert again.json["id"] != dept.mentorship_id


def test_start_in_the_future_is_refused(client, dept, auth, mentorship_rows):
    before = mentorship_rows()
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = start(
        client,
        auth("admin"),
        mentor_id=dept.ids["other_mentor"],
        mentee_id=dept.ids["mentee"],
        kind="formal",
        started_on=tomorrow,
    )
    body = assert_error(response, 422, "started_on")
    assert body["errors"]["started_on"] == ["must not be in the future"]
    assert mentorship_rows() == before


@pytest.mark.parametrize("field", ["mentor_id", "mentee_id"])
def test_an_unknown_person_is_named(client, dept, auth, mentorship_rows, field):
    before = mentorship_rows()
    body = {"mentor_id": dept.ids["other_mentor"], "mentee_id": dept.ids["mentee"], "kind": "formal", field: 99_999}
    response = start(client, auth("admin"), **body)
    errors = assert_error(response, 422, field)["errors"]
    assert errors == {field: ["must name an existing person"]}
    assert mentorship_rows() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"mentor_id", "mentee_id", "kind"}),
        ({"mentor_id": 3, "mentee_id": 4}, {"kind"}),
        ({"mentor_id": 3, "mentee_id": 4, "kind": "buddy"}, {"kind"}),
        ({"mentor_id": "three", "mentee_id": 4, "kind": "formal"}, {"mentor_id"}),
        ({"mentor_id": 0, "mentee_id": 4, "kind": "formal"}, {"mentor_id"}),
        ({"mentor_id": 2**63, "mentee_id": 4, "kind": "formal"}, {"mentor_id"}),
        ({"mentor_id": 3, "mentee_id": 4, "kind": "formal", "started_on": "2024-02-30"}, {"started_on"}),
        ({"mentor_id": 3, "mentee_id": 4, "kind": "formal", "group_name": "x" * 121}, {"group_name"}),
        ({"mentor_id": 3, "mentee_id": 4, "kind": "formal", "ended_on": "2024-01-01"}, {"ended_on"}),
        ({"mentor_id": 3, "mentee_id": 4, "kind": "formal", "colour": "blue"}, {"colour"}),
    ],
    ids=[
        "empty",
        "no-kind",
        "unknown-kind",
        "id-not-a-number",
        "id-zero",
        "id-overflow",
        "impossible-date",
        "group-name-too-long",
        "ended-on-is-read-only",
        "unknown-field",
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(client, dept, auth, mentorship_rows, body, fields):
    before = mentorship_rows()
    response = start(client, auth("admin"), **body)
    errors = assert_error(response, 422)["errors"]
    assert set(errors) == fields
    assert mentorship_rows() == before


def test_a_body_that_is_not_json_changes_nothing(client, auth, mentorship_rows):
    before = mentorship_rows()
    response = client.post(URL, data="{not json", content_type="application/json", headers=auth("admin"))
    assert_error(response, 400)
    assert mentorship_rows() == before


# --- end ----------------------------------------------------------------------------------


def end(client, headers, mentorship_id, **body):
    return client.post(f"{URL}/{mentorship_id}/end", json=body, headers=headers)


def test_end_keeps_the_date_and_reason(client, dept, auth):
    response = end(client, auth("admin"), dept.mentorship_id, ended_on="2025-03-31", reason="  Mentee moved away ")
    assert response.status_code == 200, response.json
    assert response.json["ended_on"] == "2025-03-31"
    assert response.json["end_reason"] == "Mentee moved away"
    assert response.json["started_on"] == "2024-01-01"

    fetched = client.get(f"{URL}/{dept.mentorship_id}", headers=auth("admin")).json
    assert fetched["ended_on"] == "2025-03-31" and fetched["end_reason"] == "Mentee moved away"


def test_end_defaults_to_today(client, dept, auth):
    response = end(client, auth("admin"), dept.mentorship_id)
    assert response.status_code == 200, response.json
    assert response.json["ended_on"] == today().isoformat()
    assert response.json["end_reason"] is None


def test_ending_twice_is_a_conflict_and_keeps_the_first_date(client, dept, auth):
    assert end(client, auth("admin"), dept.mentorship_id, ended_on="2025-03-31").status_code == 200
    second = end(client, auth("admin"), dept.mentorship_id, ended_on="2025-04-30")
    body = assert_error(second, 409, "ended_on")
    assert "2025-03-31" in body["message"]
    assert client.get(f"{URL}/{dept.mentorship_id}", headers=auth("admin")).json["ended_on"] == "2025-03-31"


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"ended_on": "2023-12-31"}, "ended_on", "must not be before the mentorship started"),
        ({"ended_on": "FUTURE"}, "ended_on", "must not be in the future"),
        ({"ended_on": "31/03/2025"}, "ended_on", None),
        ({"reason": "x" * 2001}, "reason", None),
    ],
    ids=["before-start", "future", "not-a-date", "reason-too-long"],
)
def test_bad_end_names_the_field_and_leaves_the_mentorship_open(client, dept, auth, body, field, rule):
    if body.get("ended_on") == "FUTURE":
        body = {"ended_on": (today() + timedelta(days=1)).isoformat()}
    response = end(client, auth("admin"), dept.mentorship_id, **body)
    errors = assert_error(response, 422, field)["errors"]
    if rule:
        assert errors[field] == [rule]
    assert client.get(f"{URL}/{dept.mentorship_id}", headers=auth("admin")).json["ended_on"] is None


def test_ending_an_unknown_mentorship_is_not_found(client, auth):
    assert_error(end(client, auth("admin"), 99_999), 404)


def test_history_is_kept(client, dept, auth, mentorship_rows):
    before = mentorship_rows()
    assert end(client, auth("admin"), dept.mentorship_id, ended_on="2025-03-31").status_code == 200
    assert mentorship_rows() == before

    ended = client.get(URL, query_string={"active": "false"}, headers=auth("admin")).json
    assert [item["id"] for item in ended["items"]] == [dept.mentorship_id]
    assert ended["items"][0]["ended_on"] == "2025-03-31"

    active = client.get(URL, query_string={"active": "true"}, headers=auth("admin")).json
    assert [item["id"] for item in active["items"]] == [dept.other_mentorship_id]

    # The people in it still see it.
    mine = client.get(URL, headers=auth("mentee")).json
    assert [item["id"] for item in mine["items"]] == [dept.mentorship_id]


# --- list: filters and pagination -------------------------------------------------------


@pytest.fixture
def many(app, dept):
    """Extra mentorships, so every filter has something to keep and something to drop."""
    with app.app_context():
        ids = {
            "card_peer": dept.pair("mentor", "mentee", kind="peer_group", started_on=date(2023, 5, 1)),
            "cross_informal": dept.pair("other_mentor", "mentee", kind="informal", started_on=date(2024, 6, 1)),
            "neph_sponsor": dept.pair("outsider", "other_mentee", kind="sponsorship", started_on=date(2022, 9, 1)),
        }
        from recognition.mentorships.models import Mentorship

        ended = db.session.get(Mentorship, ids["neph_sponsor"])
        ended.ended_on = date(2023, 8, 31)
        db.session.commit()
    return {"card_formal": dept.mentorship_id, "neph_formal": dept.other_mentorship_id, **ids}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["cross_informal", "neph_formal", "card_formal", "card_peer", "neph_sponsor"]),
        ({"person_id": "mentee"}, ["cross_informal", "card_formal", "card_peer"]),
        ({"person_id": "other_mentor"}, ["cross_informal", "neph_formal"]),
        ({"mentor_id": "mentor"}, ["card_formal", "card_peer"]),
        ({"mentee_id": "other_mentee"}, ["neph_formal", "neph_sponsor"]),
        ({"division_id": "CARD"}, ["cross_informal", "card_formal", "card_peer"]),
        ({"division_id": "NEPH"}, ["neph_formal", "neph_sponsor"]),
        ({"kind": "formal"}, ["neph_formal", "card_formal"]),
        ({"kind": "sponsorship"}, ["neph_sponsor"]),
        ({"active": "true"}, ["cross_informal", "neph_formal", "card_formal", "card_peer"]),
        ({"active": "false"}, ["neph_sponsor"]),
        ({"active_on": "2023-06-01"}, ["card_peer", "neph_sponsor"]),
        ({"active_on": "2023-08-31"}, ["card_peer", "neph_sponsor"]),
        ({"active_on": "2023-09-01"}, ["card_peer"]),
        ({"active_on": "2022-01-01"}, []),
        ({"mentor_id": "mentor", "kind": "peer_group"}, ["card_peer"]),
    ],
)
def test_list_filters(client, dept, auth, many, query, expected):
    """Newest start first, then newest id; ids and division codes in the table are
    resolved per test."""
    resolved = {}
    for key, value in query.items():
        if key == "division_id":
            value = dept.divisions[value]
        elif key.endswith("_id"):
            value = dept.ids[value]
        resolved[key] = value
    response = client.get(URL, query_string=resolved, headers=auth("admin"))
    assert response.status_code == 200, response.json
    assert [item["id"] for item in response.json["items"]] == [many[name] for name in expected]
    assert response.json["meta"]["total"] == len(expected)


def test_list_pages(client, auth, many):
    everything = [item["id"] for item in client.get(URL, headers=auth("admin")).json["items"]]
    assert len(everything) == 5
    seen = []
    for page in (1, 2, 3):
        body = client.get(URL, query_string={"per_page": 2, "page": page}, headers=auth("admin")).json
        meta = {key: body["meta"][key] for key in ("page", "per_page", "total", "pages")}
        assert meta == {"page": page, "per_page": 2, "total": 5, "pages": 3}
        assert (body["meta"]["next"] is None) == (page == 3) and (body["meta"]["previous"] is None) == (page == 1)
        seen += [item["id"] for item in body["items"]]
    assert seen == everything
    beyond = client.get(URL, query_string={"per_page": 2, "page": 4}, headers=auth("admin")).json
    assert beyond["items"] == [] and beyond["meta"]["total"] == 5


def test_list_pages_by_cursor_both_ways(client, auth, many):
    """meta.next and meta.previous walk the list a page at a time, as page numbers do; a
    cursor page carries the total counted on the first."""
    everything = [item["id"] for item in client.get(URL, headers=auth("admin")).json["items"]]
    walked, pages, query = [], [], {"per_page": 2}
    while True:
        body = client.get(URL, query_string=query, headers=auth("admin")).json
        walked += [item["id"] for item in body["items"]]
        pages.append(body)
        assert body["meta"]["total"] == 5 and body["meta"]["page"] == len(pages)
        if body["meta"]["next"] is None:
            break
        query = {"per_page": 2, "cursor": body["meta"]["next"]}
    assert walked == everything and len(pages) == 3
    back = client.get(URL, query_string={"per_page": 2, "cursor": pages[2]["meta"]["previous"]}, headers=auth("admin"))
    assert back.json["items"] == pages[1]["items"] and back.json["meta"]["page"] == 2
    first = client.get(
        URL, query_string={"per_page": 2, "cursor": back.json["meta"]["previous"]}, headers=auth("admin")
    )
    assert first.json["items"] == pages[0]["items"] and first.json["meta"]["previous"] is None


def test_a_cursor_of_another_list_or_changed_is_refused(client, auth, many):
    people = client.get("/api/v1/people", query_string={"per_page": 1}, headers=auth("admin")).json
    cursor = client.get(URL, query_string={"per_page": 1}, headers=auth("admin")).json["meta"]["next"]
    for wrong in (people["meta"]["next"], cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"), "x" * 40):
        assert_error(client.get(URL, query_string={"cursor": wrong}, headers=auth("admin")), 422, "cursor")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": 0}, "page"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": 501}, "per_page"),
        ({"kind": "buddy"}, "kind"),
        ({"active": "perhaps"}, "active"),
        ({"active_on": "yesterday"}, "active_on"),
        ({"mentor_id": "x"}, "mentor_id"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_list_query_names_the_parameter(client, auth, query, field):
    assert_error(client.get(URL, query_string=query, headers=auth("admin")), 422, field)


# --- who may do what --------------------------------------------------------------------

# Roles as seen from the CARD mentorship (mentor→mentee). None: no token at all.
ROLES = ["admin", "director", "other_director", "mentor", "mentee", "outsider", None]


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("admin", {"card", "neph"}),
        ("director", {"card"}),
        ("other_director", {"neph"}),
        ("mentor", {"card"}),
        ("mentee", {"card"}),
        ("outsider", set()),
    ],
)
def test_who_sees_which_mentorships(client, dept, auth, role, visible):
    ids = {"card": dept.mentorship_id, "neph": dept.other_mentorship_id}
    response = client.get(URL, headers=auth(role))
    assert response.status_code == 200
    assert {item["id"] for item in response.json["items"]} == {ids[name] for name in visible}


def test_listing_needs_a_token(client):
    assert_error(client.get(URL), 401, "Authorization")


@pytest.mark.parametrize(
    ("role", "status"),
    list(zip(ROLES, [200, 200, 404, 200, 200, 404, 401])),
)
def test_who_may_get_a_mentorship(client, dept, auth, role, status):
    response = client.get(f"{URL}/{dept.mentorship_id}", headers=auth(role))
    if status == 200:
        assert response.status_code == 200 and response.json["id"] == dept.mentorship_id
    else:
        assert_error(response, status)


@pytest.mark.parametrize(
    ("role", "status"),
    list(zip(ROLES, [201, 201, 403, 403, 403, 403, 401])),
)
def test_who_may_start_a_mentorship(client, dept, auth, mentorship_rows, role, status):
    """Admins, and the director of the mentee's division."""
    before = mentorship_rows()
    response = start(
        client, auth(role), mentor_id=dept.ids["other_mentor"], mentee_id=dept.ids["mentee"], kind="informal"
    )
    if status == 201:
        assert response.status_code == 201, response.json
        assert mentorship_rows() == before + 1
    else:
        assert_error(response, status)
        assert mentorship_rows() == before


@pytest.mark.parametrize(
    ("role", "status"),
    list(zip(ROLES, [200, 200, 404, 403, 403, 404, 401])),
)
def test_who_may_end_a_mentorship(client, dept, auth, role, status):
    """Admins and the mentee's director; the two people in it see it but cannot end it;
    anyone else cannot even see it."""
    response = end(client, auth(role), dept.mentorship_id, ended_on="2025-03-31")
    if status == 200:
        assert response.status_code == 200, response.json
        assert response.json["ended_on"] == "2025-03-31"
    else:
        assert_error(response, status)
        assert client.get(f"{URL}/{dept.mentorship_id}", headers=auth("admin")).json["ended_on"] is None
