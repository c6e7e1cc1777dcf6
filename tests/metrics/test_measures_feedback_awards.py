"""The feedback and award measures on the test department (tests/support/department.py):
Cardiology holds the admin, director, mentor and mentee; Nephrology the others."""

from __future__ import annotations

from datetime import date

from recognition.awards.announcement import service as announce
from recognition.awards.cycles import decision
from recognition.awards.models import Grant
from recognition.extensions import db
from recognition.feedback import service as feedback
from recognition.feedback.models import Answer, Receipt, Release, Request, Response
from recognition.metrics import service
from recognition.metrics.measures import MEASURES
from recognition.metrics.rules import Tally
from recognition.people.models import Division
from tests.support.awards import DAYS, YEAR, AwardWorld, actor, at

TODAY = date(2026, 3, 1)


def tallies(metric_id: str, year: int, today: date = TODAY):
    metric = service.definitions()[metric_id]
    series, found = MEASURES[metric.measure](metric, service.year_of(year, today))
    codes = {d.id: d.code for d in db.session.scalars(db.select(Division))}
    return [s.key for s in series], {codes[key]: value for key, value in found.items()}


def _responses(mentor_id: int, period: str, values: list[int], release_id: int | None, used) -> None:
    for value in values:
        response = Response(
            id=f"{mentor_id:04d}{period}{len(db.session.new):010d}{value}".ljust(32, "0")[:32],
            mentor_id=mentor_id,
            period=period,
            instrument_key=used.key,
            instrument_version=used.version,
            release_id=release_id,
        )
        db.session.add(response)
        db.session.flush()
        for item in used.items:
            db.session.add(Answer(response_id=response.id, item_id=item.id, value=value))


def test_feedback_response_rate_and_scores_count_released_periods_only(app, dept):
    """The mentor's 2025 block is released: 1 of the mentee's 1 request answered, and
    scores of 5 and 6 (mean 5.7). The other mentor's 2025 responses wait for a block:
    neither the rate nor the scores count them."""
    with app.app_context():
        used = feedback.current_instrument()
        pairs = (("mentor", "mentee", dept.mentorship_id), ("other_mentor", "other_mentee", dept.other_mentorship_id))
        for mentor, mentee, mentorship_id in pairs:
            db.session.add(
                Request(
                    period="2025",
                    mentor_id=dept.ids[mentor],
                    mentee_id=dept.ids[mentee],
                    mentorship_id=mentorship_id,
                    instrument_key=used.key,
                    instrument_version=used.version,
                    created_at=at(date(2025, 11, 1)),
                )
            )
            db.session.add(Receipt(period="2025", mentor_id=dept.ids[mentor], mentee_id=dept.ids[mentee]))
        release = Release(
            mentor_id=dept.ids["mentor"],
            instrument_key=used.key,
            instrument_version=used.version,
            periods="2024,2025",
            response_count=3,
        )
        db.session.add(release)
        db.session.flush()
        _responses(dept.ids["mentor"], "2024", [4], release.id, used)
        _responses(dept.ids["mentor"], "2025", [5, 6], release.id, used)
        _responses(dept.ids["other_mentor"], "2025", [2], None, used)
        db.session.commit()

        assert tallies("feedback_response_rate", 2025) == (["answered"], {"CARD": {"answered": Tally(1, 1)}})
        series, found = tallies("feedback_scores", 2025)
        assert series == ["Below 3", "3 to 4", "4 to 5", "5 and above"]
        assert found == {"CARD": {"5 and above": Tally(1)}}
        # 2024's response alone (mean 4) is in the same block, so it counts for 2024.
        assert tallies("feedback_scores", 2024)[1] == {"CARD": {"4 to 5": Tally(1)}}
        assert tallies("feedback_response_rate", 2024)[1] == {}


def test_nominations_and_awards_count_people_and_leave_out_revoked_grants(app, dept):
    with app.app_context():
        world = AwardWorld.build(
            dept, winners=2
        )  # nominees: mentor (Cardiology), other_mentee and other_director (Nephrology)
        world.to("review")
        world.score_all()
        chosen = [world.nomination_ids["mentor"], world.nomination_ids["other_director"]]
        decision.decide(world.cycle, chosen, {}, "", actor(dept, "admin"), date(YEAR, 4, 20), at(date(YEAR, 4, 20)))
        db.session.commit()
        world.to("announced")
        today = date(YEAR, 12, 1)
        assert tallies("nominations_and_awards", YEAR, today) == (
            ["nominated", "awarded"],
            {
                "CARD": {"nominated": Tally(1), "awarded": Tally(1)},
                "NEPH": {"nominated": Tally(2), "awarded": Tally(1)},
            },
        )
        grant = db.session.scalar(db.select(Grant).where(Grant.person_id == dept.ids["other_director"]))
        announce.revoke(grant, "awarded in error", actor(dept, "admin"), at(DAYS["announced"]))
        db.session.commit()
        assert tallies("nominations_and_awards", YEAR, today)[1]["NEPH"] == {"nominated": Tally(2)}
        assert tallies("nominations_and_awards", YEAR - 1, today)[1] == {}
