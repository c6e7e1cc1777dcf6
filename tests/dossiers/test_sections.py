"""The awards, nominations and credits sections: nominations only as counts (never who
nominated or what they wrote), statements with their codes and what became of them."""

from __future__ import annotations

import io
from datetime import date, datetime

from pypdf import PdfReader

from recognition.auth.service import load_actor
from recognition.credits import canonical
from recognition.credits import service as credits
from recognition.dossiers import build, export
from recognition.dossiers.pdf import render
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.people.models import Person
from tests.support.awards import AwardWorld


def draft(person_id: int, start: date, end: date) -> dict:
    person = db.session.get(Person, person_id)
    return {**build.content(person, start, end), "ledger_head": {"seq": 1, "hash": "0" * 64}}


def every_format(document: dict) -> list[str]:
    pdf = render(document, {"department": "Department of Medicine"})
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    return [text, export.to_csv(document), export.to_json(document)]


def test_nominations_are_counts_per_award_and_year_without_nominators(app, dept):
    with app.app_context():
        AwardWorld.build(dept)  # the mentor is nominated in 2026 by the promotion committee member
        document = draft(dept.ids["mentor"], date(2025, 1, 1), date(2026, 6, 30))
        assert document["awards"]["nominations"] == [{"award": "Mentor of the Year", "year": 2026, "nominations": 1}]
        assert document["awards"]["won"] == []
        for shown in every_format(document):
            assert "Promotion Committee Person" not in shown and "mentor mentors well" not in shown
        assert draft(dept.ids["mentor"], date(2024, 1, 1), date(2025, 12, 31))["awards"]["nominations"] == []


def test_statements_issued_in_the_period_show_their_codes_and_status(app, dept):
    with app.app_context():
        mentor = load_actor(dept.ids["mentor"])
        ledger.record(
            {
                "kind": "mentor_training",
                "occurred_on": date(2024, 10, 1),
                "minutes": 120,
                "accreditation": "Royal College accredited workshop",
            },
            mentor,
            datetime(2025, 1, 5),
        )
        first = credits.issue(mentor.person_id, "royal_college_moc", 2024, mentor, datetime(2025, 1, 10))
        db.session.commit()
        ledger.record(
            {
                "kind": "mentor_training",
                "occurred_on": date(2024, 11, 1),
                "minutes": 60,
                "accreditation": "Royal College accredited webinar",
            },
            mentor,
            datetime(2025, 2, 1),
        )
        second = credits.issue(mentor.person_id, "royal_college_moc", 2024, mentor, datetime(2025, 2, 2), reissue=True)
        db.session.commit()
        document = draft(mentor.person_id, date(2025, 1, 1), date(2025, 12, 31))
        rows = {row["number"]: row for row in document["credits"]}
        assert rows[first.number]["status"] == "superseded"
        assert rows[first.number]["current_code"] == canonical.format_code(second.code)
        assert rows[second.number]["status"] == "current" and rows[second.number]["code"] == canonical.format_code(
            second.code
        )
        text = "".join(every_format(document)[0].split())  # the PDF wraps codes in their cells
        assert canonical.format_code(second.code) in text and "superseded" in text
        assert f"current:{second.number},code{canonical.format_code(second.code)}" in text
        assert draft(mentor.person_id, date(2025, 3, 1), date(2025, 12, 31))["credits"] == []
        training = draft(mentor.person_id, date(2024, 1, 1), date(2024, 12, 31))["training"]
        assert (training["sessions"], training["hours"]) == (2, "3.0")
        assert [e["title"] for e in training["entries"]] == [
            "Royal College accredited workshop",
            "Royal College accredited webinar",
        ]
