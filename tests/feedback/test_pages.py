"""The feedback and reflection pages: who may open which, the mentee's one-page form, the
mentor's report withheld until k responses are pooled, the division's view, the
reflection form and its ledger entry, and CSRF on every new form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from recognition.auth.service import load_actor
from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.feedback import periods, service
from recognition.feedback.models import Answer, Comment, Receipt, Release, Request, Response
from recognition.ledger.models import LedgerEntry
from recognition.reflections import service as reflections
from recognition.reflections.models import Reflection
from tests.pages.test_page_csrf import sign_in, token_from

ITEMS = 12  # the default instrument, mentor-effectiveness v1
STRENGTH = "Always makes time for my grant drafts"


def period() -> str:
    """The current period (test apps use calendar years, the default)."""
    return periods.period_of(today(), periods.CALENDAR)


def stored(app) -> tuple[int, ...]:
    """Responses, answers, comments, receipts, releases: what answering changes."""
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(table))
            for table in (Response, Answer, Comment, Receipt, Release)
        )


def strip_tokens(body: str) -> str:
    return re.sub(r'name="csrf_token" (?:type="hidden" )?value="[^"]+"', "", body)


def full_answer(value: str = "5", **overrides) -> dict:
    form = {
        f"item-{item}": value
        for item in (
            "accessible",
            "integrity",
            "expertise",
            "approachable",
            "supportive",
            "critique",
            "motivates",
            "professional_guidance",
            "answers",
            "acknowledges",
            "resources",
            "challenges",
        )
    }
    return {**form, "comment-strengths": "", "comment-suggestions": "", **overrides}


@pytest.fixture
def asked(app, dept, feedback_kit):
    """Three more mentees for the mentor (beside the department's own), everyone asked for
    the current period. Returns {"mentee": the dept mentee's request, "extra": [3 ids]}."""
    extra = feedback_kit.mentees(3)
    feedback_kit.ask(period(), now=utcnow())
    return {
        "mentee": feedback_kit.request_id(dept.ids["mentor"], dept.ids["mentee"], period()),
        "extra": [feedback_kit.request_id(dept.ids["mentor"], m, period()) for m in extra],
        "other": feedback_kit.request_id(dept.ids["other_mentor"], dept.ids["other_mentee"], period()),
    }


def answer_extra(feedback_kit, asked, count: int, comments: dict | None = None) -> None:
    for request_id in asked["extra"][:count]:
        feedback_kit.answer(request_id, 5, comments=comments, now=utcnow())


@pytest.fixture
def released(feedback_kit, asked):
    """The mentor's feedback for the period released (three answers, with comments)."""
    answer_extra(feedback_kit, asked, 3, comments={"strengths": STRENGTH})
    return asked


@pytest.fixture
def reflection_id(app, dept, released):
    with app.app_context():
        release = db.session.scalar(select(Release).where(Release.mentor_id == dept.ids["mentor"]))
        reflection = reflections.record(
            {
                "source": "report",
                "release_id": release.id,
                "occurred_on": today(),
                "minutes": 40,
                "area": "Setting goals",
                "question": "Do I help mentees set goals?",
                "next_steps": "Agree goals each visit",
            },
            load_actor(dept.ids["mentor"]),
            utcnow(),
        )
        db.session.commit()
        return reflection.id


def release_id_of(app, dept) -> int:
    with app.app_context():
        return db.session.scalar(select(Release.id).where(Release.mentor_id == dept.ids["mentor"]))


# Who may open which page ----------------------------------------------------------------

PAGES = {
    "my requests": lambda d, ids: "/feedback",
    "answer form": lambda d, ids: f"/feedback/requests/{ids['mentee']}",
    "own report": lambda d, ids: "/feedback/report",
    "a mentor's report": lambda d, ids: f"/feedback/report?mentor_id={d.ids['mentor']}",
    "division feedback": lambda d, ids: "/admin/feedback",
    "reflections": lambda d, ids: "/reflections",
    "new reflection": lambda d, ids: "/reflections/new",
    "reflect on a report": lambda d, ids: f"/reflections/new?release_id={ids['release']}",
    "a reflection": lambda d, ids: f"/reflections/{ids['reflection']}",
}
ROLES = ("admin", "director", "mentor", "mentee", "other_mentor", "outsider", "other_director")
# The mentor, the mentee and the director are in CARD; other_director directs NEPH.
MATRIX = [
    # page                  admin director mentor mentee other_mentor outsider other_director
    ("my requests", 403, 403, 403, 200, 403, 403, 403),
    ("answer form", 404, 404, 404, 200, 404, 404, 404),
    ("own report", 403, 403, 200, 403, 200, 403, 403),
    ("a mentor's report", 200, 200, 200, 404, 404, 404, 404),
    ("division feedback", 200, 200, 403, 403, 403, 403, 200),
    ("reflections", 403, 403, 200, 403, 200, 403, 403),
    ("new reflection", 403, 403, 200, 403, 200, 403, 403),
    ("reflect on a report", 403, 403, 200, 403, 404, 403, 403),
    ("a reflection", 404, 404, 200, 404, 404, 404, 404),
]
CASES = [(page, role, status) for page, *statuses in MATRIX for role, status in zip(ROLES, statuses)]
HEADINGS = {403: "Not allowed", 404: "Not found"}


@pytest.fixture
def ids(app, dept, released, reflection_id):
    return {"mentee": released["mentee"], "release": release_id_of(app, dept), "reflection": reflection_id}


@pytest.mark.parametrize(("page", "role", "status"), CASES, ids=[f"{p}-{r}" for p, r, _ in CASES])
def test_role_matrix(client, dept, login, ids, page, role, status):
    login(client, role)
    response = client.get(PAGES[page](dept, ids))
    assert response.status_code == status
    body = response.get_data(as_text=True)
    if status in HEADINGS:
        assert f"<h1>{HEADINGS[status]}</h1>" in body
        assert "Go to your home page" in body
        assert "Setting goals" not in body


def test_matrix_covers_every_page():
    assert {row[0] for row in MATRIX} == set(PAGES)
    assert all(len(row) == len(ROLES) + 1 for row in MATRIX)


@pytest.mark.parametrize("page", list(PAGES))
def test_signed_out_visitors_are_sent_to_sign_in(client, dept, ids, page):
    response = client.get(PAGES[page](dept, ids))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("role", "nav"),
    [
        (
            "mentor",
            {
                "My mentoring",
                "Feedback report",
                "Reflections",
                "Awards",
                "My credits",
                "My milestones",
                "My dossier",
                "My profile",
            },
        ),
        ("mentee", {"My mentors", "Feedback", "Awards", "My credits", "My milestones", "My dossier", "My profile"}),
        (
            "director",
            {
                "Roster",
                "Mentorships",
                "Import",
                "Feedback",
                "Metrics",
                "Milestones",
                "Cases",
                "Awards",
                "My credits",
                "My milestones",
                "My dossier",
                "My profile",
            },
        ),
        (
            "admin",
            {
                "Roster",
                "Mentorships",
                "Import",
                "Feedback",
                "Metrics",
                "Milestones",
                "Ledger",
                "Statements",
                "Cases",
                "Awards",
                "My credits",
                "My milestones",
                "My dossier",
                "My profile",
            },
        ),
    ],
)
def test_navigation_offers_the_feedback_pages_of_each_role(client, dept, login, role, nav):
    login(client, role)
    body = client.get("/", follow_redirects=True).get_data(as_text=True)
    menu = body.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert set(re.findall(r'<a href="[^"]+">([^<]+)</a>', menu)) == nav


# The mentee's list and form ---------------------------------------------------------------


def test_the_mentees_list_links_open_requests_and_thanks_for_answered_ones(client, dept, login, feedback_kit, asked):
    body = login(client, "mentee").get("/feedback").get_data(as_text=True)
    assert f'href="/feedback/requests/{asked["mentee"]}"' in body
    assert "Mentor Person</strong>, " + period() in body
    assert "answered — thank you" not in body

    feedback_kit.answer(asked["mentee"], 4, now=utcnow())
    body = client.get("/feedback").get_data(as_text=True)
    assert f'href="/feedback/requests/{asked["mentee"]}"' not in body
    assert "answered — thank you" in body
    assert "Nothing is waiting for you." in body


def test_the_form_shows_every_item_with_its_scale_not_applicable_and_the_notice(client, dept, login, asked):
    body = login(client, "mentee").get(f"/feedback/requests/{asked['mentee']}").get_data(as_text=True)
    with client.application.app_context():
        used = service.current_instrument()
    assert body.count('<fieldset class="scale"') == ITEMS
    for number, item in enumerate(used.items, start=1):
        legend = f"<legend>{number}. {item.text}</legend>"
        assert legend in body.replace("&#39;", "'")
        for value in range(1, 7):
            assert f'name="item-{item.id}" required type="radio" value="{value}"' in body
        assert f'name="item-{item.id}" required type="radio" value="na"' in body
    for label in used.labels:
        assert body.count(f"<span>{label}</span>") == ITEMS
    assert body.count("<span>Not applicable</span>") == ITEMS
    assert body.count('maxlength="1000"') == 2 and "At most 1000 characters." in body
    notice = body.index("Your answers are anonymous.")
    assert notice < body.index('<form method="post"') < body.index('<button type="submit" class="big">Send my feedback')
    assert "pooled with at least 3 responses from at least 3 different mentees" in body
    assert "can see or change your answers" in body
    assert "<script" not in body and "style=" not in body


def test_a_missing_answer_re_renders_with_the_answers_kept_and_stores_nothing(app, client, dept, login, asked):
    login(client, "mentee")
    before = stored(app)
    data = full_answer("4", **{"comment-strengths": "Kind and clear"})
    del data["item-expertise"]
    data["item-critique"] = "na"
    response = client.post(f"/feedback/requests/{asked['mentee']}", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Your feedback was not sent" in body
    assert (
        '<a href="#item-expertise">3. My mentor brought knowledge and experience relevant to my work.</a>: '
        "is required: choose a point on the scale or Not applicable"
    ) in body
    assert body.count('aria-describedby="item-expertise-error"') == 1
    assert 'checked id="item-accessible-3" name="item-accessible" required type="radio" value="4"' in body
    assert 'checked id="item-critique-6" name="item-critique" required type="radio" value="na"' in body
    assert ">\r\nKind and clear</textarea>" in body
    assert stored(app) == before


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    ids=["above the scale", "below the scale", "long comment"],
    argvalues=[
        ("item-supportive", "7", "must be a point from 1 to 6 or Not applicable"),
        ("item-supportive", "0", "must be a point from 1 to 6 or Not applicable"),
        ("comment-suggestions", "x" * 1001, "must be at most 1000 characters"),
    ],
)
def test_a_bad_value_is_refused_naming_the_item_and_the_rule(app, client, dept, login, asked, field, value, rule):
    login(client, "mentee")
    before = stored(app)
    response = client.post(f"/feedback/requests/{asked['mentee']}", data=full_answer(**{field: value}))
    assert response.status_code == 422
    assert rule in response.get_data(as_text=True)
    assert stored(app) == before


def test_answering_confirms_and_a_second_attempt_is_refused_with_409(app, client, dept, login, asked):
    login(client, "mentee")
    url = f"/feedback/requests/{asked['mentee']}"
    response = client.post(url, data=full_answer("6", **{"comment-strengths": STRENGTH}))
    assert response.status_code == 302
    assert response.headers["Location"] == f"{url}/thanks"
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: your feedback is sent" in thanks
    assert "cannot be seen or changed" in thanks
    after = stored(app)
    assert after[:4] == (1, ITEMS, 1, 1)

    again = client.post(url, data=full_answer("1"))
    body = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "<h1>Already answered</h1>" in body
    assert "You have already given feedback on Mentor Person for " + period() in body
    assert stored(app) == after

    revisit = client.get(url)  # the mentee may see their own receipt, never the answers
    assert revisit.status_code == 200 and "<h1>Already answered</h1>" in revisit.get_data(as_text=True)
    assert STRENGTH not in revisit.get_data(as_text=True)


# The mentor's report ------------------------------------------------------------------------


def test_the_report_is_withheld_the_same_way_after_one_and_two_answers_and_shown_after_three(
    client, dept, login, feedback_kit, asked
):
    login(client, "mentor")
    pages = []
    for answered in range(3):
        if answered:
            answer_extra(feedback_kit, {"extra": asked["extra"][answered - 1 :]}, 1)
        response = client.get("/feedback/report")
        assert response.status_code == 200
        pages.append(strip_tokens(response.get_data(as_text=True)))
    withheld = pages[0]
    assert f"Withheld for {period()}" in withheld
    assert "Feedback is shown only when at least 3 responses can be pooled" in withheld
    assert pages[1] == pages[0] and pages[2] == pages[0]  # nothing tells the mentor someone answered
    explanation = withheld.split('aria-labelledby="withheld"')[1].split("<p>")[1].split("</p>")[0]
    assert set(re.findall(r"\b\d+\b", explanation.replace("&#39;", "'"))) == {"3"}  # k, never a count
    assert "<svg" not in withheld

    answer_extra(feedback_kit, {"extra": asked["extra"][2:]}, 1, comments={"strengths": STRENGTH})
    shown = client.get("/feedback/report").get_data(as_text=True)
    assert "Withheld" not in shown
    assert '<span class="score-value">5.00</span>' in shown
    assert "3 responses pooled" in shown and f"all from {period()}" in shown
    assert shown.count('role="img"') >= ITEMS + 1
    assert "My mentor made time for me when I needed it." in shown
    assert STRENGTH in shown  # the mentor reads the comments
    assert "Cardiology (division)" in shown and "Department" in shown
    release = release_id_of(client.application, dept)
    assert f'href="/reflections/new?release_id={release}&amp;period={period()}"' in shown
    assert "style=" not in shown and "<script" not in shown


@pytest.mark.parametrize("role", ["admin", "director"])
def test_admins_and_directors_see_the_aggregates_but_never_the_comments(client, dept, login, released, role):
    login(client, role)
    body = client.get(f"/feedback/report?mentor_id={dept.ids['mentor']}").get_data(as_text=True)
    assert "<h1>Feedback report: Mentor Person</h1>" in body
    assert '<span class="score-value">5.00</span>' in body
    assert STRENGTH not in body
    assert "Comments are shown only to the mentor." in body
    assert "Reflect on this feedback" not in body


def test_a_malformed_period_is_refused_naming_the_field(client, dept, login):
    response = login(client, "mentor").get("/feedback/report?period=last-year")
    assert response.status_code == 422
    assert "<strong>period</strong>: must be a calendar period like 2025" in response.get_data(as_text=True)


def test_the_period_selector_lists_recent_periods(client, dept, login):
    body = login(client, "mentor").get("/feedback/report").get_data(as_text=True)
    year = int(period())
    assert f'<option selected value="{year}">{year} (current)</option>' in body
    assert f'<option value="{year - 5}">{year - 5}</option>' in body


# The division's view ------------------------------------------------------------------------


def test_the_division_view_lists_only_mentors_with_released_feedback(client, dept, login, feedback_kit, released):
    feedback_kit.answer(released["other"], 2, comments={"strengths": "Hidden from everyone"}, now=utcnow())
    login(client, "admin")
    body = client.get("/admin/feedback").get_data(as_text=True)
    assert '<h2 id="pooled">The whole department, ' + period() in body
    assert "<td>Mentor Person</td>" in body
    assert "Other Mentor Person" not in body  # one answer: below k, not listed, not counted
    assert "from 3 responses pooled" in body
    assert "Mentors with fewer than 3 responses are not listed" in body
    assert STRENGTH not in body and "Hidden from everyone" not in body

    neph = client.get(f"/admin/feedback?division={dept.divisions['NEPH']}").get_data(as_text=True)
    assert "No feedback has been released for Nephrology" in neph
    assert "Other Mentor Person" not in neph


def test_a_director_sees_their_division_and_is_refused_another(client, dept, login, released):
    login(client, "director")
    body = client.get("/admin/feedback").get_data(as_text=True)
    assert '<h2 id="pooled">Cardiology, ' + period() in body
    assert "Whole department" not in body and "Ask mentees for feedback" not in body
    assert client.get(f"/admin/feedback?division={dept.divisions['NEPH']}").status_code == 403
    assert client.get("/admin/feedback?division=").status_code == 403


def test_the_admin_asks_and_reminds_from_the_division_page(app, client, dept, login, instance_path):
    login(client, "admin")
    response = client.post("/admin/feedback/requests", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert f"Asked 2 mentees for feedback for {period()}. The messages went to {instance_path / 'outbox'}." in body
    assert len(list(Path(instance_path, "outbox").glob("*.eml"))) == 2
    again = client.post("/admin/feedback/requests", follow_redirects=True).get_data(as_text=True)
    assert f"already been asked for {period()}; nothing was sent" in again
    reminded = client.post("/admin/feedback/reminders", follow_redirects=True).get_data(as_text=True)
    assert "No reminders were due" in reminded
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Request)) == 2


