"""What the ledger feeds the credit rules (``activities_of``), a person's credits by year
and section with their cycle progress (``summary``), and the credit profile they set."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest

from recognition.auth.service import load_actor
from recognition.credits import activities, profiles, rules
from recognition.credits.models import CreditProfile
from recognition.errors import DomainError, Forbidden
from recognition.extensions import db
from recognition.feedback.models import Release
from recognition.ledger import service as ledger
from recognition.ledger.models import LedgerEntry
from recognition.people.models import Person
from recognition.reflections import service as reflections
from tests.reflections.conftest import release_for

# A fixed clock: the 2025 credit year is over and its 31 January deadline is 16 days away.
NOW = datetime(2026, 1, 15, 12, 0)
REPORTED = datetime(2025, 3, 1, 9, 0)  # when the feedback report the reflections below are on was asked for
TODAY = NOW.date()
MOC = "royal_college_moc"
# A reflection's own words: private to its author, never on a title or a certificate.
STEPS = {
    "area": "Private area: giving critical feedback early",
    "question": "Private question: do my mentees hear about problems in time?",
    "standards": "Private standards: the department's mentoring expectations",
    "comparison": "Private comparison: lower than the division on critique",
    "discussion": "Private discussion: talked it over with Dr Peer",
    "next_steps": "Private next steps: book a mid-year check-in with each mentee",
}
EXTERNAL = "Teaching evaluation 2025"
ACCREDITED = "Royal College accredited group learning, CPD-1234"
# A note about the mentee, which must never reach a certificate.
PAIR_NOTE = "Talked through Mentee Person's failed grant and her divorce"


def work(
    dept, role: str, kind: str, on: date, minutes: int, *, by: str | None = None, now: datetime = NOW, **fields
) -> int:
    """A contribution recorded through the ledger service (inside an app context); its id.
    ``by`` records it as someone else (an admin, or the mentee for pair work)."""
    data = {"kind": kind, "occurred_on": on, "minutes": minutes, "note": "", **fields}
    if by is not None and kind not in ("meeting", "academic_plan_review", "peer_group_session"):
        data.setdefault("person_id", dept.ids[role])
    return ledger.record(data, load_actor(dept.ids[by or role]), now).id


def meeting(dept, on: date, minutes: int = 45, *, by: str = "mentor", note: str = PAIR_NOTE) -> int:
    return work(dept, "mentor", "meeting", on, minutes, by=by, mentorship_id=dept.mentorship_id, note=note)


def reflect(
    dept,
    role: str,
    on: date,
    minutes: int,
    *,
    release_id: int | None = None,
    source_name: str = EXTERNAL,
    now: datetime = NOW,
) -> int:
    """A reflection recorded through its service: on a shown report when ``release_id``
    is given, else on a named external source. Returns its ledger entry id."""
    data = {"occurred_on": on, "minutes": minutes, **STEPS}
    if release_id is not None:
        data.update(source="report", release_id=release_id)
    else:
        data.update(source="external", source_name=source_name)
    return reflections.record(data, load_actor(dept.ids[role]), now).ledger_entry_id


def reverse(dept, entry_id: int, role: str = "mentor") -> None:
    target = db.session.get(LedgerEntry, entry_id)
    ledger.reverse(target, "Recorded twice.", load_actor(dept.ids[role]), NOW)


def mentor_year(dept) -> dict[str, int]:
    """dept.mentor's credit-bearing work (inside an app context, committed). Under MOC:

    2024: preparation 30 min -> Section 2 1.00
    2025: reflection 60 min on an external source -> Section 3 3.00 (3/h);
          preparation 90 min -> Section 2 3.00 (2/h); accredited training 120 min ->
          Section 1 2.00 (1/h); unaccredited training 60 min -> Section 1 0.50 (0.5/h);
          a meeting earns nothing; a reversed 10-hour preparation counts for nothing.
    """
    ids = {
        "preparation_2024": work(
            dept, "mentor", "mentoring_preparation", date(2024, 9, 1), 30, note="Read on coaching"
        ),
        "meeting": meeting(dept, date(2025, 2, 1)),
        "reflection": reflect(dept, "mentor", date(2025, 3, 1), 60),
        "preparation": work(
            dept, "mentor", "mentoring_preparation", date(2025, 4, 1), 90, note="Read on feedback models"
        ),
        "accredited": work(dept, "mentor", "mentor_training", date(2025, 5, 1), 120, accreditation=ACCREDITED),
        "unaccredited": work(dept, "mentor", "mentor_training", date(2025, 6, 1), 60, note="Department workshop"),
        "reversed": work(dept, "mentor", "mentoring_preparation", date(2025, 7, 1), 600, note="Typed 600 for 60"),
    }
    reverse(dept, ids["reversed"])
    # Someone else's work never counts for the mentor.
    work(dept, "other_mentor", "mentor_training", date(2025, 5, 2), 240, accreditation=ACCREDITED)
    db.session.commit()
    return ids


def sections(*credits: str) -> list[tuple[str, D]]:
    labels = ("Section 1: Group learning", "Section 2: Self-learning", "Section 3: Assessment")
    return list(zip(labels, (D(c) for c in credits)))


def refused(error_type, call, *args) -> DomainError:
    with pytest.raises(error_type) as caught:
        call(*args)
    return caught.value


# activities_of --------------------------------------------------------------------------


def test_only_unreversed_contributions_of_the_persons_own_work(app, dept):
    with app.app_context():
        own = meeting(dept, date(2025, 2, 1))
        # Recorded by the mentee, but it is the mentor's mentoring work.
        by_mentee = meeting(dept, date(2025, 2, 8), by="mentee")
        reversed_ = meeting(dept, date(2025, 2, 15))
        reverse(dept, reversed_)
        for_mentor_by_admin = work(dept, "mentor", "mentor_training", date(2025, 1, 10), 60, by="admin")
        mentees_own = work(dept, "mentee", "mentor_training", date(2025, 3, 1), 60)
        others = work(dept, "other_mentor", "mentoring_preparation", date(2025, 3, 1), 60)
        confirmation = ledger.confirm(db.session.get(LedgerEntry, own), load_actor(dept.ids["mentee"]), NOW)
        db.session.commit()

        mine = activities.activities_of([dept.ids["mentor"]])
        assert set(mine) == {dept.ids["mentor"]}
        # In date order; no reversed entry, no reversal or confirmation entry.
        assert [source.entry_id for source, _ in mine[dept.ids["mentor"]]] == [for_mentor_by_admin, own, by_mentee]
        assert [activity.ref for _, activity in mine[dept.ids["mentor"]]] == [for_mentor_by_admin, own, by_mentee]
        assert confirmation.id not in [s.entry_id for s, _ in mine[dept.ids["mentor"]]]

        everyone = activities.activities_of()
        assert {person: [s.entry_id for s, _ in rows] for person, rows in everyone.items()} == {
            dept.ids["mentor"]: [for_mentor_by_admin, own, by_mentee],
            dept.ids["mentee"]: [mentees_own],
            dept.ids["other_mentor"]: [others],
        }
        assert activities.activities_of([dept.ids["outsider"]]) == {}


def test_activity_flags_come_from_confirmations_accreditation_and_reflections(app, dept):
    release_id = release_for(app, dept, "mentor", now=REPORTED)  # before the reflections on it
    with app.app_context():
        confirmed = meeting(dept, date(2025, 2, 1))
        unconfirmed = meeting(dept, date(2025, 2, 8))
        ledger.confirm(db.session.get(LedgerEntry, confirmed), load_actor(dept.ids["mentee"]), NOW)
        accredited = work(dept, "mentor", "mentor_training", date(2025, 3, 1), 60, accreditation=ACCREDITED)
        unaccredited = work(dept, "mentor", "mentor_training", date(2025, 3, 2), 60, note="Workshop")
        on_report = reflect(dept, "mentor", date(2025, 4, 1), 60, release_id=release_id)
        on_external = reflect(dept, "mentor", date(2025, 4, 2), 60)
        db.session.commit()

        found = {a.ref: a for _, a in activities.activities_of([dept.ids["mentor"]])[dept.ids["mentor"]]}
        assert (found[confirmed].confirmed, found[unconfirmed].confirmed) == (True, False)
        assert (found[accredited].accredited, found[unaccredited].accredited) == (True, False)
        assert (found[on_report].report_met_k, found[on_report].external_source) == (True, None)
        assert (found[on_external].report_met_k, found[on_external].external_source) == (False, EXTERNAL)
        assert found[confirmed].mentee_id == dept.ids["mentee"]
        assert found[accredited].mentee_id is None
        assert (found[on_report].kind, found[on_report].minutes, found[on_report].on) == (
            "feedback_reflection",
            60,
            date(2025, 4, 1),
        )


def test_titles_never_carry_reflection_text_or_anything_about_a_mentee(app, dept):
    release_id = release_for(app, dept, "mentor", now=REPORTED)  # before the reflections on it
    with app.app_context():
        ids = {
            "report": reflect(dept, "mentor", date(2025, 4, 1), 60, release_id=release_id),
            "external": reflect(dept, "mentor", date(2025, 4, 2), 60),
            "meeting": meeting(dept, date(2025, 2, 1)),
            "by_mentee": meeting(dept, date(2025, 2, 2), by="mentee"),
            "review": work(
                dept,
                "mentor",
                "academic_plan_review",
                date(2025, 2, 3),
                30,
                mentorship_id=dept.mentorship_id,
                note=PAIR_NOTE,
            ),
            "sponsorship": work(dept, "mentor", "sponsorship_action", date(2025, 2, 4), 0, note=PAIR_NOTE),
            "accredited": work(
                dept,
                "mentor",
                "mentor_training",
                date(2025, 3, 1),
                60,
                accreditation=ACCREDITED,
                note="Sat next to Dr Peer",
            ),
            "training": work(dept, "mentor", "mentor_training", date(2025, 3, 2), 60, note="Department workshop"),
        }
        db.session.commit()
        period = db.session.get(Release, release_id).periods.split(",")[-1]

        titles = {s.entry_id: s.title for s, _ in activities.activities_of([dept.ids["mentor"]])[dept.ids["mentor"]]}
        assert titles[ids["report"]] == f"Reflection on feedback received: feedback report ({period})"
        assert titles[ids["external"]] == f"Reflection on feedback received: {EXTERNAL}"
        assert titles[ids["meeting"]] == titles[ids["by_mentee"]] == "Meeting with a mentee"
        assert titles[ids["review"]] == "Academic-plan review with a mentee"
        assert titles[ids["sponsorship"]] == "Sponsorship action with a mentee"
        # Training names its accreditation (what makes it Section 1), not the private note.
        assert titles[ids["accredited"]] == f"Mentor training completed: {ACCREDITED}"
        assert titles[ids["training"]] == "Mentor training completed: Department workshop"

        mentee_name = db.session.get(Person, dept.ids["mentee"]).name
        for title in titles.values():
            assert mentee_name not in title and "grant" not in title
            assert not any(text in title for text in STEPS.values())


def test_preparation_for_a_mentee_carries_no_note_onto_a_title(app, dept):
    """Preparation or "other" work recorded in a mentorship is work with a mentee: its note
    is about the mentee, so it must not reach a certificate any more than a meeting's."""
    with app.app_context():
        ids = [
            work(dept, "mentor", kind, date(2025, 4, 1), 60, mentorship_id=dept.mentorship_id, note=PAIR_NOTE)
            for kind in ("mentoring_preparation", "other")
        ]
        db.session.commit()
        titles = {s.entry_id: s.title for s, _ in activities.activities_of([dept.ids["mentor"]])[dept.ids["mentor"]]}
        mentee_name = db.session.get(Person, dept.ids["mentee"]).name
        for entry_id in ids:
            assert mentee_name not in titles[entry_id] and "grant" not in titles[entry_id], titles[entry_id]


