"""The dossier section as PDF: "Data Summary Table: Mentorship", laid out for a promotion
committee, with a bookmark per section.

Rendered from the document alone (a draft, or the signed document at issue), with the
credit certificate's fonts, grid and QR code, so a name prints as written and the PDF says
nothing the document does not. An issued dossier carries its number, verification code
and QR; a draft says it is a draft. Both print the ledger head they were built on.
"""

from __future__ import annotations

import io
from functools import partial

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageTemplate, Paragraph, Spacer, Table
from reportlab.platypus.flowables import HRFlowable

from ..credits.certificate import (
    ACCENT,
    MARGIN_X,
    MUTED,
    PAGE,
    RULE,
    SANS,
    STRIPE,
    STYLES,
    PageCountCanvas,
    body_frame,
    doc_template,
    grid,
    markup,
    qr,
    register_fonts,
)
from ..credits.certificate import _day as day
from ..credits.certificate import _draw as draw
from . import rules


class Bookmark(Flowable):
    """A PDF outline entry (a bookmark) at the top of a section."""

    def __init__(self, title: str):
        super().__init__()
        self.title, self.key = title, "section-" + title.lower().replace(" ", "-")

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=0)


def _p(text, style: str = "cell") -> Paragraph:
    return Paragraph(markup(str(text), STYLES[style].fontName), STYLES[style])


def _table(rows: list[list], widths: list[float], header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm),
    ]
    if header:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]),
        ]
    table.setStyle(grid(commands))
    return table


def _head(cells: list[str]) -> list:
    return [_p(c, "cell_head") for c in cells]


def _section(title: str) -> list:
    return [Bookmark(title), Spacer(1, 4 * mm), _p(title, "heading")]


def render(document: dict, settings: dict) -> bytes:
    """The PDF of a dossier ``document`` (``service.draft`` or an issued one)."""
    register_fonts()
    buffer = io.BytesIO()
    person, period = document["person"], document["period"]
    department = settings.get("department") or "Department"
    doc = doc_template(
        buffer,
        title=f"Data Summary Table: Mentorship: {person['name']}",
        author=department,
        subject=f"Mentorship dossier, {period['start']} to {period['end']}",
    )
    frame = body_frame(doc)
    doc.addPageTemplates([PageTemplate(id="dossier", frames=[frame])])
    width = doc.width
    story = [
        *_title(document, department),
        *_summary(document["summary"], width),
        *_mentees(document["mentees"], width),
        *_feedback(document["feedback"], width),
        *_awards(document["awards"], width),
        *_credits(document["credits"], width),
        *_training(document["training"], width),
        *_section("Philosophy"),
        _p(document["philosophy"] or "No mentoring philosophy recorded.", "value"),
        *_provenance(document, width),
    ]
    label = document.get("number") or "Draft, not issued"
    footer = partial(_footer, text=f"{person['name']} · {label}")
    doc.build(story, canvasmaker=partial(PageCountCanvas, footer=footer))
    return buffer.getvalue()


def _title(document: dict, department: str) -> list:
    person, period = document["person"], document["period"]
    rank = rules.RANK_LABELS.get(person.get("rank"), person.get("rank") or "")
    where = ", ".join(part for part in (rank, person.get("division")) if part)
    state = (
        f"Dossier No. {document['number']}, version {document['version']}"
        if document.get("number")
        else "Draft: not issued, so not verifiable. Issue it for a signed, verifiable copy."
    )
    return [
        _p(department, "department"),
        _p("Promotion dossier · mentorship evidence", "kicker"),
        HRFlowable(width="100%", thickness=0.8, color=ACCENT, spaceBefore=2 * mm, spaceAfter=5 * mm),
        _p("Data Summary Table: Mentorship", "title"),
        Spacer(1, 2 * mm),
        _p(person["name"], "name"),
        _p(where, "subtitle"),
        Spacer(1, 1 * mm),
        _p(f"{day(period['start'])} – {day(period['end'])}", "subtitle"),
        Spacer(1, 1 * mm),
        _p(state, "note"),
    ]