@pytest.mark.parametrize("role", ["director", "mentor"])
def test_only_admins_may_ask_and_remind(app, client, dept, login, role):
    login(client, role)
    assert client.post("/admin/feedback/requests").status_code == 403
    assert client.post("/admin/feedback/reminders").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Request)) == 0


# Reflections ----------------------------------------------------------------------------------

STEPS = {
    "area": "Goal setting",
    "question": "Do my mentees leave with clear goals?",
    "standards": "Goals are specific and dated",
    "comparison": "Two mentees found goals vague",
    "discussion": "Talked with a senior colleague",
    "next_steps": "Write goals down together",
}


def test_a_reflection_from_the_report_is_stored_with_its_ledger_entry(app, client, dept, login, released, ledger_rows):
    login(client, "mentor")
    release = release_id_of(app, dept)
    form = client.get(f"/reflections/new?release_id={release}&period={period()}").get_data(as_text=True)
    assert f'name="release_id" type="hidden" value="{release}"' in form
    assert 'checked id="source-0" name="source" required type="radio" value="report"' in form
    for label in (
        "1. Area to improve",
        "2. Performance question",
        "3. Standards (optional)",
        "4. How the feedback compares (optional)",
        "5. Discussion with a trusted peer or mentor (optional)",
        "6. Next steps",
        "Minutes spent reviewing and reflecting",
    ):
        assert f">{label}</label>" in form
    before = ledger_rows()

    response = client.post(
        "/reflections/new",
        data={
            "source": "report",
            "release_id": str(release),
            "period": period(),
            "occurred_on": today().isoformat(),
            "minutes": "45",
            **STEPS,
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/reflections"
    assert ledger_rows() == before + 1
    with app.app_context():
        reflection = db.session.scalar(select(Reflection))
        entry = db.session.get(LedgerEntry, reflection.ledger_entry_id)
        assert (reflection.release_id, reflection.period, entry.kind, entry.minutes) == (
            release,
            period(),
            "feedback_reflection",
            45,
        )
        seq = entry.seq
    mine = client.get("/reflections").get_data(as_text=True)
    assert f"Mentee feedback report, {period()}" in mine
    assert f"entry #{seq}</strong>, Section 3 evidence" in mine
    for text in STEPS.values():
        assert text in mine
    ledger_page = client.get("/mentoring").get_data(as_text=True)
    assert "<td>Reflection on feedback received</td>" in ledger_page
    assert all(text not in ledger_page for text in STEPS.values())  # the text never leaves the author's pages


def test_a_reflection_on_other_feedback_needs_its_name(app, client, dept, login, ledger_rows):
    login(client, "mentor")
    before = ledger_rows()
    data = {"source": "external", "occurred_on": today().isoformat(), "minutes": "30", **STEPS}
    refused = client.post("/reflections/new", data={**data, "area": ""})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert '<a href="#area">1. Area to improve</a>: is required' in body
    assert "Name of the feedback (for other feedback): is required" in body
    assert ledger_rows() == before

    accepted = client.post("/reflections/new", data={**data, "source_name": "360 review, spring"})
    assert accepted.status_code == 302
    assert ledger_rows() == before + 1
    assert "360 review, spring" in client.get("/reflections").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    ids=["no minutes", "minutes not a number", "not a date", "too long"],
    argvalues=[
        ("minutes", "0", "Minutes spent reviewing and reflecting: must be between 1 and 1440"),
        ("minutes", "lots", "Minutes spent reviewing and reflecting: must be a whole number"),
        ("occurred_on", "yesterday", "Date you reviewed and reflected: must be a date written as YYYY-MM-DD"),
        ("next_steps", "x" * 4001, "6. Next steps: must be at most 4000 characters"),
    ],
)
def test_a_bad_reflection_names_the_field_and_the_rule(client, dept, login, ledger_rows, field, value, rule):
    login(client, "mentor")
    before = ledger_rows()
    data = {
        "source": "external",
        "source_name": "360",
        "occurred_on": today().isoformat(),
        "minutes": "30",
        **STEPS,
        field: value,
    }
    response = client.post("/reflections/new", data=data)
    assert response.status_code == 422
    assert rule in response.get_data(as_text=True)
    assert ledger_rows() == before


def test_a_reflection_cannot_claim_another_mentors_report(app, client, dept, login, released, ledger_rows):
    release = release_id_of(app, dept)
    login(client, "other_mentor")
    before = ledger_rows()
    response = client.post(
        "/reflections/new",
        data={
            "source": "report",
            "release_id": str(release),
            "occurred_on": today().isoformat(),
            "minutes": "30",
            **STEPS,
        },
    )
    assert response.status_code == 404
    assert ledger_rows() == before


def test_a_reflection_page_shows_its_text_to_its_author(client, dept, login, reflection_id):
    body = login(client, "mentor").get(f"/reflections/{reflection_id}").get_data(as_text=True)
    assert "Setting goals" in body and "Agree goals each visit" in body
    assert "Private: only you see this text." in body


# CSRF on every new form -----------------------------------------------------------------------


def test_every_new_form_refuses_a_post_without_its_token(app, csrf_client, dept, feedback_kit, asked, ledger_rows):
    forms = [
        ("mentee", f"/feedback/requests/{asked['mentee']}", f"/feedback/requests/{asked['mentee']}", full_answer()),
        (
            "mentor",
            "/reflections/new",
            "/reflections/new",
            {
                "source": "external",
                "source_name": "360",
                "occurred_on": today().isoformat(),
                "minutes": "30",
                **STEPS,
            },
        ),
        ("admin", "/admin/feedback", "/admin/feedback/requests", {}),
        ("admin", "/admin/feedback", "/admin/feedback/reminders", {}),
    ]
    for role, page, action, data in forms:
        sign_in(csrf_client, dept.email(role))
        before = (stored(app), ledger_rows())
        refused = csrf_client.post(action, data=data)
        assert refused.status_code == 400, action
        assert "The CSRF token is missing." in refused.get_data(as_text=True)
        assert (stored(app), ledger_rows()) == before
        token = token_from(csrf_client.get(page).get_data(as_text=True))
        accepted = csrf_client.post(action, data={**data, "csrf_token": token})
        assert accepted.status_code == 302, (action, accepted.get_data(as_text=True))
        csrf_client.post("/logout", data={"csrf_token": token})
    assert stored(app)[0] == 1 and ledger_rows() == 1
