"""The rows of the mentoring pages' lists (``_entries.html``) and of the history page,
each list drawn in one call: a template loop calls a macro or a function several times
a row, and each call costs more than the row's text. The markup is the template's, and every value is escaped as the
template's autoescaping would escape it (a name, a note, a dispute's reason); only the
links and badges, already markup, go in as they are."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from flask import current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from ..ledger.badges import confirmation_badge
from ..links import id_url
from .history import kind_label, utc_minute

REVERSED = '<span class="badge badge-reversed">reversed</span>'


@cache
def _label(kind: str | None) -> Markup:
    """``kind_label``, escaped: a page names the same few kinds row after row."""
    return escape(kind_label(kind))


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
            f"\n        <td>{_label(entry.kind)}</td>"
            f"\n        <td>{with_}</td>"
            f'\n        <td class="num">{int(entry.minutes)}</td>'
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
            f"\n    <li>{_label(entry.kind)} with {escape(entry.names.get(side, ''))}"
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
            f"\n        <td>{_label(mentorship.kind)}</td>"
            f"\n        <td>{mentorship.started_on.isoformat()}</td>"
            f"\n        <td>{last.isoformat() if last else 'none yet'}</td>"
            f'\n        <td class="num">{count}</td>'
            f"\n        <td>{expectation}</td>"
            + (f'\n        <td class="num">{escape(meetings["confirmed"])} of {count}</td>' if confirmed else "")
            + "\n      </tr>\n    "
        )
    return Markup("".join(drawn))


def history_items(
    items: Iterable[Mapping[str, Any]], here: str, page_csrf: str, reverse_csrf: bool, hint: str
) -> Markup:
    """The history page's entries (``history.render_detail``'s items), in chain order: a
    contribution with its confirmation, dispute or reversal, the buttons the viewer may
    use on it, and its reverse form (blank, or the refused one ``reverse_form`` with its
    errors, drawn by the ``_forms.html`` macros); a reversal, dispute or confirmation
    naming what it follows. ``here`` is the page's address (where a confirmation returns),
    ``page_csrf`` the blank reverse forms' token when ``reverse_csrf``."""
    drawn = []
    for item in items:
        entry = item["entry"]
        kind = entry.entry_type
        reversal = item["reversal"]
        if kind == "contribution":
            body = _contribution(entry, item, reversal, here, page_csrf, reverse_csrf, hint)
        else:
            target = item["target"]
            said = {"reversal": "Reversal", "dispute": "Dispute"}.get(kind, "Confirmation")
            body = (
                f'\n      <p class="entry-body"><span class="seq">#{entry.seq}</span> {said} of'
                f' <a href="#entry-{entry.target_id}">#{target.seq}</a>\n        '
            )
            by = f"by {escape(entry.recorded_by.name)} on {utc_minute(entry.recorded_at)}"
            if kind not in ("reversal", "dispute"):
                body += f"{by}.</p>\n    "
            else:
                body += f"({target.occurred_on.isoformat()}, {escape(kind_label(target.kind).lower())}) {by}"
                body += ": this did not happen as logged.</p>" if kind == "dispute" else ".</p>"
                body += f'\n      <p class="entry-meta">Reason: {escape(entry.reason)}</p>\n    '
        drawn.append(
            f'\n    <li id="entry-{entry.id}" class="entry entry-{escape(kind)}{" reversed" if reversal else ""}">'
            f"\n    {body}\n    </li>\n  "
        )
    return Markup("".join(drawn))


