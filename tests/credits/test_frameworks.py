"""Framework files: the shipped ones load, versions are chosen by date, bad files are refused."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from recognition.credits.frameworks import (
    PACKAGE_DIR,
    FrameworkError,
    load_file,
    load_frameworks,
)
from recognition.ledger.rules import KINDS

SHIPPED = ["ama_pra", "cfpc_mainpro", "department_points", "royal_college_moc"]


def shipped_data(name: str) -> dict:
    return json.loads((PACKAGE_DIR / f"{name}.json").read_text(encoding="utf-8"))


def write(folder, name: str, data) -> str:
    credits = folder / "credits"
    credits.mkdir(exist_ok=True)
    path = credits / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_the_shipped_frameworks_load_and_credit_only_known_kinds():
    frameworks = load_frameworks()
    assert sorted(frameworks) == SHIPPED
    for framework in frameworks.values():
        for version in framework.versions:
            assert all(kind in KINDS for rule in version.rules for kind in rule.kinds)


@pytest.mark.parametrize(
    ("name", "labelled"),
    [
        ("cfpc_mainpro", "our reading"),
        ("ama_pra", "our reading"),
        ("department_points", "default"),
        ("royal_college_moc", "rounds"),
    ],
)
def test_what_is_not_confirmed_is_labelled_in_the_data(name, labelled):
    assert any(labelled in note for note in load_frameworks()[name].unconfirmed)


@pytest.mark.parametrize(
    ("day", "effective_from"),
    [
        (date(1999, 12, 31), None),
        (date(2000, 1, 1), date(2000, 1, 1)),
        (date(2023, 12, 31), date(2000, 1, 1)),
        (date(2024, 1, 1), date(2024, 1, 1)),
        (date(2031, 5, 5), date(2024, 1, 1)),
    ],
)
def test_the_moc_version_in_force_is_the_latest_effective_on_or_before_the_day(day, effective_from):
    version = load_frameworks()["royal_college_moc"].version_on(day)
    assert (version.effective_from if version else None) == effective_from


def test_both_moc_eras_carry_their_cycle_rules():
    old, new = load_frameworks()["royal_college_moc"].versions
    assert (old.cycle.total_min, old.cycle.yearly_min, len(old.cycle.minimums), old.cycle.feedback_received_min) == (
        400,
        40,
        3,
        0,
    )
    assert (new.cycle.total_min, new.cycle.yearly_min, new.cycle.feedback_received_min) == (250, 25, 1)
    assert [(m.sections, m.credits) for m in new.cycle.minimums] == [(("section_3",), 25)]


def test_a_department_overrides_a_shipped_framework_and_adds_its_own(tmp_path):
    points = shipped_data("department_points")
    points["versions"][0]["rules"][0]["per_activity"] = 2
    write(tmp_path, "points.json", points)
    own = copy.deepcopy(points)
    own["id"], own["name"] = "teaching_awards", "Teaching awards"
    write(tmp_path, "teaching.json", own)
    frameworks = load_frameworks(tmp_path)
    assert sorted(frameworks) == sorted(SHIPPED + ["teaching_awards"])
    assert frameworks["department_points"].versions[0].rules[0].per_activity == Decimal(2)
    assert frameworks["department_points"].path.endswith("points.json")
    assert load_frameworks(tmp_path / "nowhere")["department_points"].versions[0].rules[0].per_activity == 1


def _rule0(data):
    return data["versions"][0]["rules"][0]


def unknown_kind(d):
    _rule0(d)["kinds"] = ["metting"]


def negative_rate(d):
    _rule0(d)["rate_per_hour"] = -3


def same_effective_date(d):
    d["versions"].append(copy.deepcopy(d["versions"][0]))


def unknown_section(d):
    _rule0(d)["section"] = "section_9"


def misspelt_field(d):
    _rule0(d)["rate_per_hr"] = _rule0(d).pop("rate_per_hour")


def rate_and_per_activity(d):
    _rule0(d)["per_activity"] = 1


def bad_rounding(d):
    _rule0(d)["rounding"] = {"step": 0.25, "mode": "sideways"}


def zero_step(d):
    _rule0(d)["rounding"] = {"step": 0, "mode": "down"}


def cycle_cap_without_cycle(d):
    d["versions"][0].pop("cycle")
    d["versions"][0]["rules"][0]["caps"] = {"per_cycle": 10}


def misspelt_cap_scope(d):
    _rule0(d)["caps"] = {"per_activty": 6}


def zero_cap_per_activity(d):
    _rule0(d)["caps"] = {"per_activity": 0}


def negative_section_cap_per_activity(d):
    d["versions"][0]["section_caps"] = {"section_3": {"per_activity": -1}}


def duplicate_rule_id(d):
    d["versions"][0]["rules"][1]["id"] = _rule0(d)["id"]


def bad_date(d):
    d["versions"][0]["effective_from"] = "2024-02-30"


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (unknown_kind, "version 2000-01-01 rule 'reflection_on_feedback': unknown kind 'metting'"),
        (negative_rate, "rule 'reflection_on_feedback': rate_per_hour must not be negative (got -3)"),
        (same_effective_date, "version 2000-01-01: two versions share this effective_from date"),
        (unknown_section, "rule 'reflection_on_feedback': section 'section_9' is not one of"),
        (misspelt_field, "rule: unknown field(s) rate_per_hr"),
        (rate_and_per_activity, "rule 'reflection_on_feedback': give exactly one of rate_per_hour or per_activity"),
        (bad_rounding, "rounding needs a step above 0 and a mode among down, nearest, up"),
        (zero_step, "rounding needs a step above 0"),
        (cycle_cap_without_cycle, "a per_cycle cap needs the version to define a cycle"),
        (duplicate_rule_id, "rule 'reflection_on_feedback': another rule has this id"),
        (misspelt_cap_scope, "rule 'reflection_on_feedback' caps: unknown field(s) per_activty"),
        (zero_cap_per_activity, "rule 'reflection_on_feedback' caps: per_activity must be above 0"),
        (negative_section_cap_per_activity, "section 'section_3': per_activity must not be negative (got -1)"),
        (bad_date, "effective_from must be a date YYYY-MM-DD (got '2024-02-30')"),
    ],
)
def test_a_broken_file_is_refused_naming_the_file_and_the_rule(tmp_path, break_it, message):
    data = shipped_data("royal_college_moc")
    break_it(data)
    path = write(tmp_path, "moc.json", data)
    with pytest.raises(FrameworkError) as refused:
        load_frameworks(tmp_path)
    assert str(refused.value).startswith(f"{path}: ")
    assert message in str(refused.value)


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = write(tmp_path, "broken.json", "{not json")
    with pytest.raises(FrameworkError, match="cannot be read as JSON") as refused:
        load_file(path)
    assert str(refused.value).startswith(path)


def test_two_instance_files_may_not_claim_the_same_id(tmp_path):
    write(tmp_path, "a.json", shipped_data("ama_pra"))
    second = write(tmp_path, "b.json", shipped_data("ama_pra"))
    with pytest.raises(FrameworkError, match="id 'ama_pra' is also used by") as refused:
        load_frameworks(tmp_path)
    assert str(refused.value).startswith(second)
