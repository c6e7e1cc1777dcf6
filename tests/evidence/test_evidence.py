"""The shared evidence: what a nomination's table and a dossier count, by one set of rules."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from recognition.evidence import rules
from recognition.evidence.service import evidence_for, mentee_achievements, mentorships_as_mentor
from recognition.extensions import db
from recognition.ledger.models import LedgerEntry
from recognition.ledger.service import append
from recognition.mentorships.models import Mentorship
from recognition.milestones import rules as milestone_rules
from recognition.milestones.models import Milestone

NOW = datetime(2026, 6, 1, 12, 0)


def entry(
    person_id,
    kind,
    day,
    minutes=60,
    mentorship_id=None,
    entry_type="contribution",
    target_id=None,
    reason=None,
    recorded_by=None,
    note="",
):
    return append(
        LedgerEntry(
            entry_type=entry_type,
            kind=kind,
            person_id=person_id,
            mentorship_id=mentorship_id,
            occurred_on=day,
            minutes=minutes,
            note=note,
            target_id=target_id,
            reason=reason,
            recorded_by_id=recorded_by or person_id,
        ),
        NOW,
    )


def milestone(person_id, kind, day, source="entered", recorded_by=None, **fields):
    data = {
        "person_id": person_id,
        "kind": kind,
        "occurred_on": day,
        "source": source,
        "note": "",
        "recorded_by_id": recorded_by,
        **fields,
    }
    made = entry(
        person_id,
        "milestone",
        day,
        minutes=0,
        recorded_by=recorded_by or person_id,
        note=milestone_rules.fingerprint(data),
    )
    row = Milestone(ledger_entry_id=made.id, recorded_at=NOW, **data)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.mark.parametrize(
    "started, occurred, until, counts",
    [
        (date(2024, 1, 1), date(2023, 12, 31), date(2026, 1, 1), False),  # before the mentorship began
        (date(2024, 1, 1), date(2024, 1, 1), date(2026, 1, 1), True),  # the day it began
        (date(2024, 1, 1), date(2025, 6, 30), date(2026, 1, 1), True),  # during or after
        (date(2024, 1, 1), date(2026, 1, 2), date(2026, 1, 1), False),  # after the evidence's day
    ],
)
def test_a_mentee_milestone_counts_from_the_day_the_mentorship_began_to_the_evidence_day(
    started, occurred, until, counts
):
    assert rules.reached_in(started, occurred, until) is counts


@pytest.mark.parametrize(
    "kind, fields, text",
    [
        ("cfar", {"outcome": "passed"}, "CFAR passed (2025-06-30)"),
        ("cfar", {"outcome": "extended"}, "CFAR extended (2025-06-30)"),
        ("promotion", {"rank": "associate"}, "promoted to associate professor (2025-06-30)"),
        (
            "grant",
            {"title": "Sleep in dialysis", "agency": "CIHR", "year": 2025},
            "grant: Sleep in dialysis (CIHR, 2025)",
        ),
        ("became_mentor", {}, "became a mentor (2025-06-30)"),
    ],
)
def test_milestones_are_described_in_plain_words(kind, fields, text):
    assert rules.describe(kind, date(2025, 6, 30), **fields) == text


def test_recorded_milestones_count_and_a_computed_cfar_date_never_does(app, dept):
    """The mentee was appointed 1 July 2023 (CFAR due 1 July 2026): nothing counts until a
    CFAR is recorded; a withdrawn one, or a self-report nobody confirmed, does not count;
    an appointment is not an achievement."""
    with app.app_context():
        mentee, mentor, admin = dept.ids["mentee"], dept.ids["mentor"], dept.ids["admin"]
        day = date(2026, 12, 1)
        assert evidence_for(mentor, day)["mentorships"][0]["milestones"] == []
        milestone(mentee, "appointment", date(2023, 7, 1), recorded_by=admin)
        withdrawn = milestone(mentee, "cfar", date(2026, 7, 2), recorded_by=admin, outcome="passed")
        entry(
            mentee,
            None,
            date(2026, 7, 2),
            minutes=0,
            entry_type="reversal",
            target_id=withdrawn.ledger_entry_id,
            reason="entered for the wrong person",
            recorded_by=admin,
        )
        milestone(
            mentee,
            "grant",
            date(2025, 7, 1),
            source="self_reported",
            recorded_by=mentee,
            title="Sleep in dialysis",
            agency="CIHR",
            role="principal investigator",
            year=2025,
        )
        assert evidence_for(mentor, day)["totals"]["mentee_milestones"] == 0
        passed = milestone(mentee, "cfar", date(2026, 7, 3), recorded_by=admin, outcome="passed")
        db.session.commit()
        table = evidence_for(mentor, day)
        assert table["mentorships"][0]["milestones"] == ["CFAR passed (2026-07-03)"]
        assert table["totals"]["mentee_milestones"] == 1
        [item] = mentorships_as_mentor(mentor, day)
        assert [m.milestone_id for m in item.milestones] == [passed.id]
        assert mentee_achievements([mentor], date(2026, 1, 1), day) == {mentor: 1}
        assert mentee_achievements([mentor], date(2026, 7, 4), day) == {mentor: 0}


def test_a_period_counts_only_its_own_work_and_names_every_entry_behind_it(app, dept):
    with app.app_context():
        mentor, mentee = dept.ids["mentor"], dept.ids["mentee"]
        mid = dept.mentorship_id
        early = entry(mentor, "meeting", date(2024, 3, 1), 60, mid)
        kept = entry(mentor, "meeting", date(2025, 3, 1), 45, mid)
        entry(mentee, None, date(2025, 3, 2), 0, entry_type="confirmation", target_id=kept.id)
        reversed_ = entry(mentor, "meeting", date(2025, 4, 1), 30, mid)
        entry(mentor, None, date(2025, 4, 2), 0, entry_type="reversal", target_id=reversed_.id, reason="never met")
        prepared = entry(mentor, "mentoring_preparation", date(2025, 5, 1), 120, mid)
        prep = entry(mentor, "academic_plan_review", date(2025, 9, 1), 90, mid)
        db.session.commit()
        [item] = mentorships_as_mentor(mentor, date(2025, 12, 31), since=date(2025, 1, 1))
        assert [e.id for e in item.entries] == [kept.id, prepared.id, prep.id]
        assert {e.id: e.entry_hash for e in item.entries} == {
            e.id: e.entry_hash for e in (db.session.get(LedgerEntry, i) for i in (kept.id, prepared.id, prep.id))
        }
        # Preparing for the mentee is the mentor's own time: it is not contact time.
        assert (item.meetings, item.confirmed, item.minutes) == (2, 1, 135)
        whole = evidence_for(mentor, date(2025, 12, 31))["totals"]
        assert (whole["meetings"], whole["confirmed_meetings"], whole["contact_hours"]) == (3, 1, 3.2)
        assert early.id not in [e.id for e in item.entries]


def test_a_mentorship_ended_before_the_period_is_not_counted_and_became_a_mentor_is_derived(app, dept):
    with app.app_context():
        mentor, mentee, other = dept.ids["mentor"], dept.ids["mentee"], dept.ids["other_mentee"]
        ended = Mentorship(
            mentor_id=mentor,
            mentee_id=other,
            kind="informal",
            started_on=date(2020, 1, 1),
            ended_on=date(2021, 6, 30),
            created_at=NOW,
        )
        db.session.add(ended)
        db.session.add(
            Mentorship(
                mentor_id=mentee, mentee_id=other, kind="peer_group", started_on=date(2025, 2, 1), created_at=NOW
            )
        )
        db.session.commit()
        items = mentorships_as_mentor(mentor, date(2025, 12, 31), since=date(2022, 1, 1))
        assert [i.mentorship.id for i in items] == [dept.mentorship_id]
        assert [(m.kind, m.occurred_on) for m in items[0].milestones] == [("became_mentor", date(2025, 2, 1))]
        assert len(mentorships_as_mentor(mentor, date(2025, 12, 31))) == 2
