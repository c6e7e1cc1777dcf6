"""How a committee's rubric scores rank the nominations: pure functions.

Order of computation, fixed so that the same scores always give the same ranking:

1. Each score set (one per reviewer per nomination) becomes one weighted score: the
   weighted mean of its criterion scores, weights normalised to sum 1. A missing score, a
   score for a criterion not in the rubric, or one outside the scale ``low..high`` is
   refused with a ``ValueError`` naming the criterion. The weighted score is computed
   exactly and rounded once to a float, so equal scores always give equal floats.
2. Per-reviewer normalisation: each reviewer's weighted scores, across the nominations
   they scored, become z-scores (``(score - mean) / sd``, population sd), so a harsh or a
   lenient reviewer does not decide the result. A reviewer with a single score set, or
   whose weighted scores are all equal (zero spread), tells us nothing about relative merit
   and contributes z = 0 to each nomination they scored.
3. Per nomination: the raw mean of its weighted scores, the normalised mean (mean of its
   z-scores), the number of reviews and their spread (population sd of the weighted scores;
   0 with one review).
4. Order: normalised mean desc, then raw mean desc, then number of reviews desc, then
   nomination id asc. Means are compared to ``PLACES`` decimal places, so float noise in the
   last bits never turns an exact tie into an order; the values returned are not rounded.
   Positions are strict, 1..k, in that order: the id makes every tie deterministic.
5. Coverage: a nomination with fewer reviews than ``min_reviews`` (the award's minimum,
   at least 1) is not ranked: it has no position (``None``) and comes after the ranked
   ones, by id, whatever its scores. Nominations without reviews are never ranked (means
   and spread ``None``). Its scores still count in each reviewer's z-scores, since they
   are part of how that reviewer scores.

A reader who may not see some nominations (recused, or the nominee) is given a ranking
computed as if those nominations did not exist: ``rank`` over the nominations they may
see and only those nominations' score sets, so nothing the reader sees depends on the
hidden scores.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

PLACES = 9  # means equal to this many decimal places count as tied when ordering


@dataclass(frozen=True)
class Criterion:
    id: str
    weight: float


@dataclass(frozen=True)
class Rubric:
    criteria: tuple[Criterion, ...]
    low: float
    high: float

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"the scale {self.low}..{self.high} is empty: low must be below high")
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError("each criterion may appear only once in a rubric")
        for criterion in self.criteria:
            if not criterion.weight >= 0:
                raise ValueError(f"criterion {criterion.id!r} has weight {criterion.weight}: weights must be 0 or more")
        if not sum(c.weight for c in self.criteria) > 0:
            raise ValueError("a rubric needs at least one criterion with a positive weight")


@dataclass(frozen=True)
class ScoreSet:
    reviewer: Hashable
    nomination: Hashable
    scores: Mapping[str, float]


@dataclass(frozen=True)
class Row:
    nomination: Hashable
    raw_mean: float | None  # mean of the weighted scores
    normalised_mean: float | None  # mean of the reviewers' z-scores
    reviews: int
    spread: float | None  # population sd of the weighted scores; 0 with one review
    position: int | None  # None: not ranked (fewer reviews than the minimum)


@dataclass(frozen=True)
class Point:
    """One reviewer's score of one nomination: weighted, and as that reviewer's z-score."""

    reviewer: Hashable
    weighted: float
    z: float


def points(rubric: Rubric, score_sets: Iterable[ScoreSet]) -> dict[Hashable, list[Point]]:
    """Each nomination's reviews as ``rank`` counts them, by reviewer: what the dot plot of
    the ranking draws. Reviewers are ordered as they sort."""
    by_reviewer: dict[Hashable, dict[Hashable, float]] = defaultdict(dict)
    for score_set in score_sets:
        by_reviewer[score_set.reviewer][score_set.nomination] = weighted(score_set, rubric)
    found: dict[Hashable, list[Point]] = defaultdict(list)
    for reviewer in sorted(by_reviewer, key=repr):
        scores = by_reviewer[reviewer]
        for nomination, z in z_scores(scores).items():
            found[nomination].append(Point(reviewer, scores[nomination], z))
    return dict(found)


def weighted(score_set: ScoreSet, rubric: Rubric) -> float:
    """The weighted mean of one score set's criterion scores, refusing a bad or missing score."""
    where = f"reviewer {score_set.reviewer!r} on nomination {score_set.nomination!r}"
    known = {c.id for c in rubric.criteria}
    for criterion_id in score_set.scores:
        if criterion_id not in known:
            raise ValueError(f"{where}: criterion {criterion_id!r} is not in the rubric")
    total = Fraction(0)
    for criterion in rubric.criteria:
        if criterion.id not in score_set.scores:
            raise ValueError(f"{where}: no score for criterion {criterion.id!r}")
        score = score_set.scores[criterion.id]
        if isinstance(score, bool) or not rubric.low <= score <= rubric.high:
            raise ValueError(
                f"{where}: score {score!r} for criterion {criterion.id!r} is outside the scale "
                f"{rubric.low}..{rubric.high}"
            )
        total += Fraction(criterion.weight) * Fraction(score)
    return float(total / sum(Fraction(c.weight) for c in rubric.criteria))