def _summary(summary: dict, width: float) -> list:
    kinds = sorted({kind for stage in summary["by_stage"] for kind in stage["kinds"]})
    facts = [
        ["Mentees", summary["mentees"]],
        ["Mentorships", summary["mentorships"]],
        ["Confirmed meetings (of all meetings logged)", f"{summary['confirmed_meetings']} of {summary['meetings']}"],
        ["Contact hours", summary["contact_hours"]],
        [
            "Years of sustained mentoring (years with a confirmed meeting)",
            f"{summary['years_of_sustained_mentoring']}"
            + (f" ({', '.join(map(str, summary['sustained_years']))})" if summary["sustained_years"] else ""),
        ],
        ["Mentees who became mentors", summary["mentees_who_became_mentors"]],
        ["Milestones mentees reached", summary["mentee_milestones"]],
    ]
    story = [
        *_section("Summary"),
        _table([[_p(a, "sum"), _p(b, "sum_right")] for a, b in facts], [width - 40 * mm, 40 * mm], False),
    ]
    if summary["by_stage"]:
        rows = [_head(["Career stage at start", *[rules.KIND_LABELS.get(k, k) for k in kinds], "Total"])]
        for stage in summary["by_stage"]:
            rows.append(
                [
                    _p(stage["label"]),
                    *[_p(stage["kinds"].get(k, 0), "cell_right") for k in kinds],
                    _p(stage["total"], "cell_total_right"),
                ]
            )
        first = 50 * mm
        rest = (width - first) / (len(kinds) + 1)
        story += [
            Spacer(1, 3 * mm),
            _p("Mentorships by career stage and kind", "label"),
            _table(rows, [first, *[rest] * (len(kinds) + 1)]),
        ]
    return story


def _mentees(rows: list[dict], width: float) -> list:
    story = _section("Mentees")
    if not rows:
        return story + [_p("No mentorships as mentor in this period.", "value")]
    table = [
        _head(
            ["#", "Mentee", "Career stage", "Kind", "Span", "Meetings confirmed", "Contact hours", "Milestones reached"]
        )
    ]
    for row in rows:
        span = f"{day(row['started_on'], True)} – {day(row['ended_on'], True) if row['ended_on'] else 'ongoing'}"
        reached = [m["label"] for m in row["milestones"]]
        if row["became_mentor_on"]:
            reached.append(f"Became a mentor ({day(row['became_mentor_on'], True)})")
        table.append(
            [
                _p(row["row"]),
                _p(row["mentee"]),
                _p(row["career_stage_label"]),
                _p(row["kind_label"]),
                _p(span),
                _p(f"{row['confirmed_meetings']} of {row['meetings']}", "cell_right"),
                _p(row["contact_hours"], "cell_right"),
                [_p(text, "cell_note") for text in reached] or "",
            ]
        )
    widths = [6 * mm, 32 * mm, 22 * mm, 21 * mm, 25 * mm, 19 * mm, 16 * mm]
    widths.append(width - sum(widths))  # the milestones take what is left
    return story + [_table(table, widths)]


def _feedback(section: dict, width: float) -> list:
    story = _section("Feedback")
    if not section["shown"]:
        return story + [
            _p(
                f"Fewer than {section['k']} responses released: mentee feedback is shown only when at "
                f"least {section['k']} released responses can be pooled.",
                "value",
            )
        ]
    scale = section["scale"]
    story.append(
        _p(
            f"{section['responses']} released responses from feedback periods "
            f"{', '.join(section['periods'])}, pooled; {scale['instrument']}, scale {scale['min']} to "
            f"{scale['max']}. Overall mean {section['overall']}.",
            "value",
        )
    )
    rows = [_head(["Item", "Mean"])] + [[_p(i["item"]), _p(i["mean"] or "—", "cell_right")] for i in section["items"]]
    return story + [Spacer(1, 2 * mm), _table(rows, [width - 25 * mm, 25 * mm])]


