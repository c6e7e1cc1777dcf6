"""The committee through the database: conflicts read from the mentoring graph, recusals
recorded once, declared conflicts, the scoring window and its checks, score history, the
ranking against a reference computed here from the stored score sets, and the decision."""

from __future__ import annotations

import itertools
import json
import random
import statistics
from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from recognition.auth.service import load_actor
from recognition.awards.committee import recusal
from recognition.awards.committee import service as committee
from recognition.awards.cycles import decision, phases
from recognition.awards.definitions import service as definitions
from recognition.awards.models import (
    Decision,
    DecisionWinner,
    Nomination,
    ScoreSet,
)
from recognition.awards.nominations import service as nominations
from recognition.awards.rules import (
    IS_NOMINATOR,
    IS_NOMINEE,
    MENTORSHIP,
    SAME_DIVISION,
    SHARED_MENTEE,
    SHARED_MENTOR,
)
from recognition.errors import Conflict, DomainError, Forbidden, NotFound
from recognition.extensions import db
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from tests.support.awards import DAYS, AwardWorld, actor, at

OPEN, REVIEW = DAYS["open"], DAYS["review"]
REVIEW_ENDS = date(2026, 4, 15)
AFTER_REVIEW = REVIEW_ENDS + timedelta(days=1)
_emails = itertools.count(1)


# Builders ---------------------------------------------------------------------------


def person(dept, name: str, division: str = "NEPH") -> int:
    row = Person(
        name=name,
        email=f"member{next(_emails)}@committee.example.org",
        division_id=dept.divisions[division],
        rank="associate",
        position="clinician_teacher",
        appointed_on=date(2020, 7, 1),
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
) -> None:
    db.session.add(
        Mentorship(
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            kind=kind,
            started_on=started_on,
            ended_on=ended_on,
            created_at=at(OPEN),
        )
    )
    db.session.flush()


def nomination(world: AwardWorld, nominee: str) -> Nomination:
    return db.session.get(Nomination, world.nomination_ids[nominee])


def recorded(cycle_id: int) -> list[tuple[int, int, str, str]]:
    """The recusals with their rule; a detected one goes on to say where it came from."""
    return [
        (r.nomination_id, r.member_id, r.source, r.reason.split(" (detected")[0]) for r in recusal.recusals(cycle_id)
    ]


FULL = {"impact": 4, "commitment": 4, "quality": 4, "citizenship": 4}


# Conflicts from the mentoring graph --------------------------------------------------
# Each row: the ties ("M" the member, "N" the nominee, "P"/"Q" others: (mentor, mentee,
# ended_on, kind)), who nominates, whether the member shares the nominee's division, the
# award's division rule, and the reasons expected.
CONFLICTS = [
    pytest.param([], "nominee-is-member", False, False, [IS_NOMINEE], id="the-member-is-the-nominee"),
    pytest.param([], "member", False, False, [IS_NOMINATOR], id="the-member-nominated-them"),
    pytest.param([("M", "N", None, "formal")], "admin", False, False, [MENTORSHIP], id="mentor-of-the-nominee"),
    pytest.param([("N", "M", None, "formal")], "admin", False, False, [MENTORSHIP], id="mentee-of-the-nominee"),
    pytest.param(
        [("M", "N", date(2016, 6, 30), "formal")],
        "admin",
        False,
        False,
        [MENTORSHIP],
        id="an-ended-mentorship-still-counts",
    ),
    pytest.param([("N", "M", None, "informal")], "admin", False, False, [MENTORSHIP], id="an-informal-one-too"),
    pytest.param(
        [("P", "M", None, "formal"), ("P", "N", date(2020, 1, 1), "peer_group")],
        "admin",
        False,
        False,
        [SHARED_MENTOR],
        id="a-shared-mentor",
    ),
    pytest.param(
        [("M", "P", date(2019, 1, 1), "formal"), ("N", "P", None, "formal")],
        "admin",
        False,
        False,
        [SHARED_MENTEE],
        id="a-shared-mentee",
    ),
    pytest.param([], "admin", True, True, [SAME_DIVISION], id="same-division-with-the-rule-on"),
    pytest.param([], "admin", True, False, [], id="same-division-with-the-rule-off"),
    pytest.param(
        [("M", "P", None, "formal"), ("P", "Q", None, "formal"), ("Q", "N", None, "formal")],
        "admin",
        False,
        True,
        [],
        id="no-tie",
    ),
    pytest.param(
        [("M", "N", None, "formal"), ("P", "M", None, "formal"), ("P", "N", None, "formal")],
        "member",
        True,
        True,
        [IS_NOMINATOR, MENTORSHIP, SHARED_MENTOR, SAME_DIVISION],
        id="several-ties",
    ),
]


