"""The credit pages: My credits (cycle, credits, personal work, statements, export), one
statement and its downloads, and the administrators' statement list with issue and
revoke. A statement is its owner's and the admins': to anyone else it does not exist."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from recognition.auth.service import load_actor
from recognition.clock import today, utcnow
from recognition.credits import activities, canonical, profiles, rules, signing
from recognition.credits.models import CreditProfile, Statement, StatementRevocation
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.reflections import service as reflections
from tests.pages.test_page_csrf import sign_in as sign_in_with_token

LAST_YEAR = utcnow().year - 1
MOC = "royal_college_moc"
AREA = "Helping mentees set goals early"
NEXT_STEPS = "End every meeting by writing the next goal together"


def earn(app, dept, role: str = "mentor", year: int = LAST_YEAR, minutes: int = 90, day: int = 1) -> int:
    """A reflection on a named 360 review in ``year`` (Section 3, 3 credits an hour under
    MOC), recorded through the service; returns its ledger entry id."""
    with app.app_context():
        reflection = reflections.record(
            {
                "source": "external",
                "source_name": "360 review",
                "occurred_on": date(year, 3, day),
                "minutes": minutes,
                "area": AREA,
                "question": "Do my mentees leave with a goal?",
                "next_steps": NEXT_STEPS,
            },
            load_actor(dept.ids[role]),
            utcnow(),
        )
        db.session.commit()
        return reflection.ledger_entry_id


def issue(client, year: int = LAST_YEAR, framework: str = MOC, reissue: bool = False):
    data = {"framework": framework, "year": str(year)}
    if reissue:
        data["reissue"] = "1"
    return client.post("/credits/statements", data=data)


def statements(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(Statement.id, Statement.number, Statement.version, Statement.supersedes_id).order_by(Statement.id)
        ).all()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def issued_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.fullmatch(r"/credits/statements/(\d+)", response.headers["Location"]).group(1))


def page_text(response) -> str:
    """The page as a reader hears it: tags dropped, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


# Who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/credits",
        "/credits/export.csv?year=2024",
        "/credits/statements/1",
        "/credits/statements/1.pdf",
        "/credits/statements/1.json",
        "/admin/statements",
    ],
)
def test_signed_out_visitors_are_sent_to_sign_in(client, dept, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["mentor", "mentee", "outsider", "admin"])
def test_everyone_signed_in_has_a_credits_page(client, dept, login, role):
    login(client, role)
    response = client.get("/credits")
    assert response.status_code == 200
    text = page_text(response)
    assert "My credits" in text and "Royal College MOC Program" in text
    assert ">My credits</a>" in response.get_data(as_text=True)  # in the navigation


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("director", 403), ("mentor", 403), ("outsider", 403)])
def test_only_administrators_open_the_statement_list(client, dept, login, role, status):
    login(client, role)
    response = client.get("/admin/statements")
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert (">Statements</a>" in body) == (role == "admin")  # offered in the navigation only to admins
    if status == 403:
        assert "<h1>Not allowed</h1>" in body
        assert client.post("/admin/statements/1/revocation", data={"revoke-1-reason": "x"}).status_code == 403


def test_a_statement_is_its_owners_and_the_admins(app, client, dept, login):
    earn(app, dept)
    login(client, "mentor")
    statement_id = issued_id(issue(client))
    paths = [f"/credits/statements/{statement_id}{suffix}" for suffix in ("", ".pdf", ".json")]
    for path in paths:
        assert client.get(path).status_code == 200
    for role in ("other_mentor", "mentee", "director", "outsider"):
        login(client, role)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 404, (role, path)
            assert "RCM-" not in response.get_data(as_text=True)
    login(client, "admin")
    assert [client.get(path).status_code for path in paths] == [200, 200, 200]


# My credits ---------------------------------------------------------------------------------


