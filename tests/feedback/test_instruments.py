"""Instruments as versioned data: the shipped ones, answer validation per instrument,
instance-folder versions, and the rule that a version with responses never changes."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from recognition.extensions import db
from recognition.feedback import instruments, service
from recognition.feedback.instruments import InstrumentError, answer_problems, load_all, parse
from recognition.feedback.models import Instrument as StoredInstrument

from .conftest import every_item

SHIPPED = load_all()
EFFECTIVENESS = SHIPPED[("mentor-effectiveness", 1)]
COMPETENCY = SHIPPED[("mentoring-competency", 1)]


def definition(instrument) -> dict:
    return json.loads(instrument.definition)


def without_not_applicable(instrument):
    data = definition(instrument)
    data["scale"]["not_applicable"] = False
    return parse(json.dumps(data))


# The shipped instruments ----------------------------------------------------------------


def test_both_shipped_instruments_load_from_the_package():
    assert set(SHIPPED) == {("mentor-effectiveness", 1), ("mentoring-competency", 1)}
    assert instruments.latest(SHIPPED, instruments.DEFAULT_KEY) is EFFECTIVENESS


def test_the_effectiveness_scale_has_twelve_items_on_a_six_point_agree_scale_with_not_applicable():
    assert len(EFFECTIVENESS.items) == 12
    assert (EFFECTIVENESS.scale_min, EFFECTIVENESS.scale_max) == (1, 6)
    assert EFFECTIVENESS.labels[0] == "Strongly disagree" and EFFECTIVENESS.labels[-1] == "Strongly agree"
    assert len(EFFECTIVENESS.labels) == 6
    assert EFFECTIVENESS.not_applicable
    # The behaviours DOMAIN.md lists (Berk et al. 2005), one item each.
    assert {item.id for item in EFFECTIVENESS.items} == {
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
    }
    assert all(item.text.strip() for item in EFFECTIVENESS.items)
    assert [p.max_length for p in EFFECTIVENESS.prompts] == [1000, 1000]


def test_the_competency_instrument_is_shorter_and_has_its_own_scale():
    assert 0 < len(COMPETENCY.items) < len(EFFECTIVENESS.items)
    assert len(COMPETENCY.labels) == COMPETENCY.scale_max - COMPETENCY.scale_min + 1
    assert COMPETENCY.not_applicable
    assert COMPETENCY.prompts


@pytest.mark.parametrize("instrument", [EFFECTIVENESS, COMPETENCY], ids=lambda i: i.ref)
def test_labels_name_each_point_low_to_high(instrument):
    assert instrument.label(instrument.scale_min) == instrument.labels[0]
    assert instrument.label(instrument.scale_max) == instrument.labels[-1]


# Answer validation, per instrument --------------------------------------------------------


def case(instrument, name, change_answers=None, comments=None, expected=None):
    """(instrument, answers, comments, {field: rule fragment}) for one rule."""
    answers = every_item(instrument, instrument.scale_min)
    if change_answers:
        change_answers(answers)
    return pytest.param(instrument, answers, comments or {}, expected or {}, id=f"{instrument.key}-{name}")


def cases_for(instrument):
    first = instrument.items[0].id
    prompt = instrument.prompts[0]
    scale = f"must be a whole number from {instrument.scale_min} to {instrument.scale_max} or null (not applicable)"

    def setting(value):
        return lambda answers: answers.__setitem__(first, value)

    return [
        case(instrument, "lowest-point-ok"),
        case(instrument, "highest-point-ok", setting(instrument.scale_max)),
        case(instrument, "every-item-not-applicable-ok", lambda a: a.update(every_item(instrument, None))),
        case(
            instrument,
            "missing-item",
            lambda a: a.pop(first),
            expected={f"answers.{first}": "is required (choose a point on the scale or not applicable)"},
        ),
        case(instrument, "below-range", setting(instrument.scale_min - 1), expected={f"answers.{first}": scale}),
        case(instrument, "above-range", setting(instrument.scale_max + 1), expected={f"answers.{first}": scale}),
        case(instrument, "bool-is-not-a-point", setting(True), expected={f"answers.{first}": scale}),
        case(
            instrument,
            "float-is-not-a-point",
            setting(float(instrument.scale_min)),
            expected={f"answers.{first}": scale},
        ),
        case(
            instrument,
            "string-is-not-a-point",
            setting(str(instrument.scale_min)),
            expected={f"answers.{first}": scale},
        ),
        case(
            instrument,
            "unknown-item",
            lambda a: a.__setitem__("telepathy", 3),
            expected={"answers.telepathy": "is not an item of this instrument"},
        ),
        case(
            instrument,
            "unknown-prompt",
            comments={"gossip": "hello"},
            expected={"comments.gossip": "is not a comment prompt of this instrument"},
        ),
        case(instrument, "comment-at-limit-ok", comments={prompt.id: "x" * prompt.max_length}),
        case(
            instrument,
            "comment-too-long",
            comments={prompt.id: "x" * (prompt.max_length + 1)},
            expected={f"comments.{prompt.id}": f"must be at most {prompt.max_length} characters"},
        ),
        case(
            instrument, "comment-not-text", comments={prompt.id: 42}, expected={f"comments.{prompt.id}": "must be text"}
        ),
        case(instrument, "blank-comment-ok", comments={prompt.id: ""}),
        case(
            instrument,
            "several-problems-named-together",
            lambda a: (a.pop(first), a.__setitem__(instrument.items[1].id, 0)),
            comments={prompt.id: "x" * (prompt.max_length + 1)},
            expected={
                f"answers.{first}": "is required",
                f"answers.{instrument.items[1].id}": scale,
                f"comments.{prompt.id}": "must be at most",
            },
        ),
    ]


@pytest.mark.parametrize(
    ("instrument", "answers", "comments", "expected"), cases_for(EFFECTIVENESS) + cases_for(COMPETENCY)
)
def test_answer_validation(instrument, answers, comments, expected):
    problems = answer_problems(instrument, answers, comments)
    assert set(problems) == set(expected)
    for field, rule in expected.items():
        assert len(problems[field]) == 1 and problems[field][0].startswith(rule), problems[field]


@pytest.mark.parametrize("instrument", [EFFECTIVENESS, COMPETENCY], ids=lambda i: i.ref)
def test_not_applicable_is_refused_where_the_instrument_has_no_such_answer(instrument):
    strict = without_not_applicable(instrument)
    answers = every_item(strict, strict.scale_min) | {strict.items[0].id: None}
    assert answer_problems(strict, answers, {}) == {
        f"answers.{strict.items[0].id}": ["must be on the scale; this instrument has no not-applicable answer"],
    }
    missing = every_item(strict, strict.scale_min)
    missing.pop(strict.items[0].id)
    assert answer_problems(strict, missing, {})[f"answers.{strict.items[0].id}"] == [
        "is required (choose a point on the scale)"
    ]
    wrong = every_item(strict, strict.scale_max + 1)
    rule = f"must be a whole number from {strict.scale_min} to {strict.scale_max}"
    assert answer_problems(strict, wrong, {}) == {f"answers.{item.id}": [rule] for item in strict.items}


# Parsing a definition ------------------------------------------------------------------------


def broken(**changes) -> str:
    data = definition(COMPETENCY)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        pytest.param("{not json", "not a valid instrument", id="not-json"),
        pytest.param(broken(items=None), "not a valid instrument", id="no-items-key"),
        pytest.param(broken(key="bad key!"), "key must be letters, digits and - only", id="bad-key"),
        pytest.param(broken(version=0), "version must be ≥ 1", id="version-zero"),
        pytest.param(
            broken(scale={"min": 1, "max": 1, "labels": ["only"]}), "the scale needs 2–11 points", id="one-point"
        ),
        pytest.param(broken(scale={"min": 1, "max": 3, "labels": ["a", "b"]}), "one label each", id="labels-short"),
        pytest.param(broken(items=[]), "items are required", id="no-items"),
        pytest.param(
            broken(items=[{"id": "a", "text": "A"}, {"id": "a", "text": "B"}]), "must be unique", id="duplicate-item"
        ),
    ],
)
def test_a_broken_definition_is_refused_with_its_rule(text, rule):
    with pytest.raises(InstrumentError, match="^broken.json: .*" + rule.replace("(", r"\(")):
        parse(text, "broken.json")


def test_the_content_hash_ignores_layout_but_not_content():
    data = definition(COMPETENCY)
    assert parse(json.dumps(data, indent=8)).content_hash == COMPETENCY.content_hash
    data["items"][0]["text"] = "Reworded."
    assert parse(json.dumps(data)).content_hash != COMPETENCY.content_hash


# The instance folder -------------------------------------------------------------------------


def write(folder, name: str, data: dict) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(json.dumps(data), encoding="utf-8")


def test_an_instance_folder_instrument_adds_a_version(tmp_path):
    data = definition(EFFECTIVENESS) | {"version": 2, "title": "Mentor effectiveness (2027)"}
    write(tmp_path / "instruments", "mentor-effectiveness.v2.json", data)
    found = load_all(tmp_path)
    assert set(found) == set(SHIPPED) | {("mentor-effectiveness", 2)}
    assert instruments.latest(found, "mentor-effectiveness").title == "Mentor effectiveness (2027)"
    assert found[("mentor-effectiveness", 1)] == EFFECTIVENESS


def test_an_instance_folder_may_add_a_new_instrument_and_repeat_a_shipped_one_unchanged(tmp_path):
    write(tmp_path / "instruments", "licensed.json", definition(COMPETENCY) | {"key": "licensed-scale"})
    write(tmp_path / "instruments", "copy.json", definition(EFFECTIVENESS))
    found = load_all(tmp_path)
    assert ("licensed-scale", 1) in found
    assert found[("mentor-effectiveness", 1)].content_hash == EFFECTIVENESS.content_hash


def test_a_different_definition_under_a_shipped_key_and_version_is_refused(tmp_path):
    data = definition(EFFECTIVENESS)
    data["items"][0]["text"] = "My mentor was around."
    write(tmp_path / "instruments", "sneaky.json", data)
    with pytest.raises(
        InstrumentError, match="mentor-effectiveness@1 is already defined differently; give your version a new number"
    ):
        load_all(tmp_path)


def test_the_app_uses_the_newest_version_from_its_instance_folder(app, instance_path):
    write(instance_path / "instruments", "v2.json", definition(EFFECTIVENESS) | {"version": 2})
    with app.app_context():
        chosen = service.current_instrument()
        db.session.commit()
        assert chosen.ref == "mentor-effectiveness@2"
        assert db.session.get(StoredInstrument, ("mentor-effectiveness", 2)).content_hash == chosen.content_hash


# Publishing: a version with responses never changes --------------------------------------------


def reworded(instrument, text: str = "My mentor was around when it mattered."):
    data = definition(instrument)
    data["items"][0]["text"] = text
    return parse(json.dumps(data))


def test_a_version_with_responses_cannot_change(app, feedback_kit):
    feedback_kit.ask("2026")
    feedback_kit.answer(
        feedback_kit.request_id(feedback_kit.dept.ids["mentor"], feedback_kit.dept.ids["mentee"], "2026")
    )
    with app.app_context():
        with pytest.raises(InstrumentError) as refused:
            service.publish(reworded(EFFECTIVENESS))
        assert str(refused.value) == (
            "mentor-effectiveness@1 has responses and its definition has changed; "
            "publish the change as version 2 instead"
        )
        db.session.rollback()
        stored = db.session.get(StoredInstrument, ("mentor-effectiveness", 1))
        assert stored.content_hash == EFFECTIVENESS.content_hash
        assert parse(stored.definition) == EFFECTIVENESS
        # Publishing it unchanged is fine, and so is the change as a new version.
        service.publish(EFFECTIVENESS)
        service.publish(replace(reworded(EFFECTIVENESS), version=2))
        db.session.commit()
        assert db.session.scalars(
            select(StoredInstrument.version)
            .where(StoredInstrument.key == "mentor-effectiveness")
            .order_by(StoredInstrument.version)
        ).all() == [1, 2]


def test_a_version_without_responses_may_be_corrected(app):
    with app.app_context():
        service.publish(COMPETENCY)
        db.session.commit()
        corrected = reworded(COMPETENCY, "How skilled is your mentor at listening?")
        service.publish(corrected)
        db.session.commit()
        stored = db.session.get(StoredInstrument, ("mentoring-competency", 1))
        assert stored.content_hash == corrected.content_hash
        assert service.instrument("mentoring-competency", 1).items[0].text == "How skilled is your mentor at listening?"
