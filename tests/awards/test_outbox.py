"""The outbox and the emails an award cycle queues in it: each queued once under its key,
delivered through SMTP or as .eml files, a failed delivery kept for the next run; and who
receives the call for nominations, the close reminder, the committee assignment and the
results.
"""

from __future__ import annotations

import email
import email.policy
import socket
import socketserver
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from recognition.auth.models import Account
from recognition.awards import lifecycle
from recognition.awards.announcement import notices as announcement_notices
from recognition.awards.committee import notices as committee_notices
from recognition.awards.committee import service as committee
from recognition.awards.cycles import decision
from recognition.awards.definitions import service as definitions
from recognition.awards.models import Cycle
from recognition.awards.nominations import service as nominations
from recognition.clock import utcnow
from recognition.extensions import db
from recognition.outbox import Message, OutboxMessage, deliver, pending, queue
from recognition.people.models import Person
from tests.support.awards import DAYS, SCHEDULE, AwardWorld, actor, at


def rows() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def recipients(cycle_id: int, kind: str) -> dict[str, OutboxMessage]:
    """The cycle's queued messages of one kind, by recipient address."""
    found = db.session.scalars(select(OutboxMessage).where(OutboxMessage.key.like(f"award:{cycle_id}:{kind}:%"))).all()
    by_address = {m.recipient: m for m in found}
    assert len(by_address) == len(found), f"someone got two {kind} messages"
    return by_address


def emails(dept, *roles: str) -> set[str]:
    return {dept.email(role) for role in roles}


def eml(folder) -> list[email.message.EmailMessage]:
    return (
        [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))
        ]
        if folder.exists()
        else []
    )


def three(prefix: str = "test") -> list[Message]:
    return [Message(f"{prefix}:{n}", f"person{n}@test.example.org", f"Subject {n}", f"Body {n}") for n in range(3)]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: accepts every message except to ``refused`` addresses
    (550, a permanent refusal of that recipient)."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 test.example.org ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test.example.org")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip(" <>")
                if address in self.server.refused:
                    self.reply("550 5.1.1 No such user here")
                else:
                    recipients.append(address)
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self.server.received.extend(recipients)
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:  # RSET, NOOP
                self.reply("250 OK")


@pytest.fixture
def smtp_server(app):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.daemon_threads = True
    server.received, server.refused = [], set()
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1], MAIL_USE_TLS=False)
    yield server
    server.shutdown()
    server.server_close()


# Queue and deliver -----------------------------------------------------------------------


def test_a_key_is_queued_once_however_often_it_is_queued(app):
    with app.app_context():
        first, second, _ = three()
        assert queue([first, first, second]) == 2
        db.session.commit()
        assert queue([first]) == 0
        assert queue([Message(first.key, "someone.else@test.example.org", "Other", "Other")]) == 0
        db.session.commit()
        assert [(m.key, m.recipient, m.attempts, m.sent_at) for m in rows()] == [
            ("test:0", "person0@test.example.org", 0, None),
            ("test:1", "person1@test.example.org", 0, None),
        ]


def test_nothing_is_queued_unless_the_callers_transaction_commits(app):
    with app.app_context():
        assert queue(three()) == 3
        db.session.rollback()
        assert rows() == [] and pending() == 0


def test_without_a_mail_server_delivery_writes_eml_files_and_marks_them_sent(app, instance_path):
    with app.app_context():
        queue(three())
        db.session.commit()

        assert deliver() == (3, None)

        written = eml(instance_path / "outbox")
        assert sorted((str(m["To"]), str(m["Subject"]), m.get_content().strip()) for m in written) == [
            (f"person{n}@test.example.org", f"Subject {n}", f"Body {n}") for n in range(3)
        ]
        assert all(m.sent_at is not None and m.attempts == 1 and m.last_error is None for m in rows())
        assert pending() == 0
        assert deliver() == (0, None)
        assert len(eml(instance_path / "outbox")) == 3