def test_the_page_shows_credits_by_year_cycle_progress_and_warnings(app, client, dept, login):
    earn(app, dept, minutes=90)  # 4.50 Section 3 credits last year
    with app.app_context():  # unaccredited training earns half rate
        ledger.record(
            {"kind": "mentor_training", "occurred_on": date(LAST_YEAR, 5, 2), "minutes": 120},
            load_actor(dept.ids["mentor"]),
            utcnow(),
        )
        db.session.commit()
    login(client, "mentor")
    text = page_text(client.get("/credits"))
    assert f"{LAST_YEAR} 1.00 0.00 4.50 5.50" in text  # Sections 1, 2, 3 and the total
    assert f"{LAST_YEAR}-03-01 Reflection on feedback received: 360 review 1.50 Section 3: Assessment 4.50" in text
    assert f"{LAST_YEAR}-05-02 Mentor training completed 2.00 Section 1: Group learning 1.00" in text
    # Without a cycle start, cycles are counted from the earliest credited activity (last
    # year): the page shows that cycle, the one per-cycle caps count in, and says so.
    assert f"the current one starts {LAST_YEAR}-01-01, and per-cycle limits count from the same date" in text
    assert f"Cycle from 1 January {LAST_YEAR} to 31 December {LAST_YEAR + 4}" in text
    assert "Section 3: Assessment 4.50 of 25.00 credits, not yet" in text

    client.post("/credits/profile", data={"framework": MOC, "cycle_start": f"{LAST_YEAR}-01-01"})
    response = client.get("/credits")
    assert response.status_code == 200
    text = page_text(response)
    assert f"Cycle from 1 January {LAST_YEAR} to 31 December {LAST_YEAR + 4}" in text
    assert "Total for the cycle 5.50 of 250.00 credits, not yet" in text
    assert f"This year ({LAST_YEAR + 1}) 0.00 of 25.00 credits, not yet" in text
    assert "Section 3: Assessment 4.50 of 25.00 credits, not yet" in text
    assert "“Feedback received” activities 1 of 1, met" in text
    assert "Next deadline: report your" in text
    assert "Not every requirement of this cycle is met yet." in text
    assert "What needs attention" in text
    assert f"This cycle has 5.5 of the 250 credits it needs: 244.5 to go by 31 December {LAST_YEAR + 4}." in text
    assert f"{LAST_YEAR}: 5.5 credits, below the 25 each year needs (19.5 short)." in text
    assert "cycle start is not set" not in text


def test_setting_framework_and_cycle_start(app, client, dept, login):
    login(client, "mentor")
    response = client.post("/credits/profile", data={"framework": MOC, "cycle_start": "2024-01-01"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "Saved: you report to Royal College MOC Program, cycle from 2024-01-01." in page_text(page)
    assert "Cycle from 1 January 2024 to 31 December 2028" in page_text(page)
    response = client.post("/credits/profile", data={"framework": "ama_pra", "cycle_start": ""})
    assert response.status_code == 302
    with app.app_context():
        assert profiles.profile_of(dept.ids["mentor"]) == profiles.Profile("ama_pra", None, True)
    assert "AMA PRA" in page_text(client.get("/credits"))


@pytest.mark.parametrize("framework", ["ama_pra", "cfpc_mainpro", "department_points", MOC])
def test_the_page_works_under_every_framework(app, client, dept, login, framework):
    earn(app, dept)
    login(client, "mentor")
    assert client.post("/credits/profile", data={"framework": framework, "cycle_start": ""}).status_code == 302
    response = client.get("/credits")
    assert response.status_code == 200
    with app.app_context():
        chosen = profiles.framework(framework)
        version = chosen.version_on(today())
        reflected_in = activities.period_of(chosen, rules.year_of(version, date(LAST_YEAR, 3, 1)))[2]
    text = page_text(response)
    assert f"under {chosen.name}" in text
    assert ("Total for the cycle" in text) == (version.cycle is not None)
    assert f"{reflected_in}: " in text  # activities grouped by the framework's own years
    assert f"Issue statement for {reflected_in}" in text  # every framework credits a reflection on feedback


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"framework": "moc_made_up", "cycle_start": ""}, "Credit framework: must be one of the frameworks listed"),
        ({"framework": MOC, "cycle_start": "2024-13-01"}, "must be a date written as YYYY-MM-DD"),
        ({"framework": "ama_pra", "cycle_start": "2024-01-01"}, "has no cycles; leave the cycle start empty"),
        (
            {"framework": MOC, "cycle_start": "2024-07-01"},
            "must be 1 January, the first day of a Royal College MOC Program year",
        ),
        (
            {"framework": "cfpc_mainpro", "cycle_start": "2024-01-01"},
            "must be 1 July, the first day of a CFPC Mainpro+ year",
        ),
    ],
)
def test_a_bad_profile_is_refused_naming_the_field(app, client, dept, login, data, message):
    login(client, "mentor")
    response = client.post("/credits/profile", data=data)
    assert response.status_code == 422
    text = page_text(response)
    assert "Your framework was not saved" in text
    assert message in text
    assert count(app, CreditProfile) == 0