# summary --------------------------------------------------------------------------------


def test_credits_by_year_and_section(app, dept):
    with app.app_context():
        ids = mentor_year(dept)
        found = activities.summary(dept.ids["mentor"], TODAY)

        assert found.framework.id == MOC and found.profile == profiles.Profile(MOC, None, False)
        assert found.years == [
            {"year": 2025, "label": "2025", "total": D("8.50"), "sections": sections("2.50", "3.00", "3.00")},
            {"year": 2024, "label": "2024", "total": D("1.00"), "sections": sections("0", "1.00", "0")},
        ]
        awarded = {c.source.entry_id: c.credit.credits for c in found.credited}
        assert awarded == {
            ids["preparation_2024"]: D("1.00"),
            ids["meeting"]: D(0),
            ids["reflection"]: D("3.00"),
            ids["preparation"]: D("3.00"),
            ids["accredited"]: D("2.00"),
            ids["unaccredited"]: D("0.50"),
        }
        # Someone else's summary is theirs alone.
        other = activities.summary(dept.ids["other_mentor"], TODAY)
        assert [(y["year"], y["total"]) for y in other.years] == [(2025, D("4.00"))]
        assert activities.summary(dept.ids["outsider"], TODAY).years == []


def test_cycle_progress_uses_the_profile_cycle_start_and_warns_of_shortfalls(app, dept):
    with app.app_context():
        mentor_year(dept)
        actor = load_actor(dept.ids["mentor"])
        profile = profiles.set_profile(dept.ids["mentor"], MOC, date(2024, 1, 1), actor, NOW)
        db.session.commit()
        assert profile == profiles.Profile(MOC, date(2024, 1, 1), True)

        found = activities.summary(dept.ids["mentor"], TODAY)
        progress = found.progress
        assert found.cycle_note == ""
        # A cycle starting in 2024 follows the 2024 rules: 250 in 5 years, 25 a year, 25 in Section 3.
        assert (progress.start, progress.end, progress.version) == (
            date(2024, 1, 1),
            date(2028, 12, 31),
            date(2024, 1, 1),
        )
        assert progress.totals.total == D("9.50")
        assert progress.feedback_received == 1
        assert progress.met is False
        warnings = "\n".join(progress.warnings)
        for expected in (
            "9.5 of the 250 credits",
            "240.5 to go by 31 December 2028",
            "2024: 1 credits, below the 25",
            "2025: 8.5 credits, below the 25",
            "2026 so far: 0 of the 25",
            "Section 3: Assessment: 3 of the 25",
            "Report your 2025 credits by 31 January 2026 (16 days left)",
        ):
            assert expected in warnings, (expected, progress.warnings)
        assert "feedback received" not in warnings  # the reflection is one

        # A cycle start from an earlier cycle rolls forward to the cycle that holds today:
        # 2020-2024 ended, so the current cycle starts in 2025 and follows the 2024 rules.
        profiles.set_profile(dept.ids["mentor"], MOC, date(2020, 1, 1), actor, NOW)
        rolled = activities.summary(dept.ids["mentor"], TODAY).progress
        assert (rolled.start, rolled.end, rolled.version) == (date(2025, 1, 1), date(2029, 12, 31), date(2024, 1, 1))
        assert rolled.totals.total == D("8.50")


