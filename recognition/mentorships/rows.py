"""The rows of the own pages' lists (``_entries.html``), each list drawn in one call: a
template loop calls a macro or a function several times a row, and each call costs more
than the row's text. The markup is the template's, and every value is escaped as the
template's autoescaping would escape it (a name, a note, a dispute's reason); only the
links and badges, already markup, go in as they are."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

from ..ledger.badges import confirmation_badge
from .history import kind_label

REVERSED = '<span class="badge badge-reversed">reversed</span>'


def recent_rows(entries: Iterable[Any], you: int | None, links: Mapping[int, Markup]) -> Markup:
    """The recent entries' table rows (``desk.Shown``): date, kind, the mentorship's link,
    minutes, who logged it ("you" for ``you``) and its badge."""
    rows = []
    for entry in entries:
        reversed_ = ' class="reversed"' if entry.reversed_by_entry_id else ""
        with_ = links[entry.mentorship_id] if entry.mentorship_id else "—"
        by = "you" if entry.recorded_by_id == you else escape(entry.recorded_by.name)
        if entry.confirmation_state:
            status = f"{confirmation_badge(entry)}\n"
        else:
            status = REVERSED if entry.reversed_by_entry_id else ""
        rows.append(
            f"\n      <tr{reversed_}>"
            f"\n        <td>{entry.occurred_on.isoformat()}</td>"
            f"\n        <td>{escape(kind_label(entry.kind))}</td>"
            f"\n        <td>{with_}</td>"
            f'\n        <td class="num">{escape(entry.minutes)}</td>'
            f"\n        <td>{by}</td>"
            f"\n        <td>{status}</td>"
            "\n      </tr>\n    "
        )
    return Markup("".join(rows))


def awaiting_items(entries: Iterable[Any], side: str) -> Markup:
    """The list items of entries waiting for the other side's confirmation (``desk.Shown``),
    each naming the person on ``side`` ("mentee" or "mentor")."""
    return Markup(
        "".join(
            f"\n    <li>{escape(kind_label(entry.kind))} with {escape(entry.names.get(side, ''))}"
            f" on {entry.occurred_on.isoformat()} {confirmation_badge(entry)}</li>\n    "
            for entry in entries
        )
    )


def relationship_rows(
    rows: Iterable[Mapping[str, Any]], links: Mapping[int, Markup], expected, formal_years: int, confirmed: bool
) -> Markup:
    """The "your mentees" / "your mentors" table rows (``_own_page``'s rows): the
    counterpart, their division, the kind, the start, the last meeting, this year's
    meetings, the expectation's status and, ``confirmed``, how many were confirmed."""
    drawn = []
    for row in rows:
        mentorship, meetings, status = row["mentorship"], row["meetings"], row["status"]
        division = row["person"].division_name
        last = meetings["last"]
        if status:
            expectation = (
                f'<span class="status status-{escape(status)}">{escape(status)}</span>'
                f' <span class="muted">({escape(expected[0])}–{escape(expected[1])})</span>'
            )
        elif mentorship.kind == "formal":
            expectation = f'<span class="muted">past the first {escape(formal_years)} years</span>'
        else:
            expectation = '<span class="muted">none for this kind</span>'
        count = escape(meetings["count"])
        drawn.append(
            "\n      <tr>"
            f"\n        <td>{links[mentorship.id]}</td>"
            f"\n        <td>{'—' if division is None else escape(division)}</td>"
            f"\n        <td>{escape(kind_label(mentorship.kind))}</td>"
            f"\n        <td>{mentorship.started_on.isoformat()}</td>"
            f"\n        <td>{last.isoformat() if last else 'none yet'}</td>"
            f'\n        <td class="num">{count}</td>'
            f"\n        <td>{expectation}</td>"
            + (f'\n        <td class="num">{escape(meetings["confirmed"])} of {count}</td>' if confirmed else "")
            + "\n      </tr>\n    "
        )
    return Markup("".join(drawn))
