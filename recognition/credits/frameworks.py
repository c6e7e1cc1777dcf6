"""Credit frameworks as data: load, check and pick the version in force on a date.

One JSON file holds one framework and all its versions. The package ships the files in
``frameworks/``; a department adds its own, or replaces a shipped one (same ``id``, whole
file), in ``<instance>/credits/*.json``. A file that breaks a rule is refused as a whole
with a message naming the file and the rule, so a typo never silently costs a credit.
No Flask, no database: the caller passes the instance folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from recognition.ledger.rules import KINDS

PACKAGE_DIR = Path(__file__).parent / "frameworks"
ROUNDING_MODES = ("down", "nearest", "up")  # nearest: halves go up
CONDITIONS = ("accredited", "confirmed")  # activity flags a rule may match on
REQUIREMENTS = {
    "confirmed": "the other person must have confirmed it",
    "feedback_source": "it must link to a feedback report that reached the anonymity "
    "threshold (k) or name an external feedback source",
}
# per_activity: what one activity may earn at most, however long it was (a plausibility
# limit: a 10-hour "reflection" is a typo or a misuse, not 30 credits).
CAP_SCOPES = ("per_activity", "per_mentee_per_year", "per_year", "per_cycle")


class FrameworkError(ValueError):
    """A framework file breaks a rule; the message names the file and the rule."""


@dataclass(frozen=True)
class Rounding:
    step: Decimal
    mode: str


@dataclass(frozen=True)
class Rule:
    id: str
    kinds: tuple[str, ...]
    section: str
    rate_per_hour: Decimal | None  # exactly one of rate_per_hour / per_activity is set
    per_activity: Decimal | None
    when: dict[str, bool]
    requires: tuple[str, ...]
    rounding: Rounding
    caps: dict[str, Decimal]
    feedback_received: bool


@dataclass(frozen=True)
class Minimum:
    label: str
    sections: tuple[str, ...]
    credits: Decimal


@dataclass(frozen=True)
class Cycle:
    years: int
    total_min: Decimal
    yearly_min: Decimal
    minimums: tuple[Minimum, ...]
    feedback_received_min: int
    report_by: tuple[int, int] | None  # (month, day) of the year after


@dataclass(frozen=True)
class Version:
    effective_from: date
    year_starts: tuple[int, int]  # (month, day)
    sections: dict[str, str]
    rules: tuple[Rule, ...]
    section_caps: dict[str, dict[str, Decimal]]
    cycle: Cycle | None


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    unit: str
    source: str
    unconfirmed: tuple[str, ...]  # facts we could not confirm; empty when all are sourced
    versions: tuple[Version, ...]  # oldest first
    path: str

    def version_on(self, day: date) -> Version | None:
        """The version in force on ``day``: the latest one effective on or before it."""
        chosen = None
        for version in self.versions:
            if version.effective_from <= day:
                chosen = version
        return chosen


def load_frameworks(instance_path: str | Path | None = None) -> dict[str, Framework]:
    """Every framework by id: the package's, then the instance's (which win by id)."""
    found: dict[str, Framework] = {}
    folders = [PACKAGE_DIR] + ([Path(instance_path) / "credits"] if instance_path else [])
    for folder in folders:
        seen_here: dict[str, Path] = {}
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            framework = load_file(path)
            if framework.id in seen_here:
                raise FrameworkError(f"{path}: id {framework.id!r} is also used by {seen_here[framework.id]}")
            seen_here[framework.id] = path
            found[framework.id] = framework
    return found


def load_file(path: str | Path) -> Framework:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, json.JSONDecodeError) as error:
        raise FrameworkError(f"{path}: cannot be read as JSON ({error})") from None
    return parse(data, str(path))


def parse(data: object, where: str) -> Framework:
    """Check one framework's data; raise FrameworkError naming ``where`` and the rule."""

    def fail(context: str, message: str) -> FrameworkError:
        return FrameworkError(f"{where}: {context}: {message}")

    top = _obj(data, {"id", "name", "unit", "source", "unconfirmed", "versions"}, "framework", fail)
    for key in ("id", "name", "unit"):
        if not isinstance(top.get(key), str) or not top[key].strip():
            raise fail("framework", f"{key} must be a non-empty string")
    unconfirmed = top.get("unconfirmed", [])
    if not isinstance(unconfirmed, list) or not all(isinstance(n, str) for n in unconfirmed):
        raise fail("framework", "unconfirmed must be a list of strings")
    raw_versions = top.get("versions")
    if not isinstance(raw_versions, list) or not raw_versions:
        raise fail("framework", "versions must be a non-empty list")
    versions = [_version(v, fail) for v in raw_versions]
    days = [v.effective_from for v in versions]
    for day in days:
        if days.count(day) > 1:
            raise fail(f"version {day}", "two versions share this effective_from date")
    return Framework(
        id=top["id"],
        name=top["name"],
        unit=top["unit"],
        source=top.get("source", ""),
        unconfirmed=tuple(unconfirmed),
        versions=tuple(sorted(versions, key=lambda v: v.effective_from)),
        path=where,
    )


def _obj(value, allowed, context, fail) -> dict:
    if not isinstance(value, dict):
        raise fail(context, "must be an object")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise fail(context, f"unknown field(s) {', '.join(unknown)}")
    return value


def _number(value, context, field, fail, integer=False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or (integer and not isinstance(value, int)):
        raise fail(context, f"{field} must be a {'whole ' if integer else ''}number")
    if value < 0:
        raise fail(context, f"{field} must not be negative (got {value})")
    return Decimal(value)


def _month_day(value, context, field, fail) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(value).split("-"))
        date(2001, month, day)
    except ValueError:
        raise fail(context, f"{field} must be MM-DD (got {value!r})") from None
    return month, day