def test_a_cycle_that_started_before_2024_is_judged_by_the_old_rules(app, dept):
    """Progress for the cycle 2020-2024 itself, as of its last year."""
    with app.app_context():
        mentor_year(dept)
        found = activities.summary(dept.ids["mentor"], TODAY)
        old = rules.cycle_progress(
            found.framework, [c.credit for c in found.credited], date(2020, 1, 1), date(2024, 12, 1)
        )
        assert (old.start, old.end, old.version) == (date(2020, 1, 1), date(2024, 12, 31), date(2000, 1, 1))
        assert old.totals.total == D("1.00")
        assert any("1 of the 400 credits it needs" in w for w in old.warnings), old.warnings
        assert any("Section 1: Group learning: 0 of the 25" in w for w in old.warnings), old.warnings


def test_without_a_cycle_start_the_summary_says_what_it_assumed(app, dept):
    """No cycle start: cycles count from the year of the earliest credited activity (the
    2024 preparation; the 2025 meeting earns nothing), so the page shows 2024-2028, the
    same cycle the per-cycle caps count in, with every credit of 2024 and 2025 in it."""
    with app.app_context():
        mentor_year(dept)
        found = activities.summary(dept.ids["mentor"], TODAY)
        assert (found.progress.start, found.progress.end) == (date(2024, 1, 1), date(2028, 12, 31))
        assert found.progress.totals.total == D("9.50")
        assert "cycle start is not set" in found.cycle_note and "starts 2024-01-01" in found.cycle_note
        assert "per-cycle limits count from the same date" in found.cycle_note


