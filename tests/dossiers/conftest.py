"""A department with one candidate's mentoring history and the cases about them, built
once per test module and backend (tests read it; what they write, access rows and issued
dossiers, they count themselves).

The candidate is ``Department``'s mentor. Over 2024-2025 they mentor:

- ``mentee`` (formal, from 2024-01-01): appointed a lecturer on 2023-07-01 (recorded), so
  a lecturer at the start though an assistant professor now; promoted to assistant on
  2025-01-15 (recorded, standing); a self-reported grant nobody confirmed (not evidence).
  Meetings: 2024-03-01 60 min and 2024-06-01 45 min (both confirmed), 2024-09-01 30 min
  (reversed), 2025-02-01 90 min (unconfirmed). Mentors ``junior`` from 2025-04-01.
- ``quiet`` (sponsorship, from 2024-05-01), who asked not to be named in dossiers:
  a meeting on 2025-03-01, 60 min, confirmed.

They trained (2024-10-01, 120 min), wrote a philosophy, and have one released block of 3
feedback responses for 2024. ``senior`` mentors them (so ``recused``, whom ``senior``
also mentors, is tied to them). Cases about them: an open promotion case for 2024-2025
(members: ``promotion_committee``; ``recused``, flagged; ``removed``, removed), and a
closed CFAR case (member: ``award_committee``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
from sqlalchemy import select

from recognition.auth.service import load_actor, set_password
from recognition.cases.models import Case, CaseMember
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.feedback import service as feedback
from recognition.feedback.models import Answer, Release, Response
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.milestones.models import Milestone
from recognition.milestones.rules import fingerprint
from recognition.people.models import Person, Profile
from tests.conftest import module_app, selected_backends
from tests.support.department import PASSWORD, Department

START, END = date(2024, 1, 1), date(2025, 12, 31)
PHILOSOPHY = "Listen first; open doors; say the hard thing kindly."
EXTRA = {  # role -> (name, email, division code, rank)
    "senior": ("Senior Mentor", "senior@test.example.org", "CARD", "full"),
    "quiet": ("Quinn Quiet-Private", "quiet@test.example.org", "NEPH", "assistant"),
    "junior": ("Junior Person", "junior@test.example.org", "CARD", "lecturer"),
    "recused": ("Recused Member", "recused@test.example.org", "NEPH", "full"),
    "removed": ("Removed Member", "removed@test.example.org", "NEPH", "full"),
}


@dataclass
class World:
    app: object
    ids: dict[str, int]
    emails: dict[str, str]
    case_id: int = 0
    closed_case_id: int = 0
    meeting_ids: dict[str, int] = field(default_factory=dict)
    milestone_ids: dict[str, int] = field(default_factory=dict)
    _tokens: dict[str, dict] = field(default_factory=dict)

    def headers(self, client, role: str | None) -> dict:
        if role is None:
            return {}
        if role not in self._tokens:
            response = client.post("/api/v1/auth/tokens", json={"email": self.emails[role], "password": PASSWORD})
            assert response.status_code == 201, response.get_json()
            self._tokens[role] = {"Authorization": f"Bearer {response.get_json()['token']}"}
        return self._tokens[role]

    def login(self, role: str | None):
        client = self.app.test_client()
        if role is not None:
            response = client.post("/login", data={"email": self.emails[role], "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client


def _milestone(person_id: int, kind: str, day: date, now: datetime, **fields) -> Milestone:
    values = {
        "person_id": person_id,
        "kind": kind,
        "occurred_on": day,
        "note": "",
        "source": "entered",
        "corrects_id": None,
        "recorded_by_id": None,
        **fields,
    }
    entry = ledger.append(
        LedgerEntry(
            entry_type="contribution",
            kind="milestone",
            person_id=person_id,
            occurred_on=day,
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


def _meeting(mentorship_id: int, day: date, minutes: int, mentor, now, kind: str = "meeting") -> LedgerEntry:
    return ledger.record(
        {"kind": kind, "mentorship_id": mentorship_id, "occurred_on": day, "minutes": minutes}, mentor, now
    )


def build_world(app) -> World:
    now = utcnow()
    dept = Department.build()
    ids = dict(dept.ids)
    emails = {role: dept.email(role) for role in ids}
    for role, (name, email, code, rank) in EXTRA.items():
        person = Person(
            name=name,
            email=email,
            division_id=dept.divisions[code],
            rank=rank,
            position="clinician_teacher",
            appointed_on=date(2015, 7, 1),
            created_at=now,
        )
        db.session.add(person)
        db.session.flush()
        set_password(person, PASSWORD, now)
        ids[role], emails[role] = person.id, email
    world = World(app, ids, emails)
    pair = dept.pair
    dept.ids = ids
    pair("senior", "mentor", started_on=date(2020, 1, 1))
    pair("senior", "recused", started_on=date(2021, 1, 1))
    quiet = pair("mentor", "quiet", kind="sponsorship", started_on=date(2024, 5, 1))
    pair("mentee", "junior", started_on=date(2025, 4, 1))
    db.session.add(Profile(person_id=ids["quiet"], named_in_dossiers=False, philosophy="", updated_at=now))
    db.session.add(Profile(person_id=ids["mentor"], named_in_dossiers=True, philosophy=PHILOSOPHY, updated_at=now))
    db.session.commit()

    mentor, mentee, quiet_actor = (load_actor(ids[r]) for r in ("mentor", "mentee", "quiet"))
    m = dept.mentorship_id
    first = _meeting(m, date(2024, 3, 1), 60, mentor, now)
    second = _meeting(m, date(2024, 6, 1), 45, mentor, now)
    reversed_ = _meeting(m, date(2024, 9, 1), 30, mentor, now)
    unconfirmed = _meeting(m, date(2025, 2, 1), 90, mentor, now)
    _meeting(m, date(2024, 4, 1), 30, mentor, now, kind="mentoring_preparation")  # not contact time
    sponsored = _meeting(quiet, date(2025, 3, 1), 60, mentor, now)
    ledger.confirm(first, mentee, now)
    ledger.confirm(second, mentee, now)
    ledger.confirm(sponsored, quiet_actor, now)
    ledger.reverse(reversed_, "Logged twice", mentor, now)
    ledger.record(
        {
            "kind": "mentor_training",
            "occurred_on": date(2024, 10, 1),
            "minutes": 120,
            "accreditation": "Faculty development: mentoring workshop",
        },
        mentor,
        now,
    )
    world.meeting_ids = {
        "first": first.id,
        "second": second.id,
        "reversed": reversed_.id,
        "unconfirmed": unconfirmed.id,
        "sponsored": sponsored.id,
    }

    world.milestone_ids = {
        "appointment": _milestone(ids["mentee"], "appointment", date(2023, 7, 1), now, rank="lecturer").id,
        "promotion": _milestone(ids["mentee"], "promotion", date(2025, 1, 15), now, rank="assistant").id,
        "unconfirmed_grant": _milestone(
            ids["mentee"],
            "grant",
            date(2025, 2, 1),
            now,
            title="Pilot grant",
            agency="CIHR",
            role="principal investigator",
            year=2025,
            source="self_reported",
        ).id,
    }

    used = feedback.current_instrument()
    release = Release(
        mentor_id=ids["mentor"],
        instrument_key=used.key,
        instrument_version=used.version,
        periods="2024",
        response_count=3,
    )
    db.session.add(release)
    db.session.flush()
    for number, value in enumerate((4, 5, 6)):
        response = Response(
            id=f"resp{number:028d}",
            mentor_id=ids["mentor"],
            period="2024",
            instrument_key=used.key,
            instrument_version=used.version,
            release_id=release.id,
        )
        db.session.add(response)
        db.session.flush()
        for item in used.items:
            db.session.add(Answer(response_id=response.id, item_id=item.id, value=value))

    case = Case(
        candidate_id=ids["mentor"],
        kind="promotion",
        target_rank="full",
        period_start=START,
        period_end=END,
        due_on=date(2026, 12, 31),
        opened_at=now,
    )
    closed = Case(
        candidate_id=ids["mentor"],
        kind="cfar",
        period_start=date(2023, 1, 1),
        period_end=date(2024, 12, 31),
        due_on=date(2025, 1, 31),
        opened_at=now,
        closed_at=now,
    )
    db.session.add_all([case, closed])
    db.session.flush()
    for role in ("promotion_committee", "recused", "removed"):
        db.session.add(
            CaseMember(
                case_id=case.id, person_id=ids[role], added_at=now, removed_at=now if role == "removed" else None
            )
        )
    db.session.add(CaseMember(case_id=closed.id, person_id=ids["award_committee"], added_at=now))
    world.case_id, world.closed_case_id = case.id, closed.id
    db.session.commit()
    return world


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "dossiers") as app:
        with app.app_context():
            built = build_world(app)
        yield built


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return len(db.session.scalars(query).all())
