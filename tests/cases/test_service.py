"""Opening a case, its committee's conflict flags, overrides, removal and closing, and the
referee check, through the services (on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from recognition.auth.service import COMMAND_LINE, load_actor
from recognition.cases import access, referees, service
from recognition.cases.models import Case, CaseMember, CaseOverride
from recognition.cases.visibility import committee
from recognition.clock import today, utcnow
from recognition.errors import Conflict, DomainError, Forbidden
from recognition.extensions import db
from recognition.ledger.models import LedgerEntry
from recognition.people.models import Person

from .conftest import DUE, open_case, record_milestone


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def refused(call, kind=DomainError) -> DomainError:
    with pytest.raises(kind) as caught:
        call()
    db.session.rollback()
    return caught.value


# --- opening: period, target rank, due date, who -----------------------------------------


def test_the_period_starts_at_the_last_standing_promotion(app, dept):
    with app.app_context():
        candidate = dept.ids["mentee"]
        record_milestone(candidate, "appointment", date(2023, 7, 1), rank="lecturer")
        record_milestone(candidate, "promotion", date(2025, 1, 1), rank="assistant")
        # Reported by the candidate and never confirmed: it does not stand, so it is not the start.
        record_milestone(candidate, "promotion", date(2025, 9, 1), rank="associate", source="self_reported")
        case = open_case(dept)
        assert (case.period_start, case.period_end, case.due_on) == (date(2025, 1, 1), DUE, DUE)


def test_without_a_recorded_promotion_the_period_starts_at_the_appointment(app, dept):
    with app.app_context():
        case = open_case(dept, period_end=DUE - timedelta(days=30))
        assert (case.period_start, case.period_end) == (date(2023, 7, 1), DUE - timedelta(days=30))


def test_a_candidate_with_neither_needs_the_period_start_given(app, dept):
    with app.app_context():
        db.session.get(Person, dept.ids["mentee"]).appointed_on = None
        db.session.commit()
        error = refused(lambda: open_case(dept))
        assert error.errors == {
            "period_start": [
                "is required: the candidate has no recorded promotion and no appointment date to count from"
            ]
        }
        assert count(Case) == 0
        case = open_case(dept, period_start=date(2024, 3, 1))
        assert case.period_start == date(2024, 3, 1)


def test_the_target_rank_must_be_above_the_current_one(app, dept):
    with app.app_context():
        error = refused(lambda: open_case(dept, target_rank="assistant"))  # the roster says assistant
        assert error.errors == {"target_rank": ["must be above the candidate's current rank (assistant)"]}
        record_milestone(dept.ids["mentee"], "promotion", date(2025, 1, 1), rank="associate")
        db.session.commit()
        error = refused(lambda: open_case(dept, target_rank="associate"))
        assert error.errors == {"target_rank": ["must be above the candidate's current rank (associate)"]}
        assert open_case(dept, target_rank="full").target_rank == "full"


def test_bad_openings_name_each_field_and_store_nothing(app, dept):
    with app.app_context():
        error = refused(
            lambda: open_case(dept, due_on=today() - timedelta(days=1), target_rank=None, members=("mentee",))
        )
        assert error.errors == {
            "due_on": ["must not be in the past"],
            "target_rank": ["is required for a promotion case"],
            "member_ids": ["must not include the candidate"],
        }
        error = refused(lambda: open_case(dept, member_ids=[dept.ids["mentor"], dept.ids["mentor"], 999999]))
        assert error.errors == {
            "member_ids": ["must not name anyone twice", "must name people on the roster (no person 999999)"]
        }
        assert (count(Case), count(CaseMember)) == (0, 0)


def test_who_may_open_a_case(app, dept):
    with app.app_context():
        body = {"candidate_id": dept.ids["mentee"], "kind": "cfar", "due_on": DUE}
        for role in ("other_director", "mentor", "promotion_committee"):
            refused(lambda role=role: service.open_case(body, load_actor(dept.ids[role]), utcnow()), Forbidden)
        error = refused(
            lambda: service.open_case(
                {**body, "candidate_id": dept.ids["director"]}, load_actor(dept.ids["director"]), utcnow()
            ),
            Forbidden,
        )
        assert error.errors == {"candidate_id": ["must not be you"]}
        case = service.open_case(body, load_actor(dept.ids["director"]), utcnow())
        assert (case.kind, case.target_rank, case.opened_by_id) == ("cfar", None, dept.ids["director"])
        db.session.commit()
        error = refused(lambda: service.open_case(body, COMMAND_LINE, utcnow()), Conflict)
        assert error.errors == {"candidate_id": ["already has an open cfar case"]}
        service.close(case, "CFAR passed.", COMMAND_LINE, utcnow())
        assert service.open_case(body, COMMAND_LINE, utcnow()).id != case.id  # once closed, a new one may open


# --- the committee's conflict flags -------------------------------------------------------


def test_members_tied_to_the_candidate_are_flagged_and_recused(app, dept):
    """Flags for a mentorship either way, a shared mentor and a shared mentee."""
    with app.app_context():
        dept.pair("mentor", "other_mentee")  # other_mentee shares a mentor with the candidate
        dept.pair("mentee", "outsider", "informal")  # the candidate mentors outsider
        dept.pair("other_director", "outsider")  # other_director shares a mentee with the candidate
        db.session.commit()
        case = open_case(dept, members=("mentor", "outsider", "other_mentee", "other_director", "promotion_committee"))
        found = {item["person"].id: (item["flags"], item["recused"]) for item in committee(case)}
        ids = dept.ids
        assert found == {
            ids["mentor"]: (["the member has been in a mentorship with the candidate"], True),
            ids["outsider"]: (["the member has been in a mentorship with the candidate"], True),
            ids["other_mentee"]: (["the member and the candidate share a mentor"], True),
            ids["other_director"]: (["the member and the candidate share a mentee"], True),
            ids["promotion_committee"]: ([], False),
        }
        assert access.committee_case(ids["promotion_committee"], ids["mentee"]).id == case.id
        assert access.committee_case(ids["mentor"], ids["mentee"]) is None


def test_an_override_needs_a_reason_is_recorded_and_lets_the_member_in(app, dept):
    with app.app_context():
        case = open_case(dept, members=("mentor", "promotion_committee"))
        db.session.commit()
        mentor, now = dept.ids["mentor"], utcnow()
        error = refused(lambda: service.override(case, mentor, "   ", COMMAND_LINE, now))
        assert error.errors == {"reason": ["is required: say why the member may sit despite the flag"]}
        refused(lambda: service.override(case, mentor, "Needed", load_actor(dept.ids["director"]), now), Forbidden)
        error = refused(
            lambda: service.override(case, dept.ids["promotion_committee"], "No flag", COMMAND_LINE, now), Conflict
        )
        assert error.errors == {"member_id": ["has no conflict flag"]}
        error = refused(lambda: service.override(case, dept.ids["mentee"], "Why not", COMMAND_LINE, now))
        assert error.errors == {"member_id": ["the candidate can never be overridden onto their own committee"]}
        assert count(CaseOverride) == 0

        admin = load_actor(dept.ids["admin"])
        service.override(case, mentor, "The only cardiologist at full rank; mentorship ended in 2024.", admin, now)
        db.session.commit()
        row = db.session.scalar(select(CaseOverride))
        assert (row.member_id, row.by_id, row.reason) == (
            mentor,
            dept.ids["admin"],
            "The only cardiologist at full rank; mentorship ended in 2024.",
        )
        assert json.loads(row.flags) == ["the member has been in a mentorship with the candidate"]
        assert access.committee_case(mentor, dept.ids["mentee"]).id == case.id
        item = next(i for i in committee(case) if i["person"].id == mentor)
        assert (item["flags"], item["recused"], item["override"].id) == (
            ["the member has been in a mentorship with the candidate"],
            False,
            row.id,
        )
        refused(lambda: service.override(case, mentor, "Again", admin, now), Conflict)


def test_removing_keeps_the_row_and_closing_ends_access(app, dept):
    with app.app_context():
        case = open_case(dept, members=("promotion_committee",))
        member, now = dept.ids["promotion_committee"], utcnow()
        service.remove_member(case, member, COMMAND_LINE, now)
        db.session.commit()
        row = db.session.scalar(select(CaseMember))
        assert row.removed_at == now and access.committee_case(member, dept.ids["mentee"]) is None
        error = refused(lambda: service.remove_member(case, member, COMMAND_LINE, now))
        assert error.errors == {"person_id": ["must name a current member of this committee"]}
        service.add_member(case, db.session.get(Person, member), COMMAND_LINE, now)  # back on the committee
        db.session.commit()
        assert count(CaseMember) == 1 and access.committee_case(member, dept.ids["mentee"]).id == case.id
        refused(lambda: service.add_member(case, db.session.get(Person, member), COMMAND_LINE, now), Conflict)
        error = refused(lambda: service.add_member(case, db.session.get(Person, dept.ids["mentee"]), COMMAND_LINE, now))
        assert error.errors == {"person_id": ["must not be the candidate"]}

        error = refused(lambda: service.close(case, "  ", COMMAND_LINE, now))
        assert error.errors == {"note": ["is required: say how the case ended"]}
        service.close(case, "Promotion recommended.", load_actor(dept.ids["director"]), now)
        db.session.commit()
        assert (case.closed_by_id, case.closing_note) == (dept.ids["director"], "Promotion recommended.")
        assert access.committee_case(member, dept.ids["mentee"]) is None
        for change in (
            lambda: service.close(case, "Again", COMMAND_LINE, now),
            lambda: service.remove_member(case, member, COMMAND_LINE, now),
            lambda: service.add_member(case, db.session.get(Person, dept.ids["outsider"]), COMMAND_LINE, now),
        ):
            assert refused(change, Conflict).errors == {"case": ["is closed"]}


# --- the referee check ----------------------------------------------------------------------


def test_the_referee_check_says_who_is_tied_and_why(app, dept):
    with app.app_context():
        dept.pair("mentor", "other_mentee")
        db.session.commit()
        ledger_before = count(LedgerEntry)
        candidate = db.session.get(Person, dept.ids["mentee"])
        people = referees.resolve(
            [dept.ids["mentor"], dept.ids["mentee"]],
            ["Other.Mentee@test.example.org", "outsider@test.example.org", "mentor@test.example.org"],
        )
        found = [(r["person"].id, r["tied"], r["reasons"]) for r in referees.check(candidate, people)]
        assert found == [
            (dept.ids["mentor"], True, ["has been in a mentorship with the candidate (either way)"]),
            (dept.ids["mentee"], True, ["the referee is the candidate"]),
            (dept.ids["other_mentee"], True, ["shares a mentor with the candidate"]),
            (dept.ids["outsider"], False, []),
        ]
        error = refused(lambda: referees.resolve([999999], ["nobody@test.example.org"]))
        assert error.errors == {
            "referee_ids": ["must name people on the roster (no person 999999)"],
            "referee_emails": ["must be emails of people on the roster (not nobody@test.example.org)"],
        }
        assert count(LedgerEntry) == ledger_before  # nothing stored
