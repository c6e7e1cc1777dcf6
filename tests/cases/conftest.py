"""Cases tests: recorded milestones written as the milestones domain writes them (a ledger
entry whose note fingerprints the row), cases opened through the service, and one shared
world per backend for the role matrices (tests that only read it, or whose allowed
writes land on cases made for them).

The test department (tests/support/department.py): CARD has admin, director, mentor and
mentee; NEPH has other_director, other_mentor, other_mentee, outsider and the committee
members. mentor→mentee and other_mentor→other_mentee are formal mentorships.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from recognition.auth.service import COMMAND_LINE
from recognition.cases import service
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship
from recognition.milestones.models import Milestone
from recognition.milestones.rules import fingerprint
from recognition.people.models import Person
from tests.conftest import module_app, selected_backends
from tests.support.department import PASSWORD, Department

DUE = today() + timedelta(days=90)

# The matrix's roles, and who plays each in the shared world.
PLAYERS = {
    "admin": "admin",
    "director": "director",  # directs CARD, the candidate's division
    "other_director": "other_director",  # directs NEPH
    "member": "promotion_committee",  # on the open case, no tie
    "recused": "mentor",  # on the open case, the candidate's mentor
    "closed_member": "other_mentor",  # on the closed case only
    "removed": "outsider",  # was on the open case, removed
    "candidate": "mentee",
    "outsider": "award_committee",
}
ROLES = (*PLAYERS, None)


def record_milestone(person_id: int, kind: str, occurred_on: date, **fields) -> Milestone:
    """A milestone as the milestones domain stores it: a ledger entry fingerprinting it, then the row."""
    now = utcnow()
    values = {
        "person_id": person_id,
        "kind": kind,
        "occurred_on": occurred_on,
        "outcome": fields.get("outcome"),
        "rank": fields.get("rank"),
        "title": None,
        "agency": None,
        "role": None,
        "year": None,
        "note": "",
        "source": fields.get("source", "entered"),
        "corrects_id": None,
        "recorded_by_id": None,
    }
    entry = ledger.append(
        LedgerEntry(
            entry_type="contribution",
            kind="milestone",
            person_id=person_id,
            occurred_on=occurred_on,
            minutes=0,
            note=fingerprint(values),
            recorded_by_id=person_id,
        ),
        now,
    )
    milestone = Milestone(**values, ledger_entry_id=entry.id, recorded_at=now)
    db.session.add(milestone)
    db.session.flush()
    return milestone


def open_case(dept: Department, candidate: str = "mentee", members=(), **data):
    body = {
        "candidate_id": dept.ids[candidate],
        "kind": "promotion",
        "target_rank": "associate",
        "due_on": DUE,
        "member_ids": [dept.ids[m] for m in members],
        **data,
    }
    return service.open_case(body, COMMAND_LINE, utcnow())


@dataclass
class World:
    app: object
    dept: Department
    open_id: int
    closed_id: int
    tokens: dict
    # A member in no role of the matrix, tied to every candidate ``fresh_candidate`` makes:
    # allowed changes land on cases about those (``scratch``), so they never change what
    # the matrix's roles see.
    scratch_member: int = 0

    def headers(self, role):
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}

    def person(self, role) -> int:
        return self.dept.ids[PLAYERS[role]]


def build_world(app, client) -> World:
    with app.app_context():
        dept = Department.build()
        opened = open_case(dept, members=("promotion_committee", "mentor", "outsider"))
        service.remove_member(opened, dept.ids["outsider"], COMMAND_LINE, utcnow())
        closed = open_case(dept, members=("other_mentor",), kind="cfar", target_rank=None)
        service.close(closed, "CFAR passed.", COMMAND_LINE, utcnow())
        member = Person(
            name="Scratch Member",
            email="scratch.member@test.example.org",
            rank="full",
            division_id=dept.divisions["NEPH"],
            position="other",
            created_at=utcnow(),
        )
        db.session.add(member)
        db.session.commit()
        ids = (opened.id, closed.id, member.id)
    tokens = {role: dept.token(client, player) for role, player in PLAYERS.items()}
    return World(app, dept, ids[0], ids[1], tokens, ids[2])


def fresh_candidate(world: World) -> tuple[int, str]:
    """A new assistant professor in CARD, mentored by the scratch member: (id, email)."""
    with world.app.app_context():
        number = db.session.scalar(select(func.count()).select_from(Person)) + 1
        person = Person(
            name=f"Candidate {number}",
            email=f"candidate.{number}@test.example.org",
            rank="assistant",
            division_id=world.dept.divisions["CARD"],
            position="other",
            appointed_on=date(2020, 1, 1),
            created_at=utcnow(),
        )
        db.session.add(person)
        db.session.flush()
        db.session.add(
            Mentorship(
                mentor_id=world.scratch_member,
                mentee_id=person.id,
                kind="informal",
                started_on=date(2021, 1, 1),
                created_at=utcnow(),
            )
        )
        db.session.commit()
        return person.id, person.email


def scratch(world: World) -> int:
    """A fresh open case about a new candidate, with the scratch member flagged on it."""
    candidate_id, _ = fresh_candidate(world)
    with world.app.app_context():
        case = service.open_case(
            {
                "candidate_id": candidate_id,
                "kind": "promotion",
                "target_rank": "associate",
                "due_on": DUE,
                "member_ids": [world.scratch_member],
            },
            COMMAND_LINE,
            utcnow(),
        )
        db.session.commit()
        return case.id


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory):
    """One department with an open case (a member, a recused member, a removed member) and
    a closed one about the same candidate, per backend, for the module."""
    with module_app(request, tmp_path_factory, "cases-world") as app:
        yield build_world(app, app.test_client())


@pytest.fixture(scope="module")
def page_clients(world):
    """A signed-in client per role (and an anonymous one), built once for the module."""
    clients = {}
    for role in ROLES:
        client = world.app.test_client()
        if role is not None:
            response = client.post("/login", data={"email": world.dept.email(PLAYERS[role]), "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)
        clients[role] = client
    return clients
