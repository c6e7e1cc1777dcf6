"""Institutional sign-in against a real OpenID provider (oidc-provider, started by the
fixtures): success, the refusals, and what happens to the people the roster knows."""

from __future__ import annotations

from sqlalchemy import func, select

from recognition.auth.models import Account, LoginSession
from recognition.auth.oidc import service
from recognition.extensions import db
from recognition.people.models import Person


def sessions_of(app, person_id: int) -> list[LoginSession]:
    with app.app_context():
        return list(db.session.scalars(select(LoginSession).where(LoginSession.person_id == person_id)))


def open_sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.ended_at.is_(None)))


def signed_out(client) -> bool:
    response = client.get("/mentoring")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_person_on_the_roster_signs_in_through_the_university(oidc_app, university, dept):
    app = oidc_app()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with University ID" in page
    response = client.get(university(client, "mentor"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200
    assert "Mentor Person" in home.get_data(as_text=True)
    [row] = sessions_of(app, dept.ids["mentor"])
    assert row.method == "oidc" and row.ended_at is None


def test_the_page_asked_for_is_where_the_sign_in_lands_but_never_another_site(oidc_app, university, dept):
    app = oidc_app()
    client = app.test_client()
    response = client.get(university(client, "mentor", next="/mentoring"))
    assert response.headers["Location"] == "/mentoring"
    other = app.test_client()
    response = other.get(university(other, "mentor", next="https://evil.example.org/"))
    assert response.headers["Location"] == "/"
    third = app.test_client()
    response = third.get(university(third, "mentor", next="//evil.example.org/"))
    assert response.headers["Location"] == "/"


def test_the_login_page_passes_the_page_asked_for_to_the_university_link(oidc_app, dept):
    client = oidc_app().test_client()
    page = client.get("/login?next=/mentoring").get_data(as_text=True)
    assert 'href="/login/oidc?next=/mentoring"' in page


def test_an_id_token_for_another_application_is_refused(oidc_app, university, dept, monkeypatch):
    """The provider issues a genuine, signed ID token, but to another client (its audience
    is ``another-app``): the app must not accept it as a sign-in to itself."""
    from tests.auth.oidc.conftest import CLIENT_ID, OTHER_CLIENT_ID, OTHER_CLIENT_SECRET

    app = oidc_app()
    client = app.test_client()
    real_exchange = service.exchange_code

    def exchanged_by_the_other_app(config, metadata, code, verifier, redirect_uri):
        other = {**config, "OIDC_CLIENT_ID": OTHER_CLIENT_ID, "OIDC_CLIENT_SECRET": OTHER_CLIENT_SECRET}
        return real_exchange(other, metadata, code, verifier, redirect_uri)

    monkeypatch.setattr(service, "exchange_code", exchanged_by_the_other_app)
    callback = university(
        client, "mentor", rewrite=lambda url: url.replace(f"client_id={CLIENT_ID}", f"client_id={OTHER_CLIENT_ID}")
    )
    response = client.get(callback)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "could not be verified, so nobody was signed in" in page
    assert signed_out(client)
    assert open_sessions(app) == 0


def test_a_code_issued_to_another_application_is_refused_by_the_provider(oidc_app, university, dept):
    from tests.auth.oidc.conftest import CLIENT_ID, OTHER_CLIENT_ID

    app = oidc_app()
    client = app.test_client()
    callback = university(
        client, "mentor", rewrite=lambda url: url.replace(f"client_id={CLIENT_ID}", f"client_id={OTHER_CLIENT_ID}")
    )
    response = client.get(callback)
    assert response.status_code == 400
    assert "did not accept this sign-in" in response.get_data(as_text=True)
    assert signed_out(client) and open_sessions(app) == 0


def test_a_sign_in_finished_too_late_is_refused(oidc_app, university, dept, monkeypatch):
    from datetime import timedelta

    from recognition.auth.oidc import views
    from recognition.clock import utcnow

    app = oidc_app(OIDC_STATE_MINUTES=10)
    client = app.test_client()
    callback = university(client, "mentor")
    later = utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(views, "utcnow", lambda: later)
    response = client.get(callback)
    assert response.status_code == 400
    assert "took longer than 10 minutes, so it has expired" in response.get_data(as_text=True)
    assert signed_out(client) and open_sessions(app) == 0


def test_a_replayed_answer_is_refused_whether_or_not_the_cookie_is_replayed_too(oidc_app, university, dept):
    app = oidc_app()
    client = app.test_client()
    callback = university(client, "mentor")
    before = client.get_cookie("session").value  # holds the state, as the browser had it
    assert client.get(callback).status_code == 302
    # The same browser (its state now used up) sends the answer again.
    again = client.get(callback)
    assert again.status_code == 400
    assert "already completed, or was not started in this browser" in again.get_data(as_text=True)
    # Another browser replays the answer with a copy of the cookie from before: the state
    # matches, but the provider will not exchange a code twice.
    thief = app.test_client()
    thief.set_cookie("session", before)
    replayed = thief.get(callback)
    assert replayed.status_code == 400
    assert "did not accept this sign-in" in replayed.get_data(as_text=True)
    assert signed_out(thief)
    # And an answer that never started here at all.
    stranger = app.test_client()
    assert stranger.get(callback).status_code == 400
    assert len(sessions_of(app, dept.ids["mentor"])) == 1


def test_the_provider_saying_no_is_a_readable_refusal(oidc_app, dept):
    client = oidc_app().test_client()
    client.get("/login/oidc")
    with client.session_transaction() as cookie:
        state = cookie["_oidc_pending"]["state"]
    response = client.get(f"/login/oidc/callback?error=access_denied&error_description=User+cancelled&state={state}")
    assert response.status_code == 400
    assert "did not complete (User cancelled)" in response.get_data(as_text=True)


def test_someone_the_roster_does_not_know_is_told_whom_to_ask(oidc_app, university, dept):
    from tests.auth.oidc.conftest import HELP_CONTACT

    app = oidc_app()
    client = app.test_client()
    with app.app_context():
        people_before = db.session.scalar(select(func.count()).select_from(Person))
    response = client.get(university(client, "stranger"))
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "We could not find you on the department&#39;s roster" in page
    assert "no one on the department&#39;s roster has the email address stranger@elsewhere.example.org" in page
    assert HELP_CONTACT in page
    assert signed_out(client) and open_sessions(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == people_before  # nobody created


def test_an_email_the_university_has_not_verified_matches_no_one(oidc_app, university, dept):
    app = oidc_app()
    client = app.test_client()
    response = client.get(university(client, "admin"))  # the admin's email, unverified
    assert response.status_code == 403
    assert "has not verified the email address admin@test.example.org" in response.get_data(as_text=True)
    assert open_sessions(app) == 0


def test_a_disabled_account_is_refused(oidc_app, university, dept):
    app = oidc_app()
    with app.app_context():
        db.session.get(Account, dept.ids["outsider"]).disabled = True
        db.session.commit()
    client = app.test_client()
    response = client.get(university(client, "outsider"))
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Your account is disabled" in page and "your account here is disabled" in page
    assert open_sessions(app) == 0


def test_matching_by_institutional_id(oidc_app, university, dept):
    app = oidc_app(OIDC_MATCH_CLAIM="institutional_id", OIDC_ID_CLAIM="employee_id")
    with app.app_context():
        db.session.get(Person, dept.ids["mentee"]).institutional_id = "E-1004"
        db.session.commit()
    client = app.test_client()
    response = client.get(university(client, "mentee"))
    assert response.status_code == 302
    [row] = sessions_of(app, dept.ids["mentee"])
    assert row.method == "oidc"
    # The mentor's id is not on the roster: matching by id, their (known) email does not count.
    other = app.test_client()
    refused = other.get(university(other, "mentor"))
    assert refused.status_code == 403
    assert "the institutional id E-1003" in refused.get_data(as_text=True)
    assert sessions_of(app, dept.ids["mentor"]) == []


def test_a_person_on_the_roster_without_an_account_gets_one_with_no_usable_password(oidc_app, university, dept):
    from datetime import date

    from recognition.clock import utcnow

    app = oidc_app()
    with app.app_context():
        person = Person(
            name="New Comer",
            email="newcomer@test.example.org",
            rank="assistant",
            position="clinician_teacher",
            appointed_on=date(2026, 7, 1),
            created_at=utcnow(),
        )
        db.session.add(person)
        db.session.commit()
        person_id = person.id
    client = app.test_client()
    assert client.get(university(client, "newcomer")).status_code == 302
    assert client.get("/", follow_redirects=True).status_code == 200
    with app.app_context():
        account = db.session.get(Account, person_id)
        assert account is not None and not account.disabled
    # No password was set, so none signs them in.
    for password in ("", service.UNUSABLE_PASSWORD, "university password"):
        response = app.test_client().post("/login", data={"email": "newcomer@test.example.org", "password": password})
        assert response.status_code != 302


def test_password_sign_in_can_be_switched_off(oidc_app, university, dept):
    from tests.support.department import PASSWORD

    app = oidc_app(PASSWORD_SIGN_IN=False)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with University ID" in page
    assert 'type="password"' not in page
    response = client.post("/login", data={"email": dept.email("mentor"), "password": PASSWORD})
    assert response.status_code == 403
    assert "Password sign-in is switched off here" in response.get_data(as_text=True)
    assert signed_out(client)
    token = client.post("/api/v1/auth/tokens", json={"email": dept.email("mentor"), "password": PASSWORD})
    assert token.status_code == 403
    body = token.get_json()
    assert body["code"] == 403 and "switched off" in body["message"]
    assert body["errors"]["password"] == ["password sign-in is switched off on this server (PASSWORD_SIGN_IN)"]
    # The university's sign-in still works.
    assert client.get(university(client, "mentor")).status_code == 302
    assert client.get("/mentoring").status_code == 200


def test_signing_in_through_the_university_ends_the_browsers_earlier_session(oidc_app, university, dept, login):
    app = oidc_app()
    client = login(app.test_client(), "mentor")
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/mentoring").status_code == 200
    assert client.get(university(client, "mentee")).status_code == 302
    assert client.get("/mentee").status_code == 200  # now the mentee
    assert signed_out(copy)  # the mentor's session ended, for every copy of its cookie
    [mentor_session] = sessions_of(app, dept.ids["mentor"])
    assert mentor_session.ended_reason == "signed out"


def test_claims_a_conformant_provider_sends_only_from_userinfo_are_used(make_app, dept, monkeypatch):
    """A provider that keeps the email out of the ID token (OpenID Connect Core 5.4, when an
    access token is issued) gives it at its userinfo endpoint; the sign-in uses that."""
    from tests.auth.oidc.conftest import ACCOUNTS, CALLBACK, CLIENT_ID, CLIENT_SECRET, oidc_config
    from tests.support.oidc_provider import running_provider, university_sign_in

    asked = []
    real_get = service.requests.get

    def recording_get(url, **options):
        asked.append(url)
        return real_get(url, **options)

    monkeypatch.setattr(service.requests, "get", recording_get)
    clients = [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]}]
    with running_provider(clients, ACCOUNTS, conform=True) as issuer:
        app = make_app(**oidc_config(issuer))
        client = app.test_client()
        authorize = client.get("/login/oidc").headers["Location"]
        assert client.get(university_sign_in(authorize, "mentor", CALLBACK)).status_code == 302
        assert client.get("/mentoring").status_code == 200
        assert asked.count(issuer + "/me") == 1  # the email came from userinfo
        stranger = app.test_client()
        authorize = stranger.get("/login/oidc").headers["Location"]
        assert stranger.get(university_sign_in(authorize, "stranger", CALLBACK)).status_code == 403
    service.forget_provider()