def _awards(section: dict, width: float) -> list:
    story = _section("Awards and nominations")
    if section["won"]:
        rows = [_head(["Award", "Year", "Awarded", "Verification code"])]
        rows += [[_p(a["award"]), _p(a["year"]), _p(day(a["awarded_on"])), _p(a["code"])] for a in section["won"]]
        story.append(_table(rows, [width - 110 * mm, 20 * mm, 35 * mm, 55 * mm]))
    else:
        story.append(_p("No awards in this period.", "value"))
    if section["nominations"]:
        text = "; ".join(f"{n['award']} {n['year']}: {n['nominations']}" for n in section["nominations"])
        story += [Spacer(1, 2 * mm), _p(f"Nominations (counts only): {text}.", "value")]
    return story


def _credits(rows: list[dict], width: float) -> list:
    story = _section("Credits")
    if not rows:
        return story + [_p("No credit statements issued in this period.", "value")]
    table = [_head(["Statement", "Framework", "Year", "Total", "Verification code", "Status"])]
    for s in rows:
        status = [_p(s["status"])]
        if s["current_number"]:
            status.append(_p(f"current: {s['current_number']}, code {s['current_code']}", "cell_note"))
        table.append(
            [
                _p(s["number"]),
                _p(s["framework"]),
                _p(s["year"]),
                _p(f"{s['total']} {s['unit']}"),
                _p(s["code"], "cell_note"),
                status,
            ]
        )
    widths = [34 * mm, 28 * mm, 11 * mm, 22 * mm, 50 * mm]
    return story + [_table(table, [*widths, width - sum(widths)])]


def _training(section: dict, width: float) -> list:
    story = _section("Training")
    if not section["entries"]:
        return story + [_p("No mentor training recorded in this period.", "value")]
    rows = [_head(["Date", "Training", "Hours"])]
    rows += [
        [_p(day(e["date"])), _p(e["title"]), _p(rules.hours(e["minutes"]), "cell_right")] for e in section["entries"]
    ]
    rows.append(["", _p("Total", "sum_total"), _p(section["hours"], "cell_total_right")])
    return story + [_table(rows, [30 * mm, width - 50 * mm, 20 * mm])]


def _provenance(document: dict, width: float) -> list:
    head = document["ledger_head"]
    story = [
        *_section("Provenance"),
        _p(
            f"Built on the mentoring ledger at entry {head['seq']}, head hash {head['hash']}. Every number "
            "above counts the ledger entries below (and the recorded milestones named in the JSON export); "
            "recognition ledger verify checks they are unchanged.",
            "value",
        ),
        Spacer(1, 2 * mm),
    ]
    for row in document["mentees"]:
        if row["entries"]:
            seqs = ", ".join(f"#{e['seq']}" + ("✓" if e["confirmed"] else "") for e in row["entries"])
            story.append(_p(f"Row {row['row']}: entries {seqs}", "cell_note"))
    story.append(_p("✓: confirmed by the mentee.", "cell_note"))
    verification = document.get("verification")
    if verification:
        details = [
            _p("VERIFICATION CODE", "label"),
            _p(verification["code"], "code"),
            _p(f"Check it at {verification['url']}", "value"),
            _p(f"Issued {document['issued_at']} · signed with key {document['issuer']['key_id']}", "fact"),
        ]
        box = Table([[qr(verification["url"]), details]], colWidths=[38 * mm, width - 38 * mm])
        box.setStyle(
            grid(
                [
                    ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                    ("BACKGROUND", (0, 0), (-1, -1), STRIPE),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [Spacer(1, 4 * mm), KeepTogether([box])]
    return story


def _footer(canvas, page: int, pages: int, text: str) -> None:
    canvas.saveState()
    canvas.setFillColor(MUTED)
    draw(canvas, MARGIN_X, 14 * mm, text[:120], SANS, 7.5)
    canvas.setFont(SANS, 7.5)
    canvas.drawRightString(PAGE[0] - MARGIN_X, 14 * mm, f"page {page} of {pages}")
    canvas.restoreState()