@pytest.mark.parametrize(("ties", "nominator", "same_division", "division_rule", "expected"), CONFLICTS)
def test_conflicts_come_from_the_mentoring_graph(app, dept, ties, nominator, same_division, division_rule, expected):
    with app.app_context():
        world = AwardWorld.build(dept, nominate=False, division_conflicts=division_rule)
        world.to("open")
        people = {
            "M": person(dept, "Mo Member", "CARD" if same_division else "NEPH"),
            "N": person(dept, "Ned Nominee", "CARD"),
            "P": person(dept, "Pat Third"),
            "Q": person(dept, "Quin Fourth"),
        }
        for mentor, mentee, ended_on, kind in ties:
            mentorship(people[mentor], people[mentee], started_on=date(2015, 1, 1), ended_on=ended_on, kind=kind)
        member = people["M"]
        committee.add_member(world.cycle, member, actor(dept, "admin"), at(OPEN))
        nominee = member if nominator == "nominee-is-member" else people["N"]
        by = load_actor(member) if nominator == "member" else actor(dept, "admin")
        made = nominations.nominate(world.cycle, nominee, "A fine mentor.", by, OPEN, at(OPEN))
        made_id = made.id
        db.session.commit()

        assert recusal.recused(made, member) == expected
        world.to("closed")  # conflicts are recorded when nominations close
        made = db.session.get(Nomination, made_id)
        assert recusal.recused(made, member) == expected
        assert recusal.recusal_map(world.cycle).get((made_id, member), []) == expected
        mine = [row for row in recorded(world.cycle_id) if row[1] == member]
        assert mine == ([(made_id, member, "detected", "; ".join(expected))] if expected else [])
        # Only a member who is nothing else to the nomination loses sight of it.
        visible = [n.id for n in nominations.visible_nominations(load_actor(member), world.cycle)]
        if expected and not {IS_NOMINEE, IS_NOMINATOR} & set(expected):
            with pytest.raises(NotFound):
                nominations.get_nomination(made_id, load_actor(member))
            assert visible == []
        else:
            assert nominations.get_nomination(made_id, load_actor(member)).id == made_id
            assert visible == [made_id]