def test_logging_accredited_training_and_preparation(app, client, dept, login, ledger_rows):
    login(client, "mentor")
    day = today().isoformat()
    response = client.post(
        "/credits/work",
        data={
            "kind": "mentor_training",
            "occurred_on": day,
            "minutes": "180",
            "accreditation": "Royal College accredited workshop",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert "Logged: 180 minutes of mentor training completed" in page_text(client.get("/credits"))
    response = client.post(
        "/credits/work",
        data={
            "kind": "mentoring_preparation",
            "occurred_on": day,
            "minutes": "30",
            "accreditation": "  ",
            "note": "Read on goal setting",
        },
    )
    assert response.status_code == 302
    text = page_text(client.get("/credits"))
    assert "Mentor training completed: Royal College accredited workshop" in text
    assert "Section 1: Group learning 3.00" in text  # accredited: 1 credit an hour
    assert "Mentoring preparation: Read on goal setting" in text
    assert "Section 2: Self-learning 1.00" in text  # 2 credits an hour
    with app.app_context():
        entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).all()
        assert [(e.kind, e.accreditation, e.person_id, e.recorded_by_id, e.mentorship_id) for e in entries] == [
            ("mentor_training", "Royal College accredited workshop", dept.ids["mentor"], dept.ids["mentor"], None),
            ("mentoring_preparation", None, dept.ids["mentor"], dept.ids["mentor"], None),
        ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "mentoring_preparation", "minutes": "30", "accreditation": "CPD provider X"},
            "Accreditation (mentor training only, optional): may be given only for mentor training",
        ),
        ({"kind": "meeting", "minutes": "30"}, "What you did: must be mentor training or mentoring preparation"),
        ({"kind": "mentor_training", "minutes": "0"}, "Minutes: must be between 1 and 1440"),
        ({"kind": "mentor_training", "minutes": "60", "occurred_on": "2999-01-01"}, "Date: must not be in the future"),
        ({"kind": "mentor_training", "minutes": "sixty"}, "Minutes: must be a whole number"),
    ],
)
def test_bad_work_is_refused_naming_the_field_and_rule(client, dept, login, ledger_rows, data, message):
    login(client, "mentor")
    response = client.post("/credits/work", data={"occurred_on": today().isoformat(), **data})
    assert response.status_code == 422
    text = page_text(response)
    assert "The work was not logged" in text
    assert message in text
    assert ledger_rows() == 0


def test_a_mentor_is_pointed_to_the_reflection_form(client, dept, login):
    login(client, "mentor")
    assert 'href="/reflections/new"' in client.get("/credits").get_data(as_text=True)
    login(client, "outsider")  # reflections are for mentors: no link that would only refuse
    assert 'href="/reflections/new"' not in client.get("/credits").get_data(as_text=True)


# Issuing and re-issuing from the page ----------------------------------------------------------


def test_issuing_from_the_page_then_reissuing(app, client, dept, login):
    earn(app, dept, minutes=90)
    login(client, "mentor")
    page = client.get("/credits")
    assert f"Issue statement for {LAST_YEAR}" in page_text(page)
    assert f"Issue statement for {LAST_YEAR + 1}" not in page_text(page)  # the current year is not finished

    first = issued_id(issue(client))
    detail = client.get(f"/credits/statements/{first}")
    text = page_text(detail)
    number = f"RCM-{LAST_YEAR}-{dept.ids['mentor']:05d}-1"
    assert f"Issued statement {number} (4.50 credits)" in text
    assert f"Statement {number} current" in text
    assert "Reflection on feedback received: 360 review" in text
    assert "Section 3: Assessment 4.50" in text
    page = page_text(client.get("/credits"))
    assert f"Issue statement for {LAST_YEAR}" not in page
    assert f"{number} Royal College MOC Program {LAST_YEAR} 1 current" in page

    # Nothing changed: re-issuing is refused, readably, and nothing is written.
    response = issue(client, reissue=True)
    assert response.status_code == 409
    assert f"Nothing has changed since statement {number}: it is still current." in page_text(response)
    assert len(statements(app)) == 1

    earn(app, dept, minutes=60, day=20)  # 3 more credits in the same year
    second = issued_id(issue(client, reissue=True))
    assert [(v, s) for _, _, v, s in statements(app)] == [(1, None), (2, first)]
    text = page_text(client.get(f"/credits/statements/{second}"))
    assert "current" in text and "7.50 credits" in text and "replacing version 1" in text
    text = page_text(client.get(f"/credits/statements/{first}"))
    assert f"Statement {number} superseded" in text
    assert f"Superseded by RCM-{LAST_YEAR}-{dept.ids['mentor']:05d}-2" in text


