"""Whose ledger work lands in, and who may take it out (issue 10, item 3).

Training and preparation earn their person credit, so only that person (or an
administrator, recorded as such) writes them; and the person an entry is about can always
reverse what someone else wrote there."""

from __future__ import annotations

import pytest

from tests.api.error_shape import assert_error

from .conftest import ledger_count
from .conftest import ledger_rows as stored_rows

URL = "/api/v1/contributions"
PERSONAL_DIRECT = ["mentor_training", "mentoring_preparation", "other"]


def personal(kind: str = "mentor_training", **changes) -> dict:
    return {"kind": kind, "occurred_on": "2025-03-01", "minutes": 1440, "note": "Workshop", **changes}


@pytest.mark.parametrize("kind", PERSONAL_DIRECT)
def test_a_mentee_cannot_write_personal_work_into_the_mentors_ledger_through_the_mentorship(
    app, client, dept, headers, kind
):
    response = client.post(URL, json=personal(kind, mentorship_id=dept.mentorship_id), headers=headers("mentee"))

    body = assert_error(response, 403, "mentorship_id")
    assert "only by the mentor" in body["errors"]["mentorship_id"][0]
    assert ledger_count(app) == 0


@pytest.mark.parametrize("kind", PERSONAL_DIRECT)
def test_a_mentee_cannot_name_the_mentor_as_the_person(app, client, dept, headers, kind):
    response = client.post(URL, json=personal(kind, person_id=dept.ids["mentor"]), headers=headers("mentee"))

    assert_error(response, 403, "person_id")
    assert ledger_count(app) == 0


def test_the_mentor_records_preparation_for_a_mentee_and_an_admin_records_it_for_the_mentor(app, client, dept, headers):
    for role in ("mentor", "admin"):
        response = client.post(
            URL,
            json=personal(
                "mentoring_preparation", mentorship_id=dept.mentorship_id, minutes=30 if role == "mentor" else 40
            ),
            headers=headers(role),
        )
        assert response.status_code == 201, response.get_json()
        entry = response.get_json()
        assert (entry["person_id"], entry["recorded_by_id"], entry["mentorship_id"]) == (
            dept.ids["mentor"],
            dept.ids[role],
            dept.mentorship_id,
        )


def test_the_mentee_cannot_reverse_the_mentors_preparation_for_them(app, client, dept, headers, record):
    entry_id = record("mentor", kind="mentoring_preparation")
    assert_error(client.post(f"{URL}/{entry_id}/reversal", json={"reason": "No."}, headers=headers("mentee")), 403)
    assert ledger_count(app) == 1


def test_the_mentor_reverses_what_the_mentee_wrote_about_them(app, client, dept, headers, record):
    entry_id = record("mentee")  # a meeting: the mentor's work, written by the mentee

    response = client.post(
        f"{URL}/{entry_id}/reversal", json={"reason": "We did not meet that day."}, headers=headers("mentor")
    )

    assert response.status_code == 201, response.get_json()
    reversal = response.get_json()
    assert (reversal["target_id"], reversal["recorded_by_id"]) == (entry_id, dept.ids["mentor"])
    assert [row["entry_type"] for row in stored_rows(app)] == ["contribution", "reversal"]


