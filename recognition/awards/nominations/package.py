"""One PDF package per nomination, as award committees are used to reading them: a cover
with the nominee and the award, every nominator's statement, the nominee's mentoring
philosophy, the evidence table from the ledger (with its hash once frozen), then each
supporting letter as stored (re-written on upload: ``letters``).

A letter that cannot be read (one stored before letters were re-written) is replaced by a
page saying so, and the rest of the package is built as usual: one bad letter never
breaks the package.

For the committee and the award's administrators only (``may_read``): it holds the
statements and the letters, which the nominee never reads.
"""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader, PdfWriter
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageTemplate, Spacer, Table

from ...auth.service import Actor
from ...credits import service as credits
from ...credits.certificate import (
    ACCENT,
    MARGIN_TOP,
    MARGIN_X,
    PAGE,
    RULE,
    SANS,
    STRIPE,
    _grid,
    _p,
    _register_fonts,
    body_frame,
    doc_template,
)
from ..models import Letter, Nomination
from . import evidence, letters
from . import pdf as letter_files
from . import service as nominations


def may_read(actor: Actor, nomination: Nomination) -> bool:
    """The award's administrators and the committee members not recused from it; never the nominee."""
    roles = nominations.role_in(actor, nomination)
    return "nominee" not in roles and bool(roles & {"manager", "member"})


def _paragraphs(text: str, style: str) -> list:
    return [_p(part, style) for part in (text or "").split("\n") if part.strip()] or [_p("—", style)]


def _included(letters: list[Letter]) -> list[tuple[Letter, PdfReader | None, str | None]]:
    """Each letter with a reader over it, or None and why it cannot be included."""
    found: list[tuple[Letter, PdfReader | None, str | None]] = []
    for letter in letters:
        try:
            found.append((letter, letter_files.readable(letter.pdf), None))
        except letter_files.Unreadable as error:
            found.append((letter, None, str(error)))
    return found


