"""Metric definitions are data: the shipped set covers the study's levels and components,
a department adds, replaces or switches off its own, and a broken file is refused whole."""

import json

import pytest

from recognition.metrics import definitions
from recognition.metrics.definitions import COMPONENTS, LEVELS, DefinitionError, load
from recognition.metrics.measures import MEASURES as COMPUTED


def test_shipped_metrics_cover_every_level_and_component():
    metrics = load(5, 3)
    assert {m.level for m in metrics.values()} == set(LEVELS)
    assert {m.component for m in metrics.values()} == set(COMPONENTS)
    # In the study's order of levels.
    levels = [m.level for m in metrics.values()]
    assert levels == sorted(levels, key=list(LEVELS).index)
    for metric in metrics.values():
        assert metric.title and metric.definition and metric.formula
        assert metric.min_cell == 5
    assert metrics["lapsed_relationships"].params == {"months": 12}


def _instance(tmp_path, *files):
    folder = tmp_path / "metrics"
    folder.mkdir()
    for number, content in enumerate(files):
        (folder / f"{number}.json").write_text(content if isinstance(content, str) else json.dumps(content))
    return tmp_path


LAPSED_6 = {
    "id": "lapsed_6_months",
    "level": "relationship",
    "component": "relationship_maintenance",
    "title": "Lapsed after six months",
    "definition": "Open mentorships with no confirmed meeting in six months.",
    "formula": "open mentorships with no confirmed meeting in 6 months / open mentorships",
    "unit": "percent",
    "measure": "lapsed",
    "params": {"months": 6},
    "min_cell": 8,
}


def test_a_department_adds_replaces_and_switches_off(tmp_path):
    replaced = {**LAPSED_6, "id": "mentor_pool", "level": "department", "measure": "mentor_pool", "params": {}}
    path = _instance(tmp_path, {"metrics": [LAPSED_6, replaced, {"id": "mentor_pool_race", "enabled": False}]})
    metrics = load(5, 3, path)
    assert metrics["lapsed_6_months"].params == {"months": 6}
    assert metrics["lapsed_6_months"].min_cell == 8
    assert metrics["mentor_pool"].title == "Lapsed after six months"
    assert "mentor_pool_race" not in metrics
    assert "mentor_pool_gender" in metrics


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level": "faculty"}, "level must be one of relationship, department, academic_medicine"),
        ({"component": "fun"}, "component must be one of"),
        ({"measure": "happiness"}, "measure must be one of"),
        ({"unit": "furlongs"}, "unit must be one of"),
        ({"title": " "}, "title must be a non-empty string"),
        ({"min_cell": 2}, "min_cell must be a whole number of at least the feedback k (3); got 2"),
        ({"min_cell": True}, "min_cell must be a whole number"),
        ({"params": {"months": 0}}, "params.months must be between 1 and 60 (got 0)"),
        ({"params": {"months": "6"}}, "params.months must be a whole number"),
        ({"params": {"weeks": 6}}, "unknown parameter(s) weeks (this measure takes months)"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"enabled": "yes"}, "enabled must be true or false"),
        ({"id": "no spaces"}, "a metric's id must be letters, digits and underscores"),
    ],
)
def test_a_broken_metric_is_refused_naming_file_metric_and_rule(tmp_path, change, message):
    path = _instance(tmp_path, {"metrics": [{**LAPSED_6, **change}]})
    with pytest.raises(DefinitionError) as raised:
        load(5, 3, path)
    assert message in str(raised.value)
    assert "0.json" in str(raised.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot be read as JSON"),
        ({"metric": []}, 'must be an object with a list "metrics"'),
        ({"metrics": [], "extra": 1}, "unknown field(s) extra"),
        ({"metrics": [LAPSED_6, LAPSED_6]}, "the id is used twice in this file"),
        ({"metrics": [{"id": "nothing_here", "enabled": False}]}, "there is no such metric to switch off"),
        ({"metrics": [{"id": "mentor_pool", "enabled": True}]}, '"enabled" alone must be false'),
    ],
)
def test_a_broken_file_is_refused(tmp_path, content, message):
    with pytest.raises(DefinitionError, match=r"0\.json") as raised:
        load(5, 3, _instance(tmp_path, content))
    assert message in str(raised.value)


def test_the_smallest_cell_never_goes_below_k():
    with pytest.raises(DefinitionError, match="at least the feedback k"):
        load(2, 3)
    assert all(m.min_cell == 7 for m in load(7, 3).values())


def test_every_measure_default_is_valid():
    for measure, params in definitions.MEASURES.items():
        for name, param in params.items():
            assert isinstance(param.default, param.kind), (measure, name)
            assert not param.choices or param.default in param.choices


def test_every_measure_a_file_may_name_is_computed():
    assert set(definitions.MEASURES) == set(COMPUTED)
