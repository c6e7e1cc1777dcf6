"""Shared set-up for the milestone tests: a fixed clock, quick ways to record, and a
department with promotion cases about the mentor (one open, one closed) built once per
backend for the read-only role matrix."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from recognition import create_app
from recognition.auth.service import load_actor
from recognition.cases.models import Case, CaseMember
from recognition.credits import signing
from recognition.extensions import db
from recognition.ledger.models import LedgerEntry
from recognition.milestones import service
from recognition.milestones.models import Milestone
from tests.conftest import app_config, clear_environment, dispose_engines, fresh_database, selected_backends
from tests.support.department import Department

# A fixed clock: services take "now", so no test depends on the day it runs.
NOW = datetime(2025, 6, 15, 12, 0, 0)
PROMOTION = {"kind": "promotion", "occurred_on": date(2024, 7, 1), "rank": "full"}
GRANT = {
    "kind": "grant",
    "title": "Mentoring outcomes in cardiology",
    "agency": "CIHR",
    "role": "Principal investigator",
    "year": 2023,
}


def actor(dept, role):
    return load_actor(dept.ids[role])


def enter(app, dept, by: str, about: str, now: datetime = NOW, **fields) -> int:
    """A milestone recorded by ``by`` for ``about`` (a self-report when they are the same),
    committed; its id. Without a kind, the promotion ``PROMOTION`` changed by ``fields``."""
    with app.app_context():
        data = {**(fields if "kind" in fields else {**PROMOTION, **fields}), "person_id": dept.ids[about]}
        who = actor(dept, by)
        made = service.self_report(data, who, now) if by == about else service.record(data, who, now)
        db.session.commit()
        return made.id


def counts(app) -> tuple[int, int]:
    """(milestones, ledger entries) stored."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Milestone)),
            db.session.scalar(select(func.count()).select_from(LedgerEntry)),
        )


def open_case(dept, candidate: str, members: list[str], closed: bool = False) -> int:
    case = Case(
        candidate_id=dept.ids[candidate],
        kind="promotion",
        target_rank="full",
        period_start=date(2020, 1, 1),
        period_end=date(2025, 6, 1),
        due_on=date(2025, 9, 1),
        opened_by_id=dept.ids["admin"],
        opened_at=NOW,
        closed_at=NOW if closed else None,
    )
    db.session.add(case)
    db.session.flush()
    for member in members:
        db.session.add(CaseMember(case_id=case.id, person_id=dept.ids[member], added_at=NOW))
    db.session.flush()
    return case.id


@dataclass
class World:
    """The mentor's milestones: ``standing`` (entered by their director), ``pending`` (their
    own report), ``withdrawn`` (entered, then withdrawn); and ``mentees``, their mentee's
    appointment, which the mentor does not see. promotion_committee sits on an open
    case about the mentor; other_mentor sits on it too but is recused (they also mentor the
    mentee: a shared mentee); other_mentee sat on a closed one."""

    app: object
    dept: Department
    ids: dict[str, int]
    tokens: dict[str, dict]

    def headers(self, role: str | None) -> dict:
        if role is None:
            return {}
        if role not in self.tokens:
            self.tokens[role] = self.dept.headers(self.app.test_client(), role)
        return self.tokens[role]


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory, signing_keys):
    folder = tmp_path_factory.mktemp(f"milestones-{request.param}")
    with pytest.MonkeyPatch.context() as monkeypatch, fresh_database(request, request.param, folder) as url:
        clear_environment(monkeypatch)
        instance = folder / "instance"
        instance.mkdir()
        for name in (signing.KEY_FILE, signing.RING_FILE):
            shutil.copyfile(signing_keys / name, instance / name)
        monkeypatch.setenv("RECOGNITION_INSTANCE_PATH", str(instance))
        app = create_app(app_config(url))
        try:
            with app.app_context():
                dept = Department.build()
                dept.pair("other_mentor", "mentee", kind="informal")
                open_case(dept, "mentor", ["promotion_committee", "other_mentor"])
                open_case(dept, "mentor", ["other_mentee"], closed=True)
                db.session.commit()
            ids = {
                "standing": enter(app, dept, "director", "mentor"),
                "pending": enter(app, dept, "mentor", "mentor", **GRANT),
                "withdrawn": enter(
                    app, dept, "admin", "mentor", kind="cfar", occurred_on=date(2023, 7, 1), outcome="passed"
                ),
                "mentees": enter(app, dept, "director", "mentee", kind="appointment", occurred_on=date(2023, 7, 1)),
            }
            with app.app_context():
                milestone = db.session.get(Milestone, ids["withdrawn"])
                service.withdraw(milestone, "Recorded for the wrong person", actor(dept, "admin"), NOW)
                db.session.commit()
            yield World(app, dept, ids, {})
        finally:
            dispose_engines(app)
