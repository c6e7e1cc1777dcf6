"""One demo department (a tenth of the real size) per session and backend, and a login per role: the
demo's own six, and a nominee of the cycle in review."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from recognition.people.models import Person

from recognition.awards.models import Cycle, Nomination
from recognition.demo import builder
from recognition.extensions import db
from tests.conftest import module_app, selected_backends
from tests.demo.conftest import SCALE, SEED, TODAY


@dataclass
class Demo:
    app: object
    logins: dict[str, str]  # role -> email
    password: str


def load_demo(app) -> Demo:
    with app.app_context():
        logins = builder.load(SEED, today=TODAY, scale=SCALE)
        nominee = db.session.scalar(
            select(Person).join(Nomination, Nomination.nominee_id == Person.id)
            .join(Cycle, Cycle.id == Nomination.cycle_id)
            .where(Cycle.phase == "review")
            .order_by(Nomination.id)
            .limit(1)
        )
        emails = {role: email for role, email, _ in logins}
        emails["nominee"] = nominee.email
        return Demo(app, emails, logins[0][2])


@pytest.fixture(scope="session", params=selected_backends())
def demo(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "site-demo") as app:
        yield load_demo(app)
