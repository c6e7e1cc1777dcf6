"""Two deliveries of the outbox at once (the 10-minute job and an administrator's
``scheduler run``, or two processes) send every message once: each message is claimed
in a commit of its own before it is sent, and a claim left by a delivery that died is
taken over after OUTBOX_CLAIM_MINUTES."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from recognition import outbox
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.outbox import Message, OutboxMessage

MESSAGES = 300


class Recorder:
    """Stands in for ``mail.send``: records each subject sent. Each delivery's first send
    waits (a little) for the other's, so both are under way before either gets far."""

    def __init__(self, deliveries: int):
        self.subjects: list[str] = []
        self.lock = threading.Lock()
        self.started = threading.Barrier(deliveries)
        self.waited = threading.local()

    def __call__(self, messages) -> str:
        if not getattr(self.waited, "done", False):
            self.waited.done = True
            with contextlib.suppress(threading.BrokenBarrierError):  # the other delivery found nothing left
                self.started.wait(timeout=2)
        with self.lock:
            self.subjects.extend(str(message["Subject"]) for message in messages)
        return "recorded"


def queue_many(app, count: int) -> None:
    with app.app_context():
        outbox.queue(
            Message(f"test:{n}", f"person{n}@test.example.org", f"Subject {n}", f"Body {n}") for n in range(count)
        )
        db.session.commit()


def test_two_deliveries_at_once_send_every_message_exactly_once(app, database_url, app_on, monkeypatch):
    queue_many(app, MESSAGES)
    recorder = Recorder(2)
    monkeypatch.setattr(outbox, "send", recorder)
    second = app_on(database_url)  # another process's app: its own engine and sessions
    results: dict[int, tuple[int, str | None]] = {}
    failures: list[BaseException] = []

    def deliver(index: int, which) -> None:
        try:
            with which.app_context():
                results[index] = outbox.deliver(limit=MESSAGES)
        except BaseException as error:  # noqa: BLE001 - reported below: a thread's exception is otherwise lost
            failures.append(error)

    threads = [threading.Thread(target=deliver, args=(index, which)) for index, which in enumerate((app, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    twice = {subject: n for subject, n in Counter(recorder.subjects).items() if n > 1}
    assert twice == {}, f"{len(twice)} messages sent more than once"
    assert sorted(recorder.subjects) == sorted(f"Subject {n}" for n in range(MESSAGES))
    assert sum(sent for sent, _ in results.values()) == MESSAGES and all(error is None for _, error in results.values())
    assert all(sent > 0 for sent, _ in results.values()), results  # both were delivering at once
    with app.app_context():
        assert outbox.pending() == 0
        assert db.session.scalar(select(func.count()).where(OutboxMessage.attempts != 1)) == 0


def test_a_claim_left_by_a_dead_delivery_is_taken_over_after_the_claim_window(app, monkeypatch):
    queue_many(app, 3)
    recorder = Recorder(1)
    monkeypatch.setattr(outbox, "send", recorder)
    with app.app_context():
        window = timedelta(minutes=app.config["OUTBOX_CLAIM_MINUTES"])
        now = utcnow()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == "test:0")
            .values(claimed_by="dead", claimed_at=now - window - timedelta(minutes=1))
        )
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == "test:1")
            .values(claimed_by="busy", claimed_at=now - window + timedelta(minutes=1))
        )
        db.session.commit()

        assert outbox.deliver(now=now) == (2, None)
        assert sorted(recorder.subjects) == ["Subject 0", "Subject 2"]  # the live claim is left to its delivery
        assert outbox.pending() == 1

        later = now + timedelta(minutes=2)  # that delivery died too: its claim has now expired
        assert outbox.deliver(now=later) == (1, None)
        assert sorted(recorder.subjects) == ["Subject 0", "Subject 1", "Subject 2"]
        assert outbox.pending() == 0


@pytest.mark.parametrize("limit", [1, 25])
def test_a_delivery_sends_no_more_than_its_limit_and_leaves_the_rest_unclaimed(app, monkeypatch, limit):
    queue_many(app, 30)
    recorder = Recorder(1)
    monkeypatch.setattr(outbox, "send", recorder)
    with app.app_context():
        assert outbox.deliver(limit=limit) == (limit, None)
        assert recorder.subjects == [f"Subject {n}" for n in range(limit)]
        assert (
            db.session.scalar(
                select(func.count()).where(OutboxMessage.sent_at.is_(None), OutboxMessage.claimed_at.is_not(None))
            )
            == 0
        )


# Feedback requests are mailed directly, not through the outbox: the same rule holds ------


def test_feedback_requests_read_before_another_process_mailed_them_are_not_mailed_again(
    app, dept, database_url, app_on, outbox
):
    from recognition.database import read_only
    from recognition.feedback import service as feedback
    from recognition.feedback.models import Request

    asked = datetime(2025, 11, 17, 12)
    with app.app_context():
        assert len(feedback.request_feedback("2025", asked)) == 2
        db.session.commit()
        with read_only():  # the page, job or command that is about to mail them reads them
            stale = list(db.session.scalars(select(Request).where(Request.sent_at.is_(None))))
            db.session.expunge_all()
            db.session.rollback()

    other = app_on(database_url)  # meanwhile the scheduler mails them
    with other.app_context():
        feedback.send_requests(list(db.session.scalars(select(Request))), asked)
        db.session.commit()
    assert len(outbox.new()) == 2

    with app.app_context():
        feedback.send_requests(stale, asked + timedelta(minutes=1))
        db.session.commit()
        assert outbox.new() == [], "mailed twice"
        assert {r.sent_at for r in db.session.scalars(select(Request))} == {asked}


def test_every_refused_message_is_recorded_and_released_for_the_next_run(app, monkeypatch):
    import smtplib

    queue_many(app, 4)
    recorder = Recorder(1)

    def refusing(messages):
        if str(messages[0]["Subject"]) in ("Subject 1", "Subject 2"):
            raise smtplib.SMTPRecipientsRefused({str(messages[0]["To"]): (550, b"No such user")})
        return recorder(messages)

    monkeypatch.setattr(outbox, "send", refusing)
    with app.app_context():
        sent, error = outbox.deliver()
        assert (sent, error.split(":")[0]) == (2, "SMTPRecipientsRefused")
        rows = {row.key: row for row in db.session.scalars(select(OutboxMessage))}
        assert [
            (rows[f"test:{n}"].attempts, rows[f"test:{n}"].claimed_at is None, rows[f"test:{n}"].sent_at is None)
            for n in (1, 2)
        ] == [(1, True, True), (1, True, True)]
        assert outbox.pending() == 2
