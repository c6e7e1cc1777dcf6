"""The roster import's Institutional id column: read, kept unique in the file and on the roster."""

from __future__ import annotations

from sqlalchemy import select

from recognition.extensions import db
from recognition.people.models import Person
from tests.roster.conftest import PEOPLE_HEADER, csv_bytes, person_row, problems_of

HEADER = [*PEOPLE_HEADER, "Institutional id"]


def people_file(*rows: list[str]) -> bytes:
    return csv_bytes(HEADER, list(rows))


def test_the_roster_import_reads_institutional_ids(do_import, app, dept):
    outcome = do_import(people=people_file([*person_row(1), "E-5001"], [*person_row(2), ""]))
    assert outcome.people == 2
    with app.app_context():
        ids = dict(
            db.session.execute(select(Person.email, Person.institutional_id).where(Person.email.like("new%"))).all()
        )
    assert ids == {"new1@test.example.org": "E-5001", "new2@test.example.org": None}


def test_the_roster_import_refuses_duplicate_and_malformed_institutional_ids(do_import, app, dept):
    with app.app_context():
        db.session.get(Person, dept.ids["mentee"]).institutional_id = "E-0004"
        db.session.commit()
    refused = do_import(
        people=people_file(
            [*person_row(1), "E-5001"],
            [*person_row(2), "E-5001"],
            [*person_row(3), "E-0004"],
            [*person_row(4), "E 5004"],
        )
    )
    assert problems_of(refused) == [
        ("people", 3, "Institutional id", "must be unique (already used by row 2)"),
        ("people", 4, "Institutional id", "must be unique (someone on the roster already has this institutional id)"),
        ("people", 5, "Institutional id", "must not contain spaces"),
    ]