def test_without_a_cycle_start_caps_and_the_page_count_the_same_cycle(app, dept):
    """Unaccredited training is capped at 50 credits a MOC cycle. Work from 2020 on, seen
    in January 2026 with no cycle start: both the caps and the page count the cycles
    2020-2024 and 2025-2029, so what the page shows for 2025-2029 is what the caps left."""
    with app.app_context():
        for year in (2020, 2021, 2022):  # 3 x 5 workshop days x 4 = 60: capped at 50 in 2020-2024
            for day in range(1, 6):
                work(dept, "mentor", "mentor_training", date(year, 3, day), 480, note="Workshop day")
        for day in range(1, 4):  # 2025: a new cycle, 12 credits
            work(dept, "mentor", "mentor_training", date(2025, 3, day), 480, note="Workshop day")
        db.session.commit()
        found = activities.summary(dept.ids["mentor"], TODAY)
        by_year = {row["year"]: row["total"] for row in found.years}
        assert by_year == {2020: D(20), 2021: D(20), 2022: D(10), 2025: D(12)}
        assert (found.progress.start, found.progress.end) == (date(2025, 1, 1), date(2029, 12, 31))
        assert found.progress.totals.total == D(12)
        capped = [c.credit.reason for c in found.credited if c.credit.year == 2022 and c.credit.credits < 4]
        assert capped and all("50 credits at most for unaccredited_training (per cycle)" in r for r in capped)