def test_a_mail_server_that_is_down_stops_delivery_and_a_later_delivery_sends_everything(
    app, instance_path, closed_port
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, MAIL_USE_TLS=False)
    with app.app_context():
        queue(three())
        db.session.commit()

        sent, error = deliver()

        assert sent == 0 and error.startswith("ConnectionRefusedError")
        first, *rest = rows()
        assert (first.sent_at, first.attempts, first.last_error) == (None, 1, error)
        assert [(m.sent_at, m.attempts, m.last_error) for m in rest] == [(None, 0, None)] * 2, (
            "it tried past the failure"
        )
        assert pending() == 3

        assert deliver()[0] == 0
        assert [m.attempts for m in rows()] == [2, 0, 0]

        app.config["MAIL_SERVER"] = None
        assert deliver() == (3, None)
        assert [(m.sent_at is not None, m.attempts, m.last_error) for m in rows()] == [
            (True, 3, None),
            (True, 1, None),
            (True, 1, None),
        ]
        assert len(eml(instance_path / "outbox")) == 3


def test_delivery_through_smtp_marks_each_message_sent_as_it_goes(app, smtp_server):
    with app.app_context():
        queue(three())
        db.session.commit()
        assert deliver() == (3, None)
    assert sorted(smtp_server.received) == [f"person{n}@test.example.org" for n in range(3)]


def test_a_message_the_server_refuses_does_not_hold_back_the_others(app, smtp_server):
    """A mistyped address is refused by the mail server (550) on every attempt. The rest of
    the outbox must still go out, or one bad address silences every later notice."""
    smtp_server.refused.add("person1@test.example.org")
    with app.app_context():
        queue(three())
        db.session.commit()

        sent, error = deliver()
        assert (sent, error.split(":")[0]) == (2, "SMTPRecipientsRefused"), "the refused one is passed over, not a stop"
        first, refused, last = rows()
        assert first.sent_at is not None and last.sent_at is not None
        assert (refused.sent_at, refused.attempts) == (None, 1) and "No such user" in refused.last_error

        assert deliver()[0] == 0  # a later run (the scheduler's, every ten minutes) tries it again
        db.session.refresh(refused)
        assert (refused.sent_at, refused.attempts) == (None, 2)
    assert "person2@test.example.org" in smtp_server.received


# Who receives what -------------------------------------------------------------------------


def test_the_call_for_nominations_goes_to_everyone_with_an_account_or_the_division(app, dept):
    with app.app_context():
        db.session.add(
            Person(
                name="No Account Person",
                email="no.account@test.example.org",
                division_id=dept.divisions["CARD"],
                rank="assistant",
                position="clinician_teacher",
                created_at=utcnow(),
            )
        )
        db.session.execute(update(Account).where(Account.person_id == dept.ids["outsider"]).values(disabled=True))
        department = definitions.create(
            {"slug": "department-award", "name": "Department Award", **SCHEDULE}, at(DAYS["scheduled"])
        )
        division = definitions.create(
            {
                "slug": "cardiology-award",
                "name": "Cardiology Award",
                **SCHEDULE,
                "level": "division",
                "division_id": dept.divisions["CARD"],
            },
            at(DAYS["scheduled"]),
        )
        db.session.commit()
        lifecycle.advance_all(DAYS["open"], at(DAYS["open"]))
        db.session.commit()
        by_award = {c.award_id: c.id for c in db.session.scalars(select(Cycle))}

        everyone = set(dept.ids) - {"outsider"}
        calls = recipients(by_award[department.id], "call")
        assert set(calls) == emails(dept, *everyone)
        assert set(recipients(by_award[division.id], "call")) == emails(dept, "admin", "director", "mentor", "mentee")
        message = calls[dept.email("mentor")]
        assert message.subject == "Call for nominations: Department Award 2026"
        assert message.body.startswith("Dear Mentor Person,")
        assert "open until 15 March 2026" in message.body


