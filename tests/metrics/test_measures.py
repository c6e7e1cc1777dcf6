"""Each measure on a small department, against counts worked out by hand.

Two divisions. Cardiology: mentors M1 and M2, early-career mentees E1–E5 (E5 without a
mentor). Nephrology: mentor M3, mentees F1 (early career) and F2 (appointed 2019). E1
also mentors F2 informally from May 2025. The year measured is 2025, complete on the day
the measures run (1 March 2026). The expected figures are in each test, with the working.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from recognition.auth.service import Actor, grant_role, load_actor
from recognition.errors import Forbidden
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.mentorships.models import Mentorship
from recognition.metrics import attention, service
from recognition.metrics.measures import MEASURES
from recognition.metrics.rules import SHOWN, WITHHELD, Tally
from recognition.milestones import service as milestones
from recognition.people.models import Division, Person
from tests.conftest import module_app, selected_backends

TODAY = date(2026, 3, 1)

# name -> (division, appointed_on, rank, gender)
PEOPLE = {
    "admin": ("CARD", None, "full", None),
    "M1": ("CARD", date(2010, 7, 1), "associate", "woman"),
    "M2": ("CARD", date(2011, 7, 1), "full", "man"),
    "E1": ("CARD", date(2022, 7, 1), "assistant", None),
    "E2": ("CARD", date(2023, 1, 1), "assistant", None),
    "E3": ("CARD", date(2024, 3, 1), "assistant", None),
    "E4": ("CARD", date(2024, 9, 1), "assistant", None),
    "E5": ("CARD", date(2023, 5, 1), "assistant", None),
    "M3": ("NEPH", date(2012, 7, 1), "full", "woman"),
    "F1": ("NEPH", date(2023, 8, 1), "assistant", None),
    "F2": ("NEPH", date(2019, 6, 1), "assistant", None),
}
# (mentor, mentee, kind, started_on)
PAIRS = [
    ("M1", "E1", "formal", date(2023, 1, 1)),
    ("M1", "E2", "formal", date(2024, 1, 1)),
    ("M2", "E3", "formal", date(2024, 6, 1)),
    ("M2", "E4", "formal", date(2025, 3, 1)),
    ("M3", "F1", "formal", date(2023, 9, 1)),
    ("M3", "F2", "formal", date(2020, 1, 1)),
    ("E1", "F2", "informal", date(2025, 5, 1)),
]
# pair -> [(day of the meeting, days until the mentee confirmed it, or None)]
MEETINGS = {
    ("M1", "E1"): [(date(2025, 2, 3), 1), (date(2025, 5, 5), 2), (date(2025, 8, 4), 10), (date(2025, 11, 3), None)],
    ("M1", "E2"): [(date(2025, 3, 10), 5), (date(2025, 9, 8), None)],
    ("M2", "E3"): [(date(2025, 1, 20), None), (date(2025, 6, 2), None), (date(2025, 10, 6), None)],
    ("M2", "E4"): [(date(2025, 4, 7), 0.5), (date(2025, 7, 7), 3)],
    ("M3", "F1"): [(date(2025, 2, 10), 1), (date(2025, 6, 9), 1), (date(2025, 10, 13), 4)],
    ("M3", "F2"): [(date(2024, 6, 3), 1)],
}


def at(day: date, days: float = 0) -> datetime:
    return datetime.combine(day, time(12)) + timedelta(days=days)


def build(app) -> dict[str, int]:
    ids: dict[str, int] = {}
    divisions = {}
    for code, name in (("CARD", "Cardiology"), ("NEPH", "Nephrology")):
        division = Division(code=code, name=name)
        db.session.add(division)
        db.session.flush()
        divisions[code] = division.id
    for name, (code, appointed, rank, gender) in PEOPLE.items():
        person = Person(
            name=name,
            email=f"{name.lower()}@metrics.example.org",
            division_id=divisions[code],
            appointed_on=appointed,
            rank=rank,
            position="clinician_teacher",
            gender=gender,
            created_at=at(date(2020, 1, 1)),
        )
        db.session.add(person)
        db.session.flush()
        ids[name] = person.id
        if name == "admin":
            grant_role(person, "admin")
    pairs = {}
    for mentor, mentee, kind, started in PAIRS:
        mentorship = Mentorship(
            mentor_id=ids[mentor], mentee_id=ids[mentee], kind=kind, started_on=started, created_at=at(started)
        )
        db.session.add(mentorship)
        db.session.flush()
        pairs[(mentor, mentee)] = mentorship.id
    db.session.commit()
    admin = load_actor(ids["admin"])
    for (mentor, mentee), meetings in MEETINGS.items():
        mentee_actor = load_actor(ids[mentee])
        mentor_actor = load_actor(ids[mentor])
        for day, delay in meetings:
            entry = ledger.record(
                {"kind": "meeting", "mentorship_id": pairs[(mentor, mentee)], "occurred_on": day, "minutes": 60},
                mentor_actor,
                at(day),
            )
            if delay is not None:
                ledger.confirm(entry, mentee_actor, at(day, delay))
    # A meeting recorded by mistake and reversed: it counts nowhere.
    mistake = ledger.record(
        {"kind": "meeting", "mentorship_id": pairs[("M1", "E2")], "occurred_on": date(2025, 10, 1), "minutes": 60},
        load_actor(ids["M1"]),
        at(date(2025, 10, 1)),
    )
    ledger.reverse(mistake, "typed twice", admin, at(date(2025, 10, 2)))
    # Mentor training: M1 in 2024 (within three years), M2 in 2021 (too long ago), M3 in
    # 2025 but reversed.
    for name, day in (("M1", date(2024, 5, 6)), ("M2", date(2021, 5, 3)), ("M3", date(2025, 4, 7))):
        entry = ledger.record(
            {"kind": "mentor_training", "occurred_on": day, "minutes": 180, "person_id": ids[name]}, admin, at(day)
        )
        if name == "M3":
            ledger.reverse(entry, "another course", admin, at(day, 1))
    # CFARs: E1 passed (mentored), E5 extended (never mentored), F1 passed (mentored).
    # Promotions: E2 (mentored on 1 January) and M2 (not).
    for name, data in (
        ("E1", {"kind": "cfar", "occurred_on": date(2025, 4, 14), "outcome": "passed"}),
        ("E5", {"kind": "cfar", "occurred_on": date(2025, 6, 16), "outcome": "extended"}),
        ("F1", {"kind": "cfar", "occurred_on": date(2025, 9, 15), "outcome": "passed"}),
        ("E2", {"kind": "promotion", "occurred_on": date(2025, 11, 3), "rank": "associate"}),
        ("M2", {"kind": "promotion", "occurred_on": date(2025, 7, 1), "rank": "full"}),
        ("F1", {"kind": "check_in", "occurred_on": date(2025, 2, 20), "role": "Vice-Chair"}),
    ):
        milestones.record({**data, "person_id": ids[name]}, admin, at(data["occurred_on"]))
    db.session.commit()
    return ids


@pytest.fixture(scope="module", params=selected_backends())
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "metrics") as app:
        with app.app_context():
            ids = build(app)
        yield app, ids


def tallies(world, metric_id: str, today: date = TODAY, **params):
    app, _ = world
    with app.app_context():
        metric = service.definitions()[metric_id]
        if params:
            metric = dataclasses.replace(metric, params={**metric.params, **params})
        series, found = MEASURES[metric.measure](metric, service.year_of(2025, today))
        codes = {d.id: d.code for d in db.session.scalars(db.select(Division))}
        return [s.key for s in series], {codes[key]: value for key, value in found.items()}


def test_meetings_against_expectation(world):
    # Formal, open all 2025, mentee in their first five years: M1–E1 (4 meetings, met),
    # M1–E2 (2; the reversed one does not count), M2–E3 (3, met), M3–F1 (3, met).
    # M2–E4 began in March; F2 was appointed in 2019.
    assert tallies(world, "meeting_regularity") == (
        ["met"],
        {"CARD": {"met": Tally(2, 3)}, "NEPH": {"met": Tally(1, 1)}},
    )


def test_confirmed_share(world):
    # Cardiology: 4 + 2 + 3 + 2 = 11 meetings in 2025, 3 + 1 + 0 + 2 = 6 confirmed, four
    # mentees. Nephrology: F1's 3, all confirmed (F2's was in 2024).
    _, found = tallies(world, "entries_confirmed")
    assert found == {"CARD": {"confirmed": Tally(6, 11, people=4)}, "NEPH": {"confirmed": Tally(3, 3, people=1)}}


def test_confirmation_delay(world):
    _, found = tallies(world, "confirmation_days")
    assert found["CARD"]["days"].histogram() == {0.5: 1, 1: 1, 2: 1, 3: 1, 5: 1, 10: 1}
    assert found["CARD"]["days"].people == 3  # E1, E2, E4
    assert found["NEPH"]["days"].histogram() == {1: 2, 4: 1}


def test_lapsed(world):
    # Open since before 2025 and no confirmed meeting in the twelve months to 31 Dec 2025:
    # M2–E3 (nothing confirmed) and M3–F2 (last confirmed in June 2024).
    assert tallies(world, "lapsed_relationships")[1] == {
        "CARD": {"lapsed": Tally(1, 3)},
        "NEPH": {"lapsed": Tally(1, 2)},
    }
    # Over six months M2–E4 (since March 2025) is old enough to count, and met in July;
    # M1–E2's last confirmed meeting (March) is too old now as well.
    assert tallies(world, "lapsed_relationships", months=6)[1]["CARD"] == {"lapsed": Tally(2, 4)}


def test_new_faculty_with_a_mentor(world):
    # Appointed after 31 Dec 2020: E1–E5 (E5 has no mentor) and F1.
    assert tallies(world, "new_faculty_with_mentor")[1] == {
        "CARD": {"with_mentor": Tally(4, 5)},
        "NEPH": {"with_mentor": Tally(1, 1)},
    }


def test_check_ins(world):
    # Due in 2025 (appointed July 2023 to June 2024, plus 18 months): F1 (due 1 Feb 2025,
    # held 20 Feb) and E3 (due 1 Sep 2025, none recorded). E2 and E5 fell due in 2024.
    assert tallies(world, "check_ins") == (
        ["done", "overdue", "upcoming"],
        {"CARD": {"overdue": Tally(1)}, "NEPH": {"done": Tally(1)}},
    )
    # On 1 June 2025, E3's is still ahead; F1's was already held.
    assert tallies(world, "check_ins", today=date(2025, 6, 1))[1] == {
        "CARD": {"upcoming": Tally(1)},
        "NEPH": {"done": Tally(1)},
    }


def test_mentor_pool(world):
    # Cardiology mentors M1, M2, E1 with 5 mentees between them; Nephrology M3 with 2.
    assert tallies(world, "mentor_pool")[1] == {
        "CARD": {"mentors": Tally(3), "per_mentor": Tally(5, 3)},
        "NEPH": {"mentors": Tally(1), "per_mentor": Tally(2, 1)},
    }


def test_mentor_pool_by_gender_folds_rare_answers(world):
    # Two women and one man department-wide: both below the smallest cell (5), so shown
    # together, never by name; E1 gave none.
    series, found = tallies(world, "mentor_pool_gender")
    assert series == ["Smaller groups", "Not given"]
    assert found == {"CARD": {"Smaller groups": Tally(2), "Not given": Tally(1)}, "NEPH": {"Smaller groups": Tally(1)}}


def test_mentors_trained(world):
    # Within 2023–2025: M1 only (M2's is from 2021, M3's was reversed; E1 has none).
    assert tallies(world, "mentor_training")[1] == {"CARD": {"trained": Tally(1, 3)}, "NEPH": {"trained": Tally(0, 1)}}


def test_mentees_who_became_mentors(world):
    # Formal mentees: E1–E4, F1, F2. E1 mentors F2 since May 2025.
    assert tallies(world, "mentees_became_mentors")[1] == {
        "CARD": {"mentoring": Tally(1, 4)},
        "NEPH": {"mentoring": Tally(0, 2)},
    }


def test_cfar_by_mentoring(world):
    assert tallies(world, "cfar_by_mentoring")[1] == {
        "CARD": {"mentored": Tally(1, 1), "not_mentored": Tally(0, 1)},
        "NEPH": {"mentored": Tally(1, 1)},
    }


def test_promotion_by_mentoring(world):
    # Below full professor on 1 January (or promoted to it in the year), appointed by then:
    # Cardiology mentored E1, E2, E3 (E2 promoted); not mentored M1, M2, E4, E5 (M2
    # promoted). Nephrology: F1 and F2, mentored, none promoted (M3 is a full professor).
    assert tallies(world, "promotion_by_mentoring")[1] == {
        "CARD": {"mentored": Tally(1, 3), "not_mentored": Tally(1, 4)},
        "NEPH": {"mentored": Tally(0, 2)},
    }


def test_compute_withholds_small_divisions_and_shows_the_department(world):
    app, _ = world
    with app.app_context():
        result = service.compute(service.definitions()["entries_confirmed"], 2025, TODAY)
        department, cardiology, nephrology = result.rows
        # 9 of 14 meetings confirmed, from five mentees: shown.
        assert department.cells["confirmed"].state == SHOWN
        assert department.cells["confirmed"].value == Decimal("64.3")
        # Nephrology's one mentee is withheld, and so is Cardiology, or it would give
        # Nephrology away as the department minus Cardiology.
        assert nephrology.cells["confirmed"].state == WITHHELD
        assert cardiology.cells["confirmed"].state == WITHHELD
        assert [row.label for row in result.rows] == ["Department", "Cardiology", "Nephrology"]


def test_needs_attention_on_1_december_2025(world):
    app, ids = world
    with app.app_context():
        admin = load_actor(ids["admin"])
        lists = {found.kind: found for found in attention.needs_attention(admin, date(2025, 12, 1))}
        # Only M3–F2 had no meeting in 2025 (M2–E4 began in March and met in April).
        assert [item.mentorship_id for item in lists["no_meeting"].items] == [pair_id(ids, "M3", "F2")]
        # Older than 60 days and neither confirmed nor reversed: E3's of January and June,
        # E2's of September (E3's October one is recent; the reversed one never counts).
        assert [(item.since, item.mentorship_id) for item in lists["unconfirmed"].items] == [
            (date(2025, 1, 20), pair_id(ids, "M2", "E3")),
            (date(2025, 6, 2), pair_id(ids, "M2", "E3")),
            (date(2025, 9, 8), pair_id(ids, "M1", "E2")),
        ]
        # Due 18 months after appointment, within the first five years, none recorded:
        # E1, E2, E5 and E3 (F1's is recorded; F2 was appointed in 2019).
        assert [item.person_id for item in lists["check_in_overdue"].items] == [
            ids[n] for n in ("E1", "E2", "E5", "E3")
        ]
        assert [item.person_id for item in lists["no_mentor"].items] == [ids["E5"]]
        assert all(found.total == len(found.items) for found in lists.values())


def test_a_director_sees_their_division_and_nobody_else_sees_any(world):
    app, ids = world
    with app.app_context():
        nephrology = db.session.scalar(db.select(Division.id).where(Division.code == "NEPH"))
        director = Actor(ids["M3"], "M3", frozenset({"division_director"}), frozenset({nephrology}))
        assert service.visible_codes(director) == {"NEPH"}
        lists = {found.kind: found for found in attention.needs_attention(director, date(2025, 12, 1))}
        assert [item.mentorship_id for item in lists["no_meeting"].items] == [pair_id(ids, "M3", "F2")]
        assert lists["unconfirmed"].total == lists["check_in_overdue"].total == lists["no_mentor"].total == 0
        rows = service.results(service.visible_codes(director), 2025, TODAY)
        assert {row.group for result in rows for row in result.rows} == {"department", "NEPH"}
        with pytest.raises(Forbidden):
            service.visible_codes(load_actor(ids["E1"]))  # a mentor who directs nothing


def pair_id(ids, mentor: str, mentee: str) -> int:
    return db.session.scalar(
        db.select(Mentorship.id).where(Mentorship.mentor_id == ids[mentor], Mentorship.mentee_id == ids[mentee])
    )