def test_each_detected_conflict_is_recorded_once(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("closed")
        other_mentee = world.nomination_ids["other_mentee"]
        expected = [(other_mentee, dept.ids["other_mentor"], "detected", MENTORSHIP)]
        assert recorded(world.cycle_id) == expected
        assert recusal.record_recusals(world.cycle, at(DAYS["closed"])) == 0
        assert recusal.record_recusals(world.cycle, at(DAYS["closed"])) == 0
        world.to("review")  # entering review records again: nothing new
        assert recorded(world.cycle_id) == expected

        # A mentorship begun during the review is a conflict at once, and recorded once.
        mentorship(dept.ids["award_committee"], dept.ids["other_director"], started_on=REVIEW)
        db.session.commit()
        other_director = world.nomination_ids["other_director"]
        assert recusal.recused(nomination(world, "other_director"), dept.ids["award_committee"]) == [MENTORSHIP]
        assert recusal.record_recusals(world.cycle, at(REVIEW)) == 1
        assert recusal.record_recusals(world.cycle, at(REVIEW)) == 0
        assert recorded(world.cycle_id) == expected + [
            (other_director, dept.ids["award_committee"], "detected", MENTORSHIP)
        ]

        # A member who joins during the review has their conflicts recorded as they join.
        committee.add_member(world.cycle, dept.ids["outsider"], actor(dept, "admin"), at(REVIEW))
        assert recorded(world.cycle_id)[-1] == (other_mentee, dept.ids["outsider"], "detected", IS_NOMINATOR)
        assert len(recorded(world.cycle_id)) == 3


# Declared conflicts -------------------------------------------------------------------


def test_a_declared_conflict_is_recorded_hides_the_nomination_and_drops_the_members_scores(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("review")
        world.score_all(
            {
                "mentor": {"impact": 5, "commitment": 5, "quality": 4, "citizenship": 4},
                "other_mentee": {"impact": 2, "commitment": 3, "quality": 3, "citizenship": 2},
                "other_director": {"impact": 3, "commitment": 3, "quality": 3, "citizenship": 3},
            }
        )
        member = dept.ids["award_committee"]
        target = nomination(world, "mentor")
        before = {r.nomination.id: r.row.reviews for r in committee.ranking_rows(world.cycle)}
        assert before[target.id] == 3

        with pytest.raises(Forbidden) as refused:
            recusal.declare(target, actor(dept, "mentee"), "I know them.", at(REVIEW))
        assert refused.value.errors == {"reason": ["committee members only"]}
        for blank in ("", "   ", None):
            with pytest.raises(DomainError) as refused:
                recusal.declare(target, actor(dept, "award_committee"), blank, at(REVIEW))
            assert list(refused.value.errors) == ["reason"] and refused.value.errors["reason"][0].startswith(
                "is required"
            )
        assert recorded(world.cycle_id) == [
            (world.nomination_ids["other_mentee"], dept.ids["other_mentor"], "detected", MENTORSHIP)
        ]

        recusal.declare(target, actor(dept, "award_committee"), "  We wrote a grant together.  ", at(REVIEW))
        db.session.commit()
        assert recorded(world.cycle_id)[-1] == (target.id, member, "declared", "We wrote a grant together.")
        with pytest.raises(Conflict) as refused:
            recusal.declare(target, actor(dept, "award_committee"), "Again.", at(REVIEW))
        assert refused.value.status == 409 and refused.value.errors == {"reason": ["already declared"]}

        member_actor = actor(dept, "award_committee")
        assert recusal.recused(target, member) == ["declared: We wrote a grant together."]
        with pytest.raises(NotFound):
            nominations.get_nomination(target.id, member_actor)
        assert target.id not in [n.id for n in nominations.visible_nominations(member_actor, world.cycle)]
        assert committee.score_sets(target, member_actor, REVIEW) == []
        assert member not in [s.member_id for s in committee.score_sets(target, actor(dept, "admin"), REVIEW)]
        with pytest.raises(Forbidden) as refused:
            committee.score(target, member_actor, FULL, "", REVIEW, at(REVIEW))
        assert refused.value.errors == {"scores": ["you are recused"]}
        assert recusal.own_scores(target.id, member) is not None  # kept on record, not counted
        after = {r.nomination.id: r for r in committee.ranking_rows(world.cycle)}
        assert after[target.id].row.reviews == 2
        assert_matches_reference(world, committee.ranking_rows(world.cycle))
        mine = {r.nomination.id: r for r in committee.ranking_rows(world.cycle, member_actor)}
        assert (mine[target.id].row, mine[target.id].recused) == (None, ["declared: We wrote a grant together."])


def test_a_conflict_declared_while_nominations_are_open_does_not_break_withdrawing(app, dept):
    # A member can call declare() before the close (an admin on the committee sees every
    # nomination). Either declaring waits for the close, or the nominator can still withdraw.
    with app.app_context():
        world = AwardWorld.build(dept)
        target = nomination(world, "mentor")
        try:
            recusal.declare(target, actor(dept, "award_committee"), "We share a lab.", at(OPEN))
        except Conflict:
            return
        db.session.commit()
        try:
            removed = nominations.withdraw(target, actor(dept, "admin"), OPEN, at(OPEN))
            db.session.commit()
        except Conflict:
            return  # refused with a reason the nominator can read: acceptable
        except IntegrityError as error:
            pytest.fail(
                "withdrawing a nomination a member has declared a conflict with fails in the database "
                f"(a 500): {type(error.orig).__name__}. The recusal row references the nomination and "
                "recusals are append-only. Fix in recusal.declare (refuse while the cycle is scheduled "
                "or open, as role_in gives no member role then) or in nominations.withdraw."
            )
        assert removed is True


def test_no_declaring_after_the_decision(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("review")
        world.score_all()
        decision.decide(
            world.cycle, [world.nomination_ids["mentor"]], {}, "", actor(dept, "admin"), AFTER_REVIEW, at(AFTER_REVIEW)
        )
        db.session.commit()
        world.to("decided")
        with pytest.raises(Conflict) as refused:
            recusal.declare(nomination(world, "mentor"), actor(dept, "director"), "Late.", at(DAYS["decided"]))
        assert refused.value.errors == {"reason": ["too late"]}


# Scoring --------------------------------------------------------------------------------


def test_scoring_is_for_unrecused_members_during_the_review(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("closed")
        target = nomination(world, "mentor")
        member = actor(dept, "award_committee")
        with pytest.raises(Conflict) as refused:
            committee.score(target, member, FULL, "", DAYS["closed"], at(DAYS["closed"]))
        assert refused.value.errors == {"scores": ["scoring is closed (the cycle is closed)"]}
        assert "opens on 2026-03-19" in refused.value.message

        world.to("review")
        target = nomination(world, "mentor")
        for role in ("outsider", "admin", "mentor"):  # an admin manages the award but is not on the committee
            with pytest.raises(Forbidden) as refused:
                committee.score(target, actor(dept, role), FULL, "", REVIEW, at(REVIEW))
            assert refused.value.errors == {"scores": ["committee members only"]}
        with pytest.raises(Forbidden) as refused:
            committee.score(
                nomination(world, "other_mentee"), actor(dept, "other_mentor"), FULL, "", REVIEW, at(REVIEW)
            )
        assert refused.value.errors == {"scores": ["you are recused"]}
        assert committee.score(target, member, FULL, "", REVIEW_ENDS, at(REVIEW_ENDS)).revision == 1  # the last day
        with pytest.raises(Conflict) as refused:  # the day after, before the job moves the cycle on
            committee.score(target, member, {**FULL, "impact": 5}, "", AFTER_REVIEW, at(AFTER_REVIEW))
        assert refused.value.errors == {"scores": ["scoring is closed (the cycle is review)"]}
        assert "ended on 2026-04-15" in refused.value.message
        assert json.loads(recusal.own_scores(target.id, dept.ids["award_committee"]).scores) == FULL


@pytest.mark.parametrize(
    ("values", "comment", "errors"),
    [
        (
            {"impact": 5, "commitment": 5, "quality": 5},
            "",
            {"scores.citizenship": ["is required (Mentoring citizenship)"]},
        ),
        ({**FULL, "impact": None}, "", {"scores.impact": ["is required (Impact on mentees' careers)"]}),
        ({**FULL, "charm": 5}, "", {"scores.charm": ["is not a criterion of this award's rubric"]}),
        ({**FULL, "impact": 6}, "", {"scores.impact": ["must be a whole number from 1 to 5"]}),
        ({**FULL, "quality": 0}, "", {"scores.quality": ["must be a whole number from 1 to 5"]}),
        ({**FULL, "quality": -3}, "", {"scores.quality": ["must be a whole number from 1 to 5"]}),
        ({**FULL, "commitment": True}, "", {"scores.commitment": ["must be a whole number from 1 to 5"]}),
        ({**FULL, "commitment": 3.5}, "", {"scores.commitment": ["must be a whole number from 1 to 5"]}),
        ({**FULL, "commitment": "3"}, "", {"scores.commitment": ["must be a whole number from 1 to 5"]}),
        ([4, 4, 4, 4], "", {"scores": ["must map each criterion to a score"]}),
        (FULL, 42, {"comment": ["must be text"]}),
        (FULL, "c" * 4001, {"comment": ["must be at most 4000 characters"]}),
        (
            {"impact": 9, "quality": 4, "citizenship": 4, "charm": 1},
            "",
            {
                "scores.charm": ["is not a criterion of this award's rubric"],
                "scores.impact": ["must be a whole number from 1 to 5"],
                "scores.commitment": ["is required (Sustained commitment)"],
            },
        ),
    ],
)
def test_bad_scores_are_refused_naming_each_criterion(app, dept, values, comment, errors):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("review")
        with pytest.raises(DomainError) as refused:
            committee.score(
                nomination(world, "mentor"), actor(dept, "award_committee"), values, comment, REVIEW, at(REVIEW)
            )
        assert refused.value.status == 422
        assert refused.value.errors == errors
        assert db.session.scalar(select(func.count()).select_from(ScoreSet)) == 0


def test_a_changed_score_set_keeps_its_history(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        world.to("review")
        target, member = nomination(world, "mentor"), actor(dept, "award_committee")
        first = committee.score(target, member, FULL, "Solid.", REVIEW, at(REVIEW))
        day2, day3 = REVIEW + timedelta(days=1), REVIEW + timedelta(days=2)
        changed = {**FULL, "impact": 5}
        assert committee.score(target, member, changed, "Solid, on reflection more.", day2, at(day2)).id == first.id
        # The same values and comment again change nothing and add no revision.
        same = committee.score(
            target, member, dict(reversed(list(changed.items()))), "  Solid, on reflection more. ", day3, at(day3)
        )
        assert (same.revision, same.updated_at) == (2, at(day2))
        committee.score(target, member, changed, "Comment only changes.", day3, at(day3))
        db.session.commit()
        history = [(r.revision, json.loads(r.scores), r.comment, r.at) for r in committee.revisions(first.id)]
        assert history == [
            (1, FULL, "Solid.", at(REVIEW)),
            (2, changed, "Solid, on reflection more.", at(day2)),
            (3, changed, "Comment only changes.", at(day3)),
        ]
        current = recusal.own_scores(target.id, dept.ids["award_committee"])
        assert (current.revision, json.loads(current.scores), current.comment, current.created_at) == (
            3,
            changed,
            "Comment only changes.",
            at(REVIEW),
        )
        assert db.session.scalar(select(func.count()).select_from(ScoreSet)) == 1


# The ranking, against a reference computed here ------------------------------------------


def reference(
    cycle_id: int, weights: list[tuple[str, float]], without: frozenset[int] = frozenset()
) -> list[tuple[int, float | None, float | None, int, float | None]]:
    """(nomination id, raw mean, normalised mean, reviews, spread) in ranking order, from the
    stored score sets minus the recorded recusals, by the rules in ranking's docstring;
    ``without``: nominations left out as if they did not exist (a recused reader's view)."""
    nomination_ids = [
        n for n in db.session.scalars(select(Nomination.id).where(Nomination.cycle_id == cycle_id)) if n not in without
    ]
    excluded = {(r.nomination_id, r.member_id) for r in recusal.recusals(cycle_id)}
    total = sum(Fraction(w) for _, w in weights)
    by_member: dict[int, dict[int, float]] = defaultdict(dict)
    for score_set in db.session.scalars(select(ScoreSet).where(ScoreSet.nomination_id.in_(nomination_ids))):
        if (score_set.nomination_id, score_set.member_id) in excluded:
            continue
        scores = json.loads(score_set.scores)
        exact = sum(Fraction(w) * scores[c] for c, w in weights) / total
        by_member[score_set.member_id][score_set.nomination_id] = float(exact)
    raw: dict[int, list[float]] = defaultdict(list)
    zs: dict[int, list[float]] = defaultdict(list)
    for scored in by_member.values():
        values = list(scored.values())
        mean, sd = statistics.fmean(values), statistics.pstdev(values)
        for nomination_id, value in scored.items():
            raw[nomination_id].append(value)
            zs[nomination_id].append(0.0 if sd == 0 else (value - mean) / sd)
    rows = [
        (n, statistics.fmean(raw[n]), statistics.fmean(zs[n]), len(raw[n]), statistics.pstdev(raw[n]))
        for n in nomination_ids
        if raw[n]
    ]
    rows.sort(key=lambda r: (-round(r[2], 9), -round(r[1], 9), -r[3], r[0]))
    return rows + [(n, None, None, 0, None) for n in sorted(nomination_ids) if not raw[n]]


def assert_matches_reference(world: AwardWorld, rows, without: frozenset[int] = frozenset()) -> None:
    text = definitions.rubric_text(world.award)
    expected = reference(world.cycle_id, [(c.id, c.weight) for c in text.criteria], without)
    assert [r.nomination.id for r in rows] == [e[0] for e in expected]
    reviewed = sum(1 for e in expected if e[3])  # unreviewed nominations are not ranked (no position)
    assert [r.row.position for r in rows] == [*range(1, reviewed + 1), *[None] * (len(expected) - reviewed)]
    for got, (nomination_id, raw, normalised, reviews, spread) in zip(rows, expected):
        assert got.row.reviews == reviews, nomination_id
        for value, want in ((got.row.raw_mean, raw), (got.row.normalised_mean, normalised), (got.row.spread, spread)):
            assert (value is None) == (want is None), nomination_id
            if want is not None:
                assert abs(value - want) <= 1e-9, (nomination_id, value, want)


WEIGHTED = {
    "low": 0,
    "high": 10,
    "criteria": [
        {"id": "reach", "name": "Reach", "weight": 3},
        {"id": "depth", "name": "Depth", "weight": 2},
        {"id": "care", "name": "Care", "weight": 1.5},
    ],
}


@pytest.mark.parametrize(("rubric", "seed"), [(None, 5), (WEIGHTED, 11), (WEIGHTED, 2026)])
def test_the_ranking_agrees_with_a_reference_computation_on_random_scores(app, dept, rubric, seed):
    with app.app_context():
        world = AwardWorld.build(dept, **({"rubric": rubric} if rubric else {}))
        extra = [
            nominations.nominate(
                world.cycle, person(dept, f"Nominee {n}", "CARD"), "Strong.", actor(dept, "outsider"), OPEN, at(OPEN)
            ).id
            for n in range(5)
        ]
        members = [dept.ids[role] for role in ("award_committee", "other_mentor", "director")]
        for n in range(5):
            members.append(person(dept, f"Member {n}"))
            committee.add_member(world.cycle, members[-1], actor(dept, "admin"), at(OPEN))
        db.session.commit()
        world.to("review")
        text = definitions.rubric_text(world.award)
        rng = random.Random(seed)
        nomination_ids = sorted([*world.nomination_ids.values(), *extra])
        unreviewed = nomination_ids[-1]
        solo, flat = members[3], members[4]  # scores once; gives everyone the same
        for member in members:
            for nomination_id in nomination_ids:
                target = db.session.get(Nomination, nomination_id)
                if nomination_id == unreviewed or recusal.recused(target, member):
                    continue
                if member == solo and nomination_id != nomination_ids[0]:
                    continue
                if member not in (solo, flat, members[5]) and rng.random() < 0.2:
                    continue
                values = (
                    {c.id: text.low + 1 for c in text.criteria}
                    if member == flat
                    else {c.id: rng.randint(text.low, text.high) for c in text.criteria}
                )
                committee.score(target, load_actor(member), values, "", REVIEW, at(REVIEW))
        db.session.commit()
        # A member who declares a conflict after scoring no longer counts for that nomination.
        assert recusal.own_scores(nomination_ids[1], members[5]) is not None
        recusal.declare(
            db.session.get(Nomination, nomination_ids[1]), load_actor(members[5]), "A co-author.", at(REVIEW)
        )
        db.session.commit()

        rows = committee.ranking_rows(world.cycle)
        assert rows[-1].nomination.id == unreviewed and rows[-1].row.reviews == 0
        assert_matches_reference(world, rows)
        assert_matches_reference(world, committee.ranking_rows(world.cycle, actor(dept, "admin")))

        # A recused reader sees the others ranked as if the nominee they are recused from did
        # not exist (positions 1, 2, 3 … among them), and that nominee last, with no numbers.
        recused_from = world.nomination_ids["other_mentee"]
        seen = committee.ranking_rows(world.cycle, actor(dept, "other_mentor"))
        assert (seen[-1].nomination.id, seen[-1].row, seen[-1].recused) == (recused_from, None, [MENTORSHIP])
        assert_matches_reference(world, seen[:-1], without=frozenset({recused_from}))


def test_who_sees_the_ranking_and_when(app, dept):
    with app.app_context():
        world = AwardWorld.build(dept)
        assert committee.may_see_ranking(world.cycle, actor(dept, "admin"))
        with pytest.raises(NotFound):  # members see it once nominations close
            committee.ranking_rows(world.cycle, actor(dept, "award_committee"))
        world.to("closed")
        assert [r.row.reviews for r in committee.ranking_rows(world.cycle, actor(dept, "award_committee"))] == [0, 0, 0]
        for role in ("outsider", "mentor", "mentee"):  # a nominee and a nominator are not the committee
            with pytest.raises(NotFound):
                committee.ranking_rows(world.cycle, actor(dept, role))


# The decision ------------------------------------------------------------------------

SCORES = {
    "mentor": {"impact": 5, "commitment": 5, "quality": 4, "citizenship": 4},
    "other_director": {"impact": 3, "commitment": 3, "quality": 3, "citizenship": 3},
    "other_mentee": {"impact": 2, "commitment": 3, "quality": 3, "citizenship": 2},
}


def reviewed(dept, **settings) -> tuple[AwardWorld, list[int]]:
    """The test award in review, scored; the nomination ids in ranking order."""
    world = AwardWorld.build(dept, **settings)
    world.to("review")
    world.score_all(SCORES)
    order = [r.nomination.id for r in committee.ranking_rows(world.cycle)]
    assert order == [world.nomination_ids[n] for n in ("mentor", "other_director", "other_mentee")]
    return world, order


def decide(world, winners, reasons=None, role="admin", day=AFTER_REVIEW, note=""):
    return decision.decide(world.cycle, winners, reasons or {}, note, actor(world.dept, role), day, at(day))


def test_only_managers_decide_and_only_after_the_review(app, dept):
    with app.app_context():
        world, (top, *_) = reviewed(dept)
        for role in ("award_committee", "director", "mentor"):
            with pytest.raises(Forbidden) as refused:
                decide(world, [top], role=role)
            assert refused.value.errors == {"winners": ["admins only"]}
        with pytest.raises(Conflict) as refused:
            decide(world, [top], day=REVIEW_ENDS)
        assert refused.value.errors == {"winners": ["the cycle is review"]}
        assert decision.decisions(world.cycle_id) == []
        assert decide(world, [top]).version == 1


@pytest.mark.parametrize(
    ("winners", "errors"),
    [
        ([], {"winners": ["must list one or more nomination ids"]}),
        ("1", {"winners": ["must list one or more nomination ids"]}),
        ([True], {"winners": ["must list one or more nomination ids"]}),
        (["1"], {"winners": ["must list one or more nomination ids"]}),
        ([999_999], {"winners": ["999999 is not a nomination of this cycle"]}),
    ],
)
def test_the_winners_must_be_nominations_of_the_cycle(app, dept, winners, errors):
    with app.app_context():
        world, _ = reviewed(dept)
        with pytest.raises(DomainError) as refused:
            decide(world, winners)
        assert refused.value.errors == errors
        assert decision.decisions(world.cycle_id) == []


def test_a_winner_outside_the_top_places_needs_a_reason(app, dept):
    with app.app_context():
        world, (top, second, third) = reviewed(dept)
        with pytest.raises(DomainError) as refused:
            decide(world, [top, second])
        assert refused.value.errors == {"winners": ["must list at most 1 (the award has 1 winner)"]}
        with pytest.raises(DomainError) as refused:
            decide(world, [top, top])
        assert refused.value.errors == {"winners": ["must not list a nomination twice"]}
        for reasons in ({}, {str(second): "   "}, {str(top): "the wrong one"}):
            with pytest.raises(DomainError) as refused:
                decide(world, [second], reasons)
            assert refused.value.errors == {
                f"reasons.{second}": ["is required: the ranking placed this nominee 2, outside the top 1"]
            }
        assert decision.decisions(world.cycle_id) == []

        first = decide(world, [second], {str(second): " Her letters told more than the scores. "}, note="Unanimous.")
        db.session.commit()
        [winner] = first.winners
        assert (winner.nomination_id, winner.position, winner.ranked_position, winner.reason) == (
            second,
            1,
            2,
            "Her letters told more than the scores.",
        )
        assert (first.version, first.note, first.decided_by_id) == (1, "Unanimous.", dept.ids["admin"])
        # Reasons may be keyed by the id as a number, too.
        assert decide(world, [third], {third: "Reconsidered."}).winners[0].reason == "Reconsidered."


def test_with_two_places_the_top_two_need_no_reason(app, dept):
    with app.app_context():
        world, (top, second, third) = reviewed(dept, winners=2)
        decision = decide(world, [second, top])
        assert [(w.nomination_id, w.position, w.ranked_position, w.reason) for w in decision.winners] == [
            (second, 1, 2, None),
            (top, 2, 1, None),
        ]
        with pytest.raises(DomainError) as refused:
            decide(world, [top, third])
        assert refused.value.errors == {
            f"reasons.{third}": ["is required: the ranking placed this nominee 3, outside the top 2"]
        }
        with pytest.raises(DomainError) as refused:
            decide(world, [top, second, third])
        assert refused.value.errors == {"winners": ["must list at most 2 (the award has 2 winners)"]}


def test_decisions_are_versioned_with_their_ranking_until_the_announcement(app, dept):
    with app.app_context():
        world, (top, second, _) = reviewed(dept)
        snapshot = committee.ranking_snapshot(committee.ranking_rows(world.cycle))
        assert [row["position"] for row in snapshot] == [1, 2, 3]
        first = decide(world, [top])
        db.session.commit()
        assert json.loads(first.ranking) == snapshot
        assert json.loads(first.ranking)[0] == {
            "nomination_id": top,
            "nominee": "Mentor Person",
            "position": 1,
            "reviews": 3,
            "reviewers": 3,
            "raw_mean": snapshot[0]["raw_mean"],
            "normalised_mean": snapshot[0]["normalised_mean"],
            "spread": snapshot[0]["spread"],
        }
        assert world.cycle.phase == "review"  # before the decision date the cycle waits for it
        decide(world, [second], {str(second): "Second thoughts."}, day=AFTER_REVIEW + timedelta(days=1))
        db.session.commit()
        world.to("decided")
        third = decide(world, [top], day=DAYS["decided"] + timedelta(days=1))
        db.session.commit()
        assert [d.version for d in decision.decisions(world.cycle_id)] == [1, 2, 3]
        assert phases.latest_decision(world.cycle_id).id == third.id
        assert [[w.nomination_id for w in d.winners] for d in decision.decisions(world.cycle_id)] == [
            [top],
            [second],
            [top],
        ]
        assert db.session.scalar(select(func.count()).select_from(DecisionWinner)) == 3
        assert all(json.loads(d.ranking) == snapshot for d in db.session.scalars(select(Decision)))

        world.to("announced")
        with pytest.raises(Conflict) as refused:
            decide(world, [second], {str(second): "Too late."}, day=DAYS["announced"])
        assert refused.value.errors == {"winners": ["the cycle is announced"]}
        assert len(decision.decisions(world.cycle_id)) == 3
