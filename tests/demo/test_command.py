"""``recognition demo``: prints a login per role, loads once, refuses foreign data, resets."""

from __future__ import annotations

import re
from datetime import datetime

import click
import pytest
from sqlalchemy import func, select

from recognition.auth.models import Account
from recognition.demo import builder
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person

from .conftest import load

LOGIN_LINE = re.compile(r"^\s*(\w+): (\S+@demo\.example\.org) / (\S+)$", re.MULTILINE)


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Person, Account, Mentorship, LedgerEntry)
        )


def test_demo_command_prints_one_login_per_role(app, runner):
    result = runner.invoke(args=["demo", "--no-serve", "--scale", "0.1", "--seed", "3"])
    assert result.exit_code == 0, result.output
    roles = [role for role, _, password in LOGIN_LINE.findall(result.output) if password == builder.DEMO_PASSWORD]
    assert roles == ["admin", "division_director", "mentor", "mentee", "award_committee", "promotion_committee"]
    assert "admin: admin@demo.example.org / mentoring-demo" in result.output
    with app.app_context():
        assert ledger.verify().valid


def test_a_second_load_adds_nothing_and_names_the_same_logins(app, runner):
    first = load(app)
    before = counts(app)
    assert load(app) == first
    result = runner.invoke(args=["demo", "--no-serve", "--scale", "0.1"])
    assert result.exit_code == 0, result.output
    assert counts(app) == before
    for role, email, password in first:
        assert f"{role}: {email} / {password}" in result.output


def test_a_database_with_other_people_is_refused(app):
    with app.app_context():
        db.session.add(
            Person(
                name="Real Person",
                email="real@hospital.example.org",
                rank="full",
                position="clinician_scientist",
                created_at=datetime(2025, 1, 1),
            )
        )
        db.session.commit()
        with pytest.raises(click.ClickException, match="RECOGNITION_DATABASE_URL"):
            builder.load(1, scale=0.1)
    assert counts(app) == (1, 0, 0, 0)


def test_reset_wipes_the_database_and_loads_again(app, runner):
    with app.app_context():
        db.session.add(
            Person(
                name="Real Person",
                email="real@hospital.example.org",
                rank="full",
                position="clinician_scientist",
                created_at=datetime(2025, 1, 1),
            )
        )
        db.session.commit()
    result = runner.invoke(args=["demo", "--no-serve", "--reset", "--scale", "0.1", "--seed", "4"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Person).where(Person.email == "real@hospital.example.org")) is None
        assert db.session.scalar(select(Person).where(Person.email == "admin@demo.example.org")) is not None
        assert ledger.verify().valid
