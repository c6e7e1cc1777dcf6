"""Whatever another division holds, a director's metrics are the same but for the
department's cells: the dashboard page, every table's CSV and the API.

The Cardiology director looks; hypothesis adds people, formal mentorships, meetings
(confirmed or not), mentor training and check-ins to Nephrology, one batch after another,
and after each the director's views, with the department's cells taken out, must equal
what they were before anything was added. Taken out: the department's table rows, the
trend (the department's alone), the "Department: …" part of each chart's text and each
chart's drawing (its scale is shared with the department's bar). The check that this
could fail: the same additions do change the administrator's Nephrology rows.

The added people give no gender or race, like Cardiology's: a new self-identified answer
would add a column to the department's table (the columns are the department's).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from recognition.auth.service import COMMAND_LINE, load_actor
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.mentorships.models import Mentorship
from recognition.milestones import service as milestones
from recognition.people.models import Person
from tests.conftest import module_app, selected_backends
from tests.support.department import PASSWORD, Department

CSV_METRICS = ("entries_confirmed", "check_ins", "mentor_pool", "mentor_training", "new_faculty_with_mentor")

PERSON = st.fixed_dictionaries(
    {
        "appointed": st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 10, 1)),
        "mentored": st.booleans(),
        "meetings": st.integers(min_value=0, max_value=4),
        "confirmed": st.integers(min_value=0, max_value=4),
        "check_in": st.booleans(),
        "trained": st.booleans(),
    }
)
BATCH = st.lists(PERSON, min_size=1, max_size=4)


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "other-division") as app:
        with app.app_context():
            dept = Department.build()
        yield app, dept


def signed_in(app, dept, role):
    client = app.test_client()
    assert client.post("/login", data={"email": dept.email(role), "password": PASSWORD}).status_code == 302
    return client, dept.headers(client, role)


def without_department(page: str) -> str:
    page = re.sub(r'name="csrf[^"]*" (?:value|content)="[^"]*"', "", page)  # a token per response
    page = re.sub(r'<tr><th scope="row">Department</th>.*?</tr>', "", page, flags=re.DOTALL)
    page = re.sub(r'<table class="trend">.*?</table>', "", page, flags=re.DOTALL)
    # A chart's text says every row's value: keep the director's rows' part of it.
    labels = [
        re.sub(r"Department: [^;]*; ", "", label)
        for label in re.findall(r'<svg[^>]*class="chart chart-metric(?:-stacked)?"[^>]*aria-label="([^"]*)"', page)
    ]
    page = re.sub(r"<svg.*?</svg>", "", page, flags=re.DOTALL)
    return page + "\n".join(labels)


def views(app, clients) -> dict[str, object]:
    client, headers = clients
    year = today().year
    found: dict[str, object] = {}
    for y in (year, year - 1):
        found[f"page {y}"] = without_department(client.get(f"/metrics?year={y}").get_data(as_text=True))
        payload = client.get(f"/api/v1/metrics?year={y}", headers=headers).get_json()
        for result in payload["results"]:
            result["rows"] = [row for row in result["rows"] if row["group"] != "department"]
        found[f"api {y}"] = payload
        for metric in CSV_METRICS:
            rows = list(csv.reader(io.StringIO(client.get(f"/metrics/{metric}.csv?year={y}").get_data(as_text=True))))
            found[f"csv {metric} {y}"] = [row for row in rows if row[2] != "Department"]
    found["attention"] = client.get("/api/v1/metrics/attention", headers=headers).get_json()
    return found


def add(app, dept: Department, batch: list[dict]) -> None:
    """The batch joins Nephrology: mentored by Nephrology's mentor, meeting them."""
    with app.app_context():
        now = utcnow()
        division = dept.divisions["NEPH"]
        mentor_id = dept.ids["other_mentor"]
        for person in batch:
            number = db.session.query(Person).count()
            added = Person(
                name=f"Nephrology Person {number}",
                email=f"neph{number}@test.example.org",
                division_id=division,
                rank="assistant",
                position="clinician_teacher",
                appointed_on=person["appointed"],
                created_at=now,
            )
            db.session.add(added)
            db.session.flush()
            if person["mentored"]:
                started = person["appointed"] + timedelta(days=20)
                tie = Mentorship(
                    mentor_id=mentor_id, mentee_id=added.id, kind="formal", started_on=started, created_at=now
                )
                db.session.add(tie)
                db.session.flush()
                for n in range(person["meetings"]):
                    day = min(today() - timedelta(days=1), started + timedelta(days=40 * (n + 1)))
                    entry = ledger.record(
                        {"kind": "meeting", "mentorship_id": tie.id, "minutes": 30 + n, "occurred_on": day},
                        load_actor(mentor_id),
                        now,
                    )
                    if n < person["confirmed"]:
                        ledger.confirm(entry, load_actor(added.id), now)
            if person["check_in"]:
                milestones.record(
                    {
                        "person_id": added.id,
                        "kind": "check_in",
                        "occurred_on": min(today(), person["appointed"] + timedelta(days=540)),
                        "role": "Mentee",
                    },
                    COMMAND_LINE,
                    now,
                )
            if person["trained"]:
                ledger.record(
                    {"kind": "mentor_training", "occurred_on": today(), "minutes": 60 + number, "person_id": mentor_id},
                    load_actor(dept.ids["admin"]),
                    now,
                )
        db.session.commit()


def test_another_division_s_data_never_changes_a_director_s_view_but_the_department(world):
    app, dept = world
    director = signed_in(app, dept, "director")
    admin = signed_in(app, dept, "admin")
    before = views(app, director)
    nephrology_before = _nephrology(admin)

    @settings(
        max_examples=8,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # each example adds to the database: no shrinking
    )
    @given(BATCH)
    def unchanged(batch):
        add(app, dept, batch)
        after = views(app, director)
        for key in before:
            assert after[key] == before[key], key

    unchanged()
    assert _nephrology(admin) != nephrology_before  # what was added shows where it may


def _nephrology(clients) -> list:
    client, headers = clients
    payload = client.get(f"/api/v1/metrics?year={today().year}", headers=headers).get_json()
    return [row for result in payload["results"] for row in result["rows"] if row["group"] == "NEPH"]
