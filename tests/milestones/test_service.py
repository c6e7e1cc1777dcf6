"""The milestone operations: who records, reports, confirms, withdraws and corrects, what
each leaves in the ledger, and what other domains read (``queries.standing``)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recognition.credits import activities
from recognition.errors import Conflict, DomainError, Forbidden, NotFound
from recognition.extensions import db
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.milestones import queries, rules, service
from recognition.milestones.models import Milestone

from .conftest import GRANT, NOW, PROMOTION, actor, counts, enter


def get(app, milestone_id):
    return service.annotate([db.session.get(Milestone, milestone_id)])[0]


def test_a_recorded_milestone_is_a_ledger_entry_whose_note_is_its_fingerprint(app, dept):
    milestone_id = enter(app, dept, "director", "mentor", note="Letter of 2024-05-14")
    with app.app_context():
        milestone = get(app, milestone_id)
        entry = db.session.get(LedgerEntry, milestone.ledger_entry_id)
        assert (entry.entry_type, entry.kind, entry.person_id, entry.minutes, entry.occurred_on) == (
            "contribution",
            "milestone",
            dept.ids["mentor"],
            0,
            date(2024, 7, 1),
        )
        assert (entry.recorded_by_id, milestone.recorded_by_id) == (dept.ids["director"], dept.ids["director"])
        fields = {name: getattr(milestone, name) for name in rules.FINGERPRINTED}
        assert entry.note == rules.fingerprint(fields)
        assert (milestone.source, milestone.status.state) == ("entered", "standing")
        assert ledger.verify().valid
        assert [m.id for m in queries.standing([dept.ids["mentor"]])[dept.ids["mentor"]]] == [milestone_id]


@pytest.mark.parametrize(
    "role, person, allowed",
    [
        ("admin", "mentor", True),
        ("admin", "other_mentor", True),
        ("director", "mentor", True),
        ("director", "other_mentor", False),
        ("other_director", "mentor", False),
        ("mentee", "mentor", False),
        ("outsider", "mentor", False),
        ("promotion_committee", "mentor", False),
        ("director", "director", False),  # your own is a self-report
    ],
)
def test_who_records_someones_milestone(app, dept, role, person, allowed):
    before = counts(app)
    with app.app_context():
        if allowed:
            made = service.record({**PROMOTION, "person_id": dept.ids[person]}, actor(dept, role), NOW)
            db.session.commit()
            assert made.source == "entered"
            return
        with pytest.raises(Forbidden) as refused:
            service.record({**PROMOTION, "person_id": dept.ids[person]}, actor(dept, role), NOW)
        db.session.rollback()
    assert "person_id" in refused.value.errors
    assert counts(app) == before


def test_a_self_report_waits_for_someone_else_to_confirm_it(app, dept):
    milestone_id = enter(app, dept, "mentor", "mentor", **GRANT)
    with app.app_context():
        milestone = get(app, milestone_id)
        assert (milestone.source, milestone.status.state, milestone.occurred_on) == (
            "self_reported",
            "pending",
            date(2023, 7, 1),
        )
        assert queries.standing([dept.ids["mentor"]]) == {}
        assert [m.id for m in service.pending(actor(dept, "director"))] == [milestone_id]
        assert [m.id for m in service.pending(actor(dept, "admin"))] == [milestone_id]
        assert service.pending(actor(dept, "other_director")) == []
        assert service.pending(actor(dept, "mentor")) == []
        for role, error in (("mentor", Forbidden), ("other_director", Forbidden), ("mentee", Forbidden)):
            with pytest.raises(error):
                service.confirm(milestone, actor(dept, role), NOW)
        entry = service.confirm(milestone, actor(dept, "director"), NOW)
        db.session.commit()
        assert (entry.entry_type, entry.target_id, entry.recorded_by_id) == (
            "confirmation",
            milestone.ledger_entry_id,
            dept.ids["director"],
        )
        milestone = get(app, milestone_id)
        assert milestone.status.state == "standing" and milestone.status.confirmed_by.id == dept.ids["director"]
        assert [m.id for m in queries.standing([dept.ids["mentor"]])[dept.ids["mentor"]]] == [milestone_id]
        assert service.pending(actor(dept, "director")) == []
        with pytest.raises(Conflict, match="already confirmed"):
            service.confirm(milestone, actor(dept, "admin"), NOW)


def test_an_entered_milestone_needs_no_confirmation(app, dept):
    milestone_id = enter(app, dept, "admin", "mentor")
    with app.app_context(), pytest.raises(Conflict) as refused:
        service.confirm(get(app, milestone_id), actor(dept, "director"), NOW)
    assert refused.value.errors == {"milestone": ["is not a self-report"]}


def test_a_withdrawal_is_a_reversal_with_its_reason_and_ends_the_milestone(app, dept):
    milestone_id = enter(app, dept, "director", "mentor")
    with app.app_context():
        with pytest.raises(DomainError) as blank:
            service.withdraw(get(app, milestone_id), "  ", actor(dept, "director"), NOW)
        assert blank.value.errors == {"reason": ["must not be blank: say why"]}
        for role in ("mentor", "other_director", "mentee"):  # the person may not withdraw what was entered
            with pytest.raises(Forbidden):
                service.withdraw(get(app, milestone_id), "No", actor(dept, role), NOW)
        entry = service.withdraw(get(app, milestone_id), "Entered twice", actor(dept, "director"), NOW)
        db.session.commit()
        assert (entry.entry_type, entry.reason, entry.target_id) == (
            "reversal",
            "Entered twice",
            get(app, milestone_id).ledger_entry_id,
        )
        milestone = get(app, milestone_id)
        assert (milestone.status.state, milestone.status.reason) == ("withdrawn", "Entered twice")
        assert queries.standing([dept.ids["mentor"]]) == {}
        with pytest.raises(Conflict, match="withdrawn"):
            service.withdraw(milestone, "Again", actor(dept, "admin"), NOW)
        with pytest.raises(Conflict, match="withdrawn"):
            service.correct(milestone, {"rank": "associate"}, "Again", actor(dept, "admin"), NOW)
        assert ledger.verify().valid


def test_the_person_withdraws_or_corrects_their_own_report_only_while_it_is_pending(app, dept):
    first = enter(app, dept, "mentor", "mentor")
    second = enter(app, dept, "mentor", "mentor", **GRANT)
    with app.app_context():
        corrected = service.correct(
            get(app, first), {"rank": "associate"}, "Associate, not full", actor(dept, "mentor"), NOW
        )
        db.session.commit()
        assert (corrected.source, corrected.corrects_id, corrected.rank) == ("self_reported", first, "associate")
        assert get(app, corrected.id).status.state == "pending"
        service.confirm(get(app, second), actor(dept, "director"), NOW)
        db.session.commit()
        with pytest.raises(Forbidden):
            service.withdraw(get(app, second), "Changed my mind", actor(dept, "mentor"), NOW)


def test_a_correction_replaces_the_milestone_and_keeps_the_history(app, dept):
    first = enter(app, dept, "director", "mentor")
    with app.app_context():
        second = service.correct(
            get(app, first), {"occurred_on": date(2024, 7, 2)}, "The letter says 2 July", actor(dept, "admin"), NOW
        )
        db.session.commit()
        third = service.correct(
            get(app, second.id), {"rank": "associate"}, "Associate, not full", actor(dept, "director"), NOW
        )
        db.session.commit()
        assert (third.occurred_on, third.rank, third.source, third.corrects_id) == (
            date(2024, 7, 2),
            "associate",
            "entered",
            second.id,
        )
        history = service.history(get(app, second.id))
        assert [m.id for m in history] == [first, second.id, third.id]
        assert [m.status.state for m in history] == ["corrected", "corrected", "standing"]
        assert [m.status.reason for m in history] == ["The letter says 2 July", "Associate, not full", None]
        assert history[0].status.corrected_by_id == second.id
        assert [m.id for m in queries.standing([dept.ids["mentor"]])[dept.ids["mentor"]]] == [third.id]
        with pytest.raises(DomainError) as moved:
            service.correct(
                get(app, third.id), {"person_id": dept.ids["mentee"]}, "Wrong person", actor(dept, "admin"), NOW
            )
        assert "person_id" in moved.value.errors
        with pytest.raises(DomainError) as bad:
            service.correct(get(app, third.id), {"kind": "cfar"}, "A CFAR", actor(dept, "admin"), NOW)
        assert bad.value.errors == {
            "outcome": ["is required for a CFAR (passed or extended)"],
            "rank": ["must be blank for a CFAR"],
        }
        db.session.rollback()
        assert ledger.verify().valid


def test_the_same_milestone_twice_is_refused_unless_the_first_was_withdrawn(app, dept):
    first = enter(app, dept, "director", "mentor")
    before = counts(app)
    with app.app_context():
        with pytest.raises(Conflict) as twice:
            service.record({**PROMOTION, "person_id": dept.ids["mentor"]}, actor(dept, "admin"), NOW)
        db.session.rollback()
    assert twice.value.errors == {"kind": [f"duplicates milestone {first} (Promotion to Professor, 2024-07-01)"]}
    assert counts(app) == before
    with app.app_context():
        service.withdraw(get(app, first), "Wrong rank", actor(dept, "admin"), NOW)
        service.record({**PROMOTION, "person_id": dept.ids["mentor"]}, actor(dept, "admin"), NOW)
        db.session.commit()


def test_visibility(app, dept):
    milestone_id = enter(app, dept, "director", "mentor")
    with app.app_context():
        for role in ("mentor", "director", "admin"):
            assert [m.id for m in service.for_person(dept.ids["mentor"], actor(dept, role))] == [milestone_id]
            assert service.get(milestone_id, actor(dept, role)).id == milestone_id
        for role in ("mentee", "other_director", "outsider", "award_committee", "promotion_committee"):
            with pytest.raises(NotFound):
                service.for_person(dept.ids["mentor"], actor(dept, role))
            with pytest.raises(NotFound):
                service.get(milestone_id, actor(dept, role))


def test_a_milestone_earns_no_credit_and_is_not_listed_as_work(app, dept, login, client):
    enter(app, dept, "admin", "mentor")
    with app.app_context():
        assert activities.activities_of([dept.ids["mentor"]]) == {}
        assert db.session.scalars(ledger.about(dept.ids["mentor"])).all() == []
        entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "milestone"))
        assert not ledger.may_reverse_entry(entry, actor(dept, "mentor"))
        with pytest.raises(Conflict) as refused:
            ledger.reverse(entry, "Not mine", actor(dept, "mentor"), NOW)
        assert "target" in refused.value.errors
    login(client, "mentor")
    page = client.get("/mentoring").get_data(as_text=True)
    assert "Career milestone" not in page
    assert "Career milestone" not in client.get("/credits").get_data(as_text=True)
