"""/admin/mentorships: the filtered, paged list, and the form that starts a mentorship,
refusing with the service's reason a formal mentor the mentee reports to."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from recognition.clock import today, utcnow
from recognition.extensions import db
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person


def add_people(app, dept, count: int, division: str = "CARD", prefix: str = "Extra") -> list[int]:
    with app.app_context():
        people = [
            Person(
                name=f"{prefix} {i:03d}",
                email=f"{prefix.lower()}.{i:03d}@test.example.org",
                division_id=dept.divisions[division],
                rank="assistant",
                position="clinician_teacher",
                created_at=utcnow(),
            )
            for i in range(count)
        ]
        db.session.add_all(people)
        db.session.commit()
        return [person.id for person in people]


def mentorship_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Mentorship))


def listed(body: str) -> set[int]:
    return {int(i) for i in re.findall(r'<td><a href="/mentorships/(\d+)">History', body)}


def test_admin_sees_every_mentorship_and_director_only_their_divisions(client, dept, login):
    body = login(client, "admin").get("/admin/mentorships").get_data(as_text=True)
    assert "<h1>Mentorships</h1>" in body
    assert listed(body) == {dept.mentorship_id, dept.other_mentorship_id}
    client.post("/logout")
    body = login(client, "director").get("/admin/mentorships").get_data(as_text=True)
    assert listed(body) == {dept.mentorship_id}
    assert "Nephrology</option>" not in body  # a director filters only among their divisions


@pytest.fixture
def variety(app, dept):
    """Besides the two formal mentorships: an informal one in CARD and an ended peer group in NEPH."""
    with app.app_context():
        informal = dept.pair("outsider", "admin", kind="informal")
        ended = dept.pair("other_mentor", "award_committee", kind="peer_group")
        db.session.get(Mentorship, ended).ended_on = date(2025, 1, 31)
        db.session.commit()
    return {"informal": informal, "ended": ended}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"card", "neph", "informal"}),
        ("?status=all", {"card", "neph", "informal", "ended"}),
        ("?status=ended", {"ended"}),
        ("?division={NEPH}", {"neph"}),
        ("?division={NEPH}&status=all", {"neph", "ended"}),
        ("?kind=informal", {"informal"}),
        ("?q=outsider", {"informal"}),
        ("?q=OTHER+MENTEE", {"neph"}),
        ("?q=other.mentee%40test", {"neph"}),
    ],
)
def test_filters(client, dept, login, variety, query, expected):
    ids = {"card": dept.mentorship_id, "neph": dept.other_mentorship_id, **variety}
    body = login(client, "admin").get("/admin/mentorships" + query.format(**dept.divisions)).get_data(as_text=True)
    assert listed(body) == {ids[name] for name in expected}


def test_a_bad_filter_is_named_not_ignored_silently(client, dept, login):
    response = login(client, "admin").get("/admin/mentorships?kind=lifelong")
    assert response.status_code == 422
    assert '<span class="error" id="kind-error">Kind: Not a valid choice.</span>' in response.get_data(as_text=True)


def test_the_list_is_paged_fifty_at_a_time(app, client, dept, login):
    with app.app_context():
        for person_id in add_people(app, dept, 55):
            db.session.add(
                Mentorship(
                    mentor_id=dept.ids["mentor"],
                    mentee_id=person_id,
                    kind="informal",
                    started_on=date(2025, 2, 1),
                    created_at=utcnow(),
                )
            )
        db.session.commit()
    login(client, "admin")
    first = client.get("/admin/mentorships?kind=informal").get_data(as_text=True)
    assert len(listed(first)) == 50
    assert "Page 1 of 2 · 55 in all" in first
    assert 'rel="prev"' not in first
    # Next is a cursor past the last row shown, and keeps the filter.
    second = client.get(link(first, "next")).get_data(as_text=True)
    assert "kind=informal" in link(first, "next")
    assert len(listed(second)) == 5 and "Page 2 of 2 · 55 in all" in second
    assert listed(first).isdisjoint(listed(second))
    assert 'rel="next"' not in second
    back = client.get(link(second, "prev")).get_data(as_text=True)
    assert listed(back) == listed(first) and "Page 1 of 2" in back and 'rel="prev"' not in back


def link(body: str, rel: str) -> str:
    """The href of the page's Previous (``prev``) or Next link."""
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', body)
    assert found, rel
    return found.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsMl0.tampered", ""])
def test_a_changed_page_link_shows_the_first_page_and_says_so(client, login, cursor):
    login(client, "admin")
    response = client.get("/admin/mentorships", query_string={"cursor": cursor, "kind": "formal"})
    body = response.get_data(as_text=True)
    if cursor:
        assert response.status_code == 422
        assert "That page link was changed or is out of date" in body
    else:
        assert response.status_code == 200
    assert "Page 1 of 1" in body and listed(body)


def start_form(mentor: str, mentee: str, kind: str = "formal", **extra) -> dict:
    return {
        "new-mentor_email": mentor,
        "new-mentee_email": mentee,
        "new-kind": kind,
        "new-started_on": today().isoformat(),
        **extra,
    }


