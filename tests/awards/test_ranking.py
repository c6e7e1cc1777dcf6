"""How rubric scores rank nominations: hand-computed tables and a reference computation."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recognition.awards.committee.ranking import Criterion, Row, Rubric, ScoreSet, rank, weighted

MERIT = Rubric((Criterion("merit", 1),), low=1, high=10)
IMPACT = Rubric((Criterion("impact", 3), Criterion("feasibility", 1)), low=1, high=5)


def sets(rubric, table):
    """Score sets from {(reviewer, nomination): score or (score, ...)} in criterion order."""
    out = []
    for (reviewer, nomination), scores in table.items():
        scores = scores if isinstance(scores, tuple) else (scores,)
        out.append(ScoreSet(reviewer, nomination, dict(zip((c.id for c in rubric.criteria), scores))))
    return out


def check(rows, expected):
    """expected: (nomination, raw, normalised, reviews, spread) in ranking order."""
    assert [row.nomination for row in rows] == [e[0] for e in expected]
    ranked = sum(1 for e in expected if e[3])
    assert [row.position for row in rows] == [*range(1, ranked + 1), *[None] * (len(expected) - ranked)]
    for row, (nomination, raw, normalised, reviews, spread) in zip(rows, expected):
        assert row.reviews == reviews, nomination
        for got, want in ((row.raw_mean, raw), (row.normalised_mean, normalised), (row.spread, spread)):
            assert got == (None if want is None else pytest.approx(want, abs=1e-12)), nomination


@pytest.mark.parametrize(
    ("rubric", "scores", "expected"),
    [
        (IMPACT, {"impact": 5, "feasibility": 1}, 4.0),  # (3*5 + 1*1) / 4
        (IMPACT, {"impact": 1, "feasibility": 5}, 2.0),
        (IMPACT, {"impact": 4, "feasibility": 4}, 4.0),
        (IMPACT, {"impact": 2, "feasibility": 3}, 2.25),
        (IMPACT, {"impact": 1, "feasibility": 1}, 1.0),  # the scale's ends are allowed
        (IMPACT, {"impact": 5, "feasibility": 5}, 5.0),
        (
            Rubric((Criterion("impact", 0.75), Criterion("feasibility", 0.25)), 1, 5),
            {"impact": 2, "feasibility": 3},
            2.25,
        ),
        (Rubric((Criterion("a", 1), Criterion("b", 0)), 1, 5), {"a": 2, "b": 5}, 2.0),  # weight 0 counts for nothing
        (Rubric((Criterion("a", 1), Criterion("b", 1), Criterion("c", 2)), 0, 1), {"a": 0.5, "b": 1, "c": 0.25}, 0.5),
    ],
)
def test_weighted_mean_of_criteria(rubric, scores, expected):
    assert weighted(ScoreSet("r", "n", scores), rubric) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({"impact": 4}, "no score for criterion 'feasibility'"),
        ({"feasibility": 4}, "no score for criterion 'impact'"),
        ({"impact": 6, "feasibility": 4}, "score 6 for criterion 'impact' is outside the scale 1..5"),
        ({"impact": 3, "feasibility": 0}, "score 0 for criterion 'feasibility' is outside the scale 1..5"),
        ({"impact": 3, "feasibility": -2.5}, "criterion 'feasibility' is outside the scale"),
        ({"impact": math.nan, "feasibility": 3}, "criterion 'impact' is outside the scale"),
        ({"impact": True, "feasibility": 3}, "criterion 'impact' is outside the scale"),
        ({"impact": 3, "feasibility": 3, "charm": 5}, "criterion 'charm' is not in the rubric"),
    ],
)
def test_bad_scores_are_refused_naming_the_criterion(scores, message):
    score_set = ScoreSet("dr-a", "nom-1", scores)
    with pytest.raises(ValueError, match="reviewer 'dr-a' on nomination 'nom-1'") as refused:
        weighted(score_set, IMPACT)
    assert message in str(refused.value)
    with pytest.raises(ValueError, match="criterion"):
        rank(IMPACT, [score_set], ["nom-1"])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Rubric((Criterion("a", 1),), 5, 5), "low must be below high"),
        (lambda: Rubric((Criterion("a", 1),), 5, 1), "low must be below high"),
        (lambda: Rubric((Criterion("a", -1), Criterion("b", 2)), 1, 5), "criterion 'a' has weight -1"),
        (lambda: Rubric((Criterion("a", 0), Criterion("b", 0)), 1, 5), "at least one criterion with a positive weight"),
        (lambda: Rubric((), 1, 5), "at least one criterion with a positive weight"),
        (lambda: Rubric((Criterion("a", 1), Criterion("a", 2)), 1, 5), "only once"),
    ],
)
def test_bad_rubrics_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("score_sets", "nominations", "message"),
    [
        (sets(MERIT, {("r", "x"): 5}), ["y"], "reviewer 'r' scored nomination 'x', which is not being ranked"),
        (sets(MERIT, {("r", "x"): 5}) * 2, ["x"], "reviewer 'r' has two score sets for nomination 'x'"),
        ([], ["x", "y", "x"], "only once"),
    ],
)
def test_inconsistent_input_is_refused(score_sets, nominations, message):
    with pytest.raises(ValueError, match=message):
        rank(MERIT, score_sets, nominations)


def test_a_harsh_reviewers_top_pick_beats_a_lenient_reviewers_bottom_one():
    # lenient L: C=9, A=7 (z +1, -1); harsh H: B=4, D=2 (z +1, -1). Raw order would be C A B D.
    scores = sets(MERIT, {("L", "A"): 7, ("L", "C"): 9, ("H", "B"): 4, ("H", "D"): 2})
    check(
        rank(MERIT, scores, ["A", "B", "C", "D"]),
        [
            ("C", 9, 1, 1, 0),  # ties B on normalised mean; the higher raw mean goes first
            ("B", 4, 1, 1, 0),
            ("A", 7, -1, 1, 0),
            ("D", 2, -1, 1, 0),
        ],
    )


def test_a_wide_spread_reviewer_does_not_decide_when_both_score_everything():
    # L: X=10 Y=1 Z=1, mean 4, sd 3*sqrt(2): z = sqrt(2), -1/sqrt(2), -1/sqrt(2)
    # H: X=1  Y=3 Z=2, mean 2, sd sqrt(2/3): z = -sqrt(3/2), sqrt(3/2), 0
    scores = sets(MERIT, {("L", "X"): 10, ("L", "Y"): 1, ("L", "Z"): 1, ("H", "X"): 1, ("H", "Y"): 3, ("H", "Z"): 2})
    check(
        rank(MERIT, scores, ["X", "Y", "Z"]),
        [
            ("Y", 2.0, (math.sqrt(1.5) - 1 / math.sqrt(2)) / 2, 2, 1.0),  # 0.2588
            ("X", 5.5, (math.sqrt(2) - math.sqrt(1.5)) / 2, 2, 4.5),  # 0.0947: first on raw, second here
            ("Z", 1.5, -1 / (2 * math.sqrt(2)), 2, 0.5),
        ],
    )


def test_weights_decide_between_nominations_with_equal_plain_means():
    # Both average 3 over the two criteria; impact weighs three times as much.
    scores = sets(IMPACT, {("r", "low-impact"): (2, 4), ("r", "high-impact"): (4, 2)})
    # weighted 2.5 and 3.5: mean 3, sd 0.5, z -1 and +1
    check(
        rank(IMPACT, scores, ["low-impact", "high-impact"]),
        [
            ("high-impact", 3.5, 1, 1, 0),
            ("low-impact", 2.5, -1, 1, 0),
        ],
    )


def test_one_review_and_zero_spread_reviewers_contribute_zero():
    # S scored once; F gave everything 3 (zero spread): both contribute z = 0. R: N1=4, N2=2, z +1, -1.
    scores = sets(MERIT, {("S", "N1"): 5, ("F", "N1"): 3, ("F", "N2"): 3, ("R", "N1"): 4, ("R", "N2"): 2})
    check(
        rank(MERIT, scores, ["N2", "N1"]),
        [
            ("N1", 4, 1 / 3, 3, math.sqrt(2 / 3)),
            ("N2", 2.5, -1 / 2, 2, 0.5),
        ],
    )


def test_a_reviewer_who_gives_equal_weighted_scores_has_zero_spread():
    # (2, 4) and (3, 1) under weights 3:1 are both 2.5: F's spread is zero even though the scores differ.
    scores = sets(IMPACT, {("F", "a"): (2, 4), ("F", "b"): (3, 1), ("R", "a"): (5, 5), ("R", "b"): (1, 1)})
    check(rank(IMPACT, scores, ["a", "b"]), [("a", 3.75, 0.5, 2, 1.25), ("b", 1.75, -0.5, 2, 0.75)])


def test_the_tie_break_and_nominations_without_reviews():
    # Every reviewer scores once, so every normalised mean is 0 and the raw mean, then the
    # number of reviews, then the id decide; unreviewed nominations come last, by id, unranked.
    scores = sets(MERIT, {("r1", "P"): 3, ("r2", "Q"): 3, ("r3", "Q"): 3, ("r4", "A"): 3, ("r5", "M"): 4})
    check(
        rank(MERIT, scores, ["Z", "P", "Q", "B", "A", "M"]),
        [
            ("M", 4, 0, 1, 0),  # higher raw mean
            ("Q", 3, 0, 2, 0),  # more reviews
            ("A", 3, 0, 1, 0),  # then the id
            ("P", 3, 0, 1, 0),
            ("B", None, None, 0, None),
            ("Z", None, None, 0, None),
        ],
    )


def test_float_noise_does_not_break_an_exact_tie():
    # fmean(0.1, 0.2) is 0.15000000000000002, fmean(0.15, 0.15) is 0.15: tied, so the id decides.
    rubric = Rubric((Criterion("merit", 1),), 0, 1)
    scores = sets(rubric, {("a", "zeta"): 0.1, ("b", "zeta"): 0.2, ("c", "alpha"): 0.15, ("d", "alpha"): 0.15})
    rows = rank(rubric, scores, ["zeta", "alpha"])
    assert [row.nomination for row in rows] == ["alpha", "zeta"]
    assert rows[1].raw_mean > rows[0].raw_mean  # unrounded values are returned


def test_nothing_to_rank():
    assert rank(MERIT, [], []) == []
    assert rank(MERIT, [], ["x"]) == [Row("x", None, None, 0, None, None)]


# A nominee with one glowing review must not outrank better-covered ones when the award
# asks for more reviews: below the minimum, no position, after the ranked ones, by id.
@pytest.mark.parametrize(
    ("minimum", "order", "positions"),
    [
        (1, ["solo", "pair", "trio", "none"], [1, 2, 3, None]),
        (2, ["pair", "trio", "none", "solo"], [1, 2, None, None]),
        (3, ["trio", "none", "pair", "solo"], [1, None, None, None]),
        (4, ["none", "pair", "solo", "trio"], [None, None, None, None]),
    ],
)
def test_a_minimum_number_of_reviews_before_a_nominee_is_ranked(minimum, order, positions):
    scores = sets(
        MERIT,
        {
            ("r1", "solo"): 10,
            ("r1", "pair"): 6,
            ("r2", "pair"): 7,
            ("r1", "trio"): 2,
            ("r2", "trio"): 3,
            ("r3", "trio"): 5,
        },
    )
    rows = rank(MERIT, scores, ["trio", "solo", "pair", "none"], min_reviews=minimum)
    assert [(row.nomination, row.position) for row in rows] == list(zip(order, positions))
    assert {row.nomination: row.reviews for row in rows} == {"solo": 1, "pair": 2, "trio": 3, "none": 0}


@pytest.mark.parametrize("minimum", [0, -1, 1.5, True, None])
def test_the_minimum_number_of_reviews_is_a_whole_number_of_one_or_more(minimum):
    with pytest.raises(ValueError, match="minimum number of reviews"):
        rank(MERIT, [], ["x"], min_reviews=minimum)


# The reference: the definitions written out with explicit loops, sharing nothing with the module.


def reference(criteria, low, high, table, nominations):
    total_weight = sum(weight for _, weight in criteria)
    per_reviewer = {}
    for (reviewer, nomination), scores in table.items():
        value = 0.0
        for (_criterion, weight), score in zip(criteria, scores):
            assert low <= score <= high
            value += weight * score
        per_reviewer.setdefault(reviewer, {})[nomination] = value / total_weight
    raw, zs = {n: [] for n in nominations}, {n: [] for n in nominations}
    for scored in per_reviewer.values():
        values = list(scored.values())
        mean = sum(values) / len(values)
        sd = statistics.pstdev(values)
        flat = len(values) == 1 or max(values) == min(values)
        for nomination, value in scored.items():
            raw[nomination].append(value)
            zs[nomination].append(0.0 if flat else (value - mean) / sd)
    rows = []
    for n in nominations:
        if raw[n]:
            rows.append((n, sum(raw[n]) / len(raw[n]), sum(zs[n]) / len(zs[n]), len(raw[n]), statistics.pstdev(raw[n])))
        else:
            rows.append((n, None, None, 0, None))
    reviewed = sorted((r for r in rows if r[3]), key=lambda r: r[0])
    # stable sorts from the least significant key: reviews, then raw, then normalised (9 places)
    reviewed.sort(key=lambda r: r[3], reverse=True)
    reviewed.sort(key=lambda r: round(r[1], 9), reverse=True)
    reviewed.sort(key=lambda r: round(r[2], 9), reverse=True)
    return reviewed + sorted((r for r in rows if not r[3]), key=lambda r: r[0])


@st.composite
def committees(draw):
    low = draw(st.integers(0, 3))
    high = draw(st.integers(low + 1, low + 9))
    weights = draw(st.lists(st.integers(0, 5), min_size=1, max_size=4).filter(any))
    criteria = [(f"c{i}", weight) for i, weight in enumerate(weights)]
    reviewers = [f"r{i}" for i in range(draw(st.integers(1, 6)))]
    nominations = draw(st.permutations([f"n{i}" for i in range(draw(st.integers(1, 8)))]))
    score = st.integers(low, high)
    table = {}
    for reviewer in reviewers:
        for nomination in nominations:
            if draw(st.booleans()):
                table[reviewer, nomination] = tuple(draw(score) for _ in criteria)
    return criteria, low, high, table, nominations


@settings(max_examples=300, deadline=None)
@given(committees())
def test_rank_agrees_with_a_reference_computation(committee):
    criteria, low, high, table, nominations = committee
    rubric = Rubric(tuple(Criterion(c, w) for c, w in criteria), low, high)
    rows = rank(rubric, sets(rubric, table), nominations)
    expected = reference(*committee)
    assert [row.nomination for row in rows] == [e[0] for e in expected]
    reviewed = sum(1 for e in expected if e[3])
    assert [row.position for row in rows] == [*range(1, reviewed + 1), *[None] * (len(nominations) - reviewed)]
    for row, (_, raw, normalised, reviews, spread) in zip(rows, expected):
        assert row.reviews == reviews
        for got, want in ((row.raw_mean, raw), (row.normalised_mean, normalised), (row.spread, spread)):
            assert (got is None) == (want is None)
            if want is not None:
                assert abs(got - want) <= 1e-9
