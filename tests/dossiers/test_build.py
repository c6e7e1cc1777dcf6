"""What a dossier says, checked against the ledger and milestones it names: every number is
recomputed from the entries it cites, mentees who asked not to be named are never named,
and feedback below k is never shown."""

from __future__ import annotations

import csv
import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from recognition.dossiers import build, export, rules
from recognition.dossiers.pdf import render
from recognition.extensions import db
from recognition.ledger.models import LedgerEntry
from recognition.milestones import queries
from recognition.people.models import Person

from .conftest import END, PHILOSOPHY, START

MEETING_KINDS = set(rules.MEETING_KINDS)


@pytest.fixture(scope="module")
def document(world):
    with world.app.app_context():
        person = db.session.get(Person, world.ids["mentor"])
        return {**build.content(person, START, END), "ledger_head": {"seq": 1, "hash": "0" * 64}}


def entry(entry_id: int) -> LedgerEntry:
    return db.session.get(LedgerEntry, entry_id)


def followers(entry_id: int) -> dict[str, LedgerEntry]:
    rows = db.session.scalars(select(LedgerEntry).where(LedgerEntry.target_id == entry_id)).all()
    return {row.entry_type: row for row in rows}


def test_every_mentee_row_is_recomputed_from_the_entries_it_names(world, document):
    with world.app.app_context():
        for row in document["mentees"]:
            minutes = confirmed = 0
            for cited in row["entries"]:
                stored = entry(cited["entry_id"])
                assert stored.entry_hash == cited["entry_hash"] and stored.seq == cited["seq"]
                assert stored.entry_type == "contribution" and stored.kind in MEETING_KINDS
                assert START <= stored.occurred_on <= END and stored.person_id == world.ids["mentor"]
                after = followers(stored.id)
                assert "reversal" not in after
                assert cited["confirmed"] == ("confirmation" in after)
                if cited["confirmed"]:
                    assert cited["confirmation"] == {
                        "entry_id": after["confirmation"].id,
                        "entry_hash": after["confirmation"].entry_hash,
                    }
                minutes += stored.minutes
                confirmed += cited["confirmed"]
            assert (row["meetings"], row["confirmed_meetings"], row["contact_minutes"]) == (
                len(row["entries"]),
                confirmed,
                minutes,
            )
            for reached in row["milestones"]:
                standing = {
                    m.id
                    for found in queries.standing([world.ids["mentee"], world.ids["quiet"]]).values()
                    for m in found
                }
                assert reached["milestone_id"] in standing
                assert entry(reached["entry_id"]).entry_hash == reached["entry_hash"]


def test_the_summary_counts_what_the_rows_and_sources_say(world, document):
    summary, rows = document["summary"], document["mentees"]
    sources = summary["sources"]
    assert summary["meetings"] == len(sources["meetings"]) == sum(r["meetings"] for r in rows) == 4
    assert summary["confirmed_meetings"] == len(sources["confirmed_meetings"]) == 3
    assert summary["contact_minutes"] == 60 + 45 + 90 + 60 and summary["contact_hours"] == "4.3"
    assert summary["sustained_years"] == [2024, 2025] and summary["years_of_sustained_mentoring"] == 2
    assert {y: len(e) for y, e in sources["years_of_sustained_mentoring"].items()} == {"2024": 2, "2025": 1}
    assert summary["mentees_who_became_mentors"] == 1 and sources["mentees_who_became_mentors"]["rows"] == [1]
    assert summary["mentee_milestones"] == 1
    assert sources["mentee_milestones"][0]["milestone_id"] == world.milestone_ids["promotion"]
    cited = {e["entry_id"] for e in sources["meetings"]}
    assert world.meeting_ids["reversed"] not in cited
    assert {world.meeting_ids[k] for k in ("first", "second", "unconfirmed", "sponsored")} == cited
    with world.app.app_context():
        for ref in sources["contact_hours"]:
            assert entry(ref["entry_id"]).entry_hash == ref["entry_hash"]


def test_career_stage_is_the_rank_at_the_start_and_mentees_are_counted_by_stage_and_kind(document):
    first, second = document["mentees"]
    assert (first["career_stage"], first["kind"]) == ("lecturer", "formal")  # assistant now, lecturer then
    assert (second["career_stage"], second["kind"]) == ("assistant", "sponsorship")
    assert [(s["career_stage"], s["kinds"]) for s in document["summary"]["by_stage"]] == [
        ("lecturer", {"formal": 1}),
        ("assistant", {"sponsorship": 1}),
    ]
    assert document["summary"]["mentees"] == 2