def _contribution(entry, item, reversal, here: str, page_csrf: str, reverse_csrf: bool, hint: str) -> str:
    confirmation, dispute = item["confirmation"], item["dispute"]
    note = f" · {escape(entry.note)}" if entry.note else ""
    if confirmation is not None:
        status = (
            '<span class="badge badge-confirmed">confirmed</span> Confirmed by'
            f" {escape(confirmation.recorded_by.name)} on {utc_minute(confirmation.recorded_at)}.\n        "
        )
    elif reversal is not None:
        status = ""
    elif dispute is not None:
        status = (
            f"{confirmation_badge(entry)} ({escape(dispute.recorded_by.name)},"
            f' <a href="#entry-{dispute.id}">#{dispute.seq}</a>).'
            f"{' Reverse this entry if it is wrong.' if item['may_reverse'] else ''}\n        "
        )
    else:
        status = confirmation_badge(entry) if entry.confirmation_state else ""
    reversed_by = (
        '<span class="badge badge-reversed">reversed</span> Reversed by'
        f' <a href="#entry-{reversal.id}">#{reversal.seq}</a>: {escape(reversal.reason)}'
        if reversal is not None
        else ""
    )
    body = (
        f'\n      <p class="entry-body"><span class="seq">#{entry.seq}</span>'
        f"\n        <strong>{entry.occurred_on.isoformat()}</strong> · {_label(entry.kind)}"
        f" · {escape(entry.minutes)} min{note}</p>"
        f'\n      <p class="entry-meta">Logged by {escape(entry.recorded_by.name)} on {utc_minute(entry.recorded_at)}.'
        f"\n        {status}\n        {reversed_by}</p>\n      "
    )
    if item["may_confirm"]:
        body += (
            f'<form class="inline" method="post" action="{id_url("ledger.confirm", "entry_id", entry.id)}">'
            f'\n  <input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
            f'\n  <input type="hidden" name="next" value="{escape(here)}">'
            f'\n  <button type="submit" aria-label="Confirm {escape(kind_label(entry.kind).lower())}'
            f' on {entry.occurred_on.isoformat()}">Confirm</button>\n</form>'
            f'\n      <a href="{id_url("ledger.entry", "entry_id", entry.id)}#dispute">This didn\'t happen…</a>'
        )
    body += "\n      "
    if item["may_reverse"]:
        body += _reverse_form(entry, item, page_csrf, reverse_csrf, hint)
    return body + "\n    "


def _reverse_form(entry, item, page_csrf: str, reverse_csrf: bool, hint: str) -> str:
    """The reverse form of a contribution: the refused one (``reverse_form``), drawn by the
    form macros, or a blank one, as the ``field`` macro draws a ``ReverseForm.for_entry``."""
    refused = item["reverse_form"]
    seq = entry.seq
    opened = " open" if refused is not None and (refused.errors or refused.refusal) else ""
    summary = f"Reverse this entry (#{seq})…" if item["dispute"] is not None else f"Reverse #{seq}…"
    if refused is not None:
        forms = current_app.jinja_env.get_template("_forms.html").module
        refusal = forms.summary(refused, "The entry was not reversed")  # type: ignore[attr-defined]
        token = getattr(refused, "csrf_token", "")  # none where CSRF protection is off
        fields = f"{escape(token)}\n          {forms.field(refused.reason, hint=hint)}"  # type: ignore[attr-defined]
    else:
        name = f"reverse-{entry.id}"
        token = (
            f'<input id="{name}-csrf_token" name="{name}-csrf_token" type="hidden" value="{escape(page_csrf)}">'
            if reverse_csrf
            else ""
        )
        refusal = ""
        fields = (
            f'\n          {token}\n          <p class="field">\n  <label for="{name}-reason">Why reverse #{seq}?</label>'
            f'\n  <span class="hint" id="{name}-reason-hint">{escape(hint)}</span>'
            f'\n  <input aria-describedby="{name}-reason-hint" id="{name}-reason" maxlength="2000"'
            f' name="{name}-reason" required type="text" value="">\n  \n</p>'
        )
    return (
        f'\n      <details class="reverse"{opened}>\n        <summary>{summary}</summary>\n        {refusal}'
        f'\n        <form method="post" action="{id_url("ledger.reverse", "entry_id", entry.id)}" novalidate>'
        f'\n          {fields}\n          <button type="submit" class="secondary">Reverse #{seq}</button>'
        "\n        </form>\n      </details>\n      "
    )