def test_the_mentee_disputes_a_meeting_the_mentor_logged(app, client, dept, headers, record):
    entry_id = record("mentor")
    response = client.post(
        f"{URL}/{entry_id}/reversal", json={"reason": "This meeting did not happen."}, headers=headers("mentee")
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["reason"] == "This meeting did not happen."


@pytest.mark.parametrize("role", ["mentee", "director", "other_mentor"])
def test_nobody_else_reverses_a_persons_training(app, client, dept, headers, record, role):
    entry_id = record("mentor", kind="mentor_training", mentorship_id=None)
    response = client.post(f"{URL}/{entry_id}/reversal", json={"reason": "No."}, headers=headers(role))
    assert response.status_code in (403, 404), response.get_json()
    assert_error(response, response.status_code)
    assert ledger_count(app) == 1


def test_training_an_administrator_recorded_names_them_and_the_person_reverses_it(app, client, dept, headers):
    response = client.post(URL, json=personal(person_id=dept.ids["mentor"], minutes=180), headers=headers("admin"))
    assert response.status_code == 201, response.get_json()
    entry = response.get_json()
    assert (entry["person_id"], entry["recorded_by_id"]) == (dept.ids["mentor"], dept.ids["admin"])

    reversal = client.post(
        f"{URL}/{entry['id']}/reversal", json={"reason": "I was not at this workshop."}, headers=headers("mentor")
    )
    assert reversal.status_code == 201, reversal.get_json()
    assert reversal.get_json()["recorded_by_id"] == dept.ids["mentor"]


# Pages -------------------------------------------------------------------------------


def test_a_mentee_cannot_log_training_on_the_mentee_page(app, client, dept, login, ledger_rows):
    login(client, "mentee")
    response = client.post(
        "/mentee",
        data={
            "mentorship_id": dept.mentorship_id,
            "kind": "mentor_training",
            "occurred_on": "2025-03-01",
            "minutes": 1440,
        },
    )
    assert response.status_code == 422
    assert "Kind:" in response.get_data(as_text=True)
    assert ledger_rows() == 0


def test_the_mentor_sees_who_recorded_training_for_them_and_reverses_it_on_its_page(
    app, client, dept, headers, login, ledger_rows
):
    entry = client.post(
        URL, json=personal(person_id=dept.ids["mentor"], minutes=180), headers=headers("admin")
    ).get_json()
    login(client, "mentor")

    listed = client.get("/contributions").get_data(as_text=True)
    assert f'href="/contributions/{entry["id"]}"' in listed
    assert "Admin Person (an administrator)" in listed
    page = client.get(f"/contributions/{entry['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Admin Person, an administrator" in text
    assert "This is wrong" in text and f'action="/contributions/{entry["id"]}/reversal"' in text

    blank = client.post(
        f"/contributions/{entry['id']}/reversal", data={"from": "entry", f"reverse-{entry['id']}-reason": " "}
    )
    assert blank.status_code == 422
    assert "Reason for reversing: must not be blank" in blank.get_data(as_text=True)
    assert ledger_rows() == 1

    done = client.post(
        f"/contributions/{entry['id']}/reversal",
        data={"from": "entry", f"reverse-{entry['id']}-reason": "Not my workshop."},
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/contributions/{entry['id']}")
    assert ledger_rows() == 2
    after = client.get(f"/contributions/{entry['id']}").get_data(as_text=True)
    assert "reversed" in after and "Not my workshop." in after and "This is wrong" not in after


def test_the_mentorship_page_offers_the_mentor_the_reverse_form_for_what_the_mentee_logged(
    app, client, dept, login, record, ledger_rows
):
    entry_id = record("mentee")
    login(client, "mentor")
    page = client.get(f"/mentorships/{dept.mentorship_id}").get_data(as_text=True)
    assert f'action="/contributions/{entry_id}/reversal"' in page

    response = client.post(f"/contributions/{entry_id}/reversal", data={f"reverse-{entry_id}-reason": "Never met."})
    assert response.status_code == 302
    assert ledger_rows() == 2


def test_nobody_else_sees_a_persons_entry_page(app, client, dept, login, record):
    entry_id = record("mentor", kind="mentor_training", mentorship_id=None)
    login(client, "mentee")
    assert client.get(f"/contributions/{entry_id}").status_code == 404


@pytest.mark.parametrize("page", ["2", "0", "-3", "x", str(10**30)])
def test_your_ledger_pages_never_fail(app, client, dept, login, record, page):
    record("mentor")
    login(client, "mentor")
    assert client.get("/contributions", query_string={"page": page}).status_code == 200
