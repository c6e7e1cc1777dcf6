"""Each person's own profile: naming in other people's dossiers, and their mentoring
philosophy. API (/api/v1/people/me/profile, /api/v1/people/{id}/profile), the My profile
page, and ``profile_of`` for the domains that read it.

One small department per backend for the module (tests/support/department.py): CARD holds
admin, director, mentor and mentee; NEPH the rest. Tests that write change only their own
role's profile, so the reads stay what the fixture set up.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from recognition import create_app
from recognition.extensions import db
from recognition.people.models import Profile
from recognition.people.profiles import profile_of, profiles_of
from tests.api.error_shape import assert_error
from tests.conftest import app_config, clear_environment, dispose_engines, fresh_database, selected_backends
from tests.support.department import PASSWORD, PEOPLE, Department

MINE = "/api/v1/people/me/profile"
PHILOSOPHY = "I mentor by asking, not telling.\nI meet my mentees where they are."
ROLES = [None, *PEOPLE]


@dataclass
class World:
    app: object
    dept: Department
    tokens: dict

    def headers(self, role):
        if role is None:
            return {}
        if role not in self.tokens:
            self.tokens[role] = self.dept.headers(self.app.test_client(), role)
        return self.tokens[role]

    def page_client(self, role):
        client = self.app.test_client()
        if role is not None:
            response = client.post("/login", data={"email": self.dept.email(role), "password": PASSWORD})
            assert response.status_code == 302
        return client

    def stored(self, role) -> tuple[bool, str] | None:
        with self.app.app_context():
            row = db.session.get(Profile, self.dept.ids[role])
            return None if row is None else (row.named_in_dossiers, row.philosophy)


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("profiles")
    (folder / "instance").mkdir()
    with pytest.MonkeyPatch.context() as monkeypatch:
        clear_environment(monkeypatch)
        monkeypatch.setenv("RECOGNITION_INSTANCE_PATH", str(folder / "instance"))
        with fresh_database(request, request.param, folder) as url:
            app = create_app(app_config(url))
            with app.app_context():
                dept = Department.build()
            world = World(app, dept, {})
            response = app.test_client().put(
                MINE, headers=world.headers("mentee"), json={"named_in_dossiers": False, "philosophy": PHILOSOPHY}
            )
            assert response.status_code == 200, response.get_json()
            yield world
            dispose_engines(app)


# --- who reads whose profile ---------------------------------------------------------------

READERS = {"mentee": 200, "admin": 200, None: 401}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_person_and_administrators_read_a_profile(world, role):
    client = world.app.test_client()
    response = client.get(f"/api/v1/people/{world.dept.ids['mentee']}/profile", headers=world.headers(role))
    status = READERS.get(role, 404)
    if status != 200:
        assert_error(response, status)
        assert PHILOSOPHY not in response.get_data(as_text=True)
        return
    assert response.status_code == 200
    body = response.get_json()
    assert body["person_id"] == world.dept.ids["mentee"]
    assert (body["named_in_dossiers"], body["philosophy"]) == (False, PHILOSOPHY)
    assert body["updated_at"].endswith("Z") or body["updated_at"].endswith("+00:00")


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_their_own_profile_and_unsaved_ones_are_the_defaults(world, role):
    response = world.app.test_client().get(MINE, headers=world.headers(role))
    if role is None:
        assert_error(response, 401)
        return
    assert response.status_code == 200
    body = response.get_json()
    assert body["person_id"] == world.dept.ids[role]
    if role == "mentee":
        assert (body["named_in_dossiers"], body["philosophy"]) == (False, PHILOSOPHY)
    elif world.stored(role) is None:
        assert (body["named_in_dossiers"], body["philosophy"], body["updated_at"]) == (True, "", None)


@pytest.mark.parametrize("role", ROLES)
def test_a_person_page_shows_the_profile_to_the_person_and_administrators_only(world, role):
    response = world.page_client(role).get(f"/people/{world.dept.ids['mentee']}")
    if role is None:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        return
    if role not in ("admin", "director", "mentor", "mentee"):  # who may see the mentee at all
        assert response.status_code == 404
        return
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("I mentor by asking" in page) == (role in READERS)
    assert ("Named in other people's dossiers" in page) == (role in READERS)


@pytest.mark.parametrize("role", ROLES)
def test_my_profile_page_for_every_signed_in_person(world, role):
    response = world.page_client(role).get("/profile")
    if role is None:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        return
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "My profile" in page and "a mentee (rank, division)" in page
    division = "Cardiology" if role in ("admin", "director", "mentor", "mentee") else "Nephrology"
    rank = "associate professor" if "director" in role or "mentor" in role else "assistant professor"
    assert f"today that reads ‘a mentee ({rank}, {division})’" in page
    assert ("I mentor by asking" in page) == (role == "mentee")


# --- changing one's own ----------------------------------------------------------------------


def test_a_person_sets_and_changes_their_own_profile(world):
    client, headers = world.app.test_client(), world.headers("other_mentee")
    response = client.put(MINE, headers=headers, json={"named_in_dossiers": False, "philosophy": "  Listen first.\r\n"})
    assert response.status_code == 200
    assert (response.get_json()["named_in_dossiers"], response.get_json()["philosophy"]) == (False, "Listen first.")
    response = client.put(MINE, headers=headers, json={"named_in_dossiers": True, "philosophy": "Listen first."})
    assert response.status_code == 200
    assert world.stored("other_mentee") == (True, "Listen first.")
    with world.app.app_context():
        assert profile_of(world.dept.ids["other_mentee"]) == (True, "Listen first.")
        assert profile_of(world.dept.ids["outsider"]) == (True, "")
        assert profiles_of([world.dept.ids["mentee"], world.dept.ids["outsider"]]) == {
            world.dept.ids["mentee"]: (False, PHILOSOPHY),
            world.dept.ids["outsider"]: (True, ""),
        }


def test_an_administrator_changes_only_their_own_profile(world):
    client = world.app.test_client()
    response = client.put(
        MINE, headers=world.headers("admin"), json={"named_in_dossiers": True, "philosophy": "Admin's"}
    )
    assert response.status_code == 200 and response.get_json()["person_id"] == world.dept.ids["admin"]
    assert world.stored("mentee") == (False, PHILOSOPHY)
    # No route writes someone else's.
    response = client.put(
        f"/api/v1/people/{world.dept.ids['mentee']}/profile",
        headers=world.headers("admin"),
        json={"named_in_dossiers": True, "philosophy": ""},
    )
    assert response.status_code == 405
    assert world.stored("mentee") == (False, PHILOSOPHY)


@pytest.mark.parametrize(
    ("method", "body", "field", "rule"),
    [
        (
            "put",
            {"named_in_dossiers": True, "philosophy": "x" * 4001},
            "philosophy",
            "Longer than maximum length 4000.",
        ),
        ("put", {"named_in_dossiers": "yes", "philosophy": ""}, "named_in_dossiers", "must be true or false"),
        ("put", {"philosophy": "only this"}, "named_in_dossiers", "Missing data for required field."),
        ("put", {"named_in_dossiers": True, "philosophy": None}, "philosophy", "Field may not be null."),
        ("put", {"named_in_dossiers": True, "philosophy": "ok", "rank": "full"}, "rank", "Unknown field."),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(world, method, body, field, rule):
    before = world.stored("mentee")
    response = getattr(world.app.test_client(), method)(MINE, headers=world.headers("mentee"), json=body)
    error = assert_error(response, 422, field)
    if rule:
        assert rule in error["errors"][field]
    assert world.stored("mentee") == before


def test_the_page_saves_a_profile_and_counts_line_breaks_once(world):
    client = world.page_client("other_mentor")
    text = ("a" * 99 + "\r\n") * 40  # 4,000 characters stored; 4,040 as the browser sends them
    response = client.post("/profile", data={"named_in_dossiers": "", "philosophy": text})
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile")
    assert world.stored("other_mentor") == (False, text.replace("\r\n", "\n").strip())
    assert "Your profile is saved" in client.get("/profile").get_data(as_text=True)


def test_the_page_refuses_a_philosophy_over_the_limit_and_keeps_what_was_typed(world):
    client = world.page_client("mentee")
    response = client.post("/profile", data={"named_in_dossiers": "y", "philosophy": "b" * 4001})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Your profile was not saved" in page and "must be at most 4000 characters" in page
    assert "b" * 4001 in page  # what was typed is not lost
    assert world.stored("mentee") == (False, PHILOSOPHY)


def test_the_api_document_describes_the_profile(world):
    document = world.app.test_client().get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths[MINE]) >= {"get", "put"}
    assert "get" in paths["/api/v1/people/{person_id}/profile"]
    schema = document["components"]["schemas"]["PersonProfile"]
    assert schema["properties"]["philosophy"]["maxLength"] == 4000
    assert "a mentee (rank, division)" in schema["properties"]["named_in_dossiers"]["description"]
