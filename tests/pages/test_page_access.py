"""Who may open which page: signed-out visitors go to the sign-in page, the wrong role
gets the 403 page, and a mentorship or person the viewer cannot see does not exist (404)."""

from __future__ import annotations

import pytest

# Who may open a page is decided by the role and visibility rules in Python over plain
# equality lookups, and the assertions are status codes and headings; every page here is
# also rendered with its data on both backends by its own tests (test_*_page.py and the
# domain folders). So the matrix runs on one backend.
pytestmark = pytest.mark.dialect_independent

PAGES = {
    "my mentoring": lambda dept: "/mentoring",
    "my mentors": lambda dept: "/mentee",
    "mentorship history": lambda dept: f"/mentorships/{dept.mentorship_id}",
    "admin mentorships": lambda dept: "/admin/mentorships",
    "roster": lambda dept: "/admin/people",
    "person page": lambda dept: f"/people/{dept.ids['mentee']}",
    "ledger chain": lambda dept: "/admin/ledger",
    "yearly program reports": lambda dept: "/metrics/reports",
    "metrics": lambda dept: "/metrics",
    "metrics of CARD": lambda dept: "/metrics?division=CARD",
    "metrics table CSV": lambda dept: "/metrics/entries_confirmed.csv",
    "metrics table CSV of CARD": lambda dept: "/metrics/mentor_pool.csv?division=CARD",
}
ROLES = ("admin", "director", "mentor", "mentee", "outsider", "other_director")
# The mentorship and the people in it are all in CARD; other_director directs NEPH.
MATRIX = [
    # page                 admin director mentor mentee outsider other_director
    ("my mentoring", 403, 403, 200, 403, 403, 403),
    ("my mentors", 403, 403, 403, 200, 403, 403),
    ("mentorship history", 200, 200, 200, 200, 404, 404),
    ("admin mentorships", 200, 200, 403, 403, 403, 200),
    ("roster", 200, 200, 403, 403, 403, 200),
    ("person page", 200, 200, 200, 200, 404, 404),
    ("ledger chain", 200, 403, 403, 403, 403, 403),
    ("yearly program reports", 200, 200, 403, 403, 403, 200),
    # Directors see the metrics of their own division (other_director: NEPH) with the
    # department's totals; asking for another's division is a 404, as if it were not there.
    ("metrics", 200, 200, 403, 403, 403, 200),
    ("metrics of CARD", 200, 200, 403, 403, 403, 404),
    ("metrics table CSV", 200, 200, 403, 403, 403, 200),
    ("metrics table CSV of CARD", 200, 200, 403, 403, 403, 404),
]
CASES = [(page, role, status) for page, *statuses in MATRIX for role, status in zip(ROLES, statuses)]
HEADINGS = {403: "Not allowed", 404: "Not found"}


@pytest.mark.parametrize(("page", "role", "status"), CASES, ids=[f"{p}-{r}" for p, r, _ in CASES])
def test_role_matrix(client, dept, login, page, role, status):
    login(client, role)
    response = client.get(PAGES[page](dept))
    assert response.status_code == status
    body = response.get_data(as_text=True)
    if status in HEADINGS:
        assert f"<h1>{HEADINGS[status]}</h1>" in body
        assert "Go to your home page" in body  # every refusal says where to go next


@pytest.mark.parametrize("page", list(PAGES))
def test_signed_out_visitors_are_sent_to_sign_in(client, dept, page):
    path = PAGES[page](dept)
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_matrix_covers_every_page():
    assert {row[0] for row in MATRIX} == set(PAGES)
    assert all(len(row) == len(ROLES) + 1 for row in MATRIX)


@pytest.mark.parametrize(
    ("role", "nav"),
    [
        ("mentor", {"My mentoring"}),
        ("mentee", {"My mentors"}),
        ("director", {"Roster", "Mentorships"}),
        ("admin", {"Roster", "Mentorships", "Ledger"}),
    ],
)
def test_navigation_offers_only_the_pages_a_role_may_open(client, dept, login, role, nav):
    login(client, role)
    body = client.get("/", follow_redirects=True).get_data(as_text=True)
    offered = {
        label for label in ("My mentoring", "My mentors", "Roster", "Mentorships", "Ledger") if f">{label}</a>" in body
    }
    assert offered == nav
