"""One demo department (a tenth of the real size) per backend for the whole session, a
login per role (the demo's own six, and a nominee of the cycle in review), and for the
browser checks the worker's one headless Chromium (``browser``, tests/conftest.py)."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from recognition.awards.models import Cycle, Nomination
from recognition.extensions import db
from recognition.people.models import Person
from tests.browser.conftest import serving
from tests.conftest import module_app, selected_backends
from tests.demo.conftest import demo_source

ROLES = ("admin", "division_director", "mentor", "mentee", "award_committee", "promotion_committee", "nominee")


@dataclass
class Demo:
    app: object
    logins: dict[str, str]  # role -> email
    password: str


def load_demo(app, logins: list[tuple[str, str, str]]) -> Demo:
    """The demo in ``app`` (a copy of the one ``tests/demo`` loads, see ``demo_source``),
    with a login per role and a nominee of the cycle in review."""
    with app.app_context():
        nominee = db.session.scalar(
            select(Person)
            .join(Nomination, Nomination.nominee_id == Person.id)
            .join(Cycle, Cycle.id == Nomination.cycle_id)
            .where(Cycle.phase == "review")
            .order_by(Nomination.id)
            .limit(1)
        )
        emails = {role: email for role, email, _ in logins}
        emails["nominee"] = nominee.email
        return Demo(app, emails, logins[0][2])


class _Backend:
    """What ``module_app`` reads of a parametrised request: the backend and the fixtures."""

    def __init__(self, request: pytest.FixtureRequest, backend: str) -> None:
        self.param = backend
        self.getfixturevalue = request.getfixturevalue


@pytest.fixture(scope="session")
def demos(request, tmp_path_factory):
    """``demos(backend)``: the demo department on that backend, loaded once."""
    loaded: dict[str, Demo] = {}
    if "postgresql" in selected_backends():  # set up first, so torn down after the demo's database
        request.getfixturevalue("postgres_server")
    with ExitStack() as stack:

        def on(backend: str) -> Demo:
            if backend not in loaded:
                source, logins = demo_source(request, backend)
                app = stack.enter_context(
                    module_app(_Backend(request, backend), tmp_path_factory, "site-demo", source=source)
                )
                loaded[backend] = load_demo(app, logins)
            return loaded[backend]

        yield on


@pytest.fixture(scope="session", params=selected_backends())
def demo(request, demos) -> Demo:
    return demos(request.param)


@pytest.fixture(scope="session")
def served_demo(demos):
    """The SQLite demo served on a free port (markup and layout do not depend on the
    backend): (base URL, demo)."""
    sqlite = demos("sqlite")
    with serving(sqlite.app) as base:
        yield base, sqlite


def signed_in_context(browser, base: str, demo: Demo, role: str, width: int = 1280):
    """A browser context signed in as ``role`` (through the login form's POST)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=base)
    response = context.request.post(
        base + "/login", form={"email": demo.logins[role], "password": demo.password}, max_redirects=0
    )
    assert response.status == 302, (role, response.status)
    return context
