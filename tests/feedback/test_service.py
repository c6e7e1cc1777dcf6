"""Feedback operations through the services: asking, sending, reminding, answering once,
and the report that stays withheld until k responses can be pooled."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from recognition.auth.service import COMMAND_LINE, load_actor
from recognition.errors import Conflict, DomainError, NotFound
from recognition.extensions import db
from recognition.feedback import reports, service
from recognition.feedback.models import Answer, Comment, Receipt, Release, Request, Response

from .conftest import NOW, autumn, every_item


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def requests_by_pair(app, period: str) -> dict[tuple[int, int], dict]:
    with app.app_context():
        return {
            (r.mentor_id, r.mentee_id): {
                "mentorship_id": r.mentorship_id,
                "instrument": f"{r.instrument_key}@{r.instrument_version}",
                "created_at": r.created_at,
            }
            for r in db.session.scalars(select(Request).where(Request.period == period))
        }


def outbox(instance_path) -> list[email.message.EmailMessage]:
    folder = instance_path / "outbox"
    return (
        [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))
        ]
        if folder.is_dir()
        else []
    )


# Requests -------------------------------------------------------------------------------


def test_every_mentee_of_an_active_mentorship_of_a_configured_kind_is_asked_once(app, dept, feedback_kit):
    kit, mentor = feedback_kit, dept.ids["mentor"]
    peer = kit.person("Peer Mentee")
    kit.mentorship(mentor, peer, kind="peer_group")
    sponsored = kit.person("Sponsored Mentee")
    kit.mentorship(mentor, sponsored, kind="sponsorship")
    twice = kit.person("Twice Mentee")  # formal and sponsorship with the same mentor: asked once
    kit.mentorship(mentor, twice, kind="formal")
    kit.mentorship(mentor, twice, kind="sponsorship")
    last_day = kit.person("Ended On New Year")
    kit.mentorship(mentor, last_day, started_on=date(2025, 1, 1), ended_on=date(2026, 1, 1))
    started_late = kit.person("Started In December")
    kit.mentorship(mentor, started_late, started_on=date(2026, 12, 1))
    informal = kit.person("Informal Mentee")
    kit.mentorship(mentor, informal, kind="informal")
    ended = kit.person("Ended Before Period")
    kit.mentorship(mentor, ended, started_on=date(2024, 1, 1), ended_on=date(2025, 12, 31))
    future = kit.person("Starts Next Year")
    kit.mentorship(mentor, future, started_on=date(2027, 1, 1))

    created = kit.ask("2026")

    asked = requests_by_pair(app, "2026")
    assert len(created) == len(asked)
    assert set(asked) == {
        (mentor, dept.ids["mentee"]),
        (dept.ids["other_mentor"], dept.ids["other_mentee"]),
        (mentor, peer),
        (mentor, sponsored),
        (mentor, twice),
        (mentor, last_day),
        (mentor, started_late),
    }
    assert {row["instrument"] for row in asked.values()} == {"mentor-effectiveness@1"}
    assert asked[(mentor, dept.ids["mentee"])]["mentorship_id"] == dept.mentorship_id
    # The mentorship ended in 2025 was active then, so 2025 asks that mentee.
    kit.ask("2025", NOW)
    assert (mentor, ended) in requests_by_pair(app, "2025")
    assert (mentor, informal) not in requests_by_pair(app, "2025")


def test_asking_again_creates_only_what_is_missing(app, dept, feedback_kit):
    assert len(feedback_kit.ask("2026")) == 2
    before = requests_by_pair(app, "2026")
    assert feedback_kit.ask("2026", NOW + timedelta(days=3)) == []
    assert requests_by_pair(app, "2026") == before  # nothing rewritten either
    newcomer = feedback_kit.mentees(1, prefix="Newcomer")[0]
    created = feedback_kit.ask("2026", NOW + timedelta(days=7))
    assert len(created) == 1
    assert set(requests_by_pair(app, "2026")) == set(before) | {(dept.ids["mentor"], newcomer)}
    assert count(app, Request) == 3


def test_only_the_configured_kinds_are_asked(app, dept, feedback_kit):
    app.config["FEEDBACK_MENTORSHIP_KINDS"] = ("peer_group",)
    peer = feedback_kit.person("Peer Mentee")
    feedback_kit.mentorship(dept.ids["mentor"], peer, kind="peer_group")
    feedback_kit.ask("2026")
    assert set(requests_by_pair(app, "2026")) == {(dept.ids["mentor"], peer)}


@pytest.mark.parametrize(
    ("period", "now", "rule"),
    [
        ("2027", NOW, "must have started"),
        ("2026", datetime(2025, 12, 31, 23, 59), "must have started"),
        ("2026-27", NOW, "must be a calendar period like 2025"),
        ("last year", NOW, "must be a calendar period like 2025"),
    ],
)
def test_a_period_that_has_not_started_or_is_malformed_is_refused(app, dept, period, now, rule):
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            service.request_feedback(period, now)
        assert refused.value.errors == {"period": [rule]}
        assert refused.value.status == 422
    assert count(app, Request) == 0


def test_academic_periods_when_configured(app, dept, feedback_kit):
    app.config["FEEDBACK_PERIOD"] = "academic"
    assert len(feedback_kit.ask("2026-27", NOW)) == 2
    with app.app_context(), pytest.raises(DomainError) as refused:
        service.request_feedback("2026", NOW)
    assert refused.value.errors == {"period": ["must be an academic period (July–June) like 2025-26"]}


# Sending and reminding --------------------------------------------------------------------


def test_sending_writes_one_message_per_mentee_with_their_link_and_no_one_elses_name(
    app, dept, feedback_kit, instance_path
):
    asha, bruno = feedback_kit.person("Asha Rao"), feedback_kit.person("Bruno Diaz")
    for mentee in (asha, bruno):
        feedback_kit.mentorship(dept.ids["mentor"], mentee)
    with app.app_context():
        created = service.request_feedback("2026", NOW)
        where = service.send_requests(created, NOW)
        db.session.commit()
        assert where == str(instance_path / "outbox")
        sent = {r.mentee_id: (r.id, r.sent_at) for r in created}
    assert {at for _, at in sent.values()} == {NOW}

    messages = outbox(instance_path)
    assert len(messages) == 4
    names = {
        asha: "Asha Rao",
        bruno: "Bruno Diaz",
        dept.ids["mentee"]: "Mentee Person",
        dept.ids["other_mentee"]: "Other Mentee Person",
    }
    emails = {
        asha: None,
        bruno: None,
        dept.ids["mentee"]: dept.email("mentee"),
        dept.ids["other_mentee"]: dept.email("other_mentee"),
    }
    by_recipient = {str(message["To"]): message for message in messages}
    assert len(by_recipient) == 4
    for mentee_id, (request_id, _) in sent.items():
        message = next(
            m
            for to, m in by_recipient.items()
            if (emails[mentee_id] and to == emails[mentee_id])
            or (not emails[mentee_id] and names[mentee_id].split()[0].lower() in to)
        )
        body = message.get_content()
        assert f"http://127.0.0.1:5000/feedback/requests/{request_id}" in body
        assert f"Dear {names[mentee_id]}," in body
        assert "(2026)" in message["Subject"] and not message["Subject"].startswith("Reminder")
        assert "until 2027-03-01" in body
        others = body.replace(names[mentee_id], "")
        for other_id, other_name in names.items():
            if other_id != mentee_id:
                assert other_name not in others, f"{other_name} appears in the message to {names[mentee_id]}"
    mentor_message = by_recipient[dept.email("other_mentee")]
    assert "Other Mentor Person" in mentor_message["Subject"]

    # Sending again sends nothing new.
    with app.app_context():
        again = service.send_requests(db.session.scalars(select(Request)).all(), NOW + timedelta(days=1))
        db.session.commit()
    assert again == "nothing to send"
    assert len(outbox(instance_path)) == 4


def test_with_smtp_configured_messages_go_to_the_server(app, dept, monkeypatch, instance_path):
    delivered = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            delivered.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            delivered.append(("starttls",))

        def login(self, user, password):
            delivered.append(("login", user))

        def send_message(self, message):
            delivered.append(("send", str(message["To"])))

    monkeypatch.setattr("recognition.mail.smtplib.SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_PORT=2525, MAIL_USERNAME="robot", MAIL_PASSWORD="x")
    with app.app_context():
        where = service.send_requests(service.request_feedback("2026", NOW), NOW)
        db.session.commit()
    assert where == "SMTP smtp.example.org"
    assert delivered[:3] == [("connect", "smtp.example.org", 2525), ("starttls",), ("login", "robot")]
    assert sorted(d[1] for d in delivered[3:]) == sorted([dept.email("mentee"), dept.email("other_mentee")])
    assert not (instance_path / "outbox").exists()


def test_reminders_go_only_to_the_unanswered_at_the_configured_interval_until_the_deadline(
    app, dept, feedback_kit, instance_path
):
    mentor = dept.ids["mentor"]
    first, second = feedback_kit.mentees(2)
    sent_on = datetime(2026, 10, 1, 9, 0)
    with app.app_context():
        service.send_requests(service.request_feedback("2026", sent_on), sent_on)
        db.session.commit()
    feedback_kit.answer(feedback_kit.request_id(mentor, first, "2026"), now=sent_on + timedelta(days=2))
    assert len(outbox(instance_path)) == 4

    def remind(now):
        with app.app_context():
            reminded = [(r.mentor_id, r.mentee_id) for r in service.remind("2026", now)]
            db.session.commit()
            return set(reminded)

    unanswered = {(mentor, second), (mentor, dept.ids["mentee"]), (dept.ids["other_mentor"], dept.ids["other_mentee"])}
    assert remind(sent_on + timedelta(days=13, hours=23)) == set()
    assert remind(sent_on + timedelta(days=14)) == unanswered
    reminders = [m for m in outbox(instance_path) if m["Subject"].startswith("Reminder: ")]
    assert len(reminders) == 3
    assert "First" not in " ".join(str(m["To"]) for m in reminders)
    assert remind(sent_on + timedelta(days=20)) == set()  # reminded six days ago
    feedback_kit.answer(feedback_kit.request_id(mentor, second, "2026"), now=sent_on + timedelta(days=21))
    assert remind(sent_on + timedelta(days=28)) == unanswered - {(mentor, second)}
    with app.app_context():
        counts = {(r.mentor_id, r.mentee_id): r.reminders for r in db.session.scalars(select(Request))}
    assert counts == {
        (mentor, first): 0,
        (mentor, second): 1,
        (mentor, dept.ids["mentee"]): 2,
        (dept.ids["other_mentor"], dept.ids["other_mentee"]): 2,
    }
    # Up to the answer deadline (60 days after the period), never after it.
    assert remind(datetime(2027, 3, 1, 23, 0)) == unanswered - {(mentor, second)}
    assert remind(datetime(2027, 3, 2, 5, 0)) == set()  # midnight in Toronto
    assert remind(datetime(2027, 6, 1)) == set()
    assert len([m for m in outbox(instance_path) if m["Subject"].startswith("Reminder: ")]) == 3 + 2 + 2


def test_reminding_a_malformed_period_is_refused(app, dept):
    with app.app_context(), pytest.raises(DomainError) as refused:
        service.remind("26", NOW)
    assert refused.value.errors == {"period": ["must be a calendar period like 2025"]}


# Submitting ---------------------------------------------------------------------------------


def stored(app) -> tuple[int, int, int, int]:
    return count(app, Response), count(app, Answer), count(app, Comment), count(app, Receipt)


@pytest.mark.parametrize("role", ["mentor", "other_mentee", "admin", "director", "outsider"])
def test_only_the_mentee_asked_can_answer(app, dept, feedback_kit, role):
    feedback_kit.ask("2026")
    request_id = feedback_kit.request_id(dept.ids["mentor"], dept.ids["mentee"], "2026")
    with pytest.raises(NotFound) as refused:
        feedback_kit.answer(request_id, as_person=dept.ids[role])
    assert refused.value.status == 404
    assert refused.value.message == "No feedback request with that id is addressed to you."
    with app.app_context(), pytest.raises(NotFound):
        service.get_request(request_id, load_actor(dept.ids[role]))
    assert stored(app) == (0, 0, 0, 0)


def test_a_mentee_answers_once_per_mentor_per_period(app, dept, feedback_kit):
    feedback_kit.ask("2025", autumn(2025))
    feedback_kit.ask("2026")
    this_year = feedback_kit.request_id(dept.ids["mentor"], dept.ids["mentee"], "2026")
    feedback_kit.answer(this_year, comments={"strengths": "Always there."})
    assert stored(app) == (1, 12, 1, 1)

    with pytest.raises(Conflict) as refused:
        feedback_kit.answer(this_year, value=1, comments={"suggestions": "Second thoughts."})
    assert refused.value.status == 409
    assert refused.value.message == (
        "You have already given feedback on Mentor Person for 2026. Each mentee answers once per mentor per "
        "period, and a response cannot be seen or changed afterwards."
    )
    assert refused.value.errors == {"request": ["already answered for this period"]}
    assert stored(app) == (1, 12, 1, 1)
    with app.app_context():
        assert set(db.session.scalars(select(Answer.value))) == {5}

    # Another period is another answer; so is another mentor's request.
    feedback_kit.answer(feedback_kit.request_id(dept.ids["mentor"], dept.ids["mentee"], "2025"), now=autumn(2025))
    feedback_kit.answer(feedback_kit.request_id(dept.ids["other_mentor"], dept.ids["other_mentee"], "2026"))
    assert stored(app)[0] == 3


def test_answers_after_the_deadline_are_refused(app, dept, feedback_kit):
    feedback_kit.ask("2026")
    mine = feedback_kit.request_id(dept.ids["mentor"], dept.ids["mentee"], "2026")
    theirs = feedback_kit.request_id(dept.ids["other_mentor"], dept.ids["other_mentee"], "2026")
    with pytest.raises(Conflict) as refused:
        feedback_kit.answer(mine, now=datetime(2027, 3, 2, 5, 0))  # midnight in Toronto
    assert refused.value.message == "Feedback for 2026 closed on 2027-03-01."
    assert refused.value.errors == {"request": ["the answer window has closed"]}
    assert stored(app) == (0, 0, 0, 0)
    feedback_kit.answer(theirs, now=datetime(2027, 3, 2, 4, 59))  # 23:59 in Toronto: the last day still counts
    assert stored(app)[0] == 1


def test_invalid_answers_store_nothing_and_the_mentee_can_still_answer(app, dept, feedback_kit):
    feedback_kit.ask("2026")
    request_id = feedback_kit.request_id(dept.ids["mentor"], dept.ids["mentee"], "2026")
    with app.app_context():
        used = service.instrument("mentor-effectiveness", 1)
    bad = every_item(used, 4) | {"accessible": 7}
    bad.pop("challenges")
    with pytest.raises(DomainError) as refused:
        feedback_kit.answer(request_id, answers=bad, comments={"strengths": "x" * 1001})
    assert refused.value.status == 422
    assert set(refused.value.errors) == {"answers.accessible", "answers.challenges", "comments.strengths"}
    assert stored(app) == (0, 0, 0, 0)
    feedback_kit.answer(
        request_id,
        answers=every_item(used, 4) | {"resources": None},
        comments={"strengths": "  Generous with time.  ", "suggestions": "   "},
    )
    assert stored(app) == (1, 12, 1, 1)
    with app.app_context():
        assert db.session.scalars(select(Comment.text)).all() == ["Generous with time."]
        assert db.session.scalar(select(Answer.value).where(Answer.item_id == "resources")) is None


# The report: withheld until k responses can be pooled ------------------------------------------


def assert_withheld(report: dict, k: int = 3) -> None:
    assert report["shown"] is False
    assert report["summary"] is None and report["instrument"] is None
    assert report["division"] is None and report["department"] is None
    assert report["comments"] == [] and report["trend"] == [] and report["pooled_periods"] == []
    assert report["release_ids"] == []
    assert f"at least {k} responses" in report["withheld"]
    # The only number in the explanation is k itself: never how many have answered.
    digits = {ch for ch in report["withheld"] if ch.isdigit()}
    assert digits <= set(str(k))


def comparable(report: dict) -> dict:
    return {key: value for key, value in report.items() if key != "mentor"}


def answer_all(kit, mentor_id, mentees, period="2026", now=NOW, values=None, comments=None):
    for n, mentee in enumerate(mentees):
        kit.answer(
            kit.request_id(mentor_id, mentee, period),
            now=now,
            value=(values[n] if values else 5),
            comments=(comments[n] if comments else None),
        )


def test_the_report_is_withheld_until_the_third_response_then_shown(app, dept, feedback_kit):
    kit, mentor = feedback_kit, dept.ids["mentor"]
    mentees = [dept.ids["mentee"], *kit.mentees(2)]
    kit.ask("2026")
    withheld = []
    for n, mentee in enumerate(mentees[:2]):
        withheld.append(kit.report(mentor, "2026"))
        kit.answer(
            kit.request_id(mentor, mentee, "2026"),
            value=2 + 2 * n,
            comments={"strengths": f"Strength {n}"} if n == 0 else None,
        )
    withheld.append(kit.report(mentor, "2026"))
    for report in withheld:
        assert_withheld(report)
    # Nothing in the withheld report changes as answers arrive: no live count, not even 0 or 1.
    assert comparable(withheld[0]) == comparable(withheld[1]) == comparable(withheld[2])

    kit.answer(kit.request_id(mentor, mentees[2], "2026"), value=6, comments={"suggestions": "More coffee."})
    report = kit.report(mentor, "2026")
    assert report["shown"] is True and "withheld" not in report
    assert report["summary"].responses == 3
    assert report["summary"].overall == 4.0
    assert {item.mean for item in report["summary"].items} == {4.0}
    assert report["summary"].items[0].distribution == (0, 1, 0, 1, 0, 1)
    assert report["pooled_periods"] == ["2026"]
    assert report["trend"] == [{"periods": ["2026"], "responses": 3, "overall": 4.0}]
    assert report["comments"] == [
        {"prompt": "What does your mentor do that helps you most?", "texts": ["Strength 0"]},
        {"prompt": "What could your mentor do differently or more of?", "texts": ["More coffee."]},
    ]
    assert report["division"].responses == 3 and report["department"].responses == 3


def test_the_report_compares_with_division_and_department_and_hides_comments_from_directors(app, dept, feedback_kit):
    kit = feedback_kit
    card = [dept.ids["mentee"], *kit.mentees(2)]
    neph = [dept.ids["other_mentee"], *kit.mentees(2, mentor="other_mentor", division="NEPH", prefix="Neph")]
    kit.ask("2026")
    answer_all(kit, dept.ids["mentor"], card, values=[6, 6, 6], comments=[{"strengths": "Kind."}, None, None])
    answer_all(kit, dept.ids["other_mentor"], neph, values=[2, 2, 2])

    own = kit.report(dept.ids["mentor"], "2026")
    assert (own["summary"].overall, own["division"].overall, own["department"].overall) == (6.0, 6.0, 4.0)
    assert (own["division"].responses, own["department"].responses) == (3, 6)
    assert own["comments"][0]["texts"] == ["Kind."]

    by_director = kit.report(dept.ids["mentor"], "2026", reader=dept.ids["director"])
    assert by_director["shown"] and by_director["comments"] == [] and by_director["is_own"] is False
    assert by_director["summary"] == own["summary"]
    by_admin = kit.report(dept.ids["mentor"], "2026", reader=dept.ids["admin"])
    assert by_admin["comments"] == []
    for reader in ("other_director", "outsider", "mentee", "other_mentor"):
        with pytest.raises(NotFound):
            kit.report(dept.ids["mentor"], "2026", reader=dept.ids[reader])


def test_with_k_configured_to_five_it_takes_five(app, dept, feedback_kit):
    app.config["FEEDBACK_MIN_RESPONSES"] = 5
    mentees = [dept.ids["mentee"], *feedback_kit.mentees(4)]
    feedback_kit.ask("2026")
    answer_all(feedback_kit, dept.ids["mentor"], mentees[:4])
    assert_withheld(feedback_kit.report(dept.ids["mentor"], "2026"), k=5)
    assert count(app, Release) == 0
    answer_all(feedback_kit, dept.ids["mentor"], mentees[4:])
    report = feedback_kit.report(dept.ids["mentor"], "2026")
    assert report["shown"] and report["summary"].responses == 5 and report["k"] == 5


@pytest.mark.parametrize("configured", [1, 2, 0, None])
def test_k_configured_below_three_still_needs_three(app, dept, feedback_kit, configured):
    app.config["FEEDBACK_MIN_RESPONSES"] = configured
    mentees = [dept.ids["mentee"], *feedback_kit.mentees(2)]
    feedback_kit.ask("2026")
    answer_all(feedback_kit, dept.ids["mentor"], mentees[:1])
    assert_withheld(feedback_kit.report(dept.ids["mentor"], "2026"))
    answer_all(feedback_kit, dept.ids["mentor"], mentees[1:2])
    report = feedback_kit.report(dept.ids["mentor"], "2026")
    assert_withheld(report)
    assert report["k"] == 3
    answer_all(feedback_kit, dept.ids["mentor"], mentees[2:])
    assert feedback_kit.report(dept.ids["mentor"], "2026")["summary"].responses == 3


def test_periods_are_pooled_until_k_is_reached_and_the_report_says_which(app, dept, feedback_kit):
    kit, mentor = feedback_kit, dept.ids["mentor"]
    first, second, third = dept.ids["mentee"], *kit.mentees(2)
    kit.ask("2025", autumn(2025))
    kit.ask("2026")
    answer_all(kit, mentor, [first, second], period="2025", now=autumn(2025), values=[3, 4])
    assert_withheld(kit.report(mentor, "2025"))
    assert_withheld(kit.report(mentor, "2026"))

    answer_all(kit, mentor, [third], values=[5])
    for period in ("2025", "2026"):
        report = kit.report(mentor, period)
        assert report["shown"], period
        assert report["pooled_periods"] == ["2025", "2026"]
        assert report["summary"].responses == 3 and report["summary"].overall == 4.0
        assert report["trend"] == [{"periods": ["2025", "2026"], "responses": 3, "overall": 4.0}]
    assert_withheld(kit.report(mentor, "2024"))
    with app.app_context():
        assert [(r.periods, r.response_count) for r in db.session.scalars(select(Release))] == [("2025,2026", 3)]

    # Later responses start a new block; the pooled one stays as it was.
    fourth = kit.mentees(1, prefix="Late")[0]
    kit.ask("2026", NOW + timedelta(days=1))
    answer_all(kit, mentor, [first, second], values=[1, 1])
    assert kit.report(mentor, "2026")["summary"].responses == 3
    answer_all(kit, mentor, [fourth], values=[1])
    report = kit.report(mentor, "2026")
    assert report["summary"].responses == 6
    assert report["pooled_periods"] == ["2025", "2026"]
    assert [point["periods"] for point in report["trend"]] == [["2025", "2026"], ["2026"]]
    assert kit.report(mentor, "2025")["summary"].responses == 3


def test_a_malformed_report_period_is_refused(app, dept):
    with app.app_context(), pytest.raises(DomainError) as refused:
        reports.mentor_report(dept.ids["mentor"], "twenty", COMMAND_LINE)
    assert refused.value.errors == {"period": ["must be a calendar period like 2025"]}


def test_one_mentee_answering_year_after_year_is_never_shown(app, dept):
    """k counts people, not responses: three answers from the only mentee, in three
    periods, stay withheld; a second and third mentee release them."""
    from datetime import datetime

    from sqlalchemy import select

    from recognition.auth.service import load_actor
    from recognition.extensions import db
    from recognition.feedback import reports
    from recognition.feedback import service as feedback
    from recognition.feedback.models import Request

    answers = dict.fromkeys(
        (
            "accessible",
            "integrity",
            "expertise",
            "approachable",
            "supportive",
            "critique",
            "motivates",
            "professional_guidance",
            "answers",
            "acknowledges",
            "resources",
            "challenges",
        ),
        5,
    )
    with app.app_context():
        for year in (2024, 2025, 2026):
            now = datetime(year, 11, 20)
            for request in feedback.request_feedback(str(year), now):
                if request.mentor_id == dept.ids["mentor"]:
                    feedback.submit(request, answers, {}, load_actor(request.mentee_id), now)
            db.session.commit()
        mentor = load_actor(dept.ids["mentor"])
        assert not any(reports.mentor_report(mentor.person_id, str(y), mentor)["shown"] for y in (2024, 2025, 2026))
        dept.pair("outsider", "mentee")  # unrelated mentorship, to show only the mentor's mentees count
        dept.pair("mentor", "other_mentee")
        dept.pair("mentor", "outsider")
        db.session.commit()
        now = datetime(2026, 11, 21)
        feedback.request_feedback("2026", now)
        for request in db.session.scalars(
            select(Request).where(
                Request.period == "2026",
                Request.mentor_id == dept.ids["mentor"],
                Request.mentee_id != dept.ids["mentee"],
            )
        ):
            feedback.submit(request, answers, {}, load_actor(request.mentee_id), now)
            db.session.commit()
        report = reports.mentor_report(mentor.person_id, "2026", mentor)
        assert report["shown"] and report["summary"].responses == 5
        assert report["pooled_periods"] == ["2024", "2025", "2026"]
