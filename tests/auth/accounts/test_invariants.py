"""Whatever happens to an account, a disabled one has no working session or token; and
two administrators disabling each other at once cannot leave the app without one."""

from __future__ import annotations

import threading
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from recognition.auth import sessions, tokens
from recognition.auth.accounts import service
from recognition.auth.models import Account
from recognition.auth.service import COMMAND_LINE, load_actor
from recognition.clock import utcnow
from recognition.errors import Conflict
from recognition.extensions import db
from recognition.people.models import Person

from .support import SECOND_ADMIN, make_admin

STEPS = st.lists(st.sampled_from(["disable", "enable", "sign in", "issue token"]), max_size=12)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(steps=STEPS)
def test_a_disabled_account_never_has_a_working_session_or_token(app, dept, steps):
    person_id = dept.ids["mentor"]
    with app.app_context():
        if db.session.get(Account, person_id).disabled:  # an earlier example may end disabled
            service.enable(person_id, "start", COMMAND_LINE, utcnow())
            db.session.commit()
        person = db.session.get(Person, person_id)
        enabled, epoch = True, 0
        held: list[tuple[str, str, int]] = []  # (kind, credential, the epoch it was made in)
        for step in steps:
            now = utcnow()
            if step == "disable":
                if enabled:
                    service.disable(person_id, "property", COMMAND_LINE, now)
                    enabled, epoch = False, epoch + 1
                else:
                    _refused(service.disable, person_id, now)
            elif step == "enable":
                if not enabled:
                    service.enable(person_id, "property", COMMAND_LINE, now)
                    enabled = True
                else:
                    _refused(service.enable, person_id, now)
            elif enabled:  # a disabled account cannot sign in or get a token (test_tokens)
                if step == "sign in":
                    held.append(("cookie", sessions.open_session(person_id, "password", now), epoch))
                else:
                    held.append(("token", tokens.issue_token(person, "property", now)[1], epoch))
            db.session.commit()
            for kind, credential, made_in in held:
                owner = (
                    sessions.person_for_cookie(credential)
                    if kind == "cookie"
                    else tokens.person_for_token(credential, utcnow())
                )
                works = enabled and made_in == epoch
                assert owner == (person_id if works else None), (step, kind, made_in, epoch, enabled)


def _refused(verb, person_id: int, now) -> None:
    try:
        verb(person_id, "property", COMMAND_LINE, now)
    except Conflict:
        db.session.rollback()
    else:
        raise AssertionError("changing an account to the state it is in must be refused")


def test_two_administrators_disabling_each_other_at_once_leave_one_enabled(app, dept, make_app, backend):
    """The first to lock the administrators' accounts wins; the other then finds the
    administrator it would disable to be the last one enabled."""
    make_admin(app, dept)
    first, second = dept.ids["admin"], dept.ids[SECOND_ADMIN]
    other_app = make_app()
    outcome: dict[str, object] = {}

    def second_disables_first() -> None:
        with other_app.app_context():
            try:
                service.disable(first, "race", load_actor(second), utcnow())
                db.session.commit()
                outcome["second"] = "disabled"
            except Conflict as error:
                db.session.rollback()
                outcome["second"] = error.message

    with app.app_context():
        service.disable(second, "race", load_actor(first), utcnow())  # holds its locks until the commit
        racer = threading.Thread(target=second_disables_first)
        racer.start()
        if backend == "postgresql":
            _wait_until_blocked()
        db.session.commit()
    racer.join(timeout=60)
    assert not racer.is_alive()
    assert "last administrator whose account is enabled" in str(outcome["second"])
    with app.app_context():
        assert db.session.get(Account, first).disabled is False
        assert db.session.get(Account, second).disabled is True


def _wait_until_blocked() -> None:
    """Until another connection waits for a lock this transaction holds (PostgreSQL)."""
    deadline = time.monotonic() + 30
    with db.engine.connect() as watcher:
        while time.monotonic() < deadline:
            if watcher.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                return
            watcher.rollback()
            time.sleep(0.01)
    raise AssertionError("the second disable never waited for the first one's locks")
