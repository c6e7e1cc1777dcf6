"""The MAINPORT-ready export: a person's claimable activities of one year, as rows.

One row per activity that earned credit, with what a physician types into MAINPORT (or
another framework's portal): section, activity type, title, date, hours, credits, a
learning outcome and a note. MAINPORT computes credits from the hours typed in, so the
hours are those the credits stand for (``rules.claim``): hours x rate is exactly the
credits shown, which are the statement's. A capped activity claims only the hours its
capped credits stand for, and its note says why and how long it really took.

The learning outcome is the reflection's own words, which are private to their author:
they appear only when ``include_private`` (the author exporting their own), never in an
administrator's export of someone else's.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from ..errors import NotFound
from ..extensions import db
from ..ledger.rules import LABELS
from ..people.models import Person
from . import activities, profiles, rules

COLUMNS: tuple[tuple[str, str], ...] = (
    ("section", "Section"),
    ("activity_type", "Activity type"),
    ("title", "Title"),
    ("date", "Date"),
    ("hours", "Hours"),
    ("credits", "Credits"),
    ("learning_outcome", "Learning outcome / reflection summary"),
    ("note", "Note"),
)

# What each kind of work is called in a CME portal's activity list. Training depends on
# whether it was accredited (MOC Section 1 tells the two apart).
ACTIVITY_TYPES = {
    "feedback_reflection": "Feedback received",
    "mentoring_preparation": "Personal learning project",
}
TRAINING = {True: "Accredited group learning activity", False: "Unaccredited group learning activity"}

# Excel runs a cell that starts with one of these as a formula: a title someone typed
# must never do that in a physician's spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def activity_type(kind: str, accredited: bool) -> str:
    if kind == "mentor_training":
        return TRAINING[accredited]
    return ACTIVITY_TYPES.get(kind, LABELS.get(kind, kind))


def mainport_rows(person_id: int, year: int, framework_id: str, include_private: bool) -> list[dict]:
    """The person's activities that earned credit in ``year`` (the framework's year), in
    date order, as dicts keyed by the ``COLUMNS`` keys (all values strings)."""
    chosen = profiles.framework(framework_id)
    if db.session.get(Person, person_id) is None:
        raise NotFound("No such person.", {"person_id": ["no such person"]})
    profile = profiles.profile_of(person_id)
    cycle_start = profile.cycle_start if profile.framework_id == chosen.id else None
    sourced = activities.activities_of([person_id]).get(person_id, [])
    rows = []
    for credited in activities.credits_for(chosen, sourced, cycle_start):
        credit, source = credited.credit, credited.source
        if credit.year != year or credit.credits <= 0:
            continue
        version = chosen.version_on(source.on)
        assert credit.section is not None  # only a rule's credit is above 0, and a rule has a section
        hours, credits = rules.claim(chosen, credit)
        rows.append(
            {
                "section": version.sections.get(credit.section, credit.section) if version else credit.section,
                "activity_type": activity_type(source.kind, credit.activity.accredited),
                "title": source.title,
                "date": source.on.isoformat(),
                "hours": f"{hours:.2f}",
                "credits": f"{credits:.2f}",
                "learning_outcome": source.summary if include_private else "",
                "note": _note(credit, source.minutes, hours, credits),
            }
        )
    return rows


def _note(credit, minutes: int, hours: Decimal, credits: Decimal) -> str:
    """Why a row claims less than the time spent, in words; empty when it does not."""
    parts = [credit.reason] if credit.reason else []
    spent = Decimal(minutes) / 60
    if parts and hours < spent.quantize(Decimal("0.01")):
        parts.append(f"{spent:.2f} hours spent, {hours:.2f} claimed")
    if credits < credit.credits:
        parts.append(f"hours rounded down to {hours:.2f} so that they give exactly the credits shown")
    return "; ".join(parts)


def to_csv(rows: list[dict]) -> str:
    """The rows as CSV with a header row, starting with a byte-order mark so Excel reads
    the UTF-8 (accented names, quotes) correctly. Encode the result as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)  # "\r\n" line ends, as Excel and RFC 4180 expect
    writer.writerow([heading for _, heading in COLUMNS])
    for row in rows:
        writer.writerow([safe_cell(row.get(key, "")) for key, _ in COLUMNS])
    return "\ufeff" + out.getvalue()


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection): text starting
    with = + - @ or a control character gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