def test_the_profile_framework_is_used_and_can_be_overridden(app, dept):
    with app.app_context():
        mentor_year(dept)
        profiles.set_profile(dept.ids["mentor"], "ama_pra", None, load_actor(dept.ids["mentor"]), NOW)
        db.session.commit()

        ama = activities.summary(dept.ids["mentor"], TODAY)
        assert ama.framework.id == "ama_pra"
        # AMA: 1 credit an hour, rounded down to quarters; accredited training is Category 1.
        assert ama.years == [
            {
                "year": 2025,
                "label": "2025",
                "total": D("5.50"),
                "sections": [("AMA PRA Category 1 Credit", D("2.00")), ("AMA PRA Category 2 Credit", D("3.50"))],
            },
            {
                "year": 2024,
                "label": "2024",
                "total": D("0.50"),
                "sections": [("AMA PRA Category 1 Credit", D(0)), ("AMA PRA Category 2 Credit", D("0.50"))],
            },
        ]
        assert ama.progress is None and "no multi-year cycle" in ama.cycle_note

        moc = activities.summary(dept.ids["mentor"], TODAY, MOC)
        assert moc.framework.id == MOC and moc.years[0]["total"] == D("8.50")
        assert moc.progress is not None

        error = refused(DomainError, activities.summary, dept.ids["mentor"], TODAY, "no_such_framework")
        assert error.status == 422 and "framework" in error.errors


# set_profile ----------------------------------------------------------------------------


def test_set_profile_refuses_an_unknown_framework(app, dept):
    with app.app_context():
        error = refused(
            DomainError, profiles.set_profile, dept.ids["mentor"], "abim", None, load_actor(dept.ids["mentor"]), NOW
        )
        assert error.status == 422 and "framework_id" in error.errors
        assert "royal_college_moc" in error.errors["framework_id"][0]
        assert profiles.profile_of(dept.ids["mentor"]).chosen is False


