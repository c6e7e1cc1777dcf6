"""Nominations through the database and the services: the window, who may nominate whom
(eligibility read from the mentoring record), statements, the nominee's philosophy, the
ledger evidence table frozen at close, and the suggestions ranked by ledger evidence."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, text

from recognition.auth.service import load_actor
from recognition.awards import lifecycle
from recognition.awards.announcement import service as announce
from recognition.awards.cycles import decision
from recognition.awards.definitions import service as definitions
from recognition.awards.models import Cycle, Grant, Nomination, NominationStatement
from recognition.awards.nominations import evidence, suggestions
from recognition.awards.nominations import service as nominations
from recognition.awards.rules import SELF_NOMINATION
from recognition.errors import Conflict, DomainError, Forbidden
from recognition.evidence.service import evidence_for
from recognition.extensions import db
from recognition.feedback import service as feedback
from recognition.feedback.models import Request
from recognition.ledger import service as ledger
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from tests.support.awards import DAYS, AwardWorld, actor, at

from . import recorded

OPEN = DAYS["open"]  # 2026-02-01, the day nominations open
CLOSES = date(2026, 3, 15)  # the last day of nominations
_emails = itertools.count(1)


# Builders ---------------------------------------------------------------------------


def person(
    dept, name: str, division: str = "CARD", rank: str = "associate", appointed_on: date | None = date(2023, 7, 1)
) -> int:
    row = Person(
        name=name,
        email=f"person{next(_emails)}@awards.example.org",
        division_id=dept.divisions[division],
        rank=rank,
        position="clinician_teacher",
        appointed_on=appointed_on,
        created_at=at(OPEN),
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def mentorship(
    mentor_id: int,
    mentee_id: int,
    started_on: date = date(2024, 1, 1),
    ended_on: date | None = None,
    kind: str = "formal",
) -> int:
    row = Mentorship(
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        created_at=at(OPEN),
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def work(
    mentorship_id: int,
    recorder_id: int,
    occurred_on: date,
    minutes: int = 60,
    kind: str = "meeting",
    confirmed_by: int | None = None,
    reversed_: bool = False,
    now: datetime | None = None,
):
    """A ledger entry on a mentorship, recorded (and confirmed, reversed) through the ledger service."""
    now = now or at(OPEN)
    entry = ledger.record(
        {"kind": kind, "mentorship_id": mentorship_id, "occurred_on": occurred_on, "minutes": minutes},
        load_actor(recorder_id),
        now,
    )
    if confirmed_by is not None:
        ledger.confirm(entry, load_actor(confirmed_by), now)
    if reversed_:
        ledger.reverse(entry, "recorded by mistake", load_actor(recorder_id), now)
    return entry


FEEDBACK_NOW = datetime(2025, 11, 20, 12)


def feedback_from(mentor_id: int, answers: dict[int, int]) -> None:
    """Mentees answer the 2025 feedback on ``mentor_id``: every item with the value given."""
    feedback.request_feedback("2025", FEEDBACK_NOW)
    for mentee_id, value in answers.items():
        request = db.session.scalar(
            select(Request).where(
                Request.mentor_id == mentor_id, Request.mentee_id == mentee_id, Request.period == "2025"
            )
        )
        used = feedback.instrument(request.instrument_key, request.instrument_version)
        feedback.submit(request, {item.id: value for item in used.items}, {}, load_actor(mentee_id), FEEDBACK_NOW)
    db.session.flush()


def open_world(dept, **settings) -> AwardWorld:
    """The test award, open for nominations and with none made yet."""
    world = AwardWorld.build(dept, nominate=False, **settings)
    world.to("open")
    return world


def nominate(world: AwardWorld, nominee_id: int, nominator: str | int, day: date = OPEN, statement: str = "Generous."):
    who = actor(world.dept, nominator) if isinstance(nominator, str) else load_actor(nominator)
    return nominations.nominate(world.cycle, nominee_id, statement, who, day, at(day))


def count_nominations() -> int:
    return db.session.scalar(select(func.count()).select_from(Nomination))


# The window -------------------------------------------------------------------------


def test_nominations_are_taken_only_while_open(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False)
        mentor = dept.ids["mentor"]
        with pytest.raises(Conflict) as refused:
            nominate(world, mentor, "admin", DAYS["scheduled"])
        assert refused.value.errors == {"cycle_id": ["is not open for nominations (it is scheduled)"]}
        assert "not open yet (they open on 2026-02-01)" in refused.value.message

        world.to("open")
        with pytest.raises(Conflict) as refused:
            nominate(world, mentor, "admin", date(2026, 1, 31))
        assert list(refused.value.errors) == ["cycle_id"]
        assert "not open yet (they open on 2026-02-01)" in refused.value.message

        assert nominate(world, mentor, "admin", CLOSES).nominee_id == mentor  # the last day counts
        with pytest.raises(Conflict) as refused:  # the day after, before the job has closed the cycle
            nominate(world, dept.ids["other_mentee"], "outsider", date(2026, 3, 16))
        assert list(refused.value.errors) == ["cycle_id"]
        assert "closed (they closed on 2026-03-15)" in refused.value.message
        db.session.commit()

        world.to("closed")
        with pytest.raises(Conflict) as refused:
            nominate(world, dept.ids["other_mentee"], "outsider", DAYS["closed"])
        assert refused.value.errors == {"cycle_id": ["is not open for nominations (it is closed)"]}
        assert count_nominations() == 1


# Who may nominate whom ---------------------------------------------------------------


def test_nobody_nominates_themself(app, dept):
    with app.app_context():
        world = open_world(dept, eligibility={"min_mentees": 5})
        with pytest.raises(DomainError) as refused:
            nominate(world, dept.ids["mentor"], "mentor")
        assert refused.value.status == 422
        # Self-nomination is the one reason given, whatever else the rules would say.
        assert refused.value.errors == {"nominee_id": [SELF_NOMINATION]}
        assert count_nominations() == 0


@pytest.mark.parametrize("nominee_id", [None, "3", 3.0, 999_999, True])
def test_the_nominee_must_be_a_person(app, dept, nominee_id):
    with app.app_context():
        world = open_world(dept)
        try:
            made = nominate(world, nominee_id, "outsider")
        except DomainError as refused:
            assert refused.errors == {"nominee_id": ["must name a person in the department"]}
        else:
            pytest.fail(
                f"nominate() accepted nominee_id={nominee_id!r} and nominated {made.nominee.name}: a bool is "
                "an int to isinstance (nominations.py, nominate: refuse bools before db.session.get)"
            )
        assert count_nominations() == 0


@pytest.mark.parametrize(
    ("statement", "rule"),
    [
        ("", "is required"),
        ("   \n ", "is required"),
        (None, "is required"),
        (42, "must be text"),
        ("x" * 8001, "must be at most 8000 characters"),
    ],
)
def test_the_statement_is_checked(app, dept, statement, rule):
    with app.app_context():
        world = open_world(dept)
        with pytest.raises(DomainError) as refused:
            nominate(world, dept.ids["mentor"], "admin", statement=statement)
        assert refused.value.errors == {"statement": [rule]}
        assert count_nominations() == 0


def test_one_statement_per_nominator_and_a_second_nominator_joins_the_nomination(app, dept):
    with app.app_context():
        world = open_world(dept)
        mentor = dept.ids["mentor"]
        first = nominate(world, mentor, "admin", statement="Twenty years of mentoring.")
        db.session.commit()
        with pytest.raises(Conflict) as refused:
            nominate(world, mentor, "admin", statement="Again.")
        assert refused.value.status == 409
        assert refused.value.errors == {"nominee_id": ["already nominated by you in this cycle"]}
        second = nominate(world, mentor, "mentee", statement="My mentor changed my career.")
        db.session.commit()
        assert second.id == first.id
        statements = db.session.scalars(
            select(NominationStatement)
            .where(NominationStatement.nomination_id == first.id)
            .order_by(NominationStatement.id)
        ).all()
        assert [(s.nominator_id, s.text) for s in statements] == [
            (dept.ids["admin"], "Twenty years of mentoring."),
            (dept.ids["mentee"], "My mentor changed my career."),
        ]
        assert sorted(nominations.nominator_ids(first.id)) == sorted([dept.ids["admin"], dept.ids["mentee"]])
        assert count_nominations() == 1


# Eligibility, read from the database. Each row: the award's rules, the nominee's record
# (rank, appointment, mentorships as (direction, other person, started, ended, kind)),
# and the problems expected on 1 February 2026 (empty: the nomination is taken).
ELIGIBILITY = [
    pytest.param(
        {"min_years_mentoring": 3},
        {},
        [("mentor", "a", date(2023, 2, 1), None, "formal")],
        [],
        id="3-years-mentoring-exactly",
    ),
    pytest.param(
        {"min_years_mentoring": 3},
        {},
        [("mentor", "a", date(2023, 2, 2), None, "formal")],
        [
            "needs at least 3 years of mentoring; the candidate has 2 years (since 2 February 2023, so eligible from "
            "2 February 2026)"
        ],
        id="a-day-short-of-3-years",
    ),
    pytest.param(
        {"min_years_mentoring": 3},
        {},
        [
            ("mentor", "a", date(2025, 5, 1), None, "formal"),
            ("mentor", "b", date(2015, 1, 1), date(2016, 1, 1), "informal"),
        ],
        [],
        id="the-earliest-mentorship-counts-even-ended",
    ),
    pytest.param(
        {"min_years_mentoring": 3},
        {},
        [("mentee", "a", date(2010, 1, 1), None, "formal"), ("mentor", "b", date(2025, 3, 1), None, "formal")],
        [
            "needs at least 3 years of mentoring; the candidate has 0 years (since 1 March 2025, so eligible from "
            "1 March 2028)"
        ],
        id="being-a-mentee-does-not-count",
    ),
    pytest.param(
        {"min_years_mentoring": 3},
        {},
        [("mentor", "a", date(2026, 6, 1), None, "formal")],
        ["first mentoring date unknown: cannot confirm at least 3 years of mentoring"],
        id="a-mentorship-not-yet-begun-does-not-count",
    ),
    pytest.param(
        {"min_mentees": 2},
        {},
        [
            ("mentor", "a", date(2020, 1, 1), date(2021, 1, 1), "formal"),
            ("mentor", "b", date(2024, 1, 1), None, "peer_group"),
        ],
        [],
        id="two-mentees-one-ended",
    ),
    pytest.param(
        {"min_mentees": 2},
        {},
        [
            ("mentor", "a", date(2020, 1, 1), date(2021, 1, 1), "formal"),
            ("mentor", "a", date(2022, 1, 1), None, "informal"),
        ],
        ["needs at least 2 mentees; the candidate has 1"],
        id="the-same-mentee-twice-is-one",
    ),
    pytest.param(
        {"min_mentees": 2},
        {},
        [
            ("mentor", "a", date(2024, 1, 1), None, "formal"),
            ("mentee", "b", date(2020, 1, 1), None, "formal"),
            ("mentee", "c", date(2021, 1, 1), None, "formal"),
        ],
        ["needs at least 2 mentees; the candidate has 1"],
        id="own-mentors-are-not-mentees",
    ),
    pytest.param({"max_years_on_faculty": 5}, {"appointed_on": date(2021, 2, 1)}, [], [], id="5-years-on-faculty"),
    pytest.param(
        {"max_years_on_faculty": 5},
        {"appointed_on": date(2021, 1, 31)},
        [],
        [
            "open to faculty with at most 5 years on faculty; the candidate has more (appointed 31 January 2021, "
            "so eligible only through 31 January 2026)"
        ],
        id="5-years-and-a-day-on-faculty",
    ),
    pytest.param(
        {"max_years_on_faculty": 5},
        {"appointed_on": date(2020, 8, 1)},
        [],
        [
            "open to faculty with at most 5 years on faculty; the candidate has more (appointed 1 August 2020, "
            "so eligible only through 1 August 2025)"
        ],
        id="5-and-a-half-years-on-faculty",
    ),
    pytest.param(
        {"max_years_on_faculty": 5},
        {"appointed_on": date(2020, 2, 1)},
        [],
        [
            "open to faculty with at most 5 years on faculty; the candidate has more (appointed 1 February 2020, "
            "so eligible only through 1 February 2025)"
        ],
        id="6-years-on-faculty",
    ),
    pytest.param(
        {"max_years_on_faculty": 5},
        {"appointed_on": None},
        [],
        ["appointment date unknown: cannot confirm at most 5 years on faculty"],
        id="appointment-unknown",
    ),
    pytest.param({"ranks": ["assistant", "lecturer"]}, {"rank": "assistant"}, [], [], id="an-allowed-rank"),
    pytest.param(
        {"ranks": ["assistant", "lecturer"]},
        {"rank": "associate"},
        [],
        ["open only to these ranks: lecturer, assistant; the candidate has the rank of associate"],
        id="a-rank-not-allowed",
    ),
    pytest.param(
        {"ranks": ["full"], "min_mentees": 1, "max_years_on_faculty": 1},
        {"rank": "associate", "appointed_on": date(2010, 7, 1)},
        [],
        [
            "open only to these ranks: full; the candidate has the rank of associate",
            (
                "open to faculty with at most 1 year on faculty; the candidate has more (appointed 1 July 2010, so "
                "eligible only through 1 July 2011)"
            ),
            "needs at least 1 mentee; the candidate has 0",
        ],
        id="every-problem-named",
    ),
]


@pytest.mark.parametrize(("rules", "record", "ties", "expected"), ELIGIBILITY)
def test_eligibility_is_read_from_the_mentoring_record(app, dept, rules, record, ties, expected):
    with app.app_context():
        world = open_world(dept, eligibility=rules)
        nominee = person(dept, "Nina Nominee", **record)
        others: dict[str, int] = {}
        for direction, other, started_on, ended_on, kind in ties:
            if other not in others:
                others[other] = person(dept, f"Colleague {other.upper()}")
            pair = (nominee, others[other]) if direction == "mentor" else (others[other], nominee)
            mentorship(*pair, started_on=started_on, ended_on=ended_on, kind=kind)
        db.session.commit()
        cycle = world.cycle
        assert nominations.problems_for(cycle, db.session.get(Person, nominee), dept.ids["admin"], OPEN) == expected
        if expected:
            with pytest.raises(DomainError) as refused:
                nominate(world, nominee, "admin")
            assert refused.value.errors == {"nominee_id": expected}
            assert count_nominations() == 0
        else:
            assert nominate(world, nominee, "admin").nominee_id == nominee


def test_a_division_award_is_only_for_the_divisions_people(app, dept):
    with app.app_context():
        world = open_world(dept, level="division", division_id=dept.divisions["CARD"])
        with pytest.raises(DomainError) as refused:
            nominate(world, dept.ids["other_mentor"], "mentee")  # Nephrology
        assert refused.value.errors == {"nominee_id": ["open only to members of Cardiology"]}
        assert nominate(world, dept.ids["mentor"], "other_mentee").nominee_id == dept.ids["mentor"]  # any nominator
        assert count_nominations() == 1


def test_past_winners_are_excluded_as_the_award_says(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("review")
        world.score_all()
        day = date(2026, 4, 16)
        decision.decide(world.cycle, [world.nomination_ids["mentor"]], {}, "", actor(dept, "admin"), day, at(day))
        db.session.commit()
        world.to("decided")
        world.to("announced")  # the mentor wins on 15 May 2026
        next_year = date(2027, 2, 1)
        lifecycle.advance_all(next_year, at(next_year))
        db.session.commit()
        cycle = db.session.scalar(select(Cycle).where(Cycle.award_id == world.award_id, Cycle.year == 2027))
        assert cycle.phase == "open"
        mentor = db.session.get(Person, dept.ids["mentor"])
        admin = dept.ids["admin"]

        def problems():
            return nominations.problems_for(cycle, mentor, admin, next_year)

        assert problems() == ["won this award on 15 May 2026; past winners are not eligible again"]
        with pytest.raises(DomainError) as refused:
            nominations.nominate(cycle, mentor.id, "Again!", actor(dept, "admin"), next_year, at(next_year))
        assert refused.value.errors == {"nominee_id": problems()}
        definitions.update(world.award, {"eligibility": {"past_winner_exclusion_years": 1}})
        assert problems() == [
            ("won this award on 15 May 2026; past winners are excluded for 1 year (eligible again from 15 May 2027)")
        ]
        definitions.update(world.award, {"eligibility": {"past_winner_exclusion_years": 0}})
        assert problems() == []
        # Someone nominated and not chosen is not a past winner.
        other = db.session.get(Person, dept.ids["other_director"])
        definitions.update(world.award, {"eligibility": {}})
        assert nominations.problems_for(cycle, other, admin, next_year) == []
        # A revoked award is no longer a win.
        grant = db.session.scalars(select(Grant)).one()
        announce.revoke(grant, "awarded in error", actor(dept, "admin"), at(next_year))
        assert problems() == []
        assert (
            nominations.nominate(cycle, mentor.id, "Again!", actor(dept, "admin"), next_year, at(next_year)).cycle_id
            == cycle.id
        )


# Suggested nominations ---------------------------------------------------------------


def test_only_managers_turn_suggestions_into_nominations(app, dept):
    with app.app_context():
        world = open_world(dept)
        cycle, mentor = world.cycle, dept.ids["mentor"]
        for role in ("mentee", "director", "award_committee"):  # a director does not run a department award
            with pytest.raises(Forbidden) as refused:
                suggestions.nominate_suggestion(cycle, mentor, actor(dept, role), OPEN, at(OPEN))
            assert refused.value.errors == {"person_id": ["admins only"]}
        with pytest.raises(Forbidden) as refused:
            nominations.nominate(
                cycle, mentor, "From the list.", actor(dept, "outsider"), OPEN, at(OPEN), suggested=True
            )
        assert refused.value.errors == {"suggested": ["admins only"]}
        assert count_nominations() == 0
        with pytest.raises(DomainError) as refused:
            suggestions.nominate_suggestion(cycle, 999_999, actor(dept, "admin"), OPEN, at(OPEN))
        assert refused.value.errors == {"person_id": ["must name a person in the department"]}

        made = suggestions.nominate_suggestion(cycle, mentor, actor(dept, "admin"), OPEN, at(OPEN))
        assert (made.suggested, made.nominee_id, nominations.nominator_ids(made.id)) == (
            True,
            mentor,
            [dept.ids["admin"]],
        )
        assert "Suggested from the mentorship ledger" in made.statements[0].text


def test_a_division_director_turns_suggestions_of_their_division_award_into_nominations(app, dept):
    with app.app_context():
        world = open_world(dept, level="division", division_id=dept.divisions["NEPH"])
        cycle = world.cycle
        with pytest.raises(Forbidden):
            suggestions.nominate_suggestion(cycle, dept.ids["other_mentor"], actor(dept, "director"), OPEN, at(OPEN))
        made = suggestions.nominate_suggestion(
            cycle, dept.ids["other_mentor"], actor(dept, "other_director"), OPEN, at(OPEN)
        )
        assert made.suggested and made.nominee_id == dept.ids["other_mentor"]


# Statements and the philosophy --------------------------------------------------------


def test_statements_are_changed_only_by_their_nominator_while_open(app, dept):
    with app.app_context():
        world = open_world(dept)
        nomination = nominate(world, dept.ids["mentor"], "admin", statement="From the admin.")
        nominate(world, dept.ids["mentor"], "mentee", statement="From the mentee.")
        for role in ("outsider", "mentor", "award_committee"):  # the nominee and the committee too
            with pytest.raises(Forbidden) as refused:
                nominations.edit_statement(nomination, "Mine now.", actor(dept, role), OPEN, at(OPEN))
            assert refused.value.errors == {"statement": ["not your nomination"]}
            with pytest.raises(Forbidden):
                nominations.withdraw(nomination, actor(dept, role), OPEN, at(OPEN))
        with pytest.raises(DomainError) as refused:
            nominations.edit_statement(nomination, "  ", actor(dept, "mentee"), OPEN, at(OPEN))
        assert refused.value.errors == {"statement": ["is required"]}
        later = date(2026, 2, 10)
        edited = nominations.edit_statement(nomination, "Better words.", actor(dept, "mentee"), later, at(later))
        assert (edited.text, edited.updated_at, edited.nominator_id) == ("Better words.", at(later), dept.ids["mentee"])
        texts = {s.nominator_id: s.text for s in db.session.scalars(select(NominationStatement))}
        assert texts == {dept.ids["admin"]: "From the admin.", dept.ids["mentee"]: "Better words."}

        assert nominations.withdraw(nomination, actor(dept, "mentee"), later, at(later)) is False
        assert nominations.nominator_ids(nomination.id) == [dept.ids["admin"]]
        nomination_id = nomination.id
        assert nominations.withdraw(nomination, actor(dept, "admin"), later, at(later)) is True  # the last statement
        db.session.commit()
        assert db.session.get(Nomination, nomination_id) is None
        assert db.session.scalar(select(func.count()).select_from(NominationStatement)) == 0


def test_statements_cannot_change_after_close(app, dept):
    with app.app_context():
        world = open_world(dept)
        nomination_id = nominate(world, dept.ids["mentor"], "admin", statement="As sent.").id
        db.session.commit()
        world.to("closed")
        nomination = db.session.get(Nomination, nomination_id)
        day = DAYS["closed"]
        with pytest.raises(Conflict) as refused:
            nominations.edit_statement(nomination, "Too late.", actor(dept, "admin"), day, at(day))
        assert refused.value.errors == {"statement": ["cannot change after nominations close"]}
        with pytest.raises(Conflict) as refused:
            nominations.withdraw(nomination, actor(dept, "admin"), day, at(day))
        assert refused.value.errors == {"statement": ["cannot change after nominations close"]}
        db.session.rollback()
        assert [s.text for s in db.session.get(Nomination, nomination_id).statements] == ["As sent."]


def test_the_philosophy_is_written_only_by_the_nominee_while_open(app, dept):
    with app.app_context():
        world = open_world(dept)
        nomination = nominate(world, dept.ids["mentor"], "admin")
        for role in ("admin", "mentee", "outsider"):
            with pytest.raises(Forbidden) as refused:
                nominations.set_philosophy(nomination, "Theirs.", actor(dept, role), OPEN, at(OPEN))
            assert refused.value.errors == {"philosophy": ["nominee only"]}
        with pytest.raises(DomainError) as refused:
            nominations.set_philosophy(nomination, "", actor(dept, "mentor"), OPEN, at(OPEN))
        assert refused.value.errors == {"philosophy": ["is required"]}
        with pytest.raises(DomainError) as refused:
            nominations.set_philosophy(nomination, "p" * 8001, actor(dept, "mentor"), OPEN, at(OPEN))
        assert refused.value.errors == {"philosophy": ["must be at most 8000 characters"]}
        saved = nominations.set_philosophy(nomination, "  Listen first.  ", actor(dept, "mentor"), OPEN, at(OPEN))
        assert (saved.philosophy, saved.philosophy_at) == ("Listen first.", at(OPEN))
        nomination_id = nomination.id
        db.session.commit()

        world.to("closed")
        nomination = db.session.get(Nomination, nomination_id)
        with pytest.raises(Conflict) as refused:
            nominations.set_philosophy(
                nomination, "Changed.", actor(dept, "mentor"), DAYS["closed"], at(DAYS["closed"])
            )
        assert refused.value.errors == {"philosophy": ["cannot change after nominations close"]}
        db.session.rollback()
        assert db.session.get(Nomination, nomination_id).philosophy == "Listen first."


# Evidence -----------------------------------------------------------------------------


def canonical_sha256(table: dict) -> str:
    body = json.dumps(table, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(body).hexdigest()


def test_the_evidence_comes_from_the_ledger_and_is_frozen_at_close(app, dept):
    with app.app_context():
        world = open_world(dept)
        mentor, mentee, pair = dept.ids["mentor"], dept.ids["mentee"], dept.mentorship_id
        work(pair, mentor, date(2025, 3, 1), 90, confirmed_by=mentee)
        work(pair, mentor, date(2025, 6, 1), 60)  # never confirmed
        work(pair, mentee, date(2025, 9, 1), 30, confirmed_by=mentor, reversed_=True)  # reversed: not counted
        work(pair, mentor, date(2025, 10, 1), 45, kind="academic_plan_review", confirmed_by=mentee)
        work(pair, mentor, date(2025, 11, 1), 15, kind="mentoring_preparation")  # not a meeting, not contact
        ledger.record(
            {"kind": "mentor_training", "occurred_on": date(2025, 5, 1), "minutes": 120}, load_actor(mentor), at(OPEN)
        )
        nomination = nominate(world, mentor, "admin")
        db.session.commit()

        table, digest = evidence.evidence(nomination, OPEN)
        assert digest is None  # live until close
        assert table["mentorships"] == [
            {
                "mentorship_id": pair,
                "mentee": "Mentee Person",
                "mentee_rank": "assistant",
                "kind": "formal",
                "started_on": "2024-01-01",
                "ended_on": None,
                "meetings": 3,
                "confirmed_meetings": 2,
                "contact_hours": 3.2,  # (90 + 60 + 45) minutes of meetings; preparing is the mentor's own time
                "last_meeting": "2025-10-01",
                "milestones": [],
            }
        ]
        assert table["totals"] == {
            "mentees": 1,
            "mentoring_since": "2024-01-01",
            "meetings": 3,
            "confirmed_meetings": 2,
            "contact_hours": 3.2,
            "mentee_milestones": 0,
        }
        assert table["training"] == {"sessions": 1, "hours": 2.0}
        assert table["feedback"] == {"k": 3, "releases": 0, "responses": 0, "mean": None}
        assert (table["as_of"], table["person_id"], table["awards"]) == ("2026-02-01", mentor, [])

        # A meeting on the last day of nominations still counts.
        work(pair, mentor, CLOSES, 60, confirmed_by=mentee, now=at(CLOSES))
        db.session.commit()
        at_close, _ = evidence.evidence(nomination, CLOSES)
        assert (at_close["totals"]["meetings"], at_close["totals"]["confirmed_meetings"]) == (4, 3)

        world.to("closed")
        nomination = db.session.get(Nomination, nomination.id)
        frozen, digest = evidence.evidence(nomination, DAYS["closed"])
        assert frozen == at_close and frozen["as_of"] == "2026-03-15"
        assert digest == nomination.evidence_hash == canonical_sha256(frozen)
        assert evidence.evidence_intact(nomination)

        # A meeting recorded late, dated before the close, changes the ledger but not the evidence.
        late = date(2026, 3, 20)
        work(pair, mentor, date(2026, 3, 10), 60, confirmed_by=mentee, now=at(late))
        db.session.commit()
        assert evidence_for(mentor, CLOSES)["totals"]["meetings"] == 5
        again, digest_again = evidence.evidence(db.session.get(Nomination, nomination.id), late)
        assert (again, digest_again) == (frozen, digest)
        assert evidence.evidence_intact(db.session.get(Nomination, nomination.id))

        # Anyone editing the stored snapshot is caught by its hash.
        db.session.execute(
            text("UPDATE nominations SET evidence = :body WHERE id = :id"),
            {"body": json.dumps({**frozen, "person_id": 0}), "id": nomination.id},
        )
        db.session.commit()
        db.session.expire_all()
        assert not evidence.evidence_intact(db.session.get(Nomination, nomination.id))


def test_the_evidence_counts_feedback_only_once_released(app, dept):
    with app.app_context():
        world = open_world(dept)
        mentor = dept.ids["mentor"]
        mentees = [dept.ids["mentee"], person(dept, "Second Mentee"), person(dept, "Third Mentee")]
        for mentee in mentees[1:]:
            mentorship(mentor, mentee)
        nomination = nominate(world, mentor, "admin")
        feedback_from(mentor, {mentees[0]: 6, mentees[1]: 5})
        db.session.commit()
        table, _ = evidence.evidence(nomination, OPEN)
        assert table["feedback"] == {"k": 3, "releases": 0, "responses": 0, "mean": None}
        assert table["totals"]["mentees"] == 3

        feedback_from(mentor, {mentees[2]: 4})  # the third response releases the block of three
        db.session.commit()
        table, _ = evidence.evidence(nomination, OPEN)
        assert table["feedback"] == {"k": 3, "releases": 1, "responses": 3, "mean": 5.0}


# Suggestions --------------------------------------------------------------------------


def points(facts: dict) -> int:
    """The documented points: 5 per mentee, 1 per confirmed meeting, 2 per released feedback
    response, 3 per mentee milestone."""
    return 5 * facts["mentees"] + facts["confirmed"] + 2 * facts["responses"] + 3 * facts["milestones"]


def test_suggestions_are_eligible_mentors_not_yet_nominated_ranked_by_evidence(app, dept):
    with app.app_context():
        world = open_world(dept, eligibility={"min_years_mentoring": 1})
        ids = dept.ids
        facts: dict[str, dict] = {}  # what this test creates, counted here as the rules describe it

        def mentor(name: str, **counts) -> None:
            facts[name] = {"mentees": 0, "confirmed": 0, "responses": 0, "milestones": 0, **counts}

        # Mentor Person: one mentee; two confirmed meetings count, an unconfirmed and a reversed one do not.
        pair = dept.mentorship_id
        work(pair, ids["mentor"], date(2025, 3, 1), confirmed_by=ids["mentee"])
        work(pair, ids["mentor"], date(2025, 4, 1), confirmed_by=ids["mentee"])
        work(pair, ids["mentor"], date(2025, 5, 1))
        work(pair, ids["mentor"], date(2025, 6, 1), confirmed_by=ids["mentee"], reversed_=True)
        mentor("Mentor Person", mentees=1, confirmed=2)
        # Other Mentor Person: two mentees, one of whom passed her CFAR (recorded) in the window.
        cara = person(dept, "Cara Cfar", "NEPH", appointed_on=date(2022, 6, 1))
        mentorship(ids["other_mentor"], cara)
        recorded.milestone(cara, "cfar", date(2025, 6, 1), ids["admin"], at(OPEN), outcome="passed")
        mentor("Other Mentor Person", mentees=2, milestones=1)
        # Gail's mentee Hank went on to mentor: a milestone for Gail; Hank has one mentee.
        gail, hank = person(dept, "Gail Grandmentor"), person(dept, "Hank Heir")
        mentorship(gail, hank, started_on=date(2022, 1, 1))
        mentorship(hank, person(dept, "Ivy Ives"), started_on=date(2024, 6, 1))
        mentor("Gail Grandmentor", mentees=1, milestones=1)
        mentor("Hank Heir", mentees=1)
        # Abe ties Hank on points and mentees: the name decides.
        mentorship(person(dept, "Abe Able"), person(dept, "Jill Jones"), started_on=date(2023, 1, 1))
        mentor("Abe Able", mentees=1)
        # Fay: three mentees whose feedback was released.
        fay = person(dept, "Fay Feedback")
        fay_mentees = [person(dept, f"Fay Mentee {n}") for n in range(3)]
        for mentee in fay_mentees:
            mentorship(fay, mentee)
        feedback_from(fay, dict(zip(fay_mentees, (6, 5, 4))))
        mentor("Fay Feedback", mentees=3, responses=3)
        # Olga mentored long ago: eligible, but nothing in the last five years counts.
        olga, kim = person(dept, "Olga Old"), person(dept, "Kim Kay")
        old = mentorship(olga, kim, started_on=date(2012, 1, 1), ended_on=date(2019, 12, 31))
        work(old, olga, date(2015, 3, 1), confirmed_by=kim)
        mentor("Olga Old")
        # Not suggested: Nina has mentored for less than the year the award requires; Nora is nominated.
        mentorship(person(dept, "Nina New"), person(dept, "Nina's Mentee"), started_on=date(2025, 6, 1))
        nora = person(dept, "Nora Nominated")
        mentorship(nora, person(dept, "Nora's Mentee"), started_on=date(2020, 1, 1))
        nominate(world, nora, "admin")
        db.session.commit()

        expected = sorted(facts, key=lambda name: (-points(facts[name]), -facts[name]["mentees"], name))
        found = suggestions.suggestions(world.cycle, OPEN)
        assert [s.person.name for s in found] == expected
        assert expected[:4] == ["Fay Feedback", "Other Mentor Person", "Gail Grandmentor", "Mentor Person"]
        for suggestion in found:
            mine = facts[suggestion.person.name]
            assert (
                suggestion.mentees,
                suggestion.confirmed_meetings,
                suggestion.feedback_responses,
                suggestion.mentee_milestones,
                suggestion.points,
            ) == (mine["mentees"], mine["confirmed"], mine["responses"], mine["milestones"], points(mine)), (
                suggestion.person.name
            )
        assert next(s for s in found if s.person.id == fay).feedback_mean == 5.0
        assert [s.person.name for s in suggestions.suggestions(world.cycle, OPEN, limit=3)] == expected[:3]

        # Turning a suggestion into a nomination takes that mentor off the list.
        suggestions.nominate_suggestion(world.cycle, fay, actor(dept, "admin"), OPEN, at(OPEN))
        assert [s.person.name for s in suggestions.suggestions(world.cycle, OPEN)] == expected[1:]


# (label, what is recorded for the mentee: kind, day, outcome, source, then "confirmed"/"withdrawn", points)
MENTEE_MILESTONES = [
    ("no CFAR recorded, though one is due by the appointment date", [], 0),
    ("CFAR recorded as passed", [("cfar", date(2025, 7, 1), "passed", "entered", None)], 3),
    ("CFAR recorded as extended", [("cfar", date(2025, 7, 1), "extended", "imported", None)], 3),
    ("CFAR passed but withdrawn", [("cfar", date(2025, 7, 1), "passed", "entered", "withdrawn")], 0),
    ("CFAR self-reported, not yet confirmed", [("cfar", date(2025, 7, 1), "passed", "self_reported", None)], 0),
    ("CFAR self-reported and confirmed", [("cfar", date(2025, 7, 1), "passed", "self_reported", "confirmed")], 3),
    ("an appointment is no achievement", [("appointment", date(2024, 7, 1), None, "imported", None)], 0),
    (
        "a promotion, a grant, an external award and a leadership role",
        [
            ("promotion", date(2025, 7, 1), None, "entered", None),
            ("grant", date(2024, 3, 1), None, "entered", None),
            ("external_award", date(2025, 1, 1), None, "entered", None),
            ("leadership", date(2026, 1, 5), None, "entered", None),
        ],
        12,
    ),
    ("a grant before the mentorship began", [("grant", date(2021, 12, 31), None, "entered", None)], 0),
    ("a grant after the day the suggestions are made", [("grant", date(2026, 2, 2), None, "entered", None)], 0),
]


@pytest.mark.parametrize(("label", "rows", "expected"), MENTEE_MILESTONES, ids=[row[0] for row in MENTEE_MILESTONES])
def test_mentee_milestones_in_suggestions_are_recorded_and_standing(app, dept, label, rows, expected):
    """Mentor Person's mentee Cal (appointed 1 September 2021, so a CFAR fell due on 1 September
    2024, inside the window; mentored from 1 January 2022) scores only what is recorded, stands,
    and fell during the mentorship and the window."""
    with app.app_context():
        world = open_world(dept, eligibility={"min_years_mentoring": 1})
        mentee, admin = person(dept, "Cal Cfar", appointed_on=date(2021, 9, 1)), dept.ids["admin"]
        mentorship(dept.ids["mentor"], mentee, started_on=date(2022, 1, 1))
        for kind, day, outcome, source, then in rows:
            now = at(max(day, OPEN))
            row = recorded.milestone(mentee, kind, day, admin, now, outcome=outcome, source=source)
            if then == "confirmed":
                recorded.confirm(row, dept.ids["director"], now)
            elif then == "withdrawn":
                recorded.withdraw(row, admin, now)
        db.session.commit()
        found = {s.person.id: s for s in suggestions.suggestions(world.cycle, OPEN)}
        mine = found[dept.ids["mentor"]]
        assert mine.mentee_milestones * 3 == expected, label
        assert mine.points == 5 * mine.mentees + mine.confirmed_meetings + 2 * mine.feedback_responses + expected


def test_a_division_award_suggests_only_the_divisions_people(app, dept):
    with app.app_context():
        world = open_world(dept, level="division", division_id=dept.divisions["NEPH"])
        outsider = person(dept, "Neph Mentee", "NEPH")
        mentorship(dept.ids["mentor"], outsider)  # a Cardiology mentor of a Nephrology mentee
        db.session.commit()
        assert [s.person.id for s in suggestions.suggestions(world.cycle, OPEN)] == [dept.ids["other_mentor"]]
