"""The MAINPORT-ready export: the rows (export.mainport_rows), the CSV a physician opens
in Excel (export.to_csv), and GET /api/v1/credits/export."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal as D

import pytest

from recognition.credits import export
from recognition.errors import DomainError, NotFound
from tests.api.error_shape import assert_error

from .test_api import ACCREDITATION, AREA, NEXT_STEPS, YEAR, contribute, record_work, reflect

URL = "/api/v1/credits/export"
HEADINGS = [
    "Section",
    "Activity type",
    "Title",
    "Date",
    "Hours",
    "Credits",
    "Learning outcome / reflection summary",
    "Note",
]
OUTCOME = f"{AREA} Next steps: {NEXT_STEPS}"


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.data.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def expected_rows(outcome: str) -> list[list[str]]:
    return [
        [
            "Section 3: Assessment",
            "Feedback received",
            "Reflection on feedback received: Teaching evaluation",
            f"{YEAR}-03-01",
            "1.50",
            "4.50",
            outcome,
            "",
        ],
        [
            "Section 1: Group learning",
            "Accredited group learning activity",
            f"Mentor training completed: {ACCREDITATION}",
            f"{YEAR}-04-02",
            "3.00",
            "3.00",
            "",
            "",
        ],
        [
            "Section 2: Self-learning",
            "Personal learning project",
            "Mentoring preparation: Prepared the mid-year review",
            f"{YEAR}-05-03",
            "1.00",
            "2.00",
            "",
            "",
        ],
    ]


@pytest.fixture
def work(client, dept, headers):
    """The mentor's year: three claimable activities, plus work that earns nothing or
    falls in another year, which the export leaves out."""
    record_work(client, headers)
    contribute(
        client,
        headers,
        kind="meeting",
        mentorship_id=dept.mentorship_id,
        minutes=60,
        occurred_on=date(YEAR, 6, 1).isoformat(),
    )
    reflect(client, headers, year=YEAR - 1)


def test_the_owner_downloads_a_csv_for_excel_with_their_reflections(client, headers, work):
    response = client.get(URL, query_string={"year": YEAR}, headers=headers("mentor"))
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="mainport-royal_college_moc-{YEAR}.csv"'
    header, *rows = read_csv(response)
    assert header == HEADINGS == [heading for _, heading in export.COLUMNS]
    assert rows == expected_rows(OUTCOME)
    assert b"\r\n" in response.data


def test_the_same_rows_as_json(client, dept, headers, work):
    response = client.get(URL, query_string={"year": YEAR, "format": "json"}, headers=headers("mentor"))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {key: body[key] for key in ("person_id", "year", "period", "total", "includes_reflections")} == {
        "person_id": dept.ids["mentor"],
        "year": YEAR,
        "period": str(YEAR),
        "total": "9.50",
        "includes_reflections": True,
    }
    assert body["framework"] == {"id": "royal_college_moc", "name": "Royal College MOC Program", "unit": "credits"}
    assert [(c["key"], c["heading"]) for c in body["columns"]] == list(export.COLUMNS)
    assert [[row[key] for key, _ in export.COLUMNS] for row in body["rows"]] == expected_rows(OUTCOME)


def test_an_admins_export_of_someone_else_leaves_the_reflections_out(client, dept, headers, work):
    query = {"year": YEAR, "person_id": dept.ids["mentor"]}
    response = client.get(URL, query_string=query, headers=headers("admin"))
    _, *rows = read_csv(response)
    assert rows == expected_rows("")
    assert AREA not in response.data.decode("utf-8") and NEXT_STEPS not in response.data.decode("utf-8")
    body = client.get(URL, query_string={**query, "format": "json"}, headers=headers("admin")).get_json()
    assert body["includes_reflections"] is False
    assert [row["learning_outcome"] for row in body["rows"]] == ["", "", ""]


def test_accented_text_survives(client, dept, headers):
    client.patch(f"/api/v1/people/{dept.ids['mentor']}", json={"name": "Zoë Ångström-Nguyễn"}, headers=headers("admin"))
    reflect(
        client,
        headers,
        source_name="Évaluation de l’enseignement, « résidents »",
        area="Rétroaction plus tôt",
        next_steps="Réunions trimestrielles — 季度",
    )
    _, row = read_csv(client.get(URL, query_string={"year": YEAR}, headers=headers("mentor")))
    assert row[2] == "Reflection on feedback received: Évaluation de l’enseignement, « résidents »"
    assert row[6] == "Rétroaction plus tôt Next steps: Réunions trimestrielles — 季度"


def test_another_framework_uses_its_own_years_and_sections(client, headers, work):
    # Mainpro+ years run July to June: March and May of YEAR fall in its year YEAR - 1.
    body = client.get(
        URL, query_string={"year": YEAR - 1, "framework": "cfpc_mainpro", "format": "json"}, headers=headers("mentor")
    ).get_json()
    assert body["period"] == f"{YEAR - 1}-{YEAR % 100:02d}"
    assert [(row["date"], row["section"], row["activity_type"]) for row in body["rows"]] == [
        (f"{YEAR}-03-01", "Certified Assessment", "Feedback received"),
        (f"{YEAR}-04-02", "Certified", "Accredited group learning activity"),
        (f"{YEAR}-05-03", "Non-certified", "Personal learning project"),
    ]
    summary = client.get(
        "/api/v1/credits/summary", query_string={"framework": "cfpc_mainpro"}, headers=headers("mentor")
    ).get_json()
    earned = {a["date"]: a["credits"] for a in summary["activities"]}
    assert [row["credits"] for row in body["rows"]] == [earned[row["date"]] for row in body["rows"]]
    csv_response = client.get(
        URL, query_string={"year": YEAR - 1, "framework": "cfpc_mainpro"}, headers=headers("mentor")
    )
    assert csv_response.headers["Content-Disposition"].endswith(f'filename="mainport-cfpc_mainpro-{YEAR - 1}.csv"')


def test_unaccredited_training_and_an_empty_year(client, headers):
    contribute(
        client,
        headers,
        kind="mentor_training",
        minutes=120,
        occurred_on=date(YEAR, 2, 1).isoformat(),
        note="Faculty development workshop",
    )
    body = client.get(URL, query_string={"year": YEAR, "format": "json"}, headers=headers("mentor")).get_json()
    [row] = body["rows"]
    assert (row["activity_type"], row["credits"], row["hours"]) == (
        "Unaccredited group learning activity",
        "1.00",
        "2.00",
    )
    header, *rows = read_csv(client.get(URL, query_string={"year": YEAR - 3}, headers=headers("mentor")))
    assert (header, rows) == (HEADINGS, [])


@pytest.mark.parametrize(
    ("query", "role", "status", "field"),
    [
        ({}, "mentor", 422, "year"),
        ({"year": "last"}, "mentor", 422, "year"),
        ({"year": 1800}, "mentor", 422, "year"),
        ({"year": 10000}, "mentor", 422, "year"),
        ({"year": 9999}, "mentor", 422, "year"),  # its July-June framework year would end in 10000
        ({"year": YEAR, "format": "xlsx"}, "mentor", 422, "format"),
        ({"year": YEAR, "framework": "nonsense"}, "mentor", 422, "framework"),
        ({"year": YEAR, "person_id": "x"}, "mentor", 422, "person_id"),
        ({"year": YEAR, "person_id": "mentee"}, "mentor", 404, "person_id"),
        ({"year": YEAR, "person_id": 99999}, "admin", 404, "person_id"),
    ],
)
def test_bad_export_requests_name_the_field(client, dept, headers, query, role, status, field):
    if query.get("person_id") == "mentee":
        query = {**query, "person_id": dept.ids["mentee"]}
    assert_error(client.get(URL, query_string=query, headers=headers(role)), status, field)


# The module the pages share -----------------------------------------------------------------


def test_mainport_rows_keep_private_words_for_their_author(app, client, dept, headers, work):
    with app.app_context():
        own = export.mainport_rows(dept.ids["mentor"], YEAR, "royal_college_moc", include_private=True)
        other = export.mainport_rows(dept.ids["mentor"], YEAR, "royal_college_moc", include_private=False)
        assert [list(row) for row in own] == [[key for key, _ in export.COLUMNS]] * 3
        assert [row["learning_outcome"] for row in own] == [OUTCOME, "", ""]
        assert other == [{**row, "learning_outcome": ""} for row in own]
        assert export.mainport_rows(dept.ids["mentee"], YEAR, "royal_college_moc", include_private=True) == []
        with pytest.raises(DomainError) as refused:
            export.mainport_rows(dept.ids["mentor"], YEAR, "nonsense", include_private=True)
        assert "framework" in refused.value.errors
        with pytest.raises(NotFound):
            export.mainport_rows(99999, YEAR, "royal_college_moc", include_private=True)


def test_the_csv_quotes_what_needs_quoting_and_never_runs_a_formula():
    rows = [
        {
            "section": "S",
            "activity_type": "A",
            "title": 'Comma, "quotes"\nand a new line',
            "date": "2025-01-02",
            "hours": "1.00",
            "credits": "2.00",
            "learning_outcome": '=HYPERLINK("http://evil")',
        },
        {
            "section": "S",
            "activity_type": "A",
            "title": "+1 then -1",
            "date": "2025-01-03",
            "hours": "0.50",
            "credits": "1.50",
            "learning_outcome": "@SUM(A1)",
        },
    ]
    text = export.to_csv(rows)
    assert text.startswith("\ufeff")
    header, first, second = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert header == HEADINGS
    assert first[2] == 'Comma, "quotes"\nand a new line'
    assert first[6] == '\'=HYPERLINK("http://evil")'
    assert (second[2], second[6]) == ("'+1 then -1", "'@SUM(A1)")
    assert (first[4], first[5]) == ("1.00", "2.00")
    assert export.to_csv([]) == "\ufeff" + ",".join(HEADINGS) + "\r\n"


def test_the_last_year_accepted_exports_under_a_framework_whose_year_ends_the_next_january_or_june(
    client, dept, headers
):
    """9998 is the last year the API takes: its Mainpro+ year ends in June 9999, still a date.
    (9999 was accepted once and its July-June year overflowed into a server error.)"""
    for framework in ("cfpc_mainpro", "royal_college_moc"):
        response = client.get(
            URL, query_string={"year": 9998, "framework": framework, "format": "json"}, headers=headers("mentor")
        )
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["rows"] == []


def test_mainport_gets_hours_that_give_exactly_the_credits_and_a_capped_activity_says_so(client, dept, headers):
    """MAINPORT computes credits from the hours typed in. A 25-minute reflection is 0.42
    hour, which MAINPORT makes 1.26 credits: the export and the summary say 1.26 (they
    said 0.42 h and 1.25). A 10-hour reflection earns at most 6 credits (2 hours): the
    export claims 2.00 hours, not 10, and its note says why."""
    reflect(client, headers, minutes=25, source_name="Teaching evaluation, spring")
    reflect(client, headers, minutes=600, source_name="Mentee survey", occurred_on=date(YEAR, 6, 1).isoformat())
    contribute(
        client,
        headers,
        kind="mentor_training",
        minutes=26,
        occurred_on=date(YEAR, 7, 1).isoformat(),
        note="Short module",
    )
    body = client.get(URL, query_string={"year": YEAR, "format": "json"}, headers=headers("mentor")).get_json()
    rows = [(row["date"], row["hours"], row["credits"], row["note"]) for row in body["rows"]]
    assert rows == [
        (f"{YEAR}-03-01", "0.42", "1.26", ""),
        (
            f"{YEAR}-06-01",
            "2.00",
            "6.00",
            "capped: 6 credits at most for one activity of reflection_on_feedback; 10.00 hours spent, 2.00 claimed",
        ),
        (f"{YEAR}-07-01", "0.44", "0.22", ""),  # unaccredited: 0.5 an hour, hours in steps of 0.02
    ]
    rates = {"Feedback received": 3, "Unaccredited group learning activity": D("0.5")}
    for row in body["rows"]:
        assert D(row["hours"]) * rates[row["activity_type"]] == D(row["credits"])
    assert body["total"] == "7.48"
    summary = client.get("/api/v1/credits/summary", headers=headers("mentor")).get_json()
    awarded = {a["date"]: (a["earned"], a["credits"], a["reason"]) for a in summary["activities"]}
    assert awarded[f"{YEAR}-06-01"] == ("30.00", "6.00", rows[1][3].split(";")[0])
    assert [awarded[row[0]][1] for row in rows] == [row[2] for row in rows]
    _, *csv_rows = read_csv(client.get(URL, query_string={"year": YEAR}, headers=headers("mentor")))
    assert [(r[3], r[4], r[5], r[7]) for r in csv_rows] == rows
