"""/api/v1/contributions and /api/v1/ledger: recording, correcting, confirming, reading."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from recognition.clock import today
from recognition.ledger import chain
from recognition.ledger.rules import DIRECT_KINDS, KINDS, MAX_MINUTES, MAX_NOTE

from .conftest import ledger_count, ledger_rows

URL = "/api/v1/contributions"


def meeting(dept, **changes) -> dict:
    return {
        "kind": "meeting",
        "mentorship_id": dept.mentorship_id,
        "occurred_on": "2025-03-01",
        "minutes": 45,
        "note": "Talked about the K award resubmission.",
        **changes,
    }


def assert_error(response, status: int, field: str) -> dict:
    """The one error shape, naming the field at fault."""
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == status
    assert isinstance(body["message"], str) and body["message"]
    assert field in body["errors"], body
    assert body["errors"][field] and all(isinstance(rule, str) and rule for rule in body["errors"][field])
    return body


def stored_time(text: str) -> datetime:
    """An API timestamp as the database keeps it: naive UTC."""
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def recomputed_hash(body: dict) -> str:
    """Anyone holding an entry from the API can check its hash themselves."""
    fields = {
        key: body[key]
        for key in (
            "seq",
            "entry_type",
            "kind",
            "mentorship_id",
            "person_id",
            "minutes",
            "note",
            "recorded_by_id",
            "target_id",
            "reason",
            "prev_hash",
        )
    }
    fields["occurred_on"] = date.fromisoformat(body["occurred_on"])
    fields["recorded_at"] = stored_time(body["recorded_at"])
    if body["chain_version"] is not None:  # the hash covers the id
        fields.update(chain_version=body["chain_version"], id=body["id"])
    return chain.entry_hash(fields)


# Recording ----------------------------------------------------------------------------


def test_a_reflection_cannot_be_recorded_as_a_plain_contribution(client, dept, headers, app):
    """Its text is private and lives with the reflection; the ledger kind comes only from there."""
    body = {"kind": "feedback_reflection", "occurred_on": "2025-03-01", "minutes": 30}
    response = client.post(URL, json=body, headers=headers("mentor"))
    assert response.status_code == 422
    assert "kind" in response.get_json()["errors"]


@pytest.mark.parametrize("kind", sorted(DIRECT_KINDS))
def test_mentor_records_each_kind(client, dept, headers, app, kind):
    body = {"kind": kind, "occurred_on": "2025-03-01", "minutes": 30, "note": "  Zoë — 会议  "}
    if KINDS[kind] or kind == "sponsorship_action":
        body["mentorship_id"] = dept.mentorship_id

    response = client.post(URL, json=body, headers=headers("mentor"))

    assert response.status_code == 201, response.get_json()
    entry = response.get_json()
    assert entry["entry_type"] == "contribution"
    assert entry["kind"] == kind
    assert entry["mentorship_id"] == body.get("mentorship_id")
    assert entry["person_id"] == dept.ids["mentor"]
    assert entry["recorded_by_id"] == dept.ids["mentor"]
    assert (entry["occurred_on"], entry["minutes"], entry["note"]) == ("2025-03-01", 30, "Zoë — 会议")
    assert (entry["seq"], entry["prev_hash"]) == (1, chain.GENESIS)
    assert entry["target_id"] is entry["reason"] is None
    assert entry["confirmed_by_entry_id"] is entry["reversed_by_entry_id"] is None
    assert entry["entry_hash"] == recomputed_hash(entry)
    assert [row["id"] for row in ledger_rows(app)] == [entry["id"]]


def test_entries_are_chained_in_order(client, dept, headers):
    bodies = []
    for role, kind, day in (
        ("mentor", "meeting", "2025-02-01"),
        ("mentee", "meeting", "2025-02-08"),
        ("mentor", "mentor_training", "2025-02-01"),
    ):
        extra = {} if kind == "mentor_training" else {"mentorship_id": dept.mentorship_id}
        response = client.post(
            URL, json={"kind": kind, "occurred_on": day, "minutes": 60, **extra}, headers=headers(role)
        )
        assert response.status_code == 201, response.get_json()
        bodies.append(response.get_json())

    assert [body["seq"] for body in bodies] == [1, 2, 3]
    assert bodies[0]["prev_hash"] == chain.GENESIS
    assert bodies[1]["prev_hash"] == bodies[0]["entry_hash"]
    assert bodies[2]["prev_hash"] == bodies[1]["entry_hash"]
    assert len({body["entry_hash"] for body in bodies}) == 3
    # Work in a mentorship is the mentor's, whoever of the two recorded it.
    assert bodies[1]["person_id"] == dept.ids["mentor"]
    assert bodies[1]["recorded_by_id"] == dept.ids["mentee"]


def test_admin_records_personal_work_for_someone_else(client, dept, headers):
    response = client.post(
        URL,
        json={
            "kind": "mentor_training",
            "occurred_on": "2025-01-10",
            "minutes": 180,
            "person_id": dept.ids["other_mentor"],
        },
        headers=headers("admin"),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["person_id"] == dept.ids["other_mentor"]
    assert response.get_json()["recorded_by_id"] == dept.ids["admin"]


def test_today_is_not_the_future(client, dept, headers):
    response = client.post(URL, json=meeting(dept, occurred_on=today().isoformat()), headers=headers("mentor"))
    assert response.status_code == 201, response.get_json()


def test_a_note_of_the_maximum_length_is_kept_whole(client, dept, headers):
    response = client.post(URL, json=meeting(dept, note="x" * MAX_NOTE), headers=headers("mentor"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["note"] == "x" * MAX_NOTE


def without(body: dict, key: str) -> dict:
    return {k: v for k, v in body.items() if k != key}


BAD_INPUT = [
    # (what, role, change the good meeting body, status, field)
    ("missing kind", "mentor", lambda d, b: without(b, "kind"), 422, "kind"),
    ("missing date", "mentor", lambda d, b: without(b, "occurred_on"), 422, "occurred_on"),
    ("date not a date", "mentor", lambda d, b: {**b, "occurred_on": "last Tuesday"}, 422, "occurred_on"),
    ("minutes not a number", "mentor", lambda d, b: {**b, "minutes": "an hour"}, 422, "minutes"),
    ("mentorship not a number", "mentor", lambda d, b: {**b, "mentorship_id": "CARD"}, 422, "mentorship_id"),
    ("note not a string", "mentor", lambda d, b: {**b, "note": ["a", "list"]}, 422, "note"),
    ("unknown kind", "mentor", lambda d, b: {**b, "kind": "coffee"}, 422, "kind"),
    ("unknown field", "mentor", lambda d, b: {**b, "hours": 1}, 422, "hours"),
    (
        "future date",
        "mentor",
        lambda d, b: {**b, "occurred_on": (today() + timedelta(days=1)).isoformat()},
        422,
        "occurred_on",
    ),
    ("before the mentorship", "mentor", lambda d, b: {**b, "occurred_on": "2023-12-31"}, 422, "occurred_on"),
    ("too many minutes", "mentor", lambda d, b: {**b, "minutes": MAX_MINUTES + 1}, 422, "minutes"),
    ("negative minutes", "mentor", lambda d, b: {**b, "minutes": -5}, 422, "minutes"),
    ("a meeting of no time", "mentor", lambda d, b: {**b, "minutes": 0}, 422, "minutes"),
    ("note too long", "mentor", lambda d, b: {**b, "note": "x" * (MAX_NOTE + 1)}, 422, "note"),
    ("meeting without mentorship", "mentor", lambda d, b: without(b, "mentorship_id"), 422, "mentorship_id"),
    ("unknown mentorship", "mentor", lambda d, b: {**b, "mentorship_id": 987654}, 404, "mentorship_id"),
    ("a mentorship you are not in", "other_mentor", lambda d, b: b, 404, "mentorship_id"),
    ("a director is not in the mentorship", "director", lambda d, b: b, 404, "mentorship_id"),
    (
        "someone else's training",
        "mentor",
        lambda d, b: {
            "kind": "mentor_training",
            "occurred_on": "2025-03-01",
            "minutes": 60,
            "person_id": d.ids["other_mentor"],
        },
        403,
        "person_id",
    ),
    (
        "training of nobody",
        "admin",
        lambda d, b: {"kind": "mentor_training", "occurred_on": "2025-03-01", "minutes": 60, "person_id": 987654},
        422,
        "person_id",
    ),
]


@pytest.mark.parametrize(("what", "role", "change", "status", "field"), BAD_INPUT, ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    client, dept, headers, record, app, what, role, change, status, field
):
    record()  # something already in the ledger, which must stay as it is
    before = ledger_rows(app)

    response = client.post(URL, json=change(dept, meeting(dept)), headers=headers(role))

    assert_error(response, status, field)
    assert ledger_rows(app) == before


def test_a_body_that_is_not_json_is_refused(client, dept, headers, app):
    response = client.post(URL, data="kind=meeting", headers={**headers("mentor"), "Content-Type": "text/plain"})
    assert 400 <= response.status_code < 500
    assert set(response.get_json()) == {"code", "message", "errors"}
    assert ledger_count(app) == 0


# Reversal -----------------------------------------------------------------------------


def reverse(client, headers, role, entry_id, reason="Logged twice by mistake."):
    body = {} if reason is None else {"reason": reason}
    return client.post(f"{URL}/{entry_id}/reversal", json=body, headers=headers(role))


def confirm(client, headers, role, entry_id):
    return client.post(f"{URL}/{entry_id}/confirmation", headers=headers(role))


@pytest.mark.parametrize("role", ["mentor", "admin"])
def test_recorder_or_admin_reverses_an_entry_with_a_reason(client, dept, headers, record, app, role):
    entry_id = record("mentor", minutes=50)

    response = reverse(client, headers, role, entry_id)

    assert response.status_code == 201, response.get_json()
    reversal = response.get_json()
    assert reversal["entry_type"] == "reversal"
    assert reversal["target_id"] == entry_id
    assert reversal["reason"] == "Logged twice by mistake."
    assert reversal["recorded_by_id"] == dept.ids[role]
    assert (reversal["person_id"], reversal["minutes"]) == (dept.ids["mentor"], 50)
    assert reversal["kind"] is None
    assert reversal["seq"] == 2
    original = client.get(f"{URL}/{entry_id}", headers=headers("mentor")).get_json()
    assert original["reversed_by_entry_id"] == reversal["id"]
    assert reversal["prev_hash"] == original["entry_hash"]
    # The original is still there, unchanged: a correction is a new entry.
    assert original["minutes"] == 50 and original["entry_type"] == "contribution"


@pytest.mark.parametrize(("body", "field"), [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "   "}, "reason")])
def test_reversal_needs_a_reason(client, dept, headers, record, app, body, field):
    entry_id = record()
    response = client.post(f"{URL}/{entry_id}/reversal", json=body, headers=headers("mentor"))
    assert_error(response, 422, field)
    assert ledger_count(app) == 1


@pytest.mark.parametrize("role", ["director"])
def test_a_director_who_is_not_in_the_mentorship_may_not_reverse(client, dept, headers, record, app, role):
    entry_id = record("mentor")
    response = reverse(client, headers, role, entry_id)
    assert response.status_code == 403, response.get_json()
    assert set(response.get_json()) == {"code", "message", "errors"}
    assert ledger_count(app) == 1


def test_the_mentee_reverses_what_the_mentee_recorded(client, dept, headers, record):
    entry_id = record("mentee")
    assert reverse(client, headers, "mentee", entry_id).status_code == 201


def test_a_reversal_cannot_be_reversed(client, dept, headers, record, app):
    reversal_id = reverse(client, headers, "mentor", record()).get_json()["id"]
    for role in ("mentor", "admin"):
        assert_error(reverse(client, headers, role, reversal_id), 409, "target")
    assert ledger_count(app) == 2


def test_an_entry_is_reversed_only_once(client, dept, headers, record, app):
    entry_id = record()
    assert reverse(client, headers, "mentor", entry_id).status_code == 201
    assert_error(reverse(client, headers, "admin", entry_id), 409, "target")
    assert ledger_count(app) == 2


def test_a_confirmation_cannot_be_reversed(client, dept, headers, record, app):
    confirmation_id = confirm(client, headers, "mentee", record("mentor")).get_json()["id"]
    assert_error(reverse(client, headers, "mentee", confirmation_id), 409, "target")
    assert ledger_count(app) == 2


# Confirmation -------------------------------------------------------------------------


def test_the_mentee_confirms_the_mentors_meeting(client, dept, headers, record):
    entry_id = record("mentor")

    response = confirm(client, headers, "mentee", entry_id)

    assert response.status_code == 201, response.get_json()
    confirmation = response.get_json()
    assert confirmation["entry_type"] == "confirmation"
    assert confirmation["target_id"] == entry_id
    assert confirmation["recorded_by_id"] == dept.ids["mentee"]
    assert confirmation["minutes"] == 0  # a confirmation adds no time of its own
    original = client.get(f"{URL}/{entry_id}", headers=headers("mentor")).get_json()
    assert original["confirmed_by_entry_id"] == confirmation["id"]


def test_the_mentee_records_a_meeting_and_the_mentor_confirms_it(client, dept, headers):
    recorded = client.post(URL, json=meeting(dept), headers=headers("mentee"))
    assert recorded.status_code == 201, recorded.get_json()
    entry_id = recorded.get_json()["id"]

    assert confirm(client, headers, "mentee", entry_id).status_code == 403
    response = confirm(client, headers, "mentor", entry_id)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["recorded_by_id"] == dept.ids["mentor"]
    listed = client.get(URL, query_string={"entry_type": "contribution"}, headers=headers("mentee")).get_json()
    assert [(item["id"], item["confirmed_by_entry_id"]) for item in listed["items"]] == [
        (entry_id, response.get_json()["id"])
    ]


@pytest.mark.parametrize("role", ["mentor", "admin", "director"])
def test_only_the_counterpart_confirms(client, dept, headers, record, app, role):
    entry_id = record("mentor")
    response = confirm(client, headers, role, entry_id)
    assert response.status_code == 403, response.get_json()
    assert set(response.get_json()) == {"code", "message", "errors"}
    assert ledger_count(app) == 1


def test_an_entry_is_confirmed_only_once(client, dept, headers, record, app):
    entry_id = record("mentor")
    assert confirm(client, headers, "mentee", entry_id).status_code == 201
    assert_error(confirm(client, headers, "mentee", entry_id), 409, "target")
    assert ledger_count(app) == 2


def test_a_reversed_entry_cannot_be_confirmed(client, dept, headers, record, app):
    entry_id = record("mentor")
    assert reverse(client, headers, "mentor", entry_id).status_code == 201
    assert_error(confirm(client, headers, "mentee", entry_id), 409, "target")
    assert ledger_count(app) == 2


@pytest.mark.parametrize("kind", ["mentor_training", "mentoring_preparation", "other"])
def test_personal_work_cannot_be_confirmed(client, dept, headers, record, app, kind):
    entry_id = record("mentor", kind=kind, mentorship_id=None)
    assert_error(confirm(client, headers, "admin", entry_id), 409, "target")
    assert_error(confirm(client, headers, "mentor", entry_id), 409, "target")
    # The mentor's own learning is not the mentee's to see.
    assert confirm(client, headers, "mentee", entry_id).status_code == 404
    assert ledger_count(app) == 1


def test_a_reversal_cannot_be_confirmed(client, dept, headers, record, app):
    reversal_id = reverse(client, headers, "mentor", record("mentor")).get_json()["id"]
    assert_error(confirm(client, headers, "mentee", reversal_id), 409, "target")


def test_either_of_the_pair_confirms_what_an_admin_recorded(client, dept, headers, record):
    entry_id = record("admin")
    response = confirm(client, headers, "mentor", entry_id)
    assert response.status_code == 201, response.get_json()


# Listing ------------------------------------------------------------------------------


@pytest.fixture
def history(dept, record, client, headers):
    """A small ledger across both divisions; returns entry ids by name."""
    ids = {
        "jan_meeting": record("mentor", occurred_on=date(2025, 1, 10)),
        "feb_review": record("mentee", kind="academic_plan_review", occurred_on=date(2025, 2, 10)),
        "mar_training": record("mentor", kind="mentor_training", mentorship_id=None, occurred_on=date(2025, 3, 10)),
        "apr_other_meeting": record(
            "other_mentor", mentorship_id=dept.other_mentorship_id, occurred_on=date(2025, 4, 10)
        ),
        "may_meeting": record("mentor", occurred_on=date(2025, 5, 10)),
    }
    ids["may_reversal"] = reverse(client, headers, "mentor", ids["may_meeting"]).get_json()["id"]
    ids["jan_confirmation"] = confirm(client, headers, "mentee", ids["jan_meeting"]).get_json()["id"]
    return ids


def listed(client, headers, role="admin", **query) -> list[int]:
    response = client.get(URL, query_string=query, headers=headers(role))
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_list_is_newest_first_with_followers(client, headers, history):
    response = client.get(URL, headers=headers("admin"))
    items = response.get_json()["items"]
    h = history
    # By date, then by chain position: the reversal shares its original's date.
    assert [item["id"] for item in items] == [
        h["may_reversal"],
        h["may_meeting"],
        h["apr_other_meeting"],
        h["mar_training"],
        h["feb_review"],
        h["jan_confirmation"],
        h["jan_meeting"],
    ]
    by_id = {item["id"]: item for item in items}
    assert by_id[h["may_meeting"]]["reversed_by_entry_id"] == h["may_reversal"]
    assert by_id[h["jan_meeting"]]["confirmed_by_entry_id"] == h["jan_confirmation"]
    assert by_id[h["feb_review"]]["confirmed_by_entry_id"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (lambda d: {"person_id": d.ids["other_mentor"]}, ["apr_other_meeting"]),
        (lambda d: {"mentorship_id": d.other_mentorship_id}, ["apr_other_meeting"]),
        (lambda d: {"kind": "academic_plan_review"}, ["feb_review"]),
        (lambda d: {"kind": "mentor_training"}, ["mar_training"]),
        (lambda d: {"entry_type": "reversal"}, ["may_reversal"]),
        (lambda d: {"entry_type": "confirmation"}, ["jan_confirmation"]),
        (
            lambda d: {"date_from": "2025-02-10", "date_to": "2025-04-10"},
            ["apr_other_meeting", "mar_training", "feb_review"],
        ),
        (lambda d: {"date_from": "2025-04-11"}, ["may_reversal", "may_meeting"]),
        (lambda d: {"date_to": "2025-01-10"}, ["jan_confirmation", "jan_meeting"]),
        (lambda d: {"date_from": "2025-03-10", "date_to": "2025-03-10"}, ["mar_training"]),
        (
            lambda d: {"mentorship_id": d.mentorship_id, "kind": "meeting", "entry_type": "contribution"},
            ["may_meeting", "jan_meeting"],
        ),
        (
            lambda d: {"person_id": d.ids["mentor"], "date_from": "2025-02-01", "date_to": "2025-03-31"},
            ["mar_training", "feb_review"],
        ),
    ],
)
def test_list_filters(client, dept, headers, history, query, expected):
    assert listed(client, headers, **query(dept)) == [history[name] for name in expected]


def test_filters_never_widen_what_you_may_see(client, dept, headers, history):
    assert listed(client, headers, "mentor", person_id=dept.ids["other_mentor"]) == []
    assert listed(client, headers, "mentor", mentorship_id=dept.other_mentorship_id) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date_from": "2025-05-01", "date_to": "2025-04-30"}, "date_to"),
        ({"date_from": "May"}, "date_from"),
        ({"kind": "coffee"}, "kind"),
        ({"entry_type": "edit"}, "entry_type"),
        ({"person_id": "me"}, "person_id"),
        ({"page": 0}, "page"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": 501}, "per_page"),
    ],
)
def test_bad_list_arguments_are_refused(client, dept, headers, query, field):
    assert_error(client.get(URL, query_string=query, headers=headers("admin")), 422, field)


def test_pagination_meta(client, dept, headers, history):
    everything = listed(client, headers)
    pages = []
    for page in (1, 2, 3, 4):
        response = client.get(URL, query_string={"per_page": 3, "page": page}, headers=headers("admin"))
        assert response.status_code == 200
        body = response.get_json()
        following = body["meta"].pop("next")
        assert body["meta"] == {"page": page, "per_page": 3, "total": 7, "pages": 3}
        assert (following is None) == (page >= 3)
        pages.append([item["id"] for item in body["items"]])
    assert pages == [everything[0:3], everything[3:6], everything[6:7], []]


@pytest.mark.parametrize("role", ["admin", "mentor", "director"])
def test_cursor_pages_walk_the_same_list_without_counting(client, dept, headers, history, role):
    everything = listed(client, headers, role)
    walked, cursor, metas = [], None, []
    while True:
        query = {"per_page": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get(URL, query_string=query, headers=headers(role)).get_json()
        walked.append([item["id"] for item in body["items"]])
        metas.append(body["meta"])
        cursor = body["meta"]["next"]
        if cursor is None:
            break
    assert [entry for page in walked for entry in page] == everything
    assert all(len(page) == 2 for page in walked[:-1])
    assert metas[0] == {
        "page": 1,
        "per_page": 2,
        "total": len(everything),
        "pages": -(-len(everything) // 2),
        "next": metas[0]["next"],
    }
    assert all(set(meta) == {"per_page", "next"} for meta in metas[1:])


def test_a_cursor_page_counts_when_asked_and_page_one_need_not(client, dept, headers, history):
    first = client.get(URL, query_string={"per_page": 3, "with_total": "false"}, headers=headers("admin")).get_json()
    assert set(first["meta"]) == {"page", "per_page", "next"}
    query = {"per_page": 3, "cursor": first["meta"]["next"], "with_total": "true", "kind": "meeting"}
    body = client.get(URL, query_string=query, headers=headers("admin")).get_json()
    meetings = listed(client, headers, kind="meeting")
    assert body["meta"]["total"] == len(meetings)
    after_first_page = listed(client, headers)[3:]
    assert [item["id"] for item in body["items"]] == [entry for entry in after_first_page if entry in meetings]


@pytest.mark.parametrize("cursor", ["nonsense", "MjAyNS0wNC0xMA", "!!", "MjAyNS0xMy0wMS40"])
def test_a_bad_cursor_is_refused(client, dept, headers, cursor):
    assert_error(client.get(URL, query_string={"cursor": cursor}, headers=headers("admin")), 422, "cursor")


def test_pagination_counts_only_what_you_see_after_filters(client, dept, headers, history):
    body = client.get(URL, query_string={"per_page": 2, "kind": "meeting"}, headers=headers("mentee")).get_json()
    assert body["meta"] == {"page": 1, "per_page": 2, "total": 2, "pages": 1, "next": None}
    empty = client.get(URL, headers=headers("outsider")).get_json()
    assert empty == {"items": [], "meta": {"page": 1, "per_page": 50, "total": 0, "pages": 1, "next": None}}


# Who may do what ---------------------------------------------------------------------


@pytest.fixture
def revoked_headers(client, dept, headers):
    token_headers = headers("mentor")
    token_id = client.get("/api/v1/auth/tokens", headers=token_headers).get_json()[-1]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=token_headers).status_code == 204
    return token_headers


def call(client, endpoint: str, entry_id: int, request_headers: dict):
    if endpoint == "list":
        return client.get(URL, headers=request_headers)
    if endpoint == "get":
        return client.get(f"{URL}/{entry_id}", headers=request_headers)
    if endpoint == "reverse":
        return client.post(f"{URL}/{entry_id}/reversal", json={"reason": "Wrong day."}, headers=request_headers)
    return client.post(f"{URL}/{entry_id}/confirmation", headers=request_headers)


# For a meeting the mentor recorded in the CARD mentorship. For "list", 200 means the
# entry is in the list and "hidden" that the list answers without it.
MATRIX = {
    #                 list      get  reverse confirm
    "admin": (200, 200, 201, 403),
    "director": (200, 200, 403, 403),
    "mentor": (200, 200, 201, 403),
    "mentee": (200, 200, 201, 201),  # the counterpart disputes it
    "other_director": ("hidden", 404, 404, 404),
    "other_mentor": ("hidden", 404, 404, 404),
    "outsider": ("hidden", 404, 404, 404),
    "no token": (401, 401, 401, 401),
    "revoked token": (401, 401, 401, 401),
}
ENDPOINTS = ("list", "get", "reverse", "confirm")
CASES = [(who, endpoint, MATRIX[who][i]) for who in MATRIX for i, endpoint in enumerate(ENDPOINTS)]


@pytest.mark.parametrize(("who", "endpoint", "expected"), CASES, ids=[f"{w}-{e}" for w, e, _ in CASES])
def test_role_endpoint_matrix(client, dept, headers, record, request, app, who, endpoint, expected):
    entry_id = record("mentor")
    if who == "no token":
        request_headers = {}
    elif who == "revoked token":
        request_headers = request.getfixturevalue("revoked_headers")
    else:
        request_headers = headers(who)

    response = call(client, endpoint, entry_id, request_headers)

    body = response.get_json()
    if expected == "hidden":
        assert response.status_code == 200
        assert entry_id not in [item["id"] for item in body["items"]]
    elif endpoint == "list" and expected == 200:
        assert response.status_code == 200
        assert entry_id in [item["id"] for item in body["items"]]
    else:
        assert response.status_code == expected, body
    if response.status_code >= 400:
        assert set(body) == {"code", "message", "errors"} and body["code"] == response.status_code
        if response.status_code == 401:
            assert "Authorization" in body["errors"]
        assert ledger_count(app) == 1
    elif endpoint == "get":
        assert body["id"] == entry_id


@pytest.mark.parametrize("path", ["/api/v1/ledger/verify", "/api/v1/ledger/head"])
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", 200),
        ("director", 403),
        ("mentor", 403),
        ("mentee", 403),
        ("outsider", 403),
        ("award_committee", 403),
        ("promotion_committee", 403),
        ("no token", 401),
    ],
)
def test_chain_checks_are_for_admins(client, dept, headers, record, path, who, expected):
    record()
    response = client.get(path, headers={} if who == "no token" else headers(who))
    assert response.status_code == expected, response.get_json()
    if expected != 200:
        assert response.get_json()["code"] == expected


def test_verify_and_head_describe_the_chain(client, dept, headers, record, app):
    assert client.get("/api/v1/ledger/head", headers=headers("admin")).get_json() == {
        "seq": 0,
        "hash": chain.GENESIS,
        "recorded_at": None,
    }
    record()
    record("mentee")
    last = ledger_rows(app)[-1]

    head = client.get("/api/v1/ledger/head", headers=headers("admin")).get_json()
    verdict = client.get("/api/v1/ledger/verify", headers=headers("admin")).get_json()

    assert (head["seq"], head["hash"]) == (2, last["entry_hash"])
    assert stored_time(head["recorded_at"]) == last["recorded_at"]
    assert verdict == {
        "valid": True,
        "checked": 2,
        "head_seq": 2,
        "head_hash": last["entry_hash"],
        "first_bad_seq": None,
        "first_bad_id": None,
        "problem": None,
        "anchor": None,
        "anchors_checked": 0,
        "notes": [],
    }
