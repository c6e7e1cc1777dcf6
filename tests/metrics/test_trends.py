"""Trends: a year before the department's records begin has no data, never a zero.

One division. Mentors P1–P6 (appointed 2005) each formally mentor one of N1–N6
(appointed 3 January 2022) since 1 February 2022. The ledger begins on 4 March 2024 with
mentor training for P1, P2 and P3; the first check-in (N1's) is recorded on 3 February
2025; no CFAR, promotion or award cycle is recorded. Nobody has recorded a meeting. The
trend runs over 2021–2025, each year complete.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from recognition.auth.service import grant_role, load_actor, set_password
from recognition.clock import today
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.mentorships.models import Mentorship
from recognition.metrics import service
from recognition.metrics.rules import NO_DATA, SHOWN
from recognition.milestones import service as milestones
from recognition.people.models import Division, Person
from tests.conftest import module_app, selected_backends
from tests.support.department import PASSWORD

ADMIN_EMAIL = "admin@trends.example.org"
YEARS = [2021, 2022, 2023, 2024, 2025]


def at(day: date) -> datetime:
    return datetime.combine(day, time(12))


def build() -> None:
    division = Division(code="CARD", name="Cardiology")
    db.session.add(division)
    db.session.flush()
    ids = {}
    for name, appointed, rank in [
        ("admin", None, "full"),
        *[(f"P{n}", date(2005, 7, 1), "associate") for n in range(1, 7)],
        *[(f"N{n}", date(2022, 1, 3), "assistant") for n in range(1, 7)],
    ]:
        person = Person(
            name=name,
            email=ADMIN_EMAIL if name == "admin" else f"{name.lower()}@trends.example.org",
            division_id=division.id,
            appointed_on=appointed,
            rank=rank,
            position="clinician_teacher",
            created_at=at(date(2022, 1, 3)),
        )
        db.session.add(person)
        db.session.flush()
        ids[name] = person.id
    admin = db.session.get(Person, ids["admin"])
    grant_role(admin, "admin")
    set_password(admin, PASSWORD, at(date(2022, 1, 3)))
    for n in range(1, 7):
        db.session.add(
            Mentorship(
                mentor_id=ids[f"P{n}"],
                mentee_id=ids[f"N{n}"],
                kind="formal",
                started_on=date(2022, 2, 1),
                created_at=at(date(2022, 2, 1)),
            )
        )
    db.session.commit()
    actor = load_actor(ids["admin"])
    for name in ("P1", "P2", "P3"):
        day = date(2024, 3, 4)
        ledger.record(
            {"kind": "mentor_training", "occurred_on": day, "minutes": 180, "person_id": ids[name]}, actor, at(day)
        )
    milestones.record(
        {"kind": "check_in", "occurred_on": date(2025, 2, 3), "person_id": ids["N1"], "role": "Mentee"},
        actor,
        at(date(2025, 2, 3)),
    )
    db.session.commit()


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "trends") as app:
        with app.app_context():
            build()
        yield app


def points(metric_id: str) -> list[tuple[int, str, float | None, int | None]]:
    found = service.trend(service.definitions()[metric_id], 2025, today())
    return [
        (year, cell.state, None if cell.value is None else float(cell.value), cell.people)
        for year, cell in found.first()
    ]


def no_data(*years: int) -> list[tuple[int, str, None, None]]:
    return [(year, NO_DATA, None, None) for year in years]


def test_years_before_the_records_have_no_data(world):
    with world.app_context():
        # Mentors trained in the last three years: all six mentors are in the pool from
        # 2022, three trained in March 2024. 2022 and 2023 used to read 0%: the ledger had
        # nothing yet. 2021: no pool at all.
        assert points("mentor_training") == [
            *no_data(2021, 2022, 2023),
            (2024, SHOWN, 50.0, 6),
            (2025, SHOWN, 50.0, 6),
        ]
        # New faculty with a formal mentor: six of six from 2022, but nothing before the
        # ledger's first entry (2024) is shown.
        assert points("new_faculty_with_mentor") == [
            *no_data(2021, 2022, 2023),
            (2024, SHOWN, 100.0, 6),
            (2025, SHOWN, 100.0, 6),
        ]
        # Met as expected: the six mentorships had no meeting in 2024 or 2025, after the
        # records began: a true zero, shown as one.
        assert points("meeting_regularity") == [
            *no_data(2021, 2022, 2023),
            (2024, SHOWN, 0.0, 6),
            (2025, SHOWN, 0.0, 6),
        ]
        # Check-ins begin with the first one recorded (2025): the six due in 2023 read
        # "overdue" before, though nobody recorded check-ins then. In 2025 nobody was due.
        assert points("check_ins") == [*no_data(2021, 2022, 2023, 2024), (2025, SHOWN, 0.0, 0)]
        # Nothing recorded at all: no CFAR, no award cycle.
        assert points("cfar_by_mentoring") == no_data(*YEARS)
        assert points("nominations_and_awards") == no_data(*YEARS)


def test_the_trend_reuses_the_year_already_computed(world, monkeypatch):
    with world.app_context():
        metric = service.definitions()["mentor_training"]
        known = service.compute(metric, 2025, today())
        computed = []
        real = service.compute
        monkeypatch.setattr(service, "compute", lambda m, year, day: computed.append(year) or real(m, year, day))
        found = service.trend(metric, 2025, today(), known)
        assert computed == [2024]  # 2025 was given; 2021–2023 precede the ledger
        assert found.points[-1][1] is known.department


def test_the_api_gives_a_year_without_data_as_null_and_says_so(world):
    client = world.test_client()
    token = client.post("/api/v1/auth/tokens", json={"email": ADMIN_EMAIL, "password": PASSWORD}).get_json()["token"]
    response = client.get("/api/v1/metrics/trends?year=2025", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    trends = {found["metric"]: found for found in response.get_json()["trends"]}
    assert [(p["year"], p["state"], p["value"]) for p in trends["mentor_training"]["points"]] == [
        (2021, "no_data", None),
        (2022, "no_data", None),
        (2023, "no_data", None),
        (2024, "shown", 50.0),
        (2025, "shown", 50.0),
    ]
    assert trends["mentor_training"]["series"]["key"] == "trained"
    assert all(p["value"] is None for p in trends["nominations_and_awards"]["points"])


def test_the_dashboard_draws_a_gap_and_its_table_says_no_data(world):
    client = world.test_client()
    assert client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD}).status_code == 302
    page = client.get("/metrics?year=2025").get_data(as_text=True)
    article = page.split('id="metric-mentor_training"')[1].split("</article>")[0]
    trend_svg = article.split('class="chart chart-metric-trend"')[1].split("</svg>")[0]
    assert "2021: no data; 2022: no data; 2023: no data; 2024: 50.0; 2025: 50.0" in article
    assert trend_svg.count("<circle") == 2  # a point for 2024 and 2025 only: the rest is a gap
    trend_table = article.split('<table class="trend">')[1].split("</table>")[0]
    rows = [row.split("</th>")[1] for row in trend_table.split('<th scope="row">')[1:]]
    assert ["no data" in row for row in rows] == [True, True, True, False, False]
    assert "50.0%" in rows[3] and "0%" not in "".join(rows[:3])