def test_only_standing_milestones_after_the_start_count(world, document):
    reached = [m["milestone_id"] for m in document["mentees"][0]["milestones"]]
    assert reached == [world.milestone_ids["promotion"]]  # not the appointment, not the unconfirmed grant
    assert document["mentees"][0]["became_mentor_on"] == "2025-04-01"


def test_training_and_philosophy(document):
    assert document["training"]["sessions"] == 1 and document["training"]["hours"] == "2.0"
    assert document["philosophy"] == PHILOSOPHY


def test_a_mentee_who_asked_not_to_be_named_is_never_named_in_any_format(world, document):
    row = document["mentees"][1]
    assert row["mentee"] == "a mentee (assistant professor, Nephrology)" and row["named"] is False
    assert "mentee_id" not in row and "mentorship_id" not in row
    assert document["mentees"][0]["mentee"] == "Mentee Person"
    with world.app.app_context():
        quiet = db.session.get(Person, world.ids["quiet"])
        secrets = (quiet.name, "Quiet", quiet.email, f'"mentee_id": {quiet.id}')
        pdf = render(document, {"department": "Department of Medicine"})
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    as_csv, as_json = export.to_csv(document), export.to_json(document)
    for shown in (text, as_csv, as_json):
        assert "a mentee (assistant professor, Nephrology)" in " ".join(shown.split())
        assert "Mentee Person" in shown
        for secret in secrets:
            assert secret not in shown


def test_feedback_is_pooled_at_k_and_withheld_below_it(world):
    with world.app.app_context():
        shown = build.feedback_section(world.ids["mentor"], START, END)
        assert shown["shown"] and shown["responses"] == 3 and shown["overall"] == "5.00"
        world.app.config["FEEDBACK_MIN_RESPONSES"] = 4
        try:
            withheld = build.feedback_section(world.ids["mentor"], START, END)
            person = db.session.get(Person, world.ids["mentor"])
            document = {**build.content(person, START, END), "ledger_head": {"seq": 1, "hash": "0" * 64}}
            pdf = render(document, {"department": "Department of Medicine"})
        finally:
            world.app.config["FEEDBACK_MIN_RESPONSES"] = 3
    assert withheld["shown"] is False and withheld["responses"] is None and withheld["overall"] is None
    assert withheld["items"] == [] and withheld["message"] == "fewer than 4 responses released for this period"
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Fewer than 4 responses released" in text and "5.00" not in text
    rows = list(csv.DictReader(io.StringIO(export.to_csv(document).lstrip("\ufeff"))))
    assert [r["value"] for r in rows if r["section"] == "Feedback"] == [
        "fewer than 4 responses released for this period"
    ]


def test_feedback_outside_the_period_is_not_counted(world):
    with world.app.app_context():
        assert build.feedback_section(world.ids["mentor"], START.replace(year=2025), END)["shown"] is False


def test_the_pdf_has_a_bookmark_per_section_and_prints_the_ledger_head(world, document):
    with world.app.app_context():
        pdf = render(document, {"department": "Department of Medicine"})
    reader = PdfReader(io.BytesIO(pdf))
    assert [item.title for item in reader.outline] == list(rules.SECTIONS)
    text = " ".join("".join(p.extract_text() for p in reader.pages).split())
    assert "Data Summary Table: Mentorship" in text
    assert f"entry 1, head hash {'0' * 64}" in text


def test_the_csv_has_a_section_column_and_one_row_per_mentorship(document):
    rows = list(csv.DictReader(io.StringIO(export.to_csv(document).lstrip("\ufeff"))))
    mentees = [r for r in rows if r["section"] == "Mentees"]
    assert [(r["mentee"], r["confirmed_meetings"], r["contact_hours"]) for r in mentees] == [
        ("Mentee Person", "2", "3.3"),
        ("a mentee (assistant professor, Nephrology)", "1", "1.0"),
    ]
    assert {r["section"] for r in rows} >= {"Summary", "Mentees", "Feedback", "Training", "Philosophy", "Provenance"}
    assert json.loads(export.to_json(document)) == document


def test_the_pdf_prints_any_name_and_text_as_written(world, document):
    changed = json.loads(json.dumps(document))
    changed["mentees"][0]["mentee"] = "Zoë Ångström-Nguyễn <b>&amp;</b> 王小明"
    changed["philosophy"] = "Ask; listen; <i>then</i> act & follow up."
    with world.app.app_context():
        pdf = render(changed, {"department": "Département de médecine"})
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Zoë Ångström-Nguyễn <b>&amp;</b>" in text and "<i>then</i> act & follow up." in text
    assert "Département de médecine" in text