def _version(raw, fail) -> Version:
    allowed = {"effective_from", "year_starts", "sections", "rules", "section_caps", "cycle", "note"}
    v = _obj(raw, allowed, "version", fail)
    try:
        effective = date.fromisoformat(str(v.get("effective_from")))
    except ValueError:
        raise fail("version", f"effective_from must be a date YYYY-MM-DD (got {v.get('effective_from')!r})") from None
    context = f"version {effective}"
    sections = v.get("sections")
    if not isinstance(sections, dict) or not sections:
        raise fail(context, "sections must name at least one section")
    cycle = _cycle(v["cycle"], sections, context, fail) if v.get("cycle") is not None else None
    section_caps = {}
    for section, caps in _obj(v.get("section_caps", {}), sections, f"{context} section_caps", fail).items():
        section_caps[section] = _caps(caps, cycle, f"{context} section {section!r}", fail)
    rules, ids = [], set()
    for raw_rule in v.get("rules") or []:
        rule = _rule(raw_rule, sections, cycle, context, fail)
        if rule.id in ids:
            raise fail(f"{context} rule {rule.id!r}", "another rule has this id")
        ids.add(rule.id)
        rules.append(rule)
    if not rules:
        raise fail(context, "rules must hold at least one rule")
    year_starts = _month_day(v.get("year_starts", "01-01"), context, "year_starts", fail)
    return Version(effective, year_starts, dict(sections), tuple(rules), section_caps, cycle)


def _caps(raw, cycle, context, fail) -> dict[str, Decimal]:
    caps = {scope: _number(n, context, scope, fail) for scope, n in _obj(raw, CAP_SCOPES, context, fail).items()}
    if "per_cycle" in caps and cycle is None:
        raise fail(context, "a per_cycle cap needs the version to define a cycle")
    if caps.get("per_activity") == 0:
        raise fail(context, "per_activity must be above 0 (a rule that should earn nothing is better removed)")
    return caps


def _rule(raw, sections, cycle, version_context, fail) -> Rule:
    allowed = {
        "id",
        "kinds",
        "section",
        "rate_per_hour",
        "per_activity",
        "when",
        "requires",
        "rounding",
        "caps",
        "feedback_received",
        "note",
    }
    r = _obj(raw, allowed, f"{version_context} rule", fail)
    if not isinstance(r.get("id"), str) or not r["id"]:
        raise fail(f"{version_context} rule", "id must be a non-empty string")
    context = f"{version_context} rule {r['id']!r}"
    kinds = r.get("kinds")
    if not isinstance(kinds, list) or not kinds:
        raise fail(context, "kinds must list at least one ledger entry kind")
    for kind in kinds:
        if kind not in KINDS:
            raise fail(context, f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    if r.get("section") not in sections:
        raise fail(context, f"section {r.get('section')!r} is not one of {', '.join(sections)}")
    if ("rate_per_hour" in r) == ("per_activity" in r):
        raise fail(context, "give exactly one of rate_per_hour or per_activity")
    rate = _number(r["rate_per_hour"], context, "rate_per_hour", fail) if "rate_per_hour" in r else None
    each = _number(r["per_activity"], context, "per_activity", fail) if "per_activity" in r else None
    when = _obj(r.get("when", {}), CONDITIONS, f"{context} when", fail)
    if not all(isinstance(flag, bool) for flag in when.values()):
        raise fail(context, "when conditions must be true or false")
    requires = r.get("requires", [])
    if not isinstance(requires, list) or any(req not in REQUIREMENTS for req in requires):
        raise fail(context, f"requires may only list {', '.join(REQUIREMENTS)}")
    rounding = _obj(r.get("rounding"), {"step", "mode"}, f"{context} rounding", fail)
    step = _number(rounding.get("step"), context, "rounding step", fail)
    if step == 0 or rounding.get("mode") not in ROUNDING_MODES:
        raise fail(context, f"rounding needs a step above 0 and a mode among {', '.join(ROUNDING_MODES)}")
    caps = _caps(r.get("caps", {}), cycle, f"{context} caps", fail)
    return Rule(
        r["id"],
        tuple(kinds),
        r["section"],
        rate,
        each,
        dict(when),
        tuple(requires),
        Rounding(step, rounding["mode"]),
        caps,
        r.get("feedback_received") is True,
    )


def _cycle(raw, sections, version_context, fail) -> Cycle:
    allowed = {"years", "total_min", "yearly_min", "minimums", "feedback_received_min", "report_by"}
    context = f"{version_context} cycle"
    c = _obj(raw, allowed, context, fail)
    years = int(_number(c.get("years"), context, "years", fail, integer=True))
    if years < 1:
        raise fail(context, "years must be at least 1")
    minimums = []
    for m in c.get("minimums", []):
        m = _obj(m, {"label", "sections", "credits"}, f"{context} minimum", fail)
        if not m.get("sections") or any(s not in sections for s in m["sections"]):
            raise fail(f"{context} minimum {m.get('label')!r}", f"sections must be among {', '.join(sections)}")
        minimums.append(
            Minimum(str(m.get("label")), tuple(m["sections"]), _number(m.get("credits"), context, "credits", fail))
        )
    report_by = _month_day(c["report_by"], context, "report_by", fail) if c.get("report_by") else None
    return Cycle(
        years,
        _number(c.get("total_min", 0), context, "total_min", fail),
        _number(c.get("yearly_min", 0), context, "yearly_min", fail),
        tuple(minimums),
        int(_number(c.get("feedback_received_min", 0), context, "feedback_received_min", fail, integer=True)),
        report_by,
    )