def test_issuing_twice_without_reissue_is_a_readable_conflict(app, client, dept, login):
    earn(app, dept)
    login(client, "mentor")
    issued_id(issue(client))
    response = issue(client)
    assert response.status_code == 409
    text = page_text(response)
    assert "The statement was not issued." in text
    assert "already covers this year; re-issue it to replace it" in text
    assert len(statements(app)) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"framework": MOC, "year": "last year"}, "Year: must be a year such as 2025"),
        ({"framework": MOC, "year": "1900"}, "must be a finished or current year"),
        ({"framework": MOC, "year": "2999"}, "must be a finished or current year"),
        ({"framework": MOC, "year": str(LAST_YEAR - 3)}, "has no credits under Royal College MOC Program"),
        ({"framework": "made_up", "year": str(LAST_YEAR)}, "Framework: must be one of"),
    ],
)
def test_a_bad_issue_is_refused_naming_the_field(app, client, dept, login, data, message):
    earn(app, dept)
    login(client, "mentor")
    response = client.post("/credits/statements", data=data)
    assert response.status_code == 422
    assert message in page_text(response)
    assert statements(app) == []


# Downloads -------------------------------------------------------------------------------------


def test_downloads_are_the_stored_bytes_as_attachments(app, client, dept, login):
    earn(app, dept)
    login(client, "mentor")
    statement_id = issued_id(issue(client))
    with app.app_context():
        stored = db.session.get(Statement, statement_id)
        pdf, document, number = stored.pdf, stored.document, stored.number

    response = client.get(f"/credits/statements/{statement_id}.pdf")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{number}.pdf"'
    assert response.data == pdf
    assert "Mentor Person" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)

    response = client.get(f"/credits/statements/{statement_id}.json")
    assert response.headers["Content-Disposition"] == f'attachment; filename="{number}.json"'
    signed = json.loads(response.data)
    assert document.encode("utf-8") in response.data  # the very bytes that were signed
    assert signed["content_hash"] == hashlib.sha256(document.encode("utf-8")).hexdigest()
    # Checked offline with the published key, as the verification page explains.
    public = signing.load_public_pem(client.get("/verify/key.pem").data)
    with app.app_context():
        assert canonical.check_signed(signed, public) == (
            True,
            "genuine: the document is intact and signed by this key",
        )


# The MAINPORT export ---------------------------------------------------------------------------


def test_the_export_on_screen_and_as_csv(app, client, dept, login):
    earn(app, dept, minutes=90)
    login(client, "mentor")
    text = page_text(client.get(f"/credits?year={LAST_YEAR}"))
    assert "Section Activity type Title Date Hours Credits Learning outcome / reflection summary Note" in text
    assert (
        f"Section 3: Assessment Feedback received Reflection on feedback received: 360 review "
        f"{LAST_YEAR}-03-01 1.50 4.50 {AREA} Next steps: {NEXT_STEPS}"
    ) in text
    assert f'href="/credits/export.csv?year={LAST_YEAR}"' in client.get("/credits").get_data(as_text=True)

    response = client.get(f"/credits/export.csv?year={LAST_YEAR}")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="mainport-{MOC}-{LAST_YEAR}.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows == [
        [
            "Section",
            "Activity type",
            "Title",
            "Date",
            "Hours",
            "Credits",
            "Learning outcome / reflection summary",
            "Note",
        ],
        [
            "Section 3: Assessment",
            "Feedback received",
            "Reflection on feedback received: 360 review",
            f"{LAST_YEAR}-03-01",
            "1.50",
            "4.50",
            f"{AREA} Next steps: {NEXT_STEPS}",
            "",
        ],
    ]
    assert "Nothing to claim for" in page_text(client.get(f"/credits?year={LAST_YEAR - 1}"))


