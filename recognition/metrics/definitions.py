"""Metric definitions as data: load, check, and let a department add or switch off its own.

The package ships ``data/metrics.json``; a department adds files in ``<instance>/metrics/``.
A metric there with the id of a shipped one replaces it whole; ``{"id": ..., "enabled":
false}`` alone switches one off. What a metric computes is one of the measures the code
knows (``MEASURES``) with its parameters, so a department can define a new metric (say,
relationships that lapsed after six months rather than twelve) without code, and never
one the code cannot compute honestly. A file that breaks a rule is refused whole, with a
message naming the file, the metric and the rule. No Flask, no database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

PACKAGE_FILE = Path(__file__).parent / "data" / "metrics.json"

# The study's three levels (Table 5), in its order, and how a page names them.
LEVELS = {
    "relationship": "Relationship",
    "department": "Division and department",
    "academic_medicine": "Academic medicine",
}
# The study's six components of a mentorship program.
COMPONENTS = {
    "expectations": "Expectations",
    "mentor_identification": "Mentor identification",
    "relationship_maintenance": "Relationship maintenance",
    "mentor_recognition": "Mentor recognition",
    "faculty_development": "Faculty development",
    "measurement": "Measurement",
}
UNITS = {
    "percent": "%",
    "count": "",
    "people": "people",
    "mentors": "mentors",
    "days": "days",
}


@dataclass(frozen=True)
class Param:
    kind: type
    default: Any
    choices: tuple = ()
    low: int | None = None
    high: int | None = None


# What the code can compute, and the parameters each takes (with their defaults).
MEASURES: dict[str, dict[str, Param]] = {
    "meetings_against_expectation": {},
    "confirmed_share": {},
    "confirmation_delay": {},
    "lapsed": {"months": Param(int, 12, low=1, high=60)},
    "feedback_score_bands": {},
    "early_career_with_mentor": {},
    "check_ins": {},
    "mentor_pool": {},
    "mentor_pool_by": {"attribute": Param(str, "gender", choices=("gender", "race"))},
    "mentors_trained": {"years": Param(int, 3, low=1, high=10)},
    "feedback_response_rate": {},
    "nominations_and_awards": {},
    "mentees_became_mentors": {},
    "outcome_by_mentoring": {"milestone": Param(str, "cfar", choices=("cfar",))},
    "promotion_by_mentoring": {},
}
FIELDS = {
    "id",
    "level",
    "component",
    "title",
    "definition",
    "formula",
    "unit",
    "measure",
    "params",
    "min_cell",
    "enabled",
}
TEXTS = ("title", "definition", "formula")


class DefinitionError(ValueError):
    """A metrics file breaks a rule; the message names the file, the metric and the rule."""


@dataclass(frozen=True)
class Metric:
    id: str
    level: str
    component: str
    title: str
    definition: str
    formula: str
    unit: str
    measure: str
    params: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    # Fewer people than this behind a cell and the cell is withheld (never below k).
    min_cell: int = 5
    enabled: bool = True
    source: str = ""


def load(min_cell: int, k: int, instance_path: str | Path | None = None) -> dict[str, Metric]:
    """Every enabled metric by id, in the order of the study's levels then the files.
    ``min_cell`` is the department's default smallest cell; ``k`` the feedback threshold,
    below which no metric's smallest cell may go."""
    if min_cell < k:
        raise DefinitionError(f"METRICS_MIN_CELL is {min_cell}: it must be at least the feedback k ({k})")
    found = _read(PACKAGE_FILE, min_cell, k, {})
    folder = Path(instance_path) / "metrics" if instance_path else None
    for path in sorted(folder.glob("*.json")) if folder is not None and folder.is_dir() else []:
        found = _read(path, min_cell, k, found)
    enabled = [metric for metric in found.values() if metric.enabled]
    order = list(LEVELS)
    return {metric.id: metric for metric in sorted(enabled, key=lambda m: order.index(m.level))}


def _read(path: Path, min_cell: int, k: int, found: dict[str, Metric]) -> dict[str, Metric]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise DefinitionError(f"{path}: cannot be read as JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), list):
        raise DefinitionError(f'{path}: must be an object with a list "metrics"')
    unknown = sorted(set(data) - {"metrics", "source"})
    if unknown:
        raise DefinitionError(f"{path}: unknown field(s) {', '.join(unknown)}")
    found = dict(found)
    seen: set[str] = set()
    for raw in data["metrics"]:
        metric = parse(raw, str(path), min_cell, k, found, str(data.get("source", "")))
        if metric.id in seen:
            raise DefinitionError(f"{path}: metric {metric.id!r}: the id is used twice in this file")
        seen.add(metric.id)
        found[metric.id] = metric
    return found


def parse(raw: object, where: str, min_cell: int, k: int, known: dict[str, Metric], source: str = "") -> Metric:
    """One metric's data, checked; a bare ``{"id", "enabled": false}`` switches off a known one."""
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: every metric must be an object")
    name = raw.get("id")
    if not isinstance(name, str) or not name.strip() or not name.replace("_", "").isalnum():
        raise DefinitionError(f"{where}: a metric's id must be letters, digits and underscores (got {name!r})")

    def fail(message: str) -> DefinitionError:
        return DefinitionError(f"{where}: metric {name!r}: {message}")

    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}")
    if set(raw) == {"id", "enabled"}:
        if raw["enabled"] is not False:
            raise fail('"enabled" alone must be false (it switches a metric off)')
        if name not in known:
            raise fail("there is no such metric to switch off")
        previous = known[name]
        return Metric(**{**previous.__dict__, "enabled": False})
    for key in ("level", "component", "unit", "measure", *TEXTS):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(f"{key} must be a non-empty string")
    for key, allowed in (("level", LEVELS), ("component", COMPONENTS), ("unit", UNITS), ("measure", MEASURES)):
        if raw[key] not in allowed:
            raise fail(f"{key} must be one of {', '.join(allowed)} (got {raw[key]!r})")
    cell = raw.get("min_cell", min_cell)
    if isinstance(cell, bool) or not isinstance(cell, int) or cell < k:
        raise fail(f"min_cell must be a whole number of at least the feedback k ({k}); got {cell!r}")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail("enabled must be true or false")
    return Metric(
        id=name,
        level=raw["level"],
        component=raw["component"],
        title=raw["title"].strip(),
        definition=raw["definition"].strip(),
        formula=raw["formula"].strip(),
        unit=raw["unit"],
        measure=raw["measure"],
        params=MappingProxyType(_params(raw.get("params", {}), MEASURES[raw["measure"]], fail)),
        min_cell=cell,
        enabled=enabled,
        source=source,
    )


def _params(raw: object, spec: dict[str, Param], fail) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise fail("params must be an object")
    unknown = sorted(set(raw) - set(spec))
    if unknown:
        takes = ", ".join(spec) or "no parameters"
        raise fail(f"unknown parameter(s) {', '.join(unknown)} (this measure takes {takes})")
    values = {}
    for name, param in spec.items():
        value: Any = raw.get(name, param.default)
        if isinstance(value, bool) or not isinstance(value, param.kind):
            raise fail(f"params.{name} must be a {'whole number' if param.kind is int else 'string'}")
        if param.choices and value not in param.choices:
            raise fail(f"params.{name} must be one of {', '.join(param.choices)} (got {value!r})")
        number: Any = value  # an int here when the measure gives bounds
        if (param.low is not None and number < param.low) or (param.high is not None and number > param.high):
            raise fail(f"params.{name} must be between {param.low} and {param.high} (got {value!r})")
        values[name] = value
    return values
