"""The awards the demo makes and the words its people write: the three awards' settings
and rubrics, the schedules of this year's showcase cycles, the statements, philosophies,
letters and comments, and the supporting letters as one-page PDFs."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from ..credits.certificate import SANS, _register_fonts, markup

MENTORSHIP = {
    "slug": "department-mentorship-award",
    "name": "Department of Medicine Mentorship Award",
    "description": "For sustained, generous mentorship that has shaped colleagues' careers, as the mentoring "
    "ledger, the mentees' own words and their progress show.",
    "level": "department",
    "winners": 1,
    "opens": "02-01",
    "closes": "03-15",
    "review_ends": "04-15",
    "decision": "04-30",
    "announcement": "05-20",
    "eligibility": {"min_years_mentoring": 2, "min_mentees": 3},  # past winners: never again
}
EARLY_CAREER = {
    "slug": "early-career-mentor-award",
    "name": "Early Career Mentor Award",
    "description": "For a faculty member in their first ten years on faculty who already mentors others "
    "with skill and care.",
    "level": "department",
    "winners": 1,
    "opens": "09-01",
    "closes": "10-15",
    "review_ends": "11-15",
    "decision": "11-30",
    "announcement": "12-10",
    "eligibility": {"max_years_on_faculty": 10, "past_winner_exclusion_years": 5},
    "rubric": {
        "low": 1,
        "high": 5,
        "criteria": [
            {
                "id": "engagement",
                "name": "Engagement",
                "weight": 0.35,
                "description": "Regular meetings, confirmed by the mentees, and academic-plan reviews on time.",
            },
            {
                "id": "reach",
                "name": "Reach",
                "weight": 0.2,
                "description": "Mentees and peer-group members supported, early in the nominee's own career.",
            },
            {
                "id": "growth",
                "name": "Mentees' growth",
                "weight": 0.3,
                "description": "What the mentees say and what they went on to do.",
            },
            {
                "id": "learning",
                "name": "Learning to mentor",
                "weight": 0.15,
                "description": "Mentor training, and reflection on the feedback mentees give.",
            },
        ],
    },
}
DIVISION_SCHEDULE = {
    "opens": "04-01",
    "closes": "05-01",
    "review_ends": "05-31",
    "decision": "06-10",
    "announcement": "06-20",
}
# This year's cycles of the two department awards, in days from today.
OPEN_NOW = {"opens_on": -14, "closes_on": 30, "review_ends_on": 60, "decision_on": 70, "announce_on": 80}
IN_REVIEW = {"opens_on": -70, "closes_on": -25, "review_ends_on": 12, "decision_on": 20, "announce_on": 30}
LENIENT, HARSH = 1.2, -1.2  # how far a reviewer's scores sit from the committee's

STATEMENTS = {
    "formal": (
        "{nominee} has been my formal mentor since {since}. We meet every few months, and I leave each "
        "meeting with a clearer plan: which grant to write first, which committee to decline, how to ask for "
        "protected time. When my first paper was rejected, {nominee} read the reviews with me that week and "
        "helped me turn them into a stronger submission. I would not be where I am without this mentorship."
    ),
    "peer_group": (
        "I joined the {group} that {nominee} leads in {year}. Month after month, {nominee} makes it a "
        "place where early-career faculty bring a stalled project or a hard conversation and leave with a "
        "next step. Several of us have since been promoted, and we credit the group and the person who "
        "holds it together."
    ),
    "sponsorship": (
        "{nominee} has sponsored me since {year}: putting my name forward for a hospital committee and "
        "as a speaker, and vouching for me when it counted. Sponsorship costs the sponsor something; "
        "{nominee} gives it generously and without being asked."
    ),
    "informal": (
        "No one assigned {nominee} to me. Since {year} I have sought out {nominee}'s advice on careers, "
        "grants and difficult clinical situations, and it has always been given with time, candour and "
        "care. This is mentoring the department rarely sees, and it deserves to be seen."
    ),
    "director": (
        "As director of {division}, I see how our faculty are mentored. {nominee} mentors more of our new "
        "faculty than almost anyone, and the ledger shows it: regular meetings, confirmed by the mentees, "
        "and academic-plan reviews done on time. The mentees' progress speaks for itself."
    ),
    "colleague": (
        "I have worked alongside {nominee} in {division} for years and have watched colleagues seek "
        "{nominee} out for advice. That mentoring is generous, sustained and mostly invisible; this "
        "nomination is a chance to make it visible."
    ),
}
PHILOSOPHIES = (
    (
        "Mentoring, to me, is about the mentee's goals, not mine. At the first meeting I ask what a good five years "
        "would look like, write it down, and come back to it at every academic-plan review. My job is to open doors, "
        "give honest feedback early, and step back when the mentee is ready to lead."
    ),
    (
        "I meet regularly even when nothing is urgent, because the most useful conversations are often the unplanned "
        "ones. I share my failures as readily as my successes, and I introduce mentees to people who know more than "
        "I do about what they need."
    ),
    (
        "Mentoring can be learned. I took the department's mentor training, I read the feedback my mentees give "
        "through the program, and I change what I do in response. I want every mentee to leave ready to mentor "
        "someone else."
    ),
)
LETTER_TEXT = (
    "I write in strong support of the nomination of {nominee} for the {award} {year}. I have known "
    "{nominee} for several years, first as a mentee and now as a colleague. What stands out is consistency: "
    "meetings that happen, follow-up that arrives, advice that is honest even when it is unwelcome. Many of "
    "the faculty {nominee} has mentored now mentor others, and they speak of that mentorship the way I do."
)
COMMENTS = (
    (4.5, "An exceptional record: regular confirmed meetings, mentees who now mentor, and moving letters."),
    (4.0, "Strong nominee; the evidence table backs up every claim in the statements."),
    (3.4, "Solid, sustained mentoring. Fewer mentees than some, but consistent and well documented."),
    (2.8, "Committed, though the ledger shows fewer meetings in recent years than the statements suggest."),
    (0.0, "A good mentor with a thinner record so far; a stronger nominee in a year or two."),
)
DECLARED = "We co-lead a research program and hold a grant together; I cannot judge this nomination impartially."
REVISED = "Revised after re-reading the supporting letter and the mentees' statements."
OVERRULED = (
    "The ranking placed {name} {place}. At its meeting the committee weighed the mentees' statements and the "
    "letters, which the rubric captures only in part, and chose {name} by consensus; the nominees ranked "
    "above remain eligible and were encouraged to stand again."
)
NOTE = "Decided at the committee's meeting after the review closed."
PLACES = {2: "second", 3: "third", 4: "fourth"}
PHASE_WORDS = {
    "scheduled": "scheduled",
    "open": "open for nominations",
    "closed": "nominations closed",
    "review": "in review",
    "decided": "decided",
}


def letter_pdf(greeting: str, body: str, author: str) -> bytes:
    """A one-page supporting letter, in the certificate's fonts (names in any script)."""
    _register_fonts()
    style = ParagraphStyle("letter", fontName=SANS, fontSize=11, leading=16)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, invariant=1, title="Letter of support", author=author)
    doc.build(
        [
            Paragraph(markup(greeting, SANS), style),
            Spacer(1, 10),
            Paragraph(markup(body, SANS), style),
            Spacer(1, 18),
            Paragraph(markup(f"Sincerely,\n{author}", SANS).replace("\n", "<br/>"), style),
        ]
    )
    return buffer.getvalue()
