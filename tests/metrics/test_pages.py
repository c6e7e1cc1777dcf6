"""The dashboard as every role, its tables and CSV, its charts' text alternatives, and
bad filters answered with a readable page that names the field."""

from __future__ import annotations

import csv
import io

import pytest

ROLES = ("admin", "director", "other_director", "mentor", "mentee", "outsider")


@pytest.mark.parametrize("path", ["/metrics", "/metrics/entries_confirmed.csv"])
def test_who_may_open_the_dashboard(client, dept, login, path):
    assert client.get(path).status_code == 302  # signed out: to the sign-in page
    for role in ROLES:
        login(client, role)
        response = client.get(path)
        assert response.status_code == (200 if role in ("admin", "director", "other_director") else 403), role
        client.post("/logout", data={})


def test_the_dashboard_shows_each_level_with_charts_tables_and_attention(client, dept, login):
    login(client, "director")
    page = client.get("/metrics?year=2025").get_data(as_text=True)
    for heading in ("Relationship", "Division and department", "Academic medicine", "What needs attention"):
        assert f">{heading}</h2>" in page
    assert page.count('role="img"') >= 2 * 16  # a chart and a trend per metric, each with a text alternative
    assert "Cardiology" in page and "Nephrology" not in page.split("What needs attention")[1].split("<footer")[0]
    assert "withheld" in page  # the test department is far below five people a cell
    assert "Download this table (CSV)" in page


def test_a_director_cannot_pick_another_division(client, dept, login):
    login(client, "director")
    response = client.get("/metrics?division=NEPH")
    assert response.status_code == 404
    assert "must be the code of a division you manage" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "rule"), [("year=1800", "must be a year from 2000"), ("year=soon", "must be a year like 2025")]
)
def test_a_bad_year_is_a_readable_page(client, dept, login, query, rule):
    login(client, "admin")
    response = client.get(f"/metrics?{query}")
    assert response.status_code == 422
    assert rule in response.get_data(as_text=True)


def test_the_csv_holds_the_table_with_withheld_cells_said(client, dept, login):
    login(client, "admin")
    response = client.get("/metrics/mentor_pool.csv?year=2025")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["metric", "year", "group"]
    assert [row[2] for row in rows[1:]] == ["Department", "Cardiology", "Nephrology"]
    assert all(
        value in ("withheld", "no data") or value.replace(".", "").isdigit() for row in rows[1:] for value in row[3:5]
    )
    assert client.get("/metrics/nothing.csv").status_code == 404
