"""Who may issue, list and download the yearly program report, through the API, the pages
and with CSRF on; bad input names ``year``."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from recognition.auth.service import load_actor
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.metrics.models import ProgramReport
from tests.pages.test_page_csrf import sign_in, token_from

ROLES = ("admin", "director", "other_director", "mentor", "mentee", "outsider", "award_committee")
READERS = ("admin", "director", "other_director")


@pytest.fixture
def met(app, dept):
    """One meeting in March 2025: the department's first entry, so 2025 can be reported."""
    with app.app_context():
        ledger.record(
            {"kind": "meeting", "mentorship_id": dept.mentorship_id, "occurred_on": date(2025, 3, 3), "minutes": 45},
            load_actor(dept.ids["mentor"]),
            datetime(2025, 3, 3, 18),
        )
        db.session.commit()


def issue(client, headers, year=2025):
    return client.post("/api/v1/metrics/reports", json={"year": year}, headers=headers)


def test_only_administrators_issue_and_readers_list_and_download(app, dept, client, met):
    assert issue(client, {}).status_code == 401
    for role in ROLES:
        if role != "admin":
            refused = issue(client, dept.headers(client, role))
            assert refused.status_code == 403, role
    made = issue(client, dept.headers(client, "admin"))
    assert made.status_code == 201, made.get_json()
    found = made.get_json()
    assert (found["year"], found["version"], found["latest"], found["issuer"]) == (2025, 1, True, "admin")
    assert client.get("/api/v1/metrics/reports").status_code == 401
    for role in ROLES:
        listed = client.get("/api/v1/metrics/reports", headers=dept.headers(client, role))
        pdf = client.get(f"/api/v1/metrics/reports/{found['id']}?format=pdf", headers=dept.headers(client, role))
        expected = 200 if role in READERS else 403
        assert (listed.status_code, pdf.status_code) == (expected, expected), role
    # A director reads the council's document: every division's row, small cells withheld.
    director = dept.headers(client, "director")
    payload = client.get(f"/api/v1/metrics/reports/{found['id']}?format=json", headers=director).get_json()
    assert {row["group"] for result in payload["results"] for row in result["rows"]} == {"department", "CARD", "NEPH"}
    assert all(
        cell["value"] is None
        for result in payload["results"]
        for row in result["rows"]
        for cell in row["cells"]
        if cell["state"] == "withheld"
    )
    assert client.get("/api/v1/metrics/reports/999999", headers=director).status_code == 404


def test_a_reissue_is_version_two_and_both_download_as_issued(app, dept, client, met):
    admin = dept.headers(client, "admin")
    first = issue(client, admin).get_json()
    first_pdf = client.get(first["links"]["pdf"], headers=admin)
    assert first_pdf.mimetype == "application/pdf" and first_pdf.data.startswith(b"%PDF")
    assert 'filename="program-report-2025-v1.pdf"' in first_pdf.headers["Content-Disposition"]
    second = issue(client, admin).get_json()
    assert second["version"] == 2
    listed = client.get("/api/v1/metrics/reports", headers=admin).get_json()["items"]
    assert [(item["version"], item["latest"]) for item in listed] == [(2, True), (1, False)]
    assert client.get(first["links"]["pdf"], headers=admin).data == first_pdf.data
    described = client.get(f"/api/v1/metrics/reports/{first['id']}", headers=admin).get_json()
    assert described["latest"] is False and described["pdf_sha256"] == first["pdf_sha256"]
    csv_file = client.get(first["links"]["csv"], headers=admin)
    assert csv_file.mimetype == "text/csv" and csv_file.data.startswith(b"year,level,metric")


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"year": 2026}, "must be a closed year from 2025 (the first entry) to 2025"),
        ({"year": 2030}, "must be a closed year from 2025 (the first entry) to 2025"),
        ({"year": 2024}, "must be a closed year from 2025 (the first entry) to 2025"),
        ({}, "Missing data for required field."),
        ({"year": "last"}, "must be a whole number (a JSON integer, not a decimal, a string or true/false)"),
    ],
)
def test_bad_input_names_year(app, dept, client, met, body, rule, monkeypatch):
    monkeypatch.setattr("recognition.metrics.api.utcnow", lambda: datetime(2026, 3, 1, 12))
    response = client.post("/api/v1/metrics/reports", json=body, headers=dept.headers(client, "admin"))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]["year"] == [rule]


def test_a_department_with_no_entries_has_nothing_to_report(app, dept, client):
    response = issue(client, dept.headers(client, "admin"))
    assert response.status_code == 422
    assert response.get_json()["errors"]["year"] == ["must be a year the ledger has entries for; it has none yet"]


def test_a_bad_format_names_format(app, dept, client, met):
    admin = dept.headers(client, "admin")
    found = issue(client, admin).get_json()
    response = client.get(f"/api/v1/metrics/reports/{found['id']}?format=docx", headers=admin)
    assert response.status_code == 422 and "format" in response.get_json()["errors"]


# Pages ----------------------------------------------------------------------------------


def test_an_administrator_issues_from_the_page_and_the_dashboard_shows_it(app, dept, client, login, met):
    login(client, "admin")
    page = client.get("/metrics/reports").get_data(as_text=True)
    assert "Issue a report" in page and "No report has been issued yet." in page
    response = client.post("/metrics/reports", data={"year": "2025"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/metrics/reports")
    page = client.get("/metrics/reports").get_data(as_text=True)
    assert "Issued the 2025 program report, version 1." in page
    dashboard = client.get("/metrics?year=2025").get_data(as_text=True)
    assert ">Yearly reports</h2>" in dashboard and "2025, version 1, issued" in dashboard
    pdf = client.get("/metrics/reports/1.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_bad_year_on_the_page_is_a_readable_refusal(app, dept, client, login, met):
    login(client, "admin")
    response = client.post("/metrics/reports", data={"year": "1999"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "The report was not issued" in body and "Year: must be a closed year from 2025" in body


def test_a_director_downloads_but_does_not_issue(app, dept, client, login, met):
    login(client, "admin")
    client.post("/metrics/reports", data={"year": "2025"})
    client.post("/logout", data={})
    login(client, "director")
    page = client.get("/metrics/reports").get_data(as_text=True)
    assert "Issue a report" not in page and "/metrics/reports/1.pdf" in page
    assert client.post("/metrics/reports", data={"year": "2025"}).status_code == 403
    assert client.get("/metrics/reports/1.csv").status_code == 200
    client.post("/logout", data={})
    login(client, "mentor")
    assert client.get("/metrics/reports/1.csv").status_code == 403


def test_the_issue_form_needs_its_csrf_token(app, dept, csrf_client, met):
    sign_in(csrf_client, dept.email("admin"))
    refused = csrf_client.post("/metrics/reports", data={"year": "2025"})
    assert refused.status_code == 400 and "The CSRF token is missing." in refused.get_data(as_text=True)
    assert reports(app) == 0
    token = token_from(csrf_client.get("/metrics/reports").get_data(as_text=True))
    accepted = csrf_client.post("/metrics/reports", data={"year": "2025", "csrf_token": token})
    assert accepted.status_code == 302
    assert reports(app) == 1


def reports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ProgramReport))
