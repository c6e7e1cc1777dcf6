"""/admin/people (the roster) and /people/<id>: filters, paging, the add-person form, and
that no individual's gender or race is shown anywhere."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from recognition.auth.service import load_actor
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.people import service as people
from recognition.people.models import Person


def rows(body: str) -> set[str]:
    return set(re.findall(r'<td><a href="/people/\d+">([^<]+)</a></td>', body))


def person_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Person))


def test_roster_shows_the_record_and_the_current_formal_mentor(app, client, dept, login):
    with app.app_context():
        mentee = db.session.get(Person, dept.ids["mentee"])
        mentee.supervisor_id, mentee.trained_here = dept.ids["director"], True
        db.session.commit()
    body = login(client, "admin").get("/admin/people").get_data(as_text=True)
    assert "<h1>Roster</h1>" in body and "<caption>10 people</caption>" in body
    row = re.search(
        rf'<tr>\s*<td><a href="/people/{dept.ids["mentee"]}">Mentee Person</a></td>(.*?)</tr>', body, re.DOTALL
    ).group(1)
    cells = [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)]
    assert cells == [
        "mentee@test.example.org",
        "Cardiology",
        "Assistant professor",
        "Clinician teacher",
        "2023-07-01",
        "yes",
        "Director Person",
        "Mentor Person",
        "Active",
    ]


def test_a_director_sees_only_their_divisions(client, dept, login):
    body = login(client, "director").get("/admin/people").get_data(as_text=True)
    assert rows(body) == {"Admin Person", "Director Person", "Mentor Person", "Mentee Person"}
    assert "The people in the divisions you direct." in body
    # Asking for another division by hand is a refused filter, not a way in.
    response = client.get(f"/admin/people?division={dept.divisions['NEPH']}")
    assert response.status_code == 422
    assert "Division: Not a valid choice." in response.get_data(as_text=True)
    assert "Other Mentee Person" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?division={NEPH}&rank=associate", {"Other Mentor Person", "Other Director Person"}),
        ("?rank=associate&q=other", {"Other Mentor Person", "Other Director Person"}),
        ("?position=clinician_scientist", {"Mentor Person"}),
        ("?q=MENTEE", {"Mentee Person", "Other Mentee Person"}),
        ("?q=awards%40", {"Award Committee Person"}),
    ],
)
def test_filters(app, client, dept, login, query, expected):
    with app.app_context():
        db.session.get(Person, dept.ids["mentor"]).position = "clinician_scientist"
        db.session.commit()
    body = login(client, "admin").get("/admin/people" + query.format(**dept.divisions)).get_data(as_text=True)
    assert rows(body) == expected


def test_the_roster_is_paged_fifty_at_a_time(app, client, dept, login):
    with app.app_context():
        db.session.add_all(
            Person(
                name=f"Zed {i:02d}",
                email=f"zed{i:02d}@test.example.org",
                division_id=dept.divisions["NEPH"],
                rank="lecturer",
                position="other",
                created_at=utcnow(),
            )
            for i in range(55)
        )
        db.session.commit()
    login(client, "admin")
    first = client.get("/admin/people?rank=lecturer").get_data(as_text=True)
    assert len(rows(first)) == 50 and "Page 1 of 2 · 55 in all" in first
    following = re.search(r'<a href="([^"]+)" rel="next">Next page<span class="visually-hidden"> of people', first)
    assert following and "rank=lecturer" in following.group(1)
    second = client.get(following.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(rows(second)) == 5 and rows(first).isdisjoint(rows(second))
    assert "Page 2 of 2 · 55 in all" in second and 'rel="prev">Previous page' in second
    # An address kept from before cursors still opens its page.
    kept = client.get("/admin/people?rank=lecturer&page=2").get_data(as_text=True)
    assert rows(kept) == rows(second)


def person_form(dept, **overrides) -> dict:
    return {
        "new-name": "Dana Okafor",
        "new-email": "Dana.Okafor@test.example.org",
        "new-division_id": str(dept.divisions["CARD"]),
        "new-rank": "assistant",
        "new-position": "clinician_investigator",
        "new-appointed_on": "2025-07-01",
        "new-supervisor_email": dept.email("director"),
        "new-trained_here": "y",
        **overrides,
    }


@pytest.mark.parametrize("role", ["admin", "director"])
def test_adding_a_person(app, client, dept, login, role):
    login(client, role)
    response = client.post("/admin/people", data=person_form(dept))
    assert response.status_code == 302
    with app.app_context():
        person = people.find_by_email("dana.okafor@test.example.org")
        assert (person.name, person.division_id, person.rank, person.position) == (
            "Dana Okafor",
            dept.divisions["CARD"],
            "assistant",
            "clinician_investigator",
        )
        assert (person.appointed_on, person.trained_here, person.supervisor_id) == (
            date(2025, 7, 1),
            True,
            dept.ids["director"],
        )
    assert response.headers["Location"] == f"/people/{person.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Added Dana Okafor to the roster." in page and "<h1>Dana Okafor</h1>" in page


REFUSALS = [
    ({"new-name": "  "}, 422, "name", "Name: is required"),
    ({"new-email": "dana"}, 422, "email", "Email: must be an email address"),
    ({"new-email": "MENTOR@test.example.org"}, 409, "email", "Email: must be unique"),
    (
        {"new-supervisor_email": "ghost@test.example.org"},
        422,
        "supervisor_email",
        "Supervisor&#39;s email (optional): must be the email of someone on the roster",
    ),
    ({"new-rank": "emeritus"}, 422, "rank", "Rank: Not a valid choice."),
    (
        {"new-appointed_on": "July 2025"},
        422,
        "appointed_on",
        "Appointed on (optional): must be a date written as YYYY-MM-DD",
    ),
]


@pytest.mark.parametrize(("overrides", "status", "field", "message"), REFUSALS, ids=[r[3][:30] for r in REFUSALS])
def test_a_bad_person_is_refused_naming_the_field_and_changes_nothing(
    app, client, dept, login, overrides, status, field, message
):
    login(client, "admin")
    before = person_count(app)
    response = client.post("/admin/people", data=person_form(dept, **overrides))
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert f'<span class="error" id="new-{field}-error">{message}</span>' in body
    assert "The person was not added" in body
    assert person_count(app) == before


def test_a_director_cannot_add_into_another_division(app, client, dept, login):
    login(client, "director")
    before = person_count(app)
    response = client.post("/admin/people", data=person_form(dept, **{"new-division_id": str(dept.divisions["NEPH"])}))
    assert response.status_code == 422
    assert "Division: Not a valid choice." in response.get_data(as_text=True)
    assert person_count(app) == before


def test_person_page_shows_the_record_and_mentorships(app, client, dept, login):
    body = login(client, "director").get(f"/people/{dept.ids['mentor']}").get_data(as_text=True)
    assert "<h1>Mentor Person</h1>" in body
    assert "<dt>Rank</dt><dd>Associate professor</dd>" in body and "<dt>Division</dt><dd>Cardiology</dd>" in body
    assert f'<a href="/mentorships/{dept.mentorship_id}">Mentee Person</a> — formal' in body
    body = client.get(f"/people/{dept.ids['director']}").get_data(as_text=True)
    assert "<dt>Directs</dt><dd>Cardiology</dd>" in body


def test_gender_and_race_of_an_individual_are_never_shown(app, client, dept, login, record):
    with app.app_context():
        admin = load_actor(dept.ids["admin"])
        for role in ("mentor", "mentee"):
            people.update_person(
                db.session.get(Person, dept.ids[role]), {"gender": "GENDER-MARK", "race": "RACE-MARK"}, admin
            )
        db.session.commit()
    record("mentor")
    pages = {
        "admin": [
            "/admin/people",
            f"/people/{dept.ids['mentee']}",
            f"/people/{dept.ids['mentor']}",
            f"/mentorships/{dept.mentorship_id}",
            "/admin/mentorships",
        ],
        "mentor": ["/mentoring", f"/people/{dept.ids['mentee']}", f"/mentorships/{dept.mentorship_id}"],
        "mentee": ["/mentee", f"/people/{dept.ids['mentor']}"],
    }
    for role, paths in pages.items():
        login(client, role)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            body = response.get_data(as_text=True)
            assert "GENDER-MARK" not in body and "RACE-MARK" not in body, path
            assert ">Gender<" not in body and ">Race<" not in body, path
        client.post("/logout")