def z_scores(weights: Mapping[Hashable, float]) -> dict[Hashable, float]:
    """One reviewer's weighted scores by nomination, as z-scores; all 0 with one score or zero spread."""
    values = list(weights.values())
    if len(set(values)) <= 1:
        return dict.fromkeys(weights, 0.0)
    mean = statistics.mean(values)
    sd = statistics.pstdev(values)
    return {nomination: (value - mean) / sd for nomination, value in weights.items()}


def _key(row: Row, min_reviews: int) -> tuple:
    if row.reviews < min_reviews:
        return (1, 0.0, 0.0, 0, row.nomination)
    # A row with at least the minimum of reviews (one or more) has both means.
    assert row.normalised_mean is not None and row.raw_mean is not None
    return (0, -round(row.normalised_mean, PLACES), -round(row.raw_mean, PLACES), -row.reviews, row.nomination)


def rank(
    rubric: Rubric, score_sets: Iterable[ScoreSet], nominations: Iterable[Hashable], min_reviews: int = 1
) -> list[Row]:
    """One row per nomination, in ranking order (see the module docstring for the rules)."""
    if isinstance(min_reviews, bool) or not isinstance(min_reviews, int) or min_reviews < 1:
        raise ValueError(f"the minimum number of reviews must be a whole number of 1 or more, not {min_reviews!r}")
    nominations = list(nominations)
    if len(set(nominations)) != len(nominations):
        raise ValueError("each nomination may appear only once")
    listed = set(nominations)
    by_reviewer: dict[Hashable, dict[Hashable, float]] = defaultdict(dict)
    for score_set in score_sets:
        if score_set.nomination not in listed:
            raise ValueError(
                f"reviewer {score_set.reviewer!r} scored nomination {score_set.nomination!r}, which is not being ranked"
            )
        if score_set.nomination in by_reviewer[score_set.reviewer]:
            raise ValueError(
                f"reviewer {score_set.reviewer!r} has two score sets for nomination {score_set.nomination!r}"
            )
        by_reviewer[score_set.reviewer][score_set.nomination] = weighted(score_set, rubric)

    raw: dict[Hashable, list[float]] = defaultdict(list)
    normalised: dict[Hashable, list[float]] = defaultdict(list)
    for scores in by_reviewer.values():
        for nomination, z in z_scores(scores).items():
            raw[nomination].append(scores[nomination])
            normalised[nomination].append(z)

    rows = []
    for nomination in nominations:
        values = raw.get(nomination, [])
        if not values:
            rows.append(Row(nomination, None, None, 0, None, 0))
            continue
        rows.append(
            Row(
                nomination,
                statistics.fmean(values),
                statistics.fmean(normalised[nomination]),
                len(values),
                statistics.pstdev(values),
                0,
            )
        )
    rows.sort(key=lambda row: _key(row, min_reviews))
    ranked = [row for row in rows if row.reviews >= min_reviews]
    return [Row(**{**row.__dict__, "position": position}) for position, row in enumerate(ranked, start=1)] + [
        Row(**{**row.__dict__, "position": None}) for row in rows[len(ranked) :]
    ]