def _stand_in(number: int, letter: Letter, reason: str) -> PdfReader:
    """The page that takes an unreadable letter's place."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=PAGE, invariant=1)
    _register_fonts()
    canvas.setFont(SANS, 13)
    canvas.drawString(MARGIN_X, PAGE[1] - MARGIN_TOP, f"Letter {number} could not be included")
    canvas.setFont(SANS, 10)
    lines = [
        f"{letter.author}: {letter.filename}, uploaded {letter.uploaded_at:%Y-%m-%d}.",
        f"Reason: {reason[:150]}.",
        "Download it separately from the nomination's page.",
    ]
    for offset, line in enumerate(lines, start=1):
        canvas.drawString(MARGIN_X, PAGE[1] - MARGIN_TOP - offset * 16, line)
    canvas.showPage()
    canvas.save()
    return PdfReader(io.BytesIO(buffer.getvalue()))


def _cover(nomination: Nomination, day: date, width: float, included=None) -> list:
    cycle, nominee = nomination.cycle, nomination.nominee
    table, digest = evidence.evidence(nomination, day)
    story = [
        _p(credits.certificate_settings()["department"], "department"),
        _p(f"{cycle.award.name} {cycle.year} · nomination package", "kicker"),
        Spacer(1, 6 * mm),
        _p(nominee.name, "name"),
        _p(f"{nominee.division.name if nominee.division else ''} · {nominee.rank} rank".strip(" ·"), "subtitle"),
        Spacer(1, 6 * mm),
        _p("Confidential to the award committee and the award's administrators.", "note"),
        Spacer(1, 8 * mm),
    ]
    for statement in nomination.statements:
        story += [
            _p(f"Statement by {statement.nominator.name}", "heading"),
            *_paragraphs(statement.text, "value"),
            Spacer(1, 5 * mm),
        ]
    story += [
        _p("Mentoring philosophy (the nominee's own statement)", "heading"),
        *_paragraphs(nomination.philosophy or "Not written.", "value"),
        Spacer(1, 5 * mm),
        _p("Mentoring philosophy (from the nominee's profile, with the evidence)", "heading"),
        *_paragraphs(table.get("philosophy") or "None in the profile.", "value"),
        Spacer(1, 5 * mm),
        _p("Evidence from the mentoring ledger", "heading"),
    ]
    state = (
        f"Frozen when nominations closed; SHA-256 {digest}."
        if digest
        else f"Live: as the ledger stands on {day.isoformat()}; frozen when nominations close."
    )
    story += [_p(state, "fact"), Spacer(1, 2 * mm)]
    head = ["Mentee", "Kind", "Since", "Until", "Meetings", "Confirmed", "Hours", "Milestones"]
    rows = [[_p(text, "cell_head") for text in head]]
    for row in table["mentorships"]:
        rows.append(
            [
                _p(row["mentee"], "cell"),
                _p(row["kind"].replace("_", " "), "cell"),
                _p(row["started_on"], "cell"),
                _p(row["ended_on"] or "ongoing", "cell"),
                _p(str(row["meetings"]), "cell_right"),
                _p(str(row["confirmed_meetings"]), "cell_right"),
                _p(f"{row['contact_hours']:.1f}", "cell_right"),
                _p("; ".join(row["milestones"]) or "—", "cell_note"),
            ]
        )
    totals = table["totals"]
    rows.append(
        [
            _p(f"{totals['mentees']} mentees", "cell_head"),
            _p("", "cell"),
            _p(totals["mentoring_since"] or "", "cell"),
            _p("", "cell"),
            _p(str(totals["meetings"]), "cell_right"),
            _p(str(totals["confirmed_meetings"]), "cell_right"),
            _p(f"{totals['contact_hours']:.1f}", "cell_right"),
            _p(f"{totals['mentee_milestones']} milestones", "cell_note"),
        ]
    )
    grid = Table(
        rows, colWidths=[38 * mm, 20 * mm, 20 * mm, 20 * mm, 16 * mm, 18 * mm, 14 * mm, width - 146 * mm], repeatRows=1
    )
    grid.setStyle(
        _grid(
            [
                ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
                ("BACKGROUND", (0, -1), (-1, -1), ACCENT),
                ("ROWBACKGROUNDS", (0, 1), (-1, -2), [None, STRIPE]),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    feedback = table["feedback"]
    released = (
        f"{feedback['responses']} responses released (pooled in blocks of at least {feedback['k']}), mean "
        f"{feedback['mean']} on the 6-point scale"
        if feedback["responses"]
        else "no feedback released"
    )
    awards = ", ".join(f"{a['award']} {a['year']}" for a in table["awards"]) or "none"
    story += [
        grid,
        Spacer(1, 3 * mm),
        _p(
            f"Mentees' feedback: {released}. Mentor training: {table['training']['sessions']} sessions, "
            f"{table['training']['hours']} hours. Past awards: {awards}.",
            "fact",
        ),
    ]
    included = included if included is not None else _included(letters.letters(nomination.id))
    story += [Spacer(1, 5 * mm), _p("Supporting letters (attached after this page)", "heading")]
    story += [
        _p(
            f"{n}. {letter.author}: {letter.pages} page{'s' * (letter.pages != 1)}, SHA-256 {letter.sha256}"
            + (f" (could not be included: {reason[:150]}; download it separately)" if reader is None else ""),
            "fact",
        )
        for n, (letter, reader, reason) in enumerate(included, start=1)
    ] or [_p("None.", "fact")]
    return story


def render(nomination: Nomination, day: date) -> bytes:
    """The package as PDF bytes: the cover pages, then each letter's pages (or, for a
    letter that cannot be read, a page saying so)."""
    _register_fonts()
    buffer = io.BytesIO()
    cycle = nomination.cycle
    doc = doc_template(
        buffer,
        title=f"Nomination: {nomination.nominee.name}, {cycle.award.name} {cycle.year}",
        author=credits.certificate_settings()["department"],
    )
    frame = body_frame(doc)
    doc.addPageTemplates([PageTemplate(id="package", frames=[frame])])
    included = _included(letters.letters(nomination.id))
    doc.build(_cover(nomination, day, doc.width, included))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    for number, (letter, reader, reason) in enumerate(included, start=1):
        if reader is not None:
            try:
                part = PdfWriter()
                part.append(reader)  # into a writer of its own first: a failure leaves the package whole
                copy = io.BytesIO()
                part.write(copy)
                writer.append(PdfReader(io.BytesIO(copy.getvalue())))
                continue
            except Exception as error:  # noqa: BLE001 - whatever the PDF library trips on, the letter is unreadable
                reason = f"{type(error).__name__}: {str(error)[:120]}"
        writer.append(_stand_in(number, letter, reason or "unreadable"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def download_name(nomination: Nomination) -> str:
    cycle = nomination.cycle
    return f"{cycle.award.slug}-{cycle.year}-nomination-{nomination.id}.pdf"
