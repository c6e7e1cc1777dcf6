"""Milestone rules: pure functions, tested as tables."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from ..clock import add_years

# The fields a milestone's ledger entry fingerprints (everything but its own id and the
# entry it points to, which are assigned when it is written).
FINGERPRINTED = (
    "person_id",
    "kind",
    "occurred_on",
    "outcome",
    "rank",
    "title",
    "agency",
    "role",
    "year",
    "note",
    "source",
    "corrects_id",
    "recorded_by_id",
)
NOTE_PREFIX = "milestone sha256:"


def fingerprint(fields: dict) -> str:
    """The note of a milestone's ledger entry: the SHA-256 of its fields as canonical JSON.
    ``fields`` holds at least ``FINGERPRINTED`` (dates as dates or ISO strings)."""
    data = {
        name: (value.isoformat() if isinstance(value, date) else value)
        for name, value in ((name, fields.get(name)) for name in FINGERPRINTED)
    }
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return NOTE_PREFIX + hashlib.sha256(body).hexdigest()


def cfar_due(
    appointed_on: date | None, cfars: list[tuple[date, str | None]], years: int, extension_years: int
) -> date | None:
    """When the person's CFAR is due, or None when it is not (passed, or no appointment date
    to count from). ``cfars`` are the recorded CFAR outcomes (day, "passed"/"extended") that
    stand. A computed date is only ever "due": a CFAR is reached when it is recorded.

    No CFAR recorded: ``years`` after the appointment. Latest recorded is "extended": the
    re-review falls ``extension_years`` after it. Latest recorded is "passed": none due.
    """
    if cfars:
        day, outcome = max(cfars)
        if outcome == "passed":
            return None
        return add_years(day, extension_years)
    if appointed_on is None:
        return None
    return add_years(appointed_on, years)


# What may be recorded ----------------------------------------------------------------

KIND_LABELS = {
    "appointment": "Appointment",
    "cfar": "CFAR",
    "promotion": "Promotion",
    "grant": "Grant",
    "external_award": "External award",
    "leadership": "Leadership appointment",
    "check_in": "Check-in",
}
OUTCOME_LABELS = {"passed": "passed", "extended": "extended"}
EARLIEST = date(1950, 1, 1)
MAX_TITLE = 300
MAX_AGENCY = 200
MAX_ROLE = 100
MAX_NOTE = 2000
MAX_REASON = 2000
TEXT_LIMITS = {"title": MAX_TITLE, "agency": MAX_AGENCY, "role": MAX_ROLE, "note": MAX_NOTE}
# The fields a milestone of each kind takes (besides occurred_on and note), and which of
# them it must have. A field of another kind is refused, never silently dropped.
TAKES = {
    "appointment": ("rank",),
    "cfar": ("outcome",),
    "promotion": ("rank",),
    "grant": ("title", "agency", "role", "year"),
    "external_award": ("title", "agency"),
    "leadership": ("title", "agency"),
    "check_in": ("role",),
}
NEEDS = {
    "appointment": (),
    "cfar": ("outcome",),
    "promotion": ("rank",),
    "grant": ("title", "agency", "role"),
    "external_award": ("title", "agency"),
    "leadership": ("title", "agency"),
    "check_in": (),
}
# What title and agency mean for each kind, so a rule names them as the user knows them.
MEANING = {
    ("grant", "title"): "the grant's title",
    ("grant", "agency"): "the funding agency",
    ("grant", "role"): "the role on it, e.g. principal investigator",
    ("external_award", "title"): "the award's name",
    ("external_award", "agency"): "the awarding body",
    ("leadership", "title"): "the position",
    ("leadership", "agency"): "the organisation",
    ("promotion", "rank"): "the rank reached",
    ("cfar", "outcome"): "passed or extended",
    ("check_in", "role"): "who held it, e.g. Vice-Chair, Faculty Affairs",
}
OPTIONAL_FIELDS = ("outcome", "rank", "title", "agency", "role", "year")
GRANT_MONTH_DAY = (7, 1)


def grant_day(year: int, today: date) -> date:
    """The day a grant known only by its year is dated: 1 July of that year (the middle of
    the academic year), or today for a grant of this year recorded before 1 July."""
    return min(date(year, *GRANT_MONTH_DAY), today)


def cleaned(data: dict) -> dict:
    """The milestone fields of ``data``: text stripped, blanks as None, note as text."""
    fields = {"kind": data.get("kind"), "occurred_on": data.get("occurred_on")}
    for name in OPTIONAL_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip() or None
        fields[name] = value
    fields["note"] = (data.get("note") or "").strip()
    return fields


def problems(fields: dict, today: date, ranks: tuple[str, ...]) -> dict[str, list[str]]:
    """Field -> broken rules for a milestone's ``cleaned`` fields. ``ranks`` are the known
    ranks (``people.models.RANKS``). A grant may give its year, its date, or both (then
    the date must fall in the year)."""
    found: dict[str, list[str]] = {}

    def refuse(field: str, rule: str) -> None:
        found.setdefault(field, []).append(rule)

    kind = fields.get("kind")
    if kind not in KIND_LABELS:
        refuse("kind", f"must be one of {', '.join(KIND_LABELS)}")
        return found
    label = KIND_LABELS[kind].lower() if kind != "cfar" else "CFAR"
    for name in NEEDS[kind]:
        if fields.get(name) in (None, ""):
            refuse(name, f"is required for {_a(label)} ({MEANING.get((kind, name), name)})")
    for name in OPTIONAL_FIELDS:
        if name not in TAKES[kind] and fields.get(name) not in (None, ""):
            refuse(name, f"must be blank for {_a(label)}")
    day, year = fields.get("occurred_on"), fields.get("year")
    if day is None and not (kind == "grant" and year is not None):
        refuse("occurred_on", "is required" + (" (or give the grant's year)" if kind == "grant" else ""))
    if day is not None:
        if day > today:
            refuse("occurred_on", "must not be in the future")
        elif day < EARLIEST:
            refuse("occurred_on", f"must not be before {EARLIEST.isoformat()}")
    if kind == "grant" and year is not None:
        if not isinstance(year, int) or isinstance(year, bool) or not EARLIEST.year <= year <= today.year:
            refuse("year", f"must be a year from {EARLIEST.year} to {today.year}")
        elif day is not None and day.year != year:
            refuse("year", f"must be the year of the date given ({day.year}), or leave one of them out")
    if kind == "cfar" and fields.get("outcome") not in (None, "") and fields["outcome"] not in OUTCOME_LABELS:
        refuse("outcome", "must be passed or extended")
    if fields.get("rank") not in (None, "") and fields["rank"] not in ranks:
        refuse("rank", f"must be one of {', '.join(ranks)}")
    for name, limit in TEXT_LIMITS.items():
        value = fields.get(name)
        if isinstance(value, str) and len(value) > limit:
            refuse(name, f"must be at most {limit} characters")
    return found


def completed(fields: dict, today: date) -> dict:
    """Valid ``cleaned`` fields with what is derived filled in: a grant's day from its
    year, or its year from its day."""
    fields = dict(fields)
    if fields["kind"] == "grant":
        if fields["occurred_on"] is None:
            fields["occurred_on"] = grant_day(fields["year"], today)
        elif fields["year"] is None:
            fields["year"] = fields["occurred_on"].year
    return fields


def reason_problems(reason: str | None) -> dict[str, list[str]]:
    reason = (reason or "").strip()
    if not reason:
        return {"reason": ["must not be blank: say why"]}
    if len(reason) > MAX_REASON:
        return {"reason": [f"must be at most {MAX_REASON} characters"]}
    return {}


def status_of(*, source: str, reversed_: bool, confirmed: bool, corrected: bool) -> str:
    """standing, pending, withdrawn or corrected: what a milestone is now."""
    if corrected:
        return "corrected"
    if reversed_:
        return "withdrawn"
    if source == "self_reported" and not confirmed:
        return "pending"
    return "standing"


STATUSES = ("standing", "pending", "withdrawn", "corrected")


def describe(kind: str, fields: dict, rank_labels: dict[str, str]) -> str:
    """One line naming a milestone as a person reads it: "Promotion to Professor"."""
    rank = rank_labels.get(fields.get("rank") or "", fields.get("rank"))
    if kind == "promotion":
        return f"Promotion to {rank}"
    if kind == "appointment":
        return f"Appointment as {rank}" if rank else "Appointment"
    if kind == "cfar":
        return f"CFAR {fields.get('outcome') or ''}".strip()
    if kind == "check_in":
        return f"Check-in with {fields['role']}" if fields.get("role") else "Check-in"
    words = [KIND_LABELS[kind] + ":", fields.get("title") or ""]
    if fields.get("agency"):
        words.append(f"({fields['agency']})")
    if kind == "grant" and fields.get("role"):
        words.append(f"— {fields['role']}")
    return " ".join(word for word in words if word)


def _a(label: str) -> str:
    return ("an " if label[0].lower() in "aeiou" else "a ") + label
