"""The charts and table rows of a mentor's shown report (``reports.mentor_report``): the
report page draws them, and so does the reflection form beside its steps."""

from __future__ import annotations

from . import charts


def of_report(data: dict) -> dict | None:
    """The charts and table rows of a shown report."""
    if not data["shown"]:
        return None
    used, summary = data["instrument"], data["summary"]
    low, high = used.scale_min, used.scale_max
    labels = [used.label(point) for point in range(low, high + 1)]
    division, department = data["division"], data["department"]
    items = []
    for number, (item, row) in enumerate(zip(used.items, summary.items), start=1):
        items.append(
            {
                "number": number,
                "text": item.text,
                "row": row,
                "division": division.items[number - 1].mean if division else None,
                "department": department.items[number - 1].mean if department else None,
                "chart": charts.distribution_bar(
                    row.distribution, labels, f"Item {number}, how many chose each answer"
                ),
            }
        )
    compared = [("This mentor" if not data["is_own"] else "You", summary.overall)]
    if division is not None:
        compared.append((f"{data['mentor'].division.name} (division)", division.overall))
    if department is not None:
        compared.append(("Department", department.overall))
    trend = [
        ("–".join(dict.fromkeys([block["periods"][0], block["periods"][-1]])), block["overall"])
        for block in data["trend"]
    ]
    return {
        "labels": labels,
        "swatches": [charts.legend_swatch(index, len(labels)) for index in range(len(labels))],
        "items": items,
        "compared": compared,
        "comparison_chart": charts.comparison_chart(compared, low, high, "Overall score compared"),
        "trend": trend,
        "trend_chart": charts.trend_chart(trend, low, high, "Overall score of each released block of feedback")
        if len(trend) > 1
        else None,
    }