@pytest.mark.parametrize("year", ["twenty", "1800", "2999", ""])
def test_a_bad_export_year_is_refused_naming_the_field(client, dept, login, year):
    login(client, "mentor")
    response = client.get(f"/credits/export.csv?year={year}")
    assert response.status_code == 422
    assert "year" in page_text(response) and "must be a year such as 2025" in page_text(response)
    if year:
        response = client.get(f"/credits?year={year}")
        assert response.status_code == 422
        assert "Year to export: must be a year such as 2025" in page_text(response)


def test_the_export_holds_only_the_signed_in_persons_work(app, client, dept, login):
    earn(app, dept, role="other_mentor")
    login(client, "mentor")
    assert (
        client.get(f"/credits/export.csv?year={LAST_YEAR}&person_id={dept.ids['other_mentor']}")
        .data.decode("utf-8-sig")
        .count("\n")
        == 1
    )  # the header only
    assert AREA not in client.get(f"/credits?year={LAST_YEAR}").get_data(as_text=True)


# The administrators' list ---------------------------------------------------------------------


def issue_as_admin(client, dept, role="mentor", year=LAST_YEAR, framework=MOC, reissue=False):
    data = {"new-email": dept.email(role), "new-framework": framework, "new-year": str(year)}
    if reissue:
        data["new-reissue"] = "y"
    return client.post("/admin/statements", data=data)


def test_an_admin_issues_lists_filters_and_revokes(app, client, dept, login):
    earn(app, dept)
    earn(app, dept, role="other_mentor", year=LAST_YEAR - 1)
    login(client, "admin")
    mentors = issued_id(issue_as_admin(client, dept))
    others = issued_id(issue_as_admin(client, dept, role="other_mentor", year=LAST_YEAR - 1))
    assert "Issued Mentor Person's statement" in page_text(client.get(f"/credits/statements/{mentors}"))

    text = page_text(client.get("/admin/statements"))
    assert "2 statements" in text
    listed = client.get(f"/admin/statements?year={LAST_YEAR}").get_data(as_text=True)
    assert listed.count('name="revoke-') == 1 and f'name="revoke-{mentors}-reason"' in listed
    assert "1 statement " in page_text(client.get("/admin/statements?q=other"))
    assert "No statement matches" in page_text(client.get("/admin/statements?framework=ama_pra"))
    assert "No statement matches" in page_text(client.get("/admin/statements?status=revoked"))

    response = client.post(
        f"/admin/statements/{others}/revocation?status=current",
        data={f"revoke-{others}-reason": "Issued for the wrong year"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/statements?status=current"
    text = page_text(client.get("/admin/statements?status=revoked"))
    assert "1 statement " in text
    assert f"Revoked on {today().isoformat()}: Issued for the wrong year" in text
    # No second revocation offered.
    assert 'name="revoke-' not in client.get("/admin/statements?status=revoked").get_data(as_text=True)
    assert "1 statement " in page_text(client.get("/admin/statements?status=current"))
    detail = page_text(client.get(f"/credits/statements/{others}"))
    assert "revoked" in detail and "Issued for the wrong year" in detail

    # The owner sees it revoked too, and cannot revoke anything.
    login(client, "other_mentor")
    assert f"{LAST_YEAR - 1} 1 revoked" in page_text(client.get("/credits"))


def test_a_revocation_needs_a_reason_and_happens_once(app, client, dept, login):
    earn(app, dept)
    login(client, "admin")
    statement_id = issued_id(issue_as_admin(client, dept))
    response = client.post(f"/admin/statements/{statement_id}/revocation", data={f"revoke-{statement_id}-reason": "  "})
    assert response.status_code == 422
    assert "Reason for revoking: must not be blank: say why the statement is revoked" in page_text(response)
    assert count(app, StatementRevocation) == 0

    assert (
        client.post(
            f"/admin/statements/{statement_id}/revocation", data={f"revoke-{statement_id}-reason": "Duplicate"}
        ).status_code
        == 302
    )
    response = client.post(
        f"/admin/statements/{statement_id}/revocation",
        data={f"revoke-{statement_id}-reason": "Again"},
        follow_redirects=True,
    )
    assert "is already revoked" in page_text(response)
    assert count(app, StatementRevocation) == 1
    assert client.post("/admin/statements/999/revocation", data={"revoke-999-reason": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"new-email": "nobody@test.example.org"}, "Person's email: must be the email of someone on the roster"),
        ({"new-email": "not an email"}, "Person's email: must be an email address"),
        ({"new-framework": "made_up"}, "Framework: must be one of the frameworks listed"),
        ({"new-year": "soon"}, "Year: must be a year such as 2025"),
        ({"new-year": str(LAST_YEAR - 5)}, "has no credits under Royal College MOC Program"),
    ],
)
def test_a_bad_admin_issue_is_refused_naming_the_field(app, client, dept, login, data, message):
    earn(app, dept)
    login(client, "admin")
    response = client.post(
        "/admin/statements",
        data={"new-email": dept.email("mentor"), "new-framework": MOC, "new-year": str(LAST_YEAR), **data},
    )
    assert response.status_code == 422
    text = page_text(response)
    assert "The statement was not issued" in text and message in text
    assert statements(app) == []


