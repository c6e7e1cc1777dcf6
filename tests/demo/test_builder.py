"""The demo department: deterministic, internally consistent, and usable by every role."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from recognition.auth.service import load_actor
from recognition.cases.models import Case
from recognition.cases.visibility import committee
from recognition.demo import builder
from recognition.demo.department import DIVISIONS, add_years
from recognition.dossiers.models import Dossier
from recognition.extensions import db
from recognition.ledger import chain
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.ledger.rules import RECORDED_ELSEWHERE, contribution_problems
from recognition.mentorships.models import Mentorship
from recognition.mentorships.rules import formal_mentor_refusal
from recognition.people.models import DivisionDirector, Person

from .conftest import TODAY, feedback_snapshot, load


def test_same_seed_and_day_build_the_same_department(app, other_app):
    load(app)
    load(other_app)
    snapshots = []
    for each in (app, other_app):
        with each.app_context():
            emails = list(db.session.scalars(select(Person.email).order_by(Person.id)))
            head = ledger.head()
        snapshots.append((emails, head, feedback_snapshot(each)))
    assert snapshots[0] == snapshots[1]
    assert snapshots[0][1]["seq"] > 100
    assert snapshots[0][2]["feedback_responses"] and snapshots[0][2]["reflections"]


def test_another_seed_builds_another_department(app, other_app):
    load(app, seed=1)
    load(other_app, seed=2)
    heads = []
    for each in (app, other_app):
        with each.app_context():
            heads.append(ledger.head()["hash"])
    assert heads[0] != heads[1]


def test_the_chain_verifies_and_ends_before_today(app, logins):
    with app.app_context():
        verdict = ledger.verify()
        assert verdict.valid, verdict.problem
        assert verdict.checked == db.session.scalar(select(func.count()).select_from(LedgerEntry))
        assert ledger.head()["recorded_at"] < datetime.combine(TODAY, datetime.min.time())
        # The hashes were computed in memory; the stored rows, read back through the ORM,
        # must hash the same.
        for entry in db.session.scalars(select(LedgerEntry)):
            assert chain.entry_hash(entry.hashed_fields()) == entry.entry_hash


def test_the_history_obeys_the_ledger_rules(app, logins):
    """Every entry is one the services would have accepted when it was recorded."""
    with app.app_context():
        ties = {m.id: m for m in db.session.scalars(select(Mentorship))}
        entries = {e.id: e for e in db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq))}
        followers = Counter((e.target_id, e.entry_type) for e in entries.values() if e.target_id)
        assert max(followers.values()) == 1
        divisions = dict(db.session.execute(select(Person.id, Person.division_id)).all())
        directs = {(row.person_id, row.division_id) for row in db.session.scalars(select(DivisionDirector))}
        admin_id = db.session.scalar(select(Person.id).where(Person.email == logins["admin"][0]))
        kinds = Counter()
        for entry in entries.values():
            tie = ties.get(entry.mentorship_id)
            if entry.entry_type == "contribution":
                kinds[entry.kind] += 1
                span = (tie.started_on, tie.ended_on) if tie else None
                own = entry.kind in RECORDED_ELSEWHERE  # a reflection, recorded through its own operation
                assert (
                    contribution_problems(
                        entry.kind, entry.occurred_on, entry.minutes, entry.recorded_at.date(), span, own_operation=own
                    )
                    == {}
                )
                if tie:
                    assert entry.person_id == tie.mentor_id
                    assert entry.recorded_by_id in (tie.mentor_id, tie.mentee_id)
                continue
            target = entries[entry.target_id]
            assert target.entry_type == "contribution" and target.recorded_at < entry.recorded_at
            if entry.entry_type == "reversal":
                assert entry.reason and entry.recorded_by_id == target.recorded_by_id
            elif entry.entry_type == "dispute":  # the counterpart says it did not happen; never confirmed
                assert entry.reason and (entry.target_id, "confirmation") not in followers
                assert {entry.recorded_by_id, target.recorded_by_id} == {tie.mentor_id, tie.mentee_id}
            elif target.kind == "milestone":  # a self-reported milestone, confirmed by the director or an admin
                assert (entry.target_id, "reversal") not in followers
                assert (
                    entry.recorded_by_id == admin_id or (entry.recorded_by_id, divisions[target.person_id]) in directs
                )
            else:
                assert (entry.target_id, "reversal") not in followers
                assert {entry.recorded_by_id, target.recorded_by_id} == {tie.mentor_id, tie.mentee_id}
        assert {
            "meeting",
            "academic_plan_review",
            "peer_group_session",
            "mentor_training",
            "feedback_reflection",
            "milestone",
        } <= set(kinds)
        confirmable = sum(
            kinds[k] for k in ("meeting", "academic_plan_review", "peer_group_session", "sponsorship_action")
        )
        confirmed = sum(
            1 for target, kind in followers if kind == "confirmation" and entries[target].kind != "milestone"
        )
        assert 0.6 <= confirmed / confirmable <= 0.95
        disputed = sum(1 for _, kind in followers if kind == "dispute")
        assert 0 < disputed < 0.05 * confirmable


def test_every_new_faculty_member_has_an_allowed_formal_mentor(app, logins):
    with app.app_context():
        people = {p.id: p for p in db.session.scalars(select(Person))}
        directors = {row.division_id: row.person_id for row in db.session.scalars(select(DivisionDirector))}
        formal = list(db.session.scalars(select(Mentorship).where(Mentorship.kind == "formal")))
        newcomers = [p for p in people.values() if p.appointed_on and add_years(p.appointed_on, 5) > TODAY]
        assert newcomers
        for person in newcomers:
            active = [m for m in formal if m.mentee_id == person.id and m.is_active_on(TODAY)]
            assert len(active) == 1, person.email
        for mentorship in formal:
            mentee, mentor = people[mentorship.mentee_id], people[mentorship.mentor_id]
            assert (
                formal_mentor_refusal(mentor.id, mentee.id, mentee.supervisor_id, {directors[mentee.division_id]})
                is None
            )
            assert mentor.id not in directors.values()
            assert mentor.rank in ("associate", "full")
            assert mentor.appointed_on <= add_years(mentorship.started_on, -8)
            if mentorship.ended_on is not None:
                assert mentorship.end_reason


def test_the_department_has_a_plausible_shape(app, logins):
    with app.app_context():
        faculty = list(db.session.scalars(select(Person).where(Person.division_id.is_not(None))))
        directors = list(db.session.scalars(select(DivisionDirector)))
        peer_groups = db.session.execute(
            select(Mentorship.group_name, func.count(func.distinct(Mentorship.mentor_id)), func.count())
            .where(Mentorship.kind == "peer_group")
            .group_by(Mentorship.group_name)
        ).all()
    assert 80 <= len(faculty) <= 100  # a tenth of about 900
    ranks = Counter(p.rank for p in faculty)
    assert 0.30 <= ranks["assistant"] / len(faculty) <= 0.50
    assert 0.25 <= ranks["associate"] / len(faculty) <= 0.45
    assert 0.15 <= ranks["full"] / len(faculty) <= 0.35
    positions = Counter(p.position for p in faculty)
    assert positions.most_common(1)[0][0] in ("clinician_teacher", "clinician_educator")
    by_id = {p.id: p for p in faculty}
    assert len(directors) == len(DIVISIONS) == 20
    assert all(by_id[d.person_id].rank in ("associate", "full") for d in directors)
    assert all(by_id[d.person_id].division_id == d.division_id for d in directors)
    assert len({p.email for p in faculty}) == len(faculty)
    assert all(p.email.isascii() and p.email.endswith("@demo.example.org") for p in faculty)
    assert any(not p.name.isascii() for p in faculty)
    assert all(p.appointed_on < TODAY for p in faculty)
    answered = sum(p.gender is not None for p in faculty) / len(faculty)
    assert 0.35 <= answered <= 0.8
    assert peer_groups and all(mentors == 1 and 3 <= size <= 8 for _, mentors, size in peer_groups)


def test_every_login_signs_in_with_its_role(app, client, logins):
    assert set(logins) == {"admin", "division_director", "mentor", "mentee", "award_committee", "promotion_committee"}
    for role, (email, password) in logins.items():
        response = client.post("/api/v1/auth/tokens", json={"email": email, "password": password})
        assert response.status_code == 201, (role, response.get_json())
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {response.get_json()['token']}"})
        assert role in me.get_json()["roles"], role
    # The promotion-committee login sits on an open promotion case and an open CFAR case
    # (each beside a member recused for a tie to the candidate) and on last year's closed
    # CFAR case, and lands on its cases; each open case's candidate has issued a dossier.
    email, password = logins["promotion_committee"]
    with app.app_context():
        member = db.session.scalar(select(Person.id).where(Person.email == email))
        promotion, cfar, closed = db.session.scalars(select(Case).order_by(Case.id)).all()
        assert [(c.kind, c.is_open) for c in (promotion, cfar, closed)] == [
            ("promotion", True),
            ("cfar", True),
            ("cfar", False),
        ]
        for case in (promotion, cfar):
            standing = {item["person"].id: item["recused"] for item in committee(case)}
            assert standing[member] is False and list(standing.values()).count(True) == 1 and len(standing) == 3
            assert (
                db.session.scalar(
                    select(func.count()).select_from(Dossier).where(Dossier.person_id == case.candidate_id)
                )
                == 1
            )
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    assert client.get("/").headers["Location"] == "/cases"
    page = client.get("/cases").get_data(as_text=True)
    assert f'href="/cases/{promotion.id}/dossier"' in page and f'href="/cases/{cfar.id}/dossier"' in page


def test_the_featured_mentee_has_meetings_to_confirm(app, logins):
    with app.app_context():
        mentor = db.session.scalar(select(Person).where(Person.email == logins["mentor"][0]))
        mentee = db.session.scalar(select(Person).where(Person.email == logins["mentee"][0]))
        active = list(
            db.session.scalars(
                select(Mentorship).where(
                    Mentorship.mentor_id == mentor.id, Mentorship.kind == "formal", Mentorship.ended_on.is_(None)
                )
            )
        )
        assert len(active) >= 2
        pair = next(m for m in active if m.mentee_id == mentee.id)
        entries = ledger.annotate(
            list(
                db.session.scalars(
                    select(LedgerEntry).where(
                        LedgerEntry.mentorship_id == pair.id, LedgerEntry.entry_type == "contribution"
                    )
                )
            )
        )
        waiting = [
            e
            for e in entries
            if e.recorded_by_id == mentor.id and e.confirmed_by_entry_id is None and e.reversed_by_entry_id is None
        ]
        assert len(waiting) >= 2
        assert max(e.occurred_on for e in waiting) >= TODAY - timedelta(days=45)
        assert any(e.confirmed_by_entry_id for e in entries)


def test_the_app_keeps_appending_after_the_demo(app, logins):
    """Explicit ids in the bulk load must not collide with the next ordinary insert
    (PostgreSQL sequences are moved past them)."""
    now = datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=9)
    with app.app_context():
        before = ledger.head()
        admin = load_actor(db.session.scalar(select(Person.id).where(Person.email == logins["admin"][0])))
        mentorship = db.session.scalar(select(Mentorship).where(Mentorship.ended_on.is_(None)).limit(1))
        entry = ledger.record(
            {
                "kind": "meeting",
                "mentorship_id": mentorship.id,
                "occurred_on": TODAY,
                "minutes": 30,
                "note": "After the demo.",
            },
            admin,
            now,
        )
        db.session.add(
            Person(
                name="New Hire",
                email="new.hire@demo.example.org",
                rank="assistant",
                position="clinician_teacher",
                appointed_on=TODAY,
                created_at=now,
            )
        )
        db.session.commit()
        assert entry.seq == before["seq"] + 1 and entry.id == entry.seq
        assert ledger.verify().valid


def test_today_cannot_be_in_the_future(app):
    with app.app_context(), pytest.raises(ValueError, match="future"):
        builder.load(1, today=date.today() + timedelta(days=400))
