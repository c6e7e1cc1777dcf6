"""A reflection earns credit once per report, is not dated before its report, and its
ledger note does not give its text away (issue 10, items 4 and 6)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from recognition.clock import today
from recognition.extensions import db
from recognition.reflections import digest
from recognition.reflections.models import Reflection
from recognition.reflections.service import text_matches
from tests.api.error_shape import assert_error

URL = "/api/v1/reflections"
ONE_WORD = {
    "area": "listening",
    "question": "listening",
    "standards": "",
    "comparison": "",
    "discussion": "",
    "next_steps": "listening",
}


def on_report(release_id: int, **changes) -> dict:
    return {
        "source": "report",
        "release_id": release_id,
        "occurred_on": today().isoformat(),
        "minutes": 40,
        **ONE_WORD,
        **changes,
    }


def external(**changes) -> dict:
    return {
        "source": "external",
        "source_name": "360",
        "occurred_on": today().isoformat(),
        "minutes": 45,
        **ONE_WORD,
        **changes,
    }


def reflections(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Reflection))


# One credited reflection per report ------------------------------------------------------


def test_a_report_is_reflected_on_once(app, client, dept, headers, release_id):
    first = client.post(URL, json=on_report(release_id), headers=headers("mentor")).get_json()

    # Other minutes, another reflection: still the same report.
    response = client.post(
        URL, json=on_report(release_id, minutes=600, occurred_on=today().isoformat()), headers=headers("mentor")
    )

    body = assert_error(response, 409, "release_id")
    assert f"reflection {first['id']}" in body["message"]
    assert reflections(app) == 1
    # Not even as a confirmed repeat: the duplicate check is another question.
    assert_error(
        client.post(URL, json=on_report(release_id, confirm_duplicate=True, minutes=30), headers=headers("mentor")),
        409,
        "release_id",
    )


def test_a_reversed_reflection_can_be_recorded_again(app, client, dept, headers, release_id):
    first = client.post(URL, json=on_report(release_id), headers=headers("mentor")).get_json()
    reversal = client.post(
        f"/api/v1/contributions/{first['ledger_entry_id']}/reversal",
        json={"reason": "Wrong minutes."},
        headers=headers("mentor"),
    )
    assert reversal.status_code == 201, reversal.get_json()
    again = client.post(URL, json=on_report(release_id, minutes=50), headers=headers("mentor"))
    assert again.status_code == 201, again.get_json()


# Not dated before the report ----------------------------------------------------------------


@pytest.mark.parametrize("days_before", [1, 3 * 365])
def test_a_reflection_is_not_dated_before_its_report_existed(app, client, dept, headers, release_id, days_before):
    day = (today() - timedelta(days=days_before)).isoformat()
    response = client.post(URL, json=on_report(release_id, occurred_on=day), headers=headers("mentor"))
    body = assert_error(response, 422, "occurred_on")
    assert body["errors"]["occurred_on"][0].startswith("must not be before the report existed")
    assert reflections(app) == 0


# The note commits to the text without revealing it ---------------------------------------------


def test_the_note_is_salted_and_still_verifies(app, client, dept, headers):
    first = client.post(URL, json=external(), headers=headers("mentor")).get_json()
    second = client.post(URL, json=external(minutes=20), headers=headers("mentor")).get_json()
    entries = {e["id"]: e for e in client.get("/api/v1/contributions", headers=headers("mentor")).get_json()["items"]}
    note, other = entries[first["ledger_entry_id"]]["note"], entries[second["ledger_entry_id"]]["note"]

    # A dictionary attack on the ledger alone: the bare digest of the guessed text.
    fields = {"source_name": "360", **ONE_WORD}
    bare = "sha256:" + hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert note != bare and other != bare
    assert hashlib.sha256(b"listening").hexdigest() not in note
    # The same text twice gives two different notes.
    assert note != other
    assert len(first["salt"]) * 4 >= 128
    with app.app_context():
        for reflection in db.session.scalars(select(Reflection)):
            assert text_matches(reflection)
            assert digest.matches(reflection.entry.note, fields, reflection.salt)
            assert not digest.matches(reflection.entry.note, {**fields, "area": "talking"}, reflection.salt)


def test_a_reflection_from_before_salts_still_verifies():
    fields = {"source_name": "360", **ONE_WORD}
    old_note = "sha256:" + hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    assert digest.matches(old_note, fields, None)
    assert not digest.matches(old_note, {**fields, "area": "talking"}, None)
    assert not digest.matches(old_note, fields, digest.new_salt())


# Pages ---------------------------------------------------------------------------------------


def test_the_reflection_page_refuses_a_second_reflection_on_a_report(app, client, dept, headers, login, release_id):
    assert client.post(URL, json=on_report(release_id), headers=headers("mentor")).status_code == 201
    login(client, "mentor")
    form = {
        "source": "report",
        "release_id": release_id,
        "occurred_on": today().isoformat(),
        "minutes": "30",
        **ONE_WORD,
    }

    response = client.post("/reflections/new", data=form)

    assert response.status_code == 409
    assert "You already reflected on this report" in response.get_data(as_text=True)
    assert reflections(app) == 1


def test_the_reflection_page_says_the_text_matches_its_fingerprint(app, client, dept, headers, login):
    reflection = client.post(URL, json=external(), headers=headers("mentor")).get_json()
    login(client, "mentor")
    text = client.get(f"/reflections/{reflection['id']}").get_data(as_text=True)
    assert "The text matches its fingerprint in the ledger" in text


def test_the_reflection_page_asks_before_recording_the_same_reflection_again(app, client, dept, login):
    login(client, "mentor")
    form = {"source": "external", "source_name": "360", "occurred_on": today().isoformat(), "minutes": "45", **ONE_WORD}
    assert client.post("/reflections/new", data=form).status_code == 302

    again = client.post("/reflections/new", data=form)

    assert again.status_code == 409
    assert "Yes, this is a second, separate activity" in again.get_data(as_text=True)
    assert reflections(app) == 1
    assert client.post("/reflections/new", data={**form, "confirm_duplicate": "y"}).status_code == 302
    assert reflections(app) == 2
