"""The milestone pages: report one yourself and see it pending, a director confirms it,
corrects or withdraws one with a reason and sees the history; a computed CFAR date is only
ever "due"; a refused form says what is wrong next to the field and changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from recognition.auth.service import load_actor
from recognition.extensions import db
from recognition.milestones import service
from recognition.milestones.models import Milestone

from .conftest import NOW, counts, enter

REPORT = {
    "kind": "leadership",
    "occurred_on": "2022-01-01",
    "title": "Program director",
    "agency": "Residency",
    "outcome": "",
    "rank": "",
    "role": "",
    "year": "",
    "note": "",
}


def test_report_confirm_correct_and_withdraw_through_the_pages(app, client, dept, login):
    login(client, "mentor")
    response = client.post("/milestones", data=REPORT)
    assert response.status_code == 302
    html = client.get("/milestones").get_data(as_text=True)
    assert "Reported: Leadership appointment: Program director (Residency)" in html
    assert "pending confirmation" in html
    with app.app_context():
        milestone_id = db.session.scalar(select(Milestone.id))

    client.post("/logout")
    login(client, "director")
    listed = client.get("/milestones/to-confirm").get_data(as_text=True)
    assert "Program director" in listed and "Mentor Person" in listed
    assert client.post(f"/milestones/{milestone_id}/confirmation").status_code == 302
    page = client.get(f"/milestones/{milestone_id}").get_data(as_text=True)
    assert "standing" in page and "confirmed by Director Person" in page
    assert "Nothing to confirm." in client.get("/milestones/to-confirm").get_data(as_text=True)

    form = client.get(f"/milestones/{milestone_id}/correction").get_data(as_text=True)
    assert 'value="Program director"' in form  # filled in with what is recorded
    refused = client.post(f"/milestones/{milestone_id}/correction", data={**REPORT, "reason": ""})
    assert refused.status_code == 422 and "must not be blank: say why" in refused.get_data(as_text=True)
    corrected = client.post(
        f"/milestones/{milestone_id}/correction",
        data={**REPORT, "title": "Associate program director", "reason": "Associate, per the letter"},
    )
    assert corrected.status_code == 302
    new_id = int(corrected.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/milestones/{new_id}").get_data(as_text=True)
    assert "History of corrections" in page and "Associate, per the letter" in page
    old = client.get(f"/milestones/{milestone_id}").get_data(as_text=True)
    assert "corrected</span> by" in old and "Correct it" not in old

    refused = client.post(f"/milestones/{new_id}/withdrawal", data={"withdraw-reason": ""})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert client.post(f"/milestones/{new_id}/withdrawal", data={"withdraw-reason": "Never held"}).status_code == 302
    page = client.get(f"/people/{dept.ids['mentor']}/milestones").get_data(as_text=True)
    assert 'withdrawn</span> <span class="reason">Never held' in page


def test_a_refused_report_names_the_field_and_stores_nothing(app, client, dept, login):
    login(client, "mentor")
    before = counts(app)
    response = client.post(
        "/milestones", data={**REPORT, "kind": "promotion", "title": "", "agency": "", "occurred_on": "2999-01-01"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="rank-error"' in html and "is required for a promotion (the rank reached)" in html
    assert 'id="occurred_on-error"' in html and "must not be in the future" in html
    response = client.post("/milestones", data={**REPORT, "occurred_on": "1 July"})
    assert response.status_code == 422 and "must be a date written as YYYY-MM-DD" in response.get_data(as_text=True)
    assert counts(app) == before


def test_a_computed_cfar_date_is_shown_only_as_due(app, client, dept, login):
    login(client, "mentor")
    html = client.get("/milestones").get_data(as_text=True)
    assert "due 2026-07-01" in html  # three years after the appointment on the roster (2023-07-01)
    assert "became a mentor" in html.lower() and "2024-01-01" in html  # derived from the mentorship
    assert "CFAR passed" not in html and "No milestones recorded yet." in html
    enter(app, dept, "director", "mentor", kind="cfar", occurred_on=date(2025, 6, 1), outcome="extended")
    html = client.get("/milestones").get_data(as_text=True)
    assert "due 2027-06-01" in html  # re-reviewed two years after the extension
    enter(app, dept, "director", "mentor", kind="cfar", occurred_on=date(2025, 6, 10), outcome="passed")
    html = client.get("/milestones").get_data(as_text=True)
    assert "no CFAR due" in html and "due 2027" not in html


def test_a_director_records_for_their_division_from_the_persons_page(app, client, dept, login):
    login(client, "director")
    assert "Milestones of Mentor Person" in client.get(f"/people/{dept.ids['mentor']}").get_data(as_text=True)
    response = client.post(
        f"/people/{dept.ids['mentor']}/milestones",
        data={**REPORT, "kind": "promotion", "title": "", "agency": "", "rank": "full", "occurred_on": "2024-07-01"},
    )
    assert response.status_code == 302
    assert "Promotion to Professor" in client.get(f"/people/{dept.ids['mentor']}/milestones").get_data(as_text=True)
    before = counts(app)
    assert client.post(f"/people/{dept.ids['other_mentor']}/milestones", data=REPORT).status_code == 404
    assert counts(app) == before
    menu = client.get("/milestones").get_data(as_text=True)
    assert 'href="/milestones/to-confirm">Milestones</a>' in menu and 'href="/milestones">My milestones</a>' in menu


def test_the_csv_export_lists_each_milestone_with_its_status_and_defuses_formulas(app, client, dept, login):
    first = enter(app, dept, "director", "mentor", note='=HYPERLINK("http://x")')
    enter(
        app,
        dept,
        "admin",
        "mentor",
        kind="grant",
        title="Peer mentoring",
        agency="CIHR",
        role="Co-investigator",
        year=2021,
    )
    with app.app_context():
        service.withdraw(db.session.get(Milestone, first), "Wrong year", load_actor(dept.ids["admin"]), NOW)
        db.session.commit()
    login(client, "mentor")
    response = client.get(f"/people/{dept.ids['mentor']}/milestones.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="milestones-mentor-person.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["Kind"], r["Date"], r["Rank"], r["Year"], r["Status"], r["Reason"]) for r in rows] == [
        ("Promotion", "2024-07-01", "Professor", "", "withdrawn", "Wrong year"),
        ("Grant", "2021-07-01", "", "2021", "standing", ""),
    ]
    assert rows[0]["Note"].startswith("'=") and rows[0]["Person"] == "mentor@test.example.org"
