"""Forgot password: one answer for every email, mail only to a known enabled account, at
most a few mails an hour to one address, and no lockout in the owner's way."""

from __future__ import annotations

import statistics
import time

import pytest
from sqlalchemy import update

from recognition.auth.models import Account
from recognition.extensions import db
from tests.support.department import PASSWORD

from .conftest import link_in

SENT = "has an account, a link to choose a new password is on its way"


def ask(client, email):
    return client.post("/password/forgot", data={"email": email})


def answer(response, email) -> str:
    """The page, with the email it echoes taken out: what must not differ between emails."""
    assert response.status_code == 200
    return response.get_data(as_text=True).replace(email, "EMAIL")


def test_the_page_is_linked_from_sign_in_and_asks_for_an_email(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)
    page = client.get("/password/forgot").get_data(as_text=True)
    assert '<label for="email">Email</label>' in page and 'autocomplete="username"' in page


def test_every_email_gets_the_same_answer_and_only_a_known_enabled_account_gets_mail(app, client, dept, mail, newcomer):
    newcomer(email="no.account@test.example.org")
    with app.app_context():
        db.session.execute(update(Account).where(Account.person_id == dept.ids["outsider"]).values(disabled=True))
        db.session.commit()
    emails = {
        "known": dept.email("mentor"),
        "unknown": "nobody@test.example.org",
        "disabled": dept.email("outsider"),
        "no account": "no.account@test.example.org",
    }
    pages = {kind: answer(ask(client, email), email) for kind, email in emails.items()}
    assert len(set(pages.values())) == 1
    assert SENT in pages["known"]

    (message,) = mail()
    recipient, subject, body = message
    assert recipient == dept.email("mentor")
    assert subject.startswith("Reset your password")
    assert link_in(body).startswith("/password/set/")
    assert "works once" in body


def test_the_email_is_matched_ignoring_case_and_spaces(client, dept, mail):
    ask(client, "  " + dept.email("mentor").upper() + " ")
    assert [recipient for recipient, _, _ in mail()] == [dept.email("mentor")]


def test_a_bad_email_is_named(client, mail):
    response = client.post("/password/forgot", data={"email": "not an email"})
    assert response.status_code == 422
    assert "Email: must be an email address" in response.get_data(as_text=True)
    assert mail() == []


def test_at_most_a_few_mails_an_hour_go_to_one_address(app, client, dept, mail):
    limit = app.config["PASSWORD_RESET_MAX_PER_EMAIL"]
    for _ in range(limit + 2):
        assert SENT in answer(ask(client, dept.email("mentor")), dept.email("mentor"))
    assert len(mail()) == limit


def test_one_client_asking_too_often_is_refused(make_app, dept, mail):
    client = make_app(PASSWORD_RESET_MAX_PER_ADDRESS=3).test_client()
    for number in range(3):
        assert ask(client, f"someone{number}@test.example.org").status_code == 200
    refused = ask(client, dept.email("mentor"))
    assert refused.status_code == 429
    assert "Too many requests" in refused.get_data(as_text=True)
    assert mail() == []


def test_the_sign_in_lockout_does_not_stop_the_owner_asking(app, client, dept, mail):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": dept.email("mentor"), "password": "a wrong guess"})
    assert client.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD}).status_code == 429
    assert SENT in answer(ask(client, dept.email("mentor")), dept.email("mentor"))
    assert len(mail()) == 1


def test_the_form_needs_its_csrf_token(csrf_client, dept, mail):
    assert csrf_client.post("/password/forgot", data={"email": dept.email("mentor")}).status_code == 400
    assert mail() == []


@pytest.mark.parametrize("rounds", [15])
def test_a_known_email_takes_no_longer_than_an_unknown_one(make_app, dept, rounds):
    """Measured, not assumed: both paths sign a link and write a message; only the known
    one queues it. Alternating the two evens out whatever else the machine is doing."""
    client = make_app(PASSWORD_RESET_MAX_PER_EMAIL=1000, PASSWORD_RESET_MAX_PER_ADDRESS=1000).test_client()
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for number in range(rounds + 2):
        for kind, email in (("known", dept.email("mentor")), ("unknown", f"nobody{number}@test.example.org")):
            started = time.perf_counter()
            assert ask(client, email).status_code == 200
            if number >= 2:  # the first rounds warm caches up
                timings[kind].append(time.perf_counter() - started)
    known, unknown = (statistics.median(timings[kind]) for kind in ("known", "unknown"))
    assert 0.5 < known / unknown < 2, (known, unknown)


def test_a_reset_link_never_names_the_host_the_asker_sent(make_app, dept, mail):
    """Without BASE_URL, a forged Host header must not put the asker's server in the
    owner's mail (the token would go to them when the owner clicks)."""
    client = make_app(BASE_URL=None).test_client()
    assert ask_from(client, dept.email("mentor"), "evil.example").status_code == 200
    ((_, _, body),) = mail()
    assert "evil.example" not in body
    assert "http://127.0.0.1:5000/password/set/" in body  # where `serve` listens by default


def test_with_trusted_hosts_the_request_host_is_used(make_app, dept, mail):
    client = make_app(BASE_URL=None, TRUSTED_HOSTS=["mentoring.example.org"]).test_client()
    assert ask_from(client, dept.email("mentor"), "mentoring.example.org").status_code == 200
    assert "http://mentoring.example.org/password/set/" in mail()[0][2]


def ask_from(client, email, host):
    return client.post("/password/forgot", data={"email": email}, base_url=f"http://{host}")
