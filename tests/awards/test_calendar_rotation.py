"""Replacing a calendar feed address: the old one answers 404 at once, the new one works."""

from __future__ import annotations

import re

import pytest

from recognition.awards.calendar import service as calendar
from recognition.extensions import db
from tests.api.error_shape import assert_error
from tests.auth.test_pages import csrf_token
from tests.credits.test_views import page_text
from tests.support.department import PASSWORD, PEOPLE

FEED = "/api/v1/calendar/feed"


def feed_path(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:5000")


def address_on_page(client) -> str:
    page = client.get("/calendar").get_data(as_text=True)
    return re.search(r'id="feed-url" type="url" value="([^"]+)"', page).group(1)


def test_the_owner_replaces_the_address_from_the_calendar_page(app, client, dept, login):
    login(client, "mentor")
    old = address_on_page(client)
    assert client.get(feed_path(old)).status_code == 200
    page = client.get("/calendar").get_data(as_text=True)
    assert 'action="/calendar/rotate"' in page and "Replace my calendar address" in page

    response = client.post("/calendar/rotate")
    assert response.status_code == 302 and response.headers["Location"] == "/calendar#subscribe"
    shown = client.get("/calendar")
    assert "the old one no longer works" in page_text(shown) and "Last replaced" in page_text(shown)
    new = address_on_page(client)
    assert new != old and new.startswith(f"http://127.0.0.1:5000/calendar/{dept.ids['mentor']}/")
    assert app.test_client().get(feed_path(old)).status_code == 404
    assert app.test_client().get(feed_path(new)).status_code == 200
    assert client.get("/calendar.ics").status_code == 200  # the signed-in download is unaffected


def test_the_owner_replaces_the_address_through_the_api(app, client, dept, headers):
    mine = headers("mentee")
    before = client.get(FEED, headers=mine).json
    assert before["rotated_at"] is None
    assert before["webcal_url"] == "webcal://" + before["url"].split("://", 1)[1]
    assert client.get(feed_path(before["url"])).status_code == 200

    after = client.post(f"{FEED}/rotate", headers=mine)
    assert after.status_code == 200, after.json
    assert after.json["url"] != before["url"] and after.json["rotated_at"] is not None
    assert client.get(feed_path(before["url"])).status_code == 404
    assert client.get(feed_path(after.json["url"])).status_code == 200
    assert client.get(FEED, headers=mine).json["url"] == after.json["url"]
    # Again: every rotation gives a new address and retires the one before.
    again = client.post(f"{FEED}/rotate", headers=mine).json
    assert again["url"] not in (before["url"], after.json["url"])
    assert client.get(feed_path(after.json["url"])).status_code == 404


@pytest.mark.parametrize("role", [None, *PEOPLE])
def test_everyone_rotates_their_own_feed_and_nobody_elses(app, client, dept, headers, role):
    with app.app_context():
        others = {name: calendar.feed_url(person_id) for name, person_id in dept.ids.items()}
    response = client.post(f"{FEED}/rotate", headers=headers(role))
    if role is None:
        assert_error(response, 401, "Authorization")
        assert_error(client.get(FEED), 401, "Authorization")
    else:
        assert response.status_code == 200
        assert f"/calendar/{dept.ids[role]}/" in response.json["url"]
    for name, url in others.items():
        expected = 404 if name == role else 200
        assert client.get(feed_path(url)).status_code == expected, name


def test_the_page_needs_a_sign_in_and_its_csrf_token(app, csrf_client, dept):
    anonymous = app.test_client().post("/calendar/rotate")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    token = csrf_token(csrf_client.get("/login").get_data(as_text=True))
    csrf_client.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD, "csrf_token": token})
    page = csrf_client.get("/calendar").get_data(as_text=True)
    old = re.search(r'id="feed-url" type="url" value="([^"]+)"', page).group(1)
    assert csrf_client.post("/calendar/rotate").status_code == 400
    assert csrf_client.get(feed_path(old)).status_code == 200  # nothing changed
    assert csrf_client.post("/calendar/rotate", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert csrf_client.get(feed_path(old)).status_code == 404


def test_disabling_an_account_retires_its_address_for_good(app, client, dept, headers):
    mentor = headers("mentor")
    old = client.get(FEED, headers=mentor).json["url"]
    admin = headers("admin")
    url = f"/api/v1/people/{dept.ids['mentor']}/account"
    assert client.post(f"{url}/disable", json={"reason": "Left"}, headers=admin).status_code == 200
    assert client.get(feed_path(old)).status_code == 404
    assert client.post(f"{url}/enable", json={"reason": "Back"}, headers=admin).status_code == 200
    assert client.get(feed_path(old)).status_code == 404  # enabling does not revive it
    with app.app_context():
        new = calendar.feed_url(dept.ids["mentor"])
        db.session.rollback()
    assert new != old and client.get(feed_path(new)).status_code == 200


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"200", "401"} <= set(paths["/api/v1/calendar/feed/rotate"]["post"]["responses"])
    assert "get" in paths["/api/v1/calendar/feed"]
