"""Shared by the account tests: a second administrator, a signed-in browser and its copy."""

from __future__ import annotations

from recognition.auth.service import grant_role
from recognition.extensions import db
from recognition.people.models import Person
from tests.support.department import PASSWORD

SECOND_ADMIN = "award_committee"  # made an administrator too where a test needs two


def make_admin(app, dept, role: str = SECOND_ADMIN) -> None:
    with app.app_context():
        grant_role(db.session.get(Person, dept.ids[role]), "admin")
        db.session.commit()


def signed_in(app, dept, role: str):
    """A client signed in as ``role``, and a second client holding a copy of its cookie."""
    client = app.test_client()
    assert client.post("/login", data={"email": dept.email(role), "password": PASSWORD}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return client, thief


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
