"""With CSRF protection on (as in production), every page form needs its token: a POST
without one is refused and changes nothing; the same POST with the page's token works."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from recognition.clock import today
from recognition.extensions import db
from recognition.ledger.models import LedgerEntry
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from tests.support.department import PASSWORD


def token_from(body: str) -> str:
    return re.search(r'name="(?:[\w-]+-)?csrf_token" (?:type="hidden" )?value="([^"]+)"', body).group(1)


def sign_in(client, email: str) -> None:
    token = token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def counts(app) -> tuple[int, ...]:
    """Ledger entries, mentorships, ended mentorships, people: what the forms below change."""
    with app.app_context():
        return tuple(
            db.session.scalar(statement)
            for statement in (
                select(func.count()).select_from(LedgerEntry),
                select(func.count()).select_from(Mentorship),
                select(func.count()).select_from(Mentorship).where(Mentorship.ended_on.is_not(None)),
                select(func.count()).select_from(Person),
            )
        )


def test_signing_in_without_a_token_is_refused(csrf_client, dept):
    response = csrf_client.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)


FORMS = [
    # who, the page that holds the form, where it posts, the fields besides the token
    (
        "mentor",
        "/mentoring",
        "/mentoring",
        lambda d, e: {
            "mentorship_id": d.mentorship_id,
            "kind": "meeting",
            "occurred_on": today().isoformat(),
            "minutes": "30",
        },
    ),
    ("mentee", "/mentee", "/contributions/{entry}/confirmation", lambda d, e: {"next": "/mentee"}),
    (
        "mentor",
        "/mentorships/{mentorship}",
        "/contributions/{entry}/reversal",
        lambda d, e: {f"reverse-{e}-reason": "wrong"},
    ),
    (
        "admin",
        "/mentorships/{mentorship}",
        "/mentorships/{mentorship}/end",
        lambda d, e: {"ended_on": today().isoformat()},
    ),
    (
        "admin",
        "/admin/mentorships",
        "/admin/mentorships",
        lambda d, e: {
            "new-mentor_email": d.email("outsider"),
            "new-mentee_email": d.email("admin"),
            "new-kind": "informal",
        },
    ),
    (
        "admin",
        "/admin/people",
        "/admin/people",
        lambda d, e: {
            "new-name": "New Person",
            "new-email": "new@test.example.org",
            "new-rank": "assistant",
            "new-position": "other",
            "new-division_id": "",
        },
    ),
    ("admin", "/admin/ledger", "/admin/ledger", lambda d, e: {}),
]


@pytest.mark.parametrize(("role", "page", "action", "fields"), FORMS, ids=[f"{f[0]} {f[2]}" for f in FORMS])
def test_a_post_without_the_token_is_refused_and_with_it_succeeds(
    app, csrf_client, dept, record, role, page, action, fields
):
    entry = record("mentor")
    where = {"entry": entry, "mentorship": dept.mentorship_id}
    sign_in(csrf_client, dept.email(role))
    data = fields(dept, entry)
    before = counts(app)

    refused = csrf_client.post(action.format(**where), data=data)
    assert refused.status_code == 400
    assert "The CSRF token is missing." in refused.get_data(as_text=True)
    assert counts(app) == before

    forged = csrf_client.post(action.format(**where), data={**data, "csrf_token": "not-the-token"})
    assert forged.status_code == 400
    assert counts(app) == before

    form_page = csrf_client.get(page.format(**where)).get_data(as_text=True)
    accepted = csrf_client.post(action.format(**where), data={**data, "csrf_token": token_from(form_page)})
    assert accepted.status_code in (200, 302), accepted.get_data(as_text=True)
    if action != "/admin/ledger":
        assert counts(app) != before  # the form did its work
    else:
        assert "The chain is valid." in accepted.get_data(as_text=True)
