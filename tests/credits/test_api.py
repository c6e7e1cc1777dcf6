"""/api/v1/credits and /api/v1/statements: frameworks, a summary of credits earned
through the API, issuing, re-issuing and revoking statements, and their downloads."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from recognition.clock import today
from recognition.credits import canonical, signing
from recognition.credits.models import Statement, StatementRevocation
from recognition.extensions import db
from tests.api.error_shape import assert_error

YEAR = today().year - 1
ACCREDITATION = "Royal College accredited group learning, CPD-1234"
AREA = "Giving critical feedback early"
NEXT_STEPS = "Book a mid-year check-in with each mentee"


# Recording credit-earning work through the API (shared with the other API test files) -------------


def reflect(client, headers, role="mentor", year=YEAR, minutes=90, **changes) -> dict:
    """A reflection on external feedback: Section 3, 3 credits an hour."""
    body = {
        "source": "external",
        "source_name": "Teaching evaluation",
        "occurred_on": date(year, 3, 1).isoformat(),
        "minutes": minutes,
        "area": AREA,
        "question": "Do my mentees hear about problems in time?",
        "next_steps": NEXT_STEPS,
        **changes,
    }
    response = client.post("/api/v1/reflections", json=body, headers=headers(role))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def contribute(client, headers, role="mentor", **body) -> dict:
    response = client.post("/api/v1/contributions", json=body, headers=headers(role))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def record_work(client, headers, role="mentor", year=YEAR) -> None:
    """4.50 in Section 3, 3.00 in Section 1 and 2.00 in Section 2: 9.50 credits in ``year``."""
    reflect(client, headers, role, year)
    contribute(
        client,
        headers,
        role,
        kind="mentor_training",
        minutes=180,
        occurred_on=date(year, 4, 2).isoformat(),
        accreditation=ACCREDITATION,
    )
    contribute(
        client,
        headers,
        role,
        kind="mentoring_preparation",
        minutes=60,
        occurred_on=date(year, 5, 3).isoformat(),
        note="Prepared the mid-year review",
    )


def issue(client, headers, role="mentor", **body) -> dict:
    response = client.post("/api/v1/statements", json={"year": YEAR, **body}, headers=headers(role))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored_statements(app) -> tuple[int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model)) for model in (Statement, StatementRevocation)
        )


# Frameworks, summary, profile ----------------------------------------------------------------


def test_the_frameworks_are_listed_with_their_versions_and_cycle_rules(client, headers):
    response = client.get("/api/v1/credits/frameworks", headers=headers("mentee"))
    assert response.status_code == 200
    found = {f["id"]: f for f in response.get_json()}
    assert {"royal_college_moc", "cfpc_mainpro", "ama_pra", "department_points"} <= set(found)
    moc = found["royal_college_moc"]
    assert (moc["name"], moc["unit"]) == ("Royal College MOC Program", "credits")
    assert [v["effective_from"] for v in moc["versions"]] == ["2000-01-01", "2024-01-01"]
    old, new = moc["versions"]
    assert (old["cycle"]["total_min"], new["cycle"]["total_min"]) == ("400", "250")
    assert new["cycle"]["feedback_received_min"] == 1 and new["cycle"]["report_by"] == "01-31"
    assert {"id": "section_3", "label": "Section 3: Assessment"} in new["sections"]
    reflection = next(rule for rule in new["rules"] if rule["id"] == "reflection_on_feedback")
    assert (reflection["section"], reflection["rate_per_hour"], reflection["requires"]) == (
        "section_3",
        "3",
        ["feedback_source"],
    )
    assert moc["unconfirmed"], "the MOC rounding assumption is stated"
    assert found["cfpc_mainpro"]["versions"][0]["year_starts"] == "07-01"
    assert found["ama_pra"]["versions"][0]["cycle"] is None


def test_a_summary_counts_each_activity_and_says_why(client, dept, headers):
    record_work(client, headers)
    contribute(
        client,
        headers,
        kind="meeting",
        mentorship_id=dept.mentorship_id,
        minutes=60,
        occurred_on=date(YEAR, 6, 1).isoformat(),
    )
    response = client.get("/api/v1/credits/summary", headers=headers("mentor"))
    assert response.status_code == 200, response.get_json()
    summary = response.get_json()
    assert summary["person_id"] == dept.ids["mentor"]
    assert summary["framework"] == {"id": "royal_college_moc", "name": "Royal College MOC Program", "unit": "credits"}
    assert summary["profile"]["chosen"] is False
    assert summary["total"] == "9.50"
    [year] = summary["years"]
    assert (year["year"], year["total"]) == (YEAR, "9.50")
    assert year["sections"] == [
        {"label": "Section 1: Group learning", "credits": "3.00"},
        {"label": "Section 2: Self-learning", "credits": "2.00"},
        {"label": "Section 3: Assessment", "credits": "4.50"},
    ]
    by_kind = {a["kind"]: a for a in summary["activities"]}
    assert [a["date"] for a in summary["activities"]] == sorted(a["date"] for a in summary["activities"])
    assert by_kind["feedback_reflection"] == {
        **by_kind["feedback_reflection"],
        "section": "section_3",
        "section_label": "Section 3: Assessment",
        "minutes": 90,
        "earned": "4.50",
        "credits": "4.50",
        "reason": "",
        "year": YEAR,
        "title": "Reflection on feedback received: Teaching evaluation",
    }
    assert by_kind["mentor_training"]["title"] == f"Mentor training completed: {ACCREDITATION}"
    meeting = by_kind["meeting"]
    assert (meeting["credits"], meeting["section"]) == ("0.00", None)
    assert meeting["reason"] == "Meeting earns no credits in Royal College MOC Program"
    assert AREA not in response.get_data(as_text=True), "the reflection's text stays out of the summary"
    cycle = summary["cycle"]
    assert cycle["feedback_received"] == (1 if date.fromisoformat(cycle["start"]) <= date(YEAR, 3, 1) else 0)
    assert cycle["met"] is False and cycle["warnings"]
    assert cycle["total_required"] in ("250.00", "400.00")
    assert "cycle start is not set" in summary["cycle_note"]


def test_a_summary_under_another_framework_and_a_cycle_start(client, dept, headers):
    record_work(client, headers)
    ama = client.get("/api/v1/credits/summary", query_string={"framework": "ama_pra"}, headers=headers("mentor"))
    assert ama.status_code == 200
    assert ama.get_json()["framework"]["id"] == "ama_pra" and ama.get_json()["cycle"] is None
    assert "no multi-year cycle" in ama.get_json()["cycle_note"]

    response = client.put(
        "/api/v1/credits/profile",
        json={"framework_id": "royal_college_moc", "cycle_start": f"{YEAR}-01-01"},
        headers=headers("mentor"),
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "person_id": dept.ids["mentor"],
        "framework_id": "royal_college_moc",
        "framework_name": "Royal College MOC Program",
        "cycle_start": f"{YEAR}-01-01",
        "chosen": True,
    }
    assert client.get("/api/v1/credits/profile", headers=headers("mentor")).get_json() == response.get_json()
    cycle = client.get("/api/v1/credits/summary", headers=headers("mentor")).get_json()["cycle"]
    assert (cycle["start"], cycle["total"], cycle["feedback_received"]) == (f"{YEAR}-01-01", "9.50", 1)
    assert {"id": "section_3", "label": "Section 3: Assessment", "credits": "4.50"} in cycle["sections"]


def test_profiles_are_their_owners_and_the_admins(client, dept, headers):
    body = {"framework_id": "cfpc_mainpro", "cycle_start": None, "person_id": dept.ids["mentor"]}
    assert_error(client.put("/api/v1/credits/profile", json=body, headers=headers("director")), 403, "person_id")
    assert_error(
        client.get(
            "/api/v1/credits/profile", query_string={"person_id": dept.ids["mentor"]}, headers=headers("director")
        ),
        404,
        "person_id",
    )
    response = client.put("/api/v1/credits/profile", json=body, headers=headers("admin"))
    assert response.status_code == 200 and response.get_json()["framework_id"] == "cfpc_mainpro"
    assert client.get("/api/v1/credits/profile", headers=headers("mentor")).get_json()["framework_id"] == "cfpc_mainpro"
    assert_error(
        client.put("/api/v1/credits/profile", json={**body, "person_id": 99999}, headers=headers("admin")),
        404,
        "person_id",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"framework_id": "nonsense", "cycle_start": None}, "framework_id"),
        ({"framework_id": "", "cycle_start": None}, "framework_id"),
        ({"cycle_start": None}, "framework_id"),
        ({"framework_id": "royal_college_moc"}, "cycle_start"),
        ({"framework_id": "royal_college_moc", "cycle_start": "soon"}, "cycle_start"),
        ({"framework_id": "royal_college_moc", "cycle_start": "2999-01-01"}, "cycle_start"),
        ({"framework_id": "ama_pra", "cycle_start": "2024-01-01"}, "cycle_start"),
        ({"framework_id": "royal_college_moc", "cycle_start": None, "person_id": "me"}, "person_id"),
        ({"framework_id": "royal_college_moc", "cycle_start": None, "person_id": 0}, "person_id"),
    ],
)
def test_bad_profiles_are_refused_naming_the_field(client, headers, body, field):
    assert_error(client.put("/api/v1/credits/profile", json=body, headers=headers("mentor")), 422, field)


@pytest.mark.parametrize(
    ("framework_id", "cycle_start", "rule"),
    [
        ("royal_college_moc", "2024-03-01", "must be 1 January, the first day of a Royal College MOC Program year"),
        ("royal_college_moc", "2023-12-31", "must be 1 January, the first day of a Royal College MOC Program year"),
        ("royal_college_moc", "2024-02-29", "must be 1 January, the first day of a Royal College MOC Program year"),
        ("cfpc_mainpro", "2025-01-01", "must be 1 July, the first day of a CFPC Mainpro+ year"),
        ("cfpc_mainpro", "2025-06-30", "must be 1 July, the first day of a CFPC Mainpro+ year"),
    ],
)
def test_a_cycle_start_off_the_first_day_of_a_framework_year_is_refused(
    client, dept, headers, framework_id, cycle_start, rule
):
    """MOC cycles run on calendar years, Mainpro+ on July-June years: a cycle start on any
    other day is refused, naming the field and the day it must be, and nothing is saved."""
    response = client.put(
        "/api/v1/credits/profile",
        json={"framework_id": framework_id, "cycle_start": cycle_start},
        headers=headers("mentor"),
    )
    body = assert_error(response, 422, "cycle_start")
    assert body["errors"] == {"cycle_start": [rule]}
    first = f"{cycle_start[:4]}-01-01" if framework_id == "royal_college_moc" else None
    if first:
        assert f"began on {first}" in body["message"]
    profile = client.get("/api/v1/credits/profile", headers=headers("mentor")).get_json()
    assert (profile["cycle_start"], profile["chosen"]) == (None, False)
    ok = "2024-01-01" if framework_id == "royal_college_moc" else "2024-07-01"
    response = client.put(
        "/api/v1/credits/profile", json={"framework_id": framework_id, "cycle_start": ok}, headers=headers("mentor")
    )
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"framework": "nonsense"}, 422, "framework"),
        ({"person_id": "x"}, 422, "person_id"),
        ({"person_id": 2**40}, 422, "person_id"),
        ({"person_id": 99999}, 404, "person_id"),
    ],
)
def test_bad_summary_queries_name_the_field(client, headers, query, status, field):
    assert_error(client.get("/api/v1/credits/summary", query_string=query, headers=headers("admin")), status, field)


# Issuing, re-issuing, revoking --------------------------------------------------------------------


def test_a_statement_is_issued_once_and_shows_everything_that_verifies_it(app, client, dept, headers):
    record_work(client, headers)
    statement = issue(client, headers)
    number = f"RCM-{YEAR}-{dept.ids['mentor']:05d}-1"
    assert statement["number"] == number
    assert statement["person"] == {"id": dept.ids["mentor"], "name": "Mentor Person"}
    assert statement["framework"] == {"id": "royal_college_moc", "name": "Royal College MOC Program", "unit": "credits"}
    assert (statement["year"], statement["period"], statement["version"], statement["status"]) == (
        YEAR,
        str(YEAR),
        1,
        "current",
    )
    assert (statement["total"], statement["supersedes"], statement["superseded_by"]) == ("9.50", None, None)
    assert statement["current_number"] == number
    assert (statement["revoked_at"], statement["revocation_reason"]) == (None, None)
    assert [(s["id"], s["credits"]) for s in statement["sections"]] == [
        ("section_1", "3.00"),
        ("section_2", "2.00"),
        ("section_3", "4.50"),
    ]
    assert [a["kind"] for a in statement["activities"]] == [
        "feedback_reflection",
        "mentor_training",
        "mentoring_preparation",
    ]
    code = statement["code"].replace("-", "")
    assert len(code) == 24 and statement["code"].count("-") == 5
    assert statement["verify_url"] == f"{app.config['BASE_URL']}/verify/{code}"
    assert statement["links"] == {
        "self": f"/api/v1/statements/{statement['id']}",
        "pdf": f"/api/v1/statements/{statement['id']}/pdf",
        "signed": f"/api/v1/statements/{statement['id']}/signed",
        "verify": statement["verify_url"],
    }
    assert statement["issued_at"].endswith("+00:00")
    with app.app_context():
        row = db.session.get(Statement, statement["id"])
        assert (row.content_hash, row.pdf_sha256, row.key_id) == (
            statement["content_hash"],
            statement["pdf_sha256"],
            statement["key_id"],
        )
        assert (row.ledger_seq, row.ledger_hash) == (statement["ledger_seq"], statement["ledger_hash"])
    assert client.get(statement["links"]["self"], headers=headers("mentor")).get_json() == statement

    before = stored_statements(app)
    again = client.post("/api/v1/statements", json={"year": YEAR}, headers=headers("mentor"))
    assert assert_error(again, 409, "year")["message"].startswith(f"Statement {number} already covers")
    unchanged = client.post("/api/v1/statements", json={"year": YEAR, "reissue": True}, headers=headers("mentor"))
    assert "Nothing has changed" in assert_error(unchanged, 409, "year")["message"]
    assert stored_statements(app) == before


def test_reissuing_after_new_work_supersedes_the_old_version(client, dept, headers):
    record_work(client, headers)
    first = issue(client, headers)
    reflect(client, headers, minutes=60, occurred_on=date(YEAR, 9, 1).isoformat())
    second = issue(client, headers, reissue=True)
    assert (second["version"], second["status"], second["total"]) == (2, "current", "12.50")
    assert second["number"].endswith("-2") and second["supersedes"] == first["number"]
    assert second["code"] != first["code"]

    old = client.get(first["links"]["self"], headers=headers("mentor")).get_json()
    assert (old["status"], old["superseded_by"], old["current_number"]) == (
        "superseded",
        second["number"],
        second["number"],
    )
    assert old["total"] == "9.50", "an issued statement never changes"
    listed = client.get("/api/v1/statements", headers=headers("mentor")).get_json()
    assert [(s["number"], s["status"]) for s in listed["items"]] == [
        (second["number"], "current"),
        (first["number"], "superseded"),
    ]
    assert listed["meta"]["total"] == 2


def test_an_admin_issues_for_someone_and_lists_with_filters(client, dept, headers):
    record_work(client, headers)
    record_work(client, headers, role="other_mentor")
    mine = issue(client, headers)
    theirs = issue(client, headers, "admin", person_id=dept.ids["other_mentor"], framework_id="ama_pra")
    assert theirs["person"]["id"] == dept.ids["other_mentor"]
    assert theirs["number"] == f"AP-{YEAR}-{dept.ids['other_mentor']:05d}-1"
    assert theirs["framework"]["id"] == "ama_pra"

    def numbers(role="admin", **query):
        response = client.get("/api/v1/statements", query_string=query, headers=headers(role))
        assert response.status_code == 200, response.get_json()
        return [s["number"] for s in response.get_json()["items"]]

    assert numbers() == [theirs["number"], mine["number"]]
    assert numbers(person_id=dept.ids["mentor"]) == [mine["number"]]
    assert numbers(framework="ama_pra") == [theirs["number"]]
    assert numbers(year=YEAR - 1) == []
    assert numbers(status="current") == [theirs["number"], mine["number"]]
    client.post(f"/api/v1/statements/{mine['id']}/revocation", json={"reason": "Wrong year"}, headers=headers("admin"))
    assert numbers(status="revoked") == [mine["number"]]
    assert numbers(status="current") == [theirs["number"]]
    assert numbers(status="superseded") == []
    assert numbers(per_page=1) == [theirs["number"]]
    # Not an admin: only their own, whatever they ask for.
    assert numbers("mentor") == [mine["number"]]
    assert numbers("mentor", person_id=dept.ids["other_mentor"]) == []
    assert numbers("other_mentor") == [theirs["number"]]


def test_a_statement_for_someone_else_is_not_a_mentors_to_issue(app, client, dept, headers):
    record_work(client, headers, role="other_mentor")
    before = stored_statements(app)
    response = client.post(
        "/api/v1/statements", json={"year": YEAR, "person_id": dept.ids["other_mentor"]}, headers=headers("mentor")
    )
    assert_error(response, 404, "person_id")
    assert stored_statements(app) == before


def test_a_revocation_is_an_admins_with_a_reason(app, client, dept, headers):
    record_work(client, headers)
    statement = issue(client, headers)
    url = f"/api/v1/statements/{statement['id']}/revocation"
    before = stored_statements(app)
    assert_error(client.post(url, json={"reason": "Mistake"}, headers=headers("mentor")), 403)
    assert_error(client.post(url, json={"reason": "Mistake"}, headers=headers("outsider")), 404)
    assert_error(client.post(url, json={"reason": "   "}, headers=headers("admin")), 422, "reason")
    assert_error(client.post(url, json={}, headers=headers("admin")), 422, "reason")
    assert_error(client.post(url, json={"reason": "x" * 2001}, headers=headers("admin")), 422, "reason")
    assert stored_statements(app) == before

    response = client.post(url, json={"reason": "Issued for the wrong year"}, headers=headers("admin"))
    assert response.status_code == 201, response.get_json()
    revoked = response.get_json()
    assert (revoked["status"], revoked["revocation_reason"]) == ("revoked", "Issued for the wrong year")
    assert revoked["revoked_at"].endswith("+00:00")
    owner_view = client.get(statement["links"]["self"], headers=headers("mentor")).get_json()
    assert (owner_view["status"], owner_view["revocation_reason"]) == ("revoked", "Issued for the wrong year")
    assert_error(client.post(url, json={"reason": "Again"}, headers=headers("admin")), 409, "statement")
    assert stored_statements(app) == (before[0], before[1] + 1)

    # A revoked statement may be re-issued even with nothing changed; the old stays revoked.
    second = issue(client, headers, reissue=True)
    assert (second["version"], second["status"]) == (2, "current")
    assert client.get(statement["links"]["self"], headers=headers("mentor")).get_json()["status"] == "revoked"


def test_the_pdf_and_the_signed_json_download_exactly_as_issued(app, client, dept, headers):
    record_work(client, headers)
    statement = issue(client, headers)
    pdf = client.get(statement["links"]["pdf"], headers=headers("mentor"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="statement-{statement["number"]}.pdf"'
    assert pdf.data.startswith(b"%PDF-")
    with app.app_context():
        assert pdf.data == db.session.get(Statement, statement["id"]).pdf
    assert canonical.sha256(pdf.data) == statement["pdf_sha256"]

    signed = client.get(statement["links"]["signed"], headers=headers("mentor"))
    assert signed.status_code == 200 and signed.mimetype == "application/json"
    assert signed.headers["Content-Disposition"] == f'attachment; filename="statement-{statement["number"]}.json"'
    payload = json.loads(signed.data.decode("utf-8"))
    assert set(payload) == {"document", "content_hash", "signature", "algorithm", "key_id"}
    assert payload["content_hash"] == statement["content_hash"] and payload["algorithm"] == "Ed25519"
    document = payload["document"]
    assert (document["number"], document["total"], document["person"]["name"]) == (
        statement["number"],
        "9.50",
        "Mentor Person",
    )
    assert document["verification"] == {"code": statement["code"], "url": statement["verify_url"]}
    with app.app_context():
        assert canonical.check_signed(payload, signing.app_key(app).public)[0] is True


def test_an_accented_name_survives_the_round_trip(app, client, dept, headers):
    name = "Zoë Ångström-Nguyễn"
    response = client.patch(f"/api/v1/people/{dept.ids['mentor']}", json={"name": name}, headers=headers("admin"))
    assert response.status_code == 200, response.get_json()
    record_work(client, headers)
    statement = issue(client, headers)
    assert statement["person"]["name"] == name
    payload = json.loads(client.get(statement["links"]["signed"], headers=headers("mentor")).data.decode("utf-8"))
    assert payload["document"]["person"]["name"] == name
    with app.app_context():
        assert canonical.check_signed(payload, signing.app_key(app).public)[0] is True


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "year"),
        ({"year": "last"}, 422, "year"),
        ({"year": 1800}, 422, "year"),
        ({"year": 10000}, 422, "year"),
        ({"year": today().year + 1}, 422, "year"),
        ({"year": YEAR - 5}, 422, "year"),  # no credits that year
        ({"year": YEAR, "framework_id": "nonsense"}, 422, "framework_id"),
        ({"year": YEAR, "person_id": "me"}, 422, "person_id"),
        ({"year": YEAR, "person_id": 2**31}, 422, "person_id"),
        ({"year": YEAR, "reissue": "perhaps"}, 422, "reissue"),
    ],
)
def test_bad_statement_requests_name_the_field(app, client, headers, body, status, field):
    record_work(client, headers)
    before = stored_statements(app)
    assert_error(client.post("/api/v1/statements", json=body, headers=headers("mentor")), status, field)
    assert stored_statements(app) == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"year": "1800"}, "year"),
        ({"year": "x"}, "year"),
        ({"status": "lost"}, "status"),
        ({"framework": "nonsense"}, "framework"),
        ({"person_id": "x"}, "person_id"),
        ({"page": 0}, "page"),
    ],
)
def test_bad_list_queries_name_the_field(client, headers, query, field):
    assert_error(client.get("/api/v1/statements", query_string=query, headers=headers("admin")), 422, field)


@pytest.mark.parametrize("path", ["", "/pdf", "/signed"])
def test_unknown_and_absurd_statement_ids_are_404(client, headers, path):
    for statement_id in ("99999", str(2**40)):
        assert_error(client.get(f"/api/v1/statements/{statement_id}{path}", headers=headers("admin")), 404)
    assert_error(client.get(f"/api/v1/statements/abc{path}", headers=headers("admin")), 404)
