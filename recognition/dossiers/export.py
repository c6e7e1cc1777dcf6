"""The dossier as one CSV file for a spreadsheet, and as JSON.

One sheet, filterable by its first column (``section``): the summary numbers, the mentee
table (one row per mentorship, its own columns filled), feedback, awards, credits,
training and the philosophy, then the provenance (one row per ledger entry counted). A
mentee who asked not to be named appears exactly as in the PDF and HTML.
"""

from __future__ import annotations

import csv
import io
import json

from ..credits.export import safe_cell

COLUMNS = (
    "section",
    "item",
    "value",
    "row",
    "mentee",
    "career_stage",
    "kind",
    "started_on",
    "ended_on",
    "meetings",
    "confirmed_meetings",
    "contact_hours",
    "milestones",
    "entry_id",
    "entry_hash",
)


def rows(document: dict) -> list[dict]:
    summary = document["summary"]
    out = [
        {"section": "Dossier", "item": key, "value": value}
        for key, value in (
            ("person", document["person"]["name"]),
            ("period_start", document["period"]["start"]),
            ("period_end", document["period"]["end"]),
            ("number", document.get("number") or "draft"),
            ("verification_code", (document.get("verification") or {}).get("code", "")),
        )
    ]
    for key in (
        "mentees",
        "mentorships",
        "meetings",
        "confirmed_meetings",
        "contact_hours",
        "years_of_sustained_mentoring",
        "mentees_who_became_mentors",
        "mentee_milestones",
    ):
        out.append({"section": "Summary", "item": key, "value": summary[key]})
    out.append(
        {"section": "Summary", "item": "sustained_years", "value": " ".join(map(str, summary["sustained_years"]))}
    )
    for stage in summary["by_stage"]:
        for kind, count in stage["kinds"].items():
            out.append({"section": "Summary", "item": f"mentorships: {stage['label']}, {kind}", "value": count})
    for row in document["mentees"]:
        reached = [m["label"] for m in row["milestones"]]
        if row["became_mentor_on"]:
            reached.append(f"Became a mentor ({row['became_mentor_on']})")
        out.append(
            {
                "section": "Mentees",
                "row": row["row"],
                "mentee": row["mentee"],
                "career_stage": row["career_stage_label"],
                "kind": row["kind_label"],
                "started_on": row["started_on"],
                "ended_on": row["ended_on"] or "",
                "meetings": row["meetings"],
                "confirmed_meetings": row["confirmed_meetings"],
                "contact_hours": row["contact_hours"],
                "milestones": "; ".join(reached),
            }
        )
    feedback = document["feedback"]
    if feedback["shown"]:
        out.append({"section": "Feedback", "item": "responses", "value": feedback["responses"]})
        out.append({"section": "Feedback", "item": "overall mean", "value": feedback["overall"]})
        out += [{"section": "Feedback", "item": i["item"], "value": i["mean"] or ""} for i in feedback["items"]]
    else:
        out.append({"section": "Feedback", "item": "responses", "value": feedback["message"]})
    for award in document["awards"]["won"]:
        out.append({"section": "Awards", "item": f"{award['award']} {award['year']}", "value": award["code"]})
    for nominated in document["awards"]["nominations"]:
        out.append(
            {
                "section": "Nominations",
                "item": f"{nominated['award']} {nominated['year']}",
                "value": nominated["nominations"],
            }
        )
    for statement in document["credits"]:
        out.append(
            {
                "section": "Credits",
                "item": f"{statement['number']} ({statement['status']})",
                "value": f"{statement['total']} {statement['unit']} · {statement['code']}",
            }
        )
    training = document["training"]
    out.append({"section": "Training", "item": "sessions", "value": training["sessions"]})
    out.append({"section": "Training", "item": "hours", "value": training["hours"]})
    out.append({"section": "Philosophy", "item": "mentoring philosophy", "value": document["philosophy"]})
    head = document["ledger_head"]
    out.append({"section": "Provenance", "item": "ledger head", "value": f"{head['seq']} {head['hash']}"})
    for row in document["mentees"]:
        for entry in row["entries"]:
            out.append(
                {
                    "section": "Provenance",
                    "item": entry["kind"],
                    "value": entry["date"],
                    "row": row["row"],
                    "confirmed_meetings": int(entry["confirmed"]),
                    "entry_id": entry["entry_id"],
                    "entry_hash": entry["entry_hash"],
                }
            )
    for entry in training["entries"]:
        out.append(
            {
                "section": "Provenance",
                "item": "mentor_training",
                "value": entry["date"],
                "entry_id": entry["entry_id"],
                "entry_hash": entry["entry_hash"],
            }
        )
    return out


def to_csv(document: dict) -> str:
    """UTF-8 with a byte-order mark (Excel reads accented names right); no cell a
    spreadsheet would run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows(document):
        writer.writerow([safe_cell(row.get(key, "")) for key in COLUMNS])
    return "\ufeff" + out.getvalue()


def to_json(document: dict) -> str:
    """Compact: a 12-year dossier cites thousands of entries, and indenting would cost the
    pure-Python encoder ten times the C one."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def filename(document: dict, fmt: str) -> str:
    label = (
        document.get("number")
        or f"draft-{document['person']['id']}-{document['period']['start']}-{document['period']['end']}"
    )
    return f"dossier-{label}.{fmt}"
