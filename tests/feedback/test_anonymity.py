"""Property tests: no report, export or endpoint reveals anything about fewer than k
responses, and no two views can be subtracted to isolate fewer than k.

Three layers:
- the pure rules, over many random examples;
- the services, against an independent model of release-in-blocks: random sequences of
  answers across mentors, divisions and periods, each example in its own fresh database
  (the usual fixtures are built once per test, not per example), checking every view
  after every answer;
- the endpoints (API and pages): everything a mentor, a director or an administrator can
  fetch is the same, byte for byte, after 0, 1 … k-1 answers.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from recognition.auth.service import COMMAND_LINE, load_actor, set_password
from recognition.clock import today, utcnow
from recognition.errors import Conflict
from recognition.extensions import db
from recognition.feedback import reports, service
from recognition.feedback.instruments import load_all
from recognition.feedback.models import Request
from recognition.feedback.rules import breakdown_is_safe, effective_k, should_release, summarise
from recognition.mentorships.models import Mentorship
from recognition.people.models import Person
from tests.support.department import PASSWORD, Department

from .conftest import fresh_app

EFFECTIVENESS = load_all()[("mentor-effectiveness", 1)]
ITEM_IDS = [item.id for item in EFFECTIVENESS.items]


# 1. The pure rules ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    configured=st.one_of(st.integers(-10, 10), st.none(), st.text(max_size=3)),
    arrivals=st.lists(st.integers(0, 3), max_size=60),
)
def test_released_blocks_are_never_smaller_than_k_and_never_wait_at_k(configured, arrivals):
    """Answers arriving for mentors 0–3, released by ``should_release``: every block has
    exactly k (never below 3), and fewer than k are ever left waiting."""
    k = effective_k(configured)
    assert k >= 3
    waiting: Counter = Counter()
    blocks = []
    for mentor in arrivals:
        waiting[mentor] += 1
        if should_release(waiting[mentor], waiting[mentor], configured):  # one period: all different mentees
            blocks.append(waiting.pop(mentor))
        assert all(0 < n < k for n in waiting.values())
    assert all(size == k for size in blocks)
    assert sum(blocks) + sum(waiting.values()) == len(arrivals)


@settings(max_examples=300, deadline=None)
@given(k=st.integers(3, 6), data=st.data())
def test_a_breakdown_into_whole_blocks_is_always_safe(k, data):
    blocks = data.draw(st.lists(st.integers(k, 3 * k), max_size=8))
    owner = data.draw(st.lists(st.integers(0, 3), min_size=len(blocks), max_size=len(blocks)))
    shown = data.draw(st.sets(st.integers(0, 3)))
    parts = [sum(b for b, o in zip(blocks, owner) if o == part) for part in sorted(shown)]
    assert breakdown_is_safe(sum(blocks), parts, k)


@settings(max_examples=300, deadline=None)
@given(k=st.integers(3, 6), parts=st.lists(st.integers(0, 20), max_size=5), extra=st.integers(0, 20))
def test_a_breakdown_that_would_show_or_leave_fewer_than_k_is_refused(k, parts, extra):
    total = sum(parts) + extra
    small = [n for n in [total, extra, *parts] if 0 < n < k]
    assert breakdown_is_safe(total, parts, k) is (not small)


# 2. The services, against a model -----------------------------------------------------------

PERIODS = ("2024", "2025", "2026")
MENTORS = (("Mentor Person", "CARD"), ("Cara Mentor", "CARD"), ("Other Mentor Person", "NEPH"))
MENTEES_EACH = 4


@dataclass(frozen=True)
class Block:
    mentor: int  # index into MENTORS
    periods: frozenset[str]
    answers: tuple[dict, ...]
    comments: tuple[str, ...]


class Model:
    """Release in blocks, as documented: a mentor's waiting answers (any periods) are
    released together as soon as there are k of them from at least k different mentees,
    counted as the service can know them: exactly across periods none of whose answers was
    released yet, and otherwise only as "each period's answers are different people"."""

    def __init__(self, k: int):
        self.k = k
        self.waiting: dict[int, list[tuple[str, int, dict, str | None]]] = {m: [] for m in range(len(MENTORS))}
        self.blocks: list[Block] = []
        self.answered: set[tuple[int, int, str]] = set()

    def submit(self, mentor: int, mentee: int, period: str, answers: dict, comment: str | None) -> None:
        self.waiting[mentor].append((period, mentee, answers, comment))
        pool = self.waiting[mentor]
        per_period = Counter(p for p, _, _, _ in pool)
        released = {p for b in self.blocks if b.mentor == mentor for p in b.periods}
        known: set[int] = set()
        for p, count in per_period.items():
            who = {e for (m, e, q) in self.answered if m == mentor and q == p}
            if p not in released and len(who) == count:
                known |= who
        people = max([len(known), *per_period.values()])
        if len(pool) >= self.k and people >= self.k:
            # The point of counting people: a block never holds fewer than k of them.
            assert len({e for _, e, _, _ in pool}) >= self.k
            self.blocks.append(
                Block(
                    mentor,
                    frozenset(p for p, _, _, _ in pool),
                    tuple(a for _, _, a, _ in pool),
                    tuple(c for _, _, _, c in pool if c),
                )
            )
            self.waiting[mentor] = []

    def touching(self, period: str, mentors) -> frozenset[int]:
        return frozenset(i for i, b in enumerate(self.blocks) if period in b.periods and b.mentor in mentors)

    def summary(self, indices):
        return summarise(ITEM_IDS, 1, 6, [a for i in sorted(indices) for a in self.blocks[i].answers])

    def size(self, indices) -> int:
        return sum(len(self.blocks[i].answers) for i in indices)


def build_world(app) -> dict:
    """The test department, a second CARD mentor, four mentees each, and requests for
    2024–2026."""
    with app.app_context():
        dept = Department.build()
        now = datetime(2024, 1, 2)
        cara = Person(
            name="Cara Mentor",
            email="cara@test.example.org",
            division_id=dept.divisions["CARD"],
            rank="associate",
            position="clinician_teacher",
            created_at=now,
        )
        db.session.add(cara)
        db.session.flush()
        mentor_ids = [dept.ids["mentor"], cara.id, dept.ids["other_mentor"]]
        mentees: dict[int, list[int]] = {}
        for m, (_name, code) in enumerate(MENTORS):
            found = [dept.ids["mentee"]] if m == 0 else [dept.ids["other_mentee"]] if m == 2 else []
            while len(found) < MENTEES_EACH:
                person = Person(
                    name=f"Mentee {m}-{len(found)}",
                    email=f"mentee{m}.{len(found)}@test.example.org",
                    division_id=dept.divisions[code],
                    rank="assistant",
                    position="clinician_teacher",
                    created_at=now,
                )
                db.session.add(person)
                db.session.flush()
                db.session.add(
                    Mentorship(
                        mentor_id=mentor_ids[m],
                        mentee_id=person.id,
                        kind="formal",
                        started_on=date(2024, 1, 1),
                        created_at=now,
                    )
                )
                found.append(person.id)
            mentees[m] = found
        db.session.flush()
        for period in PERIODS:
            service.request_feedback(period, datetime(int(period), 1, 15))
        requests = {(r.mentor_id, r.mentee_id, r.period): r.id for r in db.session.scalars(select(Request))}
        db.session.commit()
        return {
            "dept": dept,
            "mentor_ids": mentor_ids,
            "mentees": mentees,
            "requests": requests,
            "divisions": {code: dept.divisions[code] for code in ("CARD", "NEPH")},
        }


def submit(app, request_id: int, answers: dict, comment: str | None, when: datetime) -> bool:
    """True if stored, False if refused as a second answer."""
    with app.app_context():
        request = db.session.get(Request, request_id)
        try:
            service.submit(
                request, answers, {"strengths": comment} if comment else {}, load_actor(request.mentee_id), when
            )
        except Conflict:
            db.session.rollback()
            return False
        db.session.commit()
        return True


def snapshot_views(app, world, model: Model, withheld_before: dict) -> list[tuple[str, frozenset[int]]]:
    """Every view there is, checked against the model; returns (name, the blocks it shows)."""
    k, views = model.k, []
    division_of = {m: code for m, (_, code) in enumerate(MENTORS)}
    in_division = {code: {m for m, c in division_of.items() if c == code} for code in ("CARD", "NEPH")}
    with app.app_context():
        releases = [
            tuple(row)
            for row in db.session.execute(
                text("SELECT mentor_id, periods, response_count FROM feedback_releases ORDER BY id")
            )
        ]
        assert releases == [
            (world["mentor_ids"][b.mentor], ",".join(sorted(b.periods)), len(b.answers)) for b in model.blocks
        ]
        for period in PERIODS:
            department = model.touching(period, range(len(MENTORS)))
            for m, mentor_id in enumerate(world["mentor_ids"]):
                report = reports.mentor_report(mentor_id, period, load_actor(mentor_id))
                own = model.touching(period, {m})
                if not own:
                    # Withheld, and exactly as it was before: nothing moves until a block is released.
                    assert report["shown"] is False and report["summary"] is None
                    assert report["comments"] == report["trend"] == report["pooled_periods"] == []
                    assert report["division"] is None and report["department"] is None
                    assert not re.search(r"\d", report["withheld"].replace(str(k), ""))
                    state = {key: value for key, value in report.items() if key != "mentor"}
                    assert withheld_before.setdefault((m, period), state) == state
                    continue
                withheld_before.pop((m, period), None)
                assert report["shown"] is True
                assert report["summary"] == model.summary(own)
                assert report["pooled_periods"] == sorted({p for i in own for p in model.blocks[i].periods})
                assert report["trend"] == [
                    {"periods": sorted(b.periods), "responses": len(b.answers), "overall": model.summary({i}).overall}
                    for i, b in enumerate(model.blocks)
                    if b.mentor == m
                ]
                shown_comments = [t for group in report["comments"] for t in group["texts"]]
                assert Counter(shown_comments) == Counter(c for i in own for c in model.blocks[i].comments)
                division = model.touching(period, in_division[division_of[m]])
                assert report["division"] == model.summary(division)
                assert report["department"] == model.summary(department)
                views += [
                    (f"report {m} {period}", own),
                    (f"report-division {m} {period}", division),
                    (f"report-department {period}", department),
                ]

            totals = {}
            for code in ("CARD", "NEPH", None):
                members = in_division[code] if code else set(range(len(MENTORS)))
                view = reports.division_view(world["divisions"][code] if code else None, period, COMMAND_LINE)
                shown = model.touching(period, members)
                totals[code] = model.size(shown)
                if not shown:
                    assert view["summary"] is None and view["mentors"] == []
                    continue
                assert view["summary"] == model.summary(shown)
                listed = {row["mentor"].id: row for row in view["mentors"]}
                expected = {m: model.touching(period, {m}) for m in members}
                assert set(listed) == {world["mentor_ids"][m] for m, blocks in expected.items() if blocks}
                for m, blocks in expected.items():
                    if blocks:
                        row = listed[world["mentor_ids"][m]]
                        assert (row["responses"], row["overall"]) == (model.size(blocks), model.summary(blocks).overall)
                        assert row["responses"] >= k
                        views.append((f"view {code} {period} mentor {m}", blocks))
                # (b) a view's total and its parts never leave a remainder below k.
                assert breakdown_is_safe(view["summary"].responses, [row["responses"] for row in view["mentors"]], k)
                views.append((f"view {code} {period}", shown))
            assert breakdown_is_safe(totals[None], [totals["CARD"], totals["NEPH"]], k)
    return views


EVENT = st.tuples(
    st.integers(0, len(MENTORS) - 1),  # mentor
    st.integers(0, MENTEES_EACH - 1),  # which of their mentees
    st.sampled_from(PERIODS),
    st.booleans(),  # answered late: in the 60 days after the period
    st.integers(1, 6),  # the answer
    st.booleans(),  # with a comment
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.sampled_from([3, 4]), events=st.lists(EVENT, min_size=4, max_size=24))
def test_every_view_is_a_union_of_whole_blocks_of_at_least_k(request, backend, k, events):
    """(a) and (b): after every answer, every view equals the model's union of whole
    blocks; so any two views, at any two moments, differ by 0 or at least k responses."""
    timed = sorted(events, key=lambda e: datetime(int(e[2]) + 1, 2, 10) if e[3] else datetime(int(e[2]), 11, 20))
    with fresh_app(request, backend, FEEDBACK_MIN_RESPONSES=k) as app:
        world = build_world(app)
        model = Model(k)
        withheld_before: dict = {}
        seen: dict[frozenset[int], str] = {frozenset(): "nothing"}
        for n, (m, which, period, late, value, with_comment) in enumerate(timed):
            mentee = world["mentees"][m][which]
            when = datetime(int(period) + 1, 2, 10) if late else datetime(int(period), 11, 20)
            answers = dict.fromkeys(ITEM_IDS, value) | {"challenges": None if value % 2 else value}
            comment = f"comment {'x' * (n + 1)}" if with_comment else None
            stored = submit(app, world["requests"][(world["mentor_ids"][m], mentee, period)], answers, comment, when)
            assert stored is ((m, mentee, period) not in model.answered)
            if stored:
                model.answered.add((m, mentee, period))
                model.submit(m, mentee, period, answers, comment)
            for name, blocks in snapshot_views(app, world, model, withheld_before):
                seen.setdefault(blocks, name)
        event(f"blocks released: {min(len(model.blocks), 4)}{'+' if len(model.blocks) >= 4 else ''}")
        assert all(len(block.answers) >= k for block in model.blocks)
        for (a, name_a), (b, name_b) in itertools.combinations(seen.items(), 2):
            only_a, only_b = model.size(a - b), model.size(b - a)
            assert only_a == 0 or only_a >= k, (name_a, name_b)
            assert only_b == 0 or only_b >= k, (name_a, name_b)
            # (Two unrelated views may differ in size by less than k: neither contains the
            # other, so no subtraction isolates anything; what one has and the other lacks
            # is whole blocks, checked above.)


# 3. The endpoints ----------------------------------------------------------------------------


def everything_visible(client, dept, tokens, period: str) -> dict[str, object]:
    """Every feedback endpoint and page a mentor, director or administrator can fetch."""
    mentor = dept.ids["mentor"]
    card, neph = dept.divisions["CARD"], dept.divisions["NEPH"]
    api = {
        "report as mentor": ("mentor", f"/api/v1/feedback/reports?period={period}"),
        "report as director": ("director", f"/api/v1/feedback/reports?period={period}&mentor_id={mentor}"),
        "report as admin": ("admin", f"/api/v1/feedback/reports?period={period}&mentor_id={mentor}"),
        "CARD as director": ("director", f"/api/v1/feedback/divisions/{card}?period={period}"),
        "CARD as admin": ("admin", f"/api/v1/feedback/divisions/{card}?period={period}"),
        "NEPH as admin": ("admin", f"/api/v1/feedback/divisions/{neph}?period={period}"),
        "department as admin": ("admin", f"/api/v1/feedback/department?period={period}"),
    }
    seen = {}
    for name, (role, url) in api.items():
        response = client.get(url, headers=tokens[role])
        assert response.status_code == 200, (name, response.get_json())
        seen[name] = response.get_json()
    pages = {
        "report page as mentor": ("mentor", f"/feedback/report?period={period}"),
        "report page as director": ("director", f"/feedback/report?period={period}&mentor_id={mentor}"),
        "division page as director": ("director", f"/admin/feedback?period={period}"),
        "division page as admin": ("admin", f"/admin/feedback?period={period}&division={card}"),
        "department page as admin": ("admin", f"/admin/feedback?period={period}"),
    }
    for name, (role, url) in pages.items():
        with client.session_transaction() as session:
            session.clear()
        signed_in = client.post("/login", data={"email": dept.email(role), "password": PASSWORD})
        assert signed_in.status_code == 302
        page = client.get(url)
        assert page.status_code == 200, name
        seen[name] = re.sub(r'name="csrf_token"[^>]*', "", page.get_data(as_text=True))
    return seen


def test_no_endpoint_or_page_changes_until_the_kth_answer(app, client, dept, headers):
    """(c) Through the API and the pages: after 0, 1 and 2 answers everything anyone can
    fetch is identical, with no summary and no count; the third answer shows the report."""
    with app.app_context():
        period = service.current_period(today())
        mentees = [(dept.ids["mentee"], headers("mentee"))]
        for n in range(2):
            person = Person(
                name=f"Api Mentee {n}",
                email=f"api.mentee{n}@test.example.org",
                division_id=dept.divisions["CARD"],
                rank="assistant",
                position="clinician_teacher",
                created_at=utcnow(),
            )
            db.session.add(person)
            db.session.flush()
            set_password(person, PASSWORD, utcnow())
            db.session.add(
                Mentorship(
                    mentor_id=dept.ids["mentor"],
                    mentee_id=person.id,
                    kind="formal",
                    started_on=date(2024, 1, 1),
                    created_at=utcnow(),
                )
            )
            mentees.append((person.id, None))
        db.session.commit()
        service.request_feedback(period, utcnow())
        db.session.commit()
        request_ids = {r.mentee_id: r.id for r in db.session.scalars(select(Request).where(Request.period == period))}
    tokens = {role: headers(role) for role in ("mentor", "director", "admin")}
    mentee_tokens = []
    for person_id, given_headers in mentees:
        if given_headers is None:
            with app.app_context():
                email = db.session.get(Person, person_id).email
            token = client.post("/api/v1/auth/tokens", json={"email": email, "password": PASSWORD}).get_json()["token"]
            given_headers = {"Authorization": f"Bearer {token}"}
        mentee_tokens.append((person_id, given_headers))

    before = everything_visible(client, dept, tokens, period)
    assert before["report as mentor"]["shown"] is False and before["report as mentor"]["summary"] is None
    for j, (person_id, mentee_headers) in enumerate(mentee_tokens[:2], start=1):
        answered = client.post(
            f"/api/v1/feedback/requests/{request_ids[person_id]}/response",
            json={"answers": dict.fromkeys(ITEM_IDS, 6), "comments": {"strengths": f"Answer {j}"}},
            headers=mentee_headers,
        )
        assert answered.status_code == 201, answered.get_json()
        now_visible = everything_visible(client, dept, tokens, period)
        for name in before:
            assert now_visible[name] == before[name], f"{name} changed after {j} answer(s)"
        body = now_visible["report as mentor"]
        assert body["shown"] is False and body["summary"] is None and body["comments"] == []
        assert "Answer" not in str(now_visible)

    person_id, mentee_headers = mentee_tokens[2]
    assert (
        client.post(
            f"/api/v1/feedback/requests/{request_ids[person_id]}/response",
            json={"answers": dict.fromkeys(ITEM_IDS, 6), "comments": {}},
            headers=mentee_headers,
        ).status_code
        == 201
    )
    after = everything_visible(client, dept, tokens, period)
    assert after["report as mentor"]["shown"] is True
    assert after["report as mentor"]["summary"]["responses"] == 3
    assert sorted(t for g in after["report as mentor"]["comments"] for t in g["texts"]) == ["Answer 1", "Answer 2"]
    assert after["report as director"]["comments"] == []
    assert after["CARD as director"]["summary"]["responses"] == 3