def test_an_admin_reissues_only_when_asked(app, client, dept, login):
    earn(app, dept)
    login(client, "admin")
    first = issued_id(issue_as_admin(client, dept))
    client.post(f"/admin/statements/{first}/revocation", data={f"revoke-{first}-reason": "Wrong activity"})
    response = issue_as_admin(client, dept)
    assert response.status_code == 409
    assert "re-issue it to replace it" in page_text(response)
    second = issued_id(issue_as_admin(client, dept, reissue=True))  # the same credits, but the old one is revoked
    assert [(v, s) for _, _, v, s in statements(app)] == [(1, None), (2, first)]
    text = page_text(client.get(f"/credits/statements/{first}"))
    assert "Revoked on" in text and "Wrong activity" in text and f"-{dept.ids['mentor']:05d}-2" in text
    assert "current" in page_text(client.get(f"/credits/statements/{second}"))


@pytest.mark.parametrize("query", ["year=abc", "status=lost", "framework=made_up"])
def test_bad_filters_are_named_not_ignored(client, dept, login, query):
    login(client, "admin")
    response = client.get(f"/admin/statements?{query}")
    assert response.status_code == 422
    assert "Some filters were not used." in page_text(response)


# With CSRF protection on, as in production ---------------------------------------------------

CSRF_FORMS = [
    # who, the page holding the form, where it posts, the fields besides the token, the token's field name
    ("mentor", "/credits", "/credits/profile", lambda s: {"framework": "ama_pra", "cycle_start": ""}, "csrf_token"),
    (
        "mentor",
        "/credits",
        "/credits/work",
        lambda s: {"kind": "mentoring_preparation", "occurred_on": today().isoformat(), "minutes": "30"},
        "csrf_token",
    ),
    (
        "mentor",
        "/credits",
        "/credits/statements",
        lambda s: {"framework": MOC, "year": str(LAST_YEAR), "reissue": "1"},
        "csrf_token",
    ),
    (
        "admin",
        "/admin/statements",
        "/admin/statements/{statement}/revocation",
        lambda s: {f"revoke-{s}-reason": "Issued in error"},
        "revoke-{statement}-csrf_token",
    ),
]


@pytest.mark.parametrize(("role", "page", "target", "fields", "token_name"), CSRF_FORMS, ids=[f[2] for f in CSRF_FORMS])
def test_every_credit_form_needs_its_token(
    app, client, csrf_client, dept, login, role, page, target, fields, token_name
):
    earn(app, dept)
    earn(app, dept, minutes=30, day=9)
    first = issued_id(issue(login(client, "mentor")))
    earn(app, dept, minutes=60, day=20)  # so that a re-issue has something new to say
    target, token_name = target.format(statement=first), token_name.format(statement=first)

    def changed() -> tuple[int, ...]:
        return (
            count(app, CreditProfile),
            count(app, LedgerEntry),
            count(app, Statement),
            count(app, StatementRevocation),
        )

    sign_in_with_token(csrf_client, dept.email(role))
    before = changed()
    refused = csrf_client.post(target, data=fields(first))
    assert refused.status_code == 400
    assert "The CSRF token is missing." in page_text(refused)
    assert changed() == before
    body = csrf_client.get(page).get_data(as_text=True)
    token = re.search(rf'name="{token_name}" type="hidden" value="([^"]+)"', body).group(1)
    assert csrf_client.post(target, data={**fields(first), token_name: token}).status_code == 302
    assert changed() != before
