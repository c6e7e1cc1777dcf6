"""Moving a cycle on names the phase it leaves: two managers pressing "advance" at once,
or one pressing on a page that went stale, move the cycle one phase, never two."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from recognition.awards.cycles import service as cycles
from recognition.awards.models import Cycle, CycleTransition
from recognition.extensions import db
from tests.support.awards import AwardWorld


@pytest.fixture
def world(app, dept) -> AwardWorld:
    with app.app_context():
        return AwardWorld.build(dept, nominate=False)


def state(app, cycle_id: int) -> tuple[str, int]:
    with app.app_context():
        return (
            db.session.get(Cycle, cycle_id).phase,
            db.session.scalar(
                select(func.count()).select_from(CycleTransition).where(CycleTransition.cycle_id == cycle_id)
            ),
        )


def test_two_managers_advancing_at_once_move_the_cycle_one_phase(app, backend, world, headers, monkeypatch):
    url = f"/api/v1/cycles/{world.cycle_id}/advance"
    tokens = headers("admin")
    if backend == "postgresql":
        # Both requests read the cycle before either writes (SQLite's writers queue at
        # BEGIN IMMEDIATE instead, so there they meet one after the other).
        met = threading.Barrier(2)
        reason = cycles.required_reason

        def both_read(text):
            met.wait(timeout=10)
            return reason(text)

        monkeypatch.setattr(cycles, "required_reason", both_read)
    answers: list = [None, None]

    def press(index: int) -> None:
        answers[index] = app.test_client().post(
            url, headers=tokens, json={"from_phase": "scheduled", "reason": f"Manager {index} opens early."}
        )

    pressing = [threading.Thread(target=press, args=(index,)) for index in range(2)]
    for thread in pressing:
        thread.start()
    for thread in pressing:
        thread.join()

    assert sorted(answer.status_code for answer in answers) == [200, 409]
    refused = next(answer for answer in answers if answer.status_code == 409).get_json()
    assert refused["code"] == 409 and list(refused["errors"]) == ["from_phase"], refused
    assert "open" in refused["errors"]["from_phase"][0]
    assert state(app, world.cycle_id) == ("open", 1)


def test_a_stale_advance_is_refused_naming_the_phase_and_changes_nothing(app, world, client, headers):
    url = f"/api/v1/cycles/{world.cycle_id}/advance"
    first = client.post(url, headers=headers("admin"), json={"from_phase": "scheduled", "reason": "Open early."})
    assert first.status_code == 200 and first.get_json()["phase"] == "open"

    again = client.post(url, headers=headers("admin"), json={"from_phase": "scheduled", "reason": "Open early."})
    assert again.status_code == 409
    body = again.get_json()
    assert body["errors"] == {"from_phase": ["is stale: the cycle is open now"]}
    assert "open now, not scheduled" in body["message"]
    assert state(app, world.cycle_id) == ("open", 1)

    missing = client.post(url, headers=headers("admin"), json={"reason": "Close early."})
    assert missing.status_code == 422 and "from_phase" in missing.get_json()["errors"]
    unknown = client.post(url, headers=headers("admin"), json={"from_phase": "opened", "reason": "Close early."})
    assert unknown.status_code == 422 and "from_phase" in unknown.get_json()["errors"]
    assert state(app, world.cycle_id) == ("open", 1)

    closed = client.post(url, headers=headers("admin"), json={"from_phase": "open", "reason": "Close early."})
    assert closed.status_code == 200 and closed.get_json()["phase"] == "closed"


def test_the_page_sends_the_phase_it_showed_and_a_stale_press_moves_nothing(app, world, client, dept, login):
    path = f"/awards/cycles/{world.cycle_id}"
    login(client, "admin")
    page = client.get(path).get_data(as_text=True)
    assert 'name="advance-from_phase" type="hidden" value="scheduled"' in page

    pressed = {"advance-reason": "Open before the holidays.", "advance-from_phase": "scheduled"}
    assert client.post(f"{path}/advance", data=pressed).status_code == 302
    stale = client.post(f"{path}/advance", data=pressed)  # the same page, pressed again in another tab
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "The cycle did not move" in text and "open now, not scheduled" in text
    assert 'name="advance-from_phase" type="hidden" value="open"' in text  # the page now shows where it is
    assert state(app, world.cycle_id) == ("open", 1)
