"""The mentoring philosophy of the nominee's profile goes with the evidence: the award's
managers, unrecused committee members and the nominee read it (API, page, package PDF),
a nominator does not; live until nominations close, then frozen and hashed with the
evidence, so a later change to the profile does not reach the committee."""

from __future__ import annotations

from recognition.auth.service import load_actor
from recognition.awards.models import Nomination
from recognition.awards.nominations import evidence as nomination_evidence
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.people import profiles
from tests.api.error_shape import assert_error
from tests.support.department import PASSWORD

from .test_api import live
from .test_api_roles import ROLES, VIEWS
from .test_package import text_of

FROZEN = "I mentor by asking questions, and I show up."
LATER = "Rewritten after nominations closed."


def set_philosophy(app, dept, role: str, text: str) -> None:
    with app.app_context():
        profiles.update_profile(load_actor(dept.ids[role]), {"philosophy": text}, utcnow())
        db.session.commit()


def page(app, dept, role: str, path: str) -> tuple[int, str]:
    client = app.test_client()
    assert client.post("/login", data={"email": dept.email(role), "password": PASSWORD}).status_code == 302
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def test_the_committee_and_the_nominee_read_the_profile_philosophy_frozen_at_close(app, client, dept, headers):
    set_philosophy(app, dept, "mentor", FROZEN)
    world = live(app, dept, "review")
    set_philosophy(app, dept, "mentor", LATER)  # after the evidence froze
    for role in ROLES:
        view = VIEWS[role].get("mentor")
        response = client.get(world.url("mentor"), headers=headers(role))
        evidence = client.get(world.url("mentor", "/evidence"), headers=headers(role))
        if view is None:
            assert_error(response, 404)
            continue
        assert response.status_code == 200, role
        assert LATER not in response.get_data(as_text=True) + evidence.get_data(as_text=True), role
        if view == "nominator":
            assert "profile_philosophy" not in response.get_json(), role
            assert FROZEN not in response.get_data(as_text=True)
            assert_error(evidence, 403, "evidence")
            continue
        assert response.get_json()["profile_philosophy"] == FROZEN, role
        assert evidence.get_json()["table"]["philosophy"] == FROZEN and evidence.get_json()["intact"], role
    with app.app_context():
        assert nomination_evidence.evidence_intact(db.session.get(Nomination, world.nomination_ids["mentor"]))
    package = client.get(world.url("mentor", "/package"), headers=headers("award_committee"))
    assert package.status_code == 200
    text = " ".join(text_of(package.data)[1].split())
    assert "from the nominee's profile" in text and FROZEN in text and LATER not in text
    nomination_page = f"/awards/nominations/{world.nomination_ids['mentor']}"
    for role, shown in (("award_committee", True), ("mentor", True), ("promotion_committee", False)):
        status, body = page(app, dept, role, nomination_page)
        assert status == 200
        assert (FROZEN in body) == shown, role
        assert LATER not in body
    assert "As it stood when nominations closed" in page(app, dept, "mentor", nomination_page)[1]


def test_while_nominations_are_open_the_profile_philosophy_is_read_live(app, client, dept, headers):
    world = live(app, dept, "open")
    response = client.get(world.url("mentor"), headers=headers("mentor"))
    assert response.get_json()["profile_philosophy"] == ""
    set_philosophy(app, dept, "mentor", "First thoughts.")
    assert (
        client.get(world.url("mentor"), headers=headers("mentor")).get_json()["profile_philosophy"] == "First thoughts."
    )
    set_philosophy(app, dept, "mentor", "Second thoughts.")
    assert (
        client.get(world.url("mentor"), headers=headers("mentor")).get_json()["profile_philosophy"]
        == "Second thoughts."
    )
    evidence = client.get(world.url("mentor", "/evidence"), headers=headers("mentor")).get_json()
    assert evidence["table"]["philosophy"] == "Second thoughts." and evidence["hash"] is None
    assert (
        "profile_philosophy" not in client.get(world.url("mentor"), headers=headers("promotion_committee")).get_json()
    )
    status, body = page(app, dept, "mentor", f"/awards/nominations/{world.nomination_ids['mentor']}")
    assert status == 200 and "Second thoughts." in body and "Change it in My profile" in body
    assert "Read live until nominations close" in body


def test_the_api_document_names_the_profile_philosophy(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["Nomination"]["properties"]["profile_philosophy"]
    assert schema["type"] == "string" and "frozen with the evidence" in schema["description"]