@pytest.mark.parametrize("framework_id", ["department_points", "ama_pra"])
def test_set_profile_refuses_a_cycle_start_for_a_framework_without_cycles(app, dept, framework_id):
    with app.app_context():
        error = refused(
            DomainError,
            profiles.set_profile,
            dept.ids["mentor"],
            framework_id,
            date(2025, 1, 1),
            load_actor(dept.ids["mentor"]),
            NOW,
        )
        assert error.status == 422 and list(error.errors) == ["cycle_start"]
        assert profiles.profile_of(dept.ids["mentor"]).chosen is False
        # Without a cycle start it is fine.
        assert profiles.set_profile(
            dept.ids["mentor"], framework_id, None, load_actor(dept.ids["mentor"]), NOW
        ) == profiles.Profile(framework_id, None, True)


def test_set_profile_refuses_a_cycle_start_more_than_a_year_ahead(app, dept):
    with app.app_context():
        error = refused(
            DomainError,
            profiles.set_profile,
            dept.ids["mentor"],
            MOC,
            date(2027, 2, 1),
            load_actor(dept.ids["mentor"]),
            NOW,
        )
        assert "cycle_start" in error.errors
        assert profiles.set_profile(
            dept.ids["mentor"], MOC, date(2027, 1, 1), load_actor(dept.ids["mentor"]), NOW
        ).cycle_start == date(2027, 1, 1)


def test_set_profile_works_on_29_february(app, dept):
    """ "A year ahead" of a leap day is 28 February, not a crash."""
    leap_day = datetime(2028, 2, 29, 9, 0)
    with app.app_context():
        profile = profiles.set_profile(
            dept.ids["mentor"], MOC, date(2028, 1, 1), load_actor(dept.ids["mentor"]), leap_day
        )
        assert profile == profiles.Profile(MOC, date(2028, 1, 1), True)


@pytest.mark.parametrize("role", ["mentee", "director", "other_mentor", "award_committee"])
def test_only_an_admin_sets_someone_elses_profile(app, dept, role):
    with app.app_context():
        error = refused(
            Forbidden, profiles.set_profile, dept.ids["mentor"], "ama_pra", None, load_actor(dept.ids[role]), NOW
        )
        assert error.status == 403 and "person_id" in error.errors
        assert profiles.profile_of(dept.ids["mentor"]) == profiles.Profile(MOC, None, False)


def test_an_admin_sets_anyones_profile_and_a_second_setting_replaces_the_first(app, dept):
    with app.app_context():
        admin = load_actor(dept.ids["admin"])
        profiles.set_profile(dept.ids["mentor"], "cfpc_mainpro", date(2025, 7, 1), admin, NOW)
        db.session.commit()
        assert profiles.profile_of(dept.ids["mentor"]) == profiles.Profile("cfpc_mainpro", date(2025, 7, 1), True)
        profiles.set_profile(dept.ids["mentor"], MOC, None, load_actor(dept.ids["mentor"]), NOW)
        db.session.commit()
        assert profiles.profile_of(dept.ids["mentor"]) == profiles.Profile(MOC, None, True)


def test_a_cycle_start_saved_before_the_check_is_counted_as_saved_and_the_summary_says_to_fix_it(app, dept):
    with app.app_context():
        mentor_year(dept)
        db.session.add(
            CreditProfile(person_id=dept.ids["mentor"], framework_id=MOC, cycle_start=date(2024, 3, 1), updated_at=NOW)
        )
        db.session.commit()
        found = activities.summary(dept.ids["mentor"], TODAY)
        assert found.progress.start == date(2024, 3, 1)
        assert found.cycle_note == (
            "Your cycle start 2024-03-01 is not 1 January, the first day of a Royal College MOC Program year: "
            "your cycle most likely began on 2024-01-01. Set it again below."
        )
