"""Award settings through the service: every broken rule is named with its field and
nothing is stored; a good award reads back as the rules and the rubric the ranking uses;
the rubric cannot change under a committee that is scoring."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from recognition.awards.committee.ranking import Criterion, Rubric
from recognition.awards.cycles import service as cycles
from recognition.awards.definitions import service as definitions
from recognition.awards.models import Award, Cycle
from recognition.awards.rules import Eligibility
from recognition.errors import DomainError
from recognition.extensions import db
from tests.support.awards import DAYS, SCHEDULE, AwardWorld, at

NOW = at(DAYS["scheduled"])
RUBRIC = {
    "low": 0,
    "high": 10,
    "criteria": [
        {"id": "reach", "name": "  Reach  ", "description": " How many mentees. ", "weight": 3},
        {"id": "depth", "name": "Depth", "weight": 1.5},
    ],
}


def good(**changes) -> dict:
    """Settings that pass every rule; ``changes`` replace (or, with None, drop) fields."""
    data = {
        "slug": "early-career",
        "name": "Early-Career Mentor Award",
        "description": "For new mentors.",
        "level": "department",
        "winners": 2,
        **SCHEDULE,
        "eligibility": {
            "min_years_mentoring": 1,
            "max_years_on_faculty": 10,
            "ranks": ["assistant", "lecturer"],
            "past_winner_exclusion_years": 5,
            "min_mentees": 2,
        },
        "rubric": RUBRIC,
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def rubric(**changes) -> dict:
    return {**RUBRIC, **changes}


def criterion(**changes) -> dict:
    return {"id": "reach", "name": "Reach", "weight": 1, **changes}


def awards() -> int:
    return db.session.scalar(select(func.count()).select_from(Award))


SLUG_RULE = "must be 3 to 60 lower-case letters, digits and hyphens, starting and ending with a letter or digit"
MONTH_DAY = "must be a month and day as MM-DD, like 02-15"
COUNT = "must be a whole number from {} to {}, or empty to switch the rule off"
WEIGHT = "must be a number above 0 and at most 100"
RANKS = "must list one or more of lecturer, assistant, associate, full, or be empty"

BAD = [
    # slug
    ({"slug": "ab"}, "slug", SLUG_RULE),
    ({"slug": "-early"}, "slug", SLUG_RULE),
    ({"slug": "early-"}, "slug", SLUG_RULE),
    ({"slug": "early_career"}, "slug", SLUG_RULE),
    ({"slug": "early career"}, "slug", SLUG_RULE),
    ({"slug": "x" * 61}, "slug", SLUG_RULE),
    ({"slug": None}, "slug", SLUG_RULE),
    # name
    ({"name": "ab"}, "name", "must be 3 to 200 characters"),
    ({"name": "   ab   "}, "name", "must be 3 to 200 characters"),
    ({"name": "n" * 201}, "name", "must be 3 to 200 characters"),
    ({"name": None}, "name", "must be 3 to 200 characters"),
    ({"description": "d" * 4001}, "description", "must be at most 4000 characters"),
    # level and division
    ({"level": "faculty"}, "level", "must be one of department, division"),
    ({"level": "division"}, "division_id", "is required for a division award"),
    ({"level": "division", "division_id": 999_999}, "division_id", "must name an existing division"),
    ({"level": "department", "division_id": "CARD"}, "division_id", "must be empty for a department award"),
    # winners
    ({"winners": 0}, "winners", "must be a whole number from 1 to 20"),
    ({"winners": 21}, "winners", "must be a whole number from 1 to 20"),
    ({"winners": True}, "winners", "must be a whole number from 1 to 20"),
    ({"winners": "2"}, "winners", "must be a whole number from 1 to 20"),
    ({"winners": 1.5}, "winners", "must be a whole number from 1 to 20"),
    ({"division_conflicts": "yes"}, "division_conflicts", "must be true or false"),
    ({"active": 1}, "active", "must be true or false"),
    # schedule: format, impossible days, order
    ({"opens": "2-01"}, "opens", MONTH_DAY),
    ({"closes": "03/15"}, "closes", MONTH_DAY),
    ({"review_ends": "13-01"}, "review_ends", MONTH_DAY),
    ({"decision": "04-32"}, "decision", MONTH_DAY),
    ({"announcement": 515}, "announcement", MONTH_DAY),
    ({"opens": None}, "opens", MONTH_DAY),
    ({"decision": "02-30"}, "decision", "02-30 is not a day of the year"),
    ({"review_ends": "04-31"}, "review_ends", "04-31 is not a day of the year"),
    ({"opens": "03-16"}, "closes", "must not be before nominations open (the schedule runs within one calendar year)"),
    ({"review_ends": "03-15"}, "review_ends", "must be after nominations close"),
    ({"decision": "04-14"}, "decision", "must not be before the review ends"),
    ({"announcement": "04-29"}, "announcement", "must not be before the decision"),
    # eligibility
    ({"eligibility": {"min_age": 40}}, "eligibility.min_age", "is not an eligibility rule"),
    ({"eligibility": [1]}, "eligibility", "must be an object of rules"),
    ({"eligibility": {"min_years_mentoring": -1}}, "eligibility.min_years_mentoring", COUNT.format(0, 60)),
    ({"eligibility": {"min_years_mentoring": 61}}, "eligibility.min_years_mentoring", COUNT.format(0, 60)),
    ({"eligibility": {"min_years_mentoring": 2.5}}, "eligibility.min_years_mentoring", COUNT.format(0, 60)),
    ({"eligibility": {"min_years_mentoring": "3"}}, "eligibility.min_years_mentoring", COUNT.format(0, 60)),
    ({"eligibility": {"min_mentees": True}}, "eligibility.min_mentees", COUNT.format(0, 500)),
    ({"eligibility": {"min_mentees": 501}}, "eligibility.min_mentees", COUNT.format(0, 500)),
    ({"eligibility": {"max_years_on_faculty": 61}}, "eligibility.max_years_on_faculty", COUNT.format(0, 60)),
    (
        {"eligibility": {"past_winner_exclusion_years": -5}},
        "eligibility.past_winner_exclusion_years",
        COUNT.format(0, 60),
    ),
    ({"eligibility": {"ranks": ["professor"]}}, "eligibility.ranks", RANKS),
    ({"eligibility": {"ranks": ["assistant", "emeritus"]}}, "eligibility.ranks", RANKS),
    ({"eligibility": {"ranks": []}}, "eligibility.ranks", RANKS),
    ({"eligibility": {"ranks": "assistant"}}, "eligibility.ranks", RANKS),
    # rubric
    ({"rubric": "1-5"}, "rubric", "must be an object with low, high and criteria"),
    ({"rubric": rubric(low=5, high=5)}, "rubric.high", "must be above low"),
    ({"rubric": rubric(low=6, high=5)}, "rubric.high", "must be above low"),
    ({"rubric": rubric(low=-1)}, "rubric.low", "must be a whole number from 0 to 100"),
    ({"rubric": rubric(high=101)}, "rubric.high", "must be a whole number from 0 to 100"),
    ({"rubric": rubric(high=5.5)}, "rubric.high", "must be a whole number from 0 to 100"),
    ({"rubric": rubric(criteria=[])}, "rubric.criteria", "must list 1 to 12 criteria"),
    ({"rubric": {"low": 1, "high": 5}}, "rubric.criteria", "must list 1 to 12 criteria"),
    (
        {"rubric": rubric(criteria=[criterion(id=f"c{n}") for n in range(13)])},
        "rubric.criteria",
        "must list 1 to 12 criteria",
    ),
    (
        {"rubric": rubric(criteria=[criterion(), criterion(name="Reach again")])},
        "rubric.criteria.1.id",
        "is used by another criterion",
    ),
    (
        {"rubric": rubric(criteria=[criterion(id="Reach")])},
        "rubric.criteria.0.id",
        "must be 1 to 40 lower-case letters, digits or underscores, starting with a letter",
    ),
    (
        {"rubric": rubric(criteria=[criterion(id="1st")])},
        "rubric.criteria.0.id",
        "must be 1 to 40 lower-case letters, digits or underscores, starting with a letter",
    ),
    ({"rubric": rubric(criteria=["reach"])}, "rubric.criteria.0", "must be an object with id, name and weight"),
    ({"rubric": rubric(criteria=[criterion(name="  ")])}, "rubric.criteria.0.name", "must be 1 to 120 characters"),
    ({"rubric": rubric(criteria=[criterion(weight=0)])}, "rubric.criteria.0.weight", WEIGHT),
    ({"rubric": rubric(criteria=[criterion(weight=-1)])}, "rubric.criteria.0.weight", WEIGHT),
    ({"rubric": rubric(criteria=[criterion(weight=101)])}, "rubric.criteria.0.weight", WEIGHT),
    ({"rubric": rubric(criteria=[criterion(weight=True)])}, "rubric.criteria.0.weight", WEIGHT),
    ({"rubric": rubric(criteria=[criterion(weight="2")])}, "rubric.criteria.0.weight", WEIGHT),
    ({"rubric": rubric(criteria=[criterion(weight=float("nan"))])}, "rubric.criteria.0.weight", WEIGHT),
    (
        {"rubric": rubric(criteria=[criterion(), criterion(id="depth", weight=None)])},
        "rubric.criteria.1.weight",
        WEIGHT,
    ),
]


@pytest.mark.parametrize(("changes", "field", "rule"), BAD)
def test_bad_settings_are_refused_naming_field_and_rule_and_nothing_is_stored(app, dept, changes, field, rule):
    with app.app_context():
        if changes.get("division_id") == "CARD":  # a real division, on an award that may not have one
            changes = {**changes, "division_id": dept.divisions["CARD"]}
        with pytest.raises(DomainError) as refused:
            definitions.create(good(**changes), NOW)
        assert refused.value.status == 422
        assert rule in refused.value.errors.get(field, []), refused.value.errors
        assert field in refused.value.message
        db.session.rollback()
        assert awards() == 0


def test_a_slug_used_by_another_award_is_refused(app, dept):
    with app.app_context():
        definitions.create(good(), NOW)
        db.session.commit()
        with pytest.raises(DomainError) as refused:
            definitions.create(good(slug="Early-Career", name="Another award"), NOW)  # compared lower-cased
        assert refused.value.errors == {"slug": ["is already used by another award"]}
        db.session.rollback()
        assert awards() == 1


def test_every_broken_rule_is_named_at_once(app, dept):
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            definitions.create(
                good(
                    slug="x",
                    winners=0,
                    closes="02-30",
                    eligibility={"min_mentees": -1, "max_age": 3},
                    rubric=rubric(criteria=[criterion(weight=0)]),
                ),
                NOW,
            )
        assert set(refused.value.errors) == {
            "slug",
            "winners",
            "closes",
            "eligibility.min_mentees",
            "eligibility.max_age",
            "rubric.criteria.0.weight",
        }
        db.session.rollback()
        assert awards() == 0


def test_a_schedule_in_order_only_in_leap_years_is_refused(app, dept):
    # In 2026, 02-29 is 28 February: nominations would close on the day the review ends,
    # and the yearly job could not create the cycle.
    with app.app_context():
        settings = good(opens="02-01", closes="02-28", review_ends="02-29", decision="03-31", announcement="04-30")
        try:
            definitions.create(settings, NOW)
        except DomainError as refused:
            assert "review_ends" in refused.errors
            return
        db.session.commit()
        try:
            made = cycles.ensure_cycles(date(2026, 1, 5), at(date(2026, 1, 5)))
        except DomainError as error:
            pytest.fail(
                "definitions.check accepted a schedule (closes 02-28, review_ends 02-29) that is out of "
                "order in every non-leap year; the scheduler job then fails creating the cycle: "
                f"{error.message}"
            )
        assert made, "the cycle of an award with a schedule the settings accepted was not created"


def test_a_good_award_reads_back_as_the_rules_and_the_rubric(app, dept):
    with app.app_context():
        award_id = definitions.create(good(), NOW).id
        db.session.commit()
        db.session.expunge_all()
        award = definitions.get(award_id)
        assert (award.slug, award.name, award.level, award.division_id, award.winners) == (
            "early-career",
            "Early-Career Mentor Award",
            "department",
            None,
            2,
        )
        assert (award.description, award.division_conflicts, award.active) == ("For new mentors.", False, True)
        assert definitions.eligibility(award) == Eligibility(
            min_years_mentoring=1,
            min_mentees=2,
            max_years_on_faculty=10,
            ranks=("lecturer", "assistant"),
            past_winner_exclusion_years=5,
        )
        assert definitions.rubric(award) == Rubric((Criterion("reach", 3.0), Criterion("depth", 1.5)), 0, 10)
        text = definitions.rubric_text(award)
        assert [(c.id, c.name, c.description, c.weight) for c in text.criteria] == [
            ("reach", "Reach", "How many mentees.", 3.0),
            ("depth", "Depth", "", 1.5),
        ]
        assert definitions.schedule(award) == SCHEDULE
        assert definitions.dates(award, 2026) == {
            "opens": date(2026, 2, 1),
            "closes": date(2026, 3, 15),
            "review_ends": date(2026, 4, 15),
            "decision": date(2026, 4, 30),
            "announcement": date(2026, 5, 15),
        }


def test_defaults_are_no_rules_and_the_default_rubric(app, dept):
    with app.app_context():
        award = definitions.create(
            good(slug="plain", eligibility=None, rubric=None, winners=None, description=None), NOW
        )
        assert definitions.eligibility(award) == Eligibility()
        assert definitions.rubric_text(award) == definitions.DEFAULT_RUBRIC
        assert (award.winners, award.description) == (1, "")


def test_a_division_award_names_its_division(app, dept):
    with app.app_context():
        award = definitions.create(
            good(
                slug="cardiology-mentor", level="division", division_id=dept.divisions["CARD"], division_conflicts=True
            ),
            NOW,
        )
        db.session.commit()
        assert (award.level, award.division.name, award.division_conflicts) == ("division", "Cardiology", True)
        with pytest.raises(DomainError) as refused:
            definitions.update(award, {"level": "department", "division_id": dept.divisions["CARD"]})
        assert refused.value.errors == {"division_id": ["must be empty for a department award"]}
        definitions.update(award, {"level": "department"})  # the division goes with the level
        assert (award.level, award.division_id) == ("department", None)


def test_update_checks_only_what_changes_and_stores_nothing_when_refused(app, dept):
    with app.app_context():
        award = definitions.create(good(), NOW)
        db.session.commit()
        before = (award.winners, award.closes, award.eligibility, award.rubric)
        with pytest.raises(DomainError) as refused:
            definitions.update(award, {"winners": 0, "closes": "01-15"})
        assert refused.value.errors == {
            "winners": ["must be a whole number from 1 to 20"],
            "closes": ["must not be before nominations open (the schedule runs within one calendar year)"],
        }
        assert (award.winners, award.closes, award.eligibility, award.rubric) == before
        definitions.update(award, {"name": "Early-Career Mentor Prize", "closes": "03-01"})
        assert (award.name, award.closes, award.opens) == ("Early-Career Mentor Prize", "03-01", "02-01")
        definitions.update(award, {"eligibility": {"min_mentees": 3}})
        assert definitions.eligibility(award) == Eligibility(min_mentees=3)


def test_the_rubric_cannot_change_while_a_cycle_is_in_review(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        # While nominations are open the rubric may still change.
        definitions.update(world.award, {"rubric": rubric()})
        assert definitions.rubric(world.award) == Rubric((Criterion("reach", 3.0), Criterion("depth", 1.5)), 0, 10)
        db.session.commit()

        world.to("review")
        stored = world.award.rubric
        with pytest.raises(DomainError) as refused:
            definitions.update(world.award, {"rubric": rubric(high=5)})
        assert refused.value.errors == {"rubric": ["cannot change while the 2026 cycle is being scored or decided"]}
        assert world.award.rubric == stored
        # Other settings, and the same rubric sent again, are still accepted.
        definitions.update(world.award, {"name": "Mentor of the Year Award", "rubric": rubric()})
        assert world.award.name == "Mentor of the Year Award"
        assert json.loads(world.award.rubric) == json.loads(stored)
        assert db.session.get(Cycle, world.cycle_id).phase == "review"