def test_starting_a_mentorship(app, client, dept, login):
    login(client, "director")
    before = mentorship_count(app)
    # The promotion committee member is in NEPH: a CARD director may not give them a mentor.
    response = client.post(
        "/admin/mentorships", data=start_form(dept.email("admin"), dept.email("promotion_committee"))
    )
    assert response.status_code == 403
    assert (
        "Only an administrator, or the director of the mentee&#39;s division, can start a mentorship."
        in response.get_data(as_text=True)
    )
    assert mentorship_count(app) == before

    response = client.post(
        "/admin/mentorships", data=start_form("Other.Mentor@test.example.org", "admin@test.example.org")
    )
    assert response.status_code == 302
    assert mentorship_count(app) == before + 1
    with app.app_context():
        mentorship = db.session.scalar(select(Mentorship).order_by(Mentorship.id.desc()))
        assert (mentorship.mentor_id, mentorship.mentee_id, mentorship.kind) == (
            dept.ids["other_mentor"],
            dept.ids["admin"],
            "formal",
        )
        assert mentorship.created_by_id == dept.ids["director"]
    assert response.headers["Location"] == f"/mentorships/{mentorship.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Started: Other Mentor Person mentors Admin Person (formal" in page


def test_a_back_dated_start_needs_a_reason_on_the_page_and_is_flagged(app, client, dept, login):
    login(client, "director")
    before = mentorship_count(app)
    form = start_form(dept.email("other_mentor"), dept.email("mentee"), "informal", **{"new-started_on": "2015-03-01"})
    refused = client.post("/admin/mentorships", data=form)
    assert refused.status_code == 422
    assert "is required: the start date is more than 30 days before today" in refused.get_data(as_text=True)
    assert mentorship_count(app) == before

    made = client.post("/admin/mentorships", data={**form, "new-backdate_reason": "Mentoring since 2015, entered now."})
    assert made.status_code == 302 and mentorship_count(app) == before + 1
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "back-dated" in page and "Mentoring since 2015, entered now." in page
    assert "back-dated, recorded" in client.get("/admin/mentorships").get_data(as_text=True)


@pytest.fixture
def supervised(app, dept):
    """The outsider becomes the mentee's supervisor on record."""
    with app.app_context():
        db.session.get(Person, dept.ids["mentee"]).supervisor_id = dept.ids["outsider"]
        db.session.commit()


NOT_PEOPLE = {"nobody": "nobody@test.example.org", "not-an-email": "not-an-email", "": ""}
REFUSALS = [
    # mentor, mentee, kind, status, field, message
    (
        "outsider",
        "mentee",
        "formal",
        422,
        "mentor_email",
        "the mentor is the mentee&#39;s supervisor on record; a formal mentor cannot be someone the mentee reports to",
    ),
    (
        "director",
        "mentee",
        "formal",
        422,
        "mentor_email",
        "the mentor directs the mentee&#39;s division; a formal mentor cannot be someone the mentee reports to",
    ),
    ("mentee", "mentee", "informal", 422, "mentor_email", "a person cannot be their own mentor"),
    (
        "mentor",
        "mentee",
        "formal",
        409,
        "mentee_email",
        "an open mentorship of this kind already joins these two people",
    ),
    ("nobody", "mentee", "formal", 422, "mentor_email", "must be the email of someone on the roster"),
    ("not-an-email", "mentee", "formal", 422, "mentor_email", "must be an email address"),
    ("", "mentee", "formal", 422, "mentor_email", "is required"),
]


@pytest.mark.parametrize(
    ("mentor", "mentee", "kind", "status", "field", "message"), REFUSALS, ids=[r[5][:40] for r in REFUSALS]
)
def test_refusals_name_the_field_and_the_reason(
    app, client, dept, login, supervised, mentor, mentee, kind, status, field, message
):
    login(client, "admin")
    before = mentorship_count(app)
    mentor_email = NOT_PEOPLE[mentor] if mentor in NOT_PEOPLE else dept.email(mentor)
    response = client.post("/admin/mentorships", data=start_form(mentor_email, dept.email(mentee), kind))
    assert response.status_code == status
    body = response.get_data(as_text=True)
    label = {"mentor_email": "Mentor&#39;s email", "mentee_email": "Mentee&#39;s email"}[field]
    assert f'<span class="error" id="new-{field}-error">{label}: {message}</span>' in body
    assert "The mentorship was not started" in body
    assert mentorship_count(app) == before


def test_the_supervisor_refusal_names_both_people(client, dept, login, supervised):
    login(client, "admin")
    body = client.post("/admin/mentorships", data=start_form(dept.email("outsider"), dept.email("mentee"))).get_data(
        as_text=True
    )
    assert (
        "Outsider Person cannot be Mentee Person&#39;s formal mentor: the mentor is the mentee&#39;s supervisor on record"
        in body
    )


def test_the_same_pair_may_be_informal_where_formal_is_refused(app, client, dept, login, supervised):
    login(client, "admin")
    response = client.post(
        "/admin/mentorships", data=start_form(dept.email("outsider"), dept.email("mentee"), "informal")
    )
    assert response.status_code == 302


def test_email_suggestions_come_from_one_division_only(app, client, dept, login):
    body = login(client, "director").get("/admin/mentorships").get_data(as_text=True)
    suggested = set(re.findall(r'<option value="([^"]+@[^"]+)">', body))
    assert 'list="people-emails"' in body
    assert dept.email("mentee") in suggested and dept.email("other_mentee") not in suggested
    client.post("/logout")

    login(client, "admin")
    assert "<datalist" not in client.get("/admin/mentorships").get_data(as_text=True)  # not 900 emails
    body = client.get(f"/admin/mentorships?division={dept.divisions['NEPH']}").get_data(as_text=True)
    suggested = set(re.findall(r'<option value="([^"]+@[^"]+)">', body))
    assert dept.email("other_mentee") in suggested and dept.email("mentee") not in suggested
