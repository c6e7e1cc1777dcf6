"""A first draft of a reflection from the mentor's own feedback report, so the mentor
edits rather than types: the area to improve is the item the mentees rated lowest, the
comparison states the report's numbers, and the next steps start from that item.

Only the numbers the mentor's report already shows them are used (``mentor_report``,
released blocks only); mentees' comments are shown beside the form but never copied
into the draft, whose area and next steps become the learning outcome of the Section 3
activity in the MAINPORT export."""

from __future__ import annotations


def _score(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "no score"


def draft(report: dict) -> dict[str, str]:
    """The step texts drafted from a shown report (``reports.mentor_report``); empty when
    there is nothing shown or no item was answered."""
    if not report.get("shown"):
        return {}
    used, summary = report["instrument"], report["summary"]
    rated = [
        (row.mean, n, item) for n, (item, row) in enumerate(zip(used.items, summary.items)) if row.mean is not None
    ]
    if not rated:
        return {}
    low_mean, _, lowest = min(rated, key=lambda found: (found[0], found[1]))
    high_mean, _, highest = max(rated, key=lambda found: (found[0], -found[1]))
    scale = f"on the {used.scale_min} to {used.scale_max} scale"
    periods = " and ".join(report["pooled_periods"])
    compared = [
        f"My overall score for {periods} is {_score(summary.overall)} {scale}, from {summary.responses} responses"
    ]
    division, department = report.get("division"), report.get("department")
    if division is not None and division.overall is not None:
        compared.append(f"my division's is {_score(division.overall)}")
    if department is not None and department.overall is not None:
        compared.append(f"the department's is {_score(department.overall)}")
    if low_mean == high_mean:  # nothing stands out: no area is drafted for the mentor
        return {"comparison": "; ".join(compared) + f". Every statement has the same mean, {_score(low_mean)}."}
    comparison = (
        "; ".join(compared) + ". "
        f"My mentees rated me highest on “{highest.text}” ({_score(high_mean)}) "
        f"and lowest on “{lowest.text}” ({_score(low_mean)})."
    )
    return {
        "area": f"“{lowest.text}”: the statement my mentees rated lowest ({_score(low_mean)} {scale}).",
        "question": f"How can I make this truer for each of my mentees: “{lowest.text}”?",
        "comparison": comparison,
        "next_steps": (
            f"Over the next months, act on “{lowest.text}” at each meeting, and see whether the next feedback "
            "report shows a change."
        ),
    }
