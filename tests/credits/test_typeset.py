"""Text set straight on the canvas breaks where a platypus Paragraph breaks it, so the
certificate drawn without platypus keeps the lines (and page breaks) it always had."""

from __future__ import annotations

import pytest
from reportlab.platypus import Paragraph

from recognition.credits.certificate import STYLES, markup, register_fonts
from recognition.credits.typeset import Lines

register_fonts()
CLAIM = (
    "under the Royal College MOC Program for 2025 (1 January 2025 – 31 December 2025), for 12 mentoring "
    "activities recorded in the Department of Obstetrics, Gynaecology and Reproductive Sciences's mentoring ledger."
)


def paragraph_lines(text: str, style: str, width: float) -> list[tuple[str, float]]:
    """Each line's text (spaces left out) and width, as a Paragraph of ``text`` sets them."""
    paragraph = Paragraph(markup(text, STYLES[style].fontName), STYLES[style])
    paragraph.wrap(width, 10_000)
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:
        return [("".join(words).replace(" ", ""), width - extra) for extra, words in lines]
    return [("".join(word.text for word in line.words).replace(" ", ""), width - line.extraSpace) for line in lines]


@pytest.mark.parametrize(
    "text, style, width",
    [
        ("Statement of Continuing Professional Development Credit", "title", 487.28),
        (CLAIM, "body", 487.28),
        (
            "Status at issue: current. Check the current status at https://recognition.example.org/verify/ABCD",
            "value",
            368.2,
        ),
        ("Reflection on feedback received:\nmentee  feedback report (2024)", "cell", 190.0),
        ("X" * 80, "name", 487.28),  # longer than a line: cut
        ("Reversed in part: " + "0123456789abcdef" * 8 + " and more", "cell_note", 190.0),  # cut mid-sentence
        ("Wei 王 Müller, Σοφία Παπαδοπούλου and 김민준 of the Department of Medicine", "cell", 120.0),  # fallback fonts
        ("山田はなこ", "name", 487.28),
        ("", "body", 100.0),
        ("1.50", "cell_right", 42.5),
    ],
)
def test_lines_break_where_a_paragraph_breaks(text, style, width):
    ours = Lines(text, STYLES[style], width).lines

    expected = paragraph_lines(text, style, width)
    assert ["".join(part for _, part in pieces).replace(" ", "") for _, pieces in ours] == [t for t, _ in expected]
    assert [round(used, 2) for used, _ in ours] == pytest.approx([round(w, 2) for _, w in expected], abs=0.05)
    assert Lines(text, STYLES[style], width).height == len(expected) * STYLES[style].leading