def test_the_close_reminder_is_queued_once_within_the_reminder_days_and_not_before(app, dept):
    app.config["AWARD_CLOSE_REMINDER_DAYS"] = 5
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)
        world.to("open")
        closes = world.cycle.closes_on

        assert lifecycle.advance_all(closes - timedelta(days=6), at(closes)) == "no award cycle changed"
        assert recipients(world.cycle_id, "reminder") == {}
        summary = lifecycle.advance_all(closes - timedelta(days=5), at(closes - timedelta(days=5)))
        db.session.commit()
        assert summary == "mentor-of-the-year 2026: 10 reminders queued"
        reminders = recipients(world.cycle_id, "reminder")
        assert set(reminders) == emails(dept, *dept.ids)
        assert reminders[dept.email("mentee")].subject == "Nominations close 15 March 2026: Mentor of the Year 2026"
        for day in range(4, -1, -1):
            assert lifecycle.advance_all(closes - timedelta(days=day), at(closes)) == "no award cycle changed", day
        db.session.commit()
        assert len(recipients(world.cycle_id, "reminder")) == 10


def test_a_nominee_hears_once_however_many_colleagues_nominate_them(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        cycle = world.cycle
        nominations.nominate(
            cycle, dept.ids["other_mentee"], "Also generous.", actor(dept, "mentor"), DAYS["open"], at(DAYS["open"])
        )
        db.session.commit()
        told = recipients(world.cycle_id, "nominated")
        assert set(told) == emails(dept, "mentor", "other_mentee", "other_director")
        assert told[dept.email("other_mentee")].subject == "You have been nominated: Mentor of the Year 2026"


def test_committee_members_are_told_of_the_review_with_the_nominees_they_are_recused_from(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("review")

        assigned = recipients(world.cycle_id, "committee")
        assert set(assigned) == emails(dept, "award_committee", "other_mentor", "director")
        recused = assigned[dept.email("other_mentor")].body
        assert "You are recused from 1 nomination(s), which you will not see: Other Mentee Person." in recused
        assert "Score each nominee on the rubric by 15 April 2026" in recused
        for role in ("award_committee", "director"):
            assert "recused" not in assigned[dept.email(role)].body, role

        # Joining during the review: told at once, the others not again.
        committee.add_member(world.cycle, dept.ids["promotion_committee"], actor(dept, "admin"), at(DAYS["review"]))
        db.session.commit()
        assert set(recipients(world.cycle_id, "committee")) == emails(
            dept, "award_committee", "other_mentor", "director", "promotion_committee"
        )
        assert committee_notices.committee_assignments(world.cycle, at(DAYS["review"])) == 0


def test_the_results_go_once_to_winners_nominees_nominators_and_the_committee(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("review")
        world.score_all()
        day = date(2026, 4, 20)
        decision.decide(world.cycle, [world.nomination_ids["mentor"]], {}, "", actor(dept, "admin"), day, at(day))
        db.session.commit()
        world.to("announced")

        results = recipients(world.cycle_id, "result")
        assert set(results) == emails(
            dept,
            "mentor",
            "other_mentee",
            "other_director",  # nominees
            "promotion_committee",
            "outsider",
            "mentee",  # nominators
            "award_committee",
            "other_mentor",
            "director",
        )  # the committee
        assert results[dept.email("mentor")].subject == "You have won the Mentor of the Year 2026"
        assert "/awards/mine" in results[dept.email("mentor")].body
        for address, message in results.items():
            if address != dept.email("mentor"):
                assert message.subject == "Announced: Mentor of the Year 2026", address
                assert "has been announced: Mentor Person." in message.body
        assert announcement_notices.results(world.cycle, at(DAYS["announced"])) == 0
        assert (
            lifecycle.advance_all(DAYS["announced"] + timedelta(days=1), at(DAYS["announced"]))
            == "no award cycle changed"
        )
        assert len(recipients(world.cycle_id, "result")) == 9
