"""The award certificate PDF, and the committee's ranking sheet.

Both use the credit certificate's fonts, styles, logo and QR code (``credits.certificate``),
so every document the department issues looks like one family and embeds its fonts.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import landscape
from reportlab.lib.units import mm
from reportlab.platypus import PageTemplate, Spacer, Table
from reportlab.platypus.flowables import HRFlowable

from ...credits.certificate import (
    ACCENT,
    PAGE,
    RULE,
    STRIPE,
    _border,
    _day,
    _grid,
    _logo,
    _p,
    _qr,
    _register_fonts,
    body_frame,
    doc_template,
)


def render(facts: dict, settings: dict) -> bytes:
    """One page: the department, the award, the winner, the year, and a verification box
    (QR code, code, URL, key id and the credential's hash)."""
    _register_fonts()
    department = facts["department"]
    buffer = io.BytesIO()
    doc = doc_template(
        buffer,
        title=f"{facts['award']} {facts['year']}: {facts['name']}",
        author=department,
        subject=f"Award certificate, {facts['award']} {facts['year']}",
    )
    frame = body_frame(doc)
    doc.addPageTemplates([PageTemplate(id="certificate", frames=[frame], onPage=_border)])
    logo = _logo(settings, department)
    room = getattr(logo, "drawWidth", None) or logo.width
    header = Table(
        [[logo, [_p(department, "department"), _p("Mentorship recognition", "kicker")]]],
        colWidths=[room + 5 * mm, doc.width - room - 5 * mm],
    )
    header.setStyle(_grid([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    where = f" · {facts['division']}" if facts.get("division") else ""
    story = [
        header,
        Spacer(1, 3 * mm),
        HRFlowable(width="100%", thickness=0.8, color=ACCENT, spaceAfter=14 * mm),
        _p(facts["award"], "title"),
        Spacer(1, 2 * mm),
        _p(f"{facts['year']}", "subtitle"),
        Spacer(1, 14 * mm),
        _p("IS PRESENTED TO", "certifies"),
        Spacer(1, 3 * mm),
        _p(facts["name"], "name"),
        Spacer(1, 2 * mm),
        _p(f"{department}{where}", "subtitle"),
        Spacer(1, 8 * mm),
    ]
    if facts.get("description"):
        story += [_p(facts["description"], "body"), Spacer(1, 6 * mm)]
    story += [
        _p(
            f"Awarded on {_day(facts['awarded_on'])}, on the recommendation of the award committee, for "
            "mentorship recorded in the department's mentoring ledger.",
            "body",
        ),
        Spacer(1, 16 * mm),
    ]
    if settings.get("signatory"):
        story += [_p(settings["signatory"], "signatory"), Spacer(1, 8 * mm)]
    details = [
        _p("VERIFICATION CODE", "label"),
        _p(facts["printed_code"], "code"),
        Spacer(1, 1 * mm),
        _p(f"Check that this award is genuine and has not been revoked at {facts['url']}", "value"),
        Spacer(1, 2 * mm),
        _p(f"Open Badges 3.0 credential signed with key {facts['key_id']}", "fact"),
        _p(f"Credential hash (SHA-256) {facts['content_hash']}", "hash"),
    ]
    box = Table([[_qr(facts["url"]), details]], colWidths=[38 * mm, doc.width - 38 * mm])
    box.setStyle(
        _grid(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("BACKGROUND", (0, 0), (-1, -1), STRIPE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
            ]
        )
    )
    story.append(box)
    doc.build(story)
    return buffer.getvalue()


def ranking_sheet(
    title: str, subtitle: str, rows: list[dict], criteria_note: str, settings: dict, warnings: Sequence[str] = ()
) -> bytes:
    """The ranking as a landscape table: position, nominee, division, raw mean, normalised
    mean, reviews (of those who could review) and spread, with any warnings above it and the
    tie-break rule under it. ``rows`` come from ``exports.sheet``; a row with ``recused``
    shows no position and no numbers, a row not yet ranked only its reviews."""
    _register_fonts()
    buffer = io.BytesIO()
    size = landscape(PAGE)
    doc = doc_template(
        buffer,
        title=title,
        author=settings.get("department", ""),
        subject=subtitle,
        pagesize=size,
        top=18 * mm,
        bottom=18 * mm,
    )
    frame = body_frame(doc)
    doc.addPageTemplates([PageTemplate(id="sheet", frames=[frame])])

    def number(value, places=3):
        return "" if value is None else f"{value:.{places}f}"

    head = [
        "Position",
        "Nominee",
        "Division",
        "Raw mean",
        "Normalised mean (z)",
        "Reviews (of could review)",
        "Spread (sd)",
    ]
    data = [[_p(text, "cell_head") for text in head]]
    spans = []
    for row in rows:
        if row.get("recused"):  # no position, no numbers: its place would give it away
            spans.append(("SPAN", (3, len(data)), (6, len(data))))
            data.append(
                [
                    _p("—", "cell"),
                    _p(row["nominee"], "cell"),
                    _p(row.get("division") or "", "cell"),
                    _p("recused: scores and place not shown", "cell_note"),
                    "",
                    "",
                    "",
                ]
            )
            continue
        reviews = f"{row['reviews']} of {row['reviewers']}" if row.get("reviewers") is not None else str(row["reviews"])
        if row["position"] is None:  # too few reviews: no place and no means
            spans.append(("SPAN", (3, len(data)), (4, len(data))))
            data.append(
                [
                    _p("—", "cell"),
                    _p(row["nominee"], "cell"),
                    _p(row.get("division") or "", "cell"),
                    _p(row.get("status") or "not yet ranked", "cell_note"),
                    "",
                    _p(reviews, "cell_right"),
                    "",
                ]
            )
            continue
        data.append(
            [
                _p(str(row["position"]), "cell"),
                _p(row["nominee"], "cell"),
                _p(row.get("division") or "", "cell"),
                _p(number(row["raw_mean"], 2), "cell_right"),
                _p(number(row["normalised_mean"]), "cell_right"),
                _p(reviews, "cell_right"),
                _p(number(row["spread"], 2), "cell_right"),
            ]
        )
    fixed = [16 * mm, 0, 0, 24 * mm, 34 * mm, 18 * mm, 24 * mm]
    rest = doc.width - sum(fixed)
    widths = [fixed[0], rest * 0.55, rest * 0.45, *fixed[3:]]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        _grid(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [None, STRIPE]),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *spans,
            ]
        )
    )
    story = [
        _p(settings.get("department", ""), "department"),
        _p(title, "heading"),
        _p(subtitle, "kicker"),
        *[_p(f"Warning: {warning}", "kicker") for warning in warnings],
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 4 * mm),
        _p(criteria_note, "kicker"),
    ]
    doc.build(story)
    return buffer.getvalue()
